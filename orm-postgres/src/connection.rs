//! [`PgConnection`]: a pooled connection and how it runs statements. Its
//! transaction control is in `transaction.rs`, how a `BEGIN` rides with the
//! first statement in `pipeline.rs`, what becomes of it when dropped in
//! `release.rs`.

use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use futures_core::stream::BoxStream;
use futures_core::Stream;
use futures_util::TryStreamExt;
use orm_core::session::{controls_transaction, AdvisoryKey, AdvisoryScope};
use orm_core::{
    Connection, CopyFormat, CopySource, Dialect, Direction, Error, FromRow, PreparedTransaction,
    Result, ResultColumn, SettingScope, Table, TableMeta, TruncateOptions, TxOptions, TxStatus,
    Value, ValueRef,
};
use tokio_postgres::{RowStream, Statement};

use crate::bind;
use crate::error::{self, local_sqlstate};
use crate::pipeline::with_begin;
use crate::pool::{Effects, Object, PgClient, Prepared};
use crate::settings::changes_session_settings;
use crate::{PgDialect, PgRow, Postgres};

/// Runs `$work`, a statement of connection `$conn`, marked in flight and,
/// with a `query_timeout`, under it: past it the connection is given up and
/// the error is [`Error::Timeout`] for `$operation`.
macro_rules! timed {
    ($conn:ident, $operation:expr, $work:expr) => {{
        $conn.in_flight = true;
        let result = match $conn.query_timeout() {
            None => $work.await,
            Some(limit) => {
                // Boxed: every statement's future would otherwise hold room
                // for the timer and a second copy of the work.
                let outcome = Box::pin(tokio::time::timeout(limit, $work)).await;
                outcome.unwrap_or_else(|_| Err($conn.give_up($operation, limit)))
            }
        };
        $conn.in_flight = false;
        result
    }};
}
pub(crate) use timed;

/// A connection leased from a [`Postgres`](crate::Postgres) pool.
///
/// Statements are prepared once per connection and the prepared statements
/// stay with the connection across leases.
///
/// [`Connection::begin`] sends nothing: its `BEGIN` goes to the server in
/// the same round trip as the transaction's first statement, and a
/// transaction committed or rolled back before any statement costs no round
/// trip at all.
///
/// Its transaction status is tracked as statements complete: `BEGIN`,
/// `COMMIT` and `ROLLBACK` of [`Connection::begin`] and friends set it, and
/// SQL holding transaction control run through [`Connection::batch`] or
/// the statement methods marks it unknown. Dropping it returns it to the
/// pool as it is only when its [`TxStatus`] is `Idle` and no statement of
/// its was interrupted. Otherwise the connection is rolled back on a spawned
/// task first (and closed if that fails), or, outside a Tokio runtime,
/// closed at once, which makes the server roll back. A
/// [`discard`](Connection::discard)ed connection, or one that lost its
/// socket or timed out, is closed.
pub struct PgConnection {
    /// Always `Some` until dropped.
    pub(crate) object: Option<Object>,
    /// The pool it came from, which replaces a connection found lost under
    /// a `BEGIN` not yet answered.
    pub(crate) backend: Postgres,
    /// What the transaction state is known to be (`InTransaction` from
    /// [`Connection::begin`] on, its `BEGIN` pending or not).
    pub(crate) status: TxStatus,
    /// The options of a transaction begun whose `BEGIN` is not sent yet:
    /// it goes with the transaction's first statement.
    pub(crate) pending_begin: Option<TxOptions>,
    pub(crate) discarded: bool,
    /// Set while a statement runs; still set when its future was dropped.
    pub(crate) in_flight: bool,
    /// The raw client was handed out: what it ran is not known.
    pub(crate) escaped: bool,
    /// Session-level advisory locks it may hold (see `advisory.rs`); a
    /// `u32` fits in the padding after the flags.
    pub(crate) advisory_locks: u32,
    /// A setting was changed beyond the transaction: reset it before the
    /// connection goes back to the pool.
    pub(crate) settings_changed: bool,
}

