//! Savepoints: transactions nested inside a session's transaction.

use std::ops::{Deref, DerefMut};

use super::log::logged;
use super::session::closed;
use super::{Backend, Connection, Session, SessionState, TxStatus};
use crate::error::{Error, Result};

/// The open savepoints of a session's transaction, innermost last.
#[derive(Debug, Default)]
pub(super) struct Savepoints {
    names: Vec<String>,
    /// A [`Nested`] guard was dropped while its savepoint was open: roll
    /// back to (and release) the savepoint at this index before anything else.
    abandoned: Option<usize>,
    /// Numbers the savepoints of [`Nested`] guards.
    next: u64,
}

impl Savepoints {
    pub(super) fn len(&self) -> usize {
        self.names.len()
    }

    pub(super) fn clear(&mut self) {
        self.names.clear();
        self.abandoned = None;
    }

    pub(super) fn has_abandoned(&self) -> bool {
        self.abandoned.is_some()
    }

    /// The innermost open savepoint named `name`.
    fn position(&self, name: &str) -> Result<usize> {
        self.names
            .iter()
            .rposition(|n| n == name)
            .ok_or_else(|| Error::UnknownSavepoint {
                name: name.to_string(),
            })
    }

    fn fresh_name(&mut self) -> String {
        self.next += 1;
        format!("orm_nested_{}", self.next)
    }

    fn abandon(&mut self, name: &str) {
        if let Ok(index) = self.position(name) {
            self.abandoned = Some(self.abandoned.map_or(index, |a| a.min(index)));
        }
    }
}

impl<B: Backend> Session<B> {
    /// Creates a savepoint named `name` in the open transaction (opening
    /// one first when none is open). The name is quoted: any text without a
    /// NUL character works, spaces and quotes included. A name used twice
    /// names the newer savepoint until it is released.
    ///
    /// ```no_run
    /// # use orm_core::*;
    /// # async fn f<B: Backend>(s: &mut Session<B>) -> Result<()> {
    /// s.raw("INSERT INTO log (line) VALUES ('kept')").execute().await?;
    /// s.savepoint("before import").await?;
    /// if s.raw("INSERT INTO log (line) VALUES ('maybe')").execute().await.is_err() {
    ///     s.rollback_to("before import").await?; // 'kept' stays, the session is usable again
    /// }
    /// s.release("before import").await?;
    /// s.commit().await?;
    /// # Ok(()) }
    /// ```
    pub async fn savepoint(&mut self, name: &str) -> Result<()> {
        if name.is_empty() || name.contains('\0') {
            return Err(Error::InvalidQuery {
                table: "savepoint",
                reason: "a savepoint name must be non-empty and free of NUL characters".into(),
            });
        }
        let sql = self.savepoint_sql(&["SAVEPOINT "], name);
        let log = self.db.statement_log();
        let conn = self.active("create a savepoint", false).await?;
        let result = logged(log, &sql, &[], || conn.batch(&sql)).await;
        if result.is_ok() {
            conn.set_tx_status(TxStatus::InTransaction);
            self.savepoints.names.push(name.to_string());
        }
        self.track(result)
    }

    /// Rolls back everything done since the savepoint `name` was created;
    /// the savepoint stays open (later ones are gone). In a
    /// [`SessionState::Failed`] session this makes it
    /// [`SessionState::Active`] again.
    pub async fn rollback_to(&mut self, name: &str) -> Result<()> {
        let index = self
            .open_savepoint("roll back to a savepoint", name)
            .await?;
        self.roll_back_to_index(index, false).await
    }

