//! `IdPath<T>`: a single id path segment; anything that is not a UUID is 404, exactly
//! like an id that exists for someone else.

use std::future::{Ready, ready};
use std::str::FromStr;

use actix_web::{FromRequest, HttpRequest, dev::Payload};
use omnicrm_problem::AppError;

use crate::http::ApiError;

/// The `{id}` segment of a route, parsed into a typed id.
#[derive(Debug, Clone, Copy)]
pub struct IdPath<T>(pub T);

impl<T: FromStr> FromRequest for IdPath<T> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let parsed = req
            .match_info()
            .get("id")
            .and_then(|raw| T::from_str(raw).ok())
            .map(IdPath)
            .ok_or_else(|| ApiError::from(AppError::not_found()));
        ready(parsed)
    }
}
