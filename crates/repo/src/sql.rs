//! A small builder for hand-written SQL with numbered bind parameters, for the few queries
//! diesel's DSL cannot express (LATERAL joins, window counts, jsonb aggregation).

use diesel::pg::Pg;
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::serialize::ToSql;
use diesel::sql_types::HasSqlType;

/// The boxed query the builder produces.
pub type BuiltQuery = BoxedSqlQuery<'static, Pg, SqlQuery>;

/// Appends SQL text and bind values; [`SqlBuilder::bind`] returns the `$n` placeholder so
/// a value bound once can be referenced several times.
pub struct SqlBuilder {
    query: BuiltQuery,
    binds: usize,
}

impl std::fmt::Debug for SqlBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlBuilder")
            .field("binds", &self.binds)
            .finish_non_exhaustive()
    }
}

impl Default for SqlBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl SqlBuilder {
    /// An empty statement.
    pub fn new() -> Self {
        Self {
            query: diesel::sql_query("").into_boxed(),
            binds: 0,
        }
    }

    /// Appends SQL text.
    pub fn push(&mut self, sql: &str) -> &mut Self {
        self.map(|q| q.sql(sql));
        self
    }

    /// Binds `value` as the next parameter and returns its placeholder (`$n`).
    pub fn bind<ST, V>(&mut self, value: V) -> String
    where
        Pg: HasSqlType<ST>,
        V: ToSql<ST, Pg> + Send + 'static,
        ST: Send + 'static,
    {
        self.binds += 1;
        self.map(|q| q.bind::<ST, V>(value));
        format!("${}", self.binds)
    }

    /// The finished statement.
    pub fn build(self) -> BuiltQuery {
        self.query
    }

    fn map(&mut self, f: impl FnOnce(BuiltQuery) -> BuiltQuery) {
        let query = std::mem::replace(&mut self.query, diesel::sql_query("").into_boxed());
        self.query = f(query);
    }
}
