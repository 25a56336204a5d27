//! `POST /contacts/bulk-delete`.

use garde::Validate;
use serde::Deserialize;

use crate::ContactId;

/// Most ids one bulk delete accepts.
pub const MAX_BULK_DELETE: usize = 100;

/// Body of `POST /contacts/bulk-delete`.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Deserialize, Validate, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BulkDeleteContacts {
    /// 1..=100 contact ids; repeated ids count once.
    #[garde(length(min = 1, max = MAX_BULK_DELETE))]
    #[schema(max_items = 100)]
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

/// Answer of `POST /contacts/bulk-delete`.
pub type BulkDeleteResult = crate::bulk::BulkDeleted<ContactId>;

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
