//! Settings on SQLite: pragmas, with the name and value validated (a
//! pragma cannot take bound parameters), and the earlier value restored
//! before the connection goes back to the pool. The checks, statements and
//! bookkeeping here serve both executors; each runs the statements its way.

use orm_core::{Error, Result};
use sqlx::{AssertSqlSafe, Executor as _};

use crate::cell::CellRow;
use crate::error::from_sqlx;
use crate::row::SqliteRow;
use crate::SqliteConn;

/// Checks a pragma name: ASCII letters, digits and `_`, not starting with a digit.
pub(crate) fn check_name(name: &str) -> Result<()> {
    let mut chars = name.chars();
    let valid = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if valid {
        Ok(())
    } else {
        Err(Error::InvalidSetting {
            name: name.to_string(),
            reason: "a SQLite pragma name is ASCII letters, digits and `_`".into(),
        })
    }
}

/// Checks a pragma value: an integer (`-1`, `5000`) or a keyword (`ON`,
/// `wal`, `NORMAL`); anything else could change the statement's meaning.
pub(crate) fn check_value(name: &str, value: &str) -> Result<()> {
    let digits = value.strip_prefix('-').unwrap_or(value);
    let integer = !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit());
    if integer || check_name(value).is_ok() {
        Ok(())
    } else {
        Err(Error::InvalidSetting {
            name: name.to_string(),
            reason: format!(
                "`{value}` is not a pragma value SQLite settings take: an integer or a keyword \
                 (ON, OFF, WAL, NORMAL, ...)"
            ),
        })
    }
}

/// `PRAGMA "name"`, reading a setting, once the name is checked.
pub(crate) fn read_statement(name: &str) -> Result<String> {
    check_name(name)?;
    Ok(format!("PRAGMA \"{name}\""))
}

/// `PRAGMA "name" = value`, once both are checked.
pub(crate) fn write_statement(name: &str, value: &str) -> Result<String> {
    check_name(name)?;
    check_value(name, value)?;
    Ok(format!("PRAGMA \"{name}\" = {value}"))
}

/// A pragma read that returned no row.
pub(crate) fn no_such_pragma(name: &str) -> Error {
    Error::InvalidSetting {
        name: name.to_string(),
        reason: "SQLite returned no value: there is no such pragma, or it cannot be read".into(),
    }
}

/// Whether `name`'s earlier value is still to be read and remembered
/// before it is first changed on this lease.
pub(crate) fn unrecorded(restore: &[(String, String)], name: &str) -> bool {
    !restore.iter().any(|(n, _)| n == name)
}

/// Remembers `earlier` as the value to restore `name` to when the
/// connection goes back to the pool.
pub(crate) fn record(
    restore: &mut Vec<(String, String)>,
    name: &str,
    earlier: String,
) -> Result<()> {
    check_value(name, &earlier)?;
    restore.push((name.to_string(), earlier));
    Ok(())
}

impl SqliteConn {
    /// `PRAGMA "name"`: its value as text.
    pub(crate) async fn read_pragma(&mut self, name: &str) -> Result<String> {
        let sql = read_statement(name)?;
        self.send_pending_begin().await?;
        let row = self.raw()?.fetch_optional(AssertSqlSafe(sql)).await;
        let Some(row) = row.map_err(from_sqlx)? else {
            return Err(no_such_pragma(name));
        };
        CellRow(&SqliteRow::new(row)).setting(0)
    }

    /// Remembers the value of pragma `name`, unless already remembered, to
    /// be restored before the connection goes back to the pool.
    async fn remember_pragma(&mut self, name: &str) -> Result<()> {
        if unrecorded(&self.restore, name) {
            let earlier = self.read_pragma(name).await?;
            record(&mut self.restore, name, earlier)?;
        }
        Ok(())
    }

    /// Before raw SQL runs: remembers the value of each pragma it may change
    /// (see [`pragma_writes`]). A pragma whose value cannot be read back and
    /// restored marks the connection discarded, so that it does not go back
    /// to the pool changed.
    pub(crate) async fn remember_pragmas(&mut self, sql: &str) {
        for name in pragma_writes(sql) {
            if self.remember_pragma(name).await.is_err() {
                self.discarded = true;
            }
        }
    }

