//! [`Sqlite`]: the backend, a handle on a pool of SQLite connections.

use std::future::Future;
use std::str::FromStr;
use std::time::Duration;

use deadpool::managed::{self, Metrics, RecycleResult};
use orm_core::{Backend, ConnectOptions, Dialect, Error, PoolStatus, Result, Scheme};
use percent_encoding::percent_decode_str;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
use sqlx::ConnectOptions as _;

use crate::connection::SqliteConn;
use crate::error::from_acquire;
use crate::SqliteDialect;

/// The most pooled connections to a database file when the URL sets none.
pub const DEFAULT_MAX_CONNECTIONS: usize = 10;
/// How long to wait for a pooled connection when the URL sets nothing.
pub const DEFAULT_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a statement waits for another connection's lock before failing
/// with `SQLITE_BUSY`.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Prepared statements kept per connection.
pub const STATEMENT_CACHE_CAPACITY: usize = 100;

/// The SQLite backend: a pool of connections to one database, and the
/// [`SqliteDialect`]. Clones share the pool.
///
/// Every connection enforces foreign keys and waits up to
/// [`BUSY_TIMEOUT`] for locks; a database file is created if missing (unless
/// the URL sets `mode=ro` or `mode=rw`) and put in WAL mode.
///
/// `sqlite::memory:` opens a pool of exactly one connection that is never
/// closed while the pool is open: each connection to an in-memory database
/// is a database of its own, and the database lives only as long as its
/// connection. Sessions on it therefore take turns; a second session waits
/// (up to the acquire timeout) for the first to commit or roll back. That
/// connection is never closed while a rollback can save it (see
/// [`SqliteConn`]); should it be closed all the same (its rollback failed,
/// or it was dropped outside any Tokio runtime), the database is lost and
/// the next lease opens a new, empty one.
#[derive(Debug, Clone)]
pub struct Sqlite {
    pool: Pool,
    acquire_timeout: Duration,
    in_memory: bool,
    query_timeout: Option<Duration>,
}

/// Opens sqlx connections for the pool.
///
/// The pool is deadpool's, not sqlx's: sqlx's pool pings every connection
/// given back to it, a hop to the connection's worker thread at the end of
/// every session. A connection comes back here only outside any
/// transaction (see [`SqliteConn`]), and a lost one is discarded by the
/// statement that finds it lost.
#[derive(Debug)]
pub(crate) struct Manager {
    options: SqliteConnectOptions,
}

impl managed::Manager for Manager {
    type Type = sqlx::SqliteConnection;
    type Error = sqlx::Error;

    async fn create(&self) -> std::result::Result<sqlx::SqliteConnection, sqlx::Error> {
        // Boxed: deadpool's lease future holds this one, and is built (and
        // moved) at every lease, most of which find an idle connection.
        Box::pin(self.options.connect()).await
    }

    async fn recycle(
        &self,
        _: &mut sqlx::SqliteConnection,
        _: &Metrics,
    ) -> RecycleResult<sqlx::Error> {
        Ok(())
    }
}

type Pool = managed::Pool<Manager>;
/// A connection leased from the pool.
pub(crate) type Object = managed::Object<Manager>;

/// Takes `object` out of the pool for good and closes it.
pub(crate) fn close(object: Object) {
    drop(managed::Object::take(object));
}

/// An object of `pool`, for either executor: when one is idle it is handed
/// out on the first poll, and no timer is armed; otherwise (wait for one,
/// or open one) the lease runs under `timeout`. `Err(None)`: the timeout
/// ran out.
pub(crate) async fn lease_within<M: managed::Manager>(
    pool: &managed::Pool<M>,
    timeout: Duration,
) -> std::result::Result<managed::Object<M>, Option<managed::PoolError<M::Error>>> {
    use futures_util::FutureExt as _;
    // Only when one is idle: an attempt that had started opening a
    // connection would be dropped half way (a connection thread left to
    // open a database file another one is setting up).
    if pool.status().available > 0 {
        if let Some(ready) = pool.get().now_or_never() {
            return ready.map_err(Some);
        }
    }
    // Boxed: the wait holds the connect future, and every statement's
    // future that leases would otherwise carry its size.
    match Box::pin(tokio::time::timeout(timeout, pool.get())).await {
        Ok(leased) => leased.map_err(Some),
        Err(_) => Err(None),
    }
}

/// A deadpool status as orm reports it, for either executor.
pub(crate) fn pool_status(status: managed::Status) -> PoolStatus {
    PoolStatus {
        max_size: status.max_size,
        size: status.size,
        idle: status.available,
    }
}

/// Leases a connection from `pool`, waiting up to `timeout`.
async fn lease(pool: &Pool, timeout: Duration) -> std::result::Result<Object, sqlx::Error> {
    match lease_within(pool, timeout).await {
        Ok(object) => Ok(object),
        Err(Some(managed::PoolError::Backend(e))) => Err(e),
        Err(Some(managed::PoolError::Timeout(_)) | None) => Err(sqlx::Error::PoolTimedOut),
        Err(Some(_)) => Err(sqlx::Error::PoolClosed),
    }
}

