//! What every route gets from the framework rather than from its handler: a rate limit
//! and a body-size limit, chosen by the class its OpenAPI operation declares.
//!
//! A route declares its classes beside itself, in its `#[utoipa::path]`:
//! `extensions(("x-rate-limit-class" = json!("heavy")), ("x-body-limit" = json!(body_limit::ACTION)))`.
//! An operation that declares nothing gets the defaults of [`RouteLimits::of_operation`]:
//! authenticated `GET`s are `read`, other authenticated methods `write`, unauthenticated
//! operations `public`; a declared JSON body may have [`body_limit::JSON`] bytes, no body
//! [`body_limit::ACTION`]. The table is built from the served document, so a new route is
//! limited the moment it is registered, and the document tells clients every limit.

mod body;
mod classes;
pub mod openapi;
mod rate;
mod table;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, web};

pub(crate) use body::BodyLimit;
pub use classes::{BODY_LIMIT_EXTENSION, RATE_CLASS_EXTENSION, RateClass, body_limit};
pub use table::{LimitTable, RouteLimits};

use crate::http::ApiError;
use crate::rate_limit::{Decisions, write_headers};

/// Middleware: counts the request against its rate limit (429 when used up), then caps
/// its body at the route's limit (413), before the handler runs. Requests that match no
/// operation (404, 405) are neither counted nor capped: they touch nothing.
pub async fn route_limits(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let limits = req
        .app_data::<web::Data<LimitTable>>()
        .zip(super::route_pattern::route_pattern(&req))
        .and_then(|(table, pattern)| table.get(req.method(), &pattern));
    let Some(limits) = limits else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let decision = match rate::admit(&req, limits.rate).await {
        Ok(decision) => decision,
        Err((err, decision)) => {
            let mut res = req.error_response(ApiError(err));
            write_headers(res.headers_mut(), decision.as_slice());
            return Ok(res.map_into_boxed_body());
        }
    };
    if let Err(err) = body::cap(&mut req, limits.body_bytes) {
        let mut res = req.error_response(ApiError(err));
        write_headers(res.headers_mut(), decision.as_slice());
        return Ok(res.map_into_boxed_body());
    }
    if decision.is_none() {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    req.extensions_mut()
        .insert(Decisions(decision.into_iter().collect()));
    let mut res = next.call(req).await?.map_into_boxed_body();
    let decisions = res
        .request()
        .extensions()
        .get::<Decisions>()
        .cloned()
        .unwrap_or_default();
    write_headers(res.headers_mut(), &decisions.0);
    Ok(res)
}
