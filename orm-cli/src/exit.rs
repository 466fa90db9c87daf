//! Exit codes scripts can rely on, and the error that carries one.

use std::fmt;

use orm::migrate::MigrateError;

/// Done, or nothing to do.
pub const OK: u8 = 0;
/// A migration failed; it was rolled back and is not recorded.
pub const MIGRATION_FAILED: u8 = 1;
/// Wrong usage (clap's own code for bad arguments).
pub const USAGE: u8 = 2;
/// Bad migrations or a bad request; nothing was applied.
pub const BAD_INPUT: u8 = 3;
/// The database could not be used.
pub const DATABASE: u8 = 4;
/// `--check` found pending migrations or differences.
pub const CHECK_FAILED: u8 = 5;

/// A command's failure: its message and exit code.
#[derive(Debug)]
pub struct Failure {
    /// The exit code.
    pub code: u8,
    /// What to print.
    pub message: String,
}

impl Failure {
    /// A failure with `code`.
    pub fn new(code: u8, message: impl Into<String>) -> Self {
        Failure {
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<MigrateError> for Failure {
    fn from(error: MigrateError) -> Self {
        let code = match &error {
            MigrateError::Failed { .. } => MIGRATION_FAILED,
            e if e.is_bad_input() => BAD_INPUT,
            MigrateError::Io { .. } => BAD_INPUT,
            _ => DATABASE,
        };
        let message = error.to_string();
        Failure::new(code, message)
    }
}

impl From<orm::Error> for Failure {
    fn from(error: orm::Error) -> Self {
        match error {
            orm::Error::Migration(inner) => match inner.downcast::<MigrateError>() {
                Ok(e) => Failure::from(*e),
                Err(other) => Failure::new(DATABASE, other.to_string()),
            },
            other => Failure::new(DATABASE, other.to_string()),
        }
    }
}
