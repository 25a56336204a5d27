use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;

use crate::{ApiError, ApiState};

/// What Google appends to the callback URL.
#[derive(Debug, Default, Deserialize)]
struct CallbackQuery {
    state: Option<String>,
    code: Option<String>,
    error: Option<String>,
}

/// Public: where Google sends the browser back after consent (one callback for every
/// service). Verifies the `state` (a forged, expired or already used one connects
/// nothing), exchanges the code with the PKCE verifier, stores the tokens sealed
/// (AES-256-GCM) and answers 302 to the app with `?connected=<service>` or
/// `?error=<code>` (`invalid_state`, `state_expired`, `access_denied`, `missing_code`,
/// `token_exchange_failed`, `userinfo_failed`, `storage_failed`,
/// `temporarily_unavailable`).
#[utoipa::path(tag = "google",
    params(
        ("state" = Option<String>, Query, description = "the state the connect route signed"),
        ("code" = Option<String>, Query, description = "Google's authorization code"),
        ("error" = Option<String>, Query, description = "Google's error, e.g. access_denied"),
        ("scope" = Option<String>, Query, description = "the granted scopes (ignored)")),
    responses(
        (status = 302, description = "to the app, with `connected` or `error` in the query",
            headers(("location" = String, description = "the app URL"))),
        (status = 429, body = omnicrm_problem::Problem),
        (status = 503, body = omnicrm_problem::Problem)))]
#[get("/google/callback")]
pub async fn google_callback(
    req: HttpRequest,
    state: web::Data<ApiState>,
) -> Result<HttpResponse, ApiError> {
    state.services.google.ensure_configured()?;
    // Lenient on purpose: whatever the query holds, the browser gets a redirect.
    let query: CallbackQuery = serde_html_form::from_str(req.query_string()).unwrap_or_default();
    let outcome = state
        .services
        .google
        .callback(
            query.state.as_deref(),
            query.code.as_deref(),
            query.error.as_deref(),
        )
        .await;
    Ok(HttpResponse::Found()
        .insert_header(("location", outcome.redirect_to))
        .insert_header(("cache-control", "no-store"))
        .insert_header(("referrer-policy", "no-referrer"))
        .finish())
}
