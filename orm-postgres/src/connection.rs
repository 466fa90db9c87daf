//! [`PgConnection`]: a pooled connection, its transaction state, and what
//! happens to it when it is dropped.

use std::pin::{pin, Pin};
use std::sync::Arc;
use std::time::Duration;

use futures_core::stream::BoxStream;
use futures_util::TryStreamExt;
use orm_core::{
    Connection, Dialect, Error, FromRow, Result, TableMeta, TruncateOptions, TxStatus, Value,
    ValueRef,
};
use tokio_postgres::RowStream;

use crate::bind::{self, PgBind};
use crate::error::{self, local_sqlstate};
use crate::pool::{Object, PgClient};
use crate::{PgDialect, PgRow};

/// How long a dropped connection's `ROLLBACK` may take before the connection
/// is closed instead.
const ROLLBACK_TIMEOUT: Duration = Duration::from_secs(30);

/// A connection leased from a [`Postgres`](crate::Postgres) pool.
///
/// Statements are prepared once per connection and the prepared statements
/// stay with the connection across leases.
///
/// Dropping it returns it to the pool as it is only when its [`TxStatus`] is
/// `Idle` and no statement of its was interrupted. Otherwise the connection
/// is rolled back on a spawned task first (and closed if that fails), or,
/// outside a Tokio runtime, closed at once, which makes the server roll back.
/// A [`discard`](Connection::discard)ed connection, or one that lost its
/// socket, is closed.
pub struct PgConnection {
    /// Always `Some` until dropped.
    object: Option<Object>,
    status: TxStatus,
    discarded: bool,
    /// Set while a statement runs; still set when its future was dropped.
    in_flight: bool,
}

impl std::fmt::Debug for PgConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgConnection")
            .field("status", &self.status)
            .field("discarded", &self.discarded)
            .field("in_flight", &self.in_flight)
            .finish()
    }
}

impl PgConnection {
    pub(crate) fn new(object: Object) -> Self {
        PgConnection {
            object: Some(object),
            status: TxStatus::Idle,
            discarded: false,
            in_flight: false,
        }
    }

    /// The underlying tokio-postgres client, for what orm does not wrap.
    /// Always `Some` while the connection is held (the client goes back to
    /// the pool only when the connection is dropped).
    ///
    /// Transaction control run through it is not tracked: record it with
    /// [`Connection::set_tx_status`], or the connection may be returned to
    /// the pool inside a transaction.
    pub fn client(&self) -> Option<&tokio_postgres::Client> {
        self.object.as_ref().map(|o| &o.client)
    }

    fn pooled(&mut self) -> Result<&mut PgClient> {
        match self.object.as_deref_mut() {
            Some(client) => Ok(client),
            None => Err(error::connection_lost("the connection was released")),
        }
    }

    /// Maps a driver error, and marks the connection for closing when the
    /// error means it cannot be trusted again.
    fn fail(&mut self, e: tokio_postgres::Error) -> Error {
        let e = error::map(e);
        if error::breaks_connection(&e) {
            self.discarded = true;
        }
        e
    }

    /// Like [`fail`](Self::fail), and forgets `sql`'s prepared statement when
    /// the server says it is stale.
    fn fail_statement(&mut self, sql: &str, e: tokio_postgres::Error) -> Error {
        let e = self.fail(e);
        if matches!(
            error::code_of(&e),
            Some(
                local_sqlstate::FEATURE_NOT_SUPPORTED | local_sqlstate::INVALID_SQL_STATEMENT_NAME
            )
        ) {
            if let Ok(client) = self.pooled() {
                client.forget(sql);
            }
        }
        e
    }

    /// Prepares `sql` (once per connection), checks `binds` against its
    /// parameters and starts it.
    async fn start<'v>(
        &mut self,
        sql: &str,
        binds: impl ExactSizeIterator<Item = ValueRef<'v>> + Clone + Send,
    ) -> Result<RowStream> {
        let client = self.pooled()?;
        let statement = match client.prepare(sql).await {
            Ok(statement) => statement,
            Err(e) => return Err(self.fail(e)),
        };
        bind::check(statement.params(), binds.clone())?;
        let client = self.pooled()?;
        match client.client.query_raw(&statement, binds.map(PgBind)).await {
            Ok(rows) => Ok(rows),
            Err(e) => Err(self.fail_statement(sql, e)),
        }
    }

    async fn run_execute(&mut self, sql: &str, binds: &[ValueRef<'_>]) -> Result<u64> {
        let client = self.pooled()?;
        let statement = match client.prepare(sql).await {
            Ok(statement) => statement,
            Err(e) => return Err(self.fail(e)),
        };
        bind::check(statement.params(), binds.iter().copied())?;
        let client = self.pooled()?;
        let params = binds.iter().copied().map(PgBind);
        match client.client.execute_raw(&statement, params).await {
            Ok(n) => Ok(n),
            Err(e) => Err(self.fail_statement(sql, e)),
        }
    }

    async fn run_fetch<T: FromRow>(&mut self, sql: &str, binds: &[ValueRef<'_>]) -> Result<Vec<T>> {
        let rows = self.start(sql, binds.iter().copied()).await?;
        let mut rows = pin!(rows);
        let mut out = Vec::new();
        loop {
            match rows.try_next().await {
                Ok(Some(row)) => out.push(T::from_row(&PgRow::new(row))?),
                Ok(None) => return Ok(out),
                Err(e) => return Err(self.fail_statement(sql, e)),
            }
        }
    }

    async fn run_batch(&mut self, sql: &str) -> Result<()> {
        let client = self.pooled()?;
        match client.client.batch_execute(sql).await {
            Ok(()) => {
                if mentions(sql, b"DISCARD") || mentions(sql, b"DEALLOCATE") {
                    client.forget_all();
                }
                Ok(())
            }
            Err(e) => Err(self.fail(e)),
        }
    }
}

/// True when `sql` contains `word`, ignoring ASCII case.
fn mentions(sql: &str, word: &[u8]) -> bool {
    sql.as_bytes()
        .windows(word.len())
        .any(|w| w.eq_ignore_ascii_case(word))
}

/// Where a row stream is.
enum StreamState<'a> {
    Open {
        conn: &'a mut PgConnection,
        sql: Arc<str>,
        binds: Vec<Value>,
    },
    Read {
        conn: &'a mut PgConnection,
        sql: Arc<str>,
        rows: Pin<Box<RowStream>>,
    },
    Done,
}

