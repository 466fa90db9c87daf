//! From rusqlite's errors to orm's [`Error`], through the classification by
//! extended result code that the sqlx executor uses too
//! (`crate::error::from_code`).

use orm_core::Error;

use crate::error::{from_code, DRIVER_ERROR};

/// Converts a rusqlite error from opening a connection or running a statement.
pub(crate) fn from_rusqlite(error: rusqlite::Error) -> Error {
    match &error {
        rusqlite::Error::SqliteFailure(failure, message) => {
            let message = message.clone().unwrap_or_else(|| failure.to_string());
            from_code(Some(failure.extended_code), message, Box::new(error))
        }
        rusqlite::Error::InvalidParameterCount(given, expected) => Error::InvalidBind {
            parameter: 0,
            reason: format!("{given} values bound to a statement of {expected} parameters"),
        },
        _ => Error::Database {
            code: DRIVER_ERROR.to_string(),
            message: error.to_string(),
            source: Some(Box::new(error)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constraint_failures_are_classified_by_extended_code() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (x INTEGER UNIQUE NOT NULL); INSERT INTO t VALUES (1)")
            .unwrap();
        let unique = conn.execute_batch("INSERT INTO t VALUES (1)").unwrap_err();
        match from_rusqlite(unique) {
            Error::UniqueViolation(v) => {
                assert_eq!(v.table.as_deref(), Some("t"));
                assert_eq!(v.column.as_deref(), Some("x"));
            }
            other => panic!("{other:?}"),
        }
        let not_null = conn
            .execute_batch("INSERT INTO t VALUES (NULL)")
            .unwrap_err();
        assert!(matches!(
            from_rusqlite(not_null),
            Error::NotNullViolation(_)
        ));
    }
}
