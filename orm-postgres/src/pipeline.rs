//! The lazy `BEGIN` of a [`PgConnection`]: [`Connection::begin`] only
//! remembers it, and it goes to the server in the same round trip as the
//! transaction's first statement (tokio-postgres sends requests whose
//! futures are polled together back to back, in the order they are first
//! polled). A transaction of one statement then costs two round trips, not
//! three, and one that ends before any statement costs none.
//!
//! The rules every statement path follows:
//!
//! - the pending `BEGIN` is taken off the connection as the statement is
//!   sent; the status stays `InTransaction`, so a future dropped in flight
//!   leaves a connection that is rolled back before reuse;
//! - a `BEGIN` that fails fails the statement with `BEGIN`'s error;
//! - a statement that fails after its `BEGIN` succeeded leaves the
//!   transaction open and aborted, as if they had been sent apart;
//! - when the connection turns out to be lost (it died idle in the pool, say),
//!   nothing of the transaction exists yet: the connection is closed, another
//!   one leased from the pool, and `BEGIN` and the statement are sent again,
//!   as a `BEGIN` sent on its own would have been retried on another
//!   connection. A statement with effects outside the transaction (a
//!   sequence's `nextval`) may then have had them twice.
//!
//! A `SELECT` orm built ([`Connection::fetch_select`]) goes further: when
//! the transaction gives every statement a snapshot of its own (READ
//! COMMITTED, PostgreSQL's default; see [`PgConnection::begin_for`]), it
//! runs ahead of the pending `BEGIN`, which waits for the first statement
//! that is not such a read. Inside the transaction that read would have
//! seen exactly the same rows; a session that only reads then costs one
//! round trip a query and no `BEGIN` or `COMMIT` at all. A connection
//! found lost under such a read is replaced as under a `BEGIN`: nothing of
//! the transaction exists yet.
//!
//! Code that uses the driver's client directly calls
//! [`flush_begin`](PgConnection::flush_begin) first.
//!
//! [`Connection::fetch_select`]: orm_core::Connection::fetch_select

use std::future::Future;

use futures_util::future::BoxFuture;
use orm_core::{Backend, Error, IsolationLevel, Result, TxOptions, TxStatus};
use tokio_postgres::Client;

use crate::connection::timed;
use crate::transaction::begin_sql;
use crate::PgConnection;

/// Awaits `$work`, with the `BEGIN` of `$begin` (an `Option<&TxOptions>`)
/// sent just ahead of it in the same round trip when there is one; yields
/// `BEGIN`'s outcome (`Ok` when there was none) and `$work`'s.
///
/// A macro so that the common case, no `BEGIN`, awaits the driver's
/// future where it is made: a statement's future is a kilobyte, and every
/// function it passed through would move it (and an `async fn` would hold
/// it twice, as argument and as the future it awaits).
macro_rules! with_begin {
    ($client:expr, $begin:expr, $work:expr) => {
        match $begin {
            None => (Ok(()), $work.await),
            Some(options) => $crate::pipeline::begin_then($client, options, $work).await,
        }
    };
}
pub(crate) use with_begin;

/// `work` with `options`' `BEGIN` polled first, so queued first. Boxed:
/// once per transaction, where every statement's future would otherwise
/// carry the room for `BEGIN`'s.
pub(crate) fn begin_then<'a, T: Send + 'a>(
    client: &'a Client,
    options: &TxOptions,
    work: impl Future<Output = T> + Send + 'a,
) -> BoxFuture<'a, (std::result::Result<(), tokio_postgres::Error>, T)> {
    let sql = begin_sql(options);
    Box::pin(async move { futures_util::future::join(client.batch_execute(&sql), work).await })
}

impl PgConnection {
    /// Takes the pending `BEGIN`, about to be sent.
    pub(crate) fn take_begin(&mut self) -> Option<TxOptions> {
        self.pending_begin.take()
    }

    /// The `BEGIN` to send with a statement: the pending one, unless the
    /// statement is a `SELECT` orm built (`select`) and the transaction
    /// gives each statement its own snapshot, when it stays pending.
    pub(crate) fn begin_for(&mut self, select: bool) -> Option<TxOptions> {
        if select && self.select_may_precede_begin() {
            None
        } else {
            self.take_begin()
        }
    }

