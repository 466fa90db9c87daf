//! The states of a session and of a pooled connection.

use std::fmt;

/// Where a [`Session`](crate::Session) is in its life.
///
/// ```text
/// NotStarted --start / first statement--> Active --commit--> Committed
///                                           |  |  \--rollback--> RolledBack
///                                           |  \--prepare(gid)--> Prepared
///                                           |  \--COMMIT sent, no reply--> CommitUnknown
///                                           \--a statement fails--> Failed --rollback--> RolledBack
///                                                 Failed --rollback_to(savepoint)--> Active
/// Committed / RolledBack / Prepared / CommitUnknown --next statement--> Active (a new transaction)
/// any --close--> Closed
/// ```
///
/// Savepoints live inside `Active`: a statement that fails within one
/// makes the session `Failed`, and rolling back to the savepoint makes it
/// `Active` again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SessionState {
    /// No connection held, no transaction open yet.
    NotStarted,
    /// A connection is held and its transaction is open.
    Active,
    /// A statement failed (or a write was cancelled mid-flight): the
    /// transaction can only be rolled back (or rolled back to a savepoint).
    Failed,
    /// The last transaction committed; the next statement opens a new one.
    Committed,
    /// The last transaction rolled back; the next statement opens a new one.
    RolledBack,
    /// The last transaction was prepared for two-phase commit
    /// ([`Session::prepare`](crate::Session::prepare)); it now waits on the
    /// server for `commit_prepared` or `rollback_prepared`. The next
    /// statement opens a new transaction.
    Prepared,
    /// `COMMIT` (or `PREPARE TRANSACTION`) was sent but its reply never came
    /// (the connection was lost, or the future awaiting it dropped): the
    /// transaction may have committed or not. The session holds no
    /// connection; the next statement opens a new transaction.
    CommitUnknown,
    /// Closed for good.
    Closed,
}

impl SessionState {
    /// Whether a transaction is open: `Active`, or `Failed` (open until it
    /// is rolled back).
    ///
    /// ```
    /// use orm_core::SessionState;
    /// assert!(SessionState::Failed.is_open());
    /// assert!(!SessionState::Committed.is_open());
    /// ```
    pub fn is_open(self) -> bool {
        matches!(self, SessionState::Active | SessionState::Failed)
    }
}

impl fmt::Display for SessionState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SessionState::NotStarted => "not started",
            SessionState::Active => "active",
            SessionState::Failed => "failed",
            SessionState::Committed => "committed",
            SessionState::RolledBack => "rolled back",
            SessionState::Prepared => "prepared",
            SessionState::CommitUnknown => "of unknown commit outcome",
            SessionState::Closed => "closed",
        })
    }
}

/// What a pooled connection's transaction state is known to be.
///
/// Backends return a connection to their pool as it is only when it is
/// `Idle`; otherwise they roll it back first, or close it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TxStatus {
    /// Outside any transaction.
    Idle,
    /// Inside a transaction (possibly a failed one).
    InTransaction,
    /// A transaction-control statement was interrupted: anything is possible.
    Unknown,
}
