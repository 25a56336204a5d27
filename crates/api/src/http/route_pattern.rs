//! The route template a request matches, looked up once per request.

use std::rc::Rc;

use actix_web::HttpMessage;
use actix_web::dev::ServiceRequest;

/// The cached answer (`None`: the path matches no route).
#[derive(Clone)]
struct MatchedPattern(Option<Rc<str>>);

/// The route template `req` matches (`/api/v1/contacts/{id}`), or `None`.
///
/// Before routing, actix-web finds it by trying every route in turn, a regular expression
/// for each route with parameters: a few percent of a cheap request's CPU (perf during
/// `scripts/bench-tasks`). The middlewares that need it (the log envelope, the limits, the
/// per-route buckets) share one search through the request's extensions.
pub(crate) fn route_pattern(req: &ServiceRequest) -> Option<Rc<str>> {
    if let Some(found) = req.extensions().get::<MatchedPattern>() {
        return found.0.clone();
    }
    let found: Option<Rc<str>> = req.match_pattern().map(Rc::from);
    req.extensions_mut().insert(MatchedPattern(found.clone()));
    found
}