impl std::fmt::Debug for PgConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgConnection")
            .field("status", &self.status())
            .field("begin_pending", &self.pending_begin.is_some())
            .field("discarded", &self.discarded)
            .field("in_flight", &self.in_flight)
            .finish()
    }
}

impl PgConnection {
    pub(crate) fn new(object: Object, backend: Postgres) -> Self {
        PgConnection {
            object: Some(object),
            backend,
            status: TxStatus::Idle,
            pending_begin: None,
            discarded: false,
            in_flight: false,
            escaped: false,
            advisory_locks: 0,
            settings_changed: false,
        }
    }

    /// The underlying tokio-postgres client, for what orm does not wrap.
    /// A transaction begun with [`Connection::begin`] whose `BEGIN` is not
    /// sent yet is opened on the server first, so what the client runs is
    /// inside it.
    ///
    /// What runs through it is not seen by the connection, so handing it out
    /// makes the transaction status [`TxStatus::Unknown`]: the connection is
    /// rolled back (one round trip) before it goes back to the pool, unless
    /// the state is recorded with [`Connection::set_tx_status`] after.
    ///
    /// # Errors
    ///
    /// The error of the pending `BEGIN`, or [`Error::ConnectionLost`] when
    /// the connection is gone.
    pub async fn client(&mut self) -> Result<&tokio_postgres::Client> {
        self.flush_begin().await?;
        self.escaped = true;
        Ok(&self.pooled()?.client)
    }

    /// How long to wait for any one reply.
    pub(crate) fn query_timeout(&self) -> Option<Duration> {
        self.backend.query_timeout()
    }

    /// The transaction status, counting a client handed out as unknown.
    pub(crate) fn status(&self) -> TxStatus {
        if self.escaped {
            TxStatus::Unknown
        } else {
            self.status
        }
    }

    pub(crate) fn pooled(&mut self) -> Result<&mut PgClient> {
        match self.object.as_deref_mut() {
            Some(client) => Ok(client),
            None => Err(error::connection_lost("the connection was released")),
        }
    }

    /// The client, for the statements of COPY and cursors (`copy.rs`,
    /// `cursor.rs`): every one of them goes through here, so that whatever
    /// must precede a statement on this connection is done in one place.
    pub(crate) async fn client_for_statement(&mut self) -> Result<&mut PgClient> {
        // They run inside the session's transaction: a BEGIN still waiting
        // for the transaction's first statement goes out first.
        self.flush_begin().await?;
        self.pooled()
    }

    /// True when the connection can no longer be used.
    pub(crate) fn is_broken(&self) -> bool {
        self.discarded || self.object.as_ref().is_none_or(|o| o.client.is_closed())
    }

    /// Maps a driver error, and marks the connection for closing when the
    /// error means it cannot be trusted again.
    pub(crate) fn fail(&mut self, e: tokio_postgres::Error) -> Error {
        let e = error::map(e);
        if error::breaks_connection(&e) {
            self.discarded = true;
        }
        e
    }

