//! Client files and photos: uploads under `/contacts/{id}/..`, the public signed download
//! `/files/{owner}/{area}/{name}`, re-signing at `/storage/file-url`, and the photo access log.

pub mod access_log;
pub mod delete;
pub mod delete_photo;
pub mod download;
pub mod get;
pub mod list;
pub mod sign;
pub mod upload_file;
pub mod upload_photo;

use std::future::{Ready, ready};

use actix_web::{FromRequest, HttpRequest, dev::Payload};
use omnicrm_domain::ContactId;
use omnicrm_domain::files::ClientFileView;
use omnicrm_problem::AppError;
use serde::Serialize;
use uuid::Uuid;

use crate::ApiState;
use crate::http::ApiError;

/// `{id}` (contact) and `{fileId}` of `/contacts/{id}/files/{fileId}`; a segment that is
/// not a UUID is 404 like a foreign id.
#[derive(Debug, Clone, Copy)]
pub struct ContactFilePath {
    /// The contact.
    pub contact: ContactId,
    /// The file.
    pub file: Uuid,
}

impl FromRequest for ContactFilePath {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let segment = |name: &str| {
            req.match_info()
                .get(name)
                .and_then(|raw| Uuid::parse_str(raw).ok())
        };
        ready(
            match (segment("id"), segment("fileId")) {
                (Some(contact), Some(file)) => Ok(Self {
                    contact: ContactId(contact),
                    file,
                }),
                _ => Err(AppError::not_found()),
            }
            .map_err(ApiError::from),
        )
    }
}

/// The upload form of `POST /contacts/{id}/photo`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PhotoUploadForm {
    /// JPEG, PNG, WebP or GIF, at most 10 MiB; stored as a JPEG of at most 1024 px a side
    /// without metadata. The type is read from the bytes; file name and declared type are
    /// ignored. An empty file is refused.
    #[schema(value_type = String, format = Binary, min_length = 1)]
    pub file: String,
}

/// The upload form of `POST /contacts/{id}/files`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FileUploadForm {
    /// JPEG, PNG, WebP, GIF or PDF, at most 20 MiB (images are re-encoded like photos).
    /// An empty file is refused.
    #[schema(value_type = String, format = Binary, min_length = 1)]
    pub file: String,
    /// `document` (default) or `form`; a multipart field cannot be `null`.
    #[schema(inline, nullable = false)]
    pub file_type: Option<UploadedFileType>,
}

#[allow(
    dead_code,
    reason = "documents the form field for OpenAPI; the handler reads FileType"
)]
/// The `fileType` field of [`FileUploadForm`] (the form's own spelling of the kinds a
/// client may upload; photos have their own route).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum UploadedFileType {
    /// A document (the default).
    Document,
    /// A filled-in form.
    Form,
}

/// An absolute URL for a path of this server (signed URLs must work from another origin).
pub(crate) fn absolute(state: &ApiState, path: &str) -> String {
    format!("{}{path}", state.config.public_url.trim_end_matches('/'))
}

/// Makes a file view's signed URL absolute.
pub(crate) fn with_absolute_url(state: &ApiState, mut view: ClientFileView) -> ClientFileView {
    view.url = view.url.map(|path| absolute(state, &path));
    view
}

/// Registers `/files`, photos and signed downloads routes. Literal paths come before templated ones (actix
/// tries routes in registration order; `no_route_is_shadowed_by_one_registered_before_it` finds a shadowed one).
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(upload_photo::upload_photo)
        .service(delete_photo::delete_photo)
        .service(list::list_files)
        .service(upload_file::upload_file)
        .service(get::get_file)
        .service(delete::delete_file)
        .service(access_log::photo_access_log)
        .service(sign::sign_file_url)
        .service(download::download_file);
}
