//! Global search (`GET /search`): the caller's contacts, notes, interactions, tasks, goals
//! and documents, ranked together. Traditional search is lexical (ADR 0024); semantic
//! search ranks by the meaning of the query (ADR 0031); hybrid fuses both rankings by
//! reciprocal rank. Without an embedder, semantic and hybrid searches answer with the
//! lexical results and `semantic: unavailable` rather than pretending.

use futures_util::FutureExt;
use omnicrm_domain::UserId;
use omnicrm_domain::search::{
    SearchKind, SearchQuery, SearchResponse, SearchResult, SearchType, SemanticStatus,
    highlighted_html,
};
use omnicrm_problem::AppError;
use omnicrm_repo::search::{SearchHitRow, SearchRepository};
use omnicrm_repo::{AsyncPgConnection, Db};

use crate::semantic::SemanticIndex;

/// Reciprocal rank fusion's constant (Cormack et al.): a rank-1 hit in one list counts
/// 1/61, so agreement of both lists outweighs a top place in one.
const RRF_K: f32 = 60.0;
/// Near misses of a contact's name count only for terms with this many letters or digits:
/// shorter ones share trigrams with too many names (the contact list's rule).
const FUZZY_MIN_ALNUM: usize = 4;
/// The most recent matches of each kind a full-text search ranks (ADR 0041).
const LEXICAL_WINDOW: i32 = 1000;
/// The same in a hybrid search (ADR 0048): its lexical list only contributes ranks to the
/// fusion, and the semantic list already covers every item, so ranking the 250 most recent
/// matches of a common word instead of 1,000 costs a quarter of the work.
const HYBRID_LEXICAL_WINDOW: i32 = 250;

/// Searches one user's data.
#[derive(Debug, Clone)]
pub struct SearchService {
    db: Db,
    semantic: SemanticIndex,
}

impl SearchService {
    /// Wraps the database handle; semantic search over `semantic`.
    pub fn new(db: Db, semantic: SemanticIndex) -> Self {
        Self { db, semantic }
    }

    /// Runs `query` for `user`: each requested kind's best matches, merged by score (ties
    /// by kind, then id, so a page is stable), at most `limit`.
    pub async fn search(
        &self,
        user: UserId,
        query: SearchQuery,
    ) -> Result<SearchResponse, AppError> {
        let limit = usize::try_from(query.limit).unwrap_or(usize::MAX);
        let term = query.q.trim().to_owned();
        if query.search_type == SearchType::Traditional
            || term.is_empty()
            || self.semantic.embedder().is_none()
        {
            return self.lexical(user, query).await;
        }
        let kinds = query.kinds();
        if query.search_type == SearchType::Semantic {
            return match self
                .semantic
                .search(&self.db, user, &term, &kinds, limit)
                .await?
            {
                Some(results) => Ok(SearchResponse {
                    query: query.q,
                    search_type: query.search_type,
                    semantic: SemanticStatus::Available,
                    results,
                }),
                // The provider is busy or the user's limit spent: lexical (over the
                // full-text window), and it says so.
                None => self.lexical(user, query).await,
            };
        }
        // Hybrid: the query's vector first (no connection is held while the model runs),
        // then both rankings in one transaction, their reads pipelined (ADR 0050).
        let (Some(index), Some(vector)) = (
            self.semantic.index(),
            self.semantic.query_vector(user, &term).await?,
        ) else {
            return self.lexical(user, query).await;
        };
        let lexical = Lexical::of(&term, &kinds, limit);
        let (semantic, rows) = self
            .db
            .tenant(user, move |conn| {
                async move {
                    let shared: &AsyncPgConnection = conn;
                    futures_util::future::try_join(
                        SemanticIndex::search_on(&index, shared, user, vector, &kinds, limit),
                        lexical.read(shared, HYBRID_LEXICAL_WINDOW),
                    )
                    .await
                }
                .boxed()
            })
            .await?;
        Ok(SearchResponse {
            query: query.q,
            search_type: query.search_type,
            semantic: SemanticStatus::Available,
            results: fuse(ranked(rows, limit), semantic, limit),
        })
    }

    /// The full-text search alone, over [`LEXICAL_WINDOW`].
    async fn lexical(&self, user: UserId, query: SearchQuery) -> Result<SearchResponse, AppError> {
        let limit = usize::try_from(query.limit).unwrap_or(usize::MAX);
        let term = query.q.trim();
        let rows = if term.is_empty() {
            Vec::new()
        } else {
            let lexical = Lexical::of(term, &query.kinds(), limit);
            self.db
                .tenant(user, move |conn| {
                    async move { lexical.read(conn, LEXICAL_WINDOW).await }.boxed()
                })
                .await?
        };
        Ok(SearchResponse {
            query: query.q,
            search_type: query.search_type,
            semantic: SemanticStatus::Unavailable,
            results: ranked(rows, limit),
        })
    }
}

/// What `tenant_search` is asked: the term, its near-miss form for contacts' names, the
/// kinds and the page size.
struct Lexical {
    term: String,
    near: Option<String>,
    kinds: Vec<&'static str>,
    page: i32,
}

