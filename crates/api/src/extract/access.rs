//! `ClientAccess`: who is asking, for the photo access audit.

use std::future::{Ready, ready};

use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, dev::Payload};
use omnicrm_services::files::AccessMeta;

use crate::http::ApiError;

/// The client's IP and user agent. The IP is the socket peer, or the nearest untrusted hop
/// of `X-Forwarded-For` when the peer is one of `OMNICRM_TRUSTED_PROXIES`.
#[derive(Debug, Clone)]
pub struct ClientAccess(pub AccessMeta);

impl FromRequest for ClientAccess {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let trusted = req
            .app_data::<actix_web::web::Data<crate::ApiState>>()
            .map(|state| state.config.trusted_proxies.clone())
            .unwrap_or_default();
        let ip = crate::http::client_ip(req, &trusted).map(|ip| ip.to_string());
        let user_agent = req
            .headers()
            .get(header::USER_AGENT)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        ready(Ok(Self(AccessMeta::new(ip, user_agent.as_deref()))))
    }
}
