//! Goals: the practitioner's own goals and their clients' (a goal with a `contactId` is that
//! client's goal), with status, target date, progress, linked notes and tags: what the
//! `/omni-momentum/goals` routes accept and answer.

mod entity;
mod input;

pub use crate::entities::productivity::{GoalStatus, GoalType};
pub use entity::{Goal, GoalDetails, GoalTag};
pub use input::{CreateGoal, GoalListQuery, MAX_GOAL_LINKS, UpdateGoal};
