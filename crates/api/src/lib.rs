//! OmniCRM's HTTP surface (actix-web): routes (one module per resource, one handler per
//! file), extractors that turn bad input into problems, auth, middleware and OpenAPI.
//!
//! [`build_app`] composes the whole application from an [`ApiState`]; the server binary and
//! the in-process test harness both use it, so tests exercise the real composition.

pub mod auth;
mod extract;
mod http;
mod openapi;
pub mod rate_limit;
mod routes;
mod state;

pub use http::{AllowedOrigins, ApiError, TrustedProxies};
pub use openapi::api_doc;
pub use state::{ApiConfig, ApiState};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{App, Error, web};
use utoipa_actix_web::AppExt;

/// Largest JSON body any route accepts.
pub const JSON_LIMIT_BYTES: usize = 256 * 1024;

/// Builds the application: every route, the problem/request-id envelope and the OpenAPI
/// document (served at `/api/v1/openapi.json`). actix-web calls it once per HTTP worker,
/// on the worker's thread, which it gives a database pool of its own when the services'
/// handle allows ([`omnicrm_repo::Db::with_thread_pools`]).
pub fn build_app(
    state: ApiState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody<Error = impl Into<Box<dyn std::error::Error>>>>,
        Error = Error,
        InitError = (),
    >,
> {
    // Called once per HTTP worker, on its thread.
    if let Err(err) = state.services.db().open_thread_pool() {
        tracing::warn!(error = %err, "this HTTP worker shares the process's database pool");
    }
    let (app, doc) = App::new()
        .into_utoipa_app()
        .openapi(openapi::base_doc())
        .service(routes::api_scope())
        .service(routes::problems::problem_page)
        .split_for_parts();
    let doc = openapi::finish(doc);
    let route_table = http::RouteTable::from_openapi(&doc);
    let limit_table = http::limits::LimitTable::from_openapi(&doc);
    app.app_data(web::Data::new(state))
        .app_data(web::Data::new(openapi::OpenApiJson::new(&doc)))
        .app_data(web::Data::new(route_table))
        .app_data(web::Data::new(limit_table))
        .app_data(web::Data::new(
            http::idempotency::CreatingRoutes::from_openapi(&doc),
        ))
        .app_data(web::PayloadConfig::new(JSON_LIMIT_BYTES))
        .default_service(web::to(http::unmatched))
        .wrap(actix_web::middleware::from_fn(http::conditional_requests))
        .wrap(actix_web::middleware::from_fn(http::idempotent_creates))
        .wrap(actix_web::middleware::from_fn(http::method_guard))
        .wrap(actix_web::middleware::from_fn(http::limits::route_limits))
        .wrap(actix_web::middleware::from_fn(http::cors))
        .wrap(actix_web::middleware::from_fn(http::envelope))
}
