//! Notes about contacts: request bodies and queries, and the content rules (PII redaction
//! of the plain text and of the rich editor document, size and depth limits).

mod content;
mod entity;
mod input;
mod query;
mod rich;

pub use content::{
    ContentUpdate, MAX_PLAIN_CHARS, MAX_RICH_BYTES, MAX_RICH_DEPTH, PreparedContent,
    prepare_content, prepare_update,
};
pub use entity::{Note, NoteGoal, NotePiiEntity, NoteSourceType};
pub use input::{CreateNote, MAX_LINKS, UpdateNote};
pub use query::{ContactNotesQuery, NoteListQuery, NoteSort};
pub use rich::{plain_text_of, redact_rich};