    /// Releases the savepoint `name` (and any created after it): its work
    /// becomes part of the enclosing transaction.
    pub async fn release(&mut self, name: &str) -> Result<()> {
        let index = self.open_savepoint("release a savepoint", name).await?;
        if self.state == SessionState::Failed {
            return Err(Error::InvalidState {
                state: SessionState::Failed,
                operation: "release a savepoint",
                hint: "a statement failed in this transaction: roll back to the savepoint instead",
            });
        }
        let sql = self.savepoint_sql(&["RELEASE SAVEPOINT "], &self.savepoints.names[index]);
        let log = self.db.statement_log();
        let Some(conn) = self.conn.as_mut() else {
            return Err(closed("release a savepoint"));
        };
        let result = logged(log, &sql, &[], || conn.batch(&sql)).await;
        if result.is_ok() {
            conn.set_tx_status(TxStatus::InTransaction);
            self.savepoints.names.truncate(index);
        }
        self.track(result)
    }

    /// Opens a nested transaction: a savepoint, and a guard through which
    /// the session is used. [`Nested::commit`] releases the savepoint,
    /// [`Nested::rollback`] rolls back to it; a guard dropped without either
    /// is rolled back to its savepoint before the session's next operation.
    ///
    /// ```no_run
    /// # use orm_core::*;
    /// # async fn f<B: Backend>(s: &mut Session<B>) -> Result<()> {
    /// let mut inner = s.nested().await?;
    /// inner.raw("DELETE FROM drafts").execute().await?;
    /// inner.rollback().await?; // the drafts are back; the outer transaction goes on
    /// s.commit().await?;
    /// # Ok(()) }
    /// ```
    pub async fn nested(&mut self) -> Result<Nested<'_, B>> {
        let name = self.savepoints.fresh_name();
        self.savepoint(&name).await?;
        Ok(Nested {
            session: self,
            name,
            open: true,
        })
    }

    /// Runs `f` in a nested transaction (a savepoint, opening the session's
    /// transaction first if none is open): `Ok` releases the savepoint,
    /// `Err` rolls back to it, so a failing inner block undoes only itself
    /// and the outer transaction can still commit. A block returning `Ok`
    /// after one of its statements failed is rolled back too, with
    /// [`Error::InvalidState`]. The outer transaction
    /// is committed or rolled back by the session as usual.
    ///
    /// ```no_run
    /// # use orm_core::*;
    /// # async fn f<B: Backend>(s: &mut Session<B>) -> Result<()> {
    /// s.raw("INSERT INTO orders (id) VALUES (1)").execute().await?;
    /// let inner: Result<()> = s
    ///     .transaction(async |s| {
    ///         s.raw("INSERT INTO orders (id) VALUES (1)").execute().await?; // a duplicate
    ///         Ok(())
    ///     })
    ///     .await;
    /// assert!(matches!(inner, Err(Error::UniqueViolation(_))));
    /// s.commit().await?; // order 1 is committed
    /// # Ok(()) }
    /// ```
    pub async fn transaction<R, E, F>(&mut self, f: F) -> Result<R, E>
    where
        F: AsyncFnOnce(&mut Session<B>) -> Result<R, E>,
        E: From<Error>,
    {
        let mut nested = self.nested().await?;
        match f(&mut *nested).await {
            Ok(value) => {
                nested.commit().await?;
                Ok(value)
            }
            Err(e) => {
                // The caller's error says more; a failed rollback leaves the
                // session failed, which its state shows.
                let _ = nested.rollback().await;
                Err(e)
            }
        }
    }

    /// Settles what must be before `operation`, then finds the savepoint `name`.
    async fn open_savepoint(&mut self, operation: &'static str, name: &str) -> Result<usize> {
        self.settle_cancelled_write();
        self.settle_abandoned().await?;
        match self.state {
            SessionState::Active | SessionState::Failed => self.savepoints.position(name),
            SessionState::Closed => Err(closed(operation)),
            _ => Err(Error::UnknownSavepoint {
                name: name.to_string(),
            }),
        }
    }

    /// Rolls back to the savepoint at `index`, and releases it too with `release`.
    async fn roll_back_to_index(&mut self, index: usize, release: bool) -> Result<()> {
        let name = &self.savepoints.names[index];
        let sql = if release {
            let mut sql = self.savepoint_sql(&["ROLLBACK TO SAVEPOINT "], name);
            sql.push_str(&self.savepoint_sql(&["; RELEASE SAVEPOINT "], name));
            sql
        } else {
            self.savepoint_sql(&["ROLLBACK TO SAVEPOINT "], name)
        };
        // Dropped mid-way, what was undone is unknown: only a full rollback is safe.
        self.state = SessionState::Failed;
        self.write_in_flight = false;
        let log = self.db.statement_log();
        let Some(conn) = self.conn.as_mut() else {
            return Err(closed("roll back to a savepoint"));
        };
        logged(log, &sql, &[], || conn.batch(&sql)).await?;
        conn.set_tx_status(TxStatus::InTransaction);
        self.state = SessionState::Active;
        self.savepoints
            .names
            .truncate(if release { index } else { index + 1 });
        Ok(())
    }

    /// Rolls back to the savepoint of a dropped [`Nested`] guard, if any.
    pub(super) async fn settle_abandoned(&mut self) -> Result<()> {
        let Some(index) = self.savepoints.abandoned.take() else {
            return Ok(());
        };
        if !self.state.is_open() || index >= self.savepoints.len() {
            return Ok(());
        }
        self.roll_back_to_index(index, true).await
    }

    fn savepoint_sql(&self, prefix: &[&str], name: &str) -> String {
        let mut sql = prefix.concat();
        self.db.backend().dialect().write_ident(name, &mut sql);
        sql
    }
}

