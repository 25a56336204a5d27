//! `contact_duplicates`: "this contact may be the same person as that one" marks, and
//! `contact_history`: what happened to a contact besides ordinary edits.

use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use omnicrm_domain::contacts::{
    ContactHistoryEntry, ContactHistoryKind, DETAIL_HISTORY_COUNT, DuplicateMatch, DuplicatePair,
    DuplicateSide, PossibleDuplicate,
};
use omnicrm_domain::{ContactId, PageRequest, UserId};
use omnicrm_problem::AppError;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::RepoErrorExt;
use crate::schema::{contact_duplicates, contact_history};

/// Reads and writes of possible-duplicate marks and of contact history.
#[derive(Debug, Clone, Copy, Default)]
pub struct ContactDuplicatesRepository;

#[derive(QueryableByName)]
struct MarkRow {
    #[diesel(sql_type = SqlUuid)]
    other_id: Uuid,
    #[diesel(sql_type = Text)]
    display_name: String,
    #[diesel(sql_type = Text)]
    matched: String,
    #[diesel(sql_type = Timestamptz)]
    created_at: OffsetDateTime,
}

#[derive(QueryableByName)]
struct PairRow {
    #[diesel(sql_type = SqlUuid)]
    c_id: Uuid,
    #[diesel(sql_type = Text)]
    c_name: String,
    #[diesel(sql_type = Nullable<Text>)]
    c_email: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    c_phone: Option<String>,
    #[diesel(sql_type = Timestamptz)]
    c_created: OffsetDateTime,
    #[diesel(sql_type = SqlUuid)]
    e_id: Uuid,
    #[diesel(sql_type = Text)]
    e_name: String,
    #[diesel(sql_type = Nullable<Text>)]
    e_email: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    e_phone: Option<String>,
    #[diesel(sql_type = Timestamptz)]
    e_created: OffsetDateTime,
    #[diesel(sql_type = Text)]
    matched: String,
    #[diesel(sql_type = Timestamptz)]
    created_at: OffsetDateTime,
}

fn parse_match(value: &str) -> Result<DuplicateMatch, AppError> {
    DuplicateMatch::parse(value).ok_or_else(|| {
        AppError::internal(format!(
            "contact_duplicates.matched holds unknown value {value:?}"
        ))
    })
}

impl ContactDuplicatesRepository {
    /// Marks `contact` as a possible duplicate of each of `existing` (one statement, run
    /// even when `existing` is empty, so a submission does the same work whether or not
    /// it matched anything). A mark that already exists is kept.
    pub async fn mark(
        conn: &mut AsyncPgConnection,
        user: UserId,
        contact: ContactId,
        existing: &[(ContactId, DuplicateMatch)],
    ) -> Result<(), AppError> {
        let ids: Vec<Uuid> = existing.iter().map(|(id, _)| id.into_uuid()).collect();
        let matched: Vec<&str> = existing.iter().map(|(_, m)| m.as_str()).collect();
        diesel::sql_query(include_str!("sql/duplicates_mark.sql"))
            .bind::<SqlUuid, _>(user)
            .bind::<SqlUuid, _>(contact)
            .bind::<Array<SqlUuid>, _>(ids)
            .bind::<Array<Text>, _>(matched)
            .execute(conn)
            .await
            .map(drop)
            .map_db_error()
    }

    /// The marks involving `contact`, from either side, newest first.
    pub async fn for_contact(
        mut conn: &AsyncPgConnection,
        user: UserId,
        contact: ContactId,
    ) -> Result<Vec<PossibleDuplicate>, AppError> {
        let rows: Vec<MarkRow> = diesel::sql_query(include_str!("sql/duplicates_of_contact.sql"))
            .bind::<SqlUuid, _>(user)
            .bind::<SqlUuid, _>(contact)
            .load(&mut conn)
            .await
            .map_db_error()?;
        rows.into_iter()
            .map(|row| {
                Ok(PossibleDuplicate {
                    contact_id: row.other_id.into(),
                    display_name: row.display_name,
                    matched: parse_match(&row.matched)?,
                    marked_at: row.created_at,
                })
            })
            .collect()
    }

