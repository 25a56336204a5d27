//! The contact list and search: one page and its total, with the filters, sorts and the
//! plan-cache choice of ADR 0005.

use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use omnicrm_domain::contacts::{ContactListQuery, ContactSort};
use omnicrm_domain::{SortOrder, UserId};
use omnicrm_problem::AppError;
use time::OffsetDateTime;

use super::ContactsRepository;
use super::row::ContactRow;
use super::search::{ContactSearch, SET_SIMILARITY_THRESHOLD};
use crate::error::RepoErrorExt;
use crate::sql::{BuiltQuery, SqlBuilder};

/// One page of the contact list.
#[derive(Debug, Clone)]
pub struct ContactPage {
    /// The contacts with the first 500 characters of their newest note.
    pub rows: Vec<(ContactRow, Option<String>)>,
    /// Contacts matching the filters on all pages.
    pub total: u64,
}

/// The columns of [`ContactRow`] over the alias `c`, named rather than `c.*`: a prepared
/// page statement then keeps its result type when `contacts` gains a column (PostgreSQL
/// would fail it with "cached plan must not change result type" until a restart), and the
/// search columns (`search_document`, `search_words`) are not sent with every row.
const PAGE_COLUMNS: &str = "c.user_id, c.id, c.display_name, c.primary_email, \
     c.primary_phone, c.photo_url, c.source, c.lifecycle_stage, c.client_status, \
     c.referral_source, c.confidence_score, c.date_of_birth, c.emergency_contact_name, \
     c.emergency_contact_phone, c.address, c.health_context, c.preferences, c.created_at, \
     c.updated_at";

#[derive(QueryableByName)]
struct ContactPageRow {
    #[diesel(embed)]
    contact: ContactRow,
    #[diesel(sql_type = Nullable<Text>)]
    last_note: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    total_count: Option<i64>,
}

#[derive(QueryableByName)]
struct CountRow {
    #[diesel(sql_type = BigInt)]
    count: i64,
}

impl ContactsRepository {
    /// One page of contacts matching `query`, each with its newest note, and the total.
    ///
    /// Without a search the page (ordered by an index) and the total are two cheap
    /// statements sent pipelined; the total of an unfiltered list is the tenant's contact
    /// counter. A search finds its matches through `contacts_search_idx` (see
    /// [`super::search`]) and ranks all of them, so its total is a window count in the same
    /// statement; only a page past the end needs a second statement to count.
    pub async fn list(
        conn: &mut AsyncPgConnection,
        user: UserId,
        query: &ContactListQuery,
    ) -> Result<ContactPage, AppError> {
        let searching = query.search_term().is_some();
        let page_query = page_statement(user, query, searching);
        let shared: &AsyncPgConnection = conn;
        let (mut first, mut second) = (shared, shared);
        if searching {
            let (_, rows) = futures_util::future::try_join(
                similarity_threshold().execute(&mut first),
                page_query.load::<ContactPageRow>(&mut second),
            )
            .await
            .map_db_error()?;
            let total = match <[ContactPageRow]>::first(&rows) {
                Some(row) => u64::try_from(row.total_count.unwrap_or(0)).unwrap_or(0),
                None if query.page <= 1 => 0,
                None => Self::count(conn, user, query).await?,
            };
            return Ok(into_page(rows, total));
        }
        let page = page_query.load::<ContactPageRow>(&mut first);
        let count = count_statement(user, query).get_result::<CountRow>(&mut second);
        let (rows, count) = if query.selects_all() {
            let mut third = shared;
            let (_, rows, count) =
                futures_util::future::try_join3(generic_plans().execute(&mut third), page, count)
                    .await
                    .map_db_error()?;
            (rows, count)
        } else {
            futures_util::future::try_join(page, count)
                .await
                .map_db_error()?
        };
        Ok(into_page(rows, u64::try_from(count.count).unwrap_or(0)))
    }

