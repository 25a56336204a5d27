//! The contact timeline: Google normalisation into interactions.

mod hostile;
mod normalise;