    /// `PRAGMA "name" = value`, remembering the earlier value to restore.
    pub(crate) async fn write_pragma(&mut self, name: &str, value: &str) -> Result<()> {
        let sql = write_statement(name, value)?;
        self.remember_pragma(name).await?;
        // Some pragmas change nothing inside a transaction: after its BEGIN.
        self.send_pending_begin().await?;
        self.raw()?
            .execute(AssertSqlSafe(sql))
            .await
            .map(drop)
            .map_err(from_sqlx)
    }
}

/// Pragmas that take an argument but are not settings: they run a check or
/// some work (`incremental_vacuum(100)`) or read the schema
/// (`table_info(users)`). Reading one without its argument would do the
/// work on everything, or return nothing, so they are never remembered.
const NOT_SETTINGS: [&str; 17] = [
    "collation_list",
    "foreign_key_check",
    "foreign_key_list",
    "function_list",
    "incremental_vacuum",
    "index_info",
    "index_list",
    "index_xinfo",
    "integrity_check",
    "module_list",
    "optimize",
    "pragma_list",
    "quick_check",
    "table_info",
    "table_list",
    "table_xinfo",
    "wal_checkpoint",
];

/// The pragmas the statements of `sql` set (`PRAGMA [schema.]name = value`
/// or `PRAGMA [schema.]name(value)`), by name without the schema. Statements
/// are told apart at every `;`, even one inside a string: a piece taken for
/// a pragma by mistake costs one needless read of a pragma, never a miss.
pub(crate) fn pragma_writes(sql: &str) -> Vec<&str> {
    let mut names = Vec::new();
    if orm_core::session::is_plain_statement(sql) {
        return names;
    }
    for statement in sql.split(';') {
        let statement = statement.trim_start();
        let Some(keyword) = statement.get(..6) else {
            continue;
        };
        let rest = &statement[6..];
        if !keyword.eq_ignore_ascii_case("pragma") || !rest.starts_with(char::is_whitespace) {
            continue;
        }
        let rest = rest.trim_start();
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
            .unwrap_or(rest.len());
        let (target, after) = rest.split_at(end);
        let writes = after.trim_start().starts_with(['=', '(']);
        let name = target.rsplit('.').next().unwrap_or(target);
        let setting = !NOT_SETTINGS.iter().any(|n| n.eq_ignore_ascii_case(name));
        if writes && setting && check_name(name).is_ok() && !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// The statement restoring `name` to `value` (both checked when recorded).
pub(crate) fn restore_statement(name: &str, value: &str) -> String {
    format!("PRAGMA \"{name}\" = {value}")
}

/// `reset_setting` on either executor.
pub(crate) fn no_reset(name: &str) -> Error {
    Error::Unsupported {
        backend: "sqlite",
        what: format!(
            "resetting `{name}`: SQLite pragmas have no default to go back to; set the value \
             wanted (the earlier one is restored when the connection goes back to the pool)"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pragma_values_are_integers_or_keywords() {
        for ok in ["0", "-2000", "ON", "wal", "NORMAL", "exclusive"] {
            assert!(check_value("x", ok).is_ok(), "{ok}");
        }
        for bad in ["", "-", "1; DROP TABLE t", "'wal'", "1.5", "on off"] {
            assert!(
                matches!(check_value("x", bad), Err(Error::InvalidSetting { .. })),
                "{bad}"
            );
        }
        assert!(check_name("busy_timeout").is_ok());
        assert!(check_name("foo\"bar").is_err());
        assert!(check_name("1x").is_err());
    }

    #[test]
    fn pragma_writes_are_found_in_every_statement() {
        let sql = "SELECT 'a;b'; pragma main.cache_size=-1;\nPRAGMA busy_timeout (5); \
                   PRAGMA cache_size = 2; PRAGMA journal_mode; PRAGMAX = 1";
        assert_eq!(pragma_writes(sql), ["cache_size", "busy_timeout"]);
        assert!(pragma_writes("SELECT 1").is_empty());
        let not_settings = "PRAGMA table_info(users); PRAGMA main.INCREMENTAL_VACUUM(10); \
                            PRAGMA wal_checkpoint(TRUNCATE); PRAGMA integrity_check = 5";
        assert!(pragma_writes(not_settings).is_empty());
        assert!(
            pragma_writes("PRAGMA \"x\" = 1").is_empty(),
            "a quoted name is not read"
        );
    }
}
