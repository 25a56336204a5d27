//! The versioned single resources: which row of which table a path names.
//!
//! One line per resource. A test (`every_single_resource_route_is_versioned`) fails when
//! the OpenAPI document gains a single-resource route that is not listed here, so a new
//! resource cannot ship without `ETag` and `If-Match`.

use omnicrm_services::row_versions::{RowKey, VersionedRow};

/// A single resource: its path template, its table, and how the path names the row.
#[derive(Debug, Clone, Copy)]
pub struct Resource {
    /// The path template, as in the OpenAPI document.
    pub template: &'static str,
    /// The tenant table holding the resource.
    pub table: &'static str,
    /// The path parameter holding the row's `id`; `None`: the user's only row.
    pub id_param: Option<&'static str>,
    /// A path parameter naming the parent row, and the table's column for it.
    pub parent: Option<(&'static str, &'static str)>,
}

const fn by_id(template: &'static str, table: &'static str) -> Resource {
    Resource {
        template,
        table,
        id_param: Some("id"),
        parent: None,
    }
}

const fn under_contact(
    template: &'static str,
    table: &'static str,
    id_param: &'static str,
) -> Resource {
    Resource {
        template,
        table,
        id_param: Some(id_param),
        parent: Some(("id", "contact_id")),
    }
}

/// Every versioned resource.
pub const RESOURCES: &[Resource] = &[
    by_id("/api/v1/contacts/{id}", "contacts"),
    by_id("/api/v1/notes/{id}", "notes"),
    by_id("/api/v1/tags/{id}", "tags"),
    under_contact(
        "/api/v1/contacts/{id}/files/{fileId}",
        "client_files",
        "fileId",
    ),
    under_contact(
        "/api/v1/contacts/{id}/consents/{consentId}",
        "client_consents",
        "consentId",
    ),
    by_id(
        "/api/v1/data-intelligence/contact-identities/{id}",
        "contact_identities",
    ),
    by_id(
        "/api/v1/data-intelligence/ignored-identifiers/{id}",
        "ignored_identifiers",
    ),
    by_id("/api/v1/onboarding/admin/tokens/{id}", "onboarding_tokens"),
    by_id("/api/v1/user/export/{id}", "user_exports"),
    by_id("/api/v1/omni-momentum/habits/{id}", "habits"),
    by_id("/api/v1/omni-momentum/pulse/{id}", "daily_pulse_logs"),
    by_id("/api/v1/omni-momentum/goals/{id}", "goals"),
    by_id("/api/v1/omni-momentum/inbox/{id}", "inbox_items"),
    Resource {
        template: "/api/v1/omni-momentum/habits/{id}/completions/{completionId}",
        table: "habit_completions",
        id_param: Some("completionId"),
        parent: Some(("id", "habit_id")),
    },
    by_id("/api/v1/contacts/import/{id}", "contact_imports"),
    by_id("/api/v1/interactions/{id}", "interactions"),
    by_id("/api/v1/data-intelligence/raw-events/{id}", "raw_events"),
    by_id("/api/v1/omni-momentum/projects/{id}", "projects"),
    by_id("/api/v1/omni-momentum/tasks/{id}", "tasks"),
    by_id("/api/v1/chat/threads/{id}", "threads"),
    by_id("/api/v1/data-intelligence/ai-insights/{id}", "ai_insights"),
    by_id("/api/v1/data-intelligence/documents/{id}", "documents"),
    Resource {
        template: "/api/v1/user-profile",
        table: "user_profiles",
        id_param: None,
        parent: None,
    },
];

/// The resource and row a request path names, if any. A path whose id is not a UUID names
/// no row (the handler answers 404).
pub fn row_for_path(path: &str) -> Option<(&'static Resource, VersionedRow)> {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    RESOURCES.iter().find_map(|resource| {
        let template: Vec<&str> = resource.template.split('/').collect();
        if template.len() != segments.len() {
            return None;
        }
        let mut params = Vec::new();
        for (t, s) in template.iter().zip(&segments) {
            match t.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
                Some(name) if !s.is_empty() => params.push((name, *s)),
                Some(_) => return None,
                None if t == s => {}
                None => return None,
            }
        }
        let param = |name: &str| {
            params
                .iter()
                .find(|(n, _)| *n == name)
                .and_then(|(_, v)| uuid::Uuid::parse_str(v).ok())
        };
        let key = match resource.id_param {
            None => RowKey::Owner,
            Some(id_param) => RowKey::Id {
                id: param(id_param)?,
                parent: match resource.parent {
                    None => None,
                    Some((param_name, column)) => Some((column, param(param_name)?)),
                },
            },
        };
        Some((
            resource,
            VersionedRow {
                table: resource.table,
                key,
            },
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Single-resource routes that are deliberately not versioned, with the reason.
    const NOT_VERSIONED: &[(&str, &str)] = &[
        (
            "/api/v1/jobs/{id}",
            "a job engine row, changed by workers many times a second",
        ),
        (
            "/api/v1/jobs/batches/{id}",
            "a summary computed over many jobs",
        ),
        ("/api/v1/problems/{code}", "a static page"),
        ("/problems/{code}", "a static page"),
        (
            "/api/v1/onboarding/public/tokens/{token}",
            "public, no user",
        ),
        (
            "/api/v1/user/export/{id}/download",
            "the archive, not a resource",
        ),
        (
            "/api/v1/files/{owner}/{area}/{name}",
            "a signed download, not a resource",
        ),
        (
            "/api/v1/user/erasure-receipts/{id}",
            "a receipt outside tenancy, never changed by the user",
        ),
    ];

    #[test]
    fn paths_name_rows_and_non_uuids_name_none() {
        let id = uuid::Uuid::now_v7();
        let (r, row) = row_for_path(&format!("/api/v1/contacts/{id}")).unwrap();
        assert_eq!(r.table, "contacts");
        assert_eq!(row.key, RowKey::Id { id, parent: None });
        assert!(row_for_path("/api/v1/contacts/not-a-uuid").is_none());
        assert!(row_for_path("/api/v1/contacts").is_none());
        let file = uuid::Uuid::now_v7();
        let (_, row) = row_for_path(&format!("/api/v1/contacts/{id}/files/{file}")).unwrap();
        assert_eq!(
            row.key,
            RowKey::Id {
                id: file,
                parent: Some(("contact_id", id))
            }
        );
        let (_, row) = row_for_path("/api/v1/user-profile").unwrap();
        assert_eq!(row.key, RowKey::Owner);
    }

    /// A route is a single resource when its GET names one thing: the path ends in a
    /// parameter, or it is the profile. Each must be versioned or say why not.
    #[test]
    fn every_single_resource_route_is_versioned() {
        let doc = crate::api_doc();
        for (path, item) in &doc.paths.paths {
            let single = path.ends_with('}') || path == "/api/v1/user-profile";
            if item.get.is_none() || !single {
                continue;
            }
            let listed = RESOURCES.iter().any(|r| r.template == path)
                || NOT_VERSIONED.iter().any(|(p, _)| p == path);
            assert!(
                listed,
                "{path}: add it to RESOURCES (or NOT_VERSIONED with a reason)"
            );
        }
        for r in RESOURCES {
            assert!(
                doc.paths.paths.contains_key(r.template),
                "{} is no route",
                r.template
            );
        }
    }
}
