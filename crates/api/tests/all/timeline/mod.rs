//! The contact timeline: Google normalisation into interactions.

mod contact_timeline;
mod hostile;
mod interactions;
mod normalise;
mod raw_events;
