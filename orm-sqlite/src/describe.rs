//! A statement's result columns, from the prepared statement.

use orm_core::{Result, ResultColumn};
use sqlx::{Column as _, Executor as _, TypeInfo as _};

use crate::error::from_sqlx;
use crate::row::declared_type;
use crate::SqliteConn;

impl SqliteConn {
    /// Prepares `sql` and reads its result columns: their names and declared
    /// types (`NULL` for an expression sqlx cannot type without running it).
    pub(crate) async fn describe_statement(&mut self, sql: &str) -> Result<Vec<ResultColumn>> {
        let (timeout, conn, discarded) = self.parts()?;
        let described = Self::timed(timeout, discarded, "a statement", async {
            conn.describe(sql).await.map_err(from_sqlx)
        })
        .await?;
        Ok(described
            .columns()
            .iter()
            .map(|c| {
                let name = c.type_info().name();
                ResultColumn {
                    name: c.name().to_string(),
                    sql_type: declared_type(name),
                    database_type: name.to_string(),
                }
            })
            .collect())
    }
}
