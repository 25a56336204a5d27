//! The engine's own migrations (`crates/jobs/migrations`), applied after the CRM's.

use diesel::sql_types::BigInt;
use diesel_async::AsyncPgConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

/// The job engine's migrations.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Same key as the CRM migrations: one migrator at a time across the whole schema.
const MIGRATION_LOCK_KEY: i64 = 0x006f_6d6e_6963_726d;

type SyncPg = AsyncConnectionWrapper<AsyncPgConnection>;

/// Applies the engine's pending migrations on `owner_url`; returns the versions applied.
pub async fn run_pending(owner_url: &str) -> Result<Vec<String>, String> {
    let url = owner_url.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut conn = omnicrm_pgconn::establish_blocking(&url).map_err(|e| e.to_string())?;
        let lock = |conn: &mut SyncPg, sql: &str| {
            diesel::RunQueryDsl::execute(
                diesel::sql_query(sql).bind::<BigInt, _>(MIGRATION_LOCK_KEY),
                conn,
            )
            .map(drop)
            .map_err(|e| e.to_string())
        };
        lock(&mut conn, "SELECT pg_advisory_lock($1)")?;
        let result = conn
            .run_pending_migrations(MIGRATIONS)
            .map(|v| v.iter().map(ToString::to_string).collect())
            .map_err(|e| e.to_string());
        lock(&mut conn, "SELECT pg_advisory_unlock($1)")?;
        result
    })
    .await
    .map_err(|e| e.to_string())?
}

/// Versions of the embedded migrations.
pub fn embedded_versions() -> Vec<String> {
    use diesel::migration::MigrationSource;
    MigrationSource::<diesel::pg::Pg>::migrations(&MIGRATIONS)
        .map(|all| all.iter().map(|m| m.name().version().to_string()).collect())
        .unwrap_or_default()
}
