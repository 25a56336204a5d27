use actix_web::{HttpRequest, HttpResponse, post, web};
use omnicrm_domain::contacts::import::{ContactImportView, DuplicatePolicy, IMPORT_MAX_BYTES};
use omnicrm_problem::AppError;
use serde::Serialize;

use crate::auth::AuthUser;
use crate::extract::{UploadLimits, read_upload};
use crate::{ApiError, ApiState};

const DUPLICATES_FIELD: &str = "duplicates";
const DRY_RUN_FIELD: &str = "dryRun";

/// What the import form accepts.
const IMPORT_UPLOAD: UploadLimits = UploadLimits {
    file_bytes: IMPORT_MAX_BYTES,
    text_fields: &[DUPLICATES_FIELD, DRY_RUN_FIELD],
    file_field: crate::extract::FILE_FIELD,
    text_bytes: crate::extract::MAX_TEXT_FIELD,
};

/// The form of `POST /contacts/import`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContactImportForm {
    /// CSV, UTF-8, at most 2 MiB and 10000 rows. The first row names the columns in the
    /// API's field names: `displayName` (required), `primaryEmail`, `primaryPhone`,
    /// `source`, `lifecycleStage`, `clientStatus`, `referralSource`, `confidenceScore`,
    /// `dateOfBirth`, `emergencyContactName`, `emergencyContactPhone`, and a nested field by
    /// its dotted path: `address.street`, `.city`, `.state`, `.postalCode`, `.country`;
    /// `healthContext.conditions`, `.medications`, `.allergies` (items separated by `;`),
    /// `.notes`; `preferences.communicationMethod`, `.preferredTime`, `.timezone`,
    /// `.language`, `.marketingOptIn` (`true` or `false`).
    #[schema(value_type = String, format = Binary, min_length = 1)]
    pub file: String,
    /// `skip` (default) leaves a row whose email or phone belongs to a contact out;
    /// `merge` fills that contact's empty fields from the row.
    #[schema(inline, nullable = false)]
    pub duplicates: Option<DuplicatePolicy>,
    /// `true`: report what the import would do and write nothing.
    #[schema(value_type = Option<String>, pattern = "^(true|false)$", nullable = false)]
    pub dry_run: Option<String>,
}

/// Imports contacts from a CSV file, as a background job. Each row is checked with the
/// rules of `POST /contacts` and its duplicate guard; the valid rows are written in one
/// transaction (all or none). Answers 202 with the import and
/// `Location: /api/v1/contacts/import/{id}`; poll that until `status` is `done` for the
/// report: created, merged, skipped and rejected rows, each rejected one with its line
/// and the fields at fault. A file that cannot be read as a whole (header, quoting, size,
/// row count) is refused at once.
#[utoipa::path(
    extensions(("x-rate-limit-class" = json!("heavy")), ("x-body-limit" = json!(crate::http::limits::body_limit::upload(IMPORT_UPLOAD.file_bytes)))),
    tag = "contacts", security(("bearer" = []), ("cookie" = [])),
    request_body(content = ContactImportForm, content_type = "multipart/form-data"),
    responses(
        (status = 202, body = ContactImportView,
            headers(("Location" = String, description = "/api/v1/contacts/import/{id}"))),
        (status = 400, body = omnicrm_problem::Problem),
        (status = 401, body = omnicrm_problem::Problem),
        (status = 403, body = omnicrm_problem::Problem),
        (status = 413, body = omnicrm_problem::Problem),
        (status = 415, body = omnicrm_problem::Problem),
        (status = 429, body = omnicrm_problem::Problem,
            headers(("Retry-After" = u64, description = "seconds to wait"))),
        (status = 503, body = omnicrm_problem::Problem)))]
#[post("/contacts/import")]
pub async fn import_contacts(
    user: AuthUser,
    state: web::Data<ApiState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let _permit = state.services.heavy.acquire(user.id).await?;
    let upload = read_upload(&req, payload, IMPORT_UPLOAD).await?;
    let duplicates = match upload.field(DUPLICATES_FIELD) {
        None => DuplicatePolicy::Skip,
        Some(value) => DuplicatePolicy::parse(value).ok_or_else(|| {
            AppError::invalid_field("/duplicates", "one_of", "must be skip or merge")
        })?,
    };
    let dry_run = match upload.field(DRY_RUN_FIELD) {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => {
            return Err(
                AppError::invalid_field("/dryRun", "one_of", "must be true or false").into(),
            );
        }
    };
    let view = state
        .services
        .contacts
        .request_import(user.id, upload.file, duplicates, dry_run)
        .await?;
    Ok(HttpResponse::Accepted()
        .insert_header(("Location", format!("/api/v1/contacts/import/{}", view.id)))
        .json(view))
}
