//! [`MigrateError`]: what can stop a migration run, each naming the file,
//! version or migration concerned.

use std::path::PathBuf;

/// A `Result` whose error is [`MigrateError`].
pub type Result<T, E = MigrateError> = std::result::Result<T, E>;

/// Everything that can stop a migration run.
///
/// Errors about the migrations themselves (a malformed file, a gap, a
/// changed checksum, a missing down migration) are found before anything
/// is applied. A migration that fails is rolled back whole and reported as
/// [`MigrateError::Failed`]; the migrations applied before it in the same
/// run stay applied, each having committed on its own.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MigrateError {
    /// A migrations directory or file could not be read or written.
    #[error("cannot {action} `{}`: {source}", path.display())]
    Io {
        /// What was being done (`read`, `create`, ...).
        action: &'static str,
        /// The path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A migration file's name does not start with its version.
    #[error("migration file `{file}` has no version: name it `<version>_<name>.sql`, e.g. `0001_create_users.sql`")]
    MissingVersion {
        /// The file.
        file: String,
    },
    /// A migration file could not be read as a migration.
    #[error("malformed migration `{file}`{}: {reason}", line.map(|l| format!(" at line {l}")).unwrap_or_default())]
    Malformed {
        /// The file (or `<version>_<name>` for a migration not from a file).
        file: String,
        /// The line, when one is at fault.
        line: Option<usize>,
        /// What is wrong and how to write it.
        reason: String,
    },
    /// Two migrations have the same version.
    #[error("two migrations have version {version}: `{first}` and `{second}`")]
    DuplicateVersion {
        /// The version.
        version: i64,
        /// The first migration (file or name).
        first: String,
        /// The second.
        second: String,
    },
    /// The versions do not run 1, 2, 3, ... without a hole.
    #[error("no migration {missing}: {}", match after { Some(a) => format!("versions jump from {a} to {}", missing + 1), None => "versions must start at 1".to_string() })]
    Gap {
        /// The version that is missing.
        missing: i64,
        /// The version before the hole, if any.
        after: Option<i64>,
    },
    /// A version asked for (`up --to`, `down --to`) is not among the migrations.
    #[error("there is no migration {version} (the migrations go from 1 to {last})")]
    UnknownVersion {
        /// The version asked for.
        version: i64,
        /// The last version there is (0 with none).
        last: i64,
    },
    /// The database records a migration that is not among the migrations.
    #[error("migration {version} ({name}) is applied in the database but is not among the migrations: restore it, or remove its record from the migrations table")]
    AppliedMissing {
        /// The version recorded.
        version: i64,
        /// The name recorded.
        name: String,
    },
    /// A migration is not applied while a later one is.
    #[error("migration {version} ({name}) is not applied, but migration {applied} is: the migrations table was edited; apply it by hand or restore its record")]
    OutOfOrder {
        /// The version not applied.
        version: i64,
        /// Its name.
        name: String,
        /// A later version that is applied.
        applied: i64,
    },
    /// An applied migration has changed since it was applied.
    #[error("migration {version} ({name}) has changed since it was applied (checksum {recorded}, now {current}): restore it, and put the change in a new migration")]
    ChecksumMismatch {
        /// The version.
        version: i64,
        /// The migration's name.
        name: String,
        /// The checksum recorded when it was applied.
        recorded: String,
        /// The checksum of the migration as it is now.
        current: String,
    },
    /// A migration to revert has no down migration.
    #[error("migration {version} ({name}) cannot be reverted: it has no down migration")]
    NoDown {
        /// The version.
        version: i64,
        /// The migration's name.
        name: String,
    },
    /// A migration failed; its transaction was rolled back and it is not
    /// recorded as applied (or, for a down migration, stays recorded).
    #[error("migration {version} ({name}) failed and was rolled back: {source}")]
    Failed {
        /// The version.
        version: i64,
        /// The migration's name.
        name: String,
        /// Why.
        #[source]
        source: Box<orm_core::Error>,
    },
    /// The database could not be reached or refused the runner's own
    /// statements.
    #[error(transparent)]
    Database(Box<orm_core::Error>),
}

impl From<orm_core::Error> for MigrateError {
    fn from(error: orm_core::Error) -> Self {
        MigrateError::Database(Box::new(error))
    }
}

impl MigrateError {
    /// True for errors in the migrations or in what was asked (a bad file, a
    /// gap, a changed or missing migration, an unknown version, a missing
    /// down migration), as opposed to a migration that failed or a database
    /// that could not be used. Nothing was applied.
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            MigrateError::MissingVersion { .. }
                | MigrateError::Malformed { .. }
                | MigrateError::DuplicateVersion { .. }
                | MigrateError::Gap { .. }
                | MigrateError::UnknownVersion { .. }
                | MigrateError::AppliedMissing { .. }
                | MigrateError::OutOfOrder { .. }
                | MigrateError::ChecksumMismatch { .. }
                | MigrateError::NoDown { .. }
        )
    }
}

/// Lets `?` turn a migration error into an `orm::Error` (the database's own
/// errors come back as they were; others as [`orm_core::Error::Migration`]).
impl From<MigrateError> for orm_core::Error {
    fn from(error: MigrateError) -> Self {
        match error {
            MigrateError::Database(e) => *e,
            other => orm_core::Error::Migration(Box::new(other)),
        }
    }
}
