//! The one codec of every cursor list (jobs, the photo access log, and what later lists add):
//! base64url of `<unix nanos>:<id>`, the position of the last item of a page.
//!
//! A cursor is client input. Decoding accepts only what a row of ours can carry: a UUID and a
//! time between the years 1 and 9999. `time` alone would accept years down to -9999, which
//! PostgreSQL's `timestamptz` (from 4713 BC) refuses: such a cursor used to reach the database
//! and answer 500.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use omnicrm_problem::AppError;
use time::OffsetDateTime;
use uuid::Uuid;

/// Longest cursor we try to decode; ours are about 80 characters.
const MAX_LEN: usize = 128;

/// A position in a list ordered by `(time, id)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    /// The time column of the last item seen.
    pub at: OffsetDateTime,
    /// The id of the last item seen.
    pub id: Uuid,
}

impl Cursor {
    /// The cursor after an item.
    pub fn new(at: OffsetDateTime, id: Uuid) -> Self {
        Self { at, id }
    }

    /// The opaque string a client sends back.
    pub fn encode(self) -> String {
        URL_SAFE_NO_PAD.encode(format!("{}:{}", self.at.unix_timestamp_nanos(), self.id))
    }

    /// Decodes a client's cursor; anything but one we could have made is 400
    /// `validation_failed` on `/cursor`.
    pub fn decode(cursor: &str) -> Result<Self, AppError> {
        let invalid = || AppError::invalid_field("/cursor", "invalid", "not a valid cursor");
        if cursor.len() > MAX_LEN {
            return Err(invalid());
        }
        let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
        let text = String::from_utf8(bytes).map_err(|_| invalid())?;
        let (nanos, id) = text.split_once(':').ok_or_else(invalid)?;
        let nanos: i128 = nanos.parse().map_err(|_| invalid())?;
        let at = OffsetDateTime::from_unix_timestamp_nanos(nanos).map_err(|_| invalid())?;
        if !(1..=9999).contains(&at.year()) {
            return Err(invalid());
        }
        let id = Uuid::parse_str(id).map_err(|_| invalid())?;
        Ok(Self { at, id })
    }
}

/// The `(time, id)` position a client's optional cursor names (`None`: the first page).
pub fn position(cursor: Option<&str>) -> Result<Option<(OffsetDateTime, Uuid)>, AppError> {
    Ok(cursor
        .map(Cursor::decode)
        .transpose()?
        .map(|c| (c.at, c.id)))
}

/// Cuts rows fetched as `limit + 1` down to a page of `limit`; when there was a row more,
/// returns the cursor after the page's last item (`key` gives its time and id).
pub fn cut_page<T>(
    rows: &mut Vec<T>,
    limit: usize,
    key: impl Fn(&T) -> (OffsetDateTime, Uuid),
) -> Option<String> {
    if rows.len() <= limit {
        return None;
    }
    rows.truncate(limit);
    rows.last().map(|row| {
        let (at, id) = key(row);
        Cursor::new(at, id).encode()
    })
}

#[cfg(test)]
mod tests {
    use omnicrm_problem::ErrorCode;

    use super::*;

    fn raw(text: &str) -> String {
        URL_SAFE_NO_PAD.encode(text)
    }

    #[test]
    fn a_page_is_cut_to_its_limit_with_the_cursor_after_its_last_item() {
        let at = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
        let ids: Vec<Uuid> = (0..3).map(|_| Uuid::now_v7()).collect();
        let mut rows = ids.clone();
        let next = cut_page(&mut rows, 2, |id| (at, *id));
        assert_eq!(rows, ids[..2]);
        assert_eq!(next, Some(Cursor::new(at, ids[1]).encode()));
        assert_eq!(position(next.as_deref()).unwrap(), Some((at, ids[1])));
        let mut short = ids.clone();
        assert_eq!(cut_page(&mut short, 3, |id| (at, *id)), None);
        assert_eq!(short, ids);
        assert_eq!(position(None).unwrap(), None);
    }

    #[test]
    fn a_cursor_round_trips() {
        let at = OffsetDateTime::from_unix_timestamp_nanos(1_700_000_000_123_456_789).unwrap();
        let cursor = Cursor::new(at, Uuid::now_v7());
        assert_eq!(Cursor::decode(&cursor.encode()).unwrap(), cursor);
    }

    #[test]
    fn anything_we_could_not_have_made_is_a_validation_error() {
        let id = Uuid::now_v7();
        let too_old = raw(&format!("-230000000000000000000:{id}")); // about 5300 BC
        let year_zero = raw(&format!("-62167219200000000000:{id}"));
        let beyond_time = raw(&format!("{}:{id}", i128::MAX));
        let long = "A".repeat(MAX_LEN + 4);
        for bad in [
            "",
            "!!",
            "bm9wZQ",
            &raw("1:not-a-uuid"),
            &too_old,
            &year_zero,
            &beyond_time,
            &long,
        ] {
            assert_eq!(
                Cursor::decode(bad).map_err(|e| e.code()).err(),
                Some(ErrorCode::ValidationFailed),
                "{bad}"
            );
        }
    }
}
