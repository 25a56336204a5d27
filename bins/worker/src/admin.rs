//! The optional admin listener: `GET /health` (database reachable) and `GET /metrics`
//! (Prometheus text: runner counters and queue depth by state).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpResponse, HttpServer, web};
use omnicrm_jobs::RunnerStats;
use omnicrm_repo::PgPool as Pool;

struct AdminState {
    pool: Pool,
    stats: Arc<RunnerStats>,
}

/// Starts the admin listener on `bind`.
pub fn serve(
    bind: SocketAddr,
    pool: Pool,
    stats: Arc<RunnerStats>,
) -> anyhow::Result<ServerHandle> {
    let state = web::Data::new(AdminState { pool, stats });
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .route("/health", web::get().to(health))
            .route("/metrics", web::get().to(metrics))
    })
    .workers(1)
    .disable_signals()
    .bind(bind)?
    .run();
    let handle = server.handle();
    tokio::spawn(server);
    tracing::info!(%bind, "worker admin listening");
    Ok(handle)
}

async fn health(state: web::Data<AdminState>) -> HttpResponse {
    match state.pool.get().await {
        Ok(_) => HttpResponse::Ok()
            .content_type("application/json")
            .body(r#"{"status":"ok"}"#),
        Err(err) => {
            tracing::warn!(error = %err, "health: database unreachable");
            HttpResponse::ServiceUnavailable().body("database unreachable")
        }
    }
}

async fn metrics(state: web::Data<AdminState>) -> HttpResponse {
    let s = &state.stats;
    let mut out = String::new();
    for (name, help, value) in [
        (
            "omnicrm_jobs_claimed_total",
            "Jobs claimed by this worker.",
            s.claimed.load(Ordering::Relaxed),
        ),
        (
            "omnicrm_jobs_succeeded_total",
            "Jobs completed successfully.",
            s.succeeded.load(Ordering::Relaxed),
        ),
        (
            "omnicrm_jobs_failed_total",
            "Attempts that failed.",
            s.failed.load(Ordering::Relaxed),
        ),
        (
            "omnicrm_jobs_dead_total",
            "Jobs that died.",
            s.dead.load(Ordering::Relaxed),
        ),
        (
            "omnicrm_jobs_fenced_total",
            "Outcomes refused because the lease was lost.",
            s.fenced.load(Ordering::Relaxed),
        ),
    ] {
        out.push_str(&format!(
            "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}\n"
        ));
    }
    if let Ok(depth) = queue_depth(&state.pool).await {
        out.push_str("# HELP omnicrm_jobs_queue_depth Jobs in the hot queue by queue and state.\n");
        out.push_str("# TYPE omnicrm_jobs_queue_depth gauge\n");
        for (queue, job_state, n) in depth {
            out.push_str(&format!(
                "omnicrm_jobs_queue_depth{{queue=\"{queue}\",state=\"{job_state}\"}} {n}\n"
            ));
        }
    }
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(out)
}

async fn queue_depth(pool: &Pool) -> anyhow::Result<Vec<(String, String, i64)>> {
    let mut conn = pool.get().await?;
    Ok(omnicrm_jobs::store::queue_depth(&mut conn).await?)
}
