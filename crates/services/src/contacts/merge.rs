//! Merging a duplicate into a surviving contact: which fields the survivor takes.

use omnicrm_domain::contacts::{MergePreferences, MergeSide};
use omnicrm_problem::AppError;
use omnicrm_repo::contacts::{ContactChanges, ContactRow};
use serde_json::Value;

/// What the survivor takes from the duplicate: column changes, the photo key, and the
/// names (camelCase) of the fields taken, for the history entry.
#[derive(Debug, Default)]
pub(super) struct MergedFields {
    pub changes: ContactChanges,
    pub photo: Option<String>,
    pub taken: Vec<&'static str>,
}

/// A value counts as set when it is present and, for text, not blank.
trait Presence {
    fn is_set(&self) -> bool;
}

impl Presence for String {
    fn is_set(&self) -> bool {
        !self.trim().is_empty()
    }
}

impl Presence for Value {
    fn is_set(&self) -> bool {
        !self.is_null()
    }
}

impl Presence for f32 {
    fn is_set(&self) -> bool {
        true
    }
}

impl Presence for time::Date {
    fn is_set(&self) -> bool {
        true
    }
}

fn is_set<T: Presence>(value: &Option<T>) -> bool {
    value.as_ref().is_some_and(Presence::is_set)
}

/// The duplicate's value of a nullable field when the survivor has none, or when the
/// caller prefers the duplicate's and it has one; `None` leaves the survivor's.
fn pick<T: Presence + Clone>(
    name: &'static str,
    survivor: &Option<T>,
    duplicate: &Option<T>,
    prefer: Option<MergeSide>,
    taken: &mut Vec<&'static str>,
) -> Option<Option<T>> {
    let wanted = is_set(duplicate) && (!is_set(survivor) || prefer == Some(MergeSide::Duplicate));
    if wanted {
        taken.push(name);
        Some(duplicate.clone())
    } else {
        None
    }
}

/// A field that is never empty is taken only when preferred.
fn pick_required(
    name: &'static str,
    duplicate: &str,
    prefer: Option<MergeSide>,
    taken: &mut Vec<&'static str>,
) -> Option<String> {
    (prefer == Some(MergeSide::Duplicate)).then(|| {
        taken.push(name);
        duplicate.to_owned()
    })
}

fn json(value: Option<&omnicrm_repo::RawJsonb>) -> Result<Option<Value>, AppError> {
    value
        .map(|raw| raw.decode::<Value>())
        .transpose()
        .map_err(AppError::internal)
}

/// Fills the survivor's empty fields from the duplicate, and overwrites set ones only
/// where `prefer` names the duplicate (and the duplicate has a value).
pub(super) fn merged_fields(
    survivor: &ContactRow,
    duplicate: &ContactRow,
    prefer: &MergePreferences,
) -> Result<MergedFields, AppError> {
    let mut taken = Vec::new();
    let t = &mut taken;
    let changes = ContactChanges {
        display_name: pick_required(
            "displayName",
            &duplicate.display_name,
            prefer.display_name,
            t,
        ),
        primary_email: pick(
            "primaryEmail",
            &survivor.primary_email,
            &duplicate.primary_email,
            prefer.primary_email,
            t,
        ),
        primary_phone: pick(
            "primaryPhone",
            &survivor.primary_phone,
            &duplicate.primary_phone,
            prefer.primary_phone,
            t,
        ),
        source: pick(
            "source",
            &survivor.source,
            &duplicate.source,
            prefer.source,
            t,
        ),
        lifecycle_stage: pick(
            "lifecycleStage",
            &survivor.lifecycle_stage,
            &duplicate.lifecycle_stage,
            prefer.lifecycle_stage,
            t,
        ),
        client_status: pick_required(
            "clientStatus",
            &duplicate.client_status,
            prefer.client_status,
            t,
        ),
        referral_source: pick(
            "referralSource",
            &survivor.referral_source,
            &duplicate.referral_source,
            prefer.referral_source,
            t,
        ),
        confidence_score: pick(
            "confidenceScore",
            &survivor.confidence_score,
            &duplicate.confidence_score,
            prefer.confidence_score,
            t,
        ),
        date_of_birth: pick(
            "dateOfBirth",
            &survivor.date_of_birth,
            &duplicate.date_of_birth,
            prefer.date_of_birth,
            t,
        ),
        emergency_contact_name: pick(
            "emergencyContactName",
            &survivor.emergency_contact_name,
            &duplicate.emergency_contact_name,
            prefer.emergency_contact_name,
            t,
        ),
        emergency_contact_phone: pick(
            "emergencyContactPhone",
            &survivor.emergency_contact_phone,
            &duplicate.emergency_contact_phone,
            prefer.emergency_contact_phone,
            t,
        ),
        address: pick(
            "address",
            &json(survivor.address.as_ref())?,
            &json(duplicate.address.as_ref())?,
            prefer.address,
            t,
        ),
        health_context: pick(
            "healthContext",
            &json(survivor.health_context.as_ref())?,
            &json(duplicate.health_context.as_ref())?,
            prefer.health_context,
            t,
        ),
        preferences: pick(
            "preferences",
            &json(survivor.preferences.as_ref())?,
            &json(duplicate.preferences.as_ref())?,
            prefer.preferences,
            t,
        ),
    };
    let photo = pick(
        "photo",
        &survivor.photo_url,
        &duplicate.photo_url,
        prefer.photo,
        t,
    )
    .flatten();
    Ok(MergedFields {
        changes,
        photo,
        taken,
    })
}
