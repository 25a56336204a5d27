//! For one user: every contact with the latest consent decision of each type and the date
//! of the newest note, as CSV on stdout.
//!
//! ```sh
//! cargo run -p omnicrm-repo --example contacts_report -- \
//!     --database-url postgres://omnicrm_app:...@127.0.0.1/omnicrm \
//!     --user 0193a5a0-0000-7000-8000-000000000001 > report.csv
//! ```
//!
//! Columns: `contactId`, `displayName`, `primaryEmail`, `lastNoteAt` (RFC 3339, empty
//! without notes), then one `consent:<type>` column per consent type the user has
//! recorded, holding `granted <date>` or `revoked <date>` (empty when the contact has no
//! decision of that type). It shows the one way a tool reads a user's rows: as the app
//! role, inside [`Db::tenant`], where row-level security confines every statement to that
//! user. `DATABASE_URL` may stand in for `--database-url`.

use std::collections::{BTreeMap, BTreeSet};
use std::process::ExitCode;
use std::time::Duration;

use diesel::QueryableByName;
use diesel::sql_types::{Bool, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use futures_util::FutureExt;
use omnicrm_domain::UserId;
use omnicrm_problem::AppError;
use omnicrm_repo::{Db, DbSettings, RepoErrorExt, build_pool};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

const USAGE: &str = "usage: contacts_report [--database-url URL] --user UUID";

#[derive(QueryableByName)]
struct ContactLine {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Text)]
    display_name: String,
    #[diesel(sql_type = Nullable<Text>)]
    primary_email: Option<String>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    last_note_at: Option<OffsetDateTime>,
}

#[derive(QueryableByName)]
struct LatestConsent {
    #[diesel(sql_type = SqlUuid)]
    contact_id: Uuid,
    #[diesel(sql_type = Text)]
    consent_type: String,
    #[diesel(sql_type = Bool)]
    granted: bool,
    #[diesel(sql_type = Timestamptz)]
    granted_at: OffsetDateTime,
}

// Row-level security already limits both statements to the transaction's user; the
// `user_id` filters keep them on the `(user_id, ..)` indexes.
const CONTACTS: &str = "\
    SELECT c.id, c.display_name, c.primary_email, \
           (SELECT max(n.created_at) FROM notes n \
             WHERE n.user_id = c.user_id AND n.contact_id = c.id) AS last_note_at \
      FROM contacts c WHERE c.user_id = $1 ORDER BY c.display_name, c.id";
// The latest decision per type, as the consent status route picks it (ties on `granted_at`
// go to the later, time-ordered id).
const CONSENTS: &str = "\
    SELECT DISTINCT ON (contact_id, consent_type) contact_id, consent_type, granted, granted_at \
      FROM client_consents WHERE user_id = $1 \
     ORDER BY contact_id, consent_type, granted_at DESC, id DESC";

async fn report(db: &Db, user: UserId) -> Result<Vec<u8>, AppError> {
    let (contacts, consents) = db
        .tenant(user, move |conn| {
            async move {
                let contacts: Vec<ContactLine> = diesel::sql_query(CONTACTS)
                    .bind::<SqlUuid, _>(user.into_uuid())
                    .load(conn)
                    .await
                    .map_db_error()?;
                let consents: Vec<LatestConsent> = diesel::sql_query(CONSENTS)
                    .bind::<SqlUuid, _>(user.into_uuid())
                    .load(conn)
                    .await
                    .map_db_error()?;
                Ok((contacts, consents))
            }
            .boxed()
        })
        .await?;

    let types: BTreeSet<&str> = consents.iter().map(|c| c.consent_type.as_str()).collect();
    let mut decisions: BTreeMap<(Uuid, &str), String> = BTreeMap::new();
    for consent in &consents {
        let date = consent.granted_at.date();
        let state = if consent.granted {
            "granted"
        } else {
            "revoked"
        };
        decisions.insert(
            (consent.contact_id, consent.consent_type.as_str()),
            format!("{state} {date}"),
        );
    }

    let mut out = csv::Writer::from_writer(Vec::new());
    let mut header = vec![
        "contactId".to_owned(),
        "displayName".to_owned(),
        "primaryEmail".to_owned(),
        "lastNoteAt".to_owned(),
    ];
    header.extend(types.iter().map(|t| format!("consent:{t}")));
    out.write_record(&header).map_err(AppError::internal)?;
    for contact in &contacts {
        let mut record = vec![
            contact.id.to_string(),
            contact.display_name.clone(),
            contact.primary_email.clone().unwrap_or_default(),
            match contact.last_note_at {
                Some(at) => at.format(&Rfc3339).map_err(AppError::internal)?,
                None => String::new(),
            },
        ];
        record.extend(types.iter().map(|t| {
            decisions
                .get(&(contact.id, *t))
                .cloned()
                .unwrap_or_default()
        }));
        out.write_record(&record).map_err(AppError::internal)?;
    }
    out.into_inner()
        .map_err(|e| AppError::internal(e.to_string()))
}

fn parse_args() -> Result<(String, UserId), String> {
    let mut database_url = std::env::var("DATABASE_URL").ok();
    let mut user = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--database-url" => database_url = args.next(),
            "--user" => {
                let value = args.next().ok_or("--user needs a UUID")?;
                let id = Uuid::parse_str(&value).map_err(|_| "--user is not a UUID")?;
                user = Some(UserId::from(id));
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok((
        database_url.ok_or("--database-url or DATABASE_URL is required")?,
        user.ok_or("--user is required")?,
    ))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let (url, user) = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("{message}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let settings = DbSettings::new(url);
    let run = async {
        omnicrm_repo::serving_role::refuse_cross_tenant_url(
            &settings.url,
            settings.connect_timeout,
            settings.statement_timeout,
        )
        .await
        .map_err(|e| AppError::forbidden(e.to_string()))?;
        let pool = build_pool(&settings).map_err(AppError::internal)?;
        let db = Db::new(pool, Duration::from_secs(60));
        report(&db, user).await
    };
    match run.await {
        Ok(csv) => {
            use std::io::Write;
            match std::io::stdout().lock().write_all(&csv) {
                Ok(()) => ExitCode::SUCCESS,
                Err(_) => ExitCode::FAILURE,
            }
        }
        Err(err) => {
            eprintln!(
                "report failed: {}",
                err.detail().unwrap_or(err.code().as_str())
            );
            ExitCode::FAILURE
        }
    }
}
