//! [`Any`]: the backend chosen at run time from the URL's scheme.

use std::sync::Arc;
use std::time::Duration;

use futures_core::stream::BoxStream;
use futures_core::Stream;
use orm_core::session::{AdvisoryKey, AdvisoryScope, Listener};
use orm_core::{
    Backend, ConnectOptions, Connection, CopyFormat, CopySource, Dialect, Direction, FromRow,
    PoolStatus, PreparedTransaction, Result, ResultColumn, Scheme, SettingScope, Table, TableMeta,
    TruncateOptions, TxOptions, TxStatus, Value, ValueRef,
};

/// A backend chosen by URL: `postgres://` / `postgresql://` for PostgreSQL,
/// `sqlite://path` / `sqlite::memory:` for SQLite.
///
/// Each variant is present when its cargo feature is on (both are by default).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Any {
    /// PostgreSQL on tokio-postgres, pooled by deadpool.
    #[cfg(feature = "postgres")]
    Postgres(orm_postgres::Postgres),
    /// SQLite on sqlx's driver.
    #[cfg(feature = "sqlite")]
    Sqlite(orm_sqlite::Sqlite),
    /// SQLite on rusqlite, a thread per connection
    /// (`sqlite://app.db?executor=rusqlite`, feature `rusqlite`).
    #[cfg(feature = "rusqlite")]
    Rusqlite(orm_sqlite::Rusqlite),
}

/// A connection leased from an [`Any`] pool.
#[derive(Debug)]
#[non_exhaustive]
#[allow(
    clippy::large_enum_variant,
    reason = "one value per lease, moved a few times: boxing the PostgreSQL connection would \
              cost an allocation on every lease to save stack space nobody is short of"
)]
pub enum AnyConnection {
    /// A PostgreSQL connection.
    #[cfg(feature = "postgres")]
    Postgres(orm_postgres::PgConnection),
    /// A SQLite connection.
    #[cfg(feature = "sqlite")]
    Sqlite(orm_sqlite::SqliteConn),
    /// A SQLite connection of the rusqlite executor.
    #[cfg(feature = "rusqlite")]
    Rusqlite(orm_sqlite::RusqliteConn),
}

// Delegates a method call to whichever backend the value holds.
macro_rules! dispatch {
    ($value:expr, $inner:ident => $body:expr) => {
        match $value {
            #[cfg(feature = "postgres")]
            Self::Postgres($inner) => $body,
            #[cfg(feature = "sqlite")]
            Self::Sqlite($inner) => $body,
            #[cfg(feature = "rusqlite")]
            Self::Rusqlite($inner) => $body,
        }
    };
}

#[cfg(not(all(feature = "postgres", feature = "sqlite")))]
fn not_compiled(options: &ConnectOptions, feature: &str) -> orm_core::Error {
    orm_core::Error::InvalidUrl {
        url: options.redacted_url(),
        reason: format!(
            "this build of orm has no {feature} backend: enable the `{feature}` feature"
        ),
    }
}

impl Backend for Any {
    type Conn = AnyConnection;

    async fn connect(options: &ConnectOptions) -> Result<Self> {
        match options.scheme {
            Scheme::Postgres => {
                #[cfg(feature = "postgres")]
                return Ok(Any::Postgres(
                    orm_postgres::Postgres::connect(options).await?,
                ));
                #[cfg(not(feature = "postgres"))]
                return Err(not_compiled(options, "postgres"));
            }
            Scheme::Sqlite => {
                #[cfg(feature = "rusqlite")]
                if orm_sqlite::Rusqlite::chosen_by(options) {
                    return Ok(Any::Rusqlite(orm_sqlite::Rusqlite::connect(options).await?));
                }
                #[cfg(feature = "sqlite")]
                return Ok(Any::Sqlite(orm_sqlite::Sqlite::connect(options).await?));
                #[cfg(not(feature = "sqlite"))]
                return Err(not_compiled(options, "sqlite"));
            }
        }
    }

