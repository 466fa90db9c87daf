//! The PostgreSQL backend of [orm](https://docs.rs/orm): the [`PgDialect`],
//! a connection pool ([`Postgres`]) on tokio-postgres and deadpool, and the
//! [`PgConnection`] that runs statements.
//!
//! Applications use it through the `orm` crate, which picks it for
//! `postgres://` and `postgresql://` URLs:
//!
//! ```no_run
//! use orm_core::{Backend, ConnectOptions, Connection, Database};
//! use orm_postgres::Postgres;
//!
//! # async fn f() -> orm_core::Result<()> {
//! let db: Database<Postgres> = Database::connect("postgres://app@localhost/app").await?;
//! let mut conn = db.backend().acquire().await?;
//! let n = conn.execute("SELECT 1", &[]).await?;
//! assert_eq!(n, 1);
//! # Ok(()) }
//! ```
//!
//! # URLs
//!
//! Everything tokio-postgres understands in a URL (`host`, `port`, `user`,
//! `password`, `options`, `application_name`, `connect_timeout`, ...) is
//! accepted; a URL must name a host, a user and a database. orm's own
//! `max_connections` (default 10) and `acquire_timeout` (default 30 s) set
//! the pool, and `query_timeout` (none by default) bounds the wait for any
//! one reply. Connections are made without TLS (`sslmode=require` is
//! refused).
//!
//! # Features
//!
//! | feature | column types |
//! |---|---|
//! | `chrono` | `DATE`, `TIMESTAMP`, `TIMESTAMPTZ` as `chrono::NaiveDate`, `NaiveDateTime`, `DateTime<Utc>` |
//! | `uuid` | `UUID` as `uuid::Uuid` |
//! | `json` | `JSON` and `JSONB` as `serde_json::Value` (`JSONB` in DDL) |
//! | `decimal` | `NUMERIC` as `rust_decimal::Decimal` |
//!
//! None is on by default. Which values bind to which parameter types, and
//! which column types each getter reads, is tabled in [`bind`] and [`row`].
//!
//! # Behavior
//!
//! Each statement is prepared once per connection; the prepared statements
//! stay with the pooled connection across leases. Taking a connection from
//! the pool and giving it back costs no round trip: the pool only checks
//! that the socket is open.
//!
//! [`Connection::begin`](orm_core::Connection::begin) sends nothing: the
//! `BEGIN` is remembered and goes to the server in the same round trip as
//! the transaction's first statement, so a transaction of one statement costs
//! two round trips (`BEGIN` + statement, `COMMIT`), and one committed or
//! rolled back before any statement costs none. A failing `BEGIN` fails that
//! statement with its own error. When the first statement finds the
//! connection lost (it died idle in the pool), nothing of the transaction
//! exists yet: the connection is closed and `BEGIN` and the statement are sent
//! again on another one from the pool, with no error. `now()` inside the
//! transaction is the time of its first statement.
//!
//! That is safe because a connection goes back to the pool as it is only when
//! it is known to be outside any transaction with nothing in flight. Its
//! status is tracked as statements complete: `BEGIN`, `COMMIT` and
//! `ROLLBACK` sent by [`Connection::begin`](orm_core::Connection::begin) and
//! friends set it; any other SQL holding transaction control (a raw `BEGIN`
//! through [`batch`](orm_core::Connection::batch), say), and handing out
//! [`PgConnection::client`], make it unknown. When a [`PgConnection`] is
//! dropped:
//!
//! - in a transaction, or in an unknown state (a `BEGIN`/`COMMIT` whose
//!   future was dropped), or with a statement whose future was dropped
//!   before it finished: a task spawned on the current Tokio runtime sends
//!   `ROLLBACK` (it waits behind any statement still running) and returns
//!   the connection to the pool only if that succeeded within 30 seconds;
//!   otherwise the connection is closed. Outside a Tokio runtime, or if the
//!   runtime shuts down first, the connection is closed at once, which makes
//!   the server roll back;
//! - after [`discard`](orm_core::Connection::discard), an error that lost
//!   the connection, or a reply that did not come within `query_timeout`:
//!   it is closed (and a statement still running is cancelled);
//! - holding a session-level advisory lock taken through
//!   [`Connection::advisory_lock`](orm_core::Connection::advisory_lock) or
//!   `try_advisory_lock` and not unlocked (or one whose lock statement was
//!   interrupted): it is closed, which ends the lock with the session.
//!   A connection that took no such lock costs no extra round trip.
//!
//! A listener ([`Database::listen`](orm_core::Database::listen)) has a
//! connection of its own, outside the pool, read by a task that forwards
//! notifications and reconnects (with back-off) when it is lost; dropping
//! the listener closes it.
//!
//! A `COMMIT` that gets no reply (the connection lost, or `query_timeout`
//! passed) is [`Error::CommitOutcomeUnknown`](orm_core::Error::CommitOutcomeUnknown):
//! it may have committed. A `COMMIT` the server refuses (a serialization
//! failure, a deferred constraint) ends the transaction, and its error is
//! returned as it is. A FATAL error ending the session
//! (`pg_terminate_backend`, a shutdown) is [`Error::ConnectionLost`](orm_core::Error::ConnectionLost).
//!
//! Cancelling a statement (dropping its future) does not cancel it on the
//! server: it runs to completion, its rows are read and thrown away, and the
//! connection is rolled back as above before anyone else can use it. A
//! dropped row stream likewise leaves the rest of its rows to be drained.
//!
//! The pool, the connections' socket tasks and the rollback tasks need a
//! Tokio runtime with I/O and time enabled.

#![warn(missing_docs, rust_2018_idioms)]
#![forbid(unsafe_code)]

mod advisory;
mod array;
mod backend;
pub mod bind;
mod connection;
mod copy;
mod cursor;
mod describe;
mod dialect;
mod error;
mod inspect;
mod listen;
mod pipeline;
mod pool;
mod release;
pub mod row;
mod settings;
mod stream;
mod transaction;

pub use backend::{Postgres, DEFAULT_ACQUIRE_TIMEOUT, DEFAULT_MAX_CONNECTIONS};
pub use bind::PgBind;
pub use connection::PgConnection;
pub use dialect::{PgDialect, COPY_THRESHOLD};
pub use row::PgRow;

/// tokio-postgres, re-exported for [`PgConnection::client`] and [`PgRow::get_ref`].
pub use tokio_postgres;
