//! The one error type of orm, shared by every backend.

use std::fmt;
use std::time::Duration;

use crate::session::SessionState;

/// A boxed error from a driver, kept as the source of an [`Error`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// What a database said about a violated constraint.
///
/// PostgreSQL names the table, column and constraint in its error fields;
/// SQLite names `table.column` in its message, which the SQLite backend parses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Violation {
    /// The table the constraint belongs to, when the database names it.
    pub table: Option<String>,
    /// The column concerned, when the database names one.
    pub column: Option<String>,
    /// The constraint's name, when the database names it.
    pub constraint: Option<String>,
    /// The database's own message.
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(t) = &self.table {
            write!(f, " on table `{t}`")?;
        }
        if let Some(c) = &self.column {
            write!(f, " column `{c}`")?;
        }
        if let Some(c) = &self.constraint {
            write!(f, " (constraint `{c}`)")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Everything that can go wrong, classified so a program can act on it.
///
/// The same situation yields the same variant on PostgreSQL and on SQLite.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A query that must return a row returned none.
    #[error("no row found in `{table}`")]
    NotFound {
        /// The table queried (or `"query"` for raw SQL).
        table: String,
    },
    /// A query that must return exactly one row returned more.
    #[error("more than one row found in `{table}` where one was expected")]
    MultipleRowsFound {
        /// The table queried.
        table: String,
    },
    /// A UNIQUE or PRIMARY KEY constraint was violated.
    #[error("unique violation{0}")]
    UniqueViolation(Violation),
    /// A FOREIGN KEY constraint was violated.
    #[error("foreign key violation{0}")]
    ForeignKeyViolation(Violation),
    /// NULL was written into a NOT NULL column.
    #[error("not null violation{0}")]
    NotNullViolation(Violation),
    /// A CHECK constraint was violated.
    #[error("check violation{0}")]
    CheckViolation(Violation),
    /// The transaction could not be serialized (SQLSTATE 40001); retrying it may succeed.
    #[error("serialization failure: {message}")]
    SerializationFailure {
        /// The database's message.
        message: String,
    },
    /// The transaction was chosen as a deadlock victim (SQLSTATE 40P01); retrying it may succeed.
    #[error("deadlock detected: {message}")]
    Deadlock {
        /// The database's message.
        message: String,
    },
    /// The connection to the database was lost or could not be made.
    #[error("connection lost: {source}")]
    ConnectionLost {
        /// The driver's error.
        #[source]
        source: BoxError,
    },
    /// The server cancelled the statement (SQLSTATE 57014): `statement_timeout`
    /// expired, or a cancel request arrived. The transaction it ran in is
    /// failed; the connection itself is still good.
    #[error("query canceled: {message}")]
    QueryCanceled {
        /// The database's message.
        message: String,
    },
    /// No reply came within the configured `query_timeout`. The connection
    /// was closed (the server then rolls back its transaction) and is not
    /// reused.
    #[error("no reply to {operation} within {timeout:?}: the connection was closed")]
    Timeout {
        /// What was waiting (`"a statement"`, `"COMMIT"`, ...).
        operation: &'static str,
        /// The configured limit.
        timeout: Duration,
    },
    /// The connection was lost (or timed out) after `COMMIT` was sent and
    /// before its reply came: the transaction may have committed or not.
    /// Never reported as a rollback; check the data, or make the work
    /// idempotent, before retrying.
    #[error("the outcome of COMMIT is unknown: {source}")]
    CommitOutcomeUnknown {
        /// What interrupted the commit.
        #[source]
        source: BoxError,
    },
    /// The database stayed locked by another connection for the whole busy
    /// timeout (SQLite `SQLITE_BUSY`), or a lock could not be had within
    /// `lock_timeout` or with `NOWAIT` (PostgreSQL SQLSTATE 55P03).
    #[error("database is busy: {message}")]
    Busy {
        /// The database's message.
        message: String,
    },
    /// A write in a read-only transaction (PostgreSQL SQLSTATE 25006, SQLite
    /// `SQLITE_READONLY`).
    #[error("cannot write in a read-only transaction: {message}")]
    ReadOnlyTransaction {
        /// The database's message.
        message: String,
    },
    /// A statement carries more bind parameters than the backend allows.
    /// Nothing was sent.
    #[error("{count} bind parameters, but the backend allows at most {max} in one statement")]
    TooManyBinds {
        /// How many values were bound.
        count: usize,
        /// The backend's limit.
        max: usize,
    },
    /// A bound value cannot be sent as it is: the wrong type for its
    /// parameter, a NUL byte in text for PostgreSQL, the wrong number of
    /// values. Nothing was sent; the connection is still usable.
    #[error("cannot bind parameter ${parameter}: {reason}")]
    InvalidBind {
        /// The parameter's position (1-based; 0 when the number of values is wrong).
        parameter: usize,
        /// What is wrong.
        reason: String,
    },
    /// A savepoint name that is not open in this session's transaction.
    #[error("no savepoint named `{name}` is open in this transaction")]
    UnknownSavepoint {
        /// The name asked for.
        name: String,
    },
    /// No pooled connection became free within the acquire timeout.
    #[error("timed out after {timeout:?} waiting for a pooled connection")]
    PoolTimeout {
        /// The configured acquire timeout.
        timeout: Duration,
    },
    /// An operation was attempted in a session state that does not allow it.
    #[error("cannot {operation} in a session that is {state}{}", hint_text(.hint))]
    InvalidState {
        /// The state the session was in.
        state: SessionState,
        /// What was attempted.
        operation: &'static str,
        /// What to do instead.
        hint: &'static str,
    },
    /// A column's value could not be decoded into the Rust type asked for.
    #[error("cannot decode column `{column}`: expected {expected}, found {found}")]
    Decode {
        /// The column's name.
        column: String,
        /// The Rust type asked for.
        expected: &'static str,
        /// What the database held (its type, or NULL).
        found: String,
    },
    /// A row was asked for a column it does not have (by name or by index).
    #[error("no column {column} in the row: its columns are {columns}")]
    ColumnNotFound {
        /// The column asked for: `` `name` `` or `#index`.
        column: String,
        /// The row's column names, comma-separated.
        columns: String,
    },
    /// A setting name or value refused before anything was sent.
    #[error("invalid setting `{name}`: {reason}")]
    InvalidSetting {
        /// The setting's name, as given.
        name: String,
        /// What is wrong, and what is accepted.
        reason: String,
    },
    /// A connection URL or option could not be used.
    #[error("invalid database URL `{url}`: {reason}")]
    InvalidUrl {
        /// The URL, with any password hidden.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A row helper (update, delete, merge) was given a row whose generated key is unset.
    #[error("the row's primary key in `{table}` is not set: insert it first (session.add) or set the key")]
    MissingPrimaryKey {
        /// The table.
        table: &'static str,
    },
    /// A query that cannot be run as built (for example an UPDATE with nothing to set).
    #[error("invalid query on `{table}`: {reason}")]
    InvalidQuery {
        /// The table.
        table: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A value or feature this backend does not support.
    #[error("not supported by {backend}: {what}")]
    Unsupported {
        /// The backend's name.
        backend: &'static str,
        /// What was asked for.
        what: String,
    },
    /// Any other error the database reported.
    #[error("database error {code}: {message}")]
    Database {
        /// The SQLSTATE (PostgreSQL) or extended result code (SQLite).
        code: String,
        /// The database's message.
        message: String,
        /// The driver's error.
        #[source]
        source: Option<BoxError>,
    },
    /// A document that cannot be stored as given: not a JSON object, or
    /// refused by a document table's debug check before anything was sent.
    #[error("invalid document for `{table}`: {reason}")]
    InvalidDocument {
        /// The document table.
        table: String,
        /// The top-level key whose value was refused, when one was.
        key: Option<String>,
        /// What is wrong.
        reason: String,
    },
    /// Reading the data to store (the reader given to a blob file) or
    /// writing data out (the writer given to a COPY out) failed.
    #[error("I/O error while moving data between the program and the database: {source}")]
    Io {
        /// The reader's or writer's error.
        #[source]
        source: std::io::Error,
    },
    /// A server-side cursor was used after it was closed: by
    /// `Cursor::close`, or by the end (commit or rollback) of the
    /// transaction that declared it. Nothing was sent.
    #[error("cursor `{name}` is closed: {reason}")]
    CursorClosed {
        /// The cursor's generated name.
        name: String,
        /// Why it is closed.
        reason: &'static str,
    },
    /// A migration run stopped: the error is an `orm_migrate::MigrateError` (downcast it to match).
    #[error(transparent)]
    Migration(BoxError),
}

fn hint_text(hint: &str) -> String {
    if hint.is_empty() {
        String::new()
    } else {
        format!(": {hint}")
    }
}

impl Error {
    /// True for errors after which retrying the whole transaction may succeed
    /// (serialization failures and deadlocks).
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Error::SerializationFailure { .. } | Error::Deadlock { .. }
        )
    }

    /// The violation details, for constraint errors.
    pub fn violation(&self) -> Option<&Violation> {
        match self {
            Error::UniqueViolation(v)
            | Error::ForeignKeyViolation(v)
            | Error::NotNullViolation(v)
            | Error::CheckViolation(v) => Some(v),
            _ => None,
        }
    }
}