/// A nested transaction: a savepoint in a session's transaction, and the
/// session to use inside it (through `Deref`). See [`Session::nested`].
///
/// Dropped without [`commit`](Nested::commit) or [`rollback`](Nested::rollback)
/// (an early return, a cancelled future, a panic), it is rolled back to its
/// savepoint before the session's next operation.
pub struct Nested<'s, B: Backend> {
    session: &'s mut Session<B>,
    name: String,
    open: bool,
}

impl<B: Backend> std::fmt::Debug for Nested<'_, B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Nested")
            .field("savepoint", &self.name)
            .finish()
    }
}

impl<B: Backend> Nested<'_, B> {
    /// The savepoint's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Releases the savepoint: the nested work joins the enclosing
    /// transaction. When a statement failed inside it (and the session is
    /// [`SessionState::Failed`]), it is rolled back to its savepoint instead,
    /// the enclosing transaction goes on, and the error says so.
    pub async fn commit(mut self) -> Result<()> {
        self.open = false;
        let index = self
            .session
            .open_savepoint("commit a nested transaction", &self.name)
            .await?;
        if self.session.state == SessionState::Failed {
            self.session.roll_back_to_index(index, true).await?;
            return Err(Error::InvalidState {
                state: SessionState::Failed,
                operation: "commit a nested transaction",
                hint: "a statement failed inside it, so it was rolled back to its savepoint; \
                       the enclosing transaction goes on",
            });
        }
        self.session.release(&self.name).await
    }

    /// Rolls back to the savepoint and releases it: the nested work is undone.
    pub async fn rollback(mut self) -> Result<()> {
        self.open = false;
        let index = self
            .session
            .open_savepoint("roll back a nested transaction", &self.name)
            .await?;
        self.session.roll_back_to_index(index, true).await
    }
}

impl<B: Backend> Deref for Nested<'_, B> {
    type Target = Session<B>;

    fn deref(&self) -> &Session<B> {
        self.session
    }
}

impl<B: Backend> DerefMut for Nested<'_, B> {
    fn deref_mut(&mut self) -> &mut Session<B> {
        self.session
    }
}

impl<B: Backend> Drop for Nested<'_, B> {
    fn drop(&mut self) {
        if self.open {
            self.session.savepoints.abandon(&self.name);
        }
    }
}
