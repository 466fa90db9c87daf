//! The contract a database backend fulfils: a pool of [`Connection`]s and a
//! [`Dialect`]. `orm-postgres` and `orm-sqlite` implement it.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures_core::stream::BoxStream;
use futures_core::Stream;
use tokio::io::AsyncWrite;

use super::{
    AdvisoryKey, AdvisoryScope, ConnectOptions, CopyFormat, CopySource, Listener,
    PreparedTransaction, SettingScope, TxOptions, TxStatus,
};
use crate::error::{Error, Result};
use crate::query::{Direction, ResultColumn};
use crate::row::FromRow;
use crate::sql::Dialect;
use crate::table::{Table, TableMeta};
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

    /// Waits `duration` on the backend's runtime (the back-off between
    /// retried transactions; orm-core itself knows no runtime).
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send;

    /// Opens a connection of its own (not leased from the pool), listens on
    /// `channels` and streams what arrives, reconnecting when the connection
    /// is lost. [`Error::Unsupported`] where the backend has no LISTEN.
    fn listen(&self, channels: Vec<String>) -> impl Future<Output = Result<Listener>> + Send {
        let _ = channels;
        let backend = self.name();
        async move { Err(unsupported(backend, "LISTEN/NOTIFY")) }
    }
}

/// The error of a feature a backend lacks.
fn unsupported(backend: &'static str, what: &str) -> Error {
    Error::Unsupported {
        backend,
        what: format!("{what}: this backend has none"),
    }
}

