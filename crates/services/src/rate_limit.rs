//! The rate limiter of public routes, counted in Postgres so every server instance shares
//! it. It fails closed: when the database cannot be asked, the request is refused with
//! 503 `unavailable`, never let through uncounted.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use futures_util::FutureExt;
use omnicrm_domain::UserId;
use omnicrm_problem::AppError;
use omnicrm_repo::Db;
use omnicrm_repo::{RateLimitRepository, WindowCounts};
use time::OffsetDateTime;
use uuid::Uuid;

/// How often one instance purges expired windows, at most.
const PURGE_EVERY_SECS: i64 = 60;

/// A limit: `limit` requests per `window` for each bucket it is applied to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimitPolicy {
    /// Name in the `RateLimit-Policy` header (`public-ip`, `onboarding-token`).
    pub name: String,
    /// Requests admitted per window.
    pub limit: u32,
    /// Window length (whole seconds, at least one).
    pub window: Duration,
}

impl RateLimitPolicy {
    /// `limit` requests per minute.
    pub fn per_minute(name: &str, limit: u32) -> Self {
        Self {
            name: name.to_owned(),
            limit,
            window: Duration::from_secs(60),
        }
    }

    fn window_secs(&self) -> u64 {
        self.window.as_secs().max(1)
    }
}

/// The outcome of one request against one policy, with what the headers report.
#[derive(Debug, Clone, PartialEq)]
pub struct RateLimitDecision {
    /// The policy applied.
    pub policy: RateLimitPolicy,
    /// Whether the request may proceed.
    pub allowed: bool,
    /// Requests still admitted right now (`r` of the `RateLimit` header).
    pub remaining: u32,
    /// Seconds until the current window ends, or until a refused client gets in again
    /// (`t` of the `RateLimit` header).
    pub reset_secs: u64,
    /// `Retry-After` of a refused request (0 when allowed).
    pub retry_after_secs: u64,
}

impl RateLimitDecision {
    /// Interprets the window counts of a hit (sliding-window counter: the previous
    /// window counts with the share of it still inside the sliding window).
    pub fn from_counts(policy: RateLimitPolicy, counts: WindowCounts) -> Self {
        let window = policy.window_secs() as f64;
        let limit = f64::from(policy.limit);
        let elapsed = counts.elapsed_secs.clamp(0.0, window);
        let previous = f64::from(counts.previous.max(0));
        let current = f64::from(counts.current.max(0));
        let estimate = previous * (1.0 - elapsed / window) + current;
        let remaining = (limit - estimate).ceil().clamp(0.0, limit) as u32;
        let window_left = window - elapsed;
        if counts.admitted {
            return Self {
                policy,
                allowed: true,
                remaining,
                reset_secs: whole_secs(window_left),
                retry_after_secs: 0,
            };
        }
        // When will the estimate drop below the limit again (nothing more is counted)?
        let wait = if current < limit && previous > 0.0 {
            // Within this window, as the previous window's weight shrinks.
            window * (1.0 - (limit - current) / previous) - elapsed
        } else if current >= limit && current > 0.0 {
            // In the next window, as this window's weight shrinks.
            window_left + window * (1.0 - limit / current)
        } else {
            window_left
        };
        let wait = whole_secs(wait).max(1);
        Self {
            policy,
            allowed: false,
            remaining: 0,
            reset_secs: wait,
            retry_after_secs: wait,
        }
    }
}

fn whole_secs(secs: f64) -> u64 {
    if secs.is_finite() && secs > 0.0 {
        secs.ceil() as u64
    } else {
        0
    }
}

/// Counts requests per bucket in `rate_limit_counters`.
#[derive(Debug, Clone)]
pub struct RateLimiter {
    db: Db,
    last_purge: Arc<AtomicI64>,
}

impl RateLimiter {
    /// Wraps the database handle.
    pub fn new(db: Db) -> Self {
        Self {
            db,
            last_purge: Arc::new(AtomicI64::new(0)),
        }
    }

    /// Counts one request against `bucket` under `policy`. Any failure to ask the
    /// database is 503 `unavailable`: the limiter fails closed.
    pub async fn hit(
        &self,
        bucket: &str,
        policy: &RateLimitPolicy,
    ) -> Result<RateLimitDecision, AppError> {
        let counts = self.count(bucket, policy, None).await?;
        Ok(RateLimitDecision::from_counts(policy.clone(), counts))
    }

