//! What database failures mean to a client. Callers state the meaning of a unique
//! violation where it has one (`.conflict_on_unique(..)`); everything else is generic.

use diesel::result::{DatabaseErrorKind, Error as DieselError};
use omnicrm_problem::AppError;

/// The generic mapping: missing row → 404, lost connection → 503, a deadlock or
/// serialization failure → 503 [`AppError::contention`], anything else → 500.
pub fn map_diesel_error(err: DieselError) -> AppError {
    match err {
        DieselError::NotFound => AppError::not_found(),
        DieselError::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => {
            AppError::contention(err)
        }
        // diesel has no kind for SQLSTATE 40P01, so this reads PostgreSQL's message, which
        // is English unless the server's lc_messages says otherwise (README, "Failures of
        // the database").
        DieselError::DatabaseError(_, ref info) if info.message() == "deadlock detected" => {
            AppError::contention(err)
        }
        DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, _)
        | DieselError::BrokenTransactionManager => AppError::unavailable(err),
        DieselError::DatabaseError(_, ref info) if is_unavailable_message(info.message()) => {
            AppError::unavailable(err)
        }
        other => AppError::internal(other),
    }
}

fn is_unavailable_message(message: &str) -> bool {
    // Statement timeouts and cancelled queries mean the database is overloaded or cut off.
    message.contains("statement timeout")
        || message.contains("canceling statement")
        || message.contains("connection")
}

/// Extension for call sites that know what a constraint violation means.
pub trait RepoErrorExt<T> {
    /// Maps with the generic [`map_diesel_error`] (no constraint has a meaning here).
    fn map_db_error(self) -> Result<T, AppError>;
    /// A unique violation becomes 409 `conflict` with `detail`.
    fn conflict_on_unique(self, detail: &str) -> Result<T, AppError>;
}

impl<T> RepoErrorExt<T> for Result<T, DieselError> {
    fn map_db_error(self) -> Result<T, AppError> {
        self.map_err(map_diesel_error)
    }

    fn conflict_on_unique(self, detail: &str) -> Result<T, AppError> {
        self.map_err(|err| match err {
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                AppError::conflict(detail)
            }
            other => map_diesel_error(other),
        })
    }
}