/// A connection leased from a pool.
///
/// Dropping it returns it to the pool only when its [`TxStatus`] is `Idle`;
/// otherwise the backend rolls it back first, or closes it, so no connection
/// ever goes back to the pool inside a transaction.
///
/// The status is tracked as statements complete: [`begin`](Self::begin),
/// [`commit`](Self::commit) and [`rollback`](Self::rollback) set it, and SQL
/// run through [`batch`](Self::batch), [`execute`](Self::execute) or the
/// fetch methods that contains transaction control (see
/// [`controls_transaction`](super::controls_transaction)) makes it
/// [`TxStatus::Unknown`]. A future dropped mid-statement leaves it as it
/// was set before the statement (`Unknown` for transaction control), and
/// the backend also remembers that a statement was interrupted.
pub trait Connection: Send + 'static {
    /// What the transaction state is known to be.
    fn tx_status(&self) -> TxStatus;

    /// Records the transaction state after transaction control the
    /// connection could not see (SQL sent through a driver handle).
    fn set_tx_status(&mut self, status: TxStatus);

    /// Opens a transaction as `options` say (PostgreSQL: `BEGIN ISOLATION
    /// LEVEL .., READ ONLY, DEFERRABLE`; SQLite: `BEGIN IMMEDIATE` and
    /// friends). The status is `InTransaction` once it succeeded.
    fn begin<'a>(
        &'a mut self,
        options: &'a TxOptions,
    ) -> impl Future<Output = Result<()>> + Send + 'a;

    /// Sends on its own a `BEGIN` that [`begin`](Self::begin) kept to go
    /// with the transaction's first statement, if it kept one. A session
    /// calls it before a stream, which carries no `BEGIN`, so that a
    /// refused `BEGIN` (the status is then `Idle`) is told apart from a
    /// failing statement. The default sends nothing: a backend that keeps
    /// a `BEGIN` only for statements that can carry it needs nothing else.
    fn send_begin(&mut self) -> impl Future<Output = Result<()>> + Send + '_ {
        std::future::ready(Ok(()))
    }

    /// Commits the open transaction; the status is `Idle` once it succeeded.
    ///
    /// When the database refuses the commit (a serialization failure, a
    /// deferred constraint), that error is returned and the status says
    /// whether the transaction is over. When the connection is lost or
    /// times out after `COMMIT` was sent, the error is
    /// [`Error::CommitOutcomeUnknown`](crate::Error::CommitOutcomeUnknown)
    /// and the connection is discarded.
    fn commit(&mut self) -> impl Future<Output = Result<()>> + Send + '_;

    /// Rolls back the open transaction; the status is `Idle` once it
    /// succeeded. On a connection that is lost this succeeds without a word
    /// to the server, which rolls back by itself when a connection ends.
    fn rollback(&mut self) -> impl Future<Output = Result<()>> + Send + '_;

    /// Prepares the open transaction for two-phase commit under the global
    /// id `gid`; the connection is then outside any transaction.
    /// [`Error::Unsupported`](crate::Error::Unsupported) where the backend
    /// or the server has no two-phase commit.
    fn prepare_transaction<'a>(
        &'a mut self,
        gid: &'a str,
    ) -> impl Future<Output = Result<()>> + Send + 'a;

    /// Commits (`commit == true`) or rolls back the prepared transaction
    /// `gid`, prepared by any session. Runs outside any transaction.
    fn finish_prepared<'a>(
        &'a mut self,
        gid: &'a str,
        commit: bool,
    ) -> impl Future<Output = Result<()>> + Send + 'a;

    /// The prepared transactions of the connection's database still
    /// waiting for a commit or rollback.
    fn prepared_transactions(
        &mut self,
    ) -> impl Future<Output = Result<Vec<PreparedTransaction>>> + Send + '_;

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

    /// Runs a `SELECT` that orm built and decodes every row: a statement
    /// that reads and does nothing else (no locks beyond the statement, no
    /// functions with effects). By default [`fetch_all`](Self::fetch_all).
    ///
    /// A backend whose transaction at the requested isolation gives every
    /// statement a snapshot of its own (PostgreSQL's READ COMMITTED) may
    /// run it before a pending `BEGIN`, which then goes with the first
    /// statement that is not such a read: the read sees exactly what it
    /// would have seen inside the transaction, and a transaction that only
    /// read costs no `BEGIN` and no `COMMIT`.
    fn fetch_select<'a, T: FromRow + Send + 'static>(
        &'a mut self,
        sql: &'a str,
        binds: &'a [ValueRef<'a>],
    ) -> impl Future<Output = Result<Vec<T>>> + Send + 'a {
        self.fetch_all(sql, binds)
    }

    /// Like [`fetch_select`](Self::fetch_select), as a stream. By default
    /// [`fetch_stream`](Self::fetch_stream).
    fn stream_select<'a, T: FromRow + Send + 'a>(
        &'a mut self,
        sql: Arc<str>,
        binds: Vec<Value>,
    ) -> BoxStream<'a, Result<T>> {
        self.fetch_stream(sql, binds)
    }

    /// The columns `sql` would return, from the prepared statement, without
    /// running it. [`Error::Unsupported`] by default.
    fn describe<'a>(
        &'a mut self,
        sql: &'a str,
    ) -> impl Future<Output = Result<Vec<ResultColumn>>> + Send + 'a {
        let _ = sql;
        async {
            Err(Error::Unsupported {
                backend: "this backend",
                what: "describing a statement's columns".into(),
            })
        }
    }

    /// The current value of setting `name`, as text.
    /// [`Error::Unsupported`] by default.
    fn setting<'a>(
        &'a mut self,
        name: &'a str,
    ) -> impl Future<Output = Result<String>> + Send + 'a {
        async move { Err(no_settings(name)) }
    }

    /// Sets `name` to `value` for `scope`; a [`SettingScope::Connection`]
    /// change is reset before the connection goes back to the pool.
    /// [`Error::Unsupported`] by default.
    fn set_setting<'a>(
        &'a mut self,
        name: &'a str,
        value: &'a str,
        scope: SettingScope,
    ) -> impl Future<Output = Result<()>> + Send + 'a {
        let _ = (value, scope);
        async move { Err(no_settings(name)) }
    }

    /// Puts `name` back to its default for `scope`.
    /// [`Error::Unsupported`] by default.
    fn reset_setting<'a>(
        &'a mut self,
        name: &'a str,
        scope: SettingScope,
    ) -> impl Future<Output = Result<()>> + Send + 'a {
        let _ = scope;
        async move { Err(no_settings(name)) }
    }

    /// Empties `table` inside the current transaction.
    fn truncate<'a>(
        &'a mut self,
        table: &'static TableMeta,
        options: TruncateOptions,
    ) -> impl Future<Output = Result<()>> + Send + 'a;

    /// Marks the connection as never to be reused: it is closed instead of
    /// going back to the pool.
    fn discard(&mut self);

    /// Takes the advisory lock `key` for `scope`, waiting while another
    /// session holds it. A backend that returns a connection holding
    /// session-level locks to its pool must release them first (or close
    /// the connection). [`Error::Unsupported`] where the backend has none.
    fn advisory_lock(
        &mut self,
        key: AdvisoryKey,
        scope: AdvisoryScope,
    ) -> impl Future<Output = Result<()>> + Send + '_ {
        let _ = (key, scope);
        async { Err(unsupported("this backend", "advisory locks")) }
    }

    /// Takes the advisory lock `key` for `scope` if it is free; says whether
    /// it did.
    fn try_advisory_lock(
        &mut self,
        key: AdvisoryKey,
        scope: AdvisoryScope,
    ) -> impl Future<Output = Result<bool>> + Send + '_ {
        let _ = (key, scope);
        async { Err(unsupported("this backend", "advisory locks")) }
    }

    /// Releases one hold of the session-level advisory lock `key`; false
    /// when this connection did not hold it.
    fn advisory_unlock(
        &mut self,
        key: AdvisoryKey,
    ) -> impl Future<Output = Result<bool>> + Send + '_ {
        let _ = key;
        async { Err(unsupported("this backend", "advisory locks")) }
    }

    /// Sends `payload` on `channel` with the open transaction (delivered on
    /// commit).
    fn notify<'a>(
        &'a mut self,
        channel: &'a str,
        payload: &'a str,
    ) -> impl Future<Output = Result<()>> + Send + 'a {
        let _ = (channel, payload);
        async { Err(unsupported("this backend", "LISTEN/NOTIFY")) }
    }

    /// Declares the server-side cursor `name` (a generated name, which the
    /// backend quotes) for the query `sql` with `binds` bound, inside the
    /// open transaction; `scroll` allows moving backward. Backends without
    /// cursors keep the default, [`Error::Unsupported`].
    fn declare_cursor<'a>(
        &'a mut self,
        name: &'a str,
        sql: &'a str,
        binds: &'a [ValueRef<'a>],
        scroll: bool,
    ) -> impl Future<Output = Result<()>> + Send + 'a {
        let _ = (name, sql, binds, scroll);
        async { Err(unsupported("this backend", "server-side cursors")) }
    }

    /// Fetches the rows `direction` says from cursor `name`.
    fn fetch_cursor<'a, T: FromRow + Send + 'static>(
        &'a mut self,
        name: &'a str,
        direction: Direction,
    ) -> impl Future<Output = Result<Vec<T>>> + Send + 'a {
        let _ = (name, direction);
        async { Err(unsupported("this backend", "server-side cursors")) }
    }

    /// Moves cursor `name` as `direction` says, returning how many rows it
    /// passed over.
    fn move_cursor<'a>(
        &'a mut self,
        name: &'a str,
        direction: Direction,
    ) -> impl Future<Output = Result<u64>> + Send + 'a {
        let _ = (name, direction);
        async { Err(unsupported("this backend", "server-side cursors")) }
    }

    /// Closes cursor `name`.
    fn close_cursor<'a>(
        &'a mut self,
        name: &'a str,
    ) -> impl Future<Output = Result<()>> + Send + 'a {
        let _ = name;
        async { Err(unsupported("this backend", "server-side cursors")) }
    }

    /// Copies `rows` into `T`'s table with binary `COPY`, writing the
    /// columns `columns` (indexes into `T::table().columns`) of each row;
    /// returns the number of rows written. An error, of a row or of the
    /// stream, aborts the whole copy.
    fn copy_in<'a, T, R, S>(
        &'a mut self,
        columns: &'a [usize],
        rows: S,
    ) -> impl Future<Output = Result<u64>> + Send + 'a
    where
        T: Table,
        R: std::borrow::Borrow<T> + Send + 'a,
        S: Stream<Item = Result<R>> + Send + 'a,
    {
        let _ = (columns, rows);
        async { Err(unsupported("this backend", "COPY")) }
    }

    /// Copies `source` out to `out` in `format`; returns the bytes written.
    fn copy_out<'a, W>(
        &'a mut self,
        source: CopySource<'a>,
        format: CopyFormat,
        out: &'a mut W,
    ) -> impl Future<Output = Result<u64>> + Send + 'a
    where
        W: AsyncWrite + Unpin + Send + ?Sized,
    {
        let _ = (source, format, out);
        async { Err(unsupported("this backend", "COPY")) }
    }
}

fn no_settings(name: &str) -> Error {
    Error::Unsupported {
        backend: "this backend",
        what: format!("settings (`{name}`)"),
    }
}
