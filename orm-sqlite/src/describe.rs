//! A statement's result columns, from the prepared statement, on either
//! executor.
//!
//! A table's column has its declared type. An expression has none until
//! it runs: its type is then the storage class of its value in the first
//! row, read by running the statement once when that is harmless (one
//! `SELECT` or `VALUES` statement, see
//! [`is_lone_query`](orm_core::session::is_lone_query)); else, with no
//! row, or when the statement fails as it runs, it is `NULL`.

use orm_core::session::is_lone_query;
use orm_core::{Result, ResultColumn};
use sqlx::{AssertSqlSafe, Column as _, Executor as _, SqlSafeStr as _, TypeInfo as _};

use crate::cell::{storage_class, Cells};
use crate::error::from_sqlx;
use crate::row::{declared_type, SqliteRow, Storage};
use crate::SqliteConn;

impl SqliteConn {
    /// Prepares `sql` and reads its result columns: their names and types
    /// (see the module's documentation).
    pub(crate) async fn describe_statement(&mut self, sql: &str) -> Result<Vec<ResultColumn>> {
        let (timeout, conn, discarded) = self.parts()?;
        let (names, types) = Self::timed(timeout, discarded, "a statement", async {
            let prepared = conn
                .prepare(AssertSqlSafe(sql).into_sql_str())
                .await
                .map_err(from_sqlx)?;
            let columns = sqlx::Statement::columns(&prepared);
            let names: Vec<String> = columns.iter().map(|c| c.name().to_string()).collect();
            // sqlx names an expression's type `NULL` before it runs.
            let mut types: Vec<Option<String>> = columns
                .iter()
                .map(|c| {
                    Some(c.type_info().name())
                        .filter(|&t| t != "NULL")
                        .map(str::to_string)
                })
                .collect();
            if types.contains(&None) && is_lone_query(sql) {
                // Best effort: a statement that fails as it runs is
                // still described, its expressions left untyped.
                if let Ok(Some(row)) = conn.fetch_optional(AssertSqlSafe(sql)).await {
                    type_from_row(&mut types, &SqliteRow::new(row));
                }
            }
            Ok((names, types))
        })
        .await?;
        Ok(result_columns(&names, types))
    }
}

/// Types each untyped column (an expression) by the storage class of its
/// value in `row`; a NULL value leaves it untyped.
pub(crate) fn type_from_row(types: &mut [Option<String>], row: &impl Cells) {
    for (i, ty) in types.iter_mut().enumerate() {
        if ty.is_none() {
            *ty = row
                .cell(i)
                .and_then(storage_class)
                .map(|s| Storage::name(s).to_string());
        }
    }
}

/// The result columns of either executor, from their names and their
/// types as sqlx names them (`crate::row::declared_name`); an untyped
/// one is `NULL`.
pub(crate) fn result_columns(names: &[String], types: Vec<Option<String>>) -> Vec<ResultColumn> {
    names
        .iter()
        .zip(types)
        .map(|(name, ty)| {
            let ty = ty.unwrap_or_else(|| "NULL".to_string());
            ResultColumn {
                name: name.clone(),
                sql_type: declared_type(&ty),
                database_type: ty,
            }
        })
        .collect()
}
