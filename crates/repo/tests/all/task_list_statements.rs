//! The task list's statements (ADR 0052): a list filtered by tags or a contact keeps one
//! plan per connection, other filtered lists are planned for their values, and either way
//! the rest of the transaction gets the session's plan mode back.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use diesel::sql_types::Text;
use diesel::{QueryableByName, sql_query};
use diesel_async::RunQueryDsl;
use futures_util::FutureExt;
use omnicrm_domain::entities::TaskStatus;
use omnicrm_domain::tasks::TaskListQuery;
use omnicrm_domain::{ContactId, TagId, UserId};
use omnicrm_repo::Db;
use omnicrm_repo::tasks::TasksRepository;
use omnicrm_testkit::TestDb;

use crate::prepared_plans::{Plans, db_with_one_connection, plans_of};

#[derive(QueryableByName)]
struct Mode {
    #[diesel(sql_type = Text)]
    mode: String,
}

/// Lists `runs` times; each time, reads the plan mode the list leaves to the rest of its
/// transaction, which must be the session's.
async fn list(db: &Db, user: UserId, query: &TaskListQuery, runs: usize) {
    for _ in 0..runs {
        let query = query.clone();
        let mode = db
            .tenant(user, move |conn| {
                async move {
                    TasksRepository::list(conn, user, &query).await?;
                    sql_query("SELECT current_setting('plan_cache_mode') AS mode")
                        .get_result::<Mode>(conn)
                        .await
                        .map_err(omnicrm_repo::map_diesel_error)
                }
                .boxed()
            })
            .await
            .unwrap();
        assert_eq!(mode.mode, "auto");
    }
}

#[tokio::test]
async fn a_list_filtered_by_links_keeps_its_plan() {
    let test_db = TestDb::new().await.unwrap();
    let db = db_with_one_connection(&test_db);
    let user = UserId::from(uuid::Uuid::now_v7());
    let by_tag = TaskListQuery {
        tag_id: vec![TagId::from(uuid::Uuid::now_v7())],
        status: vec![TaskStatus::Todo],
        ..TaskListQuery::default()
    };
    let by_contact = TaskListQuery {
        contact_id: Some(ContactId::from(uuid::Uuid::now_v7())),
        ..TaskListQuery::default()
    };
    list(&db, user, &by_tag, 4).await;
    list(&db, user, &by_contact, 4).await;
    // PostgreSQL would plan the first five executions of each for their values.
    assert_eq!(
        plans_of(&db, "SELECT t.user_id%FROM (%) linked CROSS JOIN LATERAL%").await,
        Plans {
            generic: 8,
            custom: 0
        }
    );
}

#[tokio::test]
async fn a_list_without_links_is_planned_for_its_values() {
    let test_db = TestDb::new().await.unwrap();
    let db = db_with_one_connection(&test_db);
    let user = UserId::from(uuid::Uuid::now_v7());
    let open = TaskListQuery {
        status: vec![TaskStatus::Todo, TaskStatus::InProgress],
        ..TaskListQuery::default()
    };
    list(&db, user, &open, 3).await;
    assert_eq!(
        plans_of(&db, "SELECT t.user_id%FROM tasks t WHERE%").await,
        Plans {
            generic: 0,
            custom: 3
        }
    );
}
