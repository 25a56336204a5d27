use actix_web::{HttpResponse, post, web};
use omnicrm_domain::contacts::{Contact, CreateContact};

use crate::auth::AuthUser;
use crate::extract::{ValidJson, ValidQuery};
use crate::{ApiError, ApiState};

/// `?allowDuplicate=true` skips the duplicate guard.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Default, serde::Deserialize, garde::Validate, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CreateContactParams {
    /// Create even when the email or phone already belongs to a contact.
    #[garde(skip)]
    #[serde(default)]
    pub allow_duplicate: bool,
}

/// Creates a contact. 409 `conflict` with `existingId` when the email or phone is taken.
#[utoipa::path(tag = "contacts", security(("bearer" = []), ("cookie" = [])), params(CreateContactParams),
    request_body = CreateContact,
    responses((status = 201, body = Contact), (status = 400, body = omnicrm_problem::Problem),
        (status = 409, body = omnicrm_problem::Problem)))]
#[post("/contacts")]
pub async fn create_contact(
    user: AuthUser,
    state: web::Data<ApiState>,
    params: ValidQuery<CreateContactParams>,
    body: ValidJson<CreateContact>,
) -> Result<HttpResponse, ApiError> {
    let contact = state
        .services
        .contacts
        .create(user.id, body.0, params.0.allow_duplicate)
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/contacts/{}", contact.id)))
        .json(contact))
}
