//! From tokio-postgres and deadpool errors to [`orm_core::Error`].
//!
//! | driver error | orm error |
//! |---|---|
//! | SQLSTATE 23505 | [`Error::UniqueViolation`] |
//! | SQLSTATE 23503 | [`Error::ForeignKeyViolation`] |
//! | SQLSTATE 23502 | [`Error::NotNullViolation`] |
//! | SQLSTATE 23514 | [`Error::CheckViolation`] |
//! | SQLSTATE 40001 | [`Error::SerializationFailure`] |
//! | SQLSTATE 40P01 | [`Error::Deadlock`] |
//! | SQLSTATE 57014 (statement_timeout, a cancel request) | [`Error::QueryCanceled`] |
//! | SQLSTATE 25006 | [`Error::ReadOnlyTransaction`] |
//! | SQLSTATE 55P03 (lock_timeout, NOWAIT) | [`Error::Busy`] |
//! | a FATAL error ending a working session: 57P01 admin_shutdown (`pg_terminate_backend`, a shutdown), class 08, idle timeouts | [`Error::ConnectionLost`] |
//! | any other server error | [`Error::Database`] with its SQLSTATE |
//! | closed connection, I/O error, connect timeout | [`Error::ConnectionLost`] |
//! | a bind of the wrong type, a NUL byte in text | [`Error::InvalidBind`] (see [`crate::bind`]) |
//! | more than 65,535 binds | [`Error::TooManyBinds`] |
//! | no reply within `query_timeout` | [`Error::Timeout`] |
//! | the connection lost or timed out after `COMMIT` was sent | [`Error::CommitOutcomeUnknown`] |
//! | waiting too long for a pooled connection | [`Error::PoolTimeout`] |

use orm_core::error::{sqlstate, BoxError};
use orm_core::{Error, Violation};
use tokio_postgres::error::Severity;

use crate::bind::BindMismatch;

/// SQLSTATE codes this backend reports besides those orm-core names.
pub(crate) mod local_sqlstate {
    /// feature_not_supported, as in "cached plan must not change result type".
    pub(crate) const FEATURE_NOT_SUPPORTED: &str = "0A000";
    /// invalid_sql_statement_name: a prepared statement no longer exists.
    pub(crate) const INVALID_SQL_STATEMENT_NAME: &str = "26000";
    /// internal_error: a driver failure with no better classification.
    pub(crate) const INTERNAL_ERROR: &str = "XX000";
}

/// Maps a tokio-postgres error.
pub(crate) fn map(error: tokio_postgres::Error) -> Error {
    if let Some(db) = error.as_db_error() {
        let code = db.code().code().to_string();
        let violation = Violation {
            table: db.table().map(str::to_string),
            column: db.column().map(str::to_string),
            constraint: db.constraint().map(str::to_string),
            message: db.message().to_string(),
        };
        if ends_session(&error) && ends_connection(&code) {
            // The server ended an established session (pg_terminate_backend,
            // a shutdown, an idle timeout): the connection is gone.
            return Error::ConnectionLost {
                source: Box::new(error),
            };
        }
        return map_db(code, violation, error);
    }
    if let Some(mismatch) =
        std::error::Error::source(&error).and_then(|s| s.downcast_ref::<BindMismatch>())
    {
        return Error::InvalidBind {
            parameter: 0,
            reason: mismatch.to_string(),
        };
    }
    if is_connection_level(&error) {
        return Error::ConnectionLost {
            source: Box::new(Lost(error)),
        };
    }
    Error::Database {
        code: local_sqlstate::INTERNAL_ERROR.to_string(),
        message: error.to_string(),
        source: Some(Box::new(error)),
    }
}

