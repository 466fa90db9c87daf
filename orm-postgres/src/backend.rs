//! [`Postgres`]: the pool handle that implements [`Backend`].

use std::str::FromStr;
use std::time::Duration;

use orm_core::pool::pool_error;
use orm_core::session::Listener;
use orm_core::{Backend, ConnectOptions, Dialect, Error, PoolStatus, Result};
use tokio_postgres::config::SslMode;
use tokio_postgres::Config;

use crate::error;
use crate::pool::{Object, PgManager, Pool};
use crate::{PgConnection, PgDialect};

/// The pool size when the URL does not set `max_connections`.
pub const DEFAULT_MAX_CONNECTIONS: usize = 10;

/// The acquire timeout when the URL does not set `acquire_timeout`.
pub const DEFAULT_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);

static DIALECT: PgDialect = PgDialect;

/// A pool of PostgreSQL connections. Clones share the pool.
///
/// ```no_run
/// use orm_core::{Backend, ConnectOptions, Connection};
/// use orm_postgres::Postgres;
///
/// # async fn f() -> orm_core::Result<()> {
/// let options = ConnectOptions::parse("postgres://app@localhost/app?pool_size=4")?;
/// let pg = Postgres::connect(&options).await?;
/// let mut conn = pg.acquire().await?;
/// let rows: Vec<(i64, String)> = conn
///     .fetch_all("SELECT 1::int8, 'one'", &[])
///     .await?;
/// assert_eq!(rows, [(1, "one".to_string())]);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Postgres {
    pool: Pool,
    acquire_timeout: Duration,
    query_timeout: Option<Duration>,
}

impl std::fmt::Debug for Postgres {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Postgres")
            .field("pool", &self.pool_status())
            .field("acquire_timeout", &self.acquire_timeout)
            .finish()
    }
}

impl Postgres {
    /// The acquire timeout in force.
    pub fn acquire_timeout(&self) -> Duration {
        self.acquire_timeout
    }

    /// How long a connection of this pool waits for any one reply.
    pub(crate) fn query_timeout(&self) -> Option<Duration> {
        self.query_timeout
    }

    /// A pooled connection, waiting at most the acquire timeout.
    pub(crate) async fn lease(&self) -> Result<Object> {
        orm_core::pool::lease(&self.pool, self.acquire_timeout, error::map).await
    }
}

/// Parses and checks a `postgres://` URL.
fn parse_config(options: &ConnectOptions) -> Result<Config> {
    let invalid = |reason: String| Error::InvalidUrl {
        url: options.redacted_url(),
        reason,
    };
    let mut config = Config::from_str(&options.url).map_err(|e| {
        invalid(match std::error::Error::source(&e) {
            Some(cause) => format!("{e}: {cause}"),
            None => e.to_string(),
        })
    })?;
    if config.get_hosts().is_empty() && config.get_hostaddrs().is_empty() {
        return Err(invalid(
            "no host: name the server, as in postgres://user@localhost/mydb".into(),
        ));
    }
    if config.get_user().is_none() {
        return Err(invalid(
            "no user name: add one, as in postgres://user@localhost/mydb".into(),
        ));
    }
    if config.get_dbname().is_none() {
        return Err(invalid(
            "no database name: add it to the path, as in postgres://user@localhost/mydb".into(),
        ));
    }
    if config.get_ssl_mode() == SslMode::Require {
        return Err(invalid(
            "sslmode=require is not supported: this backend connects without TLS".into(),
        ));
    }
    if let Some(schemas) = &options.search_path {
        let search_path = crate::settings::search_path_option(schemas);
        let combined = match config.get_options() {
            Some(given) if !given.is_empty() => format!("{given} {search_path}"),
            _ => search_path,
        };
        config.options(combined);
    }
    if options.max_connections == Some(0) {
        return Err(invalid("max_connections must be at least 1".into()));
    }
    Ok(config)
}

impl Backend for Postgres {
    type Conn = PgConnection;

    /// Opens the pool and one connection, so that a wrong host, port,
    /// database or password fails here rather than on first use.
    async fn connect(options: &ConnectOptions) -> Result<Self> {
        let config = parse_config(options)?;
        let max_size = options.max_connections.unwrap_or(DEFAULT_MAX_CONNECTIONS);
        let acquire_timeout = options.acquire_timeout.unwrap_or(DEFAULT_ACQUIRE_TIMEOUT);
        let pool = Pool::builder(PgManager::new(config))
            .max_size(max_size)
            .build()
            .map_err(|e| Error::InvalidUrl {
                url: options.redacted_url(),
                reason: e.to_string(),
            })?;
        match tokio::time::timeout(acquire_timeout, pool.get()).await {
            Ok(Ok(first)) => drop(first),
            Ok(Err(e)) => return Err(pool_error(e, acquire_timeout, error::map)),
            Err(_) => {
                return Err(error::connection_lost(format!(
                    "could not connect to {} within {acquire_timeout:?}",
                    options.redacted_url()
                )))
            }
        }
        Ok(Postgres {
            pool,
            acquire_timeout,
            query_timeout: options.query_timeout,
        })
    }

    fn name(&self) -> &'static str {
        "postgresql"
    }

    fn dialect(&self) -> &dyn Dialect {
        &DIALECT
    }

    async fn acquire(&self) -> Result<PgConnection> {
        let object = self.lease().await?;
        Ok(PgConnection::new(object, self.clone()))
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

    async fn listen(&self, channels: Vec<String>) -> Result<Listener> {
        crate::listen::listen(self.pool.manager().config().clone(), channels).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(url: &str) -> String {
        let options = ConnectOptions::parse(url).unwrap();
        match parse_config(&options) {
            Err(Error::InvalidUrl { reason, url }) => {
                assert!(!url.contains("secret"), "{url}");
                reason
            }
            other => panic!("expected InvalidUrl for {url}, got {other:?}"),
        }
    }

    #[test]
    fn urls_missing_a_part_name_it() {
        assert!(reason("postgres://u@localhost").contains("no database name"));
        assert!(reason("postgres://localhost/db").contains("no user name"));
        assert!(reason("postgres:///db").contains("no host"));
        assert!(reason("postgres://u:secret@localhost:notaport/db").contains("port"));
        assert!(reason("postgres://u@localhost/db?sslmode=require").contains("TLS"));
        assert!(reason("postgres://u@localhost/db?nonsense=1").contains("nonsense"));
    }

    #[test]
    fn complete_urls_parse() {
        let options = ConnectOptions::parse(
            "postgresql://u:p@localhost:5433/db?options=-csearch_path%3Dx&pool_size=2",
        )
        .unwrap();
        let config = parse_config(&options).unwrap();
        assert_eq!(config.get_dbname(), Some("db"));
        assert_eq!(config.get_ports(), &[5433]);
        assert_eq!(config.get_options(), Some("-csearch_path=x"));
    }
}
