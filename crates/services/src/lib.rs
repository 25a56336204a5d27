//! OmniCRM's use cases. Services own transactions (through [`omnicrm_repo::Db`]) and
//! speak domain types; handlers call exactly one service function per request.

pub mod ai;
pub mod consents;
pub mod contacts;
pub mod cursor;
pub mod documents;
pub mod files;
pub mod goals;
pub mod google;
pub mod habits;
pub mod health;
pub mod heavy;
pub mod idempotency;
pub mod identifier_normalization;
pub mod identities;
pub mod image_decodes;
pub mod insights;
pub mod job_kinds;
pub mod jobs;
mod local_day;
pub mod migrate;
pub mod notes;
pub mod onboarding;
pub mod onboarding_tokens;
pub mod phone;
pub mod pulse;
pub mod rate_limit;
pub mod row_versions;
pub mod search;
pub mod semantic;
pub mod tags;
pub mod tasks;
pub mod timeline;
pub mod user_data;
pub mod user_profile;

use std::sync::Arc;

pub use omnicrm_integrations as integrations;
use omnicrm_integrations::google::Google;
use omnicrm_integrations::{BlobStore, UrlSigner};
use omnicrm_repo::Db;

pub use consents::ConsentsService;
pub use contacts::ContactsService;
pub use files::FilesService;
pub use goals::GoalsService;
pub use habits::HabitsService;
pub use health::HealthService;
pub use heavy::{HeavyLimiter, HeavyPermit};
pub use identities::IdentitiesService;
pub use jobs::JobsService;
pub use notes::NotesService;
pub use onboarding::OnboardingService;
pub use phone::PhoneRegion;
pub use pulse::PulseService;
pub use rate_limit::{RateLimitDecision, RateLimitPolicy, RateLimiter};
pub use search::SearchService;
pub use tags::TagsService;
pub use tasks::TasksService;
pub use timeline::TimelineService;
pub use user_data::UserDataService;
pub use user_profile::UserProfileService;

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
    /// Tags and tagging.
    pub tags: TagsService,
    /// Habits, completions, streaks and analytics.
    pub habits: HabitsService,
    /// The daily pulse and its analytics.
    pub pulse: PulseService,
    /// OmniMomentum zones, projects, tasks and stats.
    pub tasks: TasksService,
    /// Practitioner and client goals.
    pub goals: GoalsService,
    /// The user's own profile.
    pub profiles: UserProfileService,
    /// Export and erasure of a user's data.
    pub user_data: UserDataService,
    /// Storage and URL signing, for services that serve files.
    pub adapters: Adapters,
    /// Client files and photos.
    pub files: FilesService,
    /// Onboarding links and the public form.
    pub onboarding: OnboardingService,
    /// Client consents.
    pub consents: ConsentsService,
    /// The Postgres-backed limiter of public routes.
    pub rate_limits: RateLimiter,
    /// Contact identities and ignored identifiers.
    pub identities: IdentitiesService,
    /// The per-user concurrency limit of heavy routes (shared through Postgres).
    pub heavy: HeavyLimiter,
    /// Row versions behind `ETag`s.
    pub row_versions: row_versions::RowVersionsService,
    /// Google connections (OAuth, tokens, status).
    pub google: google::GoogleIntegrationService,
    /// Idempotency keys of creating POSTs.
    pub idempotency: idempotency::IdempotencyService,
    /// Global search.
    pub search: SearchService,
    /// Contacts' timelines (interactions and notes).
    pub timeline: TimelineService,
    /// The embedder and vector cache of semantic search (unavailable until
    /// [`Services::with_semantic`]).
    pub semantic: semantic::SemanticIndex,
    /// The AI provider behind the user's limits (not configured until [`Services::with_ai`]).
    pub ai: ai::AiService,
    /// The assistant chat.
    pub chat: ai::chat::ChatService,
    /// AI insights: reads, status changes and generation requests.
    pub insights: insights::InsightsService,
    /// Documents (`/data-intelligence/documents`).
    pub documents: documents::DocumentsService,
    /// The user's embedding state and backfills (`/data-intelligence/embeddings`).
    pub embeddings: semantic::EmbeddingsService,
    /// The handle the services were composed over.
    db: Db,
}

/// The adapters services reach the outside world through.
#[derive(Debug, Clone)]
pub struct Adapters {
    /// Stored files (photos, documents).
    pub store: Arc<dyn BlobStore>,
    /// Signs download URLs for stored files.
    pub signer: UrlSigner,
    /// Google's OAuth endpoints and APIs, with the token vault.
    pub google: Google,
    /// Signs OAuth `state` values.
    pub oauth_states: google::StateSigner,
}

/// Settings the services take from the configuration.
#[derive(Debug, Clone, Copy)]
pub struct ServiceSettings {
    /// Region of phone numbers written without a country code
    /// (`OMNICRM_DEFAULT_PHONE_REGION`, default `US`).
    pub default_phone_region: PhoneRegion,
    /// Lease of jobs run by the HTTP drains (`OMNICRM_JOB_LEASE`; `None`: the engine's
    /// default, 30 s).
    pub job_lease: Option<std::time::Duration>,
    /// Bytes of stored files per user (`OMNICRM_STORAGE_QUOTA_MB`, default 1024 MiB).
    pub storage_quota_bytes: u64,
    /// Heavy requests (uploads, exports, bulk operations) one user may run at once
    /// (`OMNICRM_HEAVY_CONCURRENCY`, default 3).
    pub heavy_concurrency: u32,
}

