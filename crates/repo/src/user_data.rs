//! Everything a user owns, found in the catalog rather than listed by hand: every table of
//! the application schema with a `user_id` column (tenant tables, `tenants` itself and the
//! job engine's `job_*` tables). A table added later is exported and erased without
//! touching this module; only its secret columns need an entry in [`SECRET_COLUMNS`].

use std::time::Duration;

use diesel::QueryableByName;
use diesel::sql_types::{Array, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use omnicrm_domain::UserId;
use omnicrm_problem::AppError;

use crate::db::{Db, TenantFuture, in_tenant_transaction};
use crate::error::RepoErrorExt;

/// The string a redacted value is replaced with.
pub const REDACTED: &str = "[redacted]";

/// How a secret column appears in an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretHandling {
    /// Present, but a non-NULL value reads [`REDACTED`] (the user sees that a secret exists).
    Redact,
    /// Left out entirely (a hash or a lease token says nothing to the user).
    Omit,
}

/// Columns that are never exported as stored: `(table, column, handling)`. The api tests
/// check that every column of a user-owned table whose name suggests a secret is either
/// listed here or known to be harmless, so a new secret column cannot slip out.
pub const SECRET_COLUMNS: &[(&str, &str, SecretHandling)] = &[
    // OAuth credentials (encrypted at rest, but still credentials).
    ("user_integrations", "access_token", SecretHandling::Redact),
    ("user_integrations", "refresh_token", SecretHandling::Redact),
    // A pending OAuth connection's PKCE verifier (sealed): a capability, not the user's data.
    ("google_oauth_states", "code_verifier", SecretHandling::Omit),
    // sha256 of the public onboarding token: useless to the user, useful to an attacker.
    ("onboarding_tokens", "token_hash", SecretHandling::Omit),
    // A running job's fencing token: a capability of the worker holding the lease.
    ("job_queue", "lease_token", SecretHandling::Omit),
];

/// A table with a `user_id` column, as the catalog describes it.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct OwnedTable {
    /// Table name (schema `public`, or whatever `current_schema()` is).
    #[diesel(sql_type = Text)]
    pub name: String,
    /// Every column, in table order.
    #[diesel(sql_type = Array<Text>)]
    pub columns: Vec<String>,
    /// Primary key columns in key order (empty when there is none).
    #[diesel(sql_type = Array<Text>)]
    pub primary_key: Vec<String>,
}

impl OwnedTable {
    /// The SELECT producing one JSON text per row of `user` (secrets handled, primary-key
    /// order). The user id is filtered explicitly on top of row-level security: job tables
    /// have none.
    pub fn export_select(&self, user: UserId) -> String {
        let columns: Vec<String> = self
            .columns
            .iter()
            .filter_map(|column| match secret_handling(&self.name, column) {
                None => Some(format!("t.{}", quote_ident(column))),
                Some(SecretHandling::Omit) => None,
                Some(SecretHandling::Redact) => Some(format!(
                    "CASE WHEN t.{c} IS NULL THEN NULL ELSE '{REDACTED}' END AS {c}",
                    c = quote_ident(column)
                )),
            })
            .collect();
        let order = if self.primary_key.is_empty() {
            String::new()
        } else {
            let keys: Vec<String> = self
                .primary_key
                .iter()
                .map(|k| format!("t.{}", quote_ident(k)))
                .collect();
            format!(" ORDER BY {}", keys.join(", "))
        };
        // The uuid's text form is hex digits and hyphens only: safe to inline (DECLARE
        // cannot take bind parameters through every protocol path).
        format!(
            "SELECT row_to_json(r)::text AS row_json FROM (SELECT {} FROM {} AS t \
             WHERE t.user_id = '{}'::uuid{order}) AS r",
            columns.join(", "),
            quote_ident(&self.name),
            user.into_uuid(),
        )
    }
}

/// How `column` of `table` is treated in an export, if it is a secret.
pub fn secret_handling(table: &str, column: &str) -> Option<SecretHandling> {
    SECRET_COLUMNS
        .iter()
        .find(|(t, c, _)| *t == table && *c == column)
        .map(|(_, _, handling)| *handling)
}

