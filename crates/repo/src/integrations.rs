//! `user_integrations`: one row per user and connected service, holding the service's
//! OAuth tokens as the token vault sealed them (this module never sees plaintext).

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use omnicrm_domain::UserId;
use omnicrm_problem::AppError;
use time::OffsetDateTime;

use crate::error::RepoErrorExt;
use crate::schema::user_integrations;

/// A `user_integrations` row as stored (tokens sealed).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = user_integrations, check_for_backend(diesel::pg::Pg))]
pub struct IntegrationRow {
    /// Owner.
    pub user_id: uuid::Uuid,
    /// `google`.
    pub provider: String,
    /// `gmail`, `calendar`, ...
    pub service: String,
    /// Sealed access token.
    pub access_token: String,
    /// Sealed refresh token.
    pub refresh_token: Option<String>,
    /// When the access token expires.
    pub expiry_date: Option<OffsetDateTime>,
    /// `{email, scopes, ...}`.
    pub config: serde_json::Value,
    /// Connected at.
    pub created_at: OffsetDateTime,
    /// Last change.
    pub updated_at: OffsetDateTime,
}

/// What a connect or a refresh writes.
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = user_integrations)]
pub struct IntegrationTokens {
    /// Owner.
    pub user_id: uuid::Uuid,
    /// `google`.
    pub provider: String,
    /// `gmail`, `calendar`, ...
    pub service: String,
    /// Sealed access token.
    pub access_token: String,
    /// Sealed refresh token (`None` leaves a stored one alone on update).
    pub refresh_token: Option<String>,
    /// When the access token expires.
    pub expiry_date: Option<OffsetDateTime>,
    /// `{email, scopes, ...}`.
    pub config: serde_json::Value,
}

/// Reads and writes the user's integrations (inside the caller's tenant transaction).
#[derive(Debug, Clone, Copy, Default)]
pub struct IntegrationsRepository;

impl IntegrationsRepository {
    /// The row of `provider`/`service`, if connected.
    pub async fn find(
        conn: &mut AsyncPgConnection,
        user: UserId,
        provider: &str,
        service: &str,
    ) -> Result<Option<IntegrationRow>, AppError> {
        user_integrations::table
            .filter(user_integrations::user_id.eq(user))
            .filter(user_integrations::provider.eq(provider))
            .filter(user_integrations::service.eq(service))
            .select(IntegrationRow::as_select())
            .first(conn)
            .await
            .optional()
            .map_db_error()
    }

    /// Same as [`Self::find`], locking the row until the transaction ends (one refresh at
    /// a time per integration).
    pub async fn find_for_update(
        conn: &mut AsyncPgConnection,
        user: UserId,
        provider: &str,
        service: &str,
    ) -> Result<Option<IntegrationRow>, AppError> {
        user_integrations::table
            .filter(user_integrations::user_id.eq(user))
            .filter(user_integrations::provider.eq(provider))
            .filter(user_integrations::service.eq(service))
            .select(IntegrationRow::as_select())
            .for_update()
            .first(conn)
            .await
            .optional()
            .map_db_error()
    }

    /// Every integration of the user's, by provider and service.
    pub async fn list(
        conn: &mut AsyncPgConnection,
        user: UserId,
    ) -> Result<Vec<IntegrationRow>, AppError> {
        user_integrations::table
            .filter(user_integrations::user_id.eq(user))
            .order((user_integrations::provider, user_integrations::service))
            .select(IntegrationRow::as_select())
            .load(conn)
            .await
            .map_db_error()
    }

    /// Inserts the row or replaces its tokens and configuration (a reconnect). A `None`
    /// refresh token keeps the stored one: Google sends it only on the first consent.
    pub async fn upsert(
        conn: &mut AsyncPgConnection,
        tokens: &IntegrationTokens,
    ) -> Result<(), AppError> {
        diesel::insert_into(user_integrations::table)
            .values(tokens)
            .on_conflict((
                user_integrations::user_id,
                user_integrations::provider,
                user_integrations::service,
            ))
            .do_update()
            .set(tokens)
            .execute(conn)
            .await
            .map(|_| ())
            .map_db_error()
    }

    /// Replaces the sealed tokens of an existing row (a refresh or a re-seal); `false` if
    /// the row is gone.
    pub async fn update_tokens(
        conn: &mut AsyncPgConnection,
        user: UserId,
        provider: &str,
        service: &str,
        access_token: &str,
        refresh_token: Option<&str>,
        expiry_date: Option<OffsetDateTime>,
    ) -> Result<bool, AppError> {
        let target = user_integrations::table
            .filter(user_integrations::user_id.eq(user))
            .filter(user_integrations::provider.eq(provider))
            .filter(user_integrations::service.eq(service));
        diesel::update(target)
            .set((
                user_integrations::access_token.eq(access_token),
                refresh_token.map(|r| user_integrations::refresh_token.eq(r.to_owned())),
                user_integrations::expiry_date.eq(expiry_date),
            ))
            .execute(conn)
            .await
            .map(|n| n > 0)
            .map_db_error()
    }

    /// Deletes the row; `false` if there was none.
    pub async fn delete(
        conn: &mut AsyncPgConnection,
        user: UserId,
        provider: &str,
        service: &str,
    ) -> Result<bool, AppError> {
        let target = user_integrations::table
            .filter(user_integrations::user_id.eq(user))
            .filter(user_integrations::provider.eq(provider))
            .filter(user_integrations::service.eq(service));
        diesel::delete(target)
            .execute(conn)
            .await
            .map(|n| n > 0)
            .map_db_error()
    }
}