impl Connection for PgConnection {
    fn tx_status(&self) -> TxStatus {
        self.status
    }

    fn set_tx_status(&mut self, status: TxStatus) {
        self.status = status;
    }

    async fn batch<'a>(&'a mut self, sql: &'a str) -> Result<()> {
        self.in_flight = true;
        let result = self.run_batch(sql).await;
        self.in_flight = false;
        result
    }

    async fn execute<'a>(&'a mut self, sql: &'a str, binds: &'a [ValueRef<'a>]) -> Result<u64> {
        self.in_flight = true;
        let result = self.run_execute(sql, binds).await;
        self.in_flight = false;
        result
    }

    async fn fetch_all<'a, T: FromRow + Send + 'static>(
        &'a mut self,
        sql: &'a str,
        binds: &'a [ValueRef<'a>],
    ) -> Result<Vec<T>> {
        self.in_flight = true;
        let result = self.run_fetch(sql, binds).await;
        self.in_flight = false;
        result
    }

    fn fetch_stream<'a, T: FromRow + Send + 'a>(
        &'a mut self,
        sql: Arc<str>,
        binds: Vec<Value>,
    ) -> BoxStream<'a, Result<T>> {
        let state = StreamState::Open {
            conn: self,
            sql,
            binds,
        };
        Box::pin(futures_util::stream::unfold(state, |state| async move {
            let (conn, sql, mut rows) = match state {
                StreamState::Open { conn, sql, binds } => {
                    conn.in_flight = true;
                    match conn.start(&sql, binds.iter().map(Value::as_ref)).await {
                        Ok(rows) => (conn, sql, Box::pin(rows)),
                        Err(e) => {
                            conn.in_flight = false;
                            return Some((Err(e), StreamState::Done));
                        }
                    }
                }
                StreamState::Read { conn, sql, rows } => (conn, sql, rows),
                StreamState::Done => return None,
            };
            match rows.try_next().await {
                Ok(Some(row)) => match T::from_row(&PgRow::new(row)) {
                    Ok(value) => Some((Ok(value), StreamState::Read { conn, sql, rows })),
                    Err(e) => {
                        // The rest of the rows are drained by the connection.
                        conn.in_flight = false;
                        Some((Err(e), StreamState::Done))
                    }
                },
                Ok(None) => {
                    conn.in_flight = false;
                    None
                }
                Err(e) => {
                    conn.in_flight = false;
                    Some((Err(conn.fail_statement(&sql, e)), StreamState::Done))
                }
            }
        }))
    }

    async fn truncate(
        &mut self,
        table: &'static TableMeta,
        options: TruncateOptions,
    ) -> Result<()> {
        let mut sql = String::from("TRUNCATE TABLE ");
        PgDialect.write_ident(table.name, &mut sql);
        sql.push_str(if options.restart_identity {
            " RESTART IDENTITY"
        } else {
            " CONTINUE IDENTITY"
        });
        if options.cascade {
            sql.push_str(" CASCADE");
        }
        self.batch(&sql).await
    }

    fn discard(&mut self) {
        self.discarded = true;
    }
}

impl Drop for PgConnection {
    fn drop(&mut self) {
        let Some(object) = self.object.take() else {
            return;
        };
        if self.discarded || object.client.is_closed() {
            close(object);
        } else if self.status == TxStatus::Idle && !self.in_flight {
            // Back to the pool as it is: no round trip.
            drop(object);
        } else {
            match tokio::runtime::Handle::try_current() {
                Ok(runtime) => {
                    // If the runtime shuts down before the task finishes, the
                    // guard is dropped with the task and closes the connection.
                    let guard = CloseUnlessReleased(Some(object));
                    drop(runtime.spawn(roll_back_then_release(guard)));
                }
                // No runtime to roll back on: closing the socket makes the
                // server roll back.
                Err(_) => close(object),
            }
        }
    }
}

/// Takes `object` out of the pool for good and closes it.
fn close(object: Object) {
    drop(deadpool::managed::Object::take(object));
}

/// Holds a connection being rolled back; closes it when dropped still holding it.
struct CloseUnlessReleased(Option<Object>);

impl Drop for CloseUnlessReleased {
    fn drop(&mut self) {
        if let Some(object) = self.0.take() {
            close(object);
        }
    }
}

async fn roll_back_then_release(mut guard: CloseUnlessReleased) {
    let Some(object) = guard.0.as_ref() else {
        return;
    };
    let rolled_back =
        tokio::time::timeout(ROLLBACK_TIMEOUT, object.client.batch_execute("ROLLBACK"))
            .await
            .is_ok_and(|r| r.is_ok());
    if rolled_back {
        // Back to the pool, outside any transaction.
        drop(guard.0.take());
    }
}
