//! [`SqliteConn`]: a connection leased from the pool, and how it runs
//! statements. Its transaction control is in `transaction.rs`, what becomes
//! of it when dropped in `release.rs`.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures_core::stream::BoxStream;
use futures_util::TryStreamExt;
use orm_core::session::{controls_transaction, is_plain_statement, AdvisoryKey, AdvisoryScope};
use orm_core::{
    Connection, Error, FromRow, PreparedTransaction, Result, ResultColumn, SettingScope, TableMeta,
    TruncateOptions, TxOptions, TxStatus, Value, ValueRef,
};
use sqlx::{Executor as _, SqlSafeStr as _};

use crate::bind::{bind_all, statement_text};
use crate::cell::CellRow;
use crate::error::from_sqlx;
use crate::row::SqliteRow;
use crate::stream::Generator;

/// A connection leased from a [`Sqlite`](crate::Sqlite) pool, with its
/// transaction state as last seen.
///
/// The state is tracked as statements complete: [`Connection::begin`] and
/// friends set it, and SQL holding transaction control run through
/// [`Connection::batch`] or the statement methods marks it unknown.
/// Dropped while [`TxStatus::Idle`], it goes straight back to the pool.
/// Dropped in a transaction (or in an unknown state, or with a read-only
/// transaction's `PRAGMA query_only` still on), a task on the current
/// Tokio runtime rolls it back and returns it only if the `ROLLBACK`
/// succeeded or found no transaction open; otherwise, or with no runtime to
/// run that task, the connection is closed. [`Connection::discard`] closes
/// it whatever its state, as does a statement that outlived `query_timeout`.
///
/// The one exception is the connection of a `sqlite::memory:` pool, which
/// *is* the database: closing it would lose every table. Discarded, it is
/// rolled back and returned like a connection in an unknown state, and
/// closed only if the rollback fails. Statements run one at a time on the
/// connection's worker thread, so nothing can still be in flight once the
/// `ROLLBACK` has run.
pub struct SqliteConn {
    pub(crate) conn: Option<crate::pool::Object>,
    pub(crate) status: TxStatus,
    pub(crate) discarded: bool,
    /// The connection is an in-memory database of its own.
    pub(crate) in_memory: bool,
    /// `PRAGMA query_only` may be on (a read-only transaction).
    pub(crate) query_only: bool,
    /// The open transaction began without the write lock (DEFERRED).
    pub(crate) deferred: bool,
    /// A statement ran since `BEGIN`: a deferred transaction then holds a
    /// read snapshot, and SQLite no longer waits for the write lock.
    pub(crate) reading: bool,
    /// How long to wait for any one statement.
    pub(crate) query_timeout: Option<Duration>,
    /// Pragmas changed by `set_setting`, with the values to restore before
    /// the connection goes back to the pool.
    pub(crate) restore: Vec<(String, String)>,
    /// A deferred `BEGIN` not sent yet: it goes to sqlx's worker with the
    /// transaction's first statement, in one call (see
    /// `SqliteConn::begin_transaction`). The status is `InTransaction`
    /// meanwhile, though no transaction is open yet.
    pub(crate) pending_begin: Option<&'static str>,
}

impl fmt::Debug for SqliteConn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteConn")
            .field("tx_status", &self.status)
            .field("discarded", &self.discarded)
            .field("in_memory", &self.in_memory)
            .field("begin_pending", &self.pending_begin.is_some())
            .finish()
    }
}

impl SqliteConn {
    pub(crate) fn new(
        conn: crate::pool::Object,
        in_memory: bool,
        query_timeout: Option<Duration>,
    ) -> Self {
        SqliteConn {
            conn: Some(conn),
            status: TxStatus::Idle,
            discarded: false,
            in_memory,
            query_only: false,
            deferred: false,
            reading: false,
            query_timeout,
            restore: Vec::new(),
            pending_begin: None,
        }
    }

    /// Runs `work` under the `query_timeout`, if any: past it the
    /// connection is discarded and the error is [`Error::Timeout`]. A
    /// connection that lost its worker is discarded too.
    pub(crate) async fn timed<T>(
        query_timeout: Option<Duration>,
        discarded: &mut bool,
        operation: &'static str,
        work: impl Future<Output = Result<T>>,
    ) -> Result<T> {
        let result = match query_timeout {
            None => work.await,
            Some(timeout) => match tokio::time::timeout(timeout, work).await {
                Ok(result) => result,
                Err(_) => Err(Error::Timeout { operation, timeout }),
            },
        };
        if let Err(Error::Timeout { .. } | Error::ConnectionLost { .. }) = &result {
            *discarded = true;
        }
        result
    }

