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

/// Each row's duplicate check reads the contacts whose document holds its phone's digits
/// through `contacts_search_idx`, not every contact with a phone: importing four times the
/// rows takes about four times as long (the check used to scan, which made it sixteen).
/// A ratio of two timings in one run, with a generous bound (never an absolute time).
#[tokio::test]
async fn phone_duplicate_checks_do_not_grow_with_the_contacts_already_written() {
    use omnicrm_domain::contacts::import::{DuplicatePolicy, parse_contacts_csv};
    use omnicrm_services::contacts::{ContactImporter, ImportOptions};

    let db = TestDb::new().await.unwrap();
    let app = Db::new(
        build_pool(&DbSettings::new(db.app_url.clone())).unwrap(),
        Duration::from_secs(120),
    );
    let importer = ContactImporter::new(app, PhoneRegion::default());
    let csv = |rows: usize, offset: usize| {
        let mut text = String::from("displayName,primaryPhone\n");
        for i in offset..offset + rows {
            text.push_str(&format!(
                "Client {i},+1 212 {} {:04}\n",
                300 + i / 10_000,
                i % 10_000
            ));
        }
        text
    };
    let options = ImportOptions {
        duplicates: DuplicatePolicy::Skip,
        dry_run: false,
    };
    let mut timings = Vec::new();
    for (rows, offset) in [(500, 0), (2_000, 1_000)] {
        let user = UserId::from(Uuid::now_v7());
        let parsed = parse_contacts_csv(csv(rows, offset).as_bytes()).unwrap();
        let started = std::time::Instant::now();
        let report = importer.import(user, parsed, options, None).await.unwrap();
        timings.push(started.elapsed());
        assert_eq!(report.created, rows as u64, "every number is new");
        // The same numbers again, written differently, are all found.
        let again = csv(rows, offset).replace("+1 212 ", "(212) ");
        let parsed = parse_contacts_csv(again.as_bytes()).unwrap();
        let report = importer.import(user, parsed, options, None).await.unwrap();
        assert_eq!(report.skipped, rows as u64, "every number is a duplicate");
    }
    let ratio = timings[1].as_secs_f64() / timings[0].as_secs_f64();
    eprintln!("imports of 500 and 2000 rows with phones: {timings:?}");
    assert!(
        ratio < 10.0,
        "4x the rows took {ratio:.1}x as long: {timings:?}"
    );
}