/// `"name"` with embedded quotes doubled: safe for any identifier the catalog returns.
fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Every table of the current schema with a `user_id` column: ordinary and partitioned
/// tables, not the partitions themselves (a partitioned parent reads its partitions).
pub async fn owned_tables(conn: &mut AsyncPgConnection) -> Result<Vec<OwnedTable>, AppError> {
    diesel::sql_query(include_str!("sql/user_data_owned_tables.sql"))
        .load(conn)
        .await
        .map_db_error()
}

/// The one cursor an export has open at a time.
const CURSOR: &str = "user_export_rows";

/// Opens a server-side cursor over `select` (a statement from [`OwnedTable::export_select`]),
/// so rows are fetched in bounded batches however many there are.
pub async fn open_rows(conn: &mut AsyncPgConnection, select: &str) -> Result<(), AppError> {
    diesel::sql_query(format!("DECLARE {CURSOR} NO SCROLL CURSOR FOR {select}"))
        .execute(conn)
        .await
        .map(drop)
        .map_db_error()
}

/// The next at most `batch` rows of the open cursor, as JSON texts; empty at the end.
pub async fn next_rows(conn: &mut AsyncPgConnection, batch: u32) -> Result<Vec<String>, AppError> {
    #[derive(QueryableByName)]
    struct RowJson {
        #[diesel(sql_type = Text)]
        row_json: String,
    }
    let rows: Vec<RowJson> = diesel::sql_query(format!("FETCH FORWARD {batch} FROM {CURSOR}"))
        .load(conn)
        .await
        .map_db_error()?;
    Ok(rows.into_iter().map(|r| r.row_json).collect())
}

/// Closes the cursor [`open_rows`] opened.
pub async fn close_rows(conn: &mut AsyncPgConnection) -> Result<(), AppError> {
    diesel::sql_query(format!("CLOSE {CURSOR}"))
        .execute(conn)
        .await
        .map(drop)
        .map_db_error()
}

/// Runs `body` in a `REPEATABLE READ READ ONLY` transaction scoped to `user`: every
/// statement in it sees the same snapshot, so an export is consistent across tables.
///
/// Unlike [`Db::tenant`] there is no deadline on the whole operation (an export streams to
/// a client at the client's pace); each statement still has the connection's statement
/// timeout, and `idle_after` ends the session if the body stops issuing statements for
/// that long (a stalled client cannot pin a snapshot and a connection forever).
pub async fn in_snapshot<T, F>(
    db: &Db,
    user: UserId,
    idle_after: Duration,
    body: F,
) -> Result<T, AppError>
where
    T: Send,
    F: for<'c> FnOnce(&'c mut AsyncPgConnection) -> TenantFuture<'c, T> + Send,
{
    let mut conn = db.conn().await?;
    // Timestamps in the JSON read the same whatever the server's zone is.
    let begin = format!(
        "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; \
         SET LOCAL idle_in_transaction_session_timeout = {}; SET LOCAL TimeZone = 'UTC'",
        idle_after.as_millis()
    );
    in_tenant_transaction(&mut conn, user, &begin, body).await
}

/// Deletes the user's `tenants` row, which cascades to every tenant table. Run it first in
/// the user's tenant transaction (READ COMMITTED, so the cascade sees rows committed while
/// it waited for locks). Returns whether there was a row.
///
/// Deleting the anchor row locks it: a concurrent first write of this user
/// (`tenants::ensure`) or any insert whose foreign-key check needs the row waits for this
/// transaction, and afterwards either creates a fresh tenant (a write that happened after
/// the erasure) or fails on the missing row; it can never attach to the rows being erased.
pub async fn delete_tenant(conn: &mut AsyncPgConnection, user: UserId) -> Result<bool, AppError> {
    diesel::sql_query("DELETE FROM tenants WHERE user_id = $1")
        .bind::<SqlUuid, _>(user)
        .execute(conn)
        .await
        .map(|n| n > 0)
        .map_db_error()
}

/// Locks `user`'s `tenants` row (if any) for the rest of the transaction: from then on no
/// concurrent transaction can attach a row to the tenant (its foreign-key check waits), so
/// [`count_rows`] counts exactly what the cascade removes.
pub async fn lock_tenant(conn: &mut AsyncPgConnection, user: UserId) -> Result<(), AppError> {
    diesel::sql_query("SELECT user_id FROM tenants WHERE user_id = $1 FOR UPDATE")
        .bind::<SqlUuid, _>(user)
        .execute(conn)
        .await
        .map(drop)
        .map_db_error()
}

