//! Statement logging: a `tracing` span and event per statement, the echo to
//! stderr, and the slow-statement warning.
//!
//! Everything is off unless asked for: with no subscriber interested in
//! target `orm::statement`, no echo and no slow threshold, a statement costs
//! three flag checks (the `tracing` one cached per call site) and nothing is
//! measured.

use std::fmt::Write as _;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tracing::Instrument as _;

use super::Connection;
use crate::error::{Error, Result};
use crate::value::{Value, ValueRef};

/// The `tracing` target of statement spans and events.
pub const TARGET: &str = "orm::statement";

/// How a [`Database`](super::Database) logs the statements its sessions run;
/// set from the URL (`echo`, `slow_statement_ms`, `log_binds`) or
/// [`ConnectOptions`](super::ConnectOptions)' builder methods.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatementLog {
    /// Print each statement, its row count and duration to stderr.
    pub echo: bool,
    /// Statements taking at least this long log a `tracing` warning (and
    /// are marked `SLOW` in the echo).
    pub slow_statement: Option<Duration>,
    /// Include bound values in events and echo lines. Off by default: bound
    /// values are often personal data or secrets.
    pub log_binds: bool,
}

/// What a statement returned, for the log.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Outcome<'e> {
    /// Rows affected, or rows returned.
    Rows(u64),
    /// It ran and returned no count (DDL, a batch).
    Done,
    /// It failed.
    Failed(&'e Error),
}

impl<'e, T> From<&'e Result<T>> for Outcome<'e>
where
    T: RowCount,
{
    fn from(result: &'e Result<T>) -> Self {
        match result {
            Ok(value) => value.row_count().map_or(Outcome::Done, Outcome::Rows),
            Err(e) => Outcome::Failed(e),
        }
    }
}

/// The row count of a statement's result.
pub(crate) trait RowCount {
    fn row_count(&self) -> Option<u64>;
}

impl RowCount for String {
    fn row_count(&self) -> Option<u64> {
        Some(1)
    }
}

impl RowCount for bool {
    fn row_count(&self) -> Option<u64> {
        Some(1)
    }
}

impl RowCount for u64 {
    fn row_count(&self) -> Option<u64> {
        Some(*self)
    }
}

impl<T> RowCount for Vec<T> {
    fn row_count(&self) -> Option<u64> {
        Some(self.len() as u64)
    }
}

/// What a `COPY` out wrote, in bytes: not a row count, so none is logged.
pub(crate) struct BytesWritten(pub(crate) u64);

impl RowCount for BytesWritten {
    fn row_count(&self) -> Option<u64> {
        None
    }
}

impl RowCount for () {
    fn row_count(&self) -> Option<u64> {
        None
    }
}

/// A statement being watched: started by [`StatementLog::start`], logged by
/// [`Watch::finish`].
#[derive(Debug)]
pub(crate) struct Watch {
    config: StatementLog,
    started: Instant,
    span: tracing::Span,
    binds: usize,
    values: Option<String>,
}

impl StatementLog {
    /// True when something would log a statement: the echo, a slow
    /// threshold, or a `tracing` subscriber interested in [`TARGET`].
    fn wanted(&self) -> bool {
        self.echo
            || self.slow_statement.is_some()
            || tracing::enabled!(target: TARGET, tracing::Level::DEBUG)
    }

    /// Starts watching `sql` with `binds` (borrowed or owned values); `None`
    /// when nothing would log it.
    pub(crate) fn start<B: std::fmt::Debug>(&self, sql: &str, binds: &[B]) -> Option<Watch> {
        if !self.wanted() {
            return None;
        }
        let values = self.log_binds.then(|| format!("{binds:?}"));
        Some(self.watch(sql, binds.len(), values))
    }

    fn watch(&self, sql: &str, binds: usize, values: Option<String>) -> Watch {
        let span = match &values {
            Some(values) => tracing::debug_span!(
                target: TARGET, "statement", sql, binds, values = values.as_str(),
                rows = tracing::field::Empty, elapsed_ms = tracing::field::Empty,
            ),
            None => tracing::debug_span!(
                target: TARGET, "statement", sql, binds,
                rows = tracing::field::Empty, elapsed_ms = tracing::field::Empty,
            ),
        };
        Watch {
            config: *self,
            started: Instant::now(),
            span,
            binds,
            values,
        }
    }
}

impl Watch {
    /// The statement's span, to run the statement in.
    pub(crate) fn span(&self) -> &tracing::Span {
        &self.span
    }

    /// Logs the statement `sql` as done with `outcome`.
    pub(crate) fn finish(self, sql: &str, outcome: Outcome<'_>) {
        let elapsed = self.started.elapsed();
        let elapsed_ms = elapsed.as_secs_f64() * 1000.0;
        let slow = self.config.slow_statement.filter(|limit| elapsed >= *limit);
        let _entered = self.span.enter();
        self.span.record("elapsed_ms", elapsed_ms);
        match outcome {
            Outcome::Rows(rows) => {
                self.span.record("rows", rows);
                tracing::debug!(target: TARGET, rows, elapsed_ms, "statement done");
            }
            Outcome::Done => tracing::debug!(target: TARGET, elapsed_ms, "statement done"),
            Outcome::Failed(e) => {
                tracing::debug!(target: TARGET, elapsed_ms, error = %e, "statement failed");
            }
        }
        if let Some(limit) = slow {
            tracing::warn!(
                target: TARGET,
                sql,
                elapsed_ms,
                threshold_ms = limit.as_secs_f64() * 1000.0,
                "slow statement"
            );
        }
        if self.config.echo {
            eprintln!("{}", self.echo_line(sql, outcome, elapsed_ms, slow));
        }
    }

