//! `/omni-momentum/inbox`: quick and voice captures, their suggestions, turning them into
//! tasks (one, several, in bulk, or as suggestions awaiting approval), the queue, and the
//! cron drain `/cron/process-inbox`.

pub mod audio;
pub mod bulk;
pub mod capture;
pub mod cron;
pub mod delete;
pub mod get;
pub mod intelligent;
pub mod list;
pub mod process;
pub mod queue;
pub mod stats;
pub mod update;
pub mod voice;

/// Registers the inbox routes. Literal paths come before templated ones.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list::list_inbox)
        .service(capture::capture_inbox)
        .service(voice::capture_voice)
        .service(stats::inbox_stats)
        .service(queue::inbox_queue)
        .service(intelligent::intelligent_capture)
        .service(process::process_inbox)
        .service(bulk::bulk_inbox)
        .service(get::get_inbox_item)
        .service(update::update_inbox_item)
        .service(delete::delete_inbox_item)
        .service(audio::inbox_audio)
        .service(cron::process_inbox_queue);
}
