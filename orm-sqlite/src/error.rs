//! From sqlx's errors to orm's [`Error`], classified by SQLite result code.
//!
//! SQLite names the violated constraint's `table.column` in its message
//! (`UNIQUE constraint failed: users.name`), which is parsed into the
//! [`Violation`].
//!
//! | SQLite result code | orm error |
//! |---|---|
//! | `SQLITE_CONSTRAINT_UNIQUE`, `_PRIMARYKEY` | [`Error::UniqueViolation`] |
//! | `SQLITE_CONSTRAINT_NOTNULL` | [`Error::NotNullViolation`] |
//! | `SQLITE_CONSTRAINT_FOREIGNKEY` | [`Error::ForeignKeyViolation`] |
//! | `SQLITE_CONSTRAINT_CHECK` | [`Error::CheckViolation`] |
//! | `SQLITE_BUSY_SNAPSHOT` (517) | [`Error::SerializationFailure`]: retry the transaction |
//! | `SQLITE_BUSY` and its other extended codes, after the busy timeout | [`Error::Busy`] |
//! | `SQLITE_READONLY` (a read-only transaction's write) | [`Error::ReadOnlyTransaction`] |
//! | the worker thread gone | [`Error::ConnectionLost`] |
//! | anything else | [`Error::Database`] with the extended code |

use orm_core::{Error, Violation};

/// SQLite result codes orm classifies, as named constants.
///
/// Extended codes (the low byte is the primary code) come from
/// <https://www.sqlite.org/rescode.html>.
pub mod codes {
    /// `SQLITE_ERROR`: a generic error (also "no transaction is active").
    pub const ERROR: i32 = 1;
    /// `SQLITE_BUSY`: the database file is locked by another connection.
    pub const BUSY: i32 = 5;
    /// `SQLITE_LOCKED`: a table is locked (shared cache, or this connection).
    pub const LOCKED: i32 = 6;
    /// `SQLITE_READONLY`: a write refused (`PRAGMA query_only`, a read-only file).
    pub const READONLY: i32 = 8;
    /// `SQLITE_CANTOPEN`: the database file could not be opened.
    pub const CANTOPEN: i32 = 14;
    /// `SQLITE_BUSY_SNAPSHOT`: a read transaction tried to write, but
    /// another connection wrote since its snapshot was taken.
    pub const BUSY_SNAPSHOT: i32 = 517;
    /// `SQLITE_CONSTRAINT_CHECK`
    pub const CONSTRAINT_CHECK: i32 = 275;
    /// `SQLITE_CONSTRAINT_FOREIGNKEY`
    pub const CONSTRAINT_FOREIGNKEY: i32 = 787;
    /// `SQLITE_CONSTRAINT_NOTNULL`
    pub const CONSTRAINT_NOTNULL: i32 = 1299;
    /// `SQLITE_CONSTRAINT_PRIMARYKEY`
    pub const CONSTRAINT_PRIMARYKEY: i32 = 1555;
    /// `SQLITE_CONSTRAINT_UNIQUE`
    pub const CONSTRAINT_UNIQUE: i32 = 2067;
    /// `SQLITE_CONSTRAINT_TRIGGER`: also a foreign key's `RESTRICT` action.
    pub const CONSTRAINT_TRIGGER: i32 = 1811;

    /// The primary result code of an extended one.
    pub const fn primary(code: i32) -> i32 {
        code & 0xff
    }
}

/// The `code` of an [`Error::Database`] that did not come from SQLite
/// itself but from the driver (an argument that failed to encode, say).
pub const DRIVER_ERROR: &str = "driver";

/// The message SQLite gives a `ROLLBACK` with no transaction open.
const NO_TRANSACTION_ACTIVE: &str = "no transaction is active";

/// True when `error` is SQLite refusing a `ROLLBACK` because no transaction
/// is open.
pub(crate) fn is_no_transaction_error(error: &Error) -> bool {
    match error {
        Error::Database { code, message, .. } => {
            *code == codes::ERROR.to_string() && message.contains(NO_TRANSACTION_ACTIVE)
        }
        _ => false,
    }
}

/// Converts a sqlx error from running a statement.
pub(crate) fn from_sqlx(error: sqlx::Error) -> Error {
    match error {
        sqlx::Error::Database(db) => {
            let code = db.code().and_then(|c| c.parse::<i32>().ok());
            let message = db.message().to_string();
            from_code(code, message, Box::new(sqlx::Error::Database(db)))
        }
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::PoolClosed => Error::ConnectionLost {
            source: Box::new(error),
        },
        other => Error::Database {
            code: DRIVER_ERROR.to_string(),
            message: other.to_string(),
            source: Some(Box::new(other)),
        },
    }
}

/// True when `error` is SQLite refusing a `ROLLBACK` because no transaction
/// is open, which leaves the connection exactly as a successful one would.
pub(crate) fn is_no_transaction(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Database(db) => {
            db.code().and_then(|c| c.parse::<i32>().ok()) == Some(codes::ERROR)
                && db.message().contains(NO_TRANSACTION_ACTIVE)
        }
        _ => false,
    }
}

