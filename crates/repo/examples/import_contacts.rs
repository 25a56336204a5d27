//! Imports contacts from a CSV file for one user, with the rules of `POST /contacts`.
//!
//! ```sh
//! cargo run -p omnicrm-repo --example import_contacts -- \
//!     --database-url postgres://omnicrm_app:...@127.0.0.1/omnicrm \
//!     --user 0193a5a0-0000-7000-8000-000000000001 [--merge] [--dry-run] contacts.csv
//! ```
//!
//! The file's first row names the columns in the API's field names (`displayName`,
//! `primaryEmail`, `primaryPhone`, `clientStatus`, ...; a nested field by its dotted path,
//! `address.postalCode`, `healthContext.allergies` with items separated by `;`). Every row is checked with the
//! domain's rules; each bad row is reported with its line and the fields at fault and left
//! out. A row whose email or phone already belongs to a contact is skipped, or with
//! `--merge` merged into it (its empty fields are filled from the row). The good rows are
//! written in one tenant transaction: all of them or, on a failure, none. `--dry-run`
//! reports the same and writes nothing. `DATABASE_URL` may stand in for `--database-url`;
//! connect as the app role (the program refuses a role that could read other tenants).
//!
//! Exit status: 0 when the import ran (even with rejected rows), 1 when it failed, 2 for
//! bad arguments.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use omnicrm_domain::UserId;
use omnicrm_domain::contacts::import::{DuplicatePolicy, ImportOutcome, parse_contacts_csv};
use omnicrm_problem::AppError;
use omnicrm_repo::{Db, DbSettings, build_pool};
use omnicrm_services::PhoneRegion;
use omnicrm_services::contacts::{ContactImporter, ImportOptions};

const USAGE: &str = "usage: import_contacts [--database-url URL] --user UUID [--merge] \
                     [--dry-run] [--region CC] FILE.csv";

struct Args {
    database_url: String,
    user: UserId,
    options: ImportOptions,
    region: PhoneRegion,
    file: String,
}

fn parse_args() -> Result<Args, String> {
    let mut database_url = std::env::var("DATABASE_URL").ok();
    let mut user = None;
    let mut options = ImportOptions::default();
    let mut region = PhoneRegion::default();
    let mut file = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--database-url" => database_url = args.next(),
            "--user" => {
                let value = args.next().ok_or("--user needs a UUID")?;
                let id = uuid::Uuid::parse_str(&value).map_err(|_| "--user is not a UUID")?;
                user = Some(UserId::from(id));
            }
            "--merge" => options.duplicates = DuplicatePolicy::Merge,
            "--dry-run" => options.dry_run = true,
            "--region" => region = args.next().ok_or("--region needs a code")?.parse()?,
            "-h" | "--help" => return Err(String::new()),
            other if other.starts_with('-') => return Err(format!("unknown option {other}")),
            other => file = Some(other.to_owned()),
        }
    }
    Ok(Args {
        database_url: database_url.ok_or("--database-url or DATABASE_URL is required")?,
        user: user.ok_or("--user is required")?,
        options,
        region,
        file: file.ok_or("the CSV file is required")?,
    })
}

async fn run(args: Args) -> Result<(), AppError> {
    // The file is bounded before it is read whole.
    let size = std::fs::metadata(&args.file)
        .map_err(AppError::internal)?
        .len();
    let limit = omnicrm_domain::contacts::import::IMPORT_MAX_BYTES;
    if size > limit as u64 {
        return Err(AppError::payload_too_large(limit));
    }
    let bytes = std::fs::read(&args.file).map_err(AppError::internal)?;
    let parsed = parse_contacts_csv(&bytes)?;

    let settings = DbSettings::new(args.database_url);
    omnicrm_repo::serving_role::refuse_cross_tenant_url(
        &settings.url,
        settings.connect_timeout,
        settings.statement_timeout,
    )
    .await
    .map_err(|e| AppError::forbidden(e.to_string()))?;
    let pool = build_pool(&settings).map_err(AppError::internal)?;
    // One transaction writes the whole file: allow it minutes, not the request deadline.
    let db = Db::new(pool, Duration::from_secs(300));

    let importer = ContactImporter::new(db, args.region);
    let report = importer
        .import(args.user, parsed, args.options, None)
        .await?;

    let mut out = std::io::stdout().lock();
    for row in &report.rows {
        let written = match row.outcome {
            ImportOutcome::Rejected => row.errors.iter().try_for_each(|e| {
                // Named as the CSV names it: `/address/postalCode` is `address.postalCode`.
                let field = e.pointer.trim_start_matches('/').replace('/', ".");
                let field = if field.is_empty() { "row" } else { &field };
                writeln!(out, "line {}: rejected: {field}: {}", row.line, e.message)
            }),
            ImportOutcome::Skipped => writeln!(
                out,
                "line {}: skipped: duplicate of contact {}",
                row.line,
                row.contact_id.map(|id| id.into_uuid()).unwrap_or_default()
            ),
            ImportOutcome::Merged => writeln!(
                out,
                "line {}: merged into contact {}",
                row.line,
                row.contact_id.map(|id| id.into_uuid()).unwrap_or_default()
            ),
            ImportOutcome::Created => Ok(()),
        };
        written.map_err(AppError::internal)?;
    }
    writeln!(
        out,
        "{}created {}, merged {}, skipped {}, rejected {}",
        if report.dry_run { "dry run: " } else { "" },
        report.created,
        report.merged,
        report.skipped,
        report.rejected
    )
    .map_err(AppError::internal)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("{message}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            let detail = err.detail().unwrap_or(err.code().as_str()).to_owned();
            eprintln!("import failed: {detail}");
            for field in err.field_errors() {
                eprintln!("  {}: {}", field.pointer, field.message);
            }
            ExitCode::FAILURE
        }
    }
}
