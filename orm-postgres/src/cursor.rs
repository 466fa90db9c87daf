//! Server-side cursors on a [`PgConnection`]: `DECLARE`, `FETCH`, `MOVE`,
//! `CLOSE`.
//!
//! `DECLARE` is prepared (uncached: each cursor's text is new) so that its
//! query's values are checked and bound like any other statement's; the
//! extended protocol carries them to the cursor's query. `FETCH`, `MOVE`
//! and `CLOSE` have no values and are sent as one unnamed statement each
//! (one round trip, nothing left prepared). Their counts and positions are
//! written into the text because PostgreSQL's grammar takes only a literal
//! there; they are integers formatted here, never text from elsewhere.

use std::pin::pin;

use futures_util::TryStreamExt;
use orm_core::{Dialect, Direction, Error, FromRow, Result, ValueRef};
use tokio_postgres::types::Type;
use tokio_postgres::RowStream;

use crate::bind::{self, PgBind};
use crate::connection::timed;
use crate::settings::changes_session_settings;
use crate::{PgConnection, PgDialect};

/// Writes `direction` as `FETCH` and `MOVE` take it.
fn write_direction(direction: Direction, out: &mut String) -> Result<()> {
    let (word, count) = match direction {
        Direction::Forward(n) => ("FORWARD", i128::from(n)),
        Direction::Backward(n) => ("BACKWARD", i128::from(n)),
        Direction::Absolute(n) => ("ABSOLUTE", i128::from(n)),
        Direction::Relative(n) => ("RELATIVE", i128::from(n)),
    };
    // The grammar takes a 32-bit count.
    let count = i32::try_from(count).map_err(|_| Error::InvalidQuery {
        table: "cursor",
        reason: format!(
            "{direction:?}: PostgreSQL counts cursor rows and positions in 32 bits (at most {})",
            i32::MAX
        ),
    })?;
    out.push_str(word);
    out.push(' ');
    out.push_str(&count.to_string());
    Ok(())
}

/// `<verb> <direction> FROM "name"`.
fn cursor_statement(verb: &str, name: &str, direction: Direction) -> Result<String> {
    let mut sql = String::with_capacity(name.len() + 32);
    sql.push_str(verb);
    sql.push(' ');
    write_direction(direction, &mut sql)?;
    sql.push_str(" FROM ");
    PgDialect.write_ident(name, &mut sql);
    Ok(sql)
}

impl PgConnection {
    /// Runs `sql` with `binds`, prepared for this one run (not cached: its
    /// text is new each time) so that the values are checked against the
    /// parameter types and bound as every statement's are.
    pub(crate) async fn execute_once(&mut self, sql: &str, binds: &[ValueRef<'_>]) -> Result<u64> {
        bind::precheck(binds.iter().copied())?;
        let client = self.client_for_statement().await?;
        let statement = match client.client.prepare(sql).await {
            Ok(statement) => statement,
            Err(e) => return Err(self.fail(e)),
        };
        bind::check(statement.params(), binds.iter().copied())?;
        let client = self.client_for_statement().await?;
        let params = binds.iter().copied().map(bind::Checked);
        match client.client.execute_raw(&statement, params).await {
            Ok(n) => Ok(n),
            Err(e) => Err(self.fail(e)),
        }
    }

    async fn run_declare(
        &mut self,
        name: &str,
        query: &str,
        binds: &[ValueRef<'_>],
        scroll: bool,
    ) -> Result<()> {
        let mut sql = String::with_capacity(query.len() + name.len() + 40);
        sql.push_str("DECLARE ");
        PgDialect.write_ident(name, &mut sql);
        sql.push_str(if scroll { " SCROLL" } else { " NO SCROLL" });
        sql.push_str(" CURSOR WITHOUT HOLD FOR ");
        sql.push_str(query);
        // The query runs as the cursor is fetched: whatever it changes
        // beyond the transaction is cleaned up before the connection goes
        // back to the pool, as for any statement.
        if changes_session_settings(query) {
            self.settings_changed = true;
        }
        self.execute_once(&sql, binds).await.map(drop)
    }

    /// Runs a statement without values as one unnamed statement.
    async fn start_unnamed(&mut self, sql: &str) -> Result<RowStream> {
        let client = self.client_for_statement().await?;
        let none = std::iter::empty::<(PgBind<'_>, Type)>();
        match client.client.query_typed_raw(sql, none).await {
            Ok(rows) => Ok(rows),
            Err(e) => Err(self.fail(e)),
        }
    }

    async fn run_fetch_cursor<T: FromRow>(&mut self, sql: &str) -> Result<Vec<T>> {
        let rows = self.start_unnamed(sql).await?;
        self.collect(rows, Self::fail).await
    }

    async fn run_unnamed(&mut self, sql: &str) -> Result<u64> {
        let rows = self.start_unnamed(sql).await?;
        let mut rows = pin!(rows);
        loop {
            match rows.try_next().await {
                Ok(Some(_)) => {}
                Ok(None) => return Ok(rows.rows_affected().unwrap_or(0)),
                Err(e) => return Err(self.fail(e)),
            }
        }
    }

    pub(crate) async fn declare(
        &mut self,
        name: &str,
        query: &str,
        binds: &[ValueRef<'_>],
        scroll: bool,
    ) -> Result<()> {
        timed!(
            self,
            "a statement",
            self.run_declare(name, query, binds, scroll)
        )
    }

    pub(crate) async fn fetch_from<T: FromRow>(
        &mut self,
        name: &str,
        direction: Direction,
    ) -> Result<Vec<T>> {
        let sql = cursor_statement("FETCH", name, direction)?;
        timed!(self, "a query", self.run_fetch_cursor(&sql))
    }

    pub(crate) async fn move_in(&mut self, name: &str, direction: Direction) -> Result<u64> {
        let sql = cursor_statement("MOVE", name, direction)?;
        timed!(self, "a statement", self.run_unnamed(&sql))
    }

    pub(crate) async fn close_named(&mut self, name: &str) -> Result<()> {
        let mut sql = String::from("CLOSE ");
        PgDialect.write_ident(name, &mut sql);
        timed!(self, "a statement", self.run_unnamed(&sql)).map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directions_are_written_as_fetch_takes_them() {
        let sql = |d| cursor_statement("FETCH", "orm_cursor_1", d).unwrap();
        assert_eq!(
            sql(Direction::Forward(100)),
            r#"FETCH FORWARD 100 FROM "orm_cursor_1""#
        );
        assert_eq!(
            sql(Direction::Backward(2)),
            r#"FETCH BACKWARD 2 FROM "orm_cursor_1""#
        );
        assert_eq!(
            sql(Direction::Absolute(-1)),
            r#"FETCH ABSOLUTE -1 FROM "orm_cursor_1""#
        );
        assert_eq!(
            cursor_statement("MOVE", "a\"b", Direction::Relative(-3)).unwrap(),
            r#"MOVE RELATIVE -3 FROM "a""b""#
        );
    }

    #[test]
    fn counts_beyond_32_bits_are_refused() {
        let err = cursor_statement("FETCH", "c", Direction::Forward(1 << 31)).unwrap_err();
        assert!(
            matches!(&err, Error::InvalidQuery { table: "cursor", reason } if reason.contains("2147483647")),
            "{err:?}"
        );
    }
}
