//! The start-up check that the serving role sees one tenant at a time.
//!
//! Row-level security confines a role only when it is not a superuser, has no
//! `BYPASSRLS`, and owns nothing: the migrating role (the owner) reads every tenant
//! through the owner-only policies `owner_search` and `owner_token_lookup`, and an owner
//! can `ALTER TABLE .. DISABLE ROW LEVEL SECURITY`. A member of such a role can `SET ROLE`
//! to it. The server and the worker run [`refuse_cross_tenant_role`] before anything else
//! and do not start on such a role; no setting switches this off (ADR 0011).

use diesel::QueryableByName;
use diesel::sql_types::{Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// Why a role may not serve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CrossTenant {
    /// The role, or a role it is a member of, is a superuser.
    Superuser {
        /// The serving role.
        role: String,
        /// The superuser role it is (or can become).
        via: String,
    },
    /// The role, or a role it is a member of, has `BYPASSRLS`.
    BypassRls {
        /// The serving role.
        role: String,
        /// The role with `BYPASSRLS`.
        via: String,
    },
    /// The role, or a role it is a member of, owns the database, a schema, a table or a
    /// function of it.
    Owner {
        /// The serving role.
        role: String,
        /// The owning role.
        via: String,
        /// What it owns (`database omnicrm`, `table contacts`, ...).
        object: String,
    },
}

impl std::fmt::Display for CrossTenant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (role, reason) = match self {
            Self::Superuser { role, via } => (role, describe(role, via, "is a superuser")),
            Self::BypassRls { role, via } => (role, describe(role, via, "has BYPASSRLS")),
            Self::Owner { role, via, object } => {
                (role, describe(role, via, &format!("owns {object}")))
            }
        };
        write!(
            f,
            "refusing to serve as database role {role:?}: {reason}, so row-level security would \
             not keep tenants apart. Serve with a role that owns nothing and is a member of \
             nothing but omnicrm_app_group (CREATE ROLE omnicrm_app LOGIN NOSUPERUSER \
             NOBYPASSRLS; GRANT omnicrm_app_group TO omnicrm_app) in DATABASE_URL, and give the \
             owner role to `omnicrm-server migrate` only (docs/operations.md, \"Database roles\")"
        )
    }
}

impl std::error::Error for CrossTenant {}

fn describe(role: &str, via: &str, what: &str) -> String {
    if role == via {
        format!("it {what}")
    } else {
        format!("it is a member of {via:?}, which {what}")
    }
}

/// Why the check could not decide.
#[derive(Debug, thiserror::Error)]
pub enum ServingRoleError {
    /// The role may not serve.
    #[error("{0}")]
    CrossTenant(CrossTenant),
    /// The database could not be reached.
    #[error("cannot connect to the database to check its role: {0}")]
    Connect(diesel::ConnectionError),
    /// The catalog query failed.
    #[error("cannot check the database role: {0}")]
    Query(#[from] diesel::result::Error),
}

#[derive(QueryableByName)]
struct Finding {
    #[diesel(sql_type = Text)]
    role: String,
    #[diesel(sql_type = Nullable<Text>)]
    superuser: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    bypassrls: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    owner: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    owned: Option<String>,
}

/// `pg_has_role(.., 'MEMBER')` follows membership through every level, whether or not it
/// is inherited: a role that can `SET ROLE` to an owner counts as that owner. Objects of
/// the system schemas belong to the bootstrap superuser, which the first test covers.
const FINDINGS: &str = include_str!("sql/serving_role_findings.sql");

/// Fails with [`ServingRoleError::CrossTenant`] when the connection's role could read
/// other tenants' rows: it (or a role it is a member of) is a superuser, has `BYPASSRLS`,
/// or owns the database, a schema, a table or a function.
pub async fn refuse_cross_tenant_role(
    conn: &mut AsyncPgConnection,
) -> Result<(), ServingRoleError> {
    let finding: Finding = diesel::sql_query(FINDINGS).get_result(conn).await?;
    let role = finding.role;
    let refusal = if let Some(via) = finding.superuser {
        Some(CrossTenant::Superuser { role, via })
    } else if let Some(via) = finding.bypassrls {
        Some(CrossTenant::BypassRls { role, via })
    } else if let (Some(via), Some(object)) = (finding.owner, finding.owned) {
        Some(CrossTenant::Owner { role, via, object })
    } else {
        None
    };
    match refusal {
        Some(refusal) => Err(ServingRoleError::CrossTenant(refusal)),
        None => Ok(()),
    }
}

/// [`refuse_cross_tenant_role`] on a fresh connection to `url` (the serving role's URL),
/// opened like the pool's connections (TLS, timeouts).
pub async fn refuse_cross_tenant_url(
    url: &str,
    connect_timeout: std::time::Duration,
    statement_timeout: std::time::Duration,
) -> Result<(), ServingRoleError> {
    let mut conn = crate::connect(url, connect_timeout, statement_timeout)
        .await
        .map_err(ServingRoleError::Connect)?;
    refuse_cross_tenant_role(&mut conn).await
}
