//! Settings on SQLite: pragmas, with the name and value validated (a
//! pragma cannot take bound parameters), and the earlier value restored
//! before the connection goes back to the pool. The checks, statements and
//! bookkeeping here serve both executors; each runs the statements its way.

use orm_core::{Error, Result};
use sqlx::{Executor as _, Row as _};

use crate::error::from_sqlx;
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
        let row = self.raw()?.fetch_optional(sql.as_str()).await;
        let Some(row) = row.map_err(from_sqlx)? else {
            return Err(no_such_pragma(name));
        };
        match row.try_get::<i64, _>(0) {
            Ok(n) => Ok(n.to_string()),
            Err(_) => row.try_get::<String, _>(0).map_err(from_sqlx),
        }
    }

    /// `PRAGMA "name" = value`, remembering the earlier value to restore.
    pub(crate) async fn write_pragma(&mut self, name: &str, value: &str) -> Result<()> {
        let sql = write_statement(name, value)?;
        if unrecorded(&self.restore, name) {
            let earlier = self.read_pragma(name).await?;
            record(&mut self.restore, name, earlier)?;
        }
        self.raw()?
            .execute(sql.as_str())
            .await
            .map(drop)
            .map_err(from_sqlx)
    }
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
}
