//! Optimistic concurrency (ADR 0016): a strong `ETag` on every versioned single resource
//! ([`resources::RESOURCES`]), `If-Match` on PATCH and DELETE (412, or 428 when
//! `OMNICRM_REQUIRE_IF_MATCH` is set and it is missing), `If-None-Match` on GET (304).
//!
//! The middleware only names the row and the condition; the check runs inside the
//! handler's own tenant transaction (`omnicrm_repo::RowCondition`), so it is atomic with
//! the write.

mod entity_tags;
pub mod openapi;
pub mod resources;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};
use omnicrm_domain::UserId;
use omnicrm_problem::AppError;
use omnicrm_services::row_versions::{RowCondition, VersionedRow};

pub use entity_tags::{Condition, etag_of};

use crate::auth::AuthUser;
use crate::http::ApiError;
use crate::state::ApiState;

/// Middleware: conditional requests on versioned resources, and the `ETag` of every
/// versioned resource a response returns (GET, PATCH, and the 201 of a create, found by
/// its `Location`).
pub async fn conditional_requests(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let method = req.method().clone();
    let target = resources::row_for_path(req.path());
    let interesting = method == Method::POST
        || (target.is_some()
            && matches!(
                method,
                Method::GET | Method::HEAD | Method::PATCH | Method::DELETE
            ));
    let state = req.app_data::<web::Data<ApiState>>().cloned();
    let (Some(state), true) = (state, interesting) else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    // Unauthenticated requests go on untouched: the handler answers them 401 (or 403).
    let Ok(user) = req.extract::<AuthUser>().await else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    match (method, target) {
        (Method::POST, _) => tag_created(req, next, &state, user.id).await,
        (Method::GET | Method::HEAD, Some((_, row))) => conditional_read(req, next, row).await,
        (_, Some((_, row))) => conditional_write(req, next, &state, row).await,
        (_, None) => next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body),
    }
}

/// GET: the `ETag` of the version the body was read at; 304 when `If-None-Match` names it.
async fn conditional_read(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
    row: VersionedRow,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    // A malformed If-None-Match is ignored: the full answer is always a safe one.
    let if_none_match = Condition::parse(req.headers(), &header::IF_NONE_MATCH)
        .ok()
        .flatten();
    let condition = RowCondition::observe(row.clone());
    let res = Clone::clone(&condition).scope(next.call(req)).await?;
    let Some(version) = condition
        .observed()
        .filter(|_| res.status() == StatusCode::OK)
    else {
        return Ok(res.map_into_boxed_body());
    };
    let etag = etag_of(&row, &version);
    if if_none_match.is_some_and(|c| c.matches_weak(&etag)) {
        let (http_req, original) = res.into_parts();
        let mut not_modified = HttpResponse::NotModified();
        for name in [
            header::CACHE_CONTROL,
            header::VARY,
            header::CONTENT_LOCATION,
        ] {
            if let Some(value) = original.headers().get(&name) {
                not_modified.insert_header((name, value.clone()));
            }
        }
        let not_modified = not_modified.insert_header((header::ETAG, etag)).finish();
        return Ok(ServiceResponse::new(http_req, not_modified));
    }
    Ok(with_etag(res.map_into_boxed_body(), &etag))
}

/// PATCH and DELETE: `If-Match` checked against the row, locked, in the write's own
/// transaction; the `ETag` of the version the write left.
async fn conditional_write(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
    state: &ApiState,
    row: VersionedRow,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Ok(if_match) = Condition::parse(req.headers(), &header::IF_MATCH) else {
        let err = AppError::malformed("If-Match must be `*` or a list of entity tags");
        return Ok(req.error_response(ApiError(err)));
    };
    if if_match.is_none() && state.config.require_if_match {
        return Ok(req.error_response(ApiError(AppError::precondition_required())));
    }
    let accepts_row = row.clone();
    let condition = RowCondition::lock_and_check(
        row.clone(),
        Box::new(move |version| match &if_match {
            None => true,
            Some(c) => c.matches_strong(Some(&etag_of(&accepts_row, version))),
        }),
    );
    let res = Clone::clone(&condition).scope(next.call(req)).await?;
    let version = condition.observed().flatten();
    match version {
        Some(version) if res.status() == StatusCode::OK => {
            let etag = etag_of(&row, &Some(version));
            Ok(with_etag(res.map_into_boxed_body(), &etag))
        }
        _ => Ok(res.map_into_boxed_body()),
    }
}

/// A 201 whose `Location` is a versioned resource gets that resource's `ETag`, read after
/// the create committed (only its creator knows the new id yet).
async fn tag_created(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
    state: &ApiState,
    user: UserId,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let res = next.call(req).await?.map_into_boxed_body();
    if res.status() != StatusCode::CREATED || res.headers().contains_key(header::ETAG) {
        return Ok(res);
    }
    let Some((_, row)) = res
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .and_then(resources::row_for_path)
    else {
        return Ok(res);
    };
    match state.services.row_versions.current(user, row.clone()).await {
        Ok(Some(version)) => Ok(with_etag(res, &etag_of(&row, &Some(version)))),
        Ok(None) => Ok(res),
        Err(err) => {
            // The resource was created; an answer without its ETag beats an error.
            tracing::warn!(error.code = %err.code(), "could not read the version of a created resource");
            Ok(res)
        }
    }
}

fn with_etag(mut res: ServiceResponse<BoxBody>, etag: &str) -> ServiceResponse<BoxBody> {
    if let Ok(value) = HeaderValue::from_str(etag) {
        res.headers_mut().insert(header::ETAG, value);
    }
    res
}
