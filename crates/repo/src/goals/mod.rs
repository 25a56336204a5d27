//! Goals: rows, queries, and their links to tags (`goal_tags`) and notes (`note_goals`).

mod links;
mod queries;

pub use links::GoalLinksRepository;
pub use queries::{GoalChanges, GoalRow, GoalsRepository, NewGoalRow};
