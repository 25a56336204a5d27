//! A small builder for hand-written SQL with numbered bind parameters, for the few queries
//! diesel's DSL cannot express (LATERAL joins, window counts, jsonb aggregation).
//!
//! Unlike `diesel::sql_query`, whose statements diesel never caches, a [`BuiltQuery`] is a
//! prepared statement the connection keeps and reuses, keyed by its SQL text: the list and
//! search statements are the same text for every request of the same shape, and parsing and
//! planning them again each time cost about as much as running them (ADR 0005).

use std::marker::PhantomData;

use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::{HasSqlType, Untyped};
use diesel::{QueryResult, RunQueryDsl};

/// One bound value.
type BoxedBind = Box<dyn QueryFragment<Pg> + Send + Sync>;

/// Appends SQL text and bind values; [`SqlBuilder::bind`] returns the `$n` placeholder so
/// a value bound once can be referenced several times.
#[derive(Default)]
pub struct SqlBuilder {
    sql: String,
    binds: Vec<BoxedBind>,
}

impl std::fmt::Debug for SqlBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlBuilder")
            .field("sql", &self.sql)
            .field("binds", &self.binds.len())
            .finish()
    }
}

impl SqlBuilder {
    /// An empty statement.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends SQL text. The text must not contain a `$` other than the placeholders
    /// [`SqlBuilder::bind`] returned (no dollar quoting, no `$` in string literals).
    pub fn push(&mut self, sql: &str) -> &mut Self {
        self.sql.push_str(sql);
        self
    }

    /// Binds `value` as the next parameter and returns its placeholder (`$n`).
    pub fn bind<ST, V>(&mut self, value: V) -> String
    where
        Pg: HasSqlType<ST>,
        V: ToSql<ST, Pg> + Send + Sync + 'static,
        ST: 'static,
    {
        self.binds.push(Box::new(Bind::<ST, V> {
            value,
            sql_type: PhantomData,
        }));
        format!("${}", self.binds.len())
    }

    /// The finished statement.
    ///
    /// Diesel numbers parameters in the order it meets them while writing the SQL, so the
    /// placeholders are renumbered by first appearance, and each value is written at its
    /// first placeholder; later references keep the (renumbered) `$n` text.
    pub fn build(self) -> BuiltQuery {
        let mut renumbered: Vec<Option<usize>> = vec![None; self.binds.len()];
        let mut order = Vec::with_capacity(self.binds.len());
        let mut segments = Vec::new();
        let mut text = String::new();
        let mut rest = self.sql.as_str();
        while let Some(at) = rest.find('$') {
            text.push_str(&rest[..at]);
            let after = &rest[at + 1..];
            let digits = after.len() - after.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            let placeholder = after[..digits]
                .parse::<usize>()
                .ok()
                .and_then(|n| n.checked_sub(1))
                .filter(|&i| i < renumbered.len());
            match placeholder {
                Some(original) => match renumbered[original] {
                    Some(number) => text.push_str(&format!("${number}")),
                    None => {
                        order.push(original);
                        renumbered[original] = Some(order.len());
                        segments.push(Segment::Text(std::mem::take(&mut text)));
                        segments.push(Segment::Bind(order.len() - 1));
                    }
                },
                // Not one of ours: keep it verbatim (PostgreSQL will reject it if it is
                // a placeholder without a value).
                None => {
                    text.push('$');
                    text.push_str(&after[..digits]);
                }
            }
            rest = &after[digits..];
        }
        text.push_str(rest);
        segments.push(Segment::Text(text));
        let mut binds: Vec<Option<BoxedBind>> = self.binds.into_iter().map(Some).collect();
        let binds = order
            .into_iter()
            .filter_map(|original| binds.get_mut(original).and_then(Option::take))
            .collect();
        BuiltQuery { segments, binds }
    }
}

/// A finished statement: SQL text with its values, cached as a prepared statement by the
/// connection (keyed by the SQL text and the bind types).
pub struct BuiltQuery {
    segments: Vec<Segment>,
    /// In the order of their first placeholder; an unreferenced value is dropped.
    binds: Vec<BoxedBind>,
}

impl std::fmt::Debug for BuiltQuery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BuiltQuery")
            .field("segments", &self.segments)
            .field("binds", &self.binds.len())
            .finish()
    }
}

#[derive(Debug)]
enum Segment {
    Text(String),
    /// The first placeholder of the value at this index of `binds`.
    Bind(usize),
}

impl QueryFragment<Pg> for BuiltQuery {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        for segment in &self.segments {
            match segment {
                Segment::Text(sql) => out.push_sql(sql),
                Segment::Bind(index) => {
                    if let Some(bind) = self.binds.get(*index) {
                        bind.walk_ast(out.reborrow())?;
                    }
                }
            }
        }
        Ok(())
    }
}

impl QueryId for BuiltQuery {
    type QueryId = ();
    // The text varies with the query's shape: the statement cache keys it by its SQL.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl Query for BuiltQuery {
    type SqlType = Untyped;
}

impl<Conn> RunQueryDsl<Conn> for BuiltQuery {}

struct Bind<ST, V> {
    value: V,
    sql_type: PhantomData<fn() -> ST>,
}

impl<ST, V> QueryFragment<Pg> for Bind<ST, V>
where
    Pg: HasSqlType<ST>,
    V: ToSql<ST, Pg>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_bind_param::<ST, V>(&self.value)
    }
}

#[cfg(test)]
mod tests {
    use diesel::sql_types::{Integer, Text};

    use super::*;

    fn sql_of(query: &BuiltQuery) -> String {
        diesel::debug_query::<Pg, _>(query).to_string()
    }

    #[test]
    fn placeholders_are_renumbered_by_first_use_and_values_follow() {
        let mut b = SqlBuilder::new();
        let late = b.bind::<Integer, _>(7);
        let early = b.bind::<Text, _>("x".to_owned());
        let unused = b.bind::<Integer, _>(9);
        b.push(&format!(
            "SELECT {early} AS a, {late} AS b WHERE {early} <> '' AND {late} > 0"
        ));
        let _ = unused;
        assert_eq!(
            sql_of(&b.build()),
            r#"SELECT $1 AS a, $2 AS b WHERE $1 <> '' AND $2 > 0 -- binds: ["x", 7]"#
        );
    }

    #[test]
    fn a_dollar_that_is_not_ours_stays() {
        let mut b = SqlBuilder::new();
        let one = b.bind::<Integer, _>(1);
        b.push(&format!("SELECT {one}, $7, $"));
        assert_eq!(sql_of(&b.build()), "SELECT $1, $7, $ -- binds: [1]");
    }
}
