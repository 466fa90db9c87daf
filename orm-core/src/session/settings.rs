//! Reading and changing the database's run-time settings (PostgreSQL's
//! `current_setting` / `set_config`, SQLite's pragmas) from a session.

use super::log::logged_as;
use super::{Backend, Connection, Session};
use crate::error::Result;
use crate::value::ValueRef;

/// How long a changed setting lasts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum SettingScope {
    /// Until the current transaction ends (PostgreSQL's `SET LOCAL`): the
    /// safe default for a pooled connection.
    #[default]
    Transaction,
    /// Until the connection goes back to the pool, where it is reset (one
    /// round trip, only after such a change). Useful on a connection
    /// leased with [`Backend::acquire`]: a [`Session`] returns its
    /// connection when its transaction ends.
    Connection,
}

impl<B: Backend> Session<B> {
    /// The current value of setting `name`, as text (PostgreSQL:
    /// `current_setting($1)`; SQLite: `PRAGMA name`), read inside the
    /// session's transaction.
    ///
    /// ```no_run
    /// # use orm_core::*;
    /// # async fn f<B: Backend>(s: &mut Session<B>) -> Result<()> {
    /// s.set_setting("statement_timeout", "5s").await?; // this transaction only
    /// assert_eq!(s.setting("statement_timeout").await?, "5s");
    /// # Ok(()) }
    /// ```
    pub async fn setting(&mut self, name: &str) -> Result<String> {
        let log = self.db.statement_log();
        let conn = self.statement_connection("read a setting", false).await?;
        let result = logged_as(log, || format!("SHOW {name}"), &[], || conn.setting(name)).await;
        self.track(result)
    }

    /// Sets `name` to `value` until the session's transaction ends
    /// (PostgreSQL: `set_config($1, $2, true)`, values bound). On SQLite,
    /// `PRAGMA name = value` with the name and value validated; the pragma
    /// lasts until the connection goes back to the pool at commit or
    /// rollback, where its earlier value is restored.
    pub async fn set_setting(&mut self, name: &str, value: &str) -> Result<()> {
        let log = self.db.statement_log();
        let conn = self.active("change a setting", false).await?;
        // The value goes as a bind: logged only with `log_binds`.
        let describe = || format!("SET LOCAL {name} = ?");
        let result = logged_as(log, describe, &[ValueRef::Text(value)], || {
            conn.set_setting(name, value, SettingScope::Transaction)
        })
        .await;
        self.track(result)
    }

    /// Puts `name` back to its default for the rest of the transaction
    /// (PostgreSQL: `set_config($1, NULL, true)`). SQLite has no defaults
    /// to return to: [`Error::Unsupported`](crate::Error::Unsupported).
    pub async fn reset_setting(&mut self, name: &str) -> Result<()> {
        let log = self.db.statement_log();
        let conn = self.active("reset a setting", false).await?;
        let describe = || format!("SET LOCAL {name} TO DEFAULT");
        let result = logged_as(log, describe, &[], || {
            conn.reset_setting(name, SettingScope::Transaction)
        })
        .await;
        self.track(result)
    }
}