    /// Marks the status unknown when `sql` holds transaction control, and
    /// says whether SQLite will wait (up to the busy timeout) for the write
    /// lock should the statement need it.
    /// Before a statement: the pragmas it may change are remembered, and
    /// the transaction's state noted ([`before_statement`]); a plain
    /// statement, as orm writes them, needs neither scan. Says whether
    /// SQLite will wait for the write lock.
    async fn before_statement(&mut self, sql: &str) -> bool {
        let plain = is_plain_statement(sql);
        if !plain {
            self.remember_pragmas(sql).await;
        }
        before_statement(
            sql,
            plain,
            self.deferred,
            &mut self.reading,
            &mut self.status,
        )
    }

    /// A deferred transaction that has read and now wants the write lock
    /// while another connection holds it gets `SQLITE_BUSY` at once: SQLite
    /// does not wait, since waiting could deadlock. The transaction must
    /// start over, like a deadlock victim.
    pub(crate) fn after_statement<T>(waits: bool, result: Result<T>) -> Result<T> {
        match result {
            Err(Error::Busy { message }) if !waits => Err(Error::Deadlock {
                message: format!(
                    "{message}: a deferred transaction could not take the write lock another \
                     connection holds (SQLite does not wait then); retry the transaction, or begin \
                     writing transactions IMMEDIATE"
                ),
            }),
            other => other,
        }
    }

    /// The query timeout, the sqlx connection and the discard flag, apart.
    pub(crate) fn parts(
        &mut self,
    ) -> Result<(Option<Duration>, &mut sqlx::SqliteConnection, &mut bool)> {
        match self.conn.as_mut() {
            Some(conn) => Ok((self.query_timeout, &mut **conn, &mut self.discarded)),
            None => Err(released()),
        }
    }

    /// The sqlx connection; present until the value is dropped.
    pub(crate) fn raw(&mut self) -> Result<&mut sqlx::SqliteConnection> {
        match self.conn.as_mut() {
            Some(conn) => Ok(&mut **conn),
            None => Err(released()),
        }
    }
}

impl Connection for SqliteConn {
    fn tx_status(&self) -> TxStatus {
        self.status
    }

    fn set_tx_status(&mut self, status: TxStatus) {
        if status != TxStatus::InTransaction {
            self.pending_begin = None;
        }
        self.status = status;
    }

