use futures_util::FutureExt;
use omnicrm_domain::UserId;
use omnicrm_domain::tasks::{MomentumStats, ZoneItem, ZoneList, ZonesQuery};
use omnicrm_problem::AppError;
use omnicrm_repo::tasks::{ZonesRepository, momentum_stats};

use super::TasksService;

impl TasksService {
    /// Every zone by name; with `withStats`, each with the user's figures (zeros for a
    /// zone they have nothing in).
    pub async fn zones(&self, user: UserId, query: ZonesQuery) -> Result<ZoneList, AppError> {
        self.db
            .tenant(user, move |conn| {
                async move {
                    let zones = ZonesRepository::all(conn).await?;
                    let mut stats = if query.with_stats {
                        Some(ZonesRepository::stats(conn, user).await?)
                    } else {
                        None
                    };
                    let items: Vec<ZoneItem> = zones
                        .into_iter()
                        .map(|zone| {
                            let stats = stats
                                .as_mut()
                                .map(|s| s.remove(&zone.id).unwrap_or_default());
                            ZoneItem { zone, stats }
                        })
                        .collect();
                    Ok(ZoneList {
                        total: u64::try_from(items.len()).unwrap_or(0),
                        items,
                    })
                }
                .boxed()
            })
            .await
    }

    /// Tasks, projects, habits and inbox figures at a glance.
    pub async fn stats(&self, user: UserId) -> Result<MomentumStats, AppError> {
        self.db
            .tenant(user, move |conn| {
                async move { momentum_stats(conn, user).await }.boxed()
            })
            .await
    }
}
