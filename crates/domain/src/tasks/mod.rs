//! OmniMomentum's work side: zones (shared reference data), projects, tasks with their
//! subtasks, tags and contacts, the approval of suggested tasks, and recurring tasks.

mod entity;
mod input;
mod query;
pub mod recurrence;

pub use entity::{
    HabitsTodayStats, InboxStats, MomentumStats, ProjectProgress, ProjectStats, ProjectView,
    Subtask, TaskStats, TaskView, ZoneItem, ZoneList, ZoneStats,
};
pub use input::{
    ApproveTask, CreateProject, CreateSubtask, CreateTask, MAX_NAME_CHARS, MAX_SUBTASKS,
    MAX_TASK_LINKS, RejectTask, ReorderSubtasks, SUBTASKS_KEY, UpdateProject, UpdateSubtask,
    UpdateTask,
};
pub use query::{ProjectListQuery, TaskListQuery, TaskPageQuery, TaskSort, ZonesQuery};
pub use recurrence::Recurrence;
