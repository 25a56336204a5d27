//! Contact import: the rows `omnicrm_domain::contacts::import` parsed, written for one
//! user in one tenant transaction with the duplicate guard of `POST /contacts` and, for
//! duplicates, the field rules of the contact merge. The `import_contacts` example and the
//! `contacts.import` job both call [`ContactImporter::import`].

use std::sync::Arc;

use futures_util::FutureExt;
use omnicrm_domain::contacts::MergePreferences;
use omnicrm_domain::contacts::import::{
    DuplicatePolicy, ImportOutcome, ImportReport, ImportRowReport, ParsedImport,
};
use omnicrm_domain::{ContactId, UserId};
use omnicrm_problem::AppError;
use omnicrm_repo::contacts::{ContactRow, ContactsRepository, ImportSavepoint, NewContactRow};
use omnicrm_repo::{AsyncPgConnection, Db, RawJsonb};

use super::{duplicates, merge};
use crate::phone::PhoneRegion;

/// `source` of an imported contact whose row names none.
pub const IMPORT_SOURCE: &str = "import";

/// How many rows were written so far; called after each row (from inside the transaction,
/// so it must not block).
pub type ImportProgress = Arc<dyn Fn(u64) + Send + Sync>;

/// What to do with duplicates and whether to write at all.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// Skip or merge a row whose email or phone already belongs to a contact.
    pub duplicates: DuplicatePolicy,
    /// Run every check and report, then roll everything back.
    pub dry_run: bool,
}

/// Writes parsed contact rows for one user.
#[derive(Debug, Clone)]
pub struct ContactImporter {
    db: Db,
    region: PhoneRegion,
}

impl ContactImporter {
    /// `region` reads phone numbers without a country code, as `POST /contacts` does.
    pub fn new(db: Db, region: PhoneRegion) -> Self {
        Self { db, region }
    }

    /// Imports `parsed` for `user` in one tenant transaction: all valid rows or, on any
    /// database failure, none. Each row meets the duplicate guard of `POST /contacts`
    /// (email case-insensitively, phone in E.164; rows imported earlier in the same file
    /// count): without a duplicate it is created, with one it is skipped or merged into
    /// the oldest matching contact (that contact's empty fields are filled from the row).
    /// Rejected rows are reported as they are. A dry run reports the same and writes
    /// nothing.
    pub async fn import(
        &self,
        user: UserId,
        parsed: ParsedImport,
        options: ImportOptions,
        progress: Option<ImportProgress>,
    ) -> Result<ImportReport, AppError> {
        let region = self.region;
        let parsed = Arc::new(parsed);
        self.db
            .tenant_retrying(user, move |conn| {
                let parsed = Arc::clone(&parsed);
                let progress = progress.clone();
                async move {
                    import_rows(conn, user, region, &parsed, options, progress.as_deref()).await
                }
                .boxed()
            })
            .await
    }
}

/// [`ContactImporter::import`] inside the caller's tenant transaction (the
/// `contacts.import` job records its report in the same one). Rows come back in file
/// order.
pub async fn import_rows(
    conn: &mut AsyncPgConnection,
    user: UserId,
    region: PhoneRegion,
    parsed: &ParsedImport,
    options: ImportOptions,
    progress: Option<&(dyn Fn(u64) + Send + Sync)>,
) -> Result<ImportReport, AppError> {
    let mut report = write_rows(conn, user, region, parsed, options, progress).await?;
    report.sort_rows();
    Ok(report)
}

async fn write_rows(
    conn: &mut AsyncPgConnection,
    user: UserId,
    region: PhoneRegion,
    parsed: &ParsedImport,
    options: ImportOptions,
    progress: Option<&(dyn Fn(u64) + Send + Sync)>,
) -> Result<ImportReport, AppError> {
    let mut report = ImportReport {
        dry_run: options.dry_run,
        ..ImportReport::default()
    };
    for rejected in &parsed.rejected {
        report.push(rejected.clone());
    }
    omnicrm_repo::tenants::ensure(conn, user).await?;
    // As every contact insert: a concurrent create of the same email or phone waits here
    // and then sees this import's contacts.
    omnicrm_repo::tenants::lock_for_contact_insert(conn, user).await?;
    let savepoint = if options.dry_run {
        Some(ImportSavepoint::set(conn).await?)
    } else {
        None
    };
    for (done, row) in parsed.rows.iter().enumerate() {
        let mut new = NewContactRow::from_input(user, ContactId::generate(), row.contact.clone())?;
        if row.contact.source.is_none() {
            new.source = Some(IMPORT_SOURCE.to_owned());
        }
        let existing = duplicates::find(
            conn,
            user,
            region,
            new.primary_email.as_deref(),
            new.primary_phone.as_deref(),
        )
        .await?;
        let (outcome, contact_id) = match (existing, options.duplicates) {
            (None, _) => {
                let created = ContactsRepository::insert(conn, &new).await?;
                (ImportOutcome::Created, ContactId::from(created.id))
            }
            (Some(existing), DuplicatePolicy::Skip) => (ImportOutcome::Skipped, existing),
            (Some(existing), DuplicatePolicy::Merge) => {
                let survivor = ContactsRepository::find(conn, user, existing).await?;
                let fields = merge::merged_fields(
                    &survivor,
                    &as_row(&new, &survivor),
                    &MergePreferences::default(),
                )?;
                if !fields.taken.is_empty() {
                    ContactsRepository::update(conn, user, existing, &fields.changes).await?;
                }
                (ImportOutcome::Merged, existing)
            }
        };
        report.push(ImportRowReport {
            line: row.line,
            outcome,
            contact_id: Some(contact_id),
            errors: Vec::new(),
        });
        if let Some(progress) = progress {
            progress(done as u64 + 1);
        }
    }
    if let Some(savepoint) = savepoint {
        savepoint.roll_back(conn).await?;
    }
    Ok(report)
}

/// The row as a contact, to merge it like a duplicate contact (a CSV row has no photo).
fn as_row(new: &NewContactRow, survivor: &ContactRow) -> ContactRow {
    ContactRow {
        user_id: new.user_id,
        id: new.id,
        display_name: new.display_name.clone(),
        primary_email: new.primary_email.clone(),
        primary_phone: new.primary_phone.clone(),
        photo_url: None,
        source: new.source.clone(),
        lifecycle_stage: new.lifecycle_stage.clone(),
        client_status: new.client_status.clone(),
        referral_source: new.referral_source.clone(),
        confidence_score: new.confidence_score,
        date_of_birth: new.date_of_birth,
        emergency_contact_name: new.emergency_contact_name.clone(),
        emergency_contact_phone: new.emergency_contact_phone.clone(),
        address: new.address.as_ref().map(RawJsonb::from),
        health_context: new.health_context.as_ref().map(RawJsonb::from),
        preferences: new.preferences.as_ref().map(RawJsonb::from),
        created_at: survivor.created_at,
        updated_at: survivor.updated_at,
    }
}
