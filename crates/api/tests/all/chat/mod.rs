//! `/api/v1/chat/threads`: the assistant chat.

mod actions;
mod messages;
mod redaction;
mod threads;
mod tools;
