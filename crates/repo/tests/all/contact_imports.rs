//! The run protocol of `contact_imports` (claim, write and report in one transaction),
//! driven through the services' job function as the `contacts.import` job calls it.

use std::time::Duration;

use omnicrm_domain::UserId;
use omnicrm_repo::{Db, DbSettings, build_pool};
use omnicrm_services::PhoneRegion;
use omnicrm_services::contacts::run_import;
use omnicrm_testkit::TestDb;
use uuid::Uuid;

#[tokio::test]
async fn an_import_is_written_once_however_often_its_job_is_delivered() {
    let db = TestDb::new().await.unwrap();
    let (user, id) = (Uuid::now_v7(), Uuid::now_v7());
    let owner = db.owner().await.unwrap();
    owner
        .batch_execute(&format!(
            "INSERT INTO tenants (user_id) VALUES ('{user}');
             INSERT INTO contact_imports (user_id, id, duplicates, rows_total, source_csv)
             VALUES ('{user}', '{id}', 'skip', 2,
                     convert_to(E'displayName\\nAda\\nGrace\\n', 'UTF8'));"
        ))
        .await
        .unwrap();
    let app = Db::new(
        build_pool(&DbSettings::new(db.app_url.clone())).unwrap(),
        Duration::from_secs(30),
    );

    for _delivery in 0..2 {
        run_import(&app, PhoneRegion::default(), UserId::from(user), id)
            .await
            .unwrap();
    }

    let contacts: i64 = owner
        .query_one("SELECT count(*) FROM contacts WHERE user_id = $1", &[&user])
        .await
        .unwrap()
        .get(0);
    assert_eq!(contacts, 2);
    let row = owner
        .query_one(
            "SELECT status, rows_processed, source_csv IS NULL, report->>'created'
               FROM contact_imports WHERE id = $1",
            &[&id],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "done");
    assert_eq!(row.get::<_, i32>(1), 2);
    assert!(row.get::<_, bool>(2), "the file is cleared after the run");
    assert_eq!(
        row.get::<_, Option<String>>(3).as_deref(),
        Some("2"),
        "the first run's report stays"
    );
}
