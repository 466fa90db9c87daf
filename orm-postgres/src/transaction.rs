//! Transaction control on a [`PgConnection`]: `BEGIN` with options (sent
//! with the first statement, see `pipeline.rs`), `COMMIT` whose outcome may
//! be unknown, `ROLLBACK`, and two-phase commit.

use std::borrow::Cow;
use std::time::Duration;

use orm_core::error::sqlstate;
use orm_core::{Connection, Error, PreparedTransaction, Result, TxOptions, TxStatus};

use crate::connection::timed;
use crate::{error, PgConnection};

/// The `BEGIN` statement for `options`. SQLite's lock mode means nothing
/// here: PostgreSQL locks rows as statements touch them.
///
/// ```text
/// BEGIN
/// BEGIN ISOLATION LEVEL SERIALIZABLE, READ ONLY, DEFERRABLE
/// ```
pub(crate) fn begin_sql(options: &TxOptions) -> Cow<'static, str> {
    let mut modes = Vec::new();
    if let Some(level) = options.isolation {
        modes.push(format!("ISOLATION LEVEL {}", level.as_sql()));
    }
    if options.read_only {
        modes.push("READ ONLY".to_string());
    }
    if options.deferrable {
        modes.push("DEFERRABLE".to_string());
    }
    if modes.is_empty() {
        Cow::Borrowed("BEGIN")
    } else {
        Cow::Owned(format!("BEGIN {}", modes.join(", ")))
    }
}

/// A global transaction id as a string literal, quotes doubled.
fn gid_literal(gid: &str) -> Result<String> {
    if gid.is_empty() || gid.contains('\0') {
        return Err(Error::InvalidQuery {
            table: "prepared transaction",
            reason: "a global transaction id must be non-empty and free of NUL characters".into(),
        });
    }
    Ok(format!("'{}'", gid.replace('\'', "''")))
}

/// A failure that leaves the outcome of a `COMMIT` (or `PREPARE`) unknown.
fn outcome_unknown(error: Error) -> Error {
    match error {
        e @ Error::CommitOutcomeUnknown { .. } => e,
        e => Error::CommitOutcomeUnknown {
            source: Box::new(e),
        },
    }
}

fn loses_outcome(error: &Error) -> bool {
    matches!(error, Error::ConnectionLost { .. } | Error::Timeout { .. })
}

impl PgConnection {
    /// Runs a transaction-control statement: the status is unknown until
    /// it succeeded, and is then `after`, whatever a client handed out ran
    /// before (its borrow has ended).
    async fn control(&mut self, operation: &'static str, sql: &str, after: TxStatus) -> Result<()> {
        self.status = TxStatus::Unknown;
        timed!(self, operation, self.run_batch(sql))?;
        self.status = after;
        self.escaped = false;
        Ok(())
    }

    /// Remembers the `BEGIN` for `options`, to be sent with the first
    /// statement. A connection already known to be closed fails here, so
    /// that the session tries another before the transaction holds work.
    pub(crate) async fn begin_transaction(&mut self, options: &TxOptions) -> Result<()> {
        if self.pooled()?.client.is_closed() {
            self.discarded = true;
            return Err(error::connection_lost("the connection was closed"));
        }
        self.pending_begin = Some(*options);
        self.status = TxStatus::InTransaction;
        Ok(())
    }

    /// Forgets a `BEGIN` that was never sent: the transaction ran nothing,
    /// so ending it needs no word to the server. True when there was one.
    fn end_unsent(&mut self) -> bool {
        if self.pending_begin.take().is_some() {
            self.status = TxStatus::Idle;
            return true;
        }
        false
    }

    /// True when the server is outside any transaction: the status is
    /// `Idle`, or a transaction was begun and its `BEGIN` not sent yet.
    pub(crate) fn outside_transaction(&self) -> bool {
        match self.status() {
            TxStatus::Idle => true,
            TxStatus::InTransaction => self.pending_begin.is_some(),
            _ => false,
        }
    }

