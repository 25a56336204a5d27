//! `/data-intelligence/documents`: the practitioner's documents, searched and embedded like
//! every other item.

pub mod create;
pub mod delete;
pub mod get;
pub mod list;
pub mod update;

/// Registers `/data-intelligence/documents` routes.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list::list_documents)
        .service(create::create_document)
        .service(get::get_document)
        .service(update::update_document)
        .service(delete::delete_document);
}
