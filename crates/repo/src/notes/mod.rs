//! Notes: rows, conversions, queries, and the note's links to tags and goals.

mod links;
mod queries;
mod row;

pub use links::NoteLinksRepository;
pub use queries::NotesRepository;
pub use row::{NewNoteRow, NoteChanges, NoteRow};
