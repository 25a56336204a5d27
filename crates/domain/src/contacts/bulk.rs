//! `POST /contacts/bulk-delete`.

use garde::Validate;
use serde::{Deserialize, Serialize};

use crate::ContactId;

/// Most ids one bulk delete accepts.
pub const MAX_BULK_DELETE: usize = 100;

/// Body of `POST /contacts/bulk-delete`.
#[derive(Debug, Clone, Deserialize, Validate, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BulkDeleteContacts {
    /// 1..=100 contact ids; repeated ids count once.
    #[garde(length(min = 1, max = MAX_BULK_DELETE))]
    #[schema(value_type = Vec<String>, format = Uuid)]
    pub ids: Vec<ContactId>,
}

impl BulkDeleteContacts {
    /// The ids without repetitions, in the order first given.
    pub fn distinct_ids(&self) -> Vec<ContactId> {
        let mut seen = std::collections::HashSet::with_capacity(self.ids.len());
        self.ids
            .iter()
            .copied()
            .filter(|id| seen.insert(*id))
            .collect()
    }
}

/// Why one id of a bulk delete was not deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BulkDeleteError {
    /// The id as given.
    pub id: ContactId,
    /// `not_found`: no such contact of this user (never deleted).
    pub code: String,
}

/// Answer of `POST /contacts/bulk-delete`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BulkDeleteResult {
    /// Contacts deleted.
    pub deleted: u64,
    /// Ids that were not deleted, each once, in the order given.
    pub errors: Vec<BulkDeleteError>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_ids_count_once_in_order() {
        let (a, b) = (ContactId::generate(), ContactId::generate());
        let body = BulkDeleteContacts {
            ids: vec![a, b, a, b, a],
        };
        assert_eq!(body.distinct_ids(), vec![a, b]);
    }

    #[test]
    fn between_one_and_a_hundred_ids() {
        let empty = BulkDeleteContacts { ids: Vec::new() };
        assert!(empty.validate().is_err());
        let too_many = BulkDeleteContacts {
            ids: (0..=MAX_BULK_DELETE)
                .map(|_| ContactId::generate())
                .collect(),
        };
        assert!(too_many.validate().is_err());
    }
}
