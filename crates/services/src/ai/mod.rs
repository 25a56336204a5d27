//! The AI layer: the provider client behind per-user limits, usage accounting, and the
//! assistant chat ([`chat`]).
//!
//! Limits, checked before every assistant message (the first one spent answers 429
//! `quota_exceeded` with `Retry-After` and the reset time; jobs reschedule instead):
//! * monthly credits in `ai_quotas` (one per message), spent by one atomic statement
//!   that also rolls the month over ([`omnicrm_repo::ai::AiRepository::spend_credit`]);
//! * requests per minute per user, counted in the shared Postgres rate limiter;
//! * a cost cap per UTC day, over the costs recorded in `ai_usage`.

pub mod chat;
mod tools;

pub use tools::Tools;

use std::time::Duration;

use futures_util::FutureExt;
use omnicrm_domain::UserId;
use omnicrm_domain::ai::AiUsageSummary;
use omnicrm_integrations::ai::{AiClient, AiError, Usage};
use omnicrm_problem::{AppError, ErrorCode};
use omnicrm_repo::Db;
use omnicrm_repo::ai::AiRepository;
use time::{Date, OffsetDateTime, Time};

use crate::rate_limit::{RateLimitPolicy, RateLimiter};

/// Default monthly credits (`OMNICRM_AI_MONTHLY_CREDITS`).
pub const DEFAULT_MONTHLY_CREDITS: i32 = 1000;
/// Default requests per minute (`OMNICRM_AI_REQUESTS_PER_MINUTE`).
pub const DEFAULT_REQUESTS_PER_MINUTE: u32 = 20;
/// Default daily cost cap, millionths of a dollar (`OMNICRM_AI_DAILY_COST_CAP_USD`, 1.00).
pub const DEFAULT_DAILY_COST_CAP_USD_MICROS: i64 = 1_000_000;

/// Per-user limits of the AI features.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AiLimits {
    /// Credits per month (one per assistant message).
    pub monthly_credits: i32,
    /// Assistant messages per minute.
    pub requests_per_minute: u32,
    /// Cost cap per UTC day, millionths of a US dollar.
    pub daily_cost_cap_usd_micros: i64,
}

impl Default for AiLimits {
    fn default() -> Self {
        Self {
            monthly_credits: DEFAULT_MONTHLY_CREDITS,
            requests_per_minute: DEFAULT_REQUESTS_PER_MINUTE,
            daily_cost_cap_usd_micros: DEFAULT_DAILY_COST_CAP_USD_MICROS,
        }
    }
}

/// Which limit refused a request, and when it lifts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotaRefusal {
    /// `monthly_credits`, `requests_per_minute` or `daily_cost`.
    pub limit: &'static str,
    /// When the limit lifts.
    pub resets_at: OffsetDateTime,
}

impl QuotaRefusal {
    /// How long until the limit lifts (what a job snoozes for).
    ///
    /// Rounded up to a whole second: a client that waits `Retry-After`, or a job snoozed
    /// for this long, must not come back a fraction of a second before the limit lifts.
    pub fn wait(&self) -> Duration {
        let left = self.resets_at - OffsetDateTime::now_utc();
        let mut secs = left.whole_seconds();
        if left.subsec_nanoseconds() > 0 {
            secs += 1;
        }
        Duration::from_secs(u64::try_from(secs.max(1)).unwrap_or(1))
    }

    /// 429 `quota_exceeded` with `Retry-After` and the reset time in the detail.
    pub fn into_app_error(self) -> AppError {
        let at = self
            .resets_at
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        let what = match self.limit {
            "monthly_credits" => "this month's AI credits are used up",
            "requests_per_minute" => "too many AI requests in the last minute",
            _ => "today's AI cost cap is reached",
        };
        AppError::ai_quota_exceeded(format!("{what}; resets at {at}"), self.wait().as_secs())
    }
}

/// The provider behind the user's limits; cheap to clone.
#[derive(Debug, Clone)]
pub struct AiService {
    pub(crate) db: Db,
    client: Option<AiClient>,
    limits: AiLimits,
    limiter: RateLimiter,
}

/// First day of `now`'s month and the first instant of the next month (UTC).
fn month_of(now: OffsetDateTime) -> (Date, OffsetDateTime) {
    let start = now.date().replace_day(1).unwrap_or(now.date());
    let next = if start.month() == time::Month::December {
        Date::from_calendar_date(start.year() + 1, time::Month::January, 1)
    } else {
        Date::from_calendar_date(start.year(), start.month().next(), 1)
    }
    .unwrap_or(start);
    (start, next.with_time(Time::MIDNIGHT).assume_utc())
}

fn day_of(now: OffsetDateTime) -> (OffsetDateTime, OffsetDateTime) {
    let start = now.date().with_time(Time::MIDNIGHT).assume_utc();
    (start, start + time::Duration::days(1))
}

impl AiService {
    /// The service; `client` is `None` (or unconfigured) when no provider is set up.
    pub fn new(db: Db, client: Option<AiClient>, limits: AiLimits) -> Self {
        Self {
            limiter: RateLimiter::new(db.clone()),
            db,
            client: client.filter(AiClient::is_configured),
            limits,
        }
    }

    /// Whether a provider is configured.
    pub fn is_configured(&self) -> bool {
        self.client.is_some()
    }

