//! Contact import from CSV: the format `POST /contacts/import` and the `import_contacts`
//! example read, parsed and validated row by row with the rules of `POST /contacts`.
//!
//! The first row is a header naming columns in the API's field names
//! ([`IMPORT_COLUMNS`], any order, `displayName` required); a field of `address`,
//! `healthContext` or `preferences` is named by its dotted path (`address.postalCode`), and a
//! list cell separates its items with [`IMPORT_LIST_SEPARATOR`] (ADR 0034). Cells are
//! trimmed and an empty cell is an absent field. A row that breaks a rule is rejected with its line number and
//! every field at fault; the other rows are imported. Reading is linear in the input and
//! the input is bounded ([`IMPORT_MAX_BYTES`], [`IMPORT_MAX_ROWS`]) before any work.
//!
//! ```
//! use omnicrm_domain::contacts::import::parse_contacts_csv;
//!
//! let csv = "displayName,primaryEmail,clientStatus\n\
//!            Ada Lovelace,ada@example.com,active\n\
//!            ,not-an-email,sleeping\n";
//! let parsed = parse_contacts_csv(csv.as_bytes()).unwrap();
//! assert_eq!(parsed.rows.len(), 1);
//! assert_eq!(parsed.rows[0].line, 2);
//! let bad = &parsed.rejected[0];
//! assert_eq!(bad.line, 3);
//! let mut fields: Vec<&str> = bad.errors.iter().map(|e| e.pointer.as_str()).collect();
//! fields.dedup(); // a blank name breaks two rules
//! assert_eq!(fields, ["/clientStatus", "/displayName", "/primaryEmail"]);
//! ```

use garde::Validate;
use omnicrm_problem::{AppError, FieldError};
use serde::{Deserialize, Serialize};
use time::Date;

use super::{
    Address, ClientStatus, CommunicationMethod, CreateContact, HealthContext, Preferences,
};
use crate::ContactId;
use crate::validate::field_errors;

/// Largest CSV accepted, in bytes (checked before parsing).
pub const IMPORT_MAX_BYTES: usize = 2 * 1024 * 1024;
/// Most data rows (after the header) one import may hold.
pub const IMPORT_MAX_ROWS: usize = 10_000;
/// The columns a header may name, in the API's field names (`POST /contacts` body). A field
/// of a nested object is its dotted path (`address.postalCode`), one column per field: a
/// spreadsheet edits such a column as it edits any other, where a JSON cell would ask for
/// quoting by hand. The object is absent when all its cells in a row are empty.
pub const IMPORT_COLUMNS: &[&str] = &[
    "displayName",
    "primaryEmail",
    "primaryPhone",
    "source",
    "lifecycleStage",
    "clientStatus",
    "referralSource",
    "confidenceScore",
    "dateOfBirth",
    "emergencyContactName",
    "emergencyContactPhone",
    "address.street",
    "address.city",
    "address.state",
    "address.postalCode",
    "address.country",
    "healthContext.conditions",
    "healthContext.medications",
    "healthContext.allergies",
    "healthContext.notes",
    "preferences.communicationMethod",
    "preferences.preferredTime",
    "preferences.timezone",
    "preferences.language",
    "preferences.marketingOptIn",
];

/// What separates the items of a list cell (`healthContext.conditions`, `.medications`,
/// `.allergies`): `asthma; hay fever`. Items are trimmed; empty ones are dropped.
pub const IMPORT_LIST_SEPARATOR: char = ';';

/// One valid row: its line in the file (the header is line 1) and the contact to create.
#[derive(Debug, Clone)]
pub struct ImportRow {
    /// Line of the row in the file (a quoted cell spanning lines counts from its first).
    pub line: u64,
    /// The contact, valid by the rules of `POST /contacts`.
    pub contact: CreateContact,
}

/// A parsed file: the valid rows in file order and the rejected ones with their reasons.
#[derive(Debug, Clone, Default)]
pub struct ParsedImport {
    /// Rows that passed every rule.
    pub rows: Vec<ImportRow>,
    /// Rows that did not, each with every field at fault.
    pub rejected: Vec<ImportRowReport>,
}

/// What to do with a row whose email or phone already belongs to a contact (the duplicate
/// guard of `POST /contacts`, which also sees rows imported earlier in the same file).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DuplicatePolicy {
    /// Leave the existing contact alone and report the row as skipped.
    #[default]
    Skip,
    /// Merge the row into the existing contact as `POST /contacts/{id}/merge` merges a
    /// duplicate: the contact's empty fields are filled from the row, set ones stay.
    Merge,
}

