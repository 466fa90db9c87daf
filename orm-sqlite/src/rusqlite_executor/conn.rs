//! [`RusqliteConn`]: a connection of the rusqlite executor, and how it runs
//! statements and transaction control, each as one job on the connection's
//! thread.

use std::sync::Arc;
use std::time::Duration;

use futures_core::stream::BoxStream;
use orm_core::session::{is_lone_query, AdvisoryKey, AdvisoryScope};
use orm_core::{
    Connection, Error, FromRow, LockMode, PreparedTransaction, Result, ResultColumn, SettingScope,
    TableMeta, TruncateOptions, TxOptions, TxStatus, Value, ValueRef,
};

use super::bind::{owned, Params};
use super::error::from_rusqlite;
use super::row::{Columns, OwnedRow};
use super::Object;
use crate::cell::CellRow;
use crate::connection::postgres_only;
use crate::describe::{result_columns, type_from_row};
use crate::error::is_no_transaction_error;
use crate::row::declared_name;
use crate::settings;
use crate::storage::check_bind_count;
use crate::transaction::{begin_sql, QUERY_ONLY_OFF, QUERY_ONLY_ON};
use crate::SqliteConn;

/// How many rows of a stream travel in one reply.
const STREAM_CHUNK: usize = 256;

/// A connection leased from a [`Rusqlite`](super::Rusqlite) pool.
///
/// It keeps the promises of [`SqliteConn`]: the transaction status is
/// tracked as statements complete, and a connection dropped inside a
/// transaction (or in an unknown state) never serves another lease before
/// it is rolled back. Here the `ROLLBACK` is queued on the connection's own
/// thread as it is dropped, ahead of anything the next lease sends, so the
/// drop costs the caller nothing and needs no runtime; should the rollback
/// fail, the thread ends and the connection is closed.
pub struct RusqliteConn {
    object: Option<Object>,
    status: TxStatus,
    discarded: bool,
    in_memory: bool,
    /// `PRAGMA query_only` may be on (a read-only transaction).
    query_only: bool,
    /// The open transaction began without the write lock (DEFERRED).
    deferred: bool,
    /// A statement ran since `BEGIN`.
    reading: bool,
    query_timeout: Option<Duration>,
    /// Pragmas changed by `set_setting`, with the values to restore before
    /// the connection goes back to the pool.
    restore: Vec<(String, String)>,
}

impl std::fmt::Debug for RusqliteConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RusqliteConn")
            .field("tx_status", &self.status)
            .field("discarded", &self.discarded)
            .field("in_memory", &self.in_memory)
            .finish()
    }
}

impl RusqliteConn {
    pub(crate) fn new(object: Object, in_memory: bool, query_timeout: Option<Duration>) -> Self {
        RusqliteConn {
            object: Some(object),
            status: TxStatus::Idle,
            discarded: false,
            in_memory,
            query_only: false,
            deferred: false,
            reading: false,
            query_timeout,
            restore: Vec::new(),
        }
    }

