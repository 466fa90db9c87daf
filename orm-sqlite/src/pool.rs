//! [`Sqlite`]: the backend, a handle on a pool of SQLite connections.

use std::future::Future;
use std::str::FromStr;
use std::time::Duration;

use orm_core::{Backend, ConnectOptions, Dialect, Error, PoolStatus, Result, Scheme};
use percent_encoding::percent_decode_str;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::SqlitePool;

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
    pool: SqlitePool,
    acquire_timeout: Duration,
    in_memory: bool,
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
        if options.scheme != Scheme::Sqlite {
            return Err(invalid(
                "not a SQLite URL: expected sqlite://path, sqlite:path or sqlite::memory:".into(),
            ));
        }
        let params = UrlParams::of(&options.url);
        if params.no_database {
            return Err(invalid(
                "no database: name a file, as in sqlite://app.db, or use sqlite::memory:".into(),
            ));
        }
        let mut connect = SqliteConnectOptions::from_str(&options.url)
            .map_err(|e| invalid(e.to_string()))?
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true)
            .statement_cache_capacity(STATEMENT_CACHE_CAPACITY);
        if params.mode.is_none() {
            connect = connect.create_if_missing(true);
        }
        if !params.in_memory && params.mode.as_deref() != Some("ro") {
            connect = connect.journal_mode(SqliteJournalMode::Wal);
        }

        let acquire_timeout = options.acquire_timeout.unwrap_or(DEFAULT_ACQUIRE_TIMEOUT);
        let pool = SqlitePoolOptions::new()
            .acquire_timeout(acquire_timeout)
            // Connections are checked by the state they are returned in, not
            // by a round trip at every checkout.
            .test_before_acquire(false)
            // Not 1 for memory either: sqlx spawns a task whenever a
            // connection of a pool with a minimum is dropped, which panics
            // outside a runtime. With no idle timeout and no lifetime, the
            // memory pool keeps its one connection open all the same.
            .min_connections(0);
        let pool = if params.in_memory {
            pool.max_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
        } else {
            let max = options.max_connections.unwrap_or(DEFAULT_MAX_CONNECTIONS);
            if max == 0 {
                return Err(invalid("`max_connections` must be at least 1".into()));
            }
            pool.max_connections(u32::try_from(max).unwrap_or(u32::MAX))
        };
        let pool = pool.connect_with(connect).await.map_err(|e| match e {
            sqlx::Error::Configuration(reason) => invalid(reason.to_string()),
            other => from_acquire(other, acquire_timeout),
        })?;
        Ok(Sqlite {
            pool,
            acquire_timeout,
            in_memory: params.in_memory,
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
        async move {
            let conn = pool.acquire().await.map_err(|e| from_acquire(e, timeout))?;
            Ok(SqliteConn::new(conn, in_memory))
        }
    }

    fn pool_status(&self) -> PoolStatus {
        PoolStatus {
            max_size: self.pool.options().get_max_connections() as usize,
            size: self.pool.size() as usize,
            idle: self.pool.num_idle(),
        }
    }

    fn close(&self) -> impl Future<Output = ()> + Send {
        let pool = self.pool.clone();
        async move { pool.close().await }
    }
}

/// The query parameters of a SQLite URL that decide how it is opened.
struct UrlParams {
    /// `mode=...`, if set.
    mode: Option<String>,
    /// An in-memory database (`:memory:` or `mode=memory`).
    in_memory: bool,
    /// No file named (`sqlite://`), which SQLite would take as a private
    /// temporary database.
    no_database: bool,
}

impl UrlParams {
    fn of(url: &str) -> Self {
        let rest = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        let (database, query) = rest.split_once('?').unwrap_or((rest, ""));
        let mode = query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .filter(|(key, _)| *key == "mode")
            .map(|(_, value)| percent_decode_str(value).decode_utf8_lossy().into_owned())
            .next_back();
        let in_memory = database == ":memory:" || mode.as_deref() == Some("memory");
        UrlParams {
            mode,
            in_memory,
            no_database: database.is_empty() && !in_memory,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_urls_are_recognised() {
        assert!(UrlParams::of("sqlite::memory:").in_memory);
        assert!(UrlParams::of("sqlite://:memory:").in_memory);
        assert!(UrlParams::of("sqlite://db?mode=memory").in_memory);
        let file = UrlParams::of("sqlite://app.db?mode=rwc");
        assert!(!file.in_memory);
        assert_eq!(file.mode.as_deref(), Some("rwc"));
        assert_eq!(UrlParams::of("sqlite:app.db").mode, None);
        assert!(UrlParams::of("sqlite://").no_database);
        assert!(UrlParams::of("sqlite:?mode=rwc").no_database);
        assert!(!UrlParams::of("sqlite::memory:").no_database);
        assert!(!UrlParams::of("sqlite:app.db").no_database);
    }
}