impl DuplicatePolicy {
    /// Parses `skip` or `merge`.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "skip" => Some(Self::Skip),
            "merge" => Some(Self::Merge),
            _ => None,
        }
    }
}

/// What happened to one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportOutcome {
    /// A new contact was created.
    Created,
    /// The row was merged into an existing contact (`duplicates=merge`).
    Merged,
    /// The row duplicates an existing contact and was left out (`duplicates=skip`).
    Skipped,
    /// The row breaks a rule; `errors` says which.
    Rejected,
}

/// One row of an import report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ImportRowReport {
    /// Line of the row in the file (the header is line 1).
    pub line: u64,
    /// What happened to it.
    pub outcome: ImportOutcome,
    /// The contact created, merged into, or (skipped) already holding the email or phone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<ContactId>,
    /// Why a row was rejected: one entry per field at fault (pointer in the API's names).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

impl ImportRowReport {
    /// A rejected row.
    pub fn rejected(line: u64, errors: Vec<FieldError>) -> Self {
        Self {
            line,
            outcome: ImportOutcome::Rejected,
            contact_id: None,
            errors,
        }
    }
}

/// The outcome of an import: counts, and every row in file order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ImportReport {
    /// Whether nothing was written (a dry run reports what an import would do).
    pub dry_run: bool,
    /// Contacts created.
    pub created: u64,
    /// Rows merged into existing contacts.
    pub merged: u64,
    /// Rows left out as duplicates of existing contacts.
    pub skipped: u64,
    /// Rows that break a rule.
    pub rejected: u64,
    /// Every data row, in file order.
    pub rows: Vec<ImportRowReport>,
}

impl ImportReport {
    /// Adds a row and counts it.
    pub fn push(&mut self, row: ImportRowReport) {
        match row.outcome {
            ImportOutcome::Created => self.created += 1,
            ImportOutcome::Merged => self.merged += 1,
            ImportOutcome::Skipped => self.skipped += 1,
            ImportOutcome::Rejected => self.rejected += 1,
        }
        self.rows.push(row);
    }

    /// Puts the rows back in file order (rejected ones are found before the valid ones are
    /// written).
    pub fn sort_rows(&mut self) {
        self.rows.sort_by_key(|row| row.line);
    }
}

/// Where an import (`POST /contacts/import`) stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportStatus {
    /// Waiting for its job.
    Queued,
    /// Being written; `rowsProcessed` counts up to `rowsTotal`.
    Running,
    /// Finished; `report` says what happened to each row.
    Done,
    /// The job failed; nothing was written. Upload the file again.
    Failed,
}

impl ImportStatus {
    /// Parses the stored spelling.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "queued" => Some(Self::Queued),
            "running" => Some(Self::Running),
            "done" => Some(Self::Done),
            "failed" => Some(Self::Failed),
            _ => None,
        }
    }
}

/// An import (`POST /contacts/import`, `GET /contacts/import/{id}`).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContactImportView {
    /// Import id.
    pub id: uuid::Uuid,
    /// Where it stands.
    pub status: ImportStatus,
    /// What happens to a row that duplicates a contact.
    pub duplicates: DuplicatePolicy,
    /// Whether the import only reports (writes nothing).
    pub dry_run: bool,
    /// Valid rows to write (rejected rows are not counted).
    pub rows_total: u32,
    /// Valid rows handled so far.
    pub rows_processed: u32,
    /// When it was requested.
    #[serde(with = "crate::timestamp")]
    pub created_at: time::OffsetDateTime,
    /// When it finished (done or failed).
    #[serde(with = "crate::timestamp::option")]
    pub finished_at: Option<time::OffsetDateTime>,
    /// What happened to every row (done only).
    pub report: Option<ImportReport>,
}

