//! [`SqliteConn`]: a connection leased from the pool, and what becomes of
//! it when it is dropped.

use std::fmt;
use std::sync::Arc;

use futures_core::stream::BoxStream;
use futures_util::TryStreamExt;
use orm_core::{
    Connection, Error, FromRow, Result, TableMeta, TruncateOptions, TxStatus, Value, ValueRef,
};
use sqlx::pool::PoolConnection;
use sqlx::Executor as _;

use crate::bind::bind_all;
use crate::error::{from_sqlx, is_no_transaction};
use crate::row::SqliteRow;
use crate::stream::Generator;

/// A connection leased from a [`Sqlite`](crate::Sqlite) pool, with its
/// transaction state as the session last recorded it.
///
/// Dropped while [`TxStatus::Idle`], it goes straight back to the pool.
/// Dropped in a transaction (or in an unknown state), a task on the current
/// Tokio runtime rolls it back and returns it only if the `ROLLBACK`
/// succeeded or found no transaction open; otherwise, or with no runtime to
/// run that task, the connection is closed. [`Connection::discard`] closes
/// it whatever its state.
///
/// The one exception is the connection of a `sqlite::memory:` pool, which
/// *is* the database: closing it would lose every table. Discarded, it is
/// rolled back and returned like a connection in an unknown state, and
/// closed only if the rollback fails. Statements run one at a time on the
/// connection's worker thread, so nothing can still be in flight once the
/// `ROLLBACK` has run.
pub struct SqliteConn {
    conn: Option<PoolConnection<sqlx::Sqlite>>,
    status: TxStatus,
    discarded: bool,
    /// The connection is an in-memory database of its own.
    in_memory: bool,
}

impl fmt::Debug for SqliteConn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteConn")
            .field("tx_status", &self.status)
            .field("discarded", &self.discarded)
            .field("in_memory", &self.in_memory)
            .finish()
    }
}

impl SqliteConn {
    pub(crate) fn new(conn: PoolConnection<sqlx::Sqlite>, in_memory: bool) -> Self {
        SqliteConn {
            conn: Some(conn),
            status: TxStatus::Idle,
            discarded: false,
            in_memory,
        }
    }

    /// The sqlx connection; present until the value is dropped.
    pub(crate) fn raw(&mut self) -> Result<&mut sqlx::SqliteConnection> {
        match self.conn.as_mut() {
            Some(conn) => Ok(&mut **conn),
            None => Err(Error::ConnectionLost {
                source: "the connection was already released".into(),
            }),
        }
    }
}

impl Connection for SqliteConn {
    fn tx_status(&self) -> TxStatus {
        self.status
    }

    fn set_tx_status(&mut self, status: TxStatus) {
        self.status = status;
    }

    async fn batch<'a>(&'a mut self, sql: &'a str) -> Result<()> {
        let conn = self.raw()?;
        conn.execute(sqlx::raw_sql(sql))
            .await
            .map(drop)
            .map_err(from_sqlx)
    }

    async fn execute<'a>(&'a mut self, sql: &'a str, binds: &'a [ValueRef<'a>]) -> Result<u64> {
        let query = bind_all(sql, binds)?;
        let conn = self.raw()?;
        let done = query.execute(conn).await.map_err(from_sqlx)?;
        Ok(done.rows_affected())
    }

    async fn fetch_all<'a, T: FromRow + Send + 'static>(
        &'a mut self,
        sql: &'a str,
        binds: &'a [ValueRef<'a>],
    ) -> Result<Vec<T>> {
        let query = bind_all(sql, binds)?;
        let conn = self.raw()?;
        let mut rows = query.fetch(conn);
        let mut out = Vec::new();
        while let Some(row) = rows.try_next().await.map_err(from_sqlx)? {
            out.push(T::from_row(&SqliteRow::new(row))?);
        }
        Ok(out)
    }

    fn fetch_stream<'a, T: FromRow + Send + 'a>(
        &'a mut self,
        sql: Arc<str>,
        binds: Vec<Value>,
    ) -> BoxStream<'a, Result<T>> {
        Box::pin(Generator::new(move |tx| async move {
            let refs: Vec<ValueRef<'_>> = binds.iter().map(Value::as_ref).collect();
            let query = match bind_all(&sql, &refs) {
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
                    Ok(Some(row)) => T::from_row(&SqliteRow::new(row)),
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

    async fn truncate(
        &mut self,
        table: &'static TableMeta,
        options: TruncateOptions,
    ) -> Result<()> {
        let conn = self.raw()?;
        crate::truncate::truncate(conn, table.name, options).await
    }

    fn discard(&mut self) {
        self.discarded = true;
    }
}

impl Drop for SqliteConn {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else {
            return;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            // Returning a connection to sqlx's pool, or closing it gracefully,
            // needs a runtime. Detached, the connection closes as it drops.
            drop(conn.detach());
            return;
        };
        let status = match (self.discarded, self.in_memory) {
            (false, _) => self.status,
            (true, true) => TxStatus::Unknown,
            (true, false) => {
                let mut conn = conn;
                conn.close_on_drop();
                return;
            }
        };
        match status {
            TxStatus::Idle => drop(conn),
            TxStatus::InTransaction | TxStatus::Unknown => {
                // The task owns the bare pool connection, never a SqliteConn,
                // so dropping the task (at runtime shutdown) cannot spawn
                // another one; dropped before it is done, even before its
                // first poll, it closes the connection.
                runtime.spawn(roll_back_and_release(CloseUnlessReleased(Some(conn))));
            }
        }
    }
}

/// Rolls back the connection and returns it to the pool; it is closed
/// instead if the rollback fails or this future is dropped before it is done.
async fn roll_back_and_release(mut guard: CloseUnlessReleased) {
    let Some(conn) = guard.0.as_mut() else {
        return;
    };
    let rolled_back = match (&mut **conn).execute(sqlx::raw_sql("ROLLBACK")).await {
        Ok(_) => true,
        // No transaction was open after all: with the state unknown (an
        // interrupted BEGIN, say), or because SQLite itself rolled it back
        // (an `OR ROLLBACK` conflict, a full disk). Either way the
        // connection is outside any transaction, as wanted.
        Err(e) => is_no_transaction(&e),
    };
    if rolled_back {
        // Back to the pool.
        drop(guard.0.take());
    }
}

/// Closes the connection it still holds when dropped.
struct CloseUnlessReleased(Option<PoolConnection<sqlx::Sqlite>>);

impl Drop for CloseUnlessReleased {
    fn drop(&mut self) {
        if let Some(conn) = self.0.take() {
            drop(conn.detach());
        }
    }
}

#[cfg(test)]
mod tests {
    use orm_core::{Backend, ConnectOptions, Connection, ValueRef};
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
}
