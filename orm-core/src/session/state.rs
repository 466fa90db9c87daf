//! The states of a session and of a pooled connection.

use std::fmt;

/// Where a [`Session`](crate::Session) is in its life.
///
/// ```text
/// NotStarted --start / first statement--> Active --commit--> Committed
///                                           |   \--rollback--> RolledBack
///                                           \--a statement fails--> Failed --rollback--> RolledBack
/// Committed / RolledBack --next statement--> Active (a new transaction)
/// any --close--> Closed
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SessionState {
    /// No connection held, no transaction open yet.
    NotStarted,
    /// A connection is held and its transaction is open.
    Active,
    /// A statement failed (or a write was cancelled mid-flight): the
    /// transaction can only be rolled back.
    Failed,
    /// The last transaction committed; the next statement opens a new one.
    Committed,
    /// The last transaction rolled back; the next statement opens a new one.
    RolledBack,
    /// Closed for good.
    Closed,
}

impl fmt::Display for SessionState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SessionState::NotStarted => "not started",
            SessionState::Active => "active",
            SessionState::Failed => "failed",
            SessionState::Committed => "committed",
            SessionState::RolledBack => "rolled back",
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
