//! A statement's result columns, from the prepared statement.

use orm_core::{Result, ResultColumn};
use sqlx::{AssertSqlSafe, Column as _, Executor as _, SqlSafeStr as _, TypeInfo as _};

use crate::error::from_sqlx;
use crate::row::declared_type;
use crate::SqliteConn;

impl SqliteConn {
    /// Prepares `sql` and reads its result columns: their names and declared
    /// types (`NULL` for an expression sqlx cannot type without running it).
    pub(crate) async fn describe_statement(&mut self, sql: &str) -> Result<Vec<ResultColumn>> {
        let (timeout, conn, discarded) = self.parts()?;
        let described = Self::timed(timeout, discarded, "a statement", async {
            conn.describe(AssertSqlSafe(sql).into_sql_str())
                .await
                .map_err(from_sqlx)
        })
        .await?;
        Ok(described
            .columns()
            .iter()
            .map(|c| result_column(c.name(), c.type_info().name()))
            .collect())
    }
}

/// A result column on either executor, from its name and its type as
/// sqlx names it (`crate::row::declared_name`).
pub(crate) fn result_column(name: &str, type_name: &str) -> ResultColumn {
    ResultColumn {
        name: name.to_string(),
        sql_type: declared_type(type_name),
        database_type: type_name.to_string(),
    }
}
