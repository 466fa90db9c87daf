//! Run-time settings on a [`PgConnection`]: `current_setting` and
//! `set_config` with the name and value bound, and the search path sent in
//! the startup packet.

use orm_core::{Result, SettingScope, ValueRef};

use crate::PgConnection;

impl PgConnection {
    /// `current_setting($1)`.
    pub(crate) async fn read_setting(&mut self, name: &str) -> Result<String> {
        let rows: Vec<(String,)> = self
            .run_fetch("SELECT current_setting($1)", &[ValueRef::Text(name)])
            .await?;
        Ok(rows.into_iter().next().map(|(v,)| v).unwrap_or_default())
    }

    /// `set_config($1, $2, is_local)`; `value` `None` resets to the default.
    pub(crate) async fn write_setting(
        &mut self,
        name: &str,
        value: Option<&str>,
        scope: SettingScope,
    ) -> Result<()> {
        let local = scope == SettingScope::Transaction;
        if !local {
            // Reset when the connection goes back to the pool: set before
            // the statement, so a cancelled one is reset too.
            self.settings_changed = true;
        }
        let value = value.map_or(ValueRef::Null(orm_core::SqlType::Text), ValueRef::Text);
        let binds = [ValueRef::Text(name), value, ValueRef::Bool(local)];
        // set_config returns the new value, unused here.
        let _: Vec<(Option<String>,)> = self
            .run_fetch("SELECT set_config($1, $2, $3)", &binds)
            .await?;
        Ok(())
    }
}

/// Functions whose effect outlives the transaction they run in: a setting
/// changed for the session, a session-level advisory lock taken.
const SESSION_FUNCTIONS: [&str; 3] = ["set_config", "pg_advisory_lock", "pg_try_advisory_lock"];

/// True when `sql` may change the connection's session beyond its
/// transaction, to be cleaned up (see [`SESSION_CLEANUP`]) before the
/// connection goes back to the pool: a statement beginning with `SET` (not
/// `SET LOCAL`), `RESET` or `LISTEN`, or a call of `set_config` or of a
/// session-level advisory lock function anywhere. Statements are told apart
/// at every `;` and names are found even inside strings: a false alarm
/// costs one needless clean-up, never a leak.
pub(crate) fn changes_session_settings(sql: &str) -> bool {
    let starts_one = sql.split(';').any(|statement| {
        let mut words = statement.split_ascii_whitespace();
        match words.next() {
            Some(w) if w.eq_ignore_ascii_case("RESET") || w.eq_ignore_ascii_case("LISTEN") => true,
            // SET LOCAL, SET TRANSACTION and SET CONSTRAINTS end with the
            // transaction.
            Some(w) if w.eq_ignore_ascii_case("SET") => !words.next().is_some_and(|w| {
                ["LOCAL", "TRANSACTION", "CONSTRAINTS"]
                    .iter()
                    .any(|k| w.eq_ignore_ascii_case(k))
            }),
            _ => false,
        }
    });
    starts_one
        || SESSION_FUNCTIONS
            .iter()
            .any(|f| contains_ignore_case(sql, f))
}

/// Undoes what [`changes_session_settings`] looks for, outside a
/// transaction: back to the connection's startup settings (its
/// `search_path` included), no channel listened on, no advisory lock held.
pub(crate) const SESSION_CLEANUP: &str = "RESET ALL; UNLISTEN *; SELECT pg_advisory_unlock_all()";

/// True when `haystack` contains `needle` (ASCII), ignoring ASCII case.
fn contains_ignore_case(haystack: &str, needle: &str) -> bool {
    haystack
        .as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// The libpq `options` argument that sets `search_path` to `schemas`: each
/// schema quoted as an identifier, spaces and backslashes escaped as the
/// startup packet's option parser wants.
pub(crate) fn search_path_option(schemas: &[String]) -> String {
    let quoted: Vec<String> = schemas
        .iter()
        .map(|s| format!("\"{}\"", s.replace('"', "\"\"")))
        .collect();
    let value = quoted.join(",");
    let mut escaped = String::with_capacity(value.len() + 16);
    for c in value.chars() {
        if c == '\\' || c.is_ascii_whitespace() {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    format!("-c search_path={escaped}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_session_level_set_and_reset_change_session_settings() {
        assert!(changes_session_settings("SET work_mem = '8MB'"));
        assert!(changes_session_settings("  set session work_mem TO 1"));
        assert!(changes_session_settings("RESET work_mem"));
        assert!(!changes_session_settings("SET LOCAL work_mem = '8MB'"));
        assert!(!changes_session_settings("SELECT 1"));
        assert!(!changes_session_settings("SETTLE"));
        assert!(!changes_session_settings(
            "set transaction isolation level serializable"
        ));
        assert!(!changes_session_settings("SET CONSTRAINTS ALL DEFERRED"));
        assert!(changes_session_settings(
            "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY"
        ));
        // In any statement of a batch.
        assert!(changes_session_settings("SELECT 1; SET work_mem = 1"));
        assert!(changes_session_settings("select 1;\n reset all"));
        assert!(!changes_session_settings(
            "SELECT 1; SET LOCAL work_mem = 1"
        ));
        // What else outlives the transaction.
        assert!(changes_session_settings("listen jobs"));
        assert!(changes_session_settings(
            "SELECT SET_CONFIG('a', 'b', false)"
        ));
        assert!(changes_session_settings(
            "SELECT pg_advisory_lock_shared($1)"
        ));
        assert!(changes_session_settings(
            "SELECT x FROM t WHERE pg_try_advisory_lock(id)"
        ));
        assert!(!changes_session_settings(
            "SELECT pg_advisory_xact_lock($1)"
        ));
        assert!(!changes_session_settings("UNLISTEN jobs"));
    }

    #[test]
    fn the_search_path_option_quotes_and_escapes_each_schema() {
        let schemas = ["app".to_string(), "My \"Schema\"".to_string()];
        assert_eq!(
            search_path_option(&schemas),
            r#"-c search_path="app","My\ ""Schema""""#
        );
    }
}