    async fn begin<'a>(&'a mut self, options: &'a TxOptions) -> Result<()> {
        self.begin_transaction(options).await
    }

    async fn send_begin(&mut self) -> Result<()> {
        self.send_pending_begin().await
    }

    async fn commit(&mut self) -> Result<()> {
        self.commit_transaction().await
    }

    async fn rollback(&mut self) -> Result<()> {
        self.rollback_transaction().await
    }

    async fn prepare_transaction<'a>(&'a mut self, _gid: &'a str) -> Result<()> {
        Err(no_two_phase())
    }

    async fn finish_prepared<'a>(&'a mut self, _gid: &'a str, _commit: bool) -> Result<()> {
        Err(no_two_phase())
    }

    async fn prepared_transactions(&mut self) -> Result<Vec<PreparedTransaction>> {
        Err(no_two_phase())
    }

    async fn batch<'a>(&'a mut self, sql: &'a str) -> Result<()> {
        self.send_pending_begin().await?;
        let waits = self.before_statement(sql).await;
        let (timeout, conn, discarded) = self.parts()?;
        let result = Self::timed(timeout, discarded, "a statement", async {
            conn.execute(sqlx::raw_sql(sqlx::AssertSqlSafe(sql)))
                .await
                .map(drop)
                .map_err(from_sqlx)
        })
        .await;
        Self::after_statement(waits, result)
    }

    async fn execute<'a>(&'a mut self, sql: &'a str, binds: &'a [ValueRef<'a>]) -> Result<u64> {
        let carried = self.carrying_begin(sql).await?;
        let carries = carried.is_some();
        let query = bind_all(statement_text(carried, sql), binds)?;
        let waits = self.before_statement(sql).await;
        let began = self.carry_begin(carries);
        let (timeout, conn, discarded) = self.parts()?;
        let result = Self::timed(timeout, discarded, "a statement", async {
            if !began {
                let done = query.execute(conn).await.map_err(from_sqlx)?;
                return Ok(done.rows_affected());
            }
            // sqlx sums the rows affected of every statement, and SQLite's
            // count after `BEGIN` is the previous statement's: the last
            // statement's alone is the answer.
            let mut steps = conn.fetch_many(query);
            let mut affected = 0;
            while let Some(step) = steps.try_next().await.map_err(from_sqlx)? {
                if let sqlx::Either::Left(done) = step {
                    affected = done.rows_affected();
                }
            }
            Ok(affected)
        })
        .await;
        self.carried_begin(began, &result);
        Self::after_statement(waits, result)
    }

    async fn fetch_all<'a, T: FromRow + Send + 'static>(
        &'a mut self,
        sql: &'a str,
        binds: &'a [ValueRef<'a>],
    ) -> Result<Vec<T>> {
        let carried = self.carrying_begin(sql).await?;
        let carries = carried.is_some();
        let query = bind_all(statement_text(carried, sql), binds)?;
        let waits = self.before_statement(sql).await;
        let began = self.carry_begin(carries);
        let (timeout, conn, discarded) = self.parts()?;
        let result = Self::timed(timeout, discarded, "a query", async {
            let mut rows = query.fetch(conn);
            let mut out = Vec::new();
            while let Some(row) = rows.try_next().await.map_err(from_sqlx)? {
                out.push(T::from_row(&CellRow(&SqliteRow::new(row)))?);
            }
            Ok(out)
        })
        .await;
        self.carried_begin(began, &result);
        Self::after_statement(waits, result)
    }

    fn fetch_stream<'a, T: FromRow + Send + 'a>(
        &'a mut self,
        sql: Arc<str>,
        binds: Vec<Value>,
    ) -> BoxStream<'a, Result<T>> {
        // A read: it never needs the write lock.
        let plain = is_plain_statement(&sql);
        let _ = before_statement(
            &sql,
            plain,
            self.deferred,
            &mut self.reading,
            &mut self.status,
        );
        Box::pin(Generator::new(move |tx| async move {
            if let Err(e) = self.send_pending_begin().await {
                let _ = tx.send(Err(e)).await;
                return;
            }
            if !plain {
                self.remember_pragmas(&sql).await;
            }
            let refs: Vec<ValueRef<'_>> = binds.iter().map(Value::as_ref).collect();
            let text = sqlx::AssertSqlSafe(sql.clone()).into_sql_str();
            let query = match bind_all(text, &refs) {
                Ok(query) => query,
                Err(e) => {
                    let _ = tx.send(Err(e)).await;
                    return;
                }
            };
            let conn = match self.raw() {
                Ok(conn) => conn,
                Err(e) => {
                    let _ = tx.send(Err(e)).await;
                    return;
                }
            };
            let mut rows = query.fetch(conn);
            loop {
                let item = match rows.try_next().await {
                    Ok(Some(row)) => T::from_row(&CellRow(&SqliteRow::new(row))),
                    Ok(None) => return,
                    Err(e) => Err(from_sqlx(e)),
                };
                let failed = item.is_err();
                // A closed channel means the consumer dropped the stream.
                if tx.send(item).await.is_err() || failed {
                    return;
                }
            }
        }))
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
        Err(crate::settings::no_reset(name))
    }

    async fn describe<'a>(&'a mut self, sql: &'a str) -> Result<Vec<ResultColumn>> {
        self.describe_statement(sql).await
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

/// Before a statement on a connection of either executor: marks `status`
/// unknown when `sql` holds transaction control (else notes the
/// transaction has now read), and says whether SQLite will wait (up to the
/// busy timeout) for the write lock should the statement need it: not in a
/// `deferred` transaction that has read. `plain`: [`is_plain_statement`],
/// which every statement asks once.
pub(crate) fn before_statement(
    sql: &str,
    plain: bool,
    deferred: bool,
    reading: &mut bool,
    status: &mut TxStatus,
) -> bool {
    let waits = !(deferred && *reading);
    if !plain && controls_transaction(sql) {
        *status = TxStatus::Unknown;
    } else {
        *reading = true;
    }
    waits
}

fn released() -> Error {
    Error::ConnectionLost {
        source: "the connection was already released".into(),
    }
}

/// A PostgreSQL feature SQLite has no counterpart for.
pub(crate) fn postgres_only(what: &str) -> Error {
    Error::Unsupported {
        backend: "sqlite",
        what: format!("{what}: a PostgreSQL feature SQLite has no counterpart for"),
    }
}

pub(crate) fn no_two_phase() -> Error {
    Error::Unsupported {
        backend: "sqlite",
        what: "two-phase commit (PREPARE TRANSACTION): SQLite has none".into(),
    }
}

