//! `POST /contacts/import` and `GET /contacts/import/{id}`: a CSV import runs as a job;
//! bad rows are reported with line and field, duplicates skipped or merged, the good rows
//! written all or none, and only ever for the importing user.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::{Ctx, setup};
use omnicrm_testkit::{Multipart, Requester, TestApp, pointers};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn form(csv: &str) -> Multipart {
    Multipart::new().file("file", "contacts.csv", "text/csv", csv.as_bytes())
}

/// Uploads, runs the user's jobs, and answers the finished import.
async fn import(as_user: &Requester<'_>, form: &Multipart) -> Value {
    let res = as_user
        .post_multipart("/api/v1/contacts/import", form)
        .await;
    let location = res.header("location").unwrap().to_owned();
    let queued = res.ok_json(StatusCode::ACCEPTED);
    assert_eq!(queued["status"], "queued", "{queued}");
    assert_eq!(
        location,
        format!("/api/v1/contacts/import/{}", queued["id"].as_str().unwrap())
    );
    as_user
        .post("/api/v1/jobs/runner")
        .await
        .ok_json(StatusCode::OK);
    as_user.get(&location).await.ok_json(StatusCode::OK)
}

async fn names(as_user: &Requester<'_>) -> Vec<String> {
    let page = as_user
        .get("/api/v1/contacts?sort=displayName&order=asc&pageSize=100")
        .await
        .ok_json(StatusCode::OK);
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["displayName"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn bad_rows_are_reported_with_line_and_field_duplicates_skipped_and_good_rows_created() {
    let ctx = setup().await;
    let as_alice = ctx.app.as_user(TestApp::new_user());
    let ada: Value = as_alice
        .post_json(
            "/api/v1/contacts",
            &json!({"displayName": "Ada", "primaryEmail": "ada@example.com"}),
        )
        .await
        .ok_json(StatusCode::CREATED);

    let done = import(
        &as_alice,
        &form(
            "displayName,primaryEmail,clientStatus,dateOfBirth\n\
             Grace Hopper,grace@example.com,active,1906-12-09\n\
             Ada again,ADA@example.com,,\n\
             ,not-an-email,sleeping,\n\
             Linus,,,\n",
        ),
    )
    .await;

    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(done["rowsTotal"], 3);
    assert_eq!(done["rowsProcessed"], 3);
    let report = &done["report"];
    assert_eq!(
        (
            &report["created"],
            &report["merged"],
            &report["skipped"],
            &report["rejected"]
        ),
        (&json!(2), &json!(0), &json!(1), &json!(1)),
        "{report}"
    );
    let rows = report["rows"].as_array().unwrap();
    let lines: Vec<(u64, &str)> = rows
        .iter()
        .map(|r| (r["line"].as_u64().unwrap(), r["outcome"].as_str().unwrap()))
        .collect();
    assert_eq!(
        lines,
        [
            (2, "created"),
            (3, "skipped"),
            (4, "rejected"),
            (5, "created")
        ]
    );
    assert_eq!(
        rows[1]["contactId"], ada["id"],
        "skipped as a duplicate of Ada"
    );
    let mut fields = pointers(&rows[2]);
    fields.dedup();
    assert_eq!(fields, ["/clientStatus", "/displayName", "/primaryEmail"]);
    assert_eq!(names(&as_alice).await, ["Ada", "Grace Hopper", "Linus"]);
    let grace: Value = as_alice
        .get(&format!(
            "/api/v1/contacts/{}",
            rows[0]["contactId"].as_str().unwrap()
        ))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(grace["source"], "import");
    assert_eq!(grace["dateOfBirth"], "1906-12-09");
}

#[tokio::test]
async fn merge_fills_the_existing_contacts_empty_fields_and_a_dry_run_writes_nothing() {
    let ctx = setup().await;
    let as_alice = ctx.app.as_user(TestApp::new_user());
    let ada: Value = as_alice
        .post_json(
            "/api/v1/contacts",
            &json!({"displayName": "Ada", "primaryEmail": "ada@example.com"}),
        )
        .await
        .ok_json(StatusCode::CREATED);
    let csv = "displayName,primaryEmail,referralSource\n\
               Ada Lovelace,ada@example.com,Babbage\n\
               Charles,charles@example.com,\n";

    let dry = import(
        &as_alice,
        &form(csv).text("duplicates", "merge").text("dryRun", "true"),
    )
    .await;
    assert_eq!(dry["report"]["dryRun"], true, "{dry}");
    assert_eq!(dry["report"]["merged"], 1);
    assert_eq!(dry["report"]["created"], 1);
    assert_eq!(names(&as_alice).await, ["Ada"], "a dry run writes nothing");

    let done = import(&as_alice, &form(csv).text("duplicates", "merge")).await;
    assert_eq!(done["report"]["merged"], 1, "{done}");
    assert_eq!(done["report"]["rows"][0]["contactId"], ada["id"]);
    let merged: Value = as_alice
        .get(&format!("/api/v1/contacts/{}", ada["id"].as_str().unwrap()))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(merged["displayName"], "Ada", "set fields stay");
    assert_eq!(
        merged["referralSource"], "Babbage",
        "empty fields are filled"
    );
    assert_eq!(names(&as_alice).await, ["Ada", "Charles"]);
}

#[tokio::test]
async fn nothing_is_half_written_when_a_row_fails_in_the_database() {
    let ctx: Ctx = setup().await;
    let as_alice = ctx.app.as_user(TestApp::new_user());
    // A failure no rule of the API predicts, on the third row's insert.
    ctx.db
        .owner()
        .await
        .unwrap()
        .batch_execute(
            "CREATE FUNCTION test_refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN
               IF NEW.display_name = 'Boom' THEN RAISE EXCEPTION 'refused by the test'; END IF;
               RETURN NEW;
             END $$;
             CREATE TRIGGER test_refuse_boom BEFORE INSERT ON contacts
               FOR EACH ROW EXECUTE FUNCTION test_refuse_boom();",
        )
        .await
        .unwrap();

    let failed = import(&as_alice, &form("displayName\nAda\nGrace\nBoom\nLinus\n")).await;

    assert_eq!(failed["status"], "failed", "{failed}");
    assert!(failed["report"].is_null());
    assert!(
        names(&as_alice).await.is_empty(),
        "no contact of the import stays"
    );
    let csv_left: i64 = ctx
        .db
        .owner()
        .await
        .unwrap()
        .query_one(
            "SELECT count(*) FROM contact_imports WHERE source_csv IS NOT NULL",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(csv_left, 0, "the uploaded file is not kept after the run");
}

#[tokio::test]
async fn another_users_contacts_and_imports_are_untouched() {
    let ctx = setup().await;
    let as_alice = ctx.app.as_user(TestApp::new_user());
    let as_bob = ctx.app.as_user(TestApp::new_user());
    let bobs: Value = as_bob
        .post_json(
            "/api/v1/contacts",
            &json!({"displayName": "Bob's Ada", "primaryEmail": "ada@example.com"}),
        )
        .await
        .ok_json(StatusCode::CREATED);

    let done = import(
        &as_alice,
        &form("displayName,primaryEmail,referralSource\nAda,ada@example.com,web\n")
            .text("duplicates", "merge"),
    )
    .await;

    assert_eq!(
        done["report"]["created"], 1,
        "bob's contact is no duplicate of alice's row"
    );
    assert_eq!(names(&as_alice).await, ["Ada"]);
    let bobs_now: Value = as_bob
        .get(&format!(
            "/api/v1/contacts/{}",
            bobs["id"].as_str().unwrap()
        ))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(bobs_now["displayName"], "Bob's Ada");
    assert!(bobs_now["referralSource"].is_null());
    assert_eq!(names(&as_bob).await, ["Bob's Ada"]);
    as_bob
        .get(&format!(
            "/api/v1/contacts/import/{}",
            done["id"].as_str().unwrap()
        ))
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn a_file_that_cannot_be_read_as_a_whole_is_refused_at_once() {
    let ctx = setup().await;
    let as_alice = ctx.app.as_user(TestApp::new_user());

    let res = as_alice
        .post_multipart(
            "/api/v1/contacts/import",
            &form("displayName,nickname\nAda,Countess\n"),
        )
        .await;
    let problem = res.problem(StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(pointers(&problem), ["/header"]);

    let res = as_alice
        .post_multipart(
            "/api/v1/contacts/import",
            &form("displayName\nAda\n").text("duplicates", "overwrite"),
        )
        .await;
    let problem = res.problem(StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(pointers(&problem), ["/duplicates"]);

    let big = format!("displayName\n{}", "a\n".repeat(1024 * 1024 + 1));
    as_alice
        .post_multipart("/api/v1/contacts/import", &form(&big))
        .await
        .problem(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");

    let none: i64 = ctx
        .db
        .owner()
        .await
        .unwrap()
        .query_one("SELECT count(*) FROM contact_imports", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(none, 0);
}

#[tokio::test]
async fn progress_is_visible_while_the_import_runs() {
    let ctx = setup().await;
    let as_alice = ctx.app.as_user(TestApp::new_user());
    let ada: Value = as_alice
        .post_json(
            "/api/v1/contacts",
            &json!({"displayName": "Ada", "primaryEmail": "ada@example.com"}),
        )
        .await
        .ok_json(StatusCode::CREATED);
    // The third row merges into Ada; while another transaction holds her row, the import
    // stops there with two rows written: a state that lasts until the test lets go, so
    // the poll below cannot miss it however the machine is loaded.
    let holder = ctx.db.owner().await.unwrap();
    holder
        .batch_execute(&format!(
            "BEGIN; SELECT 1 FROM contacts WHERE id = '{}' FOR UPDATE;",
            ada["id"].as_str().unwrap()
        ))
        .await
        .unwrap();
    let res = as_alice
        .post_multipart(
            "/api/v1/contacts/import",
            &form(
                "displayName,primaryEmail,referralSource\n\
                 Grace,,\n\
                 Linus,,\n\
                 Ada Lovelace,ada@example.com,Babbage\n\
                 Charles,,\n",
            )
            .text("duplicates", "merge"),
        )
        .await;
    let location = res.header("location").unwrap().to_owned();
    let queued = res.ok_json(StatusCode::ACCEPTED);
    assert_eq!(
        (&queued["rowsTotal"], &queued["rowsProcessed"]),
        (&json!(4), &json!(0))
    );

    let run = as_alice.post("/api/v1/jobs/runner");
    let watch = async {
        let mut seen = Vec::new();
        // Bounded only so a broken build fails instead of hanging; the state awaited
        // holds until the lock is released.
        for _ in 0..400 {
            let now: Value = as_alice.get(&location).await.ok_json(StatusCode::OK);
            let state = (now["status"].clone(), now["rowsProcessed"].clone());
            if seen.last() != Some(&state) {
                seen.push(state.clone());
            }
            if state == (json!("running"), json!(2)) {
                assert!(now["report"].is_null(), "{now}");
                holder.batch_execute("COMMIT").await.unwrap();
                return seen;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        holder.batch_execute("COMMIT").await.unwrap();
        panic!("the running import's progress never showed 2 of 4 rows: {seen:?}");
    };
    let (ran, seen) = tokio::join!(run, watch);
    ran.ok_json(StatusCode::OK);

    assert_eq!(
        seen.last(),
        Some(&(json!("running"), json!(2))),
        "progress went {seen:?}"
    );
    let done: Value = as_alice.get(&location).await.ok_json(StatusCode::OK);
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(
        (&done["rowsTotal"], &done["rowsProcessed"]),
        (&json!(4), &json!(4))
    );
    assert_eq!(
        (&done["report"]["created"], &done["report"]["merged"]),
        (&json!(3), &json!(1))
    );
}

#[tokio::test]
async fn address_health_context_and_preferences_come_from_dotted_columns() {
    let ctx = setup().await;
    let as_alice = ctx.app.as_user(TestApp::new_user());
    let ada: Value = as_alice
        .post_json(
            "/api/v1/contacts",
            &json!({"displayName": "Ada", "primaryEmail": "ada@example.com"}),
        )
        .await
        .ok_json(StatusCode::CREATED);

    let done = import(
        &as_alice,
        &form(
            "displayName,primaryEmail,address.street,address.city,address.postalCode,\
             healthContext.conditions,healthContext.allergies,\
             preferences.communicationMethod,preferences.marketingOptIn\n\
             Grace,grace@example.com,1 Main St,Arlington,22201,asthma; hay fever,,sms,TRUE\n\
             Linus,,,,,,,,\n\
             Bad,,,,123456789012345678901,,,pigeon,maybe\n\
             Ada Lovelace,ada@example.com,12 St James's Sq,London,,,nuts,email,\n",
        )
        .text("duplicates", "merge"),
    )
    .await;

    assert_eq!(done["status"], "done", "{done}");
    let report = &done["report"];
    assert_eq!(
        (&report["created"], &report["merged"], &report["rejected"]),
        (&json!(2), &json!(1), &json!(1)),
        "{report}"
    );
    let rows = report["rows"].as_array().unwrap();
    assert_eq!(rows[2]["line"], 4);
    assert_eq!(
        pointers(&rows[2]),
        [
            "/address/postalCode",
            "/preferences/communicationMethod",
            "/preferences/marketingOptIn"
        ]
    );
    let contact = |id: &Value| format!("/api/v1/contacts/{}", id.as_str().unwrap());
    let grace: Value = as_alice
        .get(&contact(&rows[0]["contactId"]))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(
        grace["address"],
        json!({"street": "1 Main St", "city": "Arlington", "postalCode": "22201"})
    );
    assert_eq!(
        grace["healthContext"],
        json!({"conditions": ["asthma", "hay fever"]})
    );
    assert_eq!(
        grace["preferences"],
        json!({"communicationMethod": "sms", "marketingOptIn": true})
    );
    let linus: Value = as_alice
        .get(&contact(&rows[1]["contactId"]))
        .await
        .ok_json(StatusCode::OK);
    assert!(
        linus["address"].is_null()
            && linus["healthContext"].is_null()
            && linus["preferences"].is_null(),
        "empty cells make no empty objects: {linus}"
    );
    let merged: Value = as_alice
        .get(&contact(&ada["id"]))
        .await
        .ok_json(StatusCode::OK);
    assert_eq!(merged["displayName"], "Ada");
    assert_eq!(
        merged["address"],
        json!({"street": "12 St James's Sq", "city": "London"}),
        "the empty address is filled from the row"
    );
    assert_eq!(merged["healthContext"], json!({"allergies": ["nuts"]}));
    assert_eq!(
        merged["preferences"],
        json!({"communicationMethod": "email"})
    );
}