impl Sqlite {
    /// Opens a pool as `options` describe, and opens one connection to make
    /// sure the database can be used.
    ///
    /// A URL sqlx cannot read is an [`Error::InvalidUrl`]; a database that
    /// cannot be opened is an [`Error::Database`] with SQLite's code
    /// (`"14"`, `SQLITE_CANTOPEN`, for a file in a missing directory).
    pub async fn open(options: &ConnectOptions) -> Result<Self> {
        let invalid = |reason: String| Error::InvalidUrl {
            url: options.redacted_url(),
            reason,
        };
        let params = UrlParams::of_options(options)?;
        if params.executor.as_deref() == Some("rusqlite") {
            return Err(invalid(
                "`executor=rusqlite` is served by orm_sqlite::Rusqlite (the `rusqlite` feature of \
                 orm or orm-sqlite), not by this sqlx-based backend"
                    .into(),
            ));
        }
        let mut connect = SqliteConnectOptions::from_str(&params.sqlx_url)
            .map_err(|e| invalid(e.to_string()))?
            .busy_timeout(params.busy_timeout.unwrap_or(BUSY_TIMEOUT))
            .foreign_keys(true)
            .statement_cache_capacity(STATEMENT_CACHE_CAPACITY);
        if params.mode.is_none() {
            connect = connect.create_if_missing(true);
        }
        if !params.in_memory && params.mode.as_deref() != Some("ro") {
            connect = connect.journal_mode(SqliteJournalMode::Wal);
        }

        let acquire_timeout = options.acquire_timeout.unwrap_or(DEFAULT_ACQUIRE_TIMEOUT);
        let pool = Pool::builder(Manager { options: connect })
            .max_size(params.pool_size(options).map_err(invalid)?)
            .build()
            .map_err(|e| invalid(e.to_string()))?;
        // One connection now, to make sure the database can be used.
        drop(lease(&pool, acquire_timeout).await.map_err(|e| match e {
            sqlx::Error::Configuration(reason) => invalid(reason.to_string()),
            other => from_acquire(other, acquire_timeout),
        })?);
        Ok(Sqlite {
            pool,
            acquire_timeout,
            in_memory: params.in_memory,
            query_timeout: options.query_timeout,
        })
    }
}

impl Backend for Sqlite {
    type Conn = SqliteConn;

    fn connect(options: &ConnectOptions) -> impl Future<Output = Result<Self>> + Send {
        Sqlite::open(options)
    }

    fn name(&self) -> &'static str {
        "sqlite"
    }

    fn dialect(&self) -> &dyn Dialect {
        &SqliteDialect
    }

    fn acquire(&self) -> impl Future<Output = Result<SqliteConn>> + Send {
        let pool = self.pool.clone();
        let timeout = self.acquire_timeout;
        let in_memory = self.in_memory;
        let query_timeout = self.query_timeout;
        async move {
            let conn = lease(&pool, timeout)
                .await
                .map_err(|e| from_acquire(e, timeout))?;
            Ok(SqliteConn::new(conn, in_memory, query_timeout))
        }
    }

    fn pool_status(&self) -> PoolStatus {
        pool_status(self.pool.status())
    }

    /// Closes the pool: idle connections now, leased ones as they come
    /// back (without waiting for them).
    fn close(&self) -> impl Future<Output = ()> + Send {
        self.pool.close();
        std::future::ready(())
    }

    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send {
        tokio::time::sleep(duration)
    }
}

/// The query parameters of a SQLite URL that decide how it is opened.
pub(crate) struct UrlParams {
    /// The database file as named (percent-decoded), or `:memory:`.
    #[cfg(feature = "rusqlite")]
    pub(crate) database: String,
    /// `executor=...`, if set: `sqlx` (the default) or `rusqlite`.
    pub(crate) executor: Option<String>,
    /// `mode=...`, if set.
    pub(crate) mode: Option<String>,
    /// An in-memory database (`:memory:` or `mode=memory`).
    pub(crate) in_memory: bool,
    /// No file named (`sqlite://`), which SQLite would take as a private
    /// temporary database.
    pub(crate) no_database: bool,
    /// orm's `busy_timeout=...`, if set.
    pub(crate) busy_timeout: Option<Duration>,
    /// The URL without orm's parameters, for sqlx.
    sqlx_url: String,
}

impl UrlParams {
    /// The parameters of a SQLite URL that names a database, whichever
    /// executor opens it; [`Error::InvalidUrl`] otherwise.
    pub(crate) fn of_options(options: &ConnectOptions) -> Result<Self> {
        let invalid = |reason: String| Error::InvalidUrl {
            url: options.redacted_url(),
            reason,
        };
        if options.scheme != Scheme::Sqlite {
            return Err(invalid(
                "not a SQLite URL: expected sqlite://path, sqlite:path or sqlite::memory:".into(),
            ));
        }
        if options.search_path.is_some() {
            return Err(Error::Unsupported {
                backend: "sqlite",
                what: "search_path: SQLite has no schemas to search; ATTACH a database and \
                       qualify names with it instead"
                    .into(),
            });
        }
        let params = UrlParams::of(&options.url).map_err(invalid)?;
        if params.no_database {
            return Err(invalid(
                "no database: name a file, as in sqlite://app.db, or use sqlite::memory:".into(),
            ));
        }
        Ok(params)
    }

