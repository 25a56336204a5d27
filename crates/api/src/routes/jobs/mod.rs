//! `/jobs`: a user's background jobs (list, inspect, cancel, retry, batches, run now) and
//! the cron drain `/cron/process-jobs`.

pub mod batch;
pub mod cancel;
pub mod cron;
pub mod get;
pub mod list;
pub mod retry;
pub mod runner;

use actix_web::HttpRequest;
use omnicrm_problem::AppError;
use serde::Deserialize;
use serde::de::DeserializeOwned;

/// Body of `cancel` and `retry`: empty or `{}`; any field is refused.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmptyBody {}

/// Optional body of the runner and cron routes: empty, `{}` or `{"limit": n}`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LimitBody {
    /// Most jobs to run.
    #[serde(default)]
    pub limit: Option<u32>,
}

/// Reads the optional JSON body of an action `POST`: empty (whatever its content type)
/// means `T::default()`; anything else must be `application/json` that parses as `T`
/// (400 `malformed_request` for bad JSON or unknown fields, `validation_failed` for a
/// wrongly typed field).
pub(crate) fn action_body<T: DeserializeOwned + Default>(
    req: &HttpRequest,
    body: &[u8],
) -> Result<T, AppError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| AppError::malformed("the body is not valid UTF-8"))?;
    if text.trim().is_empty() {
        return Ok(T::default());
    }
    let json_type = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| {
            let mime = mime.trim().to_ascii_lowercase();
            mime == "application/json"
                || (mime.starts_with("application/") && mime.ends_with("+json"))
        });
    if !json_type {
        return Err(AppError::malformed("Content-Type must be application/json"));
    }
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| AppError::malformed(format!("malformed JSON: {e}")))?;
    if !value.is_object() {
        return Err(AppError::malformed("the body must be a JSON object"));
    }
    serde_path_to_error::deserialize(value).map_err(|err| {
        let message = err.inner().to_string();
        if message.starts_with("unknown field") {
            return AppError::malformed(message);
        }
        let path = err.path().to_string();
        let pointer = if path == "." {
            String::new()
        } else {
            format!("/{}", path.replace('.', "/"))
        };
        AppError::invalid_field(&pointer, "type", &message)
    })
}

/// Reads an optional `{"limit": n}` body: empty means `default`; `n` must be in
/// `1..=max`.
pub(crate) fn optional_limit(
    req: &HttpRequest,
    body: &[u8],
    default: u32,
    max: u32,
) -> Result<u32, AppError> {
    let parsed: LimitBody = action_body(req, body)?;
    match parsed.limit {
        None => Ok(default),
        Some(n) if (1..=max).contains(&n) => Ok(n),
        Some(_) => Err(AppError::invalid_field(
            "/limit",
            "range",
            &format!("must be between 1 and {max}"),
        )),
    }
}
