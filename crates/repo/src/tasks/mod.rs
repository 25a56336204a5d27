//! OmniMomentum's work side: zones, projects, tasks, their links to tags and contacts,
//! and the stats across tasks, projects, habits and the inbox.

mod links;
mod projects;
mod queries;
mod row;
mod stats;
mod zones;

pub use links::{TaskLinks, TaskLinksRepository};
pub use projects::{ProjectsRepository, zone_exists};
pub use queries::{TaskScope, TasksRepository};
pub use row::{
    NewProjectRow, NewTaskRow, ProjectChanges, ProjectRow, TASK_COLUMNS, TaskChanges, TaskRow,
    client_details, subtasks_of, with_subtasks,
};
pub use stats::momentum_stats;
pub use zones::ZonesRepository;