    /// How many contacts match `query`'s filters (its page and sort are ignored).
    pub async fn count(
        conn: &mut AsyncPgConnection,
        user: UserId,
        query: &ContactListQuery,
    ) -> Result<u64, AppError> {
        if query.search_term().is_some() {
            similarity_threshold().execute(conn).await.map_db_error()?;
        }
        let row: CountRow = count_statement(user, query)
            .get_result(conn)
            .await
            .map_db_error()?;
        Ok(u64::try_from(row.count).unwrap_or(0))
    }
}

fn into_page(rows: Vec<ContactPageRow>, total: u64) -> ContactPage {
    ContactPage {
        rows: rows.into_iter().map(|r| (r.contact, r.last_note)).collect(),
        total,
    }
}

/// `FROM .. WHERE ..` of the list and the count, plus the relevance expression of a search.
struct Filtered {
    /// The user's placeholder.
    user: String,
    from_where: String,
    relevance: Option<String>,
}

fn filtered(b: &mut SqlBuilder, user: UserId, query: &ContactListQuery) -> Filtered {
    let u = b.bind::<SqlUuid, _>(user);
    // A search with a trigram reads its candidates from tenant_contact_candidates, which
    // uses contacts_search_idx and returns the tenant's rows only (ADR 0005, ADR 0011).
    let mut from = "contacts c".to_owned();
    let mut conditions = vec![format!("c.user_id = {u}")];
    let mut relevance = None;
    if let Some(term) = query.search_term() {
        let search = ContactSearch::new(term).to_sql(b);
        if let Some(candidates) = search.candidates {
            from = format!("{candidates} c");
        }
        conditions.push(search.matches);
        relevance = Some(search.relevance);
    }
    if !query.lifecycle_stage.is_empty() {
        let v = b.bind::<Array<Text>, _>(query.lifecycle_stage.clone());
        conditions.push(format!("c.lifecycle_stage = ANY({v})"));
    }
    if !query.client_status.is_empty() {
        let statuses: Vec<String> = query
            .client_status
            .iter()
            .map(|s| s.as_str().to_owned())
            .collect();
        let v = b.bind::<Array<Text>, _>(statuses);
        conditions.push(format!("c.client_status = ANY({v})"));
    }
    if !query.source.is_empty() {
        let v = b.bind::<Array<Text>, _>(query.source.clone());
        conditions.push(format!("c.source = ANY({v})"));
    }
    if let Some(after) = query.created_after {
        let v = b.bind::<Timestamptz, OffsetDateTime>(after);
        conditions.push(format!("c.created_at >= {v}"));
    }
    if let Some(before) = query.created_before {
        let v = b.bind::<Timestamptz, OffsetDateTime>(before);
        conditions.push(format!("c.created_at < {v}"));
    }
    if !query.tag_id.is_empty() {
        let tags: Vec<uuid::Uuid> = query.tag_id.iter().map(|t| t.into_uuid()).collect();
        let v = b.bind::<Array<SqlUuid>, _>(tags);
        conditions.push(format!(
            "EXISTS (SELECT 1 FROM contact_tags ct WHERE ct.user_id = c.user_id \
             AND ct.contact_id = c.id AND ct.tag_id = ANY({v}))"
        ));
    }
    for (wanted, column) in [
        (query.has_email, "c.primary_email"),
        (query.has_phone, "c.primary_phone"),
    ] {
        match wanted {
            Some(true) => conditions.push(format!("{column} IS NOT NULL")),
            Some(false) => conditions.push(format!("{column} IS NULL")),
            None => {}
        }
    }
    Filtered {
        user: u,
        from_where: format!("FROM {from} WHERE {}", conditions.join(" AND ")),
        relevance,
    }
}

/// Makes the rest of the transaction run its prepared statements with their generic
/// plans. Sent before the page of an unfiltered list, whose plan is the same at every
/// tenant size and page (the sort's `(user_id, ..)` index read in order, stopped after the
/// page): PostgreSQL prices the generic plan as if `LIMIT` and `OFFSET` were a tenth of an
/// average tenant, finds it dearer than a custom plan, and would otherwise re-plan the
/// page on every request (a quarter of the list's database time). Filtered lists keep
/// custom plans: their best plan depends on the values.
fn generic_plans() -> BuiltQuery {
    let mut b = SqlBuilder::new();
    b.push("SELECT set_config('plan_cache_mode', 'force_generic_plan', true)");
    b.build()
}