    /// A page of the user's marks, newest first.
    pub async fn page(
        conn: &mut AsyncPgConnection,
        user: UserId,
        page: PageRequest,
    ) -> Result<Vec<DuplicatePair>, AppError> {
        let rows: Vec<PairRow> = diesel::sql_query(include_str!("sql/duplicates_pairs.sql"))
            .bind::<SqlUuid, _>(user)
            .bind::<BigInt, _>(page.limit())
            .bind::<BigInt, _>(page.offset())
            .load(conn)
            .await
            .map_db_error()?;
        rows.into_iter()
            .map(|row| {
                Ok(DuplicatePair {
                    contact: DuplicateSide {
                        id: row.c_id.into(),
                        display_name: row.c_name,
                        primary_email: row.c_email,
                        primary_phone: row.c_phone,
                        created_at: row.c_created,
                    },
                    existing: DuplicateSide {
                        id: row.e_id.into(),
                        display_name: row.e_name,
                        primary_email: row.e_email,
                        primary_phone: row.e_phone,
                        created_at: row.e_created,
                    },
                    matched: parse_match(&row.matched)?,
                    marked_at: row.created_at,
                })
            })
            .collect()
    }

    /// How many marks the user has.
    pub async fn count(conn: &mut AsyncPgConnection, user: UserId) -> Result<u64, AppError> {
        let total: i64 = contact_duplicates::table
            .filter(contact_duplicates::user_id.eq(user))
            .count()
            .get_result(conn)
            .await
            .map_db_error()?;
        Ok(u64::try_from(total).unwrap_or(0))
    }

    /// Removes the mark between `a` and `b`, whichever way round it was made; whether
    /// there was one.
    pub async fn dismiss(
        conn: &mut AsyncPgConnection,
        user: UserId,
        a: ContactId,
        b: ContactId,
    ) -> Result<bool, AppError> {
        let (a, b) = (a.into_uuid(), b.into_uuid());
        let deleted = diesel::delete(contact_duplicates::table)
            .filter(contact_duplicates::user_id.eq(user))
            .filter(
                contact_duplicates::contact_id
                    .eq(a)
                    .and(contact_duplicates::existing_id.eq(b))
                    .or(contact_duplicates::contact_id
                        .eq(b)
                        .and(contact_duplicates::existing_id.eq(a))),
            )
            .execute(conn)
            .await
            .map_db_error()?;
        Ok(deleted > 0)
    }

    /// Appends an event to a contact's history.
    pub async fn record(
        conn: &mut AsyncPgConnection,
        user: UserId,
        contact: ContactId,
        kind: ContactHistoryKind,
        detail: &serde_json::Value,
    ) -> Result<(), AppError> {
        diesel::insert_into(contact_history::table)
            .values((
                contact_history::user_id.eq(user),
                contact_history::id.eq(Uuid::now_v7()),
                contact_history::contact_id.eq(contact),
                contact_history::kind.eq(kind.as_str()),
                contact_history::detail.eq(detail),
            ))
            .execute(conn)
            .await
            .map(drop)
            .map_db_error()
    }

    /// The newest 20 events of a contact's history, newest first.
    pub async fn history(
        mut conn: &AsyncPgConnection,
        user: UserId,
        contact: ContactId,
    ) -> Result<Vec<ContactHistoryEntry>, AppError> {
        let rows: Vec<(String, serde_json::Value, OffsetDateTime)> = contact_history::table
            .filter(contact_history::user_id.eq(user))
            .filter(contact_history::contact_id.eq(contact))
            .order((
                contact_history::occurred_at.desc(),
                contact_history::id.desc(),
            ))
            .limit(DETAIL_HISTORY_COUNT)
            .select((
                contact_history::kind,
                contact_history::detail,
                contact_history::occurred_at,
            ))
            .load(&mut conn)
            .await
            .map_db_error()?;
        rows.into_iter()
            .map(|(kind, detail, occurred_at)| {
                let kind = ContactHistoryKind::parse(&kind).ok_or_else(|| {
                    AppError::internal(format!("contact_history.kind holds unknown value {kind:?}"))
                })?;
                Ok(ContactHistoryEntry {
                    kind,
                    detail,
                    occurred_at,
                })
            })
            .collect()
    }
}
