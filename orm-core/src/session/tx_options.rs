//! [`TxOptions`]: how a transaction begins — isolation, access mode, SQLite
//! lock mode — and the [`RetryPolicy`] of `Database::transaction_with`.

use super::RetryPolicy;

/// The isolation level of a transaction.
///
/// PostgreSQL implements each as named. SQLite transactions are always
/// serializable, which satisfies every level (a level is a floor, not a
/// ceiling: PostgreSQL itself runs READ UNCOMMITTED as READ COMMITTED).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IsolationLevel {
    /// Each statement sees what was committed before it began.
    ReadCommitted,
    /// Every statement sees the snapshot taken at the transaction's first statement.
    RepeatableRead,
    /// The transaction behaves as if it ran alone; conflicts fail with
    /// [`Error::SerializationFailure`](crate::Error::SerializationFailure), to be retried.
    Serializable,
}

impl IsolationLevel {
    /// The SQL spelling (`"SERIALIZABLE"`, ...).
    pub fn as_sql(self) -> &'static str {
        match self {
            IsolationLevel::ReadCommitted => "READ COMMITTED",
            IsolationLevel::RepeatableRead => "REPEATABLE READ",
            IsolationLevel::Serializable => "SERIALIZABLE",
        }
    }
}

/// How a SQLite transaction takes the database's write lock.
///
/// PostgreSQL locks rows as statements touch them and ignores this.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LockMode {
    /// `BEGIN DEFERRED`: no lock until the first read, no write lock until
    /// the first write. A transaction that reads and then writes may find,
    /// at its first write, that another connection wrote meanwhile:
    /// [`Error::SerializationFailure`](crate::Error::SerializationFailure) (`SQLITE_BUSY_SNAPSHOT`).
    Deferred,
    /// `BEGIN IMMEDIATE`: take the write lock now, waiting up to the busy
    /// timeout for other writers. Writing transactions cannot then conflict.
    Immediate,
    /// `BEGIN EXCLUSIVE`: like `Immediate` (in WAL mode), and in rollback
    /// journal mode readers are kept out too.
    Exclusive,
}

impl LockMode {
    /// The SQL keyword (`"IMMEDIATE"`, ...).
    pub fn as_sql(self) -> &'static str {
        match self {
            LockMode::Deferred => "DEFERRED",
            LockMode::Immediate => "IMMEDIATE",
            LockMode::Exclusive => "EXCLUSIVE",
        }
    }
}

/// How a session's transactions begin.
///
/// The default is the database's default isolation, read-write, and, on
/// SQLite, a lock mode chosen by the transaction's first statement:
/// `BEGIN IMMEDIATE` when it writes, `BEGIN DEFERRED` when it reads.
///
/// ```
/// use orm_core::{IsolationLevel, LockMode, RetryPolicy, TxOptions};
///
/// let o = TxOptions::serializable().read_only().deferrable();
/// assert_eq!(o.isolation, Some(IsolationLevel::Serializable));
/// assert!(o.read_only && o.deferrable);
///
/// let o = TxOptions::new().lock(LockMode::Immediate).retry(RetryPolicy::default());
/// assert_eq!(o.lock, Some(LockMode::Immediate));
/// assert_eq!(o.retry.unwrap().max_attempts, 10);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TxOptions {
    /// The isolation level; `None` keeps the database's default (READ
    /// COMMITTED on PostgreSQL).
    pub isolation: Option<IsolationLevel>,
    /// Refuse writes: any write fails with
    /// [`Error::ReadOnlyTransaction`](crate::Error::ReadOnlyTransaction).
    /// PostgreSQL: `READ ONLY`; SQLite: `PRAGMA query_only` for the
    /// transaction's duration.
    pub read_only: bool,
    /// PostgreSQL's `DEFERRABLE`: a serializable read-only transaction
    /// waits for a snapshot that cannot conflict, then runs without
    /// serialization failures. Ignored elsewhere.
    pub deferrable: bool,
    /// The SQLite lock mode; `None` lets the first statement choose.
    pub lock: Option<LockMode>,
    /// How [`Database::transaction_with`](crate::Database::transaction_with)
    /// retries serialization failures and deadlocks; `None`: it does not.
    /// Sessions ignore it.
    pub retry: Option<RetryPolicy>,
}

impl TxOptions {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Serializable isolation.
    pub fn serializable() -> Self {
        Self::new().isolation(IsolationLevel::Serializable)
    }

    /// Sets the isolation level.
    pub fn isolation(mut self, level: IsolationLevel) -> Self {
        self.isolation = Some(level);
        self
    }

    /// Makes the transaction read-only.
    pub fn read_only(mut self) -> Self {
        self.read_only = true;
        self
    }

    /// Makes the transaction deferrable (PostgreSQL).
    pub fn deferrable(mut self) -> Self {
        self.deferrable = true;
        self
    }

    /// Sets the SQLite lock mode.
    pub fn lock(mut self, mode: LockMode) -> Self {
        self.lock = Some(mode);
        self
    }

    /// `BEGIN IMMEDIATE` on SQLite, whatever the first statement.
    pub fn immediate(self) -> Self {
        self.lock(LockMode::Immediate)
    }

    /// Sets the retry policy of `Database::transaction_with`.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// These options for a transaction whose first statement writes (or
    /// not): on SQLite, a write first means `BEGIN IMMEDIATE` unless a lock
    /// mode was chosen.
    pub(crate) fn for_first_statement(mut self, writes: bool) -> Self {
        if self.lock.is_none() && writes && !self.read_only {
            self.lock = Some(LockMode::Immediate);
        }
        self
    }
}

impl From<RetryPolicy> for TxOptions {
    /// Default options that retry as `policy` says.
    fn from(policy: RetryPolicy) -> Self {
        TxOptions::new().retry(policy)
    }
}

impl From<IsolationLevel> for TxOptions {
    fn from(level: IsolationLevel) -> Self {
        TxOptions::new().isolation(level)
    }
}
