//! Embedded migrations, applied under a cluster-wide advisory lock so several servers
//! starting at once migrate exactly once.

use diesel::sql_types::BigInt;
use diesel_async::AsyncPgConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

/// Every migration of the CRM schema.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations");

/// Arbitrary but fixed key of the migration advisory lock ("omnicrm" in ASCII).
const MIGRATION_LOCK_KEY: i64 = 0x006f_6d6e_6963_726d;

/// Why migrating failed.
#[derive(Debug, thiserror::Error)]
pub enum MigrationError {
    /// The database could not be reached.
    #[error("cannot connect to the database for migrations: {0}")]
    Connect(#[from] diesel::ConnectionError),
    /// A migration or the lock failed.
    #[error("migration failed: {0}")]
    Run(String),
    /// The blocking task panicked or was cancelled.
    #[error("migration task failed: {0}")]
    Join(#[from] tokio::task::JoinError),
}

type SyncPg = AsyncConnectionWrapper<AsyncPgConnection>;

/// Applies every pending migration on `owner_url` (an owner-capable role). Returns the
/// versions applied. Runs on a blocking thread: diesel's migration harness is synchronous.
pub async fn run_pending(owner_url: &str) -> Result<Vec<String>, MigrationError> {
    let url = owner_url.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut conn = omnicrm_pgconn::establish_blocking(&url)?;
        with_lock(&mut conn, |conn| {
            conn.run_pending_migrations(MIGRATIONS)
                .map(|versions| versions.iter().map(ToString::to_string).collect())
                .map_err(|e| MigrationError::Run(e.to_string()))
        })
    })
    .await?
}

/// Reverts every applied migration (tests of `down.sql`).
pub async fn revert_all(owner_url: &str) -> Result<(), MigrationError> {
    let url = owner_url.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut conn = omnicrm_pgconn::establish_blocking(&url)?;
        with_lock(&mut conn, |conn| {
            conn.revert_all_migrations(MIGRATIONS)
                .map(drop)
                .map_err(|e| MigrationError::Run(e.to_string()))
        })
    })
    .await?
}

/// Number of embedded migrations not yet applied (readiness: 0 means current).
pub async fn pending_count(url: &str) -> Result<usize, MigrationError> {
    let url = url.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut conn = omnicrm_pgconn::establish_blocking(&url)?;
        conn.pending_migrations(MIGRATIONS)
            .map(|pending| pending.len())
            .map_err(|e| MigrationError::Run(e.to_string()))
    })
    .await?
}

fn with_lock<T>(
    conn: &mut SyncPg,
    body: impl FnOnce(&mut SyncPg) -> Result<T, MigrationError>,
) -> Result<T, MigrationError> {
    advisory(conn, "SELECT pg_advisory_lock($1)")?;
    let result = body(conn);
    advisory(conn, "SELECT pg_advisory_unlock($1)")?;
    result
}

fn advisory(conn: &mut SyncPg, sql: &str) -> Result<(), MigrationError> {
    diesel::RunQueryDsl::execute(
        diesel::sql_query(sql).bind::<BigInt, _>(MIGRATION_LOCK_KEY),
        conn,
    )
    .map(drop)
    .map_err(|e| MigrationError::Run(e.to_string()))
}

/// Versions of the embedded migrations.
pub fn embedded_versions() -> Vec<String> {
    use diesel::migration::MigrationSource;
    use diesel::pg::Pg;
    MigrationSource::<Pg>::migrations(&MIGRATIONS)
        .map(|all| all.iter().map(|m| m.name().version().to_string()).collect())
        .unwrap_or_default()
}

/// How many of `expected` migration versions the database behind `conn` lacks. Readiness
/// uses this on a pooled app-role connection (the foundation migration grants it read
/// access).
pub async fn pending_on(
    conn: &mut AsyncPgConnection,
    expected: &[String],
) -> Result<usize, diesel::result::Error> {
    use diesel_async::RunQueryDsl as _;

    #[derive(diesel::QueryableByName)]
    struct Applied {
        #[diesel(sql_type = diesel::sql_types::Text)]
        version: String,
    }
    #[derive(diesel::QueryableByName)]
    struct Exists {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        exists: bool,
    }
    // A database nothing was applied to yet has no table of applied versions.
    let table: Exists =
        diesel::sql_query("SELECT to_regclass('__diesel_schema_migrations') IS NOT NULL AS exists")
            .get_result(conn)
            .await?;
    if !table.exists {
        return Ok(expected.len());
    }
    let applied: Vec<Applied> = diesel::sql_query("SELECT version FROM __diesel_schema_migrations")
        .load(conn)
        .await?;
    let applied: std::collections::HashSet<String> =
        applied.into_iter().map(|a| a.version).collect();
    Ok(expected.iter().filter(|v| !applied.contains(*v)).count())
}
