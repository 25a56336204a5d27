//! `duplicate_contact_suspected`: a contact that looks like another of the same
//! practitioner (the same email or phone, or a very similar name).
//!
//! A pair is reported once, on the contact created later (the likely accidental copy),
//! naming the earlier one(s): the earlier contact gets no insight of its own about it, so
//! the practitioner never reads the same suspicion twice from both ends.

use serde_json::json;

use super::Computed;

/// Earlier contacts one contact is compared with (the closest first).
pub const MAX_DUPLICATES: usize = 5;

/// Why two contacts look like the same person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DuplicateReason {
    /// The same email address (primary or identity, case-insensitively).
    Email,
    /// The same phone number (identity, or the primary phone's digits).
    Phone,
    /// Very similar display names (trigram similarity).
    Name,
}

impl DuplicateReason {
    /// From the SQL's spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "email" => Some(Self::Email),
            "phone" => Some(Self::Phone),
            "name" => Some(Self::Name),
            _ => None,
        }
    }

    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Phone => "phone",
            Self::Name => "name",
        }
    }

    fn words(self) -> &'static str {
        match self {
            Self::Email => "the same email address",
            Self::Phone => "the same phone number",
            Self::Name => "a very similar name",
        }
    }
}

/// An earlier contact that matched, with every reason it matched for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateOf {
    /// The earlier contact.
    pub contact_id: uuid::Uuid,
    /// Its display name.
    pub display_name: String,
    /// Why (any order; repeated reasons count once).
    pub reasons: Vec<DuplicateReason>,
}

/// The insight about a contact that matched `earlier` contacts; `None` without any.
/// Email and phone matches come before name-only ones; at most [`MAX_DUPLICATES`].
pub fn duplicate_contact(contact_id: uuid::Uuid, earlier: &[DuplicateOf]) -> Option<Computed> {
    let mut others: Vec<DuplicateOf> = earlier
        .iter()
        .filter(|o| o.contact_id != contact_id && !o.reasons.is_empty())
        .map(|o| {
            let mut reasons = o.reasons.clone();
            reasons.sort();
            reasons.dedup();
            DuplicateOf {
                reasons,
                ..o.clone()
            }
        })
        .collect();
    others.sort_by(|a, b| {
        a.reasons[0]
            .cmp(&b.reasons[0])
            .then(a.contact_id.cmp(&b.contact_id))
    });
    others.dedup_by(|a, b| a.contact_id == b.contact_id);
    others.truncate(MAX_DUPLICATES);
    let first = others.first()?;
    let strong = others
        .iter()
        .any(|o| o.reasons.iter().any(|r| *r != DuplicateReason::Name));
    let title = match others.len() {
        1 => format!("Possible duplicate of {}", first.display_name),
        n => format!("Possible duplicate of {n} contacts"),
    };
    let summary: Vec<String> = others
        .iter()
        .map(|o| {
            let why: Vec<&str> = o.reasons.iter().map(|r| r.words()).collect();
            format!(
                "{} (created earlier) has {}.",
                o.display_name,
                join_words(&why)
            )
        })
        .collect();
    let listed: Vec<serde_json::Value> = others
        .iter()
        .map(|o| {
            json!({
                "contactId": o.contact_id,
                "displayName": o.display_name,
                "reasons": o.reasons.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
            })
        })
        .collect();
    let actions: Vec<serde_json::Value> = others
        .iter()
        .map(|o| {
            json!({
                "type": "merge_contacts",
                "label": format!("Review and merge with {}", o.display_name),
                // `POST /contacts/{contactId}/merge {duplicateId}`: the earlier contact
                // survives.
                "metadata": {"contactId": o.contact_id, "duplicateId": contact_id},
            })
        })
        .collect();
    let props = json!({ "duplicates": listed });
    Some(Computed {
        content: json!({
            "title": title,
            "summary": format!("{} Merge them if they are the same client.", summary.join(" ")),
            "confidence": if strong { 0.9 } else { 0.6 },
            "priority": if strong { "medium" } else { "low" },
            "props": props,
            "actions": actions,
        }),
        inputs: props,
    })
}

fn join_words(words: &[&str]) -> String {
    match words {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use DuplicateReason::{Email, Name, Phone};

    fn id(n: u128) -> uuid::Uuid {
        uuid::Uuid::from_u128(n)
    }

    fn of(n: u128, name: &str, reasons: &[DuplicateReason]) -> DuplicateOf {
        DuplicateOf {
            contact_id: id(n),
            display_name: name.to_owned(),
            reasons: reasons.to_vec(),
        }
    }

    #[test]
    fn nothing_matched_nothing_to_say() {
        assert_eq!(duplicate_contact(id(9), &[]), None);
        // Itself, or a match without a reason, is no duplicate.
        assert_eq!(duplicate_contact(id(9), &[of(9, "Ada", &[Email])]), None);
        assert_eq!(duplicate_contact(id(9), &[of(1, "Ada", &[])]), None);
    }

    #[test]
    fn one_earlier_contact_is_named_with_every_reason() {
        let got =
            duplicate_contact(id(9), &[of(1, "Ada Lovelace", &[Name, Email, Email])]).unwrap();
        let c = &got.content;
        assert_eq!(c["title"], "Possible duplicate of Ada Lovelace");
        assert_eq!(
            c["summary"],
            "Ada Lovelace (created earlier) has the same email address and a very similar name. \
             Merge them if they are the same client."
        );
        assert_eq!(c["props"]["duplicates"][0]["contactId"], id(1).to_string());
        assert_eq!(
            c["props"]["duplicates"][0]["reasons"],
            json!(["email", "name"])
        );
        assert_eq!(c["priority"], "medium");
        assert_eq!(
            c["actions"][0]["metadata"],
            json!({"contactId": id(1), "duplicateId": id(9)})
        );
    }

    #[test]
    fn strong_matches_come_first_and_names_alone_are_low_priority() {
        let names_only = duplicate_contact(id(9), &[of(2, "Jon Smith", &[Name])]).unwrap();
        assert_eq!(names_only.content["priority"], "low");
        assert_eq!(names_only.content["confidence"], 0.6);

        let many: Vec<DuplicateOf> = (1..=7)
            .map(|n| of(n, &format!("C{n}"), if n > 5 { &[Phone] } else { &[Name] }))
            .collect();
        let got = duplicate_contact(id(9), &many).unwrap();
        let listed = got.content["props"]["duplicates"].as_array().unwrap();
        assert_eq!(listed.len(), MAX_DUPLICATES);
        assert_eq!(listed[0]["displayName"], "C6");
        assert_eq!(listed[1]["displayName"], "C7");
        assert_eq!(got.content["title"], "Possible duplicate of 5 contacts");
        // The order of the matches does not change what is stored.
        let mut reversed = many;
        reversed.reverse();
        assert_eq!(
            duplicate_contact(id(9), &reversed).unwrap().inputs,
            got.inputs
        );
    }
}
