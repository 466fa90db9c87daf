//! An async ORM for PostgreSQL and SQLite.
//!
//! A model is a plain struct with `#[derive(Table)]`; a [`Session`] is a
//! window onto one pooled connection and its transaction; queries are typed
//! builders compiled by the backend's dialect to SQL with bound values.
//!
//! ```
//! use orm::prelude::*;
//!
//! #[derive(Table, Debug, Clone, PartialEq)]
//! #[table(name = "users")]
//! pub struct User {
//!     #[column(primary_key, auto)]
//!     pub id: i64,
//!     #[column(unique)]
//!     pub name: String,
//!     pub email: Option<String>,
//!     #[column(default = 0, index)]
//!     pub karma: i32,
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> orm::Result<()> {
//! let db = Database::connect("sqlite::memory:").await?;
//! db.create_tables(&[User::table()]).await?;
//!
//! let mut s = db.session();
//! let mut ann = User { id: 0, name: "ann".into(), email: None, karma: 3 };
//! s.add(&mut ann).await?;                       // INSERT .. RETURNING "id"
//! assert_eq!(ann.id, 1);
//!
//! let top: Vec<User> = s
//!     .select::<User>()
//!     .filter(User::karma.gt(1).and(User::email.is_null()))
//!     .order_by(User::name.desc())
//!     .limit(10)
//!     .all()
//!     .await?;
//! assert_eq!(top, vec![ann]);
//! s.commit().await?;
//! # Ok(()) }
//! ```
//!
//! # Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `postgres` | yes | the PostgreSQL backend (tokio-postgres, deadpool-postgres) |
//! | `sqlite` | yes | the SQLite backend (sqlx, bundled libsqlite3) |
//! | `rusqlite` | no | SQLite also on rusqlite, a thread per connection and one reply per statement: `sqlite://app.db?executor=rusqlite` |
//! | `chrono` | no | `NaiveDate`, `NaiveTime`, `NaiveDateTime`, `DateTime<Utc>` columns |
//! | `uuid` | no | `uuid::Uuid` columns |
//! | `json` | no | `serde_json::Value` columns, and any serde type with `#[column(json)]` or [`Json<T>`](Json) (brings serde) |
//! | `decimal` | no | `rust_decimal::Decimal` columns |
//! | `documents` | no | schemaless document tables (the `documents` module), values as `serde_json::Value` |
//!
//! Blob files ([`blobs`]: `session.create_blob()`, streamed in chunks) need no feature;
//! nor do arrays (`Vec<T>` columns, PostgreSQL) and Rust enums
//! (`#[derive(SqlEnum)]`). The guide's column types chapter lists every type
//! per backend.
//!
//! # Behavior
//!
//! * A session opens its transaction lazily, on its first statement (or on
//!   [`Session::start`](orm_core::Session::start)); after `commit` or
//!   `rollback` its connection goes back to the pool and the next statement
//!   opens a new transaction. Inside one, `s.transaction(async |s| ..)`,
//!   `s.nested()` and `s.savepoint(name)` nest transactions as savepoints.
//! * No connection goes back to the pool inside a transaction or with a
//!   statement in flight, and nothing uncommitted is ever committed,
//!   whatever happens:
//!   * **a dropped session** is rolled back before its connection is
//!     reused, or the connection is closed (outside a runtime, say);
//!   * **a dropped future** — at any await point — leaves a state that says
//!     what is known: a write whose future was dropped leaves the session
//!     [`SessionState::Failed`] (it may or may not have run, so it can only
//!     be rolled back); a dropped `commit` leaves it
//!     [`SessionState::CommitUnknown`] (committed or rolled back, never
//!     open); a dropped nested guard is rolled back to its savepoint. A
//!     statement already sent runs to its end on the server, and its
//!     connection is not reused before;
//!   * **a panic** inside [`Database::transaction`](orm_core::Database::transaction)
//!     rolls back and closes the connection before the panic continues;
//!   * **a lost connection** is one [`Error::ConnectionLost`], never a silent
//!     reconnect inside a transaction; a pooled connection found dead at
//!     `BEGIN` is replaced without an error; the pool heals by itself. A
//!     link lost after `COMMIT` was sent is [`Error::CommitOutcomeUnknown`].
//! * A failed statement leaves the session `Failed`: `commit` then rolls
//!   back, commits nothing and returns an error; `rollback` (or rolling back
//!   to a savepoint) makes it usable again.
//! * [`Database::transaction_with`](orm_core::Database::transaction_with)
//!   re-runs its closure on serialization failures and deadlocks, with
//!   bounded, jittered back-off ([`RetryPolicy`]).
//! * Checking a connection out of the pool and giving it back costs no round
//!   trip: its transaction state is tracked as statements complete.
//! * Values are always bound, never spliced into SQL; identifiers (savepoint
//!   names too) are always quoted.
//!
//! See the guide's transactions chapter for the details.
//!
//! # Schema
//!
//! [`Database::create_tables`](orm_core::Database::create_tables) creates
//! models' tables with their keys, constraints, foreign keys and indexes,
//! in foreign-key order; [`inspect`] reads back what a database holds; and
//! [`migrate`] applies versioned migrations (SQL files and Rust functions),
//! and writes new ones from the difference between models and database.
//! The `orm` command line (crate `orm-cli`) drives the same runner.
//!
//! # LISTEN/NOTIFY and advisory locks (PostgreSQL)
//!
//! [`Session::notify`](orm_core::Session::notify) sends a notification with
//! the session's transaction (delivered on commit, never on rollback);
//! [`Database::listen`](orm_core::Database::listen) streams them on a
//! connection of its own that reconnects by itself. Advisory locks are taken
//! on integer or named keys ([`AdvisoryKey`]), for a session
//! ([`Database::advisory_lock`](orm_core::Database::advisory_lock), a guard)
//! or for a transaction
//! ([`Session::advisory_xact_lock`](orm_core::Session::advisory_xact_lock)).
//! On SQLite each is [`Error::Unsupported`].

#![warn(missing_docs, rust_2018_idioms)]
#![forbid(unsafe_code)]

mod any;
pub mod migrate;

pub use any::{Any, AnyConnection};
pub use orm_core::blobs::{self, BlobFile};
#[cfg(feature = "documents")]
pub use orm_core::documents::{self, Allowed, Document, IntoData};
pub use orm_core::session::{AdvisoryKey, AdvisoryScope, ListenEvent, Listener, Notification};
#[cfg(feature = "json")]
pub use orm_core::Json;
pub use orm_core::{
    avg, count, count_all, count_distinct, error, exists, expr, inspect, many, max, min, query,
    relation, sql, sum, Backend, BelongsTo, BinOp, CheckMeta, Column, ColumnMeta, ConnectOptions,
    Connection, CopyFormat, CopySource, Cursor, DefaultValue, Direction, Error, Expr,
    ForeignKeyMeta, FromRow, HasMany, Includes, IndexMeta, IntoExpr, IsolationLevel, LockMode,
    Many, Node, Order, PoolStatus, PreparedTransaction, PrimaryKey, Record, ReferentialAction,
    Result, ResultColumn, RetryPolicy, Row, SessionState, SettingScope, SqlType, SqlValue,
    StatementLog, SubSelect, Table, TableMeta, TxOptions, TxStatus, UniqueMeta, Value, ValueRef,
    Violation,
};
pub use orm_core::{Array, ArrayElement, EnumMeta, SqlEnum};
pub use orm_macros::{FromRow, SqlEnum, Table};

#[cfg(feature = "postgres")]
pub use orm_postgres as postgres;
#[cfg(feature = "sqlite")]
pub use orm_sqlite as sqlite;

/// A pool chosen by URL, shared by sessions: `Database::connect(url)`.
pub type Database = orm_core::Database<Any>;
/// A window onto one pooled connection and its transaction.
pub type Session = orm_core::Session<Any>;
/// A `SELECT` being built on a [`Session`].
pub type Select<'s, T> = orm_core::Select<'s, T, Any>;
/// A joined `SELECT` over tables `S`, returning rows `R`, on a [`Session`].
pub type JoinSelect<'s, S, R> = orm_core::JoinSelect<'s, S, R, Any>;
/// A `SELECT` of chosen columns over tables `S`, returning tuples `R`.
pub type Shaped<'s, S, R> = orm_core::Shaped<'s, S, R, Any>;
/// A `SELECT` of `T` rows with related rows loaded by `L`.
pub type Eager<'s, T, L> = orm_core::Eager<'s, T, Any, L>;
/// An `INSERT` being built on a [`Session`].
pub type Insert<'s, 'r, T> = orm_core::Insert<'s, 'r, T, Any>;
/// A bulk `UPDATE` being built on a [`Session`].
pub type Update<'s, T, F = orm_core::query::Unfiltered> = orm_core::Update<'s, T, Any, F>;
/// A session-level advisory lock held until released (PostgreSQL): see
/// [`Database::advisory_lock`](orm_core::Database::advisory_lock).
pub type AdvisoryLock = orm_core::AdvisoryLock<Any>;
/// A nested transaction (a savepoint) of a [`Session`]: see [`Session::nested`](orm_core::Session::nested).
pub type Nested<'s> = orm_core::Nested<'s, Any>;
/// A bulk `DELETE` being built on a [`Session`].
pub type Delete<'s, T, F = orm_core::query::Unfiltered> = orm_core::Delete<'s, T, Any, F>;
/// A document table seen from a [`Session`]: `session.documents("people")`.
#[cfg(feature = "documents")]
pub type Documents<'s> = orm_core::documents::Documents<'s, Any>;
/// A query on a document table being built on a [`Session`].
#[cfg(feature = "documents")]
pub type DocumentQuery<'q> = orm_core::documents::DocumentQuery<'q, Any>;

/// The names most programs need: `use orm::prelude::*;`.
pub mod prelude {
    #[cfg(feature = "json")]
    pub use crate::Json;
    pub use crate::{
        avg, count, count_all, count_distinct, exists, many, max, min, sum, BelongsTo, Column,
        CopyFormat, Cursor, Database, Direction, Error, Expr, FromRow, HasMany, IsolationLevel,
        Record, Result, RetryPolicy, Session, SessionState, SqlEnum, SqlValue, SubSelect, Table,
        TxOptions,
    };
    pub use futures_util::stream::{Stream, StreamExt, TryStreamExt};
}

/// Items the derive's generated code names. Not part of the public API.
#[doc(hidden)]
pub mod __private {
    pub use orm_core::*;
}
