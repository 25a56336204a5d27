//! Global search (`GET /search`): one query over the practitioner's contacts, notes,
//! interactions, tasks, goals and documents. Traditional search is PostgreSQL full text
//! plus trigram matching on contact names; semantic search ranks by the meaning of the
//! query, hybrid fuses both; without an embedder they report
//! [`SemanticStatus::Unavailable`].

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

string_enum! {
    /// How `GET /search` matches.
    #[derive(Default)]
    SearchType {
        /// Full text (stemmed in the practitioner's language) and trigram name matching.
        #[default]
        Traditional => "traditional",
        /// Nearest neighbours of the query's embedding.
        Semantic => "semantic",
        /// Both, fused by reciprocal rank.
        Hybrid => "hybrid",
    }
}

string_enum! {
    /// What a search result is.
    SearchKind {
        /// A contact (matched on name and email; near misses of the name count).
        Contact => "contact",
        /// A note (its PII-redacted text).
        Note => "note",
        /// An email or calendar event on the timeline (subject and body).
        Interaction => "interaction",
        /// A task (name, description, notes).
        Task => "task",
        /// A goal (name, description, notes).
        Goal => "goal",
        /// A document (title and text).
        Document => "document",
    }
}

impl SearchKind {
    /// The API path of the item with this id.
    pub fn api_path(self, id: Uuid) -> String {
        let base = match self {
            Self::Contact => "/api/v1/contacts",
            Self::Note => "/api/v1/notes",
            Self::Interaction => "/api/v1/interactions",
            Self::Task => "/api/v1/omni-momentum/tasks",
            Self::Goal => "/api/v1/omni-momentum/goals",
            Self::Document => "/api/v1/data-intelligence/documents",
        };
        format!("{base}/{id}")
    }
}

string_enum! {
    /// Whether semantic matching took part in a search.
    SemanticStatus {
        /// An embedder answered: semantic results are included.
        Available => "available",
        /// No embedding model or provider is configured: nothing semantic was matched.
        Unavailable => "unavailable",
    }
}

/// Most results one search returns.
pub const MAX_SEARCH_LIMIT: u32 = 50;
/// Results when `limit` is absent.
pub const DEFAULT_SEARCH_LIMIT: u32 = 20;

/// Query of `GET /search`. `types` repeats the key (`?types=contact&types=note`); absent:
/// every kind.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, Clone, Deserialize, garde::Validate, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// What to look for (1..=200 characters). Web-search syntax: `"a phrase"`, `-word`
    /// to exclude, `or` between alternatives.
    #[garde(length(chars, min = 1, max = 200))]
    pub q: String,
    /// How to match (default `traditional`).
    #[garde(skip)]
    #[serde(default, rename = "type")]
    #[param(inline)]
    pub search_type: SearchType,
    /// Only these kinds of item (default: all).
    #[garde(length(max = 6))]
    #[serde(default)]
    #[param(inline)]
    pub types: Vec<SearchKind>,
    /// Most results (1..=50, default 20).
    #[garde(range(min = 1, max = 50))]
    #[serde(default = "default_limit")]
    pub limit: u32,
}

impl SearchQuery {
    /// The kinds to search: those asked for, each once, or all.
    pub fn kinds(&self) -> Vec<SearchKind> {
        if self.types.is_empty() {
            return SearchKind::ALL.to_vec();
        }
        SearchKind::ALL
            .into_iter()
            .filter(|k| self.types.contains(k))
            .collect()
    }
}

fn default_limit() -> u32 {
    DEFAULT_SEARCH_LIMIT
}

/// One item found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SearchResult {
    /// What the item is.
    #[serde(rename = "type")]
    pub kind: SearchKind,
    /// Its id.
    pub id: Uuid,
    /// Its name, subject or title (plain text; a note's first line).
    pub title: String,
    /// An excerpt as HTML: the matched terms inside `<mark>`, everything else escaped.
    pub snippet: String,
    /// Relevance, 0..=1 (higher is better; results are sorted by it).
    pub score: f32,
    /// The item's API path (`/api/v1/notes/{id}`).
    pub path: String,
    /// When the item was created.
    #[serde(with = "crate::timestamp")]
    pub created_at: OffsetDateTime,
}

/// Answer of `GET /search`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SearchResponse {
    /// The query as given.
    pub query: String,
    /// How it was matched.
    #[serde(rename = "type")]
    pub search_type: SearchType,
    /// Whether semantic matching took part (`unavailable`: the results are lexical only).
    pub semantic: SemanticStatus,
    /// Best first.
    pub results: Vec<SearchResult>,
}

/// Escapes `text` for HTML and turns the highlight markers the database writes (U+0002
/// before a matched term, U+0003 after it) into `<mark>` elements. Unbalanced markers are
/// closed or dropped, so the result is always well formed.
pub fn highlighted_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut open = false;
    for c in text.chars() {
        match c {
            '\u{2}' if !open => {
                out.push_str("<mark>");
                open = true;
            }
            '\u{3}' if open => {
                out.push_str("</mark>");
                open = false;
            }
            '\u{2}' | '\u{3}' => {}
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    if open {
        out.push_str("</mark>");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_round_trip() {
        assert_enums_round_trip!(SearchType, SearchKind, SemanticStatus);
    }

    #[test]
    fn highlights_are_marks_and_the_rest_is_escaped() {
        assert_eq!(
            highlighted_html("a <b> & \u{2}sleep\u{3} \"x\" 'y'"),
            "a &lt;b&gt; &amp; <mark>sleep</mark> &quot;x&quot; &#39;y&#39;"
        );
        assert_eq!(highlighted_html("\u{3}a\u{2}b"), "a<mark>b</mark>");
        assert_eq!(highlighted_html("\u{2}\u{2}a\u{3}\u{3}"), "<mark>a</mark>");
    }

    #[test]
    fn kinds_default_to_all_and_keep_one_of_each() {
        let mut q = SearchQuery {
            q: "x".into(),
            search_type: SearchType::Traditional,
            types: vec![],
            limit: 20,
        };
        assert_eq!(q.kinds(), SearchKind::ALL.to_vec());
        q.types = vec![SearchKind::Note, SearchKind::Contact, SearchKind::Note];
        assert_eq!(q.kinds(), vec![SearchKind::Contact, SearchKind::Note]);
    }
}
