//! OmniCRM's use cases. Services own transactions (through [`omnicrm_repo::Db`]) and
//! speak domain types; handlers call exactly one service function per request.

pub mod contacts;
pub mod health;
pub mod identifiers;
pub mod identities;
pub mod job_kinds;
pub mod jobs;
pub mod migrate;
pub mod phone;

use omnicrm_repo::Db;

pub use contacts::ContactsService;
pub use health::HealthService;
pub use identities::IdentitiesService;
pub use jobs::JobsService;
pub use phone::PhoneRegion;

/// Every service, built once at start and shared by all requests.
#[derive(Debug, Clone)]
pub struct Services {
    /// Contacts.
    pub contacts: ContactsService,
    /// Liveness and readiness.
    pub health: HealthService,
    /// Background jobs.
    pub jobs: JobsService,
    /// Contact identities and ignored identifiers.
    pub identities: IdentitiesService,
}

/// Settings the services take from the configuration.
#[derive(Debug, Clone, Copy, Default)]
pub struct ServiceSettings {
    /// Region of phone numbers written without a country code
    /// (`OMNICRM_DEFAULT_PHONE_REGION`, default `US`).
    pub default_phone_region: PhoneRegion,
}

impl Services {
    /// Composes the services over one database handle with default settings.
    pub fn new(db: Db) -> Self {
        Self::with_settings(db, ServiceSettings::default())
    }

    /// Composes the services over one database handle.
    pub fn with_settings(db: Db, settings: ServiceSettings) -> Self {
        Self {
            contacts: ContactsService::new(db.clone(), settings.default_phone_region),
            identities: IdentitiesService::new(db.clone(), settings.default_phone_region),
            jobs: JobsService::new(db.clone()),
            health: HealthService::new(db),
        }
    }
}
