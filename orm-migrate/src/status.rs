//! What a run reports: the status of each migration, progress events, and
//! the outcome of `up` and `down`.

use std::time::Duration;

/// Where a migration stands in the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// Applied, and unchanged since.
    Applied,
    /// Not applied yet.
    Pending,
    /// Applied, but changed since (its checksum differs): `up` and `down`
    /// refuse to run until it is restored.
    Changed,
    /// Recorded as applied, but not among the migrations.
    Missing,
}

impl State {
    /// A word for listings: `applied`, `pending`, `CHANGED`, `MISSING`.
    pub fn label(self) -> &'static str {
        match self {
            State::Applied => "applied",
            State::Pending => "pending",
            State::Changed => "CHANGED",
            State::Missing => "MISSING",
        }
    }

    /// True for the states that stop `up` and `down`.
    pub fn is_problem(self) -> bool {
        matches!(self, State::Changed | State::Missing)
    }
}

/// One line of `status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationStatus {
    /// The version.
    pub version: i64,
    /// The name (as recorded, for a missing migration).
    pub name: String,
    /// Where it stands.
    pub state: State,
    /// When it was applied, as the database prints the time.
    pub applied_at: Option<String>,
    /// `"sql"` or `"rust"` (`None` for a missing migration).
    pub kind: Option<&'static str>,
    /// True when it has a down step.
    pub reversible: bool,
}

/// What the runner is doing, for progress reports on long runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Progress<'a> {
    /// A migration is about to run up.
    Applying {
        /// Its version.
        version: i64,
        /// Its name.
        name: &'a str,
    },
    /// A migration ran up and was recorded.
    Applied {
        /// Its version.
        version: i64,
        /// Its name.
        name: &'a str,
        /// How long it took.
        elapsed: Duration,
    },
    /// A migration is about to run down.
    Reverting {
        /// Its version.
        version: i64,
        /// Its name.
        name: &'a str,
    },
    /// A migration ran down and its record was removed.
    Reverted {
        /// Its version.
        version: i64,
        /// Its name.
        name: &'a str,
        /// How long it took.
        elapsed: Duration,
    },
    /// Another runner applied (or reverted) this migration while this one
    /// waited for the lock.
    Skipped {
        /// Its version.
        version: i64,
        /// Its name.
        name: &'a str,
    },
}

/// The outcome of `up` or `down`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Versions this run applied, in order.
    pub applied: Vec<i64>,
    /// Versions this run reverted, in order.
    pub reverted: Vec<i64>,
    /// Versions another runner applied or reverted first.
    pub skipped: Vec<i64>,
}

impl Report {
    /// True when the run changed nothing.
    pub fn is_empty(&self) -> bool {
        self.applied.is_empty() && self.reverted.is_empty()
    }
}
