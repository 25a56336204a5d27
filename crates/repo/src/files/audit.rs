use diesel::prelude::*;
use diesel::sql_types::{Array, Nullable, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use omnicrm_domain::{ContactId, UserId};
use omnicrm_problem::AppError;
use time::OffsetDateTime;
use uuid::Uuid;

use super::row::{NewPhotoAccessRow, PhotoAccessRow};
use crate::error::RepoErrorExt;
use crate::schema::photo_access_audit;
use crate::sql::SqlBuilder;

/// The insert-only photo access audit.
#[derive(Debug, Clone, Copy, Default)]
pub struct PhotoAccessRepository;

impl PhotoAccessRepository {
    /// Writes every row with ONE `INSERT .. SELECT FROM unnest(..)` (nothing at all for no
    /// rows), so a list of 200 contacts costs one round trip, not 200. Its text does not
    /// depend on the number of rows, so it is a cached prepared statement, unlike a
    /// multi-row `VALUES` list that PostgreSQL would parse and plan on every page.
    pub async fn insert_many(
        conn: &mut AsyncPgConnection,
        rows: &[NewPhotoAccessRow],
    ) -> Result<usize, AppError> {
        if rows.is_empty() {
            return Ok(0);
        }
        let mut b = SqlBuilder::new();
        let users = b.bind::<Array<SqlUuid>, _>(column(rows, |r| r.user_id));
        let ids = b.bind::<Array<SqlUuid>, _>(column(rows, |r| r.id));
        let contacts = b.bind::<Array<SqlUuid>, _>(column(rows, |r| r.contact_id));
        let paths = b.bind::<Array<Text>, _>(column(rows, |r| r.photo_path.clone()));
        let ips = b.bind::<Array<Nullable<Text>>, _>(column(rows, |r| r.ip_address.clone()));
        let agents = b.bind::<Array<Nullable<Text>>, _>(column(rows, |r| r.user_agent.clone()));
        b.push(&format!(
            "INSERT INTO photo_access_audit \
             (user_id, id, contact_id, photo_path, ip_address, user_agent) \
             SELECT * FROM unnest({users}::uuid[], {ids}::uuid[], {contacts}::uuid[], \
             {paths}::text[], {ips}::text[], {agents}::text[])"
        ));
        b.build().execute(conn).await.map_db_error()
    }

    /// Up to `limit` accesses of a contact's photos, newest first, strictly before the
    /// `(accessed_at, id)` position `before` when given.
    pub async fn page(
        conn: &mut AsyncPgConnection,
        user: UserId,
        contact: ContactId,
        before: Option<(OffsetDateTime, Uuid)>,
        limit: i64,
    ) -> Result<Vec<PhotoAccessRow>, AppError> {
        let mut query = photo_access_audit::table
            .filter(photo_access_audit::user_id.eq(user))
            .filter(photo_access_audit::contact_id.eq(contact))
            .into_boxed();
        if let Some((at, id)) = before {
            query = query.filter(
                photo_access_audit::accessed_at
                    .lt(at)
                    .or(photo_access_audit::accessed_at
                        .eq(at)
                        .and(photo_access_audit::id.lt(id))),
            );
        }
        query
            .order((
                photo_access_audit::accessed_at.desc(),
                photo_access_audit::id.desc(),
            ))
            .select(PhotoAccessRow::as_select())
            .limit(limit)
            .load(conn)
            .await
            .map_db_error()
    }

    /// Whether the user has any audit entry for the contact (the log outlives the contact).
    pub async fn any_for_contact(
        conn: &mut AsyncPgConnection,
        user: UserId,
        contact: ContactId,
    ) -> Result<bool, AppError> {
        let found: Option<Uuid> = photo_access_audit::table
            .filter(photo_access_audit::user_id.eq(user))
            .filter(photo_access_audit::contact_id.eq(contact))
            .select(photo_access_audit::id)
            .first(conn)
            .await
            .optional()
            .map_db_error()?;
        Ok(found.is_some())
    }
}

/// One column of `rows`, as the array `unnest` reads it.
fn column<T>(rows: &[NewPhotoAccessRow], field: impl Fn(&NewPhotoAccessRow) -> T) -> Vec<T> {
    rows.iter().map(field).collect()
}
