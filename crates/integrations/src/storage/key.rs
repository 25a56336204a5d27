use std::fmt;

use omnicrm_domain::UserId;
use uuid::Uuid;

use super::StorageError;

/// A stored object's path: `<owner uuid>/<area>/<uuid>.<ext>`. Parsing accepts only that
/// shape (lower-case ASCII area and extension, no `..`, no extra segments), so a key taken
/// from a URL can never escape the owner's directory, and its owner is always known.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectKey {
    path: String,
    owner: UserId,
}

impl ObjectKey {
    /// A fresh key for a new object of `owner` in `area` (`photos`, `files`).
    pub fn generate(owner: UserId, area: &str, ext: &str) -> Result<Self, StorageError> {
        Self::parse(&format!("{owner}/{area}/{}.{ext}", Uuid::now_v7()))
    }

    /// Validates a key (from the database or a URL).
    pub fn parse(path: &str) -> Result<Self, StorageError> {
        let invalid = || StorageError::InvalidKey(path.chars().take(200).collect());
        let mut parts = path.split('/');
        let (Some(owner), Some(area), Some(file), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(invalid());
        };
        // Only canonical lower-case hyphenated UUIDs, so one object has exactly one key.
        let canonical = |s: &str| Uuid::parse_str(s).ok().filter(|u| u.to_string() == s);
        let owner = canonical(owner).ok_or_else(invalid)?;
        let (stem, ext) = file.split_once('.').ok_or_else(invalid)?;
        let lower_word = |s: &str, max: usize| {
            !s.is_empty()
                && s.len() <= max
                && s.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        };
        if !lower_word(area, 32) || !lower_word(ext, 8) || canonical(stem).is_none() {
            return Err(invalid());
        }
        Ok(Self {
            path: path.to_owned(),
            owner: owner.into(),
        })
    }

    /// The user whose object this is.
    pub fn owner(&self) -> UserId {
        self.owner
    }

    /// The key as stored in the database.
    pub fn as_str(&self) -> &str {
        &self.path
    }

    /// The file extension (`jpg`, `pdf`, ...).
    pub fn extension(&self) -> &str {
        self.path.rsplit('.').next().unwrap_or_default()
    }

    /// The media type served for this object, from the extension its bytes were given.
    pub fn content_type(&self) -> &'static str {
        crate::images::content_type_for_extension(self.extension())
    }
}

impl fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_parse_back_with_their_owner() {
        let owner = UserId::generate();
        let key = ObjectKey::generate(owner, "photos", "jpg").unwrap();
        assert_eq!(ObjectKey::parse(key.as_str()).unwrap(), key);
        assert_eq!(key.owner(), owner);
        assert_eq!(key.content_type(), "image/jpeg");
    }

    #[test]
    fn traversal_and_odd_shapes_are_refused() {
        let owner = UserId::generate();
        let file = Uuid::now_v7();
        for bad in [
            format!("{owner}/../{file}.jpg"),
            format!("{owner}/photos/../../etc.jpg"),
            format!("{owner}/photos/{file}.jpg/extra"),
            format!("{owner}/photos/{file}"),
            format!("{owner}/Photos/{file}.jpg"),
            format!("{owner}/photos/{file}.JPG"),
            format!("/{owner}/photos/{file}.jpg"),
            format!("{}/photos/{file}.jpg", owner.to_string().to_uppercase()),
            format!("{owner}/photos/x{file}.jpg"),
            "client-photos/abc.webp".to_owned(),
            String::new(),
        ] {
            assert!(ObjectKey::parse(&bad).is_err(), "{bad}");
        }
    }
}