    /// The echo line: `orm: <sql> -- 1 bind, 3 rows, 0.412 ms`.
    fn echo_line(
        &self,
        sql: &str,
        outcome: Outcome<'_>,
        elapsed_ms: f64,
        slow: Option<Duration>,
    ) -> String {
        let mut line = format!("orm: {sql} -- {} bind{}", self.binds, plural(self.binds));
        if let Some(values) = &self.values {
            let _ = write!(line, " {values}");
        }
        match outcome {
            Outcome::Rows(rows) => {
                let _ = write!(line, ", {rows} row{}", plural(rows as usize));
            }
            Outcome::Done => {}
            Outcome::Failed(e) => {
                let _ = write!(line, ", failed: {e}");
            }
        }
        let _ = write!(line, ", {elapsed_ms:.3} ms");
        if let Some(limit) = slow {
            let _ = write!(line, " SLOW (threshold {} ms)", limit.as_millis());
        }
        line
    }
}

/// Runs the future `run` makes, the statement `sql` with `binds`, logged as
/// `log` says. Made here rather than passed in, so that a statement's
/// (large) future is moved once fewer on every statement.
pub(crate) async fn logged<T: RowCount, F: Future<Output = Result<T>>>(
    log: StatementLog,
    sql: &str,
    binds: &[ValueRef<'_>],
    run: impl FnOnce() -> F,
) -> Result<T> {
    match log.start(sql, binds) {
        None => run().await,
        Some(watch) => {
            let result = run().instrument(watch.span().clone()).await;
            watch.finish(sql, Outcome::from(&result));
            result
        }
    }
}

/// Like [`logged`], for a statement whose text the backend writes (a cursor's
/// `FETCH`, a `COPY`): `describe` gives the text to log, and is called only
/// when something logs it.
pub(crate) async fn logged_as<T: RowCount, F: Future<Output = Result<T>>>(
    log: StatementLog,
    describe: impl FnOnce() -> String,
    binds: &[ValueRef<'_>],
    run: impl FnOnce() -> F,
) -> Result<T> {
    if log.wanted() {
        logged(log, &describe(), binds, run).await
    } else {
        run().await
    }
}

/// Commits `conn`'s transaction, logged as `COMMIT`: the one place a
/// session's `COMMIT` is sent and logged.
pub(crate) async fn commit<C: Connection>(log: StatementLog, conn: &mut C) -> Result<()> {
    logged(log, "COMMIT", &[], || conn.commit()).await
}

/// Rolls `conn`'s transaction back, logged as `ROLLBACK`: the one place a
/// session's `ROLLBACK` is sent and logged.
pub(crate) async fn rollback<C: Connection>(log: StatementLog, conn: &mut C) -> Result<()> {
    logged(log, "ROLLBACK", &[], || conn.rollback()).await
}

/// Logs the `ROLLBACK` of a transaction whose session was dropped while it
/// was open (an early return, a `?`): the backend rolls it back as the
/// connection goes back to the pool, with no statement span of its own.
pub(crate) fn dropped_open_transaction(log: StatementLog) {
    if !log.wanted() {
        return;
    }
    let message = "the session was dropped with its transaction open: \
                   rolled back as its connection goes back to the pool";
    tracing::debug!(target: TARGET, sql = "ROLLBACK", "{message}");
    if log.echo {
        eprintln!("orm: ROLLBACK -- {message}");
    }
}

/// Watches a stream of rows: logs the statement once the stream ends, fails
/// or is dropped, with the rows it yielded.
pub(crate) struct StreamWatch {
    watch: Option<Watch>,
    sql: Arc<str>,
    rows: u64,
}

impl StreamWatch {
    /// Starts watching the stream of `sql` with `binds`.
    pub(crate) fn start(log: StatementLog, sql: Arc<str>, binds: &[Value]) -> Self {
        StreamWatch {
            watch: log.start(&sql, binds),
            sql,
            rows: 0,
        }
    }

    /// Counts a row, or logs the failure that ends the stream.
    pub(crate) fn see<T>(&mut self, item: &Result<T>) {
        match item {
            Ok(_) => self.rows += 1,
            Err(e) => {
                if let Some(watch) = self.watch.take() {
                    watch.finish(&self.sql, Outcome::Failed(e));
                }
            }
        }
    }
}

impl Drop for StreamWatch {
    fn drop(&mut self) {
        if let Some(watch) = self.watch.take() {
            watch.finish(&self.sql, Outcome::Rows(self.rows));
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn watch(log_binds: bool, slow: Option<Duration>) -> Watch {
        let config = StatementLog {
            echo: true,
            slow_statement: slow,
            log_binds,
        };
        config
            .start("SELECT $1", &[ValueRef::Text("secret")])
            .expect("echo is on")
    }

    #[test]
    fn the_echo_line_gives_sql_bind_count_rows_and_time_but_no_values() {
        let line = watch(false, None).echo_line("SELECT $1", Outcome::Rows(3), 0.4121, None);
        assert_eq!(line, "orm: SELECT $1 -- 1 bind, 3 rows, 0.412 ms");
    }

    #[test]
    fn the_echo_line_gives_values_when_asked_and_marks_slow_statements() {
        let slow = Some(Duration::from_millis(250));
        let line = watch(true, slow).echo_line("SELECT $1", Outcome::Rows(1), 300.0, slow);
        assert_eq!(
            line,
            "orm: SELECT $1 -- 1 bind [Text(\"secret\")], 1 row, 300.000 ms SLOW (threshold 250 ms)"
        );
    }
}