impl Default for ServiceSettings {
    fn default() -> Self {
        Self {
            default_phone_region: PhoneRegion::default(),
            job_lease: None,
            storage_quota_bytes: files::DEFAULT_STORAGE_QUOTA_MB * 1024 * 1024,
            heavy_concurrency: heavy::DEFAULT_HEAVY_CONCURRENCY,
        }
    }
}

impl Services {
    /// The same services with semantic search over `semantic`: search, the embedding jobs
    /// the HTTP drains run, and erasure (which drops the user's cached vectors); `db` is the
    /// handle the services were composed over.
    #[must_use]
    pub fn with_semantic(mut self, db: Db, semantic: semantic::SemanticIndex) -> Self {
        self.embeddings = semantic::EmbeddingsService::new(db.clone(), semantic.clone());
        self.search = SearchService::new(db, semantic.clone());
        self.jobs = self.jobs.with_semantic(semantic.clone());
        self.user_data = self
            .user_data
            .with_erasure_step(Arc::new(semantic::VectorCacheStep::new(&semantic)));
        self.semantic = semantic;
        self
    }

    /// Composes the services over one database handle, the adapters and the settings.
    pub fn new(db: Db, adapters: Adapters, settings: ServiceSettings) -> Self {
        Self {
            contacts: ContactsService::new(
                db.clone(),
                settings.default_phone_region,
                files::PhotoUrls::new(adapters.signer.clone()),
                files::ObjectRemover::new(Arc::clone(&adapters.store)),
            ),
            identities: IdentitiesService::new(db.clone(), settings.default_phone_region),
            onboarding: OnboardingService::new(
                db.clone(),
                adapters.store.clone(),
                settings.default_phone_region,
            )
            .with_storage_quota(settings.storage_quota_bytes),
            consents: ConsentsService::new(db.clone()),
            rate_limits: RateLimiter::new(db.clone()),
            jobs: JobsService::new(
                db.clone(),
                settings
                    .job_lease
                    .unwrap_or_else(|| omnicrm_jobs::RunnerConfig::default().lease),
                Arc::clone(&adapters.store),
                adapters.google.clone(),
            ),
            heavy: HeavyLimiter::new(db.clone(), settings.heavy_concurrency),
            notes: NotesService::new(db.clone()),
            tags: TagsService::new(db.clone()),
            habits: HabitsService::new(db.clone()),
            pulse: PulseService::new(db.clone()),
            tasks: TasksService::new(db.clone()),
            goals: GoalsService::new(db.clone()),
            profiles: UserProfileService::new(db.clone()),
            files: FilesService::new(db.clone(), &adapters)
                .with_storage_quota(settings.storage_quota_bytes),
            user_data: UserDataService::new(db.clone(), &adapters).with_erasure_step(Arc::new(
                google::GoogleGrantsStep::new(db.clone(), adapters.google.clone()),
            )),
            row_versions: row_versions::RowVersionsService::new(db.clone()),
            idempotency: idempotency::IdempotencyService::new(db.clone()),
            google: google::GoogleIntegrationService::new(
                db.clone(),
                adapters.google.clone(),
                adapters.oauth_states.clone(),
            ),
            timeline: TimelineService::new(db.clone()),
            search: SearchService::new(db.clone(), semantic::SemanticIndex::unavailable()),
            semantic: semantic::SemanticIndex::unavailable(),
            ai: ai::AiService::new(db.clone(), None, ai::AiLimits::default()),
            chat: ai::chat::ChatService::new(
                db.clone(),
                ai::AiService::new(db.clone(), None, ai::AiLimits::default()),
                None,
            ),
            insights: insights::InsightsService::new(db.clone()),
            documents: documents::DocumentsService::new(db.clone()),
            embeddings: semantic::EmbeddingsService::new(
                db.clone(),
                semantic::SemanticIndex::unavailable(),
            ),
            health: HealthService::new(db.clone()),
            adapters,
            db,
        }
        .with_ai(None, ai::AiLimits::default())
    }
}

impl Services {
    /// The database handle the services were composed over (an HTTP worker opens its own
    /// pool on it: [`Db::open_thread_pool`]).
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Puts the AI provider (`None`: not configured, the AI routes answer 503) and the
    /// users' limits behind the AI services.
    #[must_use]
    pub fn with_ai(
        mut self,
        client: Option<omnicrm_integrations::ai::AiClient>,
        limits: ai::AiLimits,
    ) -> Self {
        let db = self.ai.db.clone();
        self.ai = ai::AiService::new(db.clone(), client, limits);
        self.jobs = self.jobs.with_ai(self.ai.clone());
        self.chat = ai::chat::ChatService::new(
            db.clone(),
            self.ai.clone(),
            Some(ai::Tools {
                db,
                search: self.search.clone(),
                contacts: self.contacts.clone(),
                notes: self.notes.clone(),
                tasks: self.tasks.clone(),
                habits: self.habits.clone(),
                consents: self.consents.clone(),
            }),
        );
        self
    }
}