/// A pending OAuth connection (see the migration `google_oauth_states`).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::google_oauth_states, check_for_backend(diesel::pg::Pg))]
pub struct OAuthStateRow {
    /// Owner.
    pub user_id: uuid::Uuid,
    /// The id the signed `state` names.
    pub id: uuid::Uuid,
    /// `gmail` or `calendar`.
    pub service: String,
    /// Sealed PKCE verifier.
    pub code_verifier: String,
    /// After this the state is refused.
    pub expires_at: OffsetDateTime,
}

/// Pending OAuth connections kept per user (older ones stop working).
pub const MAX_PENDING_STATES: i64 = 10;

/// Pending OAuth connections.
#[derive(Debug, Clone, Copy, Default)]
pub struct OAuthStatesRepository;

impl OAuthStatesRepository {
    /// Records a pending connection, and drops the user's expired ones and all but the
    /// newest [`MAX_PENDING_STATES`]` - 1` on the way (a user clicking "connect" in a loop
    /// keeps at most that many rows).
    pub async fn insert(conn: &mut AsyncPgConnection, row: &OAuthStateRow) -> Result<(), AppError> {
        use crate::schema::google_oauth_states as s;
        // Raw SQL: diesel cannot delete from a table filtered by a subquery on itself.
        diesel::sql_query(
            "DELETE FROM google_oauth_states WHERE user_id = $1 AND id NOT IN ( \
                 SELECT id FROM google_oauth_states \
                 WHERE user_id = $1 AND expires_at >= now() \
                 ORDER BY created_at DESC, id DESC LIMIT $2)",
        )
        .bind::<diesel::sql_types::Uuid, _>(row.user_id)
        .bind::<diesel::sql_types::BigInt, _>(MAX_PENDING_STATES - 1)
        .execute(conn)
        .await
        .map_db_error()?;
        diesel::insert_into(s::table)
            .values(row)
            .execute(conn)
            .await
            .map(|_| ())
            .map_db_error()
    }

    /// Deletes the pending connection `id` and returns it: a state can be used once.
    pub async fn take(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: uuid::Uuid,
    ) -> Result<Option<OAuthStateRow>, AppError> {
        use crate::schema::google_oauth_states as s;
        diesel::delete(s::table.filter(s::user_id.eq(user)).filter(s::id.eq(id)))
            .returning((
                s::user_id,
                s::id,
                s::service,
                s::code_verifier,
                s::expires_at,
            ))
            .get_result::<OAuthStateRow>(conn)
            .await
            .optional()
            .map_db_error()
    }
}

impl IntegrationsRepository {
    /// Merges `patch` into the row's `config` (top-level keys replaced).
    pub async fn merge_config(
        conn: &mut AsyncPgConnection,
        user: UserId,
        provider: &str,
        service: &str,
        patch: serde_json::Value,
    ) -> Result<bool, AppError> {
        use diesel::sql_types::Jsonb;
        let target = user_integrations::table
            .filter(user_integrations::user_id.eq(user))
            .filter(user_integrations::provider.eq(provider))
            .filter(user_integrations::service.eq(service));
        diesel::update(target)
            .set(
                user_integrations::config.eq(user_integrations::config
                    .concat(diesel::dsl::sql::<Jsonb>("").bind::<Jsonb, _>(patch))),
            )
            .execute(conn)
            .await
            .map(|n| n > 0)
            .map_db_error()
    }

    /// Deletes every integration of `provider` and every pending OAuth connection of the
    /// user; returns how many integrations there were.
    pub async fn delete_provider(
        conn: &mut AsyncPgConnection,
        user: UserId,
        provider: &str,
    ) -> Result<usize, AppError> {
        use crate::schema::google_oauth_states as s;
        diesel::delete(s::table.filter(s::user_id.eq(user)))
            .execute(conn)
            .await
            .map_db_error()?;
        diesel::delete(
            user_integrations::table
                .filter(user_integrations::user_id.eq(user))
                .filter(user_integrations::provider.eq(provider)),
        )
        .execute(conn)
        .await
        .map_db_error()
    }
}

/// An integration whose tokens are not sealed under the current key (ids only).
#[derive(Debug, Clone, PartialEq, Eq, diesel::QueryableByName)]
pub struct ResealCandidate {
    /// Owner.
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub user_id: uuid::Uuid,
    /// `gmail`, `calendar`, ...
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub service: String,
}

/// Across tenants (through the definer function `google_tokens_to_reseal`, which answers
/// ids, never tokens): up to `limit` Google integrations, after `after` in `(user, service)`
/// order, whose access or refresh token is not sealed as `v2:<current_key_id>:…`.
pub async fn google_tokens_to_reseal(
    conn: &mut AsyncPgConnection,
    current_key_id: &str,
    after: Option<&ResealCandidate>,
    limit: i32,
) -> Result<Vec<ResealCandidate>, AppError> {
    use diesel::sql_types::{Integer, Nullable, Text, Uuid as SqlUuid};
    diesel::sql_query("SELECT user_id, service FROM google_tokens_to_reseal($1, $2, $3, $4)")
        .bind::<Text, _>(current_key_id)
        .bind::<Nullable<SqlUuid>, _>(after.map(|a| a.user_id))
        .bind::<Nullable<Text>, _>(after.map(|a| a.service.clone()))
        .bind::<Integer, _>(limit)
        .load(conn)
        .await
        .map_db_error()
}
