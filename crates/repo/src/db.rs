//! Checked-out connections and tenant-scoped transactions.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use diesel_async::pooled_connection::deadpool::{Object, PoolError};
use diesel_async::{AnsiTransactionManager, AsyncPgConnection, TransactionManager};
use futures_util::future::BoxFuture;
use omnicrm_domain::UserId;
use omnicrm_problem::AppError;

use crate::error::map_diesel_error;
use crate::pool::{DbSettings, PgPool, anyhow_free, build_pool};

/// A pooled connection.
pub type DbConn = Object<AsyncPgConnection>;

/// The future a tenant-transaction body returns (box it with `.boxed()` or `Box::pin`).
pub type TenantFuture<'c, T> = BoxFuture<'c, Result<T, AppError>>;

/// The database handle services use: a pool plus the client-side operation deadline.
#[derive(Clone)]
pub struct Db {
    pool: PgPool,
    /// Pools of the threads that opened their own ([`Db::open_thread_pool`]).
    thread_pools: Option<Arc<ThreadPools>>,
    op_timeout: Duration,
    audit_commit: AuditCommit,
    /// Transactions [`Db::tenant_retrying`] ran again, over all clones of this handle.
    contention_retries: Arc<AtomicU64>,
}

/// The pools of the threads that opened one, and their settings.
struct ThreadPools {
    settings: DbSettings,
    // A thread that exits leaves its pool here, and a later thread may get its id (and the
    // pool). Its connections' driver tasks ended with the old thread's runtime, so the pool
    // finds each closed at its next checkout and opens another. (actix-web replaces a worker
    // thread only after a panic.)
    by_thread: thread_local::ThreadLocal<PgPool>,
}

/// How a read whose only writes are access-audit rows commits ([`Db::audited_read`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AuditCommit {
    /// The commit does not wait for its WAL flush (`synchronous_commit = off` for that
    /// transaction only): the response never waits on the disk. A crash of PostgreSQL or
    /// its machine can lose the audit rows of the last moments (at most three
    /// `wal_writer_delay`s, 600 ms by default); never other data, never consistency.
    #[default]
    Deferred,
    /// The commit waits for the flush, like every other commit
    /// (`OMNICRM_ACCESS_AUDIT_SYNC_COMMIT=true`).
    Flushed,
}

impl AuditCommit {
    /// `Flushed` when `sync` (`OMNICRM_ACCESS_AUDIT_SYNC_COMMIT`), else `Deferred`.
    pub fn from_sync_flag(sync: bool) -> Self {
        if sync { Self::Flushed } else { Self::Deferred }
    }

    /// The statements that open an audited read.
    fn begin(self) -> &'static str {
        match self {
            Self::Deferred => "BEGIN; SET LOCAL synchronous_commit = off",
            Self::Flushed => "BEGIN",
        }
    }
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("status", &self.pool().status())
            .field("op_timeout", &self.op_timeout)
            .finish()
    }
}

impl Db {
    /// Wraps a pool; `op_timeout` bounds every operation end to end (checkout included).
    pub fn new(pool: PgPool, op_timeout: Duration) -> Self {
        Self {
            pool,
            thread_pools: None,
            op_timeout,
            audit_commit: AuditCommit::default(),
            contention_retries: Arc::default(),
        }
    }

    /// How many transactions [`Db::tenant_retrying`] has run again because a concurrent
    /// one aborted them (a lock-ordering bug shows up here before it shows up as 503s).
    pub fn contention_retries(&self) -> u64 {
        self.contention_retries.load(Ordering::Relaxed)
    }

    /// Sets how audited reads commit (see [`AuditCommit`]).
    #[must_use]
    pub fn with_audit_commit(mut self, audit_commit: AuditCommit) -> Self {
        self.audit_commit = audit_commit;
        self
    }

    /// Lets threads open pools of their own, each of `settings.pool_size` connections
    /// ([`Db::open_thread_pool`]).
    #[must_use]
    pub fn with_thread_pools(mut self, settings: DbSettings) -> Self {
        self.thread_pools = Some(Arc::new(ThreadPools {
            settings,
            by_thread: thread_local::ThreadLocal::new(),
        }));
        self
    }

    /// Gives the calling thread a pool of its own, when [`Db::with_thread_pools`] allowed
    /// it; the thread's connections are then opened, and their driver tasks run, on the
    /// thread's runtime. An actix-web worker is one thread with its own runtime: with its
    /// own pool, a request and its connection never wait on another thread (ADR 0052).
    /// Nothing connects until the first checkout.
    pub fn open_thread_pool(&self) -> Result<(), anyhow_free::Error> {
        if let Some(pools) = &self.thread_pools {
            pools.by_thread.get_or_try(|| build_pool(&pools.settings))?;
        }
        Ok(())
    }

    /// The pool this thread uses: its own when it opened one, else the shared one.
    pub fn pool(&self) -> &PgPool {
        self.thread_pools
            .as_ref()
            .and_then(|pools| pools.by_thread.get())
            .unwrap_or(&self.pool)
    }

