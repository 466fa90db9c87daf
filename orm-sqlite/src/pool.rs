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
use crate::error::from_sqlx;
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
        let first = orm_core::pool::lease(&pool, acquire_timeout, |e| match e {
            sqlx::Error::Configuration(reason) => invalid(reason.to_string()),
            other => from_sqlx(other),
        });
        drop(first.await?);
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
            let conn = orm_core::pool::lease(&pool, timeout, from_sqlx).await?;
            Ok(SqliteConn::new(conn, in_memory, query_timeout))
        }
    }

    fn pool_status(&self) -> PoolStatus {
        orm_core::pool::status(&self.pool)
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