/// Parses and validates a contact CSV. A file that cannot be read as a whole (too large,
/// too many rows, a header naming an unknown or repeated column or lacking `displayName`,
/// broken quoting) is a 400 `validation_failed` (or 413) naming the problem; a bad row
/// only rejects that row.
pub fn parse_contacts_csv(input: &[u8]) -> Result<ParsedImport, AppError> {
    if input.len() > IMPORT_MAX_BYTES {
        return Err(AppError::payload_too_large(IMPORT_MAX_BYTES));
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(input);
    let header = reader.byte_headers().map_err(|e| csv_error(&e))?.clone();
    let columns = columns(&header)?;
    let mut parsed = ParsedImport::default();
    let mut record = csv::ByteRecord::new();
    let mut count = 0usize;
    while reader
        .read_byte_record(&mut record)
        .map_err(|e| csv_error(&e))?
    {
        let line = record.position().map_or(0, csv::Position::line);
        if record.iter().all(<[u8]>::is_empty) {
            continue; // a blank line, as spreadsheets leave at the end
        }
        count += 1;
        if count > IMPORT_MAX_ROWS {
            return Err(file_error(
                "/rows",
                "length",
                &format!("an import holds at most {IMPORT_MAX_ROWS} rows"),
            ));
        }
        match contact_from_record(&columns, &record) {
            Ok(contact) => parsed.rows.push(ImportRow { line, contact }),
            Err(errors) => parsed
                .rejected
                .push(ImportRowReport::rejected(line, errors)),
        }
    }
    Ok(parsed)
}

/// The header's columns, in order, as indexes into [`IMPORT_COLUMNS`].
fn columns(header: &csv::ByteRecord) -> Result<Vec<usize>, AppError> {
    let mut columns = Vec::with_capacity(header.len());
    for name in header {
        let name = std::str::from_utf8(name).unwrap_or("");
        let Some(index) = IMPORT_COLUMNS.iter().position(|c| *c == name) else {
            return Err(file_error(
                "/header",
                "unknown_column",
                &format!(
                    "the header names a column that is not a contact field; the columns are {}",
                    IMPORT_COLUMNS.join(", ")
                ),
            ));
        };
        if columns.contains(&index) {
            return Err(file_error(
                "/header",
                "duplicate_column",
                &format!("the header names {name} twice"),
            ));
        }
        columns.push(index);
    }
    if !columns.contains(&0) {
        return Err(file_error(
            "/header",
            "required",
            "the header must name a displayName column",
        ));
    }
    Ok(columns)
}

fn contact_from_record(
    columns: &[usize],
    record: &csv::ByteRecord,
) -> Result<CreateContact, Vec<FieldError>> {
    let mut errors = Vec::new();
    if record.len() != columns.len() {
        errors.push(FieldError::new(
            "",
            "columns",
            format!(
                "the row has {} cells and the header {}",
                record.len(),
                columns.len()
            ),
        ));
        return Err(errors);
    }
    let mut contact = CreateContact::default();
    for (&column, cell) in columns.iter().zip(record) {
        let name = IMPORT_COLUMNS[column];
        let Ok(text) = std::str::from_utf8(cell) else {
            errors.push(FieldError::new(
                pointer(name),
                "encoding",
                "the cell is not UTF-8 text",
            ));
            continue;
        };
        let value = (!text.is_empty()).then(|| text.to_owned());
        if let Err(message) = set_field(&mut contact, name, value) {
            errors.push(FieldError::new(pointer(name), "invalid", message));
        }
    }
    if let Err(report) = contact.validate() {
        errors.extend(field_errors(&report));
    }
    if errors.is_empty() {
        Ok(contact)
    } else {
        errors.sort_by(|a, b| a.pointer.cmp(&b.pointer));
        Err(errors)
    }
}

fn set_field(
    contact: &mut CreateContact,
    name: &str,
    value: Option<String>,
) -> Result<(), &'static str> {
    match name {
        "displayName" => contact.display_name = value.unwrap_or_default(),
        "primaryEmail" => contact.primary_email = value,
        "primaryPhone" => contact.primary_phone = value,
        "source" => contact.source = value,
        "lifecycleStage" => contact.lifecycle_stage = value,
        "referralSource" => contact.referral_source = value,
        "emergencyContactName" => contact.emergency_contact_name = value,
        "emergencyContactPhone" => contact.emergency_contact_phone = value,
        "clientStatus" => {
            contact.client_status = value
                .map(|v| {
                    ClientStatus::parse(&v)
                        .ok_or("must be one of active, inactive, at_risk, churned")
                })
                .transpose()?;
        }
        "confidenceScore" => {
            contact.confidence_score = value
                .map(|v| {
                    v.parse::<f32>()
                        .ok()
                        .filter(|f| f.is_finite())
                        .ok_or("must be a number from 0 to 1")
                })
                .transpose()?;
        }
        "dateOfBirth" => {
            let format = time::macros::format_description!("[year]-[month]-[day]");
            contact.date_of_birth = value
                .map(|v| Date::parse(&v, &format).map_err(|_| "must be a date, YYYY-MM-DD"))
                .transpose()?;
        }
        nested => {
            // Only a non-empty cell creates the object, so a row without any address cell
            // imports a contact without an address (not an empty one).
            if let Some(value) = value {
                set_nested_field(contact, nested, value)?;
            }
        }
    }
    Ok(())
}