    fn name(&self) -> &'static str {
        dispatch!(self, b => b.name())
    }

    fn dialect(&self) -> &dyn Dialect {
        dispatch!(self, b => b.dialect())
    }

    async fn acquire(&self) -> Result<AnyConnection> {
        Ok(dispatch!(self, b => b.acquire().await?.into()))
    }

    fn pool_status(&self) -> PoolStatus {
        dispatch!(self, b => b.pool_status())
    }

    async fn close(&self) {
        dispatch!(self, b => b.close().await)
    }

    async fn sleep(&self, duration: Duration) {
        dispatch!(self, b => b.sleep(duration).await)
    }

    async fn listen(&self, channels: Vec<String>) -> Result<Listener> {
        dispatch!(self, b => b.listen(channels).await)
    }
}

#[cfg(feature = "postgres")]
impl From<orm_postgres::PgConnection> for AnyConnection {
    fn from(c: orm_postgres::PgConnection) -> Self {
        AnyConnection::Postgres(c)
    }
}

#[cfg(feature = "sqlite")]
impl From<orm_sqlite::SqliteConn> for AnyConnection {
    fn from(c: orm_sqlite::SqliteConn) -> Self {
        AnyConnection::Sqlite(c)
    }
}

#[cfg(feature = "rusqlite")]
impl From<orm_sqlite::RusqliteConn> for AnyConnection {
    fn from(c: orm_sqlite::RusqliteConn) -> Self {
        AnyConnection::Rusqlite(c)
    }
}

impl Connection for AnyConnection {
    fn tx_status(&self) -> TxStatus {
        dispatch!(self, c => c.tx_status())
    }

    fn set_tx_status(&mut self, status: TxStatus) {
        dispatch!(self, c => c.set_tx_status(status))
    }

