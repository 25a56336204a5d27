//! Liveness and readiness.

pub mod live;
pub mod ready;

/// Body of both health answers.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct HealthStatus {
    /// `ok`.
    pub status: &'static str,
}