/// The driver's error, kept as the source of orm's.
pub(crate) type Source = Box<dyn std::error::Error + Send + Sync>;

/// Classifies a database error by its extended result code, whichever
/// driver (sqlx, rusqlite) reported it.
pub(crate) fn from_code(code: Option<i32>, message: String, source: Source) -> Error {
    let Some(code) = code else {
        return Error::Database {
            code: DRIVER_ERROR.to_string(),
            message,
            source: Some(source),
        };
    };
    match code {
        codes::CONSTRAINT_UNIQUE | codes::CONSTRAINT_PRIMARYKEY => {
            Error::UniqueViolation(columns_violation(message))
        }
        codes::CONSTRAINT_NOTNULL => Error::NotNullViolation(columns_violation(message)),
        codes::CONSTRAINT_FOREIGNKEY => Error::ForeignKeyViolation(Violation {
            message,
            ..Violation::default()
        }),
        codes::CONSTRAINT_CHECK => Error::CheckViolation(check_violation(message)),
        // `ON DELETE RESTRICT` fails with the trigger code and this message.
        codes::CONSTRAINT_TRIGGER if message.starts_with("FOREIGN KEY constraint failed") => {
            Error::ForeignKeyViolation(Violation {
                message,
                ..Violation::default()
            })
        }
        // The snapshot is stale: the transaction must start over.
        codes::BUSY_SNAPSHOT => Error::SerializationFailure { message },
        // Locked by another connection for the whole busy timeout.
        code if codes::primary(code) == codes::BUSY => Error::Busy { message },
        codes::READONLY => Error::ReadOnlyTransaction { message },
        // LOCKED (a conflict within this process) and the rest stay
        // database errors carrying the code.
        _ => Error::Database {
            code: code.to_string(),
            message,
            source: Some(source),
        },
    }
}

/// The part of a constraint message after `constraint failed: `.
fn detail(message: &str) -> Option<&str> {
    message
        .split_once("constraint failed: ")
        .map(|(_, rest)| rest.trim())
        .filter(|rest| !rest.is_empty())
}

/// Parses `UNIQUE constraint failed: users.name` (or, for a composite key,
/// `users.a, users.b`) into the table and the column(s).
fn columns_violation(message: String) -> Violation {
    let mut table = None;
    let mut columns = Vec::new();
    for item in detail(&message).into_iter().flat_map(|d| d.split(", ")) {
        match item.split_once('.') {
            Some((t, c)) => {
                table.get_or_insert_with(|| t.to_string());
                columns.push(c);
            }
            None => columns.push(item),
        }
    }
    let column = (!columns.is_empty()).then(|| columns.join(", "));
    Violation {
        table,
        column,
        constraint: None,
        message,
    }
}

/// Parses `CHECK constraint failed: name`: SQLite names the constraint (or,
/// for an unnamed one, gives its expression).
fn check_violation(message: String) -> Violation {
    let constraint = detail(&message).map(str::to_string);
    Violation {
        table: None,
        column: None,
        constraint,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_names_table_and_column() {
        let v = columns_violation("UNIQUE constraint failed: users.name".into());
        assert_eq!(v.table.as_deref(), Some("users"));
        assert_eq!(v.column.as_deref(), Some("name"));
        assert_eq!(v.constraint, None);
        assert_eq!(v.message, "UNIQUE constraint failed: users.name");
    }

    #[test]
    fn composite_unique_names_every_column() {
        let v = columns_violation("UNIQUE constraint failed: pairs.a, pairs.b".into());
        assert_eq!(v.table.as_deref(), Some("pairs"));
        assert_eq!(v.column.as_deref(), Some("a, b"));
    }

    #[test]
    fn not_null_names_table_and_column() {
        let v = columns_violation("NOT NULL constraint failed: users.email".into());
        assert_eq!(v.table.as_deref(), Some("users"));
        assert_eq!(v.column.as_deref(), Some("email"));
    }

    #[test]
    fn check_names_the_constraint() {
        let v = check_violation("CHECK constraint failed: karma_positive".into());
        assert_eq!(v.constraint.as_deref(), Some("karma_positive"));
        assert_eq!(v.table, None);
    }

    #[test]
    fn a_message_without_details_keeps_only_the_message() {
        let v = columns_violation("constraint failed".into());
        assert_eq!(v.table, None);
        assert_eq!(v.column, None);
        assert_eq!(v.message, "constraint failed");
    }

    #[test]
    fn transport_errors_are_connection_lost() {
        assert!(matches!(
            from_sqlx(sqlx::Error::WorkerCrashed),
            Error::ConnectionLost { .. }
        ));
    }

    #[test]
    fn primary_codes() {
        assert_eq!(codes::primary(codes::CONSTRAINT_UNIQUE), 19);
        assert_eq!(codes::primary(517), codes::BUSY);
    }
}
