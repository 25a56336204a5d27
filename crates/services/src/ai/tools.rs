//! The assistant's tools: the CRM's own services, called with the caller's user id, so
//! each runs in the caller's tenant transaction with the caller's permissions (row-level
//! security confines it to their rows whatever the model asks).
//!
//! Arguments are the API's own input types (the model is given their JSON Schema), parsed
//! and validated exactly as the routes do; a bad argument is a tool failure the model is
//! told about, never a crash.

use futures_util::FutureExt;
use garde::Validate;
use omnicrm_domain::entities::ConsentType;
use omnicrm_domain::habits::CreateHabitCompletion;
use omnicrm_domain::notes::{ContactNotesQuery, CreateNote};
use omnicrm_domain::search::SearchQuery;
use omnicrm_domain::tasks::CreateTask;
use omnicrm_domain::{ContactId, HabitId, UserId};
use omnicrm_integrations::ai::ToolSpec;
use omnicrm_problem::AppError;
use omnicrm_repo::Db;
use omnicrm_repo::ai::AiRepository;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::files::AccessMeta;
use crate::{
    ConsentsService, ContactsService, HabitsService, NotesService, SearchService, TasksService,
};

/// Longest tool result handed to the model or stored (bytes of JSON).
pub const MAX_RESULT_BYTES: usize = 8 * 1024;

/// The services the tools call.
#[derive(Debug, Clone)]
pub struct Tools {
    pub(crate) db: Db,
    pub(crate) search: SearchService,
    pub(crate) contacts: ContactsService,
    pub(crate) notes: NotesService,
    pub(crate) tasks: TasksService,
    pub(crate) habits: HabitsService,
    pub(crate) consents: ConsentsService,
}

/// Whether a tool changes data (and so waits for the user's confirmation).
pub fn is_write(tool: &str) -> bool {
    matches!(tool, "create_task" | "create_note" | "log_habit")
}

/// Whether the tool exists.
pub fn is_known(tool: &str) -> bool {
    matches!(
        tool,
        "search" | "get_contact" | "contact_history" | "consent_status"
    ) || is_write(tool)
}

fn contact_arg() -> Value {
    json!({ "type": "object", "required": ["contactId"], "additionalProperties": false,
        "properties": { "contactId": { "type": "string", "format": "uuid" } } })
}

