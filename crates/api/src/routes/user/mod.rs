//! `/user`: the signed-in user's data as a whole (complete export, erasure).

pub mod download_export;
pub mod erase;
pub mod erasure_receipt;
pub mod erasure_receipts;
pub mod export;
pub mod export_status;
pub mod request_export;

use futures_util::Stream;
use omnicrm_services::HeavyPermit;
use omnicrm_services::integrations::ObjectReader;
use tokio::io::AsyncReadExt;

/// Bytes read from storage or a spool file per response chunk.
const CHUNK: usize = 64 * 1024;

/// The response body over `reader`, 64 KiB at a time; `permit` (a heavy-request slot) is
/// held until the body ends or the client goes away.
pub(crate) fn stream_reader(
    reader: ObjectReader,
    permit: Option<HeavyPermit>,
) -> impl Stream<Item = Result<actix_web::web::Bytes, std::io::Error>> {
    futures_util::stream::unfold((reader, permit), |(mut reader, permit)| async move {
        let mut buf = vec![0; CHUNK];
        match reader.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(actix_web::web::Bytes::from(buf)), (reader, permit)))
            }
            Err(err) => Some((Err(err), (reader, permit))),
        }
    })
}

/// Registers `/user` (export and erasure) routes. Literal paths come before templated ones (actix
/// tries routes in registration order; `no_route_is_shadowed_by_one_registered_before_it` finds a shadowed one).
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(export::export_user_data)
        .service(request_export::request_user_export)
        .service(export_status::user_export_status)
        .service(download_export::download_user_export)
        .service(erase::erase_user_data)
        .service(erasure_receipts::user_erasure_receipts)
        .service(erasure_receipt::user_erasure_receipt);
}