    /// Like [`fail`](Self::fail), and forgets `sql`'s prepared statement when
    /// the server says it is stale.
    pub(crate) fn fail_statement(&mut self, sql: &str, e: tokio_postgres::Error) -> Error {
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

    /// Abandons a connection whose reply did not come in time: it is
    /// closed, and its statement cancelled on the server.
    pub(crate) fn give_up(&mut self, operation: &'static str, timeout: Duration) -> Error {
        self.discarded = true;
        if let (Some(object), Ok(runtime)) =
            (self.object.as_ref(), tokio::runtime::Handle::try_current())
        {
            // Best effort: the server stops the statement rather than
            // running it until it notices the socket is gone.
            let token = object.client.cancel_token();
            runtime.spawn(async move {
                let cancel = token.cancel_query(tokio_postgres::NoTls);
                let _ = tokio::time::timeout(Duration::from_secs(5), cancel).await;
            });
        }
        Error::Timeout { operation, timeout }
    }

    /// The statement prepared for `sql` on this connection, preparing it
    /// on first use (with a pending `BEGIN` in the same round trip, unless
    /// `select` lets it wait: see `pipeline.rs`). `None`: the connection
    /// was found lost and replaced; start over.
    ///
    /// What running it may do (transaction control, session settings) is
    /// noted on the connection here, before it runs: found once when the
    /// statement is prepared, it costs nothing on later runs.
    async fn prepared(
        &mut self,
        sql: &str,
        select: bool,
        replacements: &mut usize,
    ) -> Result<Option<Statement>> {
        if let Some(prepared) = self.pooled()?.cached(sql) {
            self.note_effects(prepared.effects);
            return Ok(Some(prepared.statement));
        }
        // Boxed: it runs once per statement and connection, and its future
        // is large; every statement's future would otherwise carry it.
        Box::pin(self.prepare(sql, select, replacements)).await
    }

    /// The uncached half of [`prepared`](Self::prepared).
    async fn prepare(
        &mut self,
        sql: &str,
        select: bool,
        replacements: &mut usize,
    ) -> Result<Option<Statement>> {
        let effects = Effects::of(sql);
        self.note_effects(effects);
        let begin = self.begin_for(select);
        let client = &self.pooled()?.client;
        let (began, prepared) = with_begin!(client, begin.as_ref(), client.prepare(sql));
        let prepared = prepared.map_err(|e| self.fail(e));
        if self
            .settle_begin(begin, began, &prepared, replacements)
            .await?
        {
            return Ok(None);
        }
        let statement = prepared?;
        self.pooled()?.remember(
            sql,
            Prepared {
                statement: statement.clone(),
                effects,
            },
        );
        Ok(Some(statement))
    }

    /// Prepares `sql` (once per connection), checks `binds` against its
    /// parameters and starts it; `select`: a SELECT orm built, which may
    /// run ahead of a pending `BEGIN` (see `pipeline.rs`).
    async fn start<'v>(
        &mut self,
        sql: &str,
        binds: impl ExactSizeIterator<Item = ValueRef<'v>> + Clone + Send,
        select: bool,
    ) -> Result<RowStream> {
        bind::precheck(binds.clone())?;
        let mut replacements = self.replacements();
        loop {
            let Some(statement) = self.prepared(sql, select, &mut replacements).await? else {
                continue;
            };
            bind::check(statement.params(), binds.clone())?;
            let begin = self.begin_for(select);
            let client = &self.pooled()?.client;
            let params = binds.clone().map(bind::Checked);
            let (began, rows) =
                with_begin!(client, begin.as_ref(), client.query_raw(&statement, params));
            let rows = rows.map_err(|e| self.fail_statement(sql, e));
            if !self
                .settle_begin(begin, began, &rows, &mut replacements)
                .await?
            {
                return rows;
            }
        }
    }

    /// Marks the status unknown when a statement about to run is
    /// transaction control, and the session settings changed when it may
    /// change them.
    fn note_effects(&mut self, effects: Effects) {
        if effects.controls_transaction {
            self.status = TxStatus::Unknown;
        }
        if effects.changes_session {
            self.settings_changed = true;
        }
    }