/// The tools offered to the model.
pub fn specs() -> Vec<ToolSpec> {
    vec![
        ToolSpec::function(
            "search",
            "Full-text search over the practitioner's contacts, notes, interactions, tasks, goals and documents.",
            json!({ "type": "object", "required": ["q"], "additionalProperties": false, "properties": {
                "q": { "type": "string", "minLength": 1, "maxLength": 200 },
                "types": { "type": "array", "maxItems": 6, "items": { "type": "string",
                    "enum": ["contact", "note", "interaction", "task", "goal", "document"] } },
                "limit": { "type": "integer", "minimum": 1, "maximum": 50 } } }),
        ),
        ToolSpec::function(
            "get_contact",
            "One contact with its newest notes, tags, identities and current consents.",
            contact_arg(),
        ),
        ToolSpec::function(
            "contact_history",
            "A contact's history: its newest notes and interactions (emails, meetings, calls), newest first.",
            contact_arg(),
        ),
        ToolSpec::function(
            "consent_status",
            "Whether a contact currently consents to a kind of processing.",
            json!({ "type": "object", "required": ["contactId", "type"], "additionalProperties": false,
                "properties": { "contactId": { "type": "string", "format": "uuid" },
                    "type": { "type": "string", "enum": ["data_processing", "marketing", "hipaa", "photography"] } } }),
        ),
        ToolSpec::function(
            "create_task",
            "Creates a task (the user confirms it first).",
            json!({ "type": "object", "required": ["name"], "properties": {
                "name": { "type": "string", "minLength": 1, "maxLength": 200 },
                "priority": { "type": "string", "enum": ["low", "medium", "high"] },
                "dueDate": { "type": "string", "format": "date" } } }),
        ),
        ToolSpec::function(
            "create_note",
            "Writes a note about a contact (the user confirms it first).",
            json!({ "type": "object", "required": ["contactId", "contentPlain"], "properties": {
                "contactId": { "type": "string", "format": "uuid" },
                "contentPlain": { "type": "string", "minLength": 1, "maxLength": 10000 } } }),
        ),
        ToolSpec::function(
            "log_habit",
            "Records that a habit was done (today by default; the user confirms it first).",
            json!({ "type": "object", "required": ["habitId"], "properties": {
                "habitId": { "type": "string", "format": "uuid" },
                "completedDate": { "type": "string", "format": "date" },
                "valueCompleted": { "type": "integer" } } }),
        ),
    ]
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ContactArg {
    contact_id: ContactId,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ConsentArg {
    contact_id: ContactId,
    #[serde(rename = "type")]
    consent_type: ConsentType,
}

/// Parses and validates arguments into the API's input type.
fn parse<T: serde::de::DeserializeOwned>(args: &Value) -> Result<T, AppError> {
    serde_json::from_value(args.clone()).map_err(|_| {
        AppError::validation(vec![omnicrm_problem::FieldError::new(
            "",
            "invalid",
            "the arguments do not match the tool's schema",
        )])
    })
}

fn validated<T>(value: T) -> Result<T, AppError>
where
    T: Validate,
    T::Context: Default,
{
    value.validate().map_err(|report| {
        AppError::validation(
            report
                .iter()
                .map(|(path, e)| {
                    omnicrm_problem::FieldError::new(
                        format!("/{path}"),
                        "invalid",
                        e.message().to_owned(),
                    )
                })
                .collect(),
        )
    })?;
    Ok(value)
}

/// Checks a write's arguments before it is proposed, so the user is never asked to
/// confirm something that cannot run.
pub fn check_write(tool: &str, args: &Value) -> Result<(), AppError> {
    match tool {
        "create_task" => validated(parse::<CreateTask>(args)?).map(drop),
        "create_note" => validated(parse::<CreateNote>(args)?).map(drop),
        "log_habit" => split_habit(args).and_then(|(_, c)| validated(c)).map(drop),
        _ => Err(AppError::not_found()),
    }
}

fn split_habit(args: &Value) -> Result<(HabitId, CreateHabitCompletion), AppError> {
    let mut rest = args.as_object().cloned().unwrap_or_default();
    let habit = rest
        .remove("habitId")
        .and_then(|v| v.as_str().and_then(|s| s.parse::<HabitId>().ok()))
        .ok_or_else(|| {
            AppError::validation(vec![omnicrm_problem::FieldError::new(
                "/habitId",
                "invalid",
                "a habit id is required",
            )])
        })?;
    Ok((habit, parse(&Value::Object(rest))?))
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<Value, AppError> {
    serde_json::to_value(v).map_err(AppError::internal)
}

impl Tools {
    /// Runs a tool for `user` (every service call is a transaction of `user`'s tenant).
    pub async fn run(&self, user: UserId, tool: &str, args: &Value) -> Result<Value, AppError> {
        match tool {
            "search" => {
                let q = validated(parse::<SearchQuery>(args)?)?;
                to_json(&self.search.search(user, q).await?)
            }
            "get_contact" => {
                let a: ContactArg = parse(args)?;
                let meta = AccessMeta::new(None, Some("omnicrm-assistant"));
                to_json(&self.contacts.get(user, a.contact_id, meta).await?)
            }
            "contact_history" => {
                let a: ContactArg = parse(args)?;
                let query = ContactNotesQuery {
                    page: 1,
                    page_size: 10,
                };
                let notes = self
                    .notes
                    .list_for_contact(user, a.contact_id, query)
                    .await?;
                let contact = a.contact_id;
                let interactions = self
                    .db
                    .tenant(user, move |conn| {
                        async move {
                                AiRepository::recent_interactions(conn, user, contact, 10).await
                            }
                            .boxed()
                    })
                    .await?;
                Ok(json!({ "notes": to_json(&notes.items)?, "interactions": interactions }))
            }
            "consent_status" => {
                let a: ConsentArg = parse(args)?;
                to_json(
                    &self
                        .consents
                        .status(user, a.contact_id, a.consent_type)
                        .await?,
                )
            }
            "create_task" => {
                let input = validated(parse::<CreateTask>(args)?)?;
                to_json(&self.tasks.create_task(user, input).await?)
            }
            "create_note" => {
                let input = validated(parse::<CreateNote>(args)?)?;
                to_json(&self.notes.create(user, input).await?)
            }
            "log_habit" => {
                let (habit, completion) = split_habit(args)?;
                let completion = validated(completion)?;
                to_json(&self.habits.complete(user, habit, completion).await?)
            }
            _ => Err(AppError::not_found().with_detail("no such tool")),
        }
    }
}

/// Cuts a result to [`MAX_RESULT_BYTES`] of JSON: a longer one becomes
/// `{"truncated": true, "text": <its first bytes>}`.
pub fn bounded(result: Value) -> Value {
    let text = result.to_string();
    if text.len() <= MAX_RESULT_BYTES {
        return result;
    }
    let mut end = MAX_RESULT_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    json!({ "truncated": true, "text": &text[..end] })
}
