//! The executor on rusqlite (feature `rusqlite`, off by default):
//! [`Rusqlite`], a backend with the dialect, error classification, truncate
//! emulation and inspection of the sqlx-based [`Sqlite`](crate::Sqlite),
//! whose connections each run on a thread of their own and answer every
//! statement with one reply: rows are decoded into the caller's type on
//! that thread and sent back as one `Vec`, so a statement costs one channel
//! hop each way, not one per row (sqlx's worker sends each row apart).
//!
//! When the connection is free (no job queued or running), a statement
//! runs on the caller's thread instead, with SQLite's busy timeout off: it
//! costs no hop at all. Should it find the database locked by another
//! connection, SQLite refuses it before doing anything, and it is handed to
//! the connection's thread, which waits the busy timeout. No
//! `query_timeout` applies to a statement run on the caller's thread
//! (nothing can wait there, but a long query holds the caller's thread as
//! any computation does). Batches of several statements and streams
//! always go to the connection's thread.
//!
//! It is chosen with `executor=rusqlite` in a SQLite URL
//! (`sqlite://app.db?executor=rusqlite`); the other URL parameters mean what
//! they mean for [`Sqlite`](crate::Sqlite) (`busy_timeout`, `mode=ro|rw|rwc|memory`,
//! `max_connections`, `acquire_timeout`, `query_timeout`).
//!
//! Values are stored as the sqlx executor stores them (both bind through
//! one mapping), so one database file can be used through either; rows,
//! `Record` column types, settings (pragmas, restored on release) and the
//! refusals of what SQLite lacks are shared with it too. Not covered:
//! sqlx's `cache`, `immutable` and `vfs` URL parameters (refused with
//! [`Error::InvalidUrl`]).

mod bind;
mod conn;
mod error;
mod row;
mod worker;

use std::time::Duration;

use deadpool::managed::{self, Metrics, RecycleError, RecycleResult};
use orm_core::{Backend, ConnectOptions, Dialect, Error, PoolStatus, Result, Scheme};
use rusqlite::OpenFlags;

pub use conn::RusqliteConn;
use worker::{OpenOptions, Worker};

use crate::pool::UrlParams;
use crate::{SqliteDialect, BUSY_TIMEOUT, DEFAULT_ACQUIRE_TIMEOUT};

/// Opens connection threads for the pool.
#[derive(Debug)]
pub(crate) struct Manager {
    options: OpenOptions,
}

impl managed::Manager for Manager {
    type Type = Worker;
    type Error = Error;

    async fn create(&self) -> Result<Worker> {
        // Boxed: deadpool's lease future holds this one, and is built (and
        // moved) at every lease, most of which find an idle connection.
        Box::pin(Worker::open(&self.options)).await
    }

    async fn recycle(&self, worker: &mut Worker, _: &Metrics) -> RecycleResult<Error> {
        if worker.is_broken() {
            Err(RecycleError::message("the connection's thread has ended"))
        } else {
            Ok(())
        }
    }
}

type Pool = managed::Pool<Manager>;
pub(crate) type Object = managed::Object<Manager>;

/// Takes `object` out of the pool for good: its thread ends after the
/// jobs already sent, closing the connection.
fn close(object: Object) {
    drop(managed::Object::take(object));
}

/// The SQLite backend on rusqlite: a pool of connections, each on a thread
/// of its own. Clones share the pool.
///
/// ```
/// use orm_core::{Backend, ConnectOptions, Connection};
/// use orm_sqlite::Rusqlite;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> orm_core::Result<()> {
/// let db = Rusqlite::connect(&ConnectOptions::parse("sqlite::memory:?executor=rusqlite")?).await?;
/// let mut conn = db.acquire().await?;
/// let rows: Vec<(i64, String)> = conn.fetch_all("SELECT 1, 'one'", &[]).await?;
/// assert_eq!(rows, [(1, "one".to_string())]);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Rusqlite {
    pool: Pool,
    acquire_timeout: Duration,
    in_memory: bool,
    query_timeout: Option<Duration>,
}

impl std::fmt::Debug for Rusqlite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rusqlite")
            .field("pool", &self.pool_status())
            .field("in_memory", &self.in_memory)
            .finish()
    }
}

/// How to open the database a URL names.
fn open_options(params: &UrlParams) -> std::result::Result<OpenOptions, String> {
    let mut flags = OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
    flags |= match params.mode.as_deref() {
        None | Some("rwc") => OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
        Some("rw") => OpenFlags::SQLITE_OPEN_READ_WRITE,
        Some("ro") => OpenFlags::SQLITE_OPEN_READ_ONLY,
        Some("memory") => {
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_MEMORY
        }
        Some(other) => {
            return Err(format!(
                "`mode` must be ro, rw, rwc or memory, not `{other}`"
            ))
        }
    };
    Ok(OpenOptions {
        path: if params.in_memory {
            ":memory:".to_string()
        } else {
            params.database.clone()
        },
        flags,
        busy_timeout: params.busy_timeout.unwrap_or(BUSY_TIMEOUT),
        wal: !params.in_memory && params.mode.as_deref() != Some("ro"),
    })
}

impl Rusqlite {
    /// True when `options` ask for this executor (`executor=rusqlite` in a
    /// SQLite URL).
    pub fn chosen_by(options: &ConnectOptions) -> bool {
        options.scheme == Scheme::Sqlite
            && UrlParams::of(&options.url).is_ok_and(|p| p.executor.as_deref() == Some("rusqlite"))
    }

    /// Opens a pool as `options` describe, and one connection to make sure
    /// the database can be used.
    pub async fn open(options: &ConnectOptions) -> Result<Self> {
        let invalid = |reason: String| Error::InvalidUrl {
            url: options.redacted_url(),
            reason,
        };
        let params = UrlParams::of_options(options)?;
        if let Some(other) = params.unsupported_by_rusqlite() {
            return Err(invalid(format!(
                "`{other}` is not supported by the rusqlite executor"
            )));
        }
        let open = open_options(&params).map_err(invalid)?;
        let pool = Pool::builder(Manager { options: open })
            .max_size(params.pool_size(options).map_err(invalid)?)
            .build()
            .map_err(|e| invalid(e.to_string()))?;
        let db = Rusqlite {
            pool,
            acquire_timeout: options.acquire_timeout.unwrap_or(DEFAULT_ACQUIRE_TIMEOUT),
            in_memory: params.in_memory,
            query_timeout: options.query_timeout,
        };
        drop(orm_core::pool::lease(&db.pool, db.acquire_timeout, |e| e).await?);
        Ok(db)
    }
}

impl Backend for Rusqlite {
    type Conn = RusqliteConn;

    async fn connect(options: &ConnectOptions) -> Result<Self> {
        Rusqlite::open(options).await
    }

    fn name(&self) -> &'static str {
        "sqlite"
    }

    fn dialect(&self) -> &dyn Dialect {
        &SqliteDialect
    }

    async fn acquire(&self) -> Result<RusqliteConn> {
        let object = orm_core::pool::lease(&self.pool, self.acquire_timeout, |e| e).await?;
        Ok(RusqliteConn::new(
            object,
            self.in_memory,
            self.query_timeout,
        ))
    }

    fn pool_status(&self) -> PoolStatus {
        orm_core::pool::status(&self.pool)
    }

    async fn close(&self) {
        self.pool.close();
    }

    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await
    }
}
