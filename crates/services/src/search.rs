//! Global search (`GET /search`): the caller's contacts, notes, interactions, tasks, goals
//! and documents, ranked together. Only traditional (lexical) matching exists so far:
//! semantic and hybrid searches answer with the lexical results and
//! `semantic: unavailable` rather than pretending.

use futures_util::FutureExt;
use omnicrm_domain::UserId;
use omnicrm_domain::search::{
    SearchKind, SearchQuery, SearchResponse, SearchResult, SemanticStatus, highlighted_html,
};
use omnicrm_problem::AppError;
use omnicrm_repo::Db;
use omnicrm_repo::search::{SearchHitRow, SearchRepository};

/// Near misses of a contact's name count only for terms with this many letters or digits:
/// shorter ones share trigrams with too many names (the contact list's rule).
const FUZZY_MIN_ALNUM: usize = 4;

/// Searches one user's data.
#[derive(Debug, Clone)]
pub struct SearchService {
    db: Db,
}

impl SearchService {
    /// Wraps the database handle.
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// Runs `query` for `user`: each requested kind's best matches, merged by score (ties
    /// by kind, then id, so a page is stable), at most `limit`.
    pub async fn search(
        &self,
        user: UserId,
        query: SearchQuery,
    ) -> Result<SearchResponse, AppError> {
        let kinds = query.kinds();
        let limit = query.limit;
        let term = query.q.trim().to_owned();
        let near = fuzzy_term(&term);
        let rows = if term.is_empty() {
            Vec::new()
        } else {
            let kind_names: Vec<&'static str> = kinds.iter().map(|k| k.as_str()).collect();
            let limit = i32::try_from(limit).unwrap_or(i32::MAX);
            self.db
                .tenant(user, move |conn| {
                    async move {
                        SearchRepository::traditional(
                            conn,
                            &term,
                            near.as_deref(),
                            &kind_names,
                            limit,
                        )
                        .await
                    }
                    .boxed()
                })
                .await?
        };
        let mut results: Vec<SearchResult> = rows.into_iter().filter_map(to_result).collect();
        results.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| a.kind.as_str().cmp(b.kind.as_str()))
                .then_with(|| a.id.cmp(&b.id))
        });
        results.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        Ok(SearchResponse {
            query: query.q,
            search_type: query.search_type,
            semantic: SemanticStatus::Unavailable,
            results,
        })
    }
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

    #[test]
    fn only_terms_of_four_letters_or_digits_match_fuzzily() {
        assert_eq!(fuzzy_term("Ada"), None);
        assert_eq!(fuzzy_term("a-b-c"), None);
        assert_eq!(fuzzy_term("Lovelase"), Some("lovelase".to_owned()));
    }
}