    /// Runs `job`: on the caller's thread when the connection is free and
    /// `job` does not have to wait for a lock (see [`Worker::run_here`]),
    /// else on the connection's thread under the query timeout (past it, or
    /// with the thread gone, the connection is discarded). Only jobs that
    /// may run again after SQLite refused them with `SQLITE_BUSY` may be
    /// `inline`: one statement, or control whose first statement is the one
    /// that takes locks. One async level on purpose: the future of every
    /// statement nests this one.
    ///
    /// [`Worker::run_here`]: super::worker::Worker::run_here
    async fn run<R: Send + 'static>(
        &mut self,
        operation: &'static str,
        inline: bool,
        job: impl Fn(&mut rusqlite::Connection) -> Result<R> + Send + 'static,
    ) -> Result<R> {
        let Some(worker) = self.object.as_deref() else {
            return Err(super::worker::lost());
        };
        if inline {
            if let Some(done) = worker.run_here(&job) {
                return done;
            }
        }
        self.on_thread(operation, job).await
    }

    /// Runs one statement, `job` on `sql` and `binds`, as [`run`](Self::run)
    /// does an `inline` job, without copying `sql` or the values for the
    /// caller's thread: only a statement handed to the connection's thread
    /// takes owned copies along.
    async fn statement<R: Send + 'static>(
        &mut self,
        operation: &'static str,
        sql: &str,
        binds: &[ValueRef<'_>],
        job: fn(&mut rusqlite::Connection, &str, Params<'_>) -> Result<R>,
    ) -> Result<R> {
        let Some(worker) = self.object.as_deref() else {
            return Err(super::worker::lost());
        };
        if let Some(done) = worker.run_here(|conn| job(conn, sql, Params::Refs(binds))) {
            return done;
        }
        let params = owned(binds)?;
        let sql = sql.to_string();
        // Boxed: the rare path, kept out of the future every statement nests.
        Box::pin(self.on_thread(operation, move |conn| {
            job(conn, &sql, Params::Owned(&params))
        }))
        .await
    }

    /// Runs `job` on the connection's thread under the query timeout (past
    /// it, or with the thread gone, the connection is discarded).
    async fn on_thread<R: Send + 'static>(
        &mut self,
        operation: &'static str,
        job: impl FnOnce(&mut rusqlite::Connection) -> Result<R> + Send + 'static,
    ) -> Result<R> {
        let Some(worker) = self.object.as_deref() else {
            return Err(super::worker::lost());
        };
        let reply = worker.submit(job)?;
        let result = match self.query_timeout {
            None => reply.await.unwrap_or_else(|_| Err(super::worker::lost())),
            Some(timeout) => match tokio::time::timeout(timeout, reply).await {
                Ok(reply) => reply.unwrap_or_else(|_| Err(super::worker::lost())),
                Err(_) => Err(Error::Timeout { operation, timeout }),
            },
        };
        if let Err(Error::Timeout { .. } | Error::ConnectionLost { .. }) = &result {
            self.discarded = true;
        }
        result
    }

    /// Before a statement: marks the status unknown when `sql` holds
    /// transaction control (never when it is `plain`, as
    /// [`is_plain_statement`](orm_core::session::is_plain_statement) says),
    /// and says whether SQLite will wait for the write lock (see
    /// `SqliteConn::after_statement`, which reports a deferred transaction's
    /// lost race for it as a deadlock).
    fn before(&mut self, sql: &str, plain: bool) -> bool {
        crate::connection::before_statement(
            sql,
            plain,
            self.deferred,
            &mut self.reading,
            &mut self.status,
        )
    }

    /// Before a statement: the pragmas it may change are remembered, and
    /// the transaction's state noted; a plain statement, as orm writes
    /// them, needs neither scan. Says whether SQLite will wait for the
    /// write lock.
    async fn before_statement(&mut self, sql: &str) -> bool {
        let plain = orm_core::session::is_plain_statement(sql);
        if !plain {
            self.remember_pragmas(sql).await;
        }
        self.before(sql, plain)
    }

    /// Runs transaction-control statements in order, each prepared once
    /// per connection: the status is unknown until they succeeded, and is
    /// then `after`.
    async fn control(
        &mut self,
        operation: &'static str,
        statements: [Option<&'static str>; 2],
        after: TxStatus,
    ) -> Result<()> {
        self.status = TxStatus::Unknown;
        self.deferred = false;
        // The statement that takes locks (BEGIN, COMMIT, ROLLBACK) comes
        // first, or after `query_only` (which takes none): refused with
        // SQLITE_BUSY, they may run again.
        self.run(operation, true, move |conn| {
            for sql in statements.into_iter().flatten() {
                conn.prepare_cached(sql)
                    .and_then(|mut statement| statement.raw_execute())
                    .map_err(from_rusqlite)?;
            }
            Ok(())
        })
        .await?;
        self.status = after;
        Ok(())
    }

    /// `sql`, preceded by turning a read-only transaction's `query_only` off.
    fn after_query_only(&mut self, sql: &'static str) -> [Option<&'static str>; 2] {
        let off = std::mem::take(&mut self.query_only).then_some(QUERY_ONLY_OFF);
        [off, Some(sql)]
    }
}

impl RusqliteConn {
    /// `PRAGMA "name"`: its value as text.
    async fn read_pragma(&mut self, name: &str) -> Result<String> {
        let sql = settings::read_statement(name)?;
        let value = self
            .run("a statement", true, move |conn| {
                let mut statement = conn.prepare(&sql).map_err(from_rusqlite)?;
                let mut rows = statement.query([]).map_err(from_rusqlite)?;
                let Some(row) = rows.next().map_err(from_rusqlite)? else {
                    return Ok(None);
                };
                CellRow(row).setting(0).map(Some)
            })
            .await?;
        value.ok_or_else(|| settings::no_such_pragma(name))
    }

    /// Remembers the value of pragma `name`, unless already remembered, to
    /// be restored before the connection goes back to the pool.
    async fn remember_pragma(&mut self, name: &str) -> Result<()> {
        if settings::unrecorded(&self.restore, name) {
            let earlier = self.read_pragma(name).await?;
            settings::record(&mut self.restore, name, earlier)?;
        }
        Ok(())
    }

