//! `ValidQuery<T>`: query strings with repeated keys for arrays (`?a=1&a=2`), read with
//! serde_html_form; unknown parameters are 400 `malformed_request`, bad values 400
//! `validation_failed`.

use std::future::{Ready, ready};

use actix_web::{FromRequest, HttpRequest, dev::Payload};
use garde::Validate;
use omnicrm_problem::AppError;
use serde::de::DeserializeOwned;

use super::garde_map::field_errors;
use crate::http::ApiError;

/// A query string that parsed and passed validation.
#[derive(Debug)]
pub struct ValidQuery<T>(pub T);

impl<T> FromRequest for ValidQuery<T>
where
    T: DeserializeOwned + Validate<Context = ()>,
{
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            parse_query(req.query_string())
                .map(ValidQuery)
                .map_err(ApiError::from),
        )
    }
}

/// Parses and validates a query string.
pub fn parse_query<T: DeserializeOwned + Validate<Context = ()>>(
    query: &str,
) -> Result<T, AppError> {
    let deserializer = serde_html_form::Deserializer::from_bytes(query.as_bytes());
    let parsed: T = serde_path_to_error::deserialize(deserializer).map_err(|err| {
        let message = err.inner().to_string();
        if message.starts_with("unknown field") {
            return AppError::malformed(format!("unknown query parameter: {message}"));
        }
        let pointer = super::json::path_to_pointer(err.path());
        if let Some(field) = super::json::missing_field_name(&message) {
            return AppError::invalid_field(
                &format!("{pointer}/{field}"),
                "required",
                "this query parameter is required",
            );
        }
        AppError::invalid_field(&pointer, "invalid", &message)
    })?;
    parsed
        .validate()
        .map_err(|report| AppError::validation(field_errors(&report)))?;
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use omnicrm_domain::contacts::{ClientStatus, ContactListQuery, ContactSort};
    use omnicrm_problem::ErrorCode;

    #[test]
    fn repeated_keys_fill_arrays_and_bad_values_are_400() {
        let q: Result<ContactListQuery, _> =
            parse_query("clientStatus=active&clientStatus=at_risk&sort=displayName&pageSize=50");
        let q = q.unwrap_or_default();
        assert_eq!(
            q.client_status,
            vec![ClientStatus::Active, ClientStatus::AtRisk]
        );
        assert_eq!(q.sort, ContactSort::DisplayName);
        assert_eq!(q.page_size, 50);
        let code = |s: &str| parse_query::<ContactListQuery>(s).err().map(|e| e.code());
        assert_eq!(code("sort=color"), Some(ErrorCode::ValidationFailed));
        assert_eq!(code("pageSize=500"), Some(ErrorCode::ValidationFailed));
        assert_eq!(code("page=0"), Some(ErrorCode::ValidationFailed));
        assert_eq!(code("colour=red"), Some(ErrorCode::MalformedRequest));
    }

    #[derive(Debug, serde::Deserialize, garde::Validate)]
    #[serde(rename_all = "camelCase")]
    struct Required {
        #[garde(skip)]
        #[allow(dead_code)]
        file_path: String,
    }

    #[test]
    fn a_missing_required_parameter_points_at_it() {
        let err = parse_query::<Required>("").err().unwrap();
        assert_eq!(err.code(), ErrorCode::ValidationFailed);
        assert_eq!(err.field_errors()[0].pointer, "/filePath");
        assert_eq!(err.field_errors()[0].code, "required");
    }
}