    async fn run_execute(&mut self, sql: &str, binds: &[ValueRef<'_>]) -> Result<u64> {
        bind::precheck(binds.iter().copied())?;
        let mut replacements = self.replacements();
        loop {
            let Some(statement) = self.prepared(sql, false, &mut replacements).await? else {
                continue;
            };
            bind::check(statement.params(), binds.iter().copied())?;
            let begin = self.take_begin();
            let client = &self.pooled()?.client;
            let params = binds.iter().copied().map(bind::Checked);
            let (began, n) = with_begin!(
                client,
                begin.as_ref(),
                client.execute_raw(&statement, params)
            );
            let n = n.map_err(|e| self.fail_statement(sql, e));
            if !self
                .settle_begin(begin, began, &n, &mut replacements)
                .await?
            {
                return n;
            }
        }
    }

    pub(crate) async fn run_fetch<T: FromRow>(
        &mut self,
        sql: &str,
        binds: &[ValueRef<'_>],
    ) -> Result<Vec<T>> {
        self.fetch_rows(sql, binds, false).await
    }

    /// Runs `sql` and decodes every row; `select` as for `start`.
    async fn fetch_rows<T: FromRow>(
        &mut self,
        sql: &str,
        binds: &[ValueRef<'_>],
        select: bool,
    ) -> Result<Vec<T>> {
        let rows = self.start(sql, binds.iter().copied(), select).await?;
        self.collect(rows, |conn, e| conn.fail_statement(sql, e))
            .await
    }

    /// Decodes every row of `rows` into `T`; a driver error on the way is
    /// mapped by `fail` (which may mark the connection or its statement).
    pub(crate) async fn collect<T: FromRow>(
        &mut self,
        rows: RowStream,
        fail: impl Fn(&mut Self, tokio_postgres::Error) -> Error,
    ) -> Result<Vec<T>> {
        let mut rows = pin!(rows);
        let mut out = Vec::new();
        loop {
            match rows.try_next().await {
                Ok(Some(row)) => out.push(T::from_row(&PgRow::new(row))?),
                Ok(None) => return Ok(out),
                Err(e) => return Err(fail(self, e)),
            }
        }
    }

    /// Runs `sql` through the simple protocol, a pending `BEGIN` ahead of
    /// it in the same round trip.
    pub(crate) async fn run_batch(&mut self, sql: &str) -> Result<()> {
        let mut replacements = self.replacements();
        loop {
            self.note_effects(Effects {
                controls_transaction: controls_transaction(sql),
                changes_session: changes_session_settings(sql),
            });
            let begin = self.take_begin();
            let client = &self.pooled()?.client;
            let (began, done) = with_begin!(client, begin.as_ref(), client.batch_execute(sql));
            let done = done.map_err(|e| self.fail(e));
            if self
                .settle_begin(begin, began, &done, &mut replacements)
                .await?
            {
                continue;
            }
            done?;
            if mentions(sql, b"DISCARD") || mentions(sql, b"DEALLOCATE") {
                self.pooled()?.forget_all();
            }
            return Ok(());
        }
    }

    /// The one way LISTEN/NOTIFY and advisory locks (`listen.rs`,
    /// `advisory.rs`) run statements on this connection: as any query, in
    /// its transaction.
    pub(crate) async fn run_extra<T: FromRow + Send + 'static>(
        &mut self,
        sql: &str,
        binds: &[ValueRef<'_>],
    ) -> Result<Vec<T>> {
        timed!(self, "a query", self.run_fetch(sql, binds))
    }

    /// Runs the first rows of a stream: prepares and starts the statement
    /// (`select` as for `start`).
    pub(crate) async fn open_stream<'v>(
        &mut self,
        sql: &str,
        binds: impl ExactSizeIterator<Item = ValueRef<'v>> + Clone + Send,
        select: bool,
    ) -> Result<RowStream> {
        match self.query_timeout() {
            None => self.start(sql, binds, select).await,
            Some(limit) => {
                let outcome = tokio::time::timeout(limit, self.start(sql, binds, select)).await;
                outcome.unwrap_or_else(|_| Err(self.give_up("a query", limit)))
            }
        }
    }
}

/// True when `sql` contains `word`, ignoring ASCII case.
fn mentions(sql: &str, word: &[u8]) -> bool {
    sql.as_bytes()
        .windows(word.len())
        .any(|w| w.eq_ignore_ascii_case(word))
}

impl Connection for PgConnection {
    fn tx_status(&self) -> TxStatus {
        self.status()
    }

    fn set_tx_status(&mut self, status: TxStatus) {
        self.escaped = false;
        if status != TxStatus::InTransaction {
            self.pending_begin = None;
        }
        self.status = status;
    }

    async fn begin<'a>(&'a mut self, options: &'a TxOptions) -> Result<()> {
        self.begin_transaction(options).await
    }

    async fn commit(&mut self) -> Result<()> {
        self.commit_transaction().await
    }

    async fn rollback(&mut self) -> Result<()> {
        self.rollback_transaction().await
    }

    async fn prepare_transaction<'a>(&'a mut self, gid: &'a str) -> Result<()> {
        self.prepare_for_two_phase(gid).await
    }