    /// Before raw SQL runs: remembers the value of each pragma it may change
    /// ([`settings::pragma_writes`]); one that cannot be read back marks the
    /// connection discarded, so it does not go back to the pool changed.
    async fn remember_pragmas(&mut self, sql: &str) {
        let names = settings::pragma_writes(sql);
        if names.is_empty() {
            return;
        }
        // Boxed: rare, and the future of every statement nests this one.
        Box::pin(async move {
            for name in names {
                if self.remember_pragma(name).await.is_err() {
                    self.discarded = true;
                }
            }
        })
        .await;
    }

    /// `PRAGMA "name" = value`, remembering the earlier value to restore.
    async fn write_pragma(&mut self, name: &str, value: &str) -> Result<()> {
        let sql = settings::write_statement(name, value)?;
        self.remember_pragma(name).await?;
        self.run("a statement", true, move |conn| {
            conn.execute_batch(&sql).map_err(from_rusqlite)
        })
        .await
    }

    /// Prepares `sql` and reads its result columns: their names and types,
    /// as on the sqlx executor (see `crate::describe`).
    async fn describe_statement(&mut self, sql: &str) -> Result<Vec<ResultColumn>> {
        let sql = sql.to_string();
        self.run("a statement", true, move |conn| {
            let mut statement = conn.prepare(&sql).map_err(from_rusqlite)?;
            let columns = Columns::of(&statement);
            let mut types: Vec<Option<String>> = columns
                .declared
                .iter()
                .map(|d| d.as_deref().and_then(declared_name).map(str::to_string))
                .collect();
            if types.contains(&None) && statement.readonly() && is_lone_query(&sql) {
                let mut rows = statement.raw_query();
                // Best effort: a statement that fails as it runs is
                // still described, its expressions left untyped.
                if let Ok(Some(row)) = rows.next() {
                    type_from_row(&mut types, row);
                }
            }
            Ok(result_columns(&columns.names, types))
        })
        .await
    }
}

fn loses_outcome(error: &Error) -> bool {
    matches!(error, Error::ConnectionLost { .. } | Error::Timeout { .. })
}

impl Connection for RusqliteConn {
    fn tx_status(&self) -> TxStatus {
        self.status
    }

    fn set_tx_status(&mut self, status: TxStatus) {
        self.status = status;
    }

