//! How a connection's prepared statements were planned (`pg_prepared_statements`), for the
//! modules that check a list's plans.

use std::time::Duration;

use diesel::sql_types::{BigInt, Text};
use diesel::{QueryableByName, sql_query};
use diesel_async::RunQueryDsl;
use futures_util::FutureExt;
use omnicrm_repo::{Db, DbSettings, build_pool};
use omnicrm_testkit::TestDb;

/// Executions of the matching statements under their generic and their custom plans.
#[derive(QueryableByName, Debug, PartialEq, Eq)]
pub struct Plans {
    #[diesel(sql_type = BigInt)]
    pub generic: i64,
    #[diesel(sql_type = BigInt)]
    pub custom: i64,
}

/// A handle with one connection, so that every call prepares on the same one.
pub fn db_with_one_connection(test_db: &TestDb) -> Db {
    let mut settings = DbSettings::new(test_db.app_url.clone());
    settings.pool_size = 1;
    Db::new(build_pool(&settings).unwrap(), Duration::from_secs(10))
}

/// How the connection's statements whose text is `LIKE pattern` were planned.
pub async fn plans_of(db: &Db, pattern: &'static str) -> Plans {
    db.unscoped(move |conn| {
        async move {
            sql_query(
                "SELECT coalesce(sum(generic_plans), 0)::bigint AS generic, \
                 coalesce(sum(custom_plans), 0)::bigint AS custom \
                 FROM pg_prepared_statements WHERE statement LIKE $1",
            )
            .bind::<Text, _>(pattern)
            .get_result::<Plans>(conn)
            .await
            .map_err(omnicrm_repo::map_diesel_error)
        }
        .boxed()
    })
    .await
    .unwrap()
}
