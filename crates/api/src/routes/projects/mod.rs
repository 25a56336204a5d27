//! `/omni-momentum/projects`: projects with their progress, and the tasks of a project.

pub mod create;
pub mod delete;
pub mod get;
pub mod list;
pub mod tasks;
pub mod update;

/// Registers the project routes. Literal paths come before templated ones.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list::list_projects)
        .service(create::create_project)
        .service(get::get_project)
        .service(update::update_project)
        .service(delete::delete_project)
        .service(tasks::list_project_tasks);
}