#[derive(diesel::QueryableByName)]
struct TableCount {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    rows: i64,
}

/// `(table, rows of user)` for every table with a `user_id` column that holds any (one
/// statement over the catalog's tables, in the caller's transaction).
pub async fn count_rows(
    conn: &mut AsyncPgConnection,
    user: UserId,
) -> Result<Vec<(String, i64)>, AppError> {
    let tables = owned_tables(conn).await?;
    if tables.is_empty() {
        return Ok(Vec::new());
    }
    let select = tables
        .iter()
        .map(|t| {
            format!(
                "SELECT {} AS name, count(*) AS rows FROM {} WHERE user_id = $1",
                quote_literal(&t.name),
                quote_ident(&t.name)
            )
        })
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    let counts: Vec<TableCount> = diesel::sql_query(select)
        .bind::<SqlUuid, _>(user)
        .load(conn)
        .await
        .map_db_error()?;
    Ok(counts
        .into_iter()
        .filter(|c| c.rows > 0)
        .map(|c| (c.name, c.rows))
        .collect())
}

/// Deletes the rate limiter's counters of `user` (buckets `user:<id>|<class>`): they hold
/// nothing but the id and a count, yet they are the user's too. Returns how many.
pub async fn delete_rate_limit_counters(
    conn: &mut AsyncPgConnection,
    user: UserId,
) -> Result<usize, AppError> {
    diesel::sql_query("DELETE FROM rate_limit_counters WHERE starts_with(bucket, $1)")
        .bind::<diesel::sql_types::Text, _>(format!("user:{}|", user.into_uuid()))
        .execute(conn)
        .await
        .map_db_error()
}

/// `'text'` with embedded quotes doubled.
fn quote_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// Append-only tenant tables the app role may not `DELETE` from, with the definer
/// function that erases the session tenant's rows of each (ADR 0011).
const APPEND_ONLY_ERASERS: &[(&str, &str)] = &[("photo_access_audit", "erase_photo_access_audit")];

#[derive(diesel::QueryableByName)]
struct Erased {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    erased: i64,
}

/// Deletes the user's rows from every table with a `user_id` column (the append-only ones
/// through their erasers, which the tenant transaction scopes to the same user). After
/// [`delete_tenant`] and the job engine's purge there should be none; returns the tables
/// in which there were (a schema defect worth a warning: such a table should reference
/// `tenants` with `ON DELETE CASCADE`), so erasure stays complete even then.
pub async fn sweep(conn: &mut AsyncPgConnection, user: UserId) -> Result<Vec<String>, AppError> {
    let mut leftovers = Vec::new();
    for table in owned_tables(conn).await? {
        let deleted = match APPEND_ONLY_ERASERS.iter().find(|(t, _)| *t == table.name) {
            Some((_, eraser)) => {
                let erased: Erased = diesel::sql_query(format!("SELECT {eraser}() AS erased"))
                    .get_result(conn)
                    .await
                    .map_db_error()?;
                usize::try_from(erased.erased).unwrap_or(usize::MAX)
            }
            None => diesel::sql_query(format!(
                "DELETE FROM {} WHERE user_id = $1",
                quote_ident(&table.name)
            ))
            .bind::<SqlUuid, _>(user)
            .execute(conn)
            .await
            .map_db_error()?,
        };
        if deleted > 0 {
            leftovers.push(table.name);
        }
    }
    Ok(leftovers)
}

/// Tables the job engine erases itself (`omnicrm_jobs::store::purge_user`).
const JOB_TABLES: &[&str] = &["job_queue", "job_history"];

#[derive(diesel::QueryableByName)]
struct Reference {
    #[diesel(sql_type = diesel::sql_types::Text)]
    child: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    parent: String,
}

