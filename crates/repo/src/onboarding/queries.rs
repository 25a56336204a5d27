use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel::sql_types::{Bytea, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use omnicrm_domain::{OnboardingTokenId, PageRequest, UserId};
use omnicrm_problem::AppError;
use uuid::Uuid;

use super::row::{NewOnboardingTokenRow, NewUploadRow, OnboardingTokenRow, UploadRow};
use crate::error::RepoErrorExt;
use crate::schema::{onboarding_tokens, onboarding_uploads, user_profiles};

/// A token's tenant and id, as the public lookup reveals them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenRef {
    /// The practitioner owning the token.
    pub user: UserId,
    /// The token's id.
    pub token_id: OnboardingTokenId,
}

/// Counters the public page moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenCounter {
    /// `access_count` (and `last_accessed_at`).
    Access,
    /// `form_started_count`.
    FormStarted,
}

/// A token's uploads waiting for a submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PendingUploads {
    /// From every visitor.
    pub total: i64,
    /// From the visitor asked about.
    pub visitor: i64,
}

#[derive(QueryableByName)]
struct PendingCountRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    total: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    visitor: i64,
}

#[derive(QueryableByName)]
struct LookupRow {
    #[diesel(sql_type = SqlUuid)]
    user_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    token_id: Uuid,
}

/// Queries over `onboarding_tokens` and `onboarding_uploads`, plus the contact and
/// client-file writes of a submission. Tenant queries also filter `user_id` explicitly.
#[derive(Debug, Clone, Copy, Default)]
pub struct OnboardingRepository;

impl OnboardingRepository {
    /// Maps `sha256(token)` to its tenant and id through the `SECURITY DEFINER` function
    /// `onboarding_token_lookup` (works without a tenant scope; reveals nothing else).
    pub async fn lookup(
        conn: &mut AsyncPgConnection,
        token_hash: &[u8],
    ) -> Result<Option<TokenRef>, AppError> {
        let found: Option<LookupRow> =
            diesel::sql_query("SELECT user_id, token_id FROM onboarding_token_lookup($1)")
                .bind::<Bytea, _>(token_hash)
                .get_result(conn)
                .await
                .optional()
                .map_db_error()?;
        Ok(found.map(|r| TokenRef {
            user: r.user_id.into(),
            token_id: r.token_id.into(),
        }))
    }

    /// Inserts a token.
    pub async fn insert_token(
        conn: &mut AsyncPgConnection,
        row: &NewOnboardingTokenRow,
    ) -> Result<OnboardingTokenRow, AppError> {
        diesel::insert_into(onboarding_tokens::table)
            .values(row)
            .returning(OnboardingTokenRow::as_returning())
            .get_result(conn)
            .await
            .map_db_error()
    }

    /// A page of the user's tokens, newest first.
    pub async fn list_tokens(
        conn: &mut AsyncPgConnection,
        user: UserId,
        page: PageRequest,
    ) -> Result<Vec<OnboardingTokenRow>, AppError> {
        onboarding_tokens::table
            .filter(onboarding_tokens::user_id.eq(user))
            .order((
                onboarding_tokens::created_at.desc(),
                onboarding_tokens::id.desc(),
            ))
            .select(OnboardingTokenRow::as_select())
            .limit(page.limit())
            .offset(page.offset())
            .load(conn)
            .await
            .map_db_error()
    }

    /// How many tokens the user has.
    pub async fn count_tokens(conn: &mut AsyncPgConnection, user: UserId) -> Result<u64, AppError> {
        let total: i64 = onboarding_tokens::table
            .filter(onboarding_tokens::user_id.eq(user))
            .select(count_star())
            .get_result(conn)
            .await
            .map_db_error()?;
        Ok(u64::try_from(total).unwrap_or(0))
    }

    /// One token, or 404.
    pub async fn find_token(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: OnboardingTokenId,
    ) -> Result<OnboardingTokenRow, AppError> {
        Self::by_id(user, id)
            .select(OnboardingTokenRow::as_select())
            .first(conn)
            .await
            .map_db_error()
    }

    /// One token, locked (`FOR UPDATE`) until the transaction ends, or 404. Concurrent
    /// submissions of one token queue here and each sees its predecessor's `used_count`.
    pub async fn lock_token(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: OnboardingTokenId,
    ) -> Result<OnboardingTokenRow, AppError> {
        Self::by_id(user, id)
            .select(OnboardingTokenRow::as_select())
            .for_update()
            .first(conn)
            .await
            .map_db_error()
    }

    /// Disables a token (idempotent); 404 when absent.
    pub async fn disable_token(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: OnboardingTokenId,
    ) -> Result<OnboardingTokenRow, AppError> {
        diesel::update(onboarding_tokens::table)
            .filter(onboarding_tokens::user_id.eq(user))
            .filter(onboarding_tokens::id.eq(id))
            .set(onboarding_tokens::disabled.eq(true))
            .returning(OnboardingTokenRow::as_returning())
            .get_result(conn)
            .await
            .map_db_error()
    }

    /// Deletes a token (its pending uploads cascade); 404 when absent.
    pub async fn delete_token(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: OnboardingTokenId,
    ) -> Result<(), AppError> {
        let deleted = diesel::delete(onboarding_tokens::table)
            .filter(onboarding_tokens::user_id.eq(user))
            .filter(onboarding_tokens::id.eq(id))
            .execute(conn)
            .await
            .map_db_error()?;
        if deleted == 0 {
            return Err(AppError::not_found());
        }
        Ok(())
    }

