//! The contract a database backend fulfils: a pool of [`Connection`]s and a
//! [`Dialect`]. `orm-postgres` and `orm-sqlite` implement it.

use std::future::Future;
use std::sync::Arc;

use futures_core::stream::BoxStream;

use super::{ConnectOptions, TxStatus};
use crate::error::Result;
use crate::row::FromRow;
use crate::sql::Dialect;
use crate::table::TableMeta;
use crate::value::{Value, ValueRef};

/// How full a pool is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStatus {
    /// The most connections the pool opens.
    pub max_size: usize,
    /// Connections open now (idle and in use).
    pub size: usize,
    /// Connections open and idle now.
    pub idle: usize,
}

/// Options of `TRUNCATE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TruncateOptions {
    /// Also empty every table that references this one by foreign key.
    pub cascade: bool,
    /// Restart the generated-key sequence (identity / autoincrement counter).
    pub restart_identity: bool,
}

/// A database backend: a connection pool and the dialect it speaks.
///
/// A value of this type is a handle on the pool; clones share it.
pub trait Backend: Clone + Send + Sync + Sized + 'static {
    /// A connection leased from the pool.
    type Conn: Connection;

    /// Opens a pool as `options` describe.
    fn connect(options: &ConnectOptions) -> impl Future<Output = Result<Self>> + Send;

    /// The backend's name (`"postgresql"`, `"sqlite"`).
    fn name(&self) -> &'static str;

    /// The dialect queries are compiled for.
    fn dialect(&self) -> &dyn Dialect;

    /// Leases a connection, waiting at most the acquire timeout.
    fn acquire(&self) -> impl Future<Output = Result<Self::Conn>> + Send;

    /// How full the pool is.
    fn pool_status(&self) -> PoolStatus;

    /// Closes the pool: idle connections are closed now, leased ones when
    /// they come back.
    fn close(&self) -> impl Future<Output = ()> + Send;
}

/// A connection leased from a pool.
///
/// Dropping it returns it to the pool only when its [`TxStatus`] is `Idle`;
/// otherwise the backend rolls it back first, or closes it, so no connection
/// ever goes back to the pool inside a transaction.
pub trait Connection: Send + 'static {
    /// What the transaction state is known to be.
    fn tx_status(&self) -> TxStatus;

    /// Records the transaction state after a transaction-control statement.
    fn set_tx_status(&mut self, status: TxStatus);

    /// Runs statements without binds through the simple protocol
    /// (transaction control, DDL).
    fn batch<'a>(&'a mut self, sql: &'a str) -> impl Future<Output = Result<()>> + Send + 'a;

    /// Runs a statement, returning the number of rows affected.
    fn execute<'a>(
        &'a mut self,
        sql: &'a str,
        binds: &'a [ValueRef<'a>],
    ) -> impl Future<Output = Result<u64>> + Send + 'a;

    /// Runs a query and decodes every row.
    fn fetch_all<'a, T: FromRow + Send + 'static>(
        &'a mut self,
        sql: &'a str,
        binds: &'a [ValueRef<'a>],
    ) -> impl Future<Output = Result<Vec<T>>> + Send + 'a;

    /// Runs a query and decodes rows as they arrive.
    fn fetch_stream<'a, T: FromRow + Send + 'a>(
        &'a mut self,
        sql: Arc<str>,
        binds: Vec<Value>,
    ) -> BoxStream<'a, Result<T>>;

    /// Empties `table` inside the current transaction.
    fn truncate<'a>(
        &'a mut self,
        table: &'static TableMeta,
        options: TruncateOptions,
    ) -> impl Future<Output = Result<()>> + Send + 'a;

    /// Marks the connection as never to be reused: it is closed instead of
    /// going back to the pool.
    fn discard(&mut self);
}
