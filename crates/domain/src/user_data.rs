//! A user's own data as a whole: the erasure request (`DELETE /user`).

use garde::Validate;
use serde::Deserialize;

/// The exact text `DELETE /user` requires in `confirmation`.
pub const ERASE_CONFIRMATION: &str = "DELETE MY DATA";

/// Body of `DELETE /user`: the user types the confirmation and acknowledges that erasure
/// cannot be undone. Anything else is refused, so no client bug erases an account.
#[derive(Debug, Clone, Deserialize, Validate, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EraseAccount {
    /// Must be exactly `DELETE MY DATA`.
    #[garde(custom(is_confirmation))]
    #[schema(example = "DELETE MY DATA")]
    pub confirmation: String,
    /// Must be `true`.
    #[garde(custom(is_true))]
    pub acknowledge_irreversible: bool,
}

fn is_confirmation(value: &str, _ctx: &()) -> garde::Result {
    if value == ERASE_CONFIRMATION {
        Ok(())
    } else {
        Err(garde::Error::new(format!(
            "must be exactly \"{ERASE_CONFIRMATION}\""
        )))
    }
}

fn is_true(value: &bool, _ctx: &()) -> garde::Result {
    if *value {
        Ok(())
    } else {
        Err(garde::Error::new("must be true"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn erase(confirmation: &str, acknowledged: bool) -> EraseAccount {
        EraseAccount {
            confirmation: confirmation.to_owned(),
            acknowledge_irreversible: acknowledged,
        }
    }

    #[test]
    fn only_the_exact_confirmation_and_an_acknowledgement_pass() {
        assert!(erase("DELETE MY DATA", true).validate().is_ok());
        for bad in ["delete my data", "DELETE MY DATA ", "", "DELETE"] {
            assert!(erase(bad, true).validate().is_err(), "{bad:?}");
        }
        assert!(erase("DELETE MY DATA", false).validate().is_err());
    }
}
