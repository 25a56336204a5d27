//! The contact list's prepared statements: an unfiltered list runs its generic plan
//! (planned once per connection), a filtered one keeps a plan for its values, and a column
//! added to `contacts` while the server runs does not break them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use futures_util::FutureExt;
use omnicrm_domain::UserId;
use omnicrm_domain::contacts::{ContactListQuery, ContactSort};
use omnicrm_repo::Db;
use omnicrm_repo::contacts::ContactsRepository;
use omnicrm_testkit::TestDb;

use crate::prepared_plans::{Plans, db_with_one_connection, plans_of};

/// Lists `runs` times, then reads how the connection's page statements were planned.
async fn plans_after(db: &Db, user: UserId, query: &ContactListQuery, runs: usize) -> Plans {
    for _ in 0..runs {
        let query = query.clone();
        db.audited_read(user, move |conn| {
            async move { ContactsRepository::list(conn, user, &query).await }.boxed()
        })
        .await
        .unwrap();
    }
    plans_of(db, "WITH page AS%").await
}

#[tokio::test]
async fn an_unfiltered_list_is_not_replanned_on_every_request() {
    let test_db = TestDb::new().await.unwrap();
    let db = db_with_one_connection(&test_db);
    let user = UserId::from(uuid::Uuid::now_v7());
    let by_name = ContactListQuery {
        sort: Some(ContactSort::DisplayName),
        ..ContactListQuery::default()
    };
    // PostgreSQL would plan the first five executions for their values whatever the
    // generic plan costs, and keep doing so here.
    let plans = plans_after(&db, user, &by_name, 8).await;
    assert_eq!(
        plans,
        Plans {
            generic: 8,
            custom: 0
        }
    );
}

#[tokio::test]
async fn a_filtered_list_is_planned_for_its_values() {
    let test_db = TestDb::new().await.unwrap();
    let db = db_with_one_connection(&test_db);
    let user = UserId::from(uuid::Uuid::now_v7());
    let leads = ContactListQuery {
        lifecycle_stage: vec!["lead".to_owned()],
        ..ContactListQuery::default()
    };
    let plans = plans_after(&db, user, &leads, 3).await;
    assert_eq!(
        plans,
        Plans {
            generic: 0,
            custom: 3
        }
    );
}

#[tokio::test]
async fn a_column_added_to_contacts_does_not_break_prepared_pages() {
    let test_db = TestDb::new().await.unwrap();
    let db = db_with_one_connection(&test_db);
    let user = UserId::from(uuid::Uuid::now_v7());
    let searching = ContactListQuery {
        search: Some("garcia".to_owned()),
        ..ContactListQuery::default()
    };
    let queries = [ContactListQuery::default(), searching];
    plans_after(&db, user, &queries[0], 2).await;
    plans_after(&db, user, &queries[1], 2).await;
    test_db
        .owner()
        .await
        .unwrap()
        .batch_execute("ALTER TABLE contacts ADD COLUMN nickname text")
        .await
        .unwrap();
    // The same connection, whose statements were prepared before the column existed.
    for query in &queries {
        plans_after(&db, user, query, 1).await;
    }
}