    /// Counts a submission: `used_count + 1`, `submission_count + 1`. The table's CHECK
    /// (`used_count <= max_uses`) backs the caller's locked re-check.
    pub async fn record_submission(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: OnboardingTokenId,
    ) -> Result<(), AppError> {
        diesel::update(onboarding_tokens::table)
            .filter(onboarding_tokens::user_id.eq(user))
            .filter(onboarding_tokens::id.eq(id))
            .set((
                onboarding_tokens::used_count.eq(onboarding_tokens::used_count + 1),
                onboarding_tokens::submission_count.eq(onboarding_tokens::submission_count + 1),
            ))
            .execute(conn)
            .await
            .map(drop)
            .map_db_error()
    }

    /// Moves one of the public page's counters.
    pub async fn bump_counter(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: OnboardingTokenId,
        counter: TokenCounter,
    ) -> Result<(), AppError> {
        let target = diesel::update(onboarding_tokens::table)
            .filter(onboarding_tokens::user_id.eq(user))
            .filter(onboarding_tokens::id.eq(id));
        let result = match counter {
            TokenCounter::Access => {
                target
                    .set((
                        onboarding_tokens::access_count.eq(onboarding_tokens::access_count + 1),
                        onboarding_tokens::last_accessed_at.eq(diesel::dsl::now),
                    ))
                    .execute(conn)
                    .await
            }
            TokenCounter::FormStarted => {
                target
                    .set(
                        onboarding_tokens::form_started_count
                            .eq(onboarding_tokens::form_started_count + 1),
                    )
                    .execute(conn)
                    .await
            }
        };
        result.map(drop).map_db_error()
    }

    /// The practitioner's preferred name and organisation, if they have a profile.
    pub async fn practitioner(
        conn: &mut AsyncPgConnection,
        user: UserId,
    ) -> Result<Option<(Option<String>, Option<String>)>, AppError> {
        user_profiles::table
            .filter(user_profiles::user_id.eq(user))
            .select((
                user_profiles::preferred_name,
                user_profiles::organization_name,
            ))
            .first(conn)
            .await
            .optional()
            .map_db_error()
    }

    /// Uploads of a token not yet attached by a submission: all of them, and those of
    /// one `visitor`, counted in one statement.
    pub async fn count_pending_uploads(
        conn: &mut AsyncPgConnection,
        user: UserId,
        token: OnboardingTokenId,
        visitor: &str,
    ) -> Result<PendingUploads, AppError> {
        let counted: PendingCountRow = diesel::sql_query(
            "SELECT count(*) AS total, count(*) FILTER (WHERE visitor = $3) AS visitor \
             FROM onboarding_uploads WHERE user_id = $1 AND token_id = $2",
        )
        .bind::<SqlUuid, _>(user)
        .bind::<SqlUuid, _>(token)
        .bind::<diesel::sql_types::Text, _>(visitor)
        .get_result(conn)
        .await
        .map_db_error()?;
        Ok(PendingUploads {
            total: counted.total,
            visitor: counted.visitor,
        })
    }

    /// Records an upload.
    pub async fn insert_upload(
        conn: &mut AsyncPgConnection,
        row: &NewUploadRow,
    ) -> Result<UploadRow, AppError> {
        diesel::insert_into(onboarding_uploads::table)
            .values(row)
            .returning(UploadRow::as_returning())
            .get_result(conn)
            .await
            .map_db_error()
    }

    /// Consumes the upload of `key` made with `token` (`DELETE .. RETURNING`); `None` when
    /// there is none (another token's, already attached, or made up).
    pub async fn take_upload(
        conn: &mut AsyncPgConnection,
        user: UserId,
        token: OnboardingTokenId,
        key: &str,
    ) -> Result<Option<UploadRow>, AppError> {
        diesel::delete(onboarding_uploads::table)
            .filter(onboarding_uploads::user_id.eq(user))
            .filter(onboarding_uploads::token_id.eq(token))
            .filter(onboarding_uploads::object_key.eq(key))
            .returning(UploadRow::as_returning())
            .get_result(conn)
            .await
            .optional()
            .map_db_error()
    }

    /// Storage keys of a token's pending uploads.
    pub async fn pending_upload_keys(
        conn: &mut AsyncPgConnection,
        user: UserId,
        token: OnboardingTokenId,
    ) -> Result<Vec<String>, AppError> {
        onboarding_uploads::table
            .filter(onboarding_uploads::user_id.eq(user))
            .filter(onboarding_uploads::token_id.eq(token))
            .select(onboarding_uploads::object_key)
            .load(conn)
            .await
            .map_db_error()
    }

    fn by_id(
        user: UserId,
        id: OnboardingTokenId,
    ) -> diesel::dsl::Filter<
        diesel::dsl::Filter<
            onboarding_tokens::table,
            diesel::dsl::Eq<onboarding_tokens::user_id, UserId>,
        >,
        diesel::dsl::Eq<onboarding_tokens::id, OnboardingTokenId>,
    > {
        onboarding_tokens::table
            .filter(onboarding_tokens::user_id.eq(user))
            .filter(onboarding_tokens::id.eq(id))
    }
}