impl Lexical {
    fn of(term: &str, kinds: &[SearchKind], limit: usize) -> Self {
        Self {
            term: term.to_owned(),
            near: fuzzy_term(term),
            kinds: kinds.iter().map(|k| k.as_str()).collect(),
            page: i32::try_from(limit).unwrap_or(i32::MAX),
        }
    }

    /// The best matches, ranking the `window` most recent of each kind, through `conn` (a
    /// transaction scoped to the user; shared, so a hybrid search pipelines it).
    async fn read(
        &self,
        conn: &AsyncPgConnection,
        window: i32,
    ) -> Result<Vec<SearchHitRow>, AppError> {
        SearchRepository::traditional(
            conn,
            &self.term,
            self.near.as_deref(),
            &self.kinds,
            self.page,
            window,
        )
        .await
    }
}

/// The database's matches as results, best first (score, then kind, then id, so a page is
/// stable), at most `limit`.
fn ranked(rows: Vec<SearchHitRow>, limit: usize) -> Vec<SearchResult> {
    let mut results: Vec<SearchResult> = rows.into_iter().filter_map(to_result).collect();
    results.sort_by(best_first);
    results.truncate(limit);
    results
}

/// Reciprocal rank fusion of the lexical and semantic rankings: each item scores
/// Σ 1/(k + rank) over the lists it is in, scaled so that first in both is 1. The lexical
/// snippet (with its highlighted terms) is kept when the item is in both.
fn fuse(
    lexical: Vec<SearchResult>,
    semantic: Vec<SearchResult>,
    limit: usize,
) -> Vec<SearchResult> {
    let best = 2.0 / (RRF_K + 1.0);
    let mut fused: Vec<SearchResult> = Vec::with_capacity(lexical.len() + semantic.len());
    for list in [lexical, semantic] {
        for (rank, result) in list.into_iter().enumerate() {
            #[allow(clippy::cast_precision_loss)] // ranks are at most 50
            let add = 1.0 / (RRF_K + rank as f32 + 1.0) / best;
            match fused
                .iter_mut()
                .find(|r| r.kind == result.kind && r.id == result.id)
            {
                Some(existing) => existing.score += add,
                None => fused.push(SearchResult {
                    score: add,
                    ..result
                }),
            }
        }
    }
    fused.sort_by(best_first);
    fused.truncate(limit);
    for r in &mut fused {
        r.score = r.score.clamp(0.0, 1.0);
    }
    fused
}

/// Best score first; ties by kind, then id, so a page is stable.
fn best_first(a: &SearchResult, b: &SearchResult) -> std::cmp::Ordering {
    b.score
        .total_cmp(&a.score)
        .then_with(|| a.kind.as_str().cmp(b.kind.as_str()))
        .then_with(|| a.id.cmp(&b.id))
}

/// The lower-cased term for typo-tolerant name matching, when it is long enough.
fn fuzzy_term(term: &str) -> Option<String> {
    (term.chars().filter(|c| c.is_alphanumeric()).count() >= FUZZY_MIN_ALNUM)
        .then(|| term.to_lowercase())
}

fn to_result(row: SearchHitRow) -> Option<SearchResult> {
    // The function only returns the kinds it was given; anything else is skipped rather
    // than failing the whole search.
    let kind = SearchKind::parse(&row.kind)?;
    Some(SearchResult {
        kind,
        id: row.id,
        title: row.title,
        snippet: highlighted_html(&row.snippet),
        score: row.score.clamp(0.0, 1.0),
        path: kind.api_path(row.id),
        created_at: row.created_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(kind: SearchKind, n: u128, snippet: &str) -> SearchResult {
        let id = uuid::Uuid::from_u128(n);
        SearchResult {
            kind,
            id,
            title: String::new(),
            snippet: snippet.to_owned(),
            score: 0.5,
            path: kind.api_path(id),
            created_at: time::OffsetDateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn fusion_ranks_agreement_first_and_keeps_the_lexical_snippet() {
        let lexical = vec![
            hit(SearchKind::Note, 1, "<mark>a</mark>"),
            hit(SearchKind::Note, 2, "b"),
        ];
        let semantic = vec![
            hit(SearchKind::Task, 3, "c"),
            hit(SearchKind::Note, 2, "plain"),
        ];
        let fused = fuse(lexical, semantic, 10);
        let ids: Vec<u128> = fused.iter().map(|r| r.id.as_u128()).collect();
        assert_eq!(ids, vec![2, 1, 3]);
        assert_eq!(fused[0].snippet, "b");
        assert!(fused.iter().all(|r| (0.0..=1.0).contains(&r.score)));
        assert_eq!(
            fuse(vec![hit(SearchKind::Note, 1, "")], vec![], 10)[0].score,
            0.5
        );
        assert_eq!(
            fuse(
                vec![],
                vec![hit(SearchKind::Note, 1, ""), hit(SearchKind::Note, 2, "")],
                1
            )
            .len(),
            1
        );
    }

    #[test]
    fn only_terms_of_four_letters_or_digits_match_fuzzily() {
        assert_eq!(fuzzy_term("Ada"), None);
        assert_eq!(fuzzy_term("a-b-c"), None);
        assert_eq!(fuzzy_term("Lovelase"), Some("lovelase".to_owned()));
    }
}
