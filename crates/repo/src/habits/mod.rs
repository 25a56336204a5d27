//! Habits and their completions: rows and queries.

mod completions;
mod queries;
mod row;

pub use completions::CompletionsRepository;
pub use queries::HabitsRepository;
pub use row::{CompletionRow, HabitChanges, HabitRow, NewCompletionRow, NewHabitRow};
