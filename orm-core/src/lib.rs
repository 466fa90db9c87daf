//! The dialect-neutral core of [orm](https://docs.rs/orm): models, values,
//! typed expressions, query trees, the [`Dialect`] that compiles them, the
//! [`Backend`] contract that drivers fulfil, and the [`Session`] state
//! machine. It knows no driver and no runtime.
//!
//! Applications use the `orm` crate, which re-exports this one with
//! `#[derive(Table)]` and the PostgreSQL and SQLite backends.
//!
//! # Behavior
//!
//! A [`Session`] holds at most one pooled connection and one transaction.
//! Whatever happens to it — a dropped session, a future dropped at any await
//! point, a panic, a lost connection — no connection goes back to the pool
//! inside a transaction or with a statement in flight, and nothing
//! uncommitted is ever committed.
//!
//! **Cancellation.** Every future of a session may be dropped at any await
//! point:
//!
//! | future dropped | the transaction | the session |
//! |---|---|---|
//! | `start` / the first statement's `BEGIN` | none yet, or rolled back before the connection is reused | as before |
//! | a read (a query, a stream halfway) | untouched | as before |
//! | a write | it may or may not have run | [`SessionState::Failed`]: only a rollback, or a rollback to a savepoint, is allowed |
//! | [`commit`](Session::commit) | committed or rolled back, never left open | [`SessionState::CommitUnknown`] |
//! | [`rollback`](Session::rollback) | rolled back | [`SessionState::RolledBack`] |
//! | a [`Nested`] guard's scope | its savepoint is rolled back before the session's next operation | as before |
//! | the whole session | rolled back by its backend before the connection is reused, or the connection closed | gone |
//!
//! A statement handed to the database is not stopped by dropping its
//! future: it runs to its end, and the connection waits for it before anyone
//! else uses it.
//!
//! **Failures.** A statement that fails leaves the session `Failed`, and
//! `commit` then rolls back and says so. A lost connection is reported once,
//! as [`Error::ConnectionLost`]; the session never reconnects silently
//! inside a transaction. A pooled connection found dead at `BEGIN` is
//! replaced, since no work of the transaction exists yet. A connection lost
//! after `COMMIT` was sent is [`Error::CommitOutcomeUnknown`], never
//! reported as a rollback. [`Database::transaction`] rolls back on `Err`
//! and on a panic, closing the connection in the second case;
//! [`Database::transaction_with`] retries serialization failures and
//! deadlocks as its [`RetryPolicy`] allows.
//!
//! **The pool.** A connection's transaction state is tracked as
//! transaction-control statements complete ([`TxStatus`]), so checking a
//! connection out and giving it back costs no round trip; a connection in
//! a transaction, or in an unknown state, is rolled back (or closed) by its
//! backend first. Raw SQL that controls the transaction is refused by a
//! session and marks a directly leased connection's state unknown.

#![warn(missing_docs, rust_2018_idioms)]
#![forbid(unsafe_code)]

pub mod array;
pub mod blobs;
pub mod constraint;
#[cfg(feature = "documents")]
pub mod documents;
pub mod enums;
pub mod error;
pub mod expr;
pub mod inspect;
#[cfg(feature = "json")]
pub mod json;
pub mod pool;
pub mod query;
pub mod record;
pub mod relation;
pub mod row;
pub mod session;
pub mod sql;
pub mod table;
pub mod types;
pub mod value;

pub use array::{Array, ArrayElement};
pub use enums::{EnumMeta, SqlEnum};
pub use error::{Error, Result, Violation};
pub use expr::{
    avg, count, count_all, count_distinct, exists, max, min, sum, BinOp, Column, Expr, Includes,
    IntoExpr, Node, Order, SubSelect,
};
#[cfg(feature = "json")]
pub use json::Json;
pub use query::{
    many, Cursor, Delete, Direction, Eager, Insert, JoinSelect, Many, Raw, ResultColumn, Select,
    Shaped, Truncate, Update,
};
pub use record::{ColumnIndex, Record};
pub use relation::{BelongsTo, HasMany};
pub use row::{column_index, FromRow, Row};
pub use session::{
    AdvisoryKey, AdvisoryLock, AdvisoryScope, Backend, ConnectOptions, Connection, CopyFormat,
    CopySource, Database, IsolationLevel, ListenEvent, Listener, LockMode, Nested, Notification,
    PoolStatus, PreparedTransaction, RetryPolicy, Scheme, Session, SessionState, SettingScope,
    StatementLog, TruncateOptions, TxOptions, TxStatus,
};
pub use sql::Dialect;
pub use table::{
    CheckMeta, ColumnMeta, DefaultValue, ForeignKeyMeta, IndexMeta, PrimaryKey, ReferentialAction,
    Table, TableMeta, UniqueMeta,
};
pub use types::{NotNull, Numeric, SqlValue, Text};
pub use value::{SqlType, Value, ValueRef};
