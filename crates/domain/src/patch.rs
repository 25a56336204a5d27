//! PATCH semantics: an absent field leaves a value unchanged, `null` clears it.

use serde::{Deserialize, Deserializer};

/// A field of a PATCH body: `None` = absent (unchanged), `Some(None)` = clear,
/// `Some(Some(v))` = set. Use with `#[serde(default, deserialize_with = "patch::nullable")]`.
pub type Patch<T> = Option<Option<T>>;

/// Deserialises a present field (null or value) into `Some(..)`; `#[serde(default)]`
/// supplies `None` when the field is absent.
pub fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Body {
        #[serde(default, deserialize_with = "nullable")]
        name: Patch<String>,
    }

    #[test]
    fn absent_null_and_value_are_distinct() {
        let parse = |s: &str| serde_json::from_str::<Body>(s).map(|b| b.name).ok();
        assert_eq!(parse("{}"), Some(None));
        assert_eq!(parse(r#"{"name":null}"#), Some(Some(None)));
        assert_eq!(parse(r#"{"name":"x"}"#), Some(Some(Some("x".to_owned()))));
    }
}