    /// `BEGIN` in its lock mode (and `query_only` for a read-only
    /// transaction), in one job.
    async fn begin<'a>(&'a mut self, options: &'a TxOptions) -> Result<()> {
        let query_only = options.read_only.then_some(QUERY_ONLY_ON);
        self.query_only |= options.read_only;
        self.control(
            "BEGIN",
            [Some(begin_sql(options)), query_only],
            TxStatus::InTransaction,
        )
        .await?;
        self.deferred = matches!(options.lock, None | Some(LockMode::Deferred));
        self.reading = false;
        Ok(())
    }

    async fn commit(&mut self) -> Result<()> {
        let sql = self.after_query_only("COMMIT");
        match self.control("COMMIT", sql, TxStatus::Idle).await {
            Ok(()) => Ok(()),
            Err(e) if loses_outcome(&e) => Err(Error::CommitOutcomeUnknown {
                source: Box::new(e),
            }),
            Err(e) => Err(e),
        }
    }

    async fn rollback(&mut self) -> Result<()> {
        if self.discarded && !self.in_memory {
            // Closing the connection rolls back.
            return Ok(());
        }
        let sql = self.after_query_only("ROLLBACK");
        match self.control("ROLLBACK", sql, TxStatus::Idle).await {
            Ok(()) => Ok(()),
            Err(e) if is_no_transaction_error(&e) => {
                self.status = TxStatus::Idle;
                Ok(())
            }
            Err(e) if loses_outcome(&e) => Ok(()),
            Err(e) => Err(e),
        }
    }

    async fn prepare_transaction<'a>(&'a mut self, _gid: &'a str) -> Result<()> {
        Err(crate::connection::no_two_phase())
    }

    async fn finish_prepared<'a>(&'a mut self, _gid: &'a str, _commit: bool) -> Result<()> {
        Err(crate::connection::no_two_phase())
    }

    async fn prepared_transactions(&mut self) -> Result<Vec<PreparedTransaction>> {
        Err(crate::connection::no_two_phase())
    }

    async fn batch<'a>(&'a mut self, sql: &'a str) -> Result<()> {
        let waits = self.before_statement(sql).await;
        let owned_sql = sql.to_string();
        let result = self
            // Several statements: refused half-way, some may have run.
            .run("a statement", false, move |conn| {
                conn.execute_batch(&owned_sql).map_err(from_rusqlite)
            })
            .await;
        SqliteConn::after_statement(waits, result)
    }

    async fn execute<'a>(&'a mut self, sql: &'a str, binds: &'a [ValueRef<'a>]) -> Result<u64> {
        check_bind_count(binds.len())?;
        let waits = self.before_statement(sql).await;
        let result = self.statement("a statement", sql, binds, execute).await;
        SqliteConn::after_statement(waits, result)
    }

    /// Runs the query and decodes every row into `T` on the connection's
    /// thread: the rows come back as one `Vec`.
    async fn fetch_all<'a, T: FromRow + Send + 'static>(
        &'a mut self,
        sql: &'a str,
        binds: &'a [ValueRef<'a>],
    ) -> Result<Vec<T>> {
        check_bind_count(binds.len())?;
        let waits = self.before_statement(sql).await;
        let result = self.statement("a query", sql, binds, fetch_all).await;
        SqliteConn::after_statement(waits, result)
    }

    /// The rows are read by one job on the connection's thread and handed
    /// over in chunks of 256 through a channel of one slot (the job waits
    /// for the consumer), then decoded by the consumer. Dropping the stream
    /// ends the job, which resets the statement.
    fn fetch_stream<'a, T: FromRow + Send + 'a>(
        &'a mut self,
        sql: Arc<str>,
        binds: Vec<Value>,
    ) -> BoxStream<'a, Result<T>> {
        // A read: it never needs the write lock.
        let plain = orm_core::session::is_plain_statement(&sql);
        let _ = self.before(&sql, plain);
        if !plain && !settings::pragma_writes(&sql).is_empty() {
            // A stream starts without a round trip to read the pragma back
            // first: the connection it changes is closed, not pooled.
            self.discarded = true;
        }
        let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Vec<OwnedRow>>>(1);
        let refs: Vec<ValueRef<'_>> = binds.iter().map(Value::as_ref).collect();
        let failed = sender.clone();
        match (owned(&refs), self.object.as_deref()) {
            (Ok(params), Some(worker)) => {
                let sent = worker.send(move |conn| {
                    if let Err(e) = stream_rows(conn, &sql, params, &sender) {
                        let _ = sender.blocking_send(Err(e));
                    }
                });
                if !sent {
                    let _ = failed.try_send(Err(super::worker::lost()));
                }
            }
            (Err(e), _) => {
                let _ = failed.try_send(Err(e));
            }
            (_, None) => {
                let _ = failed.try_send(Err(super::worker::lost()));
            }
        }
        drop(failed);
        let chunks = futures_util::stream::unfold(receiver, |mut receiver| async move {
            let chunk = receiver.recv().await?;
            Some((chunk, receiver))
        });
        Box::pin(futures_util::StreamExt::flat_map(chunks, |chunk| {
            let rows: Vec<Result<T>> = match chunk {
                Ok(rows) => rows.iter().map(|row| T::from_row(&CellRow(row))).collect(),
                Err(e) => vec![Err(e)],
            };
            futures_util::stream::iter(rows)
        }))
    }

    async fn truncate(
        &mut self,
        table: &'static TableMeta,
        options: TruncateOptions,
    ) -> Result<()> {
        crate::truncate::truncate(self, table.name, options).await
    }

    fn discard(&mut self) {
        self.discarded = true;
    }

    async fn setting<'a>(&'a mut self, name: &'a str) -> Result<String> {
        self.read_pragma(name).await
    }

    /// `PRAGMA name = value`, whatever the scope: a pragma belongs to the
    /// connection, and is restored when the connection goes back to the pool.
    async fn set_setting<'a>(
        &'a mut self,
        name: &'a str,
        value: &'a str,
        _scope: SettingScope,
    ) -> Result<()> {
        self.write_pragma(name, value).await
    }

    async fn reset_setting<'a>(&'a mut self, name: &'a str, _scope: SettingScope) -> Result<()> {
        Err(settings::no_reset(name))
    }

    async fn describe<'a>(&'a mut self, sql: &'a str) -> Result<Vec<ResultColumn>> {
        self.describe_statement(sql).await
    }

    async fn advisory_lock(&mut self, _: AdvisoryKey, _: AdvisoryScope) -> Result<()> {
        Err(postgres_only("advisory locks"))
    }

    async fn try_advisory_lock(&mut self, _: AdvisoryKey, _: AdvisoryScope) -> Result<bool> {
        Err(postgres_only("advisory locks"))
    }

    async fn advisory_unlock(&mut self, _: AdvisoryKey) -> Result<bool> {
        Err(postgres_only("advisory locks"))
    }

    async fn notify<'a>(&'a mut self, _: &'a str, _: &'a str) -> Result<()> {
        Err(postgres_only("LISTEN/NOTIFY"))
    }
}