    /// How many connections the pool of either executor holds at most. An
    /// in-memory database lives as long as its one connection, which the
    /// pool never closes by itself (no idle timeout, no lifetime).
    pub(crate) fn pool_size(&self, options: &ConnectOptions) -> std::result::Result<usize, String> {
        let max_size = if self.in_memory {
            1
        } else {
            options.max_connections.unwrap_or(DEFAULT_MAX_CONNECTIONS)
        };
        if max_size == 0 {
            return Err("`max_connections` must be at least 1".into());
        }
        Ok(max_size)
    }

    /// A parameter only sqlx understands (`cache`, `immutable`, `vfs`), if any.
    #[cfg(feature = "rusqlite")]
    pub(crate) fn unsupported_by_rusqlite(&self) -> Option<&str> {
        let (_, query) = self.sqlx_url.split_once('?')?;
        query
            .split('&')
            .filter_map(|pair| pair.split('=').next())
            .find(|key| !key.is_empty() && *key != "mode")
    }

    pub(crate) fn of(url: &str) -> std::result::Result<Self, String> {
        let rest = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        let (database, query) = rest.split_once('?').unwrap_or((rest, ""));
        let decode = |value: &str| percent_decode_str(value).decode_utf8_lossy().into_owned();
        let mut mode = None;
        let mut busy_timeout = None;
        let mut executor = None;
        let mut kept = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            match pair.split_once('=') {
                Some(("mode", value)) => {
                    mode = Some(decode(value));
                    kept.push(pair);
                }
                Some(("executor", value)) => {
                    let value = decode(value);
                    if value != "sqlx" && value != "rusqlite" {
                        return Err(format!(
                            "`executor` must be `sqlx` (the default) or `rusqlite`, not `{value}`"
                        ));
                    }
                    executor = Some(value);
                }
                Some(("busy_timeout", value)) => {
                    busy_timeout = Some(parse_duration(&decode(value)).ok_or_else(|| {
                        format!(
                            "`busy_timeout` must be a duration like 5, 5s or 250ms, not `{value}`"
                        )
                    })?);
                }
                _ => kept.push(pair),
            }
        }
        let in_memory = database == ":memory:" || mode.as_deref() == Some("memory");
        let base = url.split_once('?').map_or(url, |(base, _)| base);
        let sqlx_url = if kept.is_empty() {
            base.to_string()
        } else {
            format!("{base}?{}", kept.join("&"))
        };
        Ok(UrlParams {
            #[cfg(feature = "rusqlite")]
            database: decode(database),
            executor,
            mode,
            in_memory,
            no_database: database.is_empty() && !in_memory,
            busy_timeout,
            sqlx_url,
        })
    }
}

/// `250ms`, `5s` or `5` (seconds).
fn parse_duration(s: &str) -> Option<Duration> {
    if let Some(ms) = s.strip_suffix("ms") {
        return ms.parse().ok().map(Duration::from_millis);
    }
    let secs: f64 = s.strip_suffix('s').unwrap_or(s).parse().ok()?;
    Duration::try_from_secs_f64(secs).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_urls_are_recognised() {
        let of = |url| UrlParams::of(url).unwrap();
        assert!(of("sqlite::memory:").in_memory);
        assert!(of("sqlite://:memory:").in_memory);
        assert!(of("sqlite://db?mode=memory").in_memory);
        let file = of("sqlite://app.db?mode=rwc");
        assert!(!file.in_memory);
        assert_eq!(file.mode.as_deref(), Some("rwc"));
        assert_eq!(of("sqlite:app.db").mode, None);
        assert!(of("sqlite://").no_database);
        assert!(of("sqlite:?mode=rwc").no_database);
        assert!(!of("sqlite::memory:").no_database);
        assert!(!of("sqlite:app.db").no_database);
    }

    #[test]
    fn busy_timeout_is_taken_out_for_sqlx() {
        let p = UrlParams::of("sqlite://app.db?busy_timeout=250ms&mode=rwc").unwrap();
        assert_eq!(p.busy_timeout, Some(Duration::from_millis(250)));
        assert_eq!(p.sqlx_url, "sqlite://app.db?mode=rwc");
        let p = UrlParams::of("sqlite://app.db?busy_timeout=2").unwrap();
        assert_eq!(p.busy_timeout, Some(Duration::from_secs(2)));
        assert_eq!(p.sqlx_url, "sqlite://app.db");
        assert!(UrlParams::of("sqlite://app.db?busy_timeout=soon").is_err());
    }
}
