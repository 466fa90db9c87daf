//! The SQLite backend of [orm](https://docs.rs/orm): the [`SqliteDialect`]
//! and an executor on sqlx's SQLite driver (bundled libsqlite3); with the
//! `rusqlite` feature, a second executor on rusqlite, `Rusqlite`, chosen by
//! `executor=rusqlite` in the URL (same SQLite library, same dialect, errors,
//! truncate emulation and inspection; one reply per statement).
//!
//! Applications reach it through `orm::Database::connect("sqlite://app.db")`;
//! this crate implements orm's [`Backend`](orm_core::Backend) and
//! [`Connection`](orm_core::Connection) contracts, which can also be used
//! directly:
//!
//! ```
//! use orm_core::{Backend, ConnectOptions, Connection, ValueRef};
//! use orm_sqlite::Sqlite;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> orm_core::Result<()> {
//! let db = Sqlite::connect(&ConnectOptions::parse("sqlite::memory:")?).await?;
//! let mut conn = db.acquire().await?;
//! conn.batch("CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL)")
//!     .await?;
//! let n = conn
//!     .execute("INSERT INTO users (name) VALUES (?), (?)", &[ValueRef::Text("ann"), ValueRef::Text("bob")])
//!     .await?;
//! assert_eq!(n, 2);
//! let rows: Vec<(i64, String)> = conn
//!     .fetch_all("SELECT id, name FROM users WHERE name > ? ORDER BY id", &[ValueRef::Text("a")])
//!     .await?;
//! assert_eq!(rows, vec![(1, "ann".to_string()), (2, "bob".to_string())]);
//! # Ok(()) }
//! ```
//!
//! # URLs
//!
//! `sqlite://path/to/app.db`, `sqlite:app.db` (relative paths),
//! `sqlite:///abs/path.db`, and `sqlite::memory:`. orm's own parameters
//! (`max_connections`, `acquire_timeout`, `query_timeout`) are read by
//! [`ConnectOptions`](orm_core::ConnectOptions), `busy_timeout` (`250ms`,
//! `5s`; default [`BUSY_TIMEOUT`]) and `executor` (`sqlx`, the default, or
//! `rusqlite`) by this crate; sqlx's (`mode=ro|rw|rwc|memory`,
//! `cache`, `immutable`, `vfs`) pass through. Anything else is an
//! [`Error::InvalidUrl`](orm_core::Error::InvalidUrl).
//!
//! Every connection enforces foreign keys, waits up to 5 s for another
//! connection's lock, and caches its prepared statements. A database file
//! is created if missing (unless `mode` says otherwise) and put in WAL mode.
//! `sqlite::memory:` is a pool of exactly one connection, kept open as long
//! as the pool: see [`Sqlite`].
//!
//! # Features
//!
//! | feature | default | column types | stored as |
//! |---|---|---|---|
//! | `chrono` | no | `NaiveDate`, `NaiveDateTime`, `DateTime<Utc>` | TEXT (ISO 8601 / RFC 3339) |
//! | `uuid` | no | `uuid::Uuid` | BLOB of 16 bytes |
//! | `json` | no | `serde_json::Value` | TEXT |
//! | `decimal` | no | `rust_decimal::Decimal` | TEXT, exact |
//! | `rusqlite` | no | the executor on rusqlite, `Rusqlite` | (as above) |
//!
//! Without a feature, binding or reading its type is an
//! [`Error::Unsupported`](orm_core::Error::Unsupported) or
//! [`Error::Decode`](orm_core::Error::Decode), never a panic.
//!
//! # Behavior
//!
//! * **Transactions.** [`Connection::begin`](orm_core::Connection::begin)
//!   sends `BEGIN`, `BEGIN IMMEDIATE` or `BEGIN EXCLUSIVE` as the
//!   [`LockMode`](orm_core::LockMode) says (a session picks `IMMEDIATE`
//!   when its transaction's first statement writes), and a read-only
//!   transaction turns `PRAGMA query_only` on until it ends; any isolation
//!   level is met, SQLite being serializable. On the sqlx executor the
//!   `BEGIN` of a transaction that may write is sent with its first
//!   statement, in the same call to the worker; a transaction that ran
//!   nothing sends nothing. A `BEGIN IMMEDIATE` refused the write lock
//!   opened nothing, and its statement never ran: the connection is left
//!   outside any transaction, and a session is as before it began. The [`SqliteConn`] records the
//!   outcome, and marks its state unknown when raw SQL holds transaction
//!   control. A
//!   connection dropped outside a transaction goes back to the pool; one
//!   dropped inside a transaction, or after a transaction-control statement
//!   was interrupted, is rolled back by a task on the current Tokio runtime
//!   and goes back only once it is outside any transaction; otherwise it is
//!   closed. A discarded connection is closed, except the one connection of
//!   `sqlite::memory:`, which is the database itself: it is rolled back and
//!   kept. A connection dropped outside any Tokio runtime is closed (for
//!   `sqlite::memory:`, the database goes with it).
//! * **Cancellation.** Each connection runs its statements on a thread of
//!   its own (sqlx's SQLite worker). A statement handed to it runs to
//!   completion even if the future awaiting it is dropped; the next
//!   statement waits behind it. So a dropped write may or may not have
//!   happened, which is why the session then allows only a rollback.
//!   Dropping a row stream stops the statement and resets it.
//! * **Errors.** Constraint failures are classified by SQLite's extended
//!   result code and carry the table and column SQLite names (see
//!   [`codes`]). `SQLITE_BUSY` after the busy timeout is
//!   [`Error::Busy`](orm_core::Error::Busy); `SQLITE_BUSY_SNAPSHOT` (a
//!   deferred transaction's snapshot went stale before its first write) is
//!   [`Error::SerializationFailure`](orm_core::Error::SerializationFailure),
//!   and `SQLITE_BUSY` returned at once to a deferred transaction that read
//!   and then wanted the write lock (SQLite does not wait then, as waiting
//!   could deadlock) is [`Error::Deadlock`](orm_core::Error::Deadlock): both
//!   are retried by `Database::transaction_with`.
//! * **Truncate** is emulated with `DELETE` (see [`Connection::truncate`](orm_core::Connection::truncate)):
//!   with restart identity the AUTOINCREMENT counter is reset, and with
//!   cascade every referencing table is emptied first.

#![warn(missing_docs, rust_2018_idioms)]
#![forbid(unsafe_code)]

mod bind;
mod cell;
mod connection;
mod describe;
mod dialect;
mod error;
mod inspect;
mod pool;
mod release;
mod row;
#[cfg(feature = "rusqlite")]
mod rusqlite_executor;
mod settings;
mod storage;
mod stream;
#[cfg(feature = "chrono")]
mod time;
mod transaction;
mod truncate;

pub use connection::SqliteConn;
pub use dialect::{SqliteDialect, MAX_BINDS};
pub use error::{codes, DRIVER_ERROR};
pub use pool::{
    Sqlite, BUSY_TIMEOUT, DEFAULT_ACQUIRE_TIMEOUT, DEFAULT_MAX_CONNECTIONS,
    STATEMENT_CACHE_CAPACITY,
};
#[cfg(feature = "rusqlite")]
pub use rusqlite_executor::{Rusqlite, RusqliteConn};
