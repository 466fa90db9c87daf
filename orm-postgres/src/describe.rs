//! A statement's result columns, from the prepared statement.

use orm_core::{Result, ResultColumn};

use crate::row::sql_type;
use crate::PgConnection;

impl PgConnection {
    /// Prepares `sql` and reads its result columns from the server's
    /// description. Preparing runs nothing, so it needs no transaction: a
    /// BEGIN still pending stays pending.
    pub(crate) async fn describe_statement(&mut self, sql: &str) -> Result<Vec<ResultColumn>> {
        let client = &self.pooled()?.client;
        let statement = match client.prepare(sql).await {
            Ok(statement) => statement,
            Err(e) => return Err(self.fail(e)),
        };
        Ok(statement
            .columns()
            .iter()
            .map(|c| ResultColumn {
                name: c.name().to_string(),
                sql_type: sql_type(c.type_()),
                database_type: c.type_().name().to_string(),
            })
            .collect())
    }
}
