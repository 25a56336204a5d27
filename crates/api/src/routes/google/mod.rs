//! `/google/...`: connecting Gmail and Calendar (OAuth), their status, disconnecting.
//! Without `OMNICRM_GOOGLE_CLIENT_ID` every route answers 503 `integration_not_configured`.

pub mod callback;
pub mod connect;
pub mod disconnect;
pub mod status;
pub mod sync;

use std::future::{Ready, ready};

use actix_web::{FromRequest, HttpRequest, dev::Payload};
use omnicrm_domain::google::GoogleService;
use omnicrm_problem::AppError;

use crate::http::ApiError;

/// The `{service}` segment: `gmail` or `calendar`; anything else is 404.
#[derive(Debug, Clone, Copy)]
pub struct ServicePath(pub GoogleService);

impl FromRequest for ServicePath {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            req.match_info()
                .get("service")
                .and_then(GoogleService::parse)
                .map(ServicePath)
                .ok_or_else(|| ApiError::from(AppError::not_found())),
        )
    }
}

/// Registers the Google routes, literal paths before templated ones.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(status::google_status)
        .service(callback::google_callback)
        .service(connect::google_connect)
        .service(disconnect::google_disconnect)
        .service(sync::google_sync_now);
}