    /// The client, or 503 `integration_not_configured`.
    pub fn client(&self) -> Result<&AiClient, AppError> {
        self.client.as_ref().ok_or_else(|| {
            AppError::new(ErrorCode::IntegrationNotConfigured)
                .with_detail("no AI provider is configured (OMNICRM_AI_API_KEY)")
        })
    }

    /// The limits.
    pub fn limits(&self) -> AiLimits {
        self.limits
    }

    /// Admits one request of `user` against every limit, spending one credit; the first
    /// limit that is spent refuses it.
    pub async fn admit(&self, user: UserId) -> Result<Result<(), QuotaRefusal>, AppError> {
        let now = OffsetDateTime::now_utc();
        let (day_start, day_end) = day_of(now);
        let spent_today = self
            .db
            .tenant(user, move |conn| {
                async move { AiRepository::cost_since(conn, user, day_start).await }.boxed()
            })
            .await?;
        if spent_today >= self.limits.daily_cost_cap_usd_micros {
            return Ok(Err(QuotaRefusal {
                limit: "daily_cost",
                resets_at: day_end,
            }));
        }
        let policy = RateLimitPolicy::per_minute("ai-user", self.limits.requests_per_minute);
        let decision = self.limiter.hit(&format!("ai:{user}"), &policy).await?;
        if !decision.allowed {
            let wait = i64::try_from(decision.retry_after_secs.max(1)).unwrap_or(60);
            return Ok(Err(QuotaRefusal {
                limit: "requests_per_minute",
                resets_at: now + time::Duration::seconds(wait),
            }));
        }
        let (period_start, period_end) = month_of(now);
        let monthly = self.limits.monthly_credits;
        let left = self
            .db
            .tenant_retrying(user, move |conn| {
                async move { AiRepository::spend_credit(conn, user, monthly, period_start).await }
                    .boxed()
            })
            .await?;
        Ok(match left {
            Some(_) => Ok(()),
            None => Err(QuotaRefusal {
                limit: "monthly_credits",
                resets_at: period_end,
            }),
        })
    }

    /// Records one model call in `ai_usage`.
    pub async fn record(&self, user: UserId, model: &str, usage: Usage) -> Result<(), AppError> {
        let model = model.chars().take(200).collect::<String>();
        self.db
            .tenant(user, move |conn| {
                async move {
                    AiRepository::record_usage(
                        conn,
                        user,
                        &model,
                        usage.input_tokens,
                        usage.output_tokens,
                        usage.cost_usd_micros,
                    )
                    .await
                }
                .boxed()
            })
            .await
    }

    /// This month's usage and the limits.
    pub async fn usage(&self, user: UserId) -> Result<AiUsageSummary, AppError> {
        let now = OffsetDateTime::now_utc();
        let (period_start, period_end) = month_of(now);
        let (day_start, _) = day_of(now);
        let month_start = period_start.with_time(Time::MIDNIGHT).assume_utc();
        let limits = self.limits;
        let (quota, totals, today) = self
            .db
            .tenant(user, move |conn| {
                async move {
                    let quota = AiRepository::quota(conn, user).await?;
                    let totals = AiRepository::totals_since(conn, user, month_start).await?;
                    let today = AiRepository::cost_since(conn, user, day_start).await?;
                    Ok((quota, totals, today))
                }
                .boxed()
            })
            .await?;
        let credits_left = match quota {
            Some((left, start)) if start >= period_start => left,
            _ => limits.monthly_credits.max(0),
        };
        Ok(AiUsageSummary {
            configured: self.is_configured(),
            period_start,
            period_resets_at: period_end,
            monthly_credits: limits.monthly_credits,
            credits_left,
            requests_per_minute: limits.requests_per_minute,
            daily_cost_cap_usd_micros: limits.daily_cost_cap_usd_micros,
            today_cost_usd_micros: today,
            month_requests: totals.requests,
            month_input_tokens: totals.input_tokens,
            month_output_tokens: totals.output_tokens,
            month_cost_usd_micros: totals.cost_usd_micros,
        })
    }
}

/// The problem a provider failure becomes for an API caller (the provider's 429 is ours
/// to absorb: 503 with its `Retry-After`, never the user's `quota_exceeded`).
pub fn provider_problem(err: &AiError) -> AppError {
    tracing::warn!(error = %err, "AI provider call failed");
    match err {
        AiError::NotConfigured => AppError::new(ErrorCode::IntegrationNotConfigured)
            .with_detail("no AI provider is configured (OMNICRM_AI_API_KEY)"),
        AiError::RateLimited { retry_after } => AppError::upstream_unavailable(
            "the AI provider is busy; retry shortly",
            retry_after.map_or(30, |d| d.as_secs()),
        ),
        _ => AppError::upstream_unavailable("the AI provider is unavailable; retry shortly", 30),
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn the_month_rolls_over_at_utc_midnight_of_the_first_including_december() {
        let (start, end) = month_of(datetime!(2026-12-31 23:59:59 UTC));
        assert_eq!(start, time::macros::date!(2026 - 12 - 01));
        assert_eq!(end, datetime!(2027-01-01 00:00:00 UTC));
        let (start, end) = month_of(datetime!(2026-02-01 00:00:00 UTC));
        assert_eq!(start, time::macros::date!(2026 - 02 - 01));
        assert_eq!(end, datetime!(2026-03-01 00:00:00 UTC));
    }
}
