//! Daily pulse use cases: one check-in per user and local day (today in the time zone of
//! their profile by default), listing, edits and analytics (`omnicrm_domain::pulse`).

use futures_util::FutureExt;
use omnicrm_domain::local_date;

use crate::local_day::user_zone;
use omnicrm_domain::pulse::{
    CreatePulseLog, Entry, PulseAnalytics, PulseDetails, PulseListQuery, PulseLog, PulsePeriod,
    UpdatePulseLog, analytics, window,
};
use omnicrm_domain::{Page, PaginationMeta, PulseLogId, UserId};
use omnicrm_problem::AppError;
use omnicrm_repo::Db;
use omnicrm_repo::pulse::{NewPulseRow, PulseRepository};
use time::OffsetDateTime;

/// Record, read, list, edit and delete daily pulse entries; their analytics.
#[derive(Debug, Clone)]
pub struct PulseService {
    db: Db,
}

impl PulseService {
    /// Wraps the database handle.
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// Records a day's entry; 409 when that day already has one.
    pub async fn create(&self, user: UserId, input: CreatePulseLog) -> Result<PulseLog, AppError> {
        let now = OffsetDateTime::now_utc();
        let details = to_json(&PulseDetails::from(input.details))?;
        self.db
            .tenant(user, move |conn| {
                let details = details.clone();
                async move {
                    omnicrm_repo::tenants::ensure(conn, user).await?;
                    let log_date = match input.log_date {
                        Some(day) => day,
                        None => local_date(now, user_zone(conn, user).await?),
                    };
                    let row = NewPulseRow {
                        user_id: user,
                        id: PulseLogId::generate(),
                        log_date,
                        details,
                    };
                    PulseRepository::insert(conn, &row).await?.try_into()
                }
                .boxed()
            })
            .await
    }

    /// One entry, or 404.
    pub async fn get(&self, user: UserId, id: PulseLogId) -> Result<PulseLog, AppError> {
        self.db
            .tenant(user, move |conn| {
                async move { PulseRepository::find(conn, user, id).await?.try_into() }.boxed()
            })
            .await
    }

    /// Edits that day's answers; 404 when absent.
    pub async fn update(
        &self,
        user: UserId,
        id: PulseLogId,
        input: UpdatePulseLog,
    ) -> Result<PulseLog, AppError> {
        self.db
            .tenant(user, move |conn| {
                let patch = input.details.clone();
                async move {
                    let current = PulseRepository::find(conn, user, id).await?;
                    let details = to_json(&patch.apply(current.answers()?))?;
                    PulseRepository::set_details(conn, user, id, &details)
                        .await?
                        .try_into()
                }
                .boxed()
            })
            .await
    }

    /// Deletes an entry; 404 when absent.
    pub async fn delete(&self, user: UserId, id: PulseLogId) -> Result<(), AppError> {
        self.db
            .tenant(user, move |conn| {
                async move {
                    if PulseRepository::delete(conn, user, id).await? {
                        Ok(())
                    } else {
                        Err(AppError::not_found())
                    }
                }
                .boxed()
            })
            .await
    }

    /// One page of entries, newest day first, optionally between two days.
    pub async fn list(
        &self,
        user: UserId,
        query: PulseListQuery,
    ) -> Result<Page<PulseLog>, AppError> {
        self.db
            .tenant(user, move |conn| {
                async move {
                    let page = query.page_request();
                    let range = (query.start_date, query.end_date);
                    let rows = PulseRepository::list(conn, user, range, page).await?;
                    let total = PulseRepository::count(conn, user, range).await?;
                    Ok(Page {
                        items: rows
                            .into_iter()
                            .map(PulseLog::try_from)
                            .collect::<Result<_, _>>()?,
                        pagination: PaginationMeta::new(page, total),
                    })
                }
                .boxed()
            })
            .await
    }

    /// Analytics of the week, month or quarter ending the user's today.
    pub async fn analytics(
        &self,
        user: UserId,
        period: PulsePeriod,
    ) -> Result<PulseAnalytics, AppError> {
        let now = OffsetDateTime::now_utc();
        self.db
            .tenant(user, move |conn| {
                async move {
                    let today = local_date(now, user_zone(conn, user).await?);
                    let rows =
                        PulseRepository::between(conn, user, window(period, today), today).await?;
                    let entries = rows
                        .into_iter()
                        .map(|row| {
                            Ok(Entry {
                                date: row.log_date,
                                details: row.answers()?,
                            })
                        })
                        .collect::<Result<Vec<_>, AppError>>()?;
                    Ok(analytics(&entries, period, today))
                }
                .boxed()
            })
            .await
    }
}

fn to_json(details: &PulseDetails) -> Result<serde_json::Value, AppError> {
    serde_json::to_value(details).map_err(|e| AppError::internal(format!("pulse details: {e}")))
}
