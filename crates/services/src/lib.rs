//! OmniCRM's use cases. Services own transactions (through [`omnicrm_repo::Db`]) and
//! speak domain types; handlers call exactly one service function per request.

pub mod contacts;
pub mod health;
pub mod job_kinds;
pub mod jobs;
pub mod migrate;
pub mod notes;

use omnicrm_repo::Db;

pub use contacts::ContactsService;
pub use health::HealthService;
pub use jobs::JobsService;
pub use notes::NotesService;

/// Every service, built once at start and shared by all requests.
#[derive(Debug, Clone)]
pub struct Services {
    /// Contacts.
    pub contacts: ContactsService,
    /// Liveness and readiness.
    pub health: HealthService,
    /// Background jobs.
    pub jobs: JobsService,
    /// Notes about contacts.
    pub notes: NotesService,
}

impl Services {
    /// Composes the services over one database handle.
    pub fn new(db: Db) -> Self {
        Self {
            contacts: ContactsService::new(db.clone()),
            jobs: JobsService::new(db.clone()),
            notes: NotesService::new(db.clone()),
            health: HealthService::new(db),
        }
    }
}