fn map_db(code: String, violation: Violation, error: tokio_postgres::Error) -> Error {
    match code.as_str() {
        sqlstate::UNIQUE_VIOLATION => Error::UniqueViolation(violation),
        sqlstate::FOREIGN_KEY_VIOLATION => Error::ForeignKeyViolation(violation),
        sqlstate::NOT_NULL_VIOLATION => Error::NotNullViolation(violation),
        sqlstate::CHECK_VIOLATION => Error::CheckViolation(violation),
        sqlstate::SERIALIZATION_FAILURE => Error::SerializationFailure {
            message: violation.message,
        },
        sqlstate::DEADLOCK_DETECTED => Error::Deadlock {
            message: violation.message,
        },
        sqlstate::QUERY_CANCELED => Error::QueryCanceled {
            message: violation.message,
        },
        sqlstate::READ_ONLY_SQL_TRANSACTION => Error::ReadOnlyTransaction {
            message: violation.message,
        },
        sqlstate::LOCK_NOT_AVAILABLE => Error::Busy {
            message: violation.message,
        },
        _ => Error::Database {
            code,
            message: violation.message,
            source: Some(Box::new(error)),
        },
    }
}

/// A lost-connection error from tokio-postgres whose message carries its
/// causes ("error connecting to server: Connection refused (os error 111)"):
/// tokio-postgres's own message names only the step that failed.
#[derive(Debug)]
pub(crate) struct Lost(pub(crate) tokio_postgres::Error);

impl std::fmt::Display for Lost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut cause = std::error::Error::source(&self.0);
        while let Some(c) = cause {
            write!(f, ": {c}")?;
            cause = c.source();
        }
        Ok(())
    }
}

impl std::error::Error for Lost {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

/// True when `error` means the connection is gone or unusable: closed, an
/// I/O failure, a connect failure or timeout, or a protocol desync.
fn is_connection_level(error: &tokio_postgres::Error) -> bool {
    if error.is_closed() {
        return true;
    }
    if std::error::Error::source(error).is_some_and(|s| s.is::<std::io::Error>()) {
        return true;
    }
    // The remaining kinds are private to tokio-postgres; their messages are
    // stable and name what happened.
    let text = error.to_string();
    [
        "error communicating with the server",
        "error connecting to server",
        "timeout waiting for server",
        "unexpected message from server",
        "error parsing response from server",
        "error performing TLS handshake",
        "authentication error",
    ]
    .iter()
    .any(|m| text.starts_with(m))
}

/// True when the server sent `error` as FATAL or PANIC: it closes the
/// session after.
fn ends_session(error: &tokio_postgres::Error) -> bool {
    error.as_db_error().is_some_and(|db| {
        matches!(
            db.parsed_severity(),
            Some(Severity::Fatal) | Some(Severity::Panic)
        )
    })
}

/// SQLSTATEs of a server ending a working session: operator intervention
/// (57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now,
/// 57P05 idle_session_timeout), connection exceptions (class 08), and
/// 25P03 idle_in_transaction_session_timeout. A FATAL error with another
/// code (a missing database, a failed login) keeps its code.
fn ends_connection(code: &str) -> bool {
    code.starts_with("57P") || code.starts_with("08") || code == "25P03"
}

/// True when the connection that produced `error` must not be reused: the
/// connection is lost or timed out, or the server ended the session (any
/// FATAL error).
pub(crate) fn breaks_connection(error: &Error) -> bool {
    match error {
        Error::ConnectionLost { .. }
        | Error::Timeout { .. }
        | Error::CommitOutcomeUnknown { .. } => true,
        Error::Database {
            source: Some(source),
            ..
        } => source
            .downcast_ref::<tokio_postgres::Error>()
            .is_some_and(ends_session),
        _ => false,
    }
}

/// The SQLSTATE of a mapped error, when it came from the server.
pub(crate) fn code_of(error: &Error) -> Option<&str> {
    match error {
        Error::Database { code, .. } => Some(code),
        _ => None,
    }
}

/// A [`Error::ConnectionLost`] with a message of our own as its source.
pub(crate) fn connection_lost(message: impl Into<String>) -> Error {
    let source: BoxError = message.into().into();
    Error::ConnectionLost { source }
}
