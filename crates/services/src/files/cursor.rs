//! The opaque cursor of the photo access log: base64url of `<unix nanos>:<id>`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use omnicrm_problem::AppError;
use time::OffsetDateTime;
use uuid::Uuid;

/// Encodes a position (the last item of a page).
pub(super) fn encode(at: OffsetDateTime, id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}:{id}", at.unix_timestamp_nanos()))
}

/// Decodes a cursor; anything else is 400 `validation_failed` on `/cursor`.
pub(super) fn decode(cursor: &str) -> Result<(OffsetDateTime, Uuid), AppError> {
    let invalid = || AppError::invalid_field("/cursor", "invalid", "not a valid cursor");
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let (nanos, id) = text.split_once(':').ok_or_else(invalid)?;
    let nanos: i128 = nanos.parse().map_err(|_| invalid())?;
    let at = OffsetDateTime::from_unix_timestamp_nanos(nanos).map_err(|_| invalid())?;
    let id = Uuid::parse_str(id).map_err(|_| invalid())?;
    Ok((at, id))
}

#[cfg(test)]
mod tests {
    use omnicrm_problem::ErrorCode;

    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_a_validation_error() {
        let at = OffsetDateTime::from_unix_timestamp_nanos(1_700_000_000_123_456_000).unwrap();
        let id = Uuid::now_v7();
        assert_eq!(decode(&encode(at, id)).unwrap(), (at, id));
        for bad in ["", "!!", "bm9wZQ", &URL_SAFE_NO_PAD.encode("1:not-a-uuid")] {
            assert_eq!(
                decode(bad).map_err(|e| e.code()).err(),
                Some(ErrorCode::ValidationFailed),
                "{bad}"
            );
        }
    }
}
