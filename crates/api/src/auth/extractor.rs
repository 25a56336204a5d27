//! The `AuthUser` extractor: authentication (401) first, then CSRF (403) for
//! cookie-authenticated unsafe requests.

use futures_util::future::LocalBoxFuture;

use actix_web::http::Method;
use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, web};
use omnicrm_domain::UserId;
use omnicrm_problem::AppError;
use time::OffsetDateTime;

use super::jwt::Claims;
use crate::http::ApiError;
use crate::state::ApiState;

/// Cookie carrying the raw access token (Supabase's name).
pub const ACCESS_COOKIE: &str = "sb-access-token";
/// Header echoing the CSRF token.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct AuthUser {
    /// The tenant they work on: their user id (`sub`) until a batched erasure moved the
    /// account to a fresh tenant (ADR 0033). Every service call takes this one.
    pub id: UserId,
    /// The verified claims.
    pub claims: Claims,
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { authenticate(&req).await.map_err(ApiError::from) })
    }
}

/// The tenant of the account `subject`, resolved earlier in this request by the statement
/// that counted it against its rate limit (ADR 0050).
#[derive(Debug, Clone, Copy)]
pub(crate) struct ResolvedTenant {
    /// The token's `sub`.
    pub subject: uuid::Uuid,
    /// The tenant that account works on now.
    pub tenant: UserId,
}

/// A token verified earlier in this request (by the rate limiter, which needs the user
/// before routing), so the extractor does not verify it twice.
#[derive(Debug, Clone)]
struct Verified {
    claims: Claims,
    from_cookie: bool,
}

/// The user a request's access token (bearer or cookie) names, after verifying it; the
/// result is kept for the request's [`AuthUser`] extractor. No CSRF check: that is the
/// extractor's, for the handler.
pub(crate) async fn verified_user(req: &HttpRequest) -> Result<UserId, AppError> {
    verify(req).await.map(|v| UserId(v.claims.sub))
}

async fn verify(req: &HttpRequest) -> Result<Verified, AppError> {
    if let Some(verified) = req.extensions().get::<Verified>().cloned() {
        return Ok(verified);
    }
    let state = req
        .app_data::<web::Data<ApiState>>()
        .ok_or_else(|| AppError::internal("ApiState missing from app data"))?;
    let (token, from_cookie) = match bearer_token(req)? {
        Some(token) => (token, false),
        None => match req.cookie(ACCESS_COOKIE) {
            Some(cookie) => (cookie.value().to_owned(), true),
            None => return Err(AppError::unauthenticated("missing access token")),
        },
    };
    let now = OffsetDateTime::now_utc();
    let claims = state.config.jwt.verify(&token, now).await.map_err(|err| {
        tracing::debug!(reason = %err, "access token refused");
        AppError::unauthenticated("invalid or expired access token")
    })?;
    let verified = Verified {
        claims,
        from_cookie,
    };
    req.extensions_mut().insert(verified.clone());
    Ok(verified)
}

async fn authenticate(req: &HttpRequest) -> Result<AuthUser, AppError> {
    let state = req
        .app_data::<web::Data<ApiState>>()
        .ok_or_else(|| AppError::internal("ApiState missing from app data"))?;
    let Verified {
        claims,
        from_cookie,
    } = verify(req).await?;
    let now = OffsetDateTime::now_utc();
    if from_cookie && is_unsafe(req.method()) {
        let header = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok());
        if !header.is_some_and(|t| state.config.csrf.verify(&claims, t, now)) {
            return Err(AppError::csrf_failed());
        }
    }
    // Resolved on every request, never cached: an erasure that hides the account takes
    // effect for the very next request, on every server. The rate limiter's statement
    // usually read it already, milliseconds ago (ADR 0050).
    let resolved = req
        .extensions()
        .get::<ResolvedTenant>()
        .filter(|r| r.subject == claims.sub)
        .map(|r| r.tenant);
    let id = match resolved {
        Some(tenant) => tenant,
        None => state.services.user_data.tenant_of(claims.sub).await?,
    };
    Ok(AuthUser { id, claims })
}

fn bearer_token(req: &HttpRequest) -> Result<Option<String>, AppError> {
    let Some(value) = req.headers().get(actix_web::http::header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| AppError::unauthenticated("malformed Authorization header"))?;
    let (scheme, token) = value
        .split_once(' ')
        .ok_or_else(|| AppError::unauthenticated("Authorization must be `Bearer <token>`"))?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(AppError::unauthenticated(
            "Authorization must be `Bearer <token>`",
        ));
    }
    Ok(Some(token.trim().to_owned()))
}

fn is_unsafe(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}
