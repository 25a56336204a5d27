//! The example programs of `crates/repo/examples/`, built with the tests and run against a
//! per-test database as the app role (ADR 0027: linking the crates is a supported use).

use std::path::PathBuf;
use std::process::Output;

use omnicrm_testkit::TestDb;
use uuid::Uuid;

/// The example's binary, built by `cargo test` / `cargo nextest run` next to the test
/// binaries (`target/debug/examples/<name>`).
fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(|deps| deps.parent()).unwrap();
    let path = profile_dir.join("examples").join(name);
    assert!(
        path.exists(),
        "{} is missing: the examples are built by `cargo test` and `cargo nextest run`",
        path.display()
    );
    path
}

async fn run(name: &str, db: &TestDb, args: &[&str]) -> Output {
    let mut command = tokio::process::Command::new(example(name));
    command
        .arg("--database-url")
        .arg(&db.app_url)
        .args(args)
        .env_remove("DATABASE_URL");
    command.output().await.unwrap()
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}

async fn seed(db: &TestDb, sql: &str) {
    db.owner().await.unwrap().batch_execute(sql).await.unwrap();
}

async fn contact_names(db: &TestDb, user: Uuid) -> Vec<String> {
    db.owner()
        .await
        .unwrap()
        .query(
            "SELECT display_name FROM contacts WHERE user_id = $1 ORDER BY display_name",
            &[&user],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect()
}

#[tokio::test]
async fn contacts_report_lists_one_users_contacts_with_latest_consents_and_last_note() {
    let db = TestDb::new().await.unwrap();
    let (alice, bob) = (Uuid::now_v7(), Uuid::now_v7());
    let (ada, grace, eve) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    seed(
        &db,
        &format!(
            "INSERT INTO tenants (user_id) VALUES ('{alice}'), ('{bob}');
             INSERT INTO contacts (user_id, id, display_name, primary_email) VALUES
                 ('{alice}', '{ada}', 'Ada, Countess', 'ada@example.com'),
                 ('{alice}', '{grace}', 'Grace', NULL),
                 ('{bob}', '{eve}', 'Eve', 'eve@example.com');
             INSERT INTO notes (user_id, id, contact_id, content_plain, created_at) VALUES
                 ('{alice}', gen_random_uuid(), '{ada}', 'one', '2026-01-02T10:00:00Z'),
                 ('{alice}', gen_random_uuid(), '{ada}', 'two', '2026-03-04T10:00:00Z'),
                 ('{bob}', gen_random_uuid(), '{eve}', 'x', '2026-05-06T10:00:00Z');
             INSERT INTO client_consents
                 (user_id, id, contact_id, consent_type, consent_text_version, granted, granted_at)
             VALUES
                 ('{alice}', gen_random_uuid(), '{ada}', 'hipaa', 'v1', true, '2026-01-01T00:00:00Z'),
                 ('{alice}', gen_random_uuid(), '{ada}', 'hipaa', 'v1', false, '2026-02-01T00:00:00Z'),
                 ('{alice}', gen_random_uuid(), '{grace}', 'marketing', 'v1', true, '2026-02-03T00:00:00Z'),
                 ('{bob}', gen_random_uuid(), '{eve}', 'photography', 'v1', true, '2026-02-03T00:00:00Z');"
        ),
    )
    .await;

    let output = run("contacts_report", &db, &["--user", &alice.to_string()]).await;

    assert_eq!(
        stdout(&output),
        format!(
            "contactId,displayName,primaryEmail,lastNoteAt,consent:hipaa,consent:marketing\n\
             {ada},\"Ada, Countess\",ada@example.com,2026-03-04T10:00:00Z,revoked 2026-02-01,\n\
             {grace},Grace,,,,granted 2026-02-03\n"
        )
    );
}

#[tokio::test]
async fn import_contacts_reports_bad_rows_skips_duplicates_and_writes_the_rest() {
    let db = TestDb::new().await.unwrap();
    let (alice, bob) = (Uuid::now_v7(), Uuid::now_v7());
    seed(
        &db,
        &format!(
            "INSERT INTO tenants (user_id) VALUES ('{alice}'), ('{bob}');
             INSERT INTO contacts (user_id, id, display_name, primary_email) VALUES
                 ('{alice}', gen_random_uuid(), 'Ada', 'ada@example.com'),
                 ('{bob}', gen_random_uuid(), 'Bob''s Grace', 'grace@example.com');"
        ),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("contacts.csv");
    std::fs::write(
        &file,
        "displayName,primaryEmail,clientStatus\n\
         Grace Hopper,grace@example.com,active\n\
         Ada again,ADA@example.com,\n\
         ,broken,sleeping\n\
         Grace twice,grace@example.com,\n",
    )
    .unwrap();
    let file = file.to_str().unwrap();
    let user = alice.to_string();

    let dry = stdout(
        &run(
            "import_contacts",
            &db,
            &["--user", &user, "--dry-run", file],
        )
        .await,
    );
    assert!(
        dry.ends_with("dry run: created 1, merged 0, skipped 2, rejected 1\n"),
        "{dry}"
    );
    assert_eq!(
        contact_names(&db, alice).await,
        ["Ada"],
        "a dry run writes nothing"
    );

    let out = stdout(&run("import_contacts", &db, &["--user", &user, file]).await);
    assert!(
        out.contains("line 3: skipped: duplicate of contact"),
        "{out}"
    );
    assert!(out.contains("line 4: rejected: clientStatus:"), "{out}");
    assert!(out.contains("line 4: rejected: displayName:"), "{out}");
    assert!(out.contains("line 4: rejected: primaryEmail:"), "{out}");
    assert!(out.contains("line 5: skipped"), "{out}");
    assert!(
        out.ends_with("created 1, merged 0, skipped 2, rejected 1\n"),
        "{out}"
    );
    assert_eq!(contact_names(&db, alice).await, ["Ada", "Grace Hopper"]);
    assert_eq!(
        contact_names(&db, bob).await,
        ["Bob's Grace"],
        "another user's contact with the same email neither blocks nor changes"
    );
}

#[tokio::test]
async fn import_contacts_merges_duplicates_into_the_existing_contact() {
    let db = TestDb::new().await.unwrap();
    let alice = Uuid::now_v7();
    seed(
        &db,
        &format!(
            "INSERT INTO tenants (user_id) VALUES ('{alice}');
             INSERT INTO contacts (user_id, id, display_name, primary_email) VALUES
                 ('{alice}', gen_random_uuid(), 'Ada', 'ada@example.com');"
        ),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("contacts.csv");
    std::fs::write(
        &file,
        "displayName,primaryEmail,primaryPhone,referralSource\n\
         Ada Lovelace,ada@example.com,+44 20 7946 0000,Babbage\n",
    )
    .unwrap();
    let user = alice.to_string();

    let out = stdout(
        &run(
            "import_contacts",
            &db,
            &["--user", &user, "--merge", file.to_str().unwrap()],
        )
        .await,
    );

    assert!(out.contains("line 2: merged into contact"), "{out}");
    let row = db
        .owner()
        .await
        .unwrap()
        .query_one(
            "SELECT display_name, primary_phone, referral_source FROM contacts WHERE user_id = $1",
            &[&alice],
        )
        .await
        .unwrap();
    // The merge fills empty fields and keeps set ones, as merging two contacts does.
    assert_eq!(row.get::<_, String>(0), "Ada");
    assert_eq!(
        row.get::<_, Option<String>>(1).as_deref(),
        Some("+44 20 7946 0000")
    );
    assert_eq!(row.get::<_, Option<String>>(2).as_deref(), Some("Babbage"));
}

#[tokio::test]
async fn import_contacts_reads_nested_fields_from_dotted_columns() {
    let db = TestDb::new().await.unwrap();
    let alice = Uuid::now_v7();
    seed(
        &db,
        &format!("INSERT INTO tenants (user_id) VALUES ('{alice}');"),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("contacts.csv");
    std::fs::write(
        &file,
        "displayName,address.city,healthContext.allergies,preferences.marketingOptIn\n\
         Ada,London,nuts; pollen,TRUE\n\
         Bob,,,perhaps\n",
    )
    .unwrap();
    let user = alice.to_string();

    let out = stdout(
        &run(
            "import_contacts",
            &db,
            &["--user", &user, file.to_str().unwrap()],
        )
        .await,
    );

    // The same parser as `POST /contacts/import`; the example names the column at fault.
    assert!(
        out.contains("line 3: rejected: preferences.marketingOptIn: must be true or false"),
        "{out}"
    );
    assert!(
        out.ends_with("created 1, merged 0, skipped 0, rejected 1\n"),
        "{out}"
    );
    let row = db
        .owner()
        .await
        .unwrap()
        .query_one(
            "SELECT address::text, health_context::text, preferences::text FROM contacts \
             WHERE user_id = $1",
            &[&alice],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), r#"{"city": "London"}"#);
    assert_eq!(
        row.get::<_, String>(1),
        r#"{"allergies": ["nuts", "pollen"]}"#
    );
    assert_eq!(row.get::<_, String>(2), r#"{"marketingOptIn": true}"#);
}

#[tokio::test]
async fn import_contacts_refuses_a_role_that_could_read_other_tenants() {
    let db = TestDb::new().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("contacts.csv");
    std::fs::write(&file, "displayName\nAda\n").unwrap();
    let mut command = tokio::process::Command::new(example("import_contacts"));
    let output = command
        .args(["--database-url", &db.owner_url, "--user"])
        .arg(Uuid::now_v7().to_string())
        .arg(&file)
        .output()
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("superuser"), "{stderr}");
    let count: i64 = db
        .owner()
        .await
        .unwrap()
        .query_one("SELECT count(*) FROM contacts", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(count, 0);
}