    async fn finish_prepared<'a>(&'a mut self, gid: &'a str, commit: bool) -> Result<()> {
        self.finish_two_phase(gid, commit).await
    }

    async fn prepared_transactions(&mut self) -> Result<Vec<PreparedTransaction>> {
        self.list_prepared().await
    }

    async fn batch<'a>(&'a mut self, sql: &'a str) -> Result<()> {
        timed!(self, "a statement", self.run_batch(sql))
    }

    async fn execute<'a>(&'a mut self, sql: &'a str, binds: &'a [ValueRef<'a>]) -> Result<u64> {
        timed!(self, "a statement", self.run_execute(sql, binds))
    }

    async fn fetch_all<'a, T: FromRow + Send + 'static>(
        &'a mut self,
        sql: &'a str,
        binds: &'a [ValueRef<'a>],
    ) -> Result<Vec<T>> {
        timed!(self, "a query", self.run_fetch(sql, binds))
    }

    fn fetch_stream<'a, T: FromRow + Send + 'a>(
        &'a mut self,
        sql: Arc<str>,
        binds: Vec<Value>,
    ) -> BoxStream<'a, Result<T>> {
        crate::stream::rows(self, sql, binds, false)
    }

    async fn fetch_select<'a, T: FromRow + Send + 'static>(
        &'a mut self,
        sql: &'a str,
        binds: &'a [ValueRef<'a>],
    ) -> Result<Vec<T>> {
        timed!(self, "a query", self.fetch_rows(sql, binds, true))
    }

    fn stream_select<'a, T: FromRow + Send + 'a>(
        &'a mut self,
        sql: Arc<str>,
        binds: Vec<Value>,
    ) -> BoxStream<'a, Result<T>> {
        crate::stream::rows(self, sql, binds, true)
    }

    async fn setting<'a>(&'a mut self, name: &'a str) -> Result<String> {
        timed!(self, "a query", self.read_setting(name))
    }

    async fn set_setting<'a>(
        &'a mut self,
        name: &'a str,
        value: &'a str,
        scope: SettingScope,
    ) -> Result<()> {
        timed!(
            self,
            "a statement",
            self.write_setting(name, Some(value), scope)
        )
    }

    async fn reset_setting<'a>(&'a mut self, name: &'a str, scope: SettingScope) -> Result<()> {
        timed!(self, "a statement", self.write_setting(name, None, scope))
    }

    async fn describe<'a>(&'a mut self, sql: &'a str) -> Result<Vec<ResultColumn>> {
        timed!(self, "a statement", self.describe_statement(sql))
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

    async fn advisory_lock(&mut self, key: AdvisoryKey, scope: AdvisoryScope) -> Result<()> {
        self.take_advisory(key, scope, true).await.map(drop)
    }

    async fn try_advisory_lock(&mut self, key: AdvisoryKey, scope: AdvisoryScope) -> Result<bool> {
        self.take_advisory(key, scope, false).await
    }

    async fn advisory_unlock(&mut self, key: AdvisoryKey) -> Result<bool> {
        self.release_advisory(key).await
    }

    async fn notify<'a>(&'a mut self, channel: &'a str, payload: &'a str) -> Result<()> {
        self.send_notification(channel, payload).await
    }

    async fn declare_cursor<'a>(
        &'a mut self,
        name: &'a str,
        sql: &'a str,
        binds: &'a [ValueRef<'a>],
        scroll: bool,
    ) -> Result<()> {
        self.declare(name, sql, binds, scroll).await
    }

    async fn fetch_cursor<'a, T: FromRow + Send + 'static>(
        &'a mut self,
        name: &'a str,
        direction: Direction,
    ) -> Result<Vec<T>> {
        self.fetch_from(name, direction).await
    }

    async fn move_cursor<'a>(&'a mut self, name: &'a str, direction: Direction) -> Result<u64> {
        self.move_in(name, direction).await
    }

    async fn close_cursor<'a>(&'a mut self, name: &'a str) -> Result<()> {
        self.close_named(name).await
    }

    async fn copy_in<'a, T, R, S>(&'a mut self, columns: &'a [usize], rows: S) -> Result<u64>
    where
        T: Table,
        R: std::borrow::Borrow<T> + Send + 'a,
        S: Stream<Item = Result<R>> + Send + 'a,
    {
        self.copy_rows_in::<T, R, S>(columns, rows).await
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
        self.copy_to(source, format, out).await
    }
}