    /// Like [`RateLimiter::hit`] for a request of the account `subject` (a token's `sub`),
    /// returning also the tenant the account works on now, read by the same statement
    /// (ADR 0050): what [`crate::UserDataService::tenant_of`] would answer, one round trip
    /// fewer.
    pub async fn hit_for_account(
        &self,
        bucket: &str,
        policy: &RateLimitPolicy,
        subject: Uuid,
    ) -> Result<(RateLimitDecision, UserId), AppError> {
        let counts = self.count(bucket, policy, Some(subject)).await?;
        let tenant = UserId(counts.tenant.unwrap_or(subject));
        Ok((
            RateLimitDecision::from_counts(policy.clone(), counts),
            tenant,
        ))
    }

    async fn count(
        &self,
        bucket: &str,
        policy: &RateLimitPolicy,
        account: Option<Uuid>,
    ) -> Result<WindowCounts, AppError> {
        let limit = i32::try_from(policy.limit).unwrap_or(i32::MAX);
        let window = i32::try_from(policy.window_secs()).unwrap_or(i32::MAX);
        let bucket = bucket.to_owned();
        let counts = self
            .db
            .unscoped(move |conn| {
                async move { RateLimitRepository::hit(conn, &bucket, limit, window, account).await }
                    .boxed()
            })
            .await
            .map_err(|err| {
                tracing::warn!(error = %err, "rate limiter unavailable: refusing the request");
                AppError::unavailable(err)
            })?;
        self.purge_now_and_then();
        Ok(counts)
    }

    /// Deletes expired windows in the background, at most once a minute per instance.
    fn purge_now_and_then(&self) {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let last = self.last_purge.load(Ordering::Relaxed);
        if now - last < PURGE_EVERY_SECS
            || self
                .last_purge
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_err()
        {
            return;
        }
        let db = self.db.clone();
        tokio::spawn(async move {
            let purged = db
                .unscoped(|conn| {
                    async move { RateLimitRepository::purge_expired(conn).await }.boxed()
                })
                .await;
            match purged {
                Ok(n) => tracing::debug!(purged = n, "expired rate-limit windows purged"),
                Err(err) => tracing::warn!(error = %err, "could not purge rate-limit windows"),
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decide(previous: i32, current: i32, admitted: bool, elapsed: f64) -> RateLimitDecision {
        RateLimitDecision::from_counts(
            RateLimitPolicy::per_minute("t", 5),
            WindowCounts {
                previous,
                current,
                admitted,
                elapsed_secs: elapsed,
                tenant: None,
            },
        )
    }

    #[test]
    fn a_fresh_window_admits_the_limit() {
        let first = decide(0, 1, true, 10.0);
        assert_eq!(
            (first.allowed, first.remaining, first.reset_secs),
            (true, 4, 50)
        );
        let fifth = decide(0, 5, true, 10.5);
        assert_eq!(
            (fifth.allowed, fifth.remaining, fifth.reset_secs),
            (true, 0, 50)
        );
    }

    #[test]
    fn a_full_window_waits_until_its_weight_has_shrunk() {
        // 5 of 5 used at second 20: the next window starts in 40 s, and one more request
        // fits once 5 * (1 - e/60) < 5, i.e. just after it starts: 40 s.
        let refused = decide(0, 5, false, 20.0);
        assert_eq!(
            (refused.allowed, refused.remaining, refused.retry_after_secs),
            (false, 0, 40)
        );
    }

    #[test]
    fn the_previous_window_decays() {
        // 5 in the previous window, none now, at second 6: 5 * 0.9 = 4.5 < 5 → one fits.
        let admitted = decide(5, 1, true, 6.0);
        assert_eq!(admitted.remaining, 0);
        // Refused at second 0 with the previous window full: wait until 5 * (1 - e/60) < 5
        // minus the current count 0 → 60 * (1 - 5/5) - 0 = 0 → at least 1 s.
        let refused = decide(5, 0, false, 0.0);
        assert_eq!(refused.retry_after_secs, 1);
        // 10 in the previous window, 2 now, at second 15: need 10 * (1 - e/60) < 3,
        // e > 42 → 27 s more.
        let refused = decide(10, 2, false, 15.0);
        assert_eq!(refused.retry_after_secs, 27);
    }
}
