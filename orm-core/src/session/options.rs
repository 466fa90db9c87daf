//! Connection options: the URL and the pool settings taken from it.

use std::time::Duration;

use super::StatementLog;
use crate::error::{redact_url, Error, Result};

/// Which backend a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// `postgres://` or `postgresql://`
    Postgres,
    /// `sqlite://path` or `sqlite::memory:`
    Sqlite,
}

/// Where and how to connect.
///
/// orm reads these URL query parameters itself and removes them before the
/// backend sees the URL:
///
/// | parameter | meaning | default |
/// |---|---|---|
/// | `max_connections` (or `pool_size`) | most pooled connections | 10 (1 for `sqlite::memory:`) |
/// | `acquire_timeout` | wait for a free connection: `30`, `30s`, `500ms` | 30 s |
/// | `query_timeout` | wait for the reply to any one statement (`BEGIN` and `COMMIT` included); past it the connection is closed and the statement fails with [`Error::Timeout`] (or [`Error::CommitOutcomeUnknown`] for `COMMIT`) | none |
/// | `search_path` | PostgreSQL: the schemas unqualified names resolve in, comma-separated (`search_path=app,public`), sent when each connection starts; SQLite: [`Error::Unsupported`] | the server's |
/// | `echo` | `true`: print each statement, its row count and duration to stderr | `false` |
/// | `slow_statement_ms` | statements taking at least this many milliseconds log a `tracing` warning (and are marked `SLOW` in the echo) | none |
/// | `log_binds` | `true`: bound values appear in statement events and echo lines | `false` |
///
/// ```
/// use orm_core::ConnectOptions;
/// use std::time::Duration;
/// let o = ConnectOptions::parse("postgres://localhost/app?pool_size=4&acquire_timeout=250ms&query_timeout=5s").unwrap();
/// assert_eq!(o.max_connections, Some(4));
/// assert_eq!(o.acquire_timeout, Some(Duration::from_millis(250)));
/// assert_eq!(o.query_timeout, Some(Duration::from_secs(5)));
/// assert_eq!(o.url, "postgres://localhost/app");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectOptions {
    /// The backend.
    pub scheme: Scheme,
    /// The URL without orm's own parameters.
    pub url: String,
    /// The most pooled connections.
    pub max_connections: Option<usize>,
    /// How long to wait for a free connection.
    pub acquire_timeout: Option<Duration>,
    /// How long to wait for the reply to one statement before giving the
    /// connection up: a guard against a server or network that hangs.
    pub query_timeout: Option<Duration>,
    /// The schemas unqualified names resolve in (PostgreSQL), in order.
    pub search_path: Option<Vec<String>>,
    /// How statements are logged.
    pub log: StatementLog,
}

impl ConnectOptions {
    /// Parses `url`, taking out orm's own query parameters.
    pub fn parse(url: &str) -> Result<Self> {
        let invalid = |reason: String| Error::InvalidUrl {
            url: redact_url(url),
            reason,
        };
        let scheme = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Scheme::Postgres
        } else if url.starts_with("sqlite:") {
            Scheme::Sqlite
        } else {
            let found = url.split(':').next().unwrap_or_default();
            return Err(invalid(format!(
                "unknown scheme `{found}`: expected postgres://, postgresql://, sqlite://path or sqlite::memory:"
            )));
        };
        let (base, query) = match url.split_once('?') {
            Some((b, q)) => (b, Some(q)),
            None => (url, None),
        };
        let mut options = ConnectOptions {
            scheme,
            url: base.to_string(),
            max_connections: None,
            acquire_timeout: None,
            query_timeout: None,
            search_path: None,
            log: StatementLog::default(),
        };
        let mut rest = Vec::new();
        for pair in query
            .into_iter()
            .flat_map(|q| q.split('&'))
            .filter(|p| !p.is_empty())
        {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            match key {
                "max_connections" | "pool_size" => {
                    let n: usize = value.parse().map_err(|_| {
                        invalid(format!(
                            "`{key}` must be a positive whole number, not `{value}`"
                        ))
                    })?;
                    if n == 0 {
                        return Err(invalid(format!("`{key}` must be at least 1")));
                    }
                    options.max_connections = Some(n);
                }
                "acquire_timeout" | "query_timeout" => {
                    let duration = parse_duration(value).ok_or_else(|| {
                        invalid(format!(
                            "`{key}` must be a duration like 30, 30s or 500ms, not `{value}`"
                        ))
                    })?;
                    if key == "acquire_timeout" {
                        options.acquire_timeout = Some(duration);
                    } else {
                        options.query_timeout = Some(duration);
                    }
                }
                "search_path" => {
                    let decoded = percent_decode(value);
                    options.search_path = Some(parse_search_path(&decoded).map_err(invalid)?);
                }
                "echo" | "log_binds" => {
                    let on = parse_bool(value).ok_or_else(|| {
                        invalid(format!("`{key}` must be true or false, not `{value}`"))
                    })?;
                    if key == "echo" {
                        options.log.echo = on;
                    } else {
                        options.log.log_binds = on;
                    }
                }
                "slow_statement_ms" => {
                    let ms: u64 = value.parse().map_err(|_| {
                        invalid(format!(
                            "`slow_statement_ms` must be a whole number of milliseconds, not `{value}`"
                        ))
                    })?;
                    options.log.slow_statement = Some(Duration::from_millis(ms));
                }
                _ => rest.push(pair),
            }
        }
        if !rest.is_empty() {
            options.url.push('?');
            options.url.push_str(&rest.join("&"));
        }
        Ok(options)
    }

    /// Sets the most pooled connections.
    pub fn max_connections(mut self, n: usize) -> Self {
        self.max_connections = Some(n);
        self
    }

    /// Sets how long to wait for a free connection.
    pub fn acquire_timeout(mut self, timeout: Duration) -> Self {
        self.acquire_timeout = Some(timeout);
        self
    }

    /// Sets how long to wait for the reply to one statement.
    pub fn query_timeout(mut self, timeout: Duration) -> Self {
        self.query_timeout = Some(timeout);
        self
    }

    /// Sets the schemas unqualified names resolve in (PostgreSQL; SQLite
    /// refuses to connect with one). Each connection is started with it,
    /// so it costs no round trip per lease.
    pub fn search_path<S: Into<String>>(mut self, schemas: impl IntoIterator<Item = S>) -> Self {
        self.search_path = Some(schemas.into_iter().map(Into::into).collect());
        self
    }

    /// Prints each statement, its row count and duration to stderr.
    pub fn echo(mut self, on: bool) -> Self {
        self.log.echo = on;
        self
    }

    /// Logs a `tracing` warning for statements taking at least `threshold`.
    pub fn slow_statement(mut self, threshold: Duration) -> Self {
        self.log.slow_statement = Some(threshold);
        self
    }

    /// Includes bound values in statement events and echo lines.
    pub fn log_binds(mut self, on: bool) -> Self {
        self.log.log_binds = on;
        self
    }

    /// The URL with any password hidden, for messages.
    pub fn redacted_url(&self) -> String {
        redact_url(&self.url)
    }
}

fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "true" | "1" | "on" | "yes" => Some(true),
        "false" | "0" | "off" | "no" => Some(false),
        _ => None,
    }
}

/// `%XX` escapes decoded (a URL parameter's value); invalid ones kept as written.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `a,b` as schema names: each non-empty.
fn parse_search_path(s: &str) -> std::result::Result<Vec<String>, String> {
    let schemas: Vec<String> = s.split(',').map(|p| p.trim().to_string()).collect();
    if schemas.iter().any(String::is_empty) {
        return Err(format!(
            "`search_path` must be schema names separated by commas, as in search_path=app,public, not `{s}`"
        ));
    }
    Ok(schemas)
}

fn parse_duration(s: &str) -> Option<Duration> {
    if let Some(ms) = s.strip_suffix("ms") {
        return ms.parse().ok().map(Duration::from_millis);
    }
    let secs = s.strip_suffix('s').unwrap_or(s);
    let secs: f64 = secs.parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_scheme_is_an_invalid_url_naming_the_scheme() {
        let err = ConnectOptions::parse("mysql://localhost/db").unwrap_err();
        assert!(matches!(&err, Error::InvalidUrl { reason, .. } if reason.contains("`mysql`")));
    }

    #[test]
    fn bad_pool_size_is_an_invalid_url() {
        let err = ConnectOptions::parse("sqlite::memory:?pool_size=lots").unwrap_err();
        assert!(matches!(&err, Error::InvalidUrl { reason, .. } if reason.contains("pool_size")));
        let err = ConnectOptions::parse("sqlite::memory:?max_connections=0").unwrap_err();
        assert!(matches!(err, Error::InvalidUrl { .. }));
    }

    #[test]
    fn logging_and_search_path_parameters_are_taken_out() {
        let o = ConnectOptions::parse(
            "postgres://u@h/db?echo=true&slow_statement_ms=250&log_binds=1&search_path=app,My%20Schema&sslmode=disable",
        )
        .unwrap();
        assert_eq!(o.url, "postgres://u@h/db?sslmode=disable");
        assert_eq!(
            o.log,
            StatementLog {
                echo: true,
                slow_statement: Some(Duration::from_millis(250)),
                log_binds: true,
            }
        );
        assert_eq!(
            o.search_path,
            Some(vec!["app".to_string(), "My Schema".to_string()])
        );
        let err = ConnectOptions::parse("sqlite::memory:?echo=loud").unwrap_err();
        assert!(
            matches!(&err, Error::InvalidUrl { reason, .. } if reason.contains("`echo` must be true or false"))
        );
        let err = ConnectOptions::parse("sqlite::memory:?slow_statement_ms=1.5").unwrap_err();
        assert!(
            matches!(&err, Error::InvalidUrl { reason, .. } if reason.contains("slow_statement_ms"))
        );
        let err = ConnectOptions::parse("postgres://u@h/db?search_path=a,,b").unwrap_err();
        assert!(matches!(&err, Error::InvalidUrl { reason, .. } if reason.contains("search_path")));
    }

    #[test]
    fn other_parameters_are_kept_for_the_backend() {
        let o = ConnectOptions::parse("sqlite://a.db?mode=rwc&pool_size=2").unwrap();
        assert_eq!(o.url, "sqlite://a.db?mode=rwc");
        assert_eq!(o.max_connections, Some(2));
        assert_eq!(o.scheme, Scheme::Sqlite);
        let o = ConnectOptions::parse("postgresql://u@h/db?acquire_timeout=2").unwrap();
        assert_eq!(o.acquire_timeout, Some(Duration::from_secs(2)));
        assert_eq!(o.scheme, Scheme::Postgres);
    }
}