/// Sets pg_trgm's threshold for the transaction (a cached prepared statement).
fn similarity_threshold() -> BuiltQuery {
    let mut b = SqlBuilder::new();
    b.push(SET_SIMILARITY_THRESHOLD);
    b.build()
}

/// The total of a list. Without search and filters it reads the tenant's counter (kept by
/// triggers on `contacts`; a user without a `tenants` row has no contacts).
fn count_statement(user: UserId, query: &ContactListQuery) -> BuiltQuery {
    let mut b = SqlBuilder::new();
    if query.selects_all() {
        let u = b.bind::<SqlUuid, _>(user);
        b.push(&format!(
            "SELECT coalesce((SELECT contact_count FROM tenants WHERE user_id = {u}), 0) AS count"
        ));
        return b.build();
    }
    let f = filtered(&mut b, user, query);
    b.push(&format!("SELECT count(*) AS count {}", f.from_where));
    b.build()
}

/// The page with each contact's newest note, joined after the page is cut so notes are
/// read for the page's contacts only (one index probe each on
/// `notes_user_contact_latest_idx`, which stops at its first entry).
fn page_statement(user: UserId, query: &ContactListQuery, window_count: bool) -> BuiltQuery {
    let mut b = SqlBuilder::new();
    let f = filtered(&mut b, user, query);
    let page = query.page_request();
    let limit = b.bind::<BigInt, _>(page.limit());
    let offset = b.bind::<BigInt, _>(page.offset());
    let sort = query.effective_sort();
    let total = if window_count {
        "count(*) OVER ()"
    } else {
        "NULL::bigint"
    };
    let relevance = f
        .relevance
        .as_deref()
        .map(|r| format!(", {r} AS relevance"))
        .unwrap_or_default();
    let inner_order = order_by(sort, query.order, "c", f.relevance.is_some());
    // A search ranks narrow rows (id, total, relevance) and reads the page's contacts
    // afterwards: sorting hundreds of matches is cheaper without carrying whole rows.
    let page_cte = if f.relevance.is_some() {
        format!(
            "WITH ranked AS (SELECT c.id, {total} AS total_count{relevance} {from_where} \
             ORDER BY {inner_order} LIMIT {limit} OFFSET {offset}), \
             page AS (SELECT {PAGE_COLUMNS}, ranked.total_count, ranked.relevance FROM ranked \
             JOIN contacts c ON c.user_id = {user} AND c.id = ranked.id)",
            from_where = f.from_where,
            user = f.user,
        )
    } else {
        format!(
            "WITH page AS (SELECT {PAGE_COLUMNS}, {total} AS total_count {from_where} \
             ORDER BY {inner_order} LIMIT {limit} OFFSET {offset})",
            from_where = f.from_where,
        )
    };
    b.push(&format!(
        "{page_cte} \
         SELECT page.*, last_note.content AS last_note FROM page \
         LEFT JOIN LATERAL (SELECT left(n.content_plain, 500) AS content FROM notes n \
         WHERE n.user_id = page.user_id AND n.contact_id = page.id \
         ORDER BY n.created_at DESC, n.id DESC LIMIT 1) AS last_note ON true \
         ORDER BY {outer_order}",
        outer_order = order_by(sort, query.order, "page", f.relevance.is_some()),
    ));
    b.build()
}

/// ORDER BY for a sort over `alias`; `id` breaks ties so pages never overlap.
fn order_by(sort: ContactSort, order: SortOrder, alias: &str, has_relevance: bool) -> String {
    let dir = match order {
        SortOrder::Asc => "ASC",
        SortOrder::Desc => "DESC",
    };
    match sort {
        ContactSort::Relevance if has_relevance => {
            // `relevance` is an output column of the page: bare name inside, qualified outside.
            let relevance = if alias == "c" {
                "relevance".to_owned()
            } else {
                format!("{alias}.relevance")
            };
            format!("{relevance} DESC, {alias}.id ASC")
        }
        ContactSort::DisplayName => {
            format!("lower({alias}.display_name) {dir}, {alias}.id {dir}")
        }
        ContactSort::UpdatedAt => format!("{alias}.updated_at {dir}, {alias}.id {dir}"),
        ContactSort::CreatedAt | ContactSort::Relevance => {
            format!("{alias}.created_at {dir}, {alias}.id {dir}")
        }
    }
}