/// A `Result` whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// SQLSTATE codes orm classifies, as named constants.
pub mod sqlstate {
    /// unique_violation
    pub const UNIQUE_VIOLATION: &str = "23505";
    /// foreign_key_violation
    pub const FOREIGN_KEY_VIOLATION: &str = "23503";
    /// not_null_violation
    pub const NOT_NULL_VIOLATION: &str = "23502";
    /// check_violation
    pub const CHECK_VIOLATION: &str = "23514";
    /// serialization_failure
    pub const SERIALIZATION_FAILURE: &str = "40001";
    /// deadlock_detected
    pub const DEADLOCK_DETECTED: &str = "40P01";
    /// in_failed_sql_transaction
    pub const IN_FAILED_SQL_TRANSACTION: &str = "25P02";
    /// admin_shutdown (the server is going away)
    pub const ADMIN_SHUTDOWN: &str = "57P01";
    /// crash_shutdown
    pub const CRASH_SHUTDOWN: &str = "57P02";
    /// cannot_connect_now (the server is starting up or shutting down)
    pub const CANNOT_CONNECT_NOW: &str = "57P03";
    /// query_canceled (statement_timeout, a cancel request)
    pub const QUERY_CANCELED: &str = "57014";
    /// read_only_sql_transaction
    pub const READ_ONLY_SQL_TRANSACTION: &str = "25006";
    /// lock_not_available (lock_timeout, NOWAIT)
    pub const LOCK_NOT_AVAILABLE: &str = "55P03";
    /// object_not_in_prerequisite_state (as in "prepared transactions are disabled")
    pub const OBJECT_NOT_IN_PREREQUISITE_STATE: &str = "55000";
    /// undefined_object (as in an unknown prepared transaction)
    pub const UNDEFINED_OBJECT: &str = "42704";
    /// invalid_savepoint_specification
    pub const INVALID_SAVEPOINT_SPECIFICATION: &str = "3B001";
}

/// Hides the password of a URL for use in messages.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    match (authority.rfind('@'), authority.find(':')) {
        (Some(at), Some(colon)) if colon < at => format!(
            "{}{}:***{}",
            &url[..scheme_end + 3],
            &authority[..colon],
            &url[scheme_end + 3 + at..]
        ),
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_url_hides_the_password_only() {
        assert_eq!(
            redact_url("postgres://bob:secret@localhost/db"),
            "postgres://bob:***@localhost/db"
        );
        assert_eq!(
            redact_url("postgres://bob@localhost/db"),
            "postgres://bob@localhost/db"
        );
        assert_eq!(redact_url("sqlite::memory:"), "sqlite::memory:");
    }
}
