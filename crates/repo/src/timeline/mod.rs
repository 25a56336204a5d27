//! The contact timeline's data: normalisation of Google raw events into interactions, and
//! the reads of interactions and raw events.

pub mod contact_timeline;
pub mod interactions;
pub mod normalise;
pub mod raw_events;