/// Runs `sql`, stepping through any rows; the number of rows it changed.
fn execute(conn: &mut rusqlite::Connection, sql: &str, params: Params<'_>) -> Result<u64> {
    let mut statement = conn.prepare_cached(sql).map_err(from_rusqlite)?;
    params.bind_to(&mut statement)?;
    let writes = !statement.readonly();
    let mut rows = statement.raw_query();
    while rows.next().map_err(from_rusqlite)?.is_some() {}
    drop(rows);
    drop(statement);
    Ok(if writes { conn.changes() } else { 0 })
}

/// Runs `sql`, decoding every row into `T`.
fn fetch_all<T: FromRow>(
    conn: &mut rusqlite::Connection,
    sql: &str,
    params: Params<'_>,
) -> Result<Vec<T>> {
    let mut statement = conn.prepare_cached(sql).map_err(from_rusqlite)?;
    params.bind_to(&mut statement)?;
    let mut rows = statement.raw_query();
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(from_rusqlite)? {
        out.push(T::from_row(&CellRow(row))?);
    }
    Ok(out)
}

/// Reads the rows of `sql` on the connection's thread, sending them in
/// chunks; stops when the consumer is gone.
fn stream_rows(
    conn: &mut rusqlite::Connection,
    sql: &str,
    params: Vec<rusqlite::types::Value>,
    sender: &tokio::sync::mpsc::Sender<Result<Vec<OwnedRow>>>,
) -> Result<()> {
    let mut statement = conn.prepare_cached(sql).map_err(from_rusqlite)?;
    let columns = Arc::new(Columns::of(&statement));
    let width = columns.names.len();
    Params::Owned(&params).bind_to(&mut statement)?;
    let mut rows = statement.raw_query();
    let mut chunk = Vec::with_capacity(STREAM_CHUNK);
    while let Some(row) = rows.next().map_err(from_rusqlite)? {
        let values = (0..width)
            .map(|i| row.get::<_, rusqlite::types::Value>(i))
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(from_rusqlite)?;
        chunk.push(OwnedRow {
            columns: columns.clone(),
            values,
        });
        if chunk.len() == STREAM_CHUNK {
            let full = std::mem::replace(&mut chunk, Vec::with_capacity(STREAM_CHUNK));
            if sender.blocking_send(Ok(full)).is_err() {
                return Ok(());
            }
        }
    }
    if !chunk.is_empty() {
        let _ = sender.blocking_send(Ok(chunk));
    }
    Ok(())
}

impl Drop for RusqliteConn {
    fn drop(&mut self) {
        let Some(object) = self.object.take() else {
            return;
        };
        if self.discarded && !self.in_memory {
            super::close(object);
            return;
        }
        let status = if self.discarded {
            TxStatus::Unknown
        } else {
            self.status
        };
        if status == TxStatus::Idle && !self.query_only && self.restore.is_empty() {
            // Back to the pool as it is.
            return;
        }
        let query_only = self.query_only;
        let restore = std::mem::take(&mut self.restore);
        let roll_back = move |conn: &mut rusqlite::Connection| {
            let writable = !query_only || conn.execute_batch(QUERY_ONLY_OFF).is_ok();
            let rolled_back = match conn.execute_batch("ROLLBACK") {
                Ok(()) => true,
                Err(e) => is_no_transaction_error(&from_rusqlite(e)),
            };
            // The pragmas `set_setting` changed, as they were (after the
            // rollback: a pragma may not change inside a transaction).
            let restored = rolled_back
                && restore.iter().all(|(name, value)| {
                    let sql = settings::restore_statement(name, value);
                    conn.execute_batch(&sql).is_ok()
                });
            if writable && restored {
                Ok(())
            } else {
                Err(super::worker::lost())
            }
        };
        // Here and now when the connection is free (a ROLLBACK never waits
        // for a lock); else queued ahead of anything the next lease sends,
        // the thread ending should it fail.
        match object.run_here(&roll_back) {
            Some(Ok(())) => {}
            Some(Err(_)) => super::close(object),
            None => {
                let breaker = object.breaker();
                let queued = object.send(move |conn| {
                    if roll_back(conn).is_err() {
                        breaker.store(true, std::sync::atomic::Ordering::Release);
                    }
                });
                if !queued {
                    super::close(object);
                }
            }
        }
    }
}