fn set_nested_field(
    contact: &mut CreateContact,
    name: &str,
    value: String,
) -> Result<(), &'static str> {
    fn address(c: &mut CreateContact) -> &mut Address {
        c.address.get_or_insert_with(Default::default)
    }
    fn health(c: &mut CreateContact) -> &mut HealthContext {
        c.health_context.get_or_insert_with(Default::default)
    }
    fn prefs(c: &mut CreateContact) -> &mut Preferences {
        c.preferences.get_or_insert_with(Default::default)
    }
    match name {
        "address.street" => address(contact).street = Some(value),
        "address.city" => address(contact).city = Some(value),
        "address.state" => address(contact).state = Some(value),
        "address.postalCode" => address(contact).postal_code = Some(value),
        "address.country" => address(contact).country = Some(value),
        "healthContext.conditions" => health(contact).conditions = list(&value),
        "healthContext.medications" => health(contact).medications = list(&value),
        "healthContext.allergies" => health(contact).allergies = list(&value),
        "healthContext.notes" => health(contact).notes = Some(value),
        "preferences.communicationMethod" => {
            let method = match value.as_str() {
                "email" => CommunicationMethod::Email,
                "phone" => CommunicationMethod::Phone,
                "sms" => CommunicationMethod::Sms,
                "any" => CommunicationMethod::Any,
                _ => return Err("must be one of email, phone, sms, any"),
            };
            prefs(contact).communication_method = Some(method);
        }
        "preferences.preferredTime" => prefs(contact).preferred_time = Some(value),
        "preferences.timezone" => prefs(contact).timezone = Some(value),
        "preferences.language" => prefs(contact).language = Some(value),
        "preferences.marketingOptIn" => {
            // Spreadsheets write booleans as TRUE and FALSE.
            let opt_in = if value.eq_ignore_ascii_case("true") {
                true
            } else if value.eq_ignore_ascii_case("false") {
                false
            } else {
                return Err("must be true or false");
            };
            prefs(contact).marketing_opt_in = Some(opt_in);
        }
        _ => {}
    }
    Ok(())
}