#[cfg(test)]
mod tests {
    use orm_core::{Backend, ConnectOptions, Connection, TxStatus, ValueRef};
    use sqlx::Connection as _;

    use crate::Sqlite;

    #[tokio::test]
    async fn statements_are_prepared_once_per_connection() {
        let options = ConnectOptions::parse("sqlite::memory:").unwrap();
        let db = Sqlite::connect(&options).await.unwrap();
        let mut conn = db.acquire().await.unwrap();
        let before = conn.raw().unwrap().cached_statements_size();
        for n in 0..3 {
            let rows: Vec<(i64,)> = conn
                .fetch_all("SELECT ? + 1", &[ValueRef::I64(n)])
                .await
                .unwrap();
            assert_eq!(rows, vec![(n + 1,)]);
        }
        conn.execute("SELECT ? + 2", &[ValueRef::I64(0)])
            .await
            .unwrap();
        assert_eq!(conn.raw().unwrap().cached_statements_size(), before + 2);
    }

    #[tokio::test]
    async fn a_deferred_begin_is_prepared_with_the_first_statement() {
        let options = ConnectOptions::parse("sqlite::memory:").unwrap();
        let db = Sqlite::connect(&options).await.unwrap();
        let mut conn = db.acquire().await.unwrap();
        let before = conn.raw().unwrap().cached_statements_size();
        conn.begin(&orm_core::TxOptions::new()).await.unwrap();
        for n in 0..2 {
            let rows: Vec<(i64,)> = conn
                .fetch_all("SELECT ? + 1", &[ValueRef::I64(n)])
                .await
                .unwrap();
            assert_eq!(rows, vec![(n + 1,)]);
        }
        conn.commit().await.unwrap();
        // `BEGIN; SELECT ? + 1` (one call to the worker), the statement
        // alone, and `COMMIT`.
        assert_eq!(conn.raw().unwrap().cached_statements_size(), before + 3);
    }

    #[tokio::test]
    async fn an_immediate_begin_goes_with_the_first_write_and_takes_the_lock() {
        let file = std::env::temp_dir().join(format!("orm-immediate-{}.db", std::process::id()));
        let _ = std::fs::remove_file(&file);
        let url = format!("sqlite://{}?busy_timeout=50ms", file.display());
        let db = Sqlite::connect(&ConnectOptions::parse(&url).unwrap())
            .await
            .unwrap();
        let mut setup = db.acquire().await.unwrap();
        setup.batch("CREATE TABLE t (n INTEGER)").await.unwrap();
        drop(setup);
        let immediate = orm_core::TxOptions::new().immediate();
        let mut writer = db.acquire().await.unwrap();
        let before = writer.raw().unwrap().cached_statements_size();
        writer.begin(&immediate).await.unwrap();
        writer
            .execute("INSERT INTO t VALUES (?)", &[ValueRef::I64(1)])
            .await
            .unwrap();
        // `BEGIN IMMEDIATE; INSERT ..`: one call to the worker.
        assert_eq!(writer.raw().unwrap().cached_statements_size(), before + 1);
        assert_eq!(writer.tx_status(), TxStatus::InTransaction);
        // The lock is held: another connection's BEGIN IMMEDIATE is refused
        // with its write, which never runs, and no transaction is open.
        let mut other = db.acquire().await.unwrap();
        other.begin(&immediate).await.unwrap();
        let err = other
            .execute("INSERT INTO t VALUES (?)", &[ValueRef::I64(2)])
            .await
            .unwrap_err();
        assert!(matches!(err, orm_core::Error::Busy { .. }), "{err:?}");
        assert_eq!(other.tx_status(), TxStatus::Idle);
        // A batch cannot carry it: the BEGIN IMMEDIATE goes alone first,
        // and its refusal also leaves no transaction open.
        other.begin(&immediate).await.unwrap();
        let err = other.batch("INSERT INTO t VALUES (5)").await.unwrap_err();
        assert!(matches!(err, orm_core::Error::Busy { .. }), "{err:?}");
        assert_eq!(other.tx_status(), TxStatus::Idle);
        writer.commit().await.unwrap();
        other.begin(&immediate).await.unwrap();
        other
            .execute("INSERT INTO t VALUES (?)", &[ValueRef::I64(3)])
            .await
            .unwrap();
        other.commit().await.unwrap();
        let rows: Vec<(i64,)> = other
            .fetch_all("SELECT n FROM t ORDER BY n", &[])
            .await
            .unwrap();
        assert_eq!(rows, vec![(1,), (3,)]);
        drop((writer, other));
        db.close().await;
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
        }
    }
}