    /// True when the pending transaction runs at READ COMMITTED: asked for,
    /// or the connection's default with no level named. A setting changed
    /// on this lease may have changed the default, so then never.
    fn select_may_precede_begin(&self) -> bool {
        let Some(options) = &self.pending_begin else {
            return false;
        };
        if self.settings_changed {
            return false;
        }
        match options.isolation {
            Some(IsolationLevel::ReadCommitted) => true,
            Some(_) => false,
            None => self
                .object
                .as_ref()
                .is_some_and(|client| client.snapshot_per_statement),
        }
    }

    /// How many times a statement may find its connection lost under a
    /// `BEGIN` and move to another one: one more than the pool holds, so
    /// that every dead idle connection can be met once.
    pub(crate) fn replacements(&self) -> usize {
        self.backend.pool_status().max_size + 1
    }

    /// Settles a round trip that carried `begin` (none: nothing to settle,
    /// unless a `SELECT` ran ahead of a `BEGIN` still pending) with
    /// `BEGIN`'s outcome `began` and the statement's `outcome`. Returns true
    /// when the connection was found lost and replaced, with the `BEGIN`
    /// pending again: send the statement again.
    pub(crate) async fn settle_begin<T>(
        &mut self,
        begin: Option<TxOptions>,
        began: std::result::Result<(), tokio_postgres::Error>,
        outcome: &Result<T>,
        replacements: &mut usize,
    ) -> Result<bool> {
        let lost = |e: Option<&Error>| matches!(e, Some(Error::ConnectionLost { .. }));
        let Some(begin) = begin else {
            return match self.pending_begin {
                Some(pending) if *replacements > 0 && lost(outcome.as_ref().err()) => {
                    *replacements -= 1;
                    self.replace_boxed(pending).await?;
                    Ok(true)
                }
                _ => Ok(false),
            };
        };
        let began = began.map_err(|e| self.fail(e));
        if *replacements > 0 && (lost(began.as_ref().err()) || lost(outcome.as_ref().err())) {
            *replacements -= 1;
            self.replace_boxed(begin).await?;
            return Ok(true);
        }
        if began.is_err() {
            // Rolled back before reuse, whatever the server made of it.
            self.status = TxStatus::Unknown;
        }
        began.map(|()| false)
    }

    /// [`replace_lost`](Self::replace_lost), boxed and type-erased: the
    /// pool's connect future is deep, and every statement's future would
    /// otherwise nest it (past the compiler's type-depth limit in programs
    /// that nest statements in async closures).
    async fn replace_boxed(&mut self, begin: TxOptions) -> Result<()> {
        let replace: BoxFuture<'_, Result<()>> = Box::pin(self.replace_lost(begin));
        replace.await
    }

    /// Closes a connection found lost before its transaction did anything,
    /// and leases another with `begin` pending on it.
    async fn replace_lost(&mut self, begin: TxOptions) -> Result<()> {
        if let Some(lost) = self.object.take() {
            crate::release::close(lost);
        }
        let object = self.backend.lease().await?;
        self.object = Some(object);
        self.discarded = false;
        self.escaped = false;
        self.status = TxStatus::InTransaction;
        self.pending_begin = Some(begin);
        Ok(())
    }

    /// Sends a pending `BEGIN` on its own, for code that is about to use
    /// the driver's client directly (or run SQL that must follow it). Does
    /// nothing when no `BEGIN` is pending.
    pub(crate) async fn flush_begin(&mut self) -> Result<()> {
        if self.pending_begin.is_none() {
            return Ok(());
        }
        timed!(self, "BEGIN", self.send_begin())
    }

    async fn send_begin(&mut self) -> Result<()> {
        let mut replacements = self.replacements();
        loop {
            let begin = self.take_begin();
            let client = &self.pooled()?.client;
            let (began, ()) = with_begin!(client, begin.as_ref(), async {});
            if !self
                .settle_begin(begin, began, &Ok(()), &mut replacements)
                .await?
            {
                return Ok(());
            }
        }
    }
}