fn list(cell: &str) -> Vec<String> {
    cell.split(IMPORT_LIST_SEPARATOR)
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The JSON pointer of a column's field in the `POST /contacts` body, as a garde rule on
/// the same field names it: `address.postalCode` → `/address/postalCode`.
fn pointer(column: &str) -> String {
    format!("/{}", column.replace('.', "/"))
}

fn file_error(pointer: &str, code: &str, message: &str) -> AppError {
    AppError::invalid_field(pointer, code, message)
}

fn csv_error(err: &csv::Error) -> AppError {
    let line = err.position().map_or(0, csv::Position::line);
    file_error(
        "/rows",
        "csv",
        &format!("the file is not readable as CSV (near line {line})"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> ParsedImport {
        parse_contacts_csv(text.as_bytes()).unwrap()
    }

    #[test]
    fn columns_may_come_in_any_order_and_empty_cells_are_absent() {
        let parsed = parse(
            "primaryEmail, displayName ,dateOfBirth,confidenceScore\n\
             ada@example.com,Ada,1815-12-10,0.5\n\
             ,Bob,,\n",
        );
        assert!(parsed.rejected.is_empty(), "{:?}", parsed.rejected);
        let ada = &parsed.rows[0].contact;
        assert_eq!(ada.display_name, "Ada");
        assert_eq!(ada.primary_email.as_deref(), Some("ada@example.com"));
        assert_eq!(ada.confidence_score, Some(0.5));
        assert!(ada.date_of_birth.is_some());
        let bob = &parsed.rows[1];
        assert_eq!(bob.line, 3);
        assert_eq!(bob.contact.primary_email, None);
    }

    #[test]
    fn quoted_cells_hold_commas_and_line_breaks_and_lines_count_from_the_row_start() {
        let parsed =
            parse("displayName,referralSource\n\"Lovelace, Ada\",\"a friend\nof Babbage\"\nBob,\n");
        assert_eq!(parsed.rows[0].contact.display_name, "Lovelace, Ada");
        assert_eq!(parsed.rows[1].line, 4);
    }

    #[test]
    fn a_bad_row_is_rejected_with_every_field_at_fault() {
        let parsed =
            parse("displayName,primaryEmail,confidenceScore,dateOfBirth\n  ,x,NaN,31/12/1990\n");
        assert!(parsed.rows.is_empty());
        let row = &parsed.rejected[0];
        assert_eq!(row.line, 2);
        let mut pointers: Vec<&str> = row.errors.iter().map(|e| e.pointer.as_str()).collect();
        pointers.dedup();
        assert_eq!(
            pointers,
            [
                "/confidenceScore",
                "/dateOfBirth",
                "/displayName",
                "/primaryEmail"
            ]
        );
    }

    #[test]
    fn a_row_with_the_wrong_number_of_cells_is_rejected() {
        let parsed = parse("displayName,source\nAda\nBob,web,extra\n");
        assert_eq!(parsed.rejected.len(), 2);
        assert_eq!(parsed.rejected[0].errors[0].code, "columns");
    }

    #[test]
    fn the_header_must_name_known_columns_once_and_display_name() {
        for header in [
            "displayName,nickname",
            "displayName,displayName",
            "primaryEmail",
        ] {
            let err = parse_contacts_csv(format!("{header}\nx\n").as_bytes()).unwrap_err();
            assert_eq!(err.field_errors()[0].pointer, "/header", "{header}");
        }
    }

    #[test]
    fn size_and_row_count_are_bounded_before_the_work() {
        let big = vec![b'a'; IMPORT_MAX_BYTES + 1];
        assert_eq!(parse_contacts_csv(&big).unwrap_err().status(), 413);
        let mut many = String::from("displayName\n");
        for _ in 0..=IMPORT_MAX_ROWS {
            many.push_str("a\n");
        }
        let err = parse_contacts_csv(many.as_bytes()).unwrap_err();
        assert_eq!(err.field_errors()[0].pointer, "/rows");
    }

    #[test]
    fn nested_fields_come_from_dotted_columns_and_lists_split_on_semicolons() {
        let parsed = parse(
            "displayName,address.street,address.postalCode,healthContext.conditions,\
             healthContext.notes,preferences.communicationMethod,preferences.marketingOptIn\n\
             Ada,1 Main St,N1 9GU, asthma ;hay fever;,likes mornings,sms,TRUE\n\
             Bob,,,,,,\n",
        );
        assert!(parsed.rejected.is_empty(), "{:?}", parsed.rejected);
        let ada = &parsed.rows[0].contact;
        let address = ada.address.as_ref().unwrap();
        assert_eq!(address.street.as_deref(), Some("1 Main St"));
        assert_eq!(address.postal_code.as_deref(), Some("N1 9GU"));
        assert_eq!(address.city, None);
        let health = ada.health_context.as_ref().unwrap();
        assert_eq!(health.conditions, ["asthma", "hay fever"]);
        assert_eq!(health.notes.as_deref(), Some("likes mornings"));
        let preferences = ada.preferences.as_ref().unwrap();
        assert_eq!(
            preferences.communication_method,
            Some(super::super::CommunicationMethod::Sms)
        );
        assert_eq!(preferences.marketing_opt_in, Some(true));
        let bob = &parsed.rows[1].contact;
        assert!(bob.address.is_none() && bob.health_context.is_none() && bob.preferences.is_none());
    }

    #[test]
    fn a_bad_nested_cell_is_reported_by_its_field() {
        let long = "x".repeat(21);
        let parsed = parse(&format!(
            "displayName,address.postalCode,healthContext.allergies,\
             preferences.communicationMethod,preferences.marketingOptIn\n\
             Ada,{long},{},pigeon,maybe\n",
            "a;".repeat(51)
        ));
        assert!(parsed.rows.is_empty());
        let row = &parsed.rejected[0];
        assert_eq!(row.line, 2);
        let mut pointers: Vec<&str> = row.errors.iter().map(|e| e.pointer.as_str()).collect();
        pointers.dedup();
        assert_eq!(
            pointers,
            [
                "/address/postalCode",
                "/healthContext/allergies",
                "/preferences/communicationMethod",
                "/preferences/marketingOptIn"
            ]
        );
    }

    #[test]
    fn a_byte_order_mark_and_blank_lines_are_ignored() {
        let parsed = parse("\u{feff}displayName\nAda\n\n\nBob\n");
        assert_eq!(parsed.rows.len(), 2);
        assert!(parsed.rejected.is_empty());
    }
}