/// The tables a batched erasure deletes from, in the order it does: every table with a
/// `user_id` column except `tenants` (deleted last, its cascade catches any straggler) and
/// the job engine's; a table referencing another comes before it, so a batch never waits
/// on a restricting foreign key and cascades stay small.
pub async fn erase_order(conn: &mut AsyncPgConnection) -> Result<Vec<OwnedTable>, AppError> {
    let mut tables: Vec<OwnedTable> = owned_tables(conn)
        .await?
        .into_iter()
        .filter(|t| t.name != "tenants" && !JOB_TABLES.contains(&t.name.as_str()))
        .collect();
    let references: Vec<Reference> = diesel::sql_query(
        "SELECT child.relname::text AS child, parent.relname::text AS parent
         FROM pg_constraint k
         JOIN pg_class child ON child.oid = k.conrelid
         JOIN pg_class parent ON parent.oid = k.confrelid
         JOIN pg_namespace n ON n.oid = k.connamespace
         WHERE k.contype = 'f' AND k.conparentid = 0 AND k.conrelid <> k.confrelid
           AND n.nspname = current_schema()",
    )
    .load(conn)
    .await
    .map_db_error()?;
    // Kahn's order over "child before parent"; a cycle (none today) keeps catalog order.
    let mut ordered = Vec::with_capacity(tables.len());
    while !tables.is_empty() {
        let pending: Vec<String> = tables.iter().map(|t| t.name.clone()).collect();
        let ready = tables.iter().position(|t| {
            !references
                .iter()
                .any(|r| r.parent == t.name && r.child != t.name && pending.contains(&r.child))
        });
        ordered.push(tables.remove(ready.unwrap_or(0)));
    }
    Ok(ordered)
}

/// Deletes at most `limit` of `user`'s rows of `table` (an append-only table: all of them,
/// through its eraser) and returns how many; 0 when none are left. One statement, in the
/// caller's tenant transaction.
pub async fn delete_batch(
    conn: &mut AsyncPgConnection,
    table: &OwnedTable,
    user: UserId,
    limit: u32,
) -> Result<usize, AppError> {
    if let Some((_, eraser)) = APPEND_ONLY_ERASERS.iter().find(|(t, _)| *t == table.name) {
        let erased: Erased = diesel::sql_query(format!("SELECT {eraser}() AS erased"))
            .get_result(conn)
            .await
            .map_db_error()?;
        return Ok(usize::try_from(erased.erased).unwrap_or(usize::MAX));
    }
    let name = quote_ident(&table.name);
    let key = if table.primary_key.is_empty() {
        "ctid".to_owned()
    } else {
        table
            .primary_key
            .iter()
            .map(|c| quote_ident(c))
            .collect::<Vec<_>>()
            .join(", ")
    };
    diesel::sql_query(format!(
        "DELETE FROM {name} WHERE ({key}) IN \
         (SELECT {key} FROM {name} WHERE user_id = $1 LIMIT {limit})"
    ))
    .bind::<SqlUuid, _>(user)
    .execute(conn)
    .await
    .map_db_error()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(name: &str, columns: &[&str], key: &[&str]) -> OwnedTable {
        OwnedTable {
            name: name.to_owned(),
            columns: columns.iter().map(|c| (*c).to_owned()).collect(),
            primary_key: key.iter().map(|c| (*c).to_owned()).collect(),
        }
    }

    #[test]
    fn secrets_are_redacted_or_left_out_of_the_select() {
        let user = UserId::generate();
        let integrations = table(
            "user_integrations",
            &[
                "user_id",
                "provider",
                "access_token",
                "refresh_token",
                "config",
            ],
            &["user_id", "provider"],
        );
        let sql = integrations.export_select(user);
        assert!(sql.contains(
            r#"CASE WHEN t."access_token" IS NULL THEN NULL ELSE '[redacted]' END AS "access_token""#
        ));
        assert!(sql.contains(r#"t."config""#));
        assert!(sql.contains(&format!("t.user_id = '{user}'::uuid")));
        assert!(sql.ends_with(r#"ORDER BY t."user_id", t."provider") AS r"#));

        let tokens = table("onboarding_tokens", &["user_id", "id", "token_hash"], &[]);
        let sql = tokens.export_select(user);
        assert!(!sql.contains("token_hash"), "{sql}");
        assert!(!sql.contains("ORDER BY"));
    }

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quote_ident("odd\"name"), "\"odd\"\"name\"");
    }
}
