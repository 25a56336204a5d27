//! `/omni-momentum/tasks` and `/contacts/{id}/tasks`.

mod approval;
mod contact_tasks;
mod crud;
mod list;
mod recurrence;
mod subtasks;