#[cfg(test)]
mod tests {
    use diesel::pg::Pg;
    use omnicrm_domain::TagId;

    use crate::schema::contacts;

    use super::*;

    fn sql_of<Q: diesel::query_builder::QueryFragment<Pg>>(query: &Q) -> String {
        diesel::debug_query::<Pg, _>(query).to_string()
    }

    #[test]
    fn a_search_reads_the_candidates_function_and_counts_in_the_page_statement() {
        let query = ContactListQuery {
            search: Some("Smiht".to_owned()),
            tag_id: vec![TagId::generate()],
            ..ContactListQuery::default()
        };
        let sql = sql_of(&page_statement(UserId::generate(), &query, true));
        if std::env::var_os("OMNICRM_PRINT_SQL").is_some() {
            // For EXPLAIN ANALYZE by hand (docs/crm/contacts.md).
            #[expect(clippy::print_stdout, reason = "opt-in output of a test")]
            {
                println!("{sql}");
            }
        }
        assert!(sql.contains("count(*) OVER ()"), "{sql}");
        assert!(sql.contains("ORDER BY relevance DESC, c.id ASC"), "{sql}");
        assert!(
            sql.contains("FROM tenant_contact_candidates(lower($1), NULL, $3) c"),
            "{sql}"
        );
        // Ranked on narrow rows, whole contacts read for the page only.
        assert!(sql.starts_with("WITH ranked AS (SELECT c.id, "), "{sql}");
        assert!(sql.contains("WHERE c.user_id = $4 AND ("), "{sql}");
        assert!(sql.contains("ct.tag_id = ANY("), "{sql}");
        // Notes are joined after the page is cut.
        assert!(sql.find("LIMIT").unwrap() < sql.find("LEFT JOIN LATERAL").unwrap());
    }

    #[test]
    fn the_page_names_exactly_the_columns_of_a_contact_row() {
        let select = sql_of(&contacts::table.select(ContactRow::as_select()));
        let expected: Vec<String> = select
            .trim_start_matches("SELECT ")
            .split(" FROM ")
            .next()
            .unwrap()
            .split(", ")
            .map(|column| column.replace("\"contacts\".", "c.").replace('"', ""))
            .collect();
        let named: Vec<String> = PAGE_COLUMNS.split(", ").map(str::to_owned).collect();
        assert_eq!(named, expected);
        let sql = sql_of(&page_statement(
            UserId::generate(),
            &ContactListQuery::default(),
            false,
        ));
        assert!(!sql.contains("c.*"), "{sql}");
    }

    #[test]
    fn a_plain_list_counts_separately_and_follows_its_sort() {
        let query = ContactListQuery {
            sort: Some(ContactSort::DisplayName),
            order: SortOrder::Asc,
            ..ContactListQuery::default()
        };
        let sql = sql_of(&page_statement(UserId::generate(), &query, false));
        assert!(!sql.contains("OVER ()"), "{sql}");
        assert!(!sql.contains("word_similarity"), "{sql}");
        assert!(sql.contains("FROM contacts c"), "{sql}");
        assert!(
            sql.contains("ORDER BY lower(c.display_name) ASC, c.id ASC"),
            "{sql}"
        );
        assert!(
            sql.contains("ORDER BY lower(page.display_name) ASC, page.id ASC"),
            "{sql}"
        );
    }

    #[test]
    fn only_an_unfiltered_total_reads_the_counter() {
        let user = UserId::generate();
        let all = sql_of(&count_statement(user, &ContactListQuery::default()));
        assert!(all.contains("SELECT contact_count FROM tenants"), "{all}");
        let filtered = ContactListQuery {
            source: vec!["manual".to_owned()],
            ..ContactListQuery::default()
        };
        let some = sql_of(&count_statement(user, &filtered));
        assert!(
            some.contains("SELECT count(*) AS count FROM contacts c"),
            "{some}"
        );
    }
}