    /// Checks out a connection; pool exhaustion or an unreachable database is 503.
    pub async fn conn(&self) -> Result<DbConn, AppError> {
        self.pool().get().await.map_err(map_pool_error)
    }

    /// Runs `body` in a transaction whose first statement sets `app.user_id`, so row-level
    /// security confines it to `user`. Commits on `Ok`, rolls back on `Err`, and gives up
    /// with 503 when the whole operation exceeds the deadline.
    pub async fn tenant<T, F>(&self, user: UserId, body: F) -> Result<T, AppError>
    where
        T: Send,
        F: for<'c> FnOnce(&'c mut AsyncPgConnection) -> TenantFuture<'c, T> + Send,
    {
        self.tenant_opened_by("BEGIN", user, body).await
    }

    /// Like [`Db::tenant`], running `body` again (up to [`CONTENTION_ATTEMPTS`] times in
    /// all, after a short random pause) when PostgreSQL aborts the transaction because a
    /// concurrent one conflicted with it ([`AppError::is_contention`]: a deadlock or a
    /// serialization failure). An aborted attempt changed nothing; `body` must have no
    /// effects outside the database, since it may run more than once. The deadline covers
    /// all attempts.
    pub async fn tenant_retrying<T, F>(&self, user: UserId, body: F) -> Result<T, AppError>
    where
        T: Send,
        F: for<'c> Fn(&'c mut AsyncPgConnection) -> TenantFuture<'c, T> + Send + Sync,
    {
        self.with_deadline(async move {
            let mut attempt = 1;
            loop {
                match self.run_once("BEGIN", user, &body).await {
                    Err(err) if err.is_contention() && attempt < CONTENTION_ATTEMPTS => {
                        tracing::info!(attempt, error = %err, "transaction aborted by a concurrent one; retrying");
                        self.contention_retries.fetch_add(1, Ordering::Relaxed);
                        tokio::time::sleep(contention_pause()).await;
                        attempt += 1;
                    }
                    result => return result,
                }
            }
        })
        .await
    }

    /// Like [`Db::tenant`], for a read whose only writes are access-audit rows (a contact
    /// list or view that signs photo URLs); it commits as [`AuditCommit`] says. Never use it
    /// for a body that changes the user's data.
    pub async fn audited_read<T, F>(&self, user: UserId, body: F) -> Result<T, AppError>
    where
        T: Send,
        F: for<'c> FnOnce(&'c mut AsyncPgConnection) -> TenantFuture<'c, T> + Send,
    {
        self.tenant_opened_by(self.audit_commit.begin(), user, body)
            .await
    }

    /// [`Db::run_once`] within the deadline.
    async fn tenant_opened_by<T, F>(
        &self,
        begin: &str,
        user: UserId,
        body: F,
    ) -> Result<T, AppError>
    where
        T: Send,
        F: for<'c> FnOnce(&'c mut AsyncPgConnection) -> TenantFuture<'c, T> + Send,
    {
        self.with_deadline(self.run_once(begin, user, body)).await
    }

    /// [`in_tenant_transaction`] on a pooled connection, which goes back to the pool when
    /// it returns.
    async fn run_once<T, F>(&self, begin: &str, user: UserId, body: F) -> Result<T, AppError>
    where
        T: Send,
        F: for<'c> FnOnce(&'c mut AsyncPgConnection) -> TenantFuture<'c, T> + Send,
    {
        let mut conn = self.conn().await?;
        in_tenant_transaction(&mut conn, user, begin, body).await
    }

    /// Like [`Db::tenant`] for a retired tenant (see [`in_retired_tenant_transaction`]):
    /// only the job that deletes an erased tenant's rows uses it.
    pub async fn retired_tenant<T, F>(&self, user: UserId, body: F) -> Result<T, AppError>
    where
        T: Send,
        F: for<'c> FnOnce(&'c mut AsyncPgConnection) -> TenantFuture<'c, T> + Send,
    {
        self.with_deadline(async move {
            let mut conn = self.conn().await?;
            in_retired_tenant_transaction(&mut conn, user, body).await
        })
        .await
    }

    /// Runs `body` on a connection outside any tenant scope (reference data, health checks).
    pub async fn unscoped<T, F>(&self, body: F) -> Result<T, AppError>
    where
        T: Send,
        F: for<'c> FnOnce(&'c mut AsyncPgConnection) -> TenantFuture<'c, T> + Send,
    {
        self.with_deadline(async move {
            let mut conn = self.conn().await?;
            body(&mut conn).await
        })
        .await
    }

    async fn with_deadline<T>(
        &self,
        op: impl Future<Output = Result<T, AppError>>,
    ) -> Result<T, AppError> {
        match tokio::time::timeout(self.op_timeout, op).await {
            Ok(result) => result,
            Err(elapsed) => Err(AppError::unavailable(elapsed)),
        }
    }
}

