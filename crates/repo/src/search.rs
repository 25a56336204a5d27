//! Global search over a tenant's rows: one call of the definer function `tenant_search`
//! (migration 230100), whose matching conditions are index conditions of the per-tenant
//! GIN indexes on the weighted `search_vector` columns and on `contacts.search_document`
//! (ADR 0024). It filters on the session's tenant itself, so it must run inside
//! [`crate::Db::tenant`].

use diesel::QueryableByName;
use diesel::sql_types::{Array, Float4, Int4, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use omnicrm_problem::AppError;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::RepoErrorExt;
use crate::sql::SqlBuilder;

/// The best matches across kinds, by `tenant_search(query, near, kinds, limit, window)`.
const TRADITIONAL: &str = include_str!("sql/search_traditional.sql");

/// One match as the database ranks it.
#[derive(Debug, Clone, PartialEq, QueryableByName)]
pub struct SearchHitRow {
    /// `contact`, `note`, `interaction`, `task`, `goal` or `document`.
    #[diesel(sql_type = Text)]
    pub kind: String,
    /// The item's id.
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    /// Name, subject, title or a note's first line.
    #[diesel(sql_type = Text)]
    pub title: String,
    /// A headline of the item's text, matched terms between U+0002 and U+0003.
    #[diesel(sql_type = Text)]
    pub snippet: String,
    /// 0..=1, higher is better.
    #[diesel(sql_type = Float4)]
    pub score: f32,
    /// When the item was created.
    #[diesel(sql_type = Timestamptz)]
    pub created_at: OffsetDateTime,
}

/// Reads `tenant_search`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SearchRepository;

impl SearchRepository {
    /// The best `limit` matches among `kinds` for `query` (web-search syntax, in the
    /// tenant's language), plus contacts whose name is a near miss of `near` (trigram word
    /// similarity ≥ 0.5; `None`: no fuzzy matching), best first (score, then kind, then
    /// id). Only those `limit` get a headline (ADR 0045). Of each kind, the `window` most
    /// recent matches are ranked (at most 1,000; ADR 0041, ADR 0048). On a shared
    /// connection, so a hybrid search pipelines it with its semantic reads (ADR 0050).
    pub async fn traditional(
        mut conn: &AsyncPgConnection,
        query: &str,
        near: Option<&str>,
        kinds: &[&str],
        limit: i32,
        window: i32,
    ) -> Result<Vec<SearchHitRow>, AppError> {
        let kinds: Vec<String> = kinds.iter().map(|k| (*k).to_owned()).collect();
        // Prepared once per connection; the function plans its own statements.
        let mut b = SqlBuilder::new();
        b.bind::<Text, _>(query.to_owned());
        b.bind::<Nullable<Text>, _>(near.map(str::to_owned));
        b.bind::<Array<Text>, _>(kinds);
        b.bind::<Int4, _>(limit);
        b.bind::<Int4, _>(window);
        b.push(TRADITIONAL);
        b.build().load(&mut conn).await.map_db_error()
    }
}