    pub(crate) async fn commit_transaction(&mut self) -> Result<()> {
        if self.end_unsent() {
            return Ok(());
        }
        match self.control("COMMIT", "COMMIT", TxStatus::Idle).await {
            Ok(()) => Ok(()),
            // Sent, and no reply: committed or not, nobody here can tell.
            Err(e) if loses_outcome(&e) => {
                self.discarded = true;
                Err(outcome_unknown(e))
            }
            // Refused by the server (a serialization failure, a deferred
            // constraint): PostgreSQL ends the transaction. The status stays
            // unknown all the same, so a ROLLBACK makes sure before reuse.
            Err(e) => Err(e),
        }
    }

    pub(crate) async fn rollback_transaction(&mut self) -> Result<()> {
        if self.end_unsent() {
            return Ok(());
        }
        if self.is_broken() {
            // Closing the connection makes the server roll back.
            self.discarded = true;
            return Ok(());
        }
        match self.control("ROLLBACK", "ROLLBACK", TxStatus::Idle).await {
            Err(e) if loses_outcome(&e) => {
                self.discarded = true;
                Ok(())
            }
            other => other,
        }
    }

    pub(crate) async fn prepare_for_two_phase(&mut self, gid: &str) -> Result<()> {
        let sql = format!("PREPARE TRANSACTION {}", gid_literal(gid)?);
        self.flush_begin().await?;
        match self.control("PREPARE TRANSACTION", &sql, TxStatus::Idle).await {
            Ok(()) => Ok(()),
            Err(e) if loses_outcome(&e) => {
                self.discarded = true;
                Err(outcome_unknown(e))
            }
            Err(Error::Database { code, message, .. })
                if code == sqlstate::OBJECT_NOT_IN_PREREQUISITE_STATE
                    && message.contains("disabled") =>
            {
                Err(Error::Unsupported {
                    backend: "postgresql",
                    what: format!(
                        "two-phase commit on this server ({message}): its max_prepared_transactions \
                         is 0; set it above 0 in postgresql.conf and restart the server. The \
                         transaction was rolled back"
                    ),
                })
            }
            Err(e) => Err(e),
        }
    }

    pub(crate) async fn finish_two_phase(&mut self, gid: &str, commit: bool) -> Result<()> {
        let verb = if commit { "COMMIT" } else { "ROLLBACK" };
        let sql = format!("{verb} PREPARED {}", gid_literal(gid)?);
        let operation = if commit {
            "COMMIT PREPARED"
        } else {
            "ROLLBACK PREPARED"
        };
        // Inside a transaction the server refuses it: say so, as before.
        self.flush_begin().await?;
        match self.control(operation, &sql, TxStatus::Idle).await {
            Err(e) if commit && loses_outcome(&e) => {
                self.discarded = true;
                Err(outcome_unknown(e))
            }
            other => other,
        }
    }

    pub(crate) async fn list_prepared(&mut self) -> Result<Vec<PreparedTransaction>> {
        let sql = "SELECT gid, owner::text, database::text, \
                   greatest(extract(epoch FROM now() - prepared), 0)::float8 \
                   FROM pg_prepared_xacts WHERE database = current_database() \
                   ORDER BY prepared, gid";
        let rows: Vec<(String, String, String, f64)> = self.fetch_all(sql, &[]).await?;
        Ok(rows
            .into_iter()
            .map(|(gid, owner, database, age)| {
                let age = Duration::try_from_secs_f64(age).unwrap_or_default();
                PreparedTransaction::new(gid, owner, database, age)
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use orm_core::{IsolationLevel, LockMode};

    #[test]
    fn begin_spells_every_option() {
        assert_eq!(begin_sql(&TxOptions::new()), "BEGIN");
        assert_eq!(
            begin_sql(&TxOptions::serializable().read_only().deferrable()),
            "BEGIN ISOLATION LEVEL SERIALIZABLE, READ ONLY, DEFERRABLE"
        );
        assert_eq!(
            begin_sql(&TxOptions::new().isolation(IsolationLevel::RepeatableRead)),
            "BEGIN ISOLATION LEVEL REPEATABLE READ"
        );
        assert_eq!(
            begin_sql(&TxOptions::new().lock(LockMode::Exclusive)),
            "BEGIN"
        );
    }

    #[test]
    fn gids_are_string_literals() {
        assert_eq!(gid_literal("it's").unwrap(), "'it''s'");
        assert!(matches!(gid_literal(""), Err(Error::InvalidQuery { .. })));
        assert!(matches!(
            gid_literal("a\0"),
            Err(Error::InvalidQuery { .. })
        ));
    }
}