/// Runs `body` in a transaction opened by `begin` (`BEGIN`, with an isolation level or
/// `SET LOCAL` statements after it as needed) and scoped to `user`, committing on `Ok` and
/// rolling back on `Err`. No deadline: [`Db::tenant`] adds one.
///
/// The begin batch and `set_config('app.user_id', ..)` go in one round trip (a
/// simple-protocol batch with the id inlined: a UUID's text is hex digits and dashes only).
/// diesel's transaction manager tracks the transaction like any other, so a connection
/// dropped mid-transaction is discarded by the pool, never reused.
///
/// Run by a job handler, a transaction that is not `READ ONLY` is fenced by the job's
/// lease ([`omnicrm_jobs::fence::hold`]): it fails before the body runs when the job is
/// gone (the user was erased) or leased to another run.
///
/// A retired tenant (one whose account was erased and now owns a fresh tenant, see
/// [`crate::account_tenants`]) gets no scope at all: RLS then shows no row and refuses every
/// write, so a request that resolved the old tenant just before the erasure cannot see or
/// write its rows any more.
pub async fn in_tenant_transaction<T, F>(
    conn: &mut AsyncPgConnection,
    user: UserId,
    begin: &str,
    body: F,
) -> Result<T, AppError>
where
    T: Send,
    F: for<'c> FnOnce(&'c mut AsyncPgConnection) -> TenantFuture<'c, T> + Send,
{
    let id = user.into_uuid();
    // One round trip still: the retired check is a primary-key probe inside the same batch.
    let scope = format!(
        "{begin}; SELECT set_config('app.user_id', CASE WHEN EXISTS \
         (SELECT 1 FROM retired_tenants WHERE tenant_id = '{id}') THEN '' ELSE '{id}' END, true)"
    );
    scoped_transaction(conn, user, &scope, begin.contains("READ ONLY"), body).await
}

/// Like [`in_tenant_transaction`] for a **retired** tenant too: only the erasure job that
/// deletes a retired tenant's rows in batches uses it.
pub async fn in_retired_tenant_transaction<T, F>(
    conn: &mut AsyncPgConnection,
    user: UserId,
    body: F,
) -> Result<T, AppError>
where
    T: Send,
    F: for<'c> FnOnce(&'c mut AsyncPgConnection) -> TenantFuture<'c, T> + Send,
{
    let scope = format!(
        "BEGIN; SELECT set_config('app.user_id', '{}', true)",
        user.into_uuid()
    );
    scoped_transaction(conn, user, &scope, false, body).await
}

async fn scoped_transaction<T, F>(
    conn: &mut AsyncPgConnection,
    user: UserId,
    scope: &str,
    read_only: bool,
    body: F,
) -> Result<T, AppError>
where
    T: Send,
    F: for<'c> FnOnce(&'c mut AsyncPgConnection) -> TenantFuture<'c, T> + Send,
{
    AnsiTransactionManager::begin_transaction_sql(conn, scope)
        .await
        .map_err(map_diesel_error)?;
    // Inside a job handler, a writing transaction first locks the job's row (its lease):
    // once the user's erasure purged the job, nothing the handler writes can commit.
    // Read-only transactions cannot resurrect anything and must not hold up an erasure
    // (an export's snapshot may last minutes).
    let fenced = if read_only {
        Ok(())
    } else {
        omnicrm_jobs::fence::hold(conn)
            .await
            .map_err(AppError::from)
    };
    // The request's row condition (If-Match, ETag) is checked and recorded inside the
    // transaction that does the work, so the check is atomic with the write.
    let outcome = match fenced {
        Ok(()) => crate::row_versions::on_begin(conn, user).await,
        Err(err) => Err(err),
    };
    let outcome = match outcome {
        Ok(()) => body(conn).await,
        Err(err) => Err(err),
    };
    let outcome = match outcome {
        Ok(value) => crate::row_versions::before_commit(conn, user)
            .await
            .map(|()| value),
        Err(err) => Err(err),
    };
    match outcome {
        Ok(value) => {
            AnsiTransactionManager::commit_transaction(conn)
                .await
                .map_err(map_diesel_error)?;
            crate::row_versions::after_commit();
            Ok(value)
        }
        Err(err) => {
            // The body's error is the one to report; a failed rollback leaves the
            // connection broken, and the pool then drops it.
            let _ = AnsiTransactionManager::rollback_transaction(conn).await;
            Err(err)
        }
    }
}

/// How many times [`Db::tenant_retrying`] runs a transaction that keeps being aborted by
/// concurrent ones before answering 503.
pub const CONTENTION_ATTEMPTS: u32 = 3;

/// 5–25 ms, at random: the two sides of a deadlock should not collide again in lockstep.
fn contention_pause() -> Duration {
    Duration::from_millis(rand::Rng::gen_range(&mut rand::thread_rng(), 5..=25))
}

fn map_pool_error(err: PoolError) -> AppError {
    AppError::unavailable(err)
}