    async fn begin<'a>(&'a mut self, options: &'a TxOptions) -> Result<()> {
        dispatch!(self, c => c.begin(options).await)
    }

    async fn send_begin(&mut self) -> Result<()> {
        dispatch!(self, c => c.send_begin().await)
    }

    async fn commit(&mut self) -> Result<()> {
        dispatch!(self, c => c.commit().await)
    }

    async fn rollback(&mut self) -> Result<()> {
        dispatch!(self, c => c.rollback().await)
    }

    async fn prepare_transaction<'a>(&'a mut self, gid: &'a str) -> Result<()> {
        dispatch!(self, c => c.prepare_transaction(gid).await)
    }

    async fn finish_prepared<'a>(&'a mut self, gid: &'a str, commit: bool) -> Result<()> {
        dispatch!(self, c => c.finish_prepared(gid, commit).await)
    }

    async fn prepared_transactions(&mut self) -> Result<Vec<PreparedTransaction>> {
        dispatch!(self, c => c.prepared_transactions().await)
    }

    async fn batch(&mut self, sql: &str) -> Result<()> {
        dispatch!(self, c => c.batch(sql).await)
    }

    async fn execute<'a>(&'a mut self, sql: &'a str, binds: &'a [ValueRef<'a>]) -> Result<u64> {
        dispatch!(self, c => c.execute(sql, binds).await)
    }

    async fn fetch_all<'a, T: FromRow + Send + 'static>(
        &'a mut self,
        sql: &'a str,
        binds: &'a [ValueRef<'a>],
    ) -> Result<Vec<T>> {
        dispatch!(self, c => c.fetch_all(sql, binds).await)
    }

    fn fetch_stream<'a, T: FromRow + Send + 'a>(
        &'a mut self,
        sql: Arc<str>,
        binds: Vec<Value>,
    ) -> BoxStream<'a, Result<T>> {
        dispatch!(self, c => c.fetch_stream(sql, binds))
    }

    async fn fetch_select<'a, T: FromRow + Send + 'static>(
        &'a mut self,
        sql: &'a str,
        binds: &'a [ValueRef<'a>],
    ) -> Result<Vec<T>> {
        dispatch!(self, c => c.fetch_select(sql, binds).await)
    }

    fn stream_select<'a, T: FromRow + Send + 'a>(
        &'a mut self,
        sql: Arc<str>,
        binds: Vec<Value>,
    ) -> BoxStream<'a, Result<T>> {
        dispatch!(self, c => c.stream_select(sql, binds))
    }

    async fn setting<'a>(&'a mut self, name: &'a str) -> Result<String> {
        dispatch!(self, c => c.setting(name).await)
    }

    async fn set_setting<'a>(
        &'a mut self,
        name: &'a str,
        value: &'a str,
        scope: SettingScope,
    ) -> Result<()> {
        dispatch!(self, c => c.set_setting(name, value, scope).await)
    }

    async fn reset_setting<'a>(&'a mut self, name: &'a str, scope: SettingScope) -> Result<()> {
        dispatch!(self, c => c.reset_setting(name, scope).await)
    }

    async fn describe<'a>(&'a mut self, sql: &'a str) -> Result<Vec<ResultColumn>> {
        dispatch!(self, c => c.describe(sql).await)
    }

    async fn truncate(
        &mut self,
        table: &'static TableMeta,
        options: TruncateOptions,
    ) -> Result<()> {
        dispatch!(self, c => c.truncate(table, options).await)
    }

    fn discard(&mut self) {
        dispatch!(self, c => c.discard())
    }

    async fn advisory_lock(&mut self, key: AdvisoryKey, scope: AdvisoryScope) -> Result<()> {
        dispatch!(self, c => c.advisory_lock(key, scope).await)
    }

    async fn try_advisory_lock(&mut self, key: AdvisoryKey, scope: AdvisoryScope) -> Result<bool> {
        dispatch!(self, c => c.try_advisory_lock(key, scope).await)
    }

    async fn advisory_unlock(&mut self, key: AdvisoryKey) -> Result<bool> {
        dispatch!(self, c => c.advisory_unlock(key).await)
    }

    async fn notify<'a>(&'a mut self, channel: &'a str, payload: &'a str) -> Result<()> {
        dispatch!(self, c => c.notify(channel, payload).await)
    }

    async fn declare_cursor<'a>(
        &'a mut self,
        name: &'a str,
        sql: &'a str,
        binds: &'a [ValueRef<'a>],
        scroll: bool,
    ) -> Result<()> {
        dispatch!(self, c => c.declare_cursor(name, sql, binds, scroll).await)
    }

    async fn fetch_cursor<'a, T: FromRow + Send + 'static>(
        &'a mut self,
        name: &'a str,
        direction: Direction,
    ) -> Result<Vec<T>> {
        dispatch!(self, c => c.fetch_cursor(name, direction).await)
    }

    async fn move_cursor<'a>(&'a mut self, name: &'a str, direction: Direction) -> Result<u64> {
        dispatch!(self, c => c.move_cursor(name, direction).await)
    }

    async fn close_cursor<'a>(&'a mut self, name: &'a str) -> Result<()> {
        dispatch!(self, c => c.close_cursor(name).await)
    }

    async fn copy_in<'a, T, R, S>(&'a mut self, columns: &'a [usize], rows: S) -> Result<u64>
    where
        T: Table,
        R: std::borrow::Borrow<T> + Send + 'a,
        S: Stream<Item = Result<R>> + Send + 'a,
    {
        dispatch!(self, c => c.copy_in::<T, R, S>(columns, rows).await)
    }

    async fn copy_out<'a, W>(
        &'a mut self,
        source: CopySource<'a>,
        format: CopyFormat,
        out: &'a mut W,
    ) -> Result<u64>
    where
        W: tokio::io::AsyncWrite + Unpin + Send + ?Sized,
    {
        dispatch!(self, c => c.copy_out(source, format, out).await)
    }
}
