//! Raw SQL with bound values, run in the session's transaction.

use std::sync::Arc;

use futures_core::stream::BoxStream;

use crate::error::{Error, Result};
use crate::query::ResultColumn;
use crate::row::FromRow;
use crate::session::{refuse_transaction_control, Backend, Session};
use crate::value::{Value, ValueRef};

/// A raw SQL statement with values bound to its placeholders.
///
/// Placeholders are `$1, $2, ...` on both backends (SQLite also takes `?`).
/// Values are always bound, never spliced into the text. Transaction
/// control is refused, as by [`Session::batch`].
///
/// ```no_run
/// # use orm_core::*;
/// # async fn f<B: Backend>(s: &mut Session<B>) -> Result<()> {
/// let rows: Vec<(i64, String)> = s
///     .raw("SELECT id, name FROM users WHERE karma > $1 ORDER BY id")
///     .bind(10)
///     .fetch_all()
///     .await?;
/// # Ok(()) }
/// ```
#[must_use = "a raw statement does nothing until a terminal method is awaited"]
pub struct Raw<'s, B: Backend> {
    session: &'s mut Session<B>,
    statement: RawStatement,
}

/// The text and values of a raw statement.
#[derive(Debug, Clone)]
pub struct RawStatement {
    sql: Arc<str>,
    binds: Vec<Value>,
}

impl RawStatement {
    /// The SQL text.
    pub fn sql(&self) -> &str {
        &self.sql
    }

    /// The bound values, in placeholder order.
    pub fn binds(&self) -> &[Value] {
        &self.binds
    }
}

impl<'s, B: Backend> Raw<'s, B> {
    pub(crate) fn new(session: &'s mut Session<B>, sql: &str) -> Self {
        Raw {
            session,
            statement: RawStatement {
                sql: sql.into(),
                binds: Vec::new(),
            },
        }
    }

    /// Binds the next placeholder to `value`: any column type, `&str`,
    /// `&[u8]` or a [`Value`] (`None::<T>` binds NULL).
    pub fn bind(mut self, value: impl Into<Value>) -> Self {
        self.statement.binds.push(value.into());
        self
    }

    /// The session and the statement, for the terminal methods of other
    /// files (cursors, COPY out).
    pub(crate) fn into_parts(self) -> (&'s mut Session<B>, RawStatement) {
        (self.session, self.statement)
    }

    /// Runs the statement; returns the number of rows affected.
    pub async fn execute(self) -> Result<u64> {
        self.session.run_raw_execute(&self.statement).await
    }

    /// Runs the query and decodes every row into `T` (a model, a tuple of
    /// column types, or any [`FromRow`] type).
    pub async fn fetch_all<T: FromRow + Send + 'static>(self) -> Result<Vec<T>> {
        self.session.run_raw_fetch(&self.statement).await
    }

    /// The first row, if any.
    pub async fn fetch_optional<T: FromRow + Send + 'static>(self) -> Result<Option<T>> {
        let rows: Vec<T> = self.session.run_raw_fetch(&self.statement).await?;
        Ok(rows.into_iter().next())
    }

    /// The first row; [`Error::NotFound`] when there is none.
    pub async fn fetch_one<T: FromRow + Send + 'static>(self) -> Result<T> {
        self.fetch_optional().await?.ok_or_else(|| Error::NotFound {
            table: "query".to_string(),
        })
    }

    /// The columns the statement returns (names, dialect-neutral types and
    /// the database's own type names), from the prepared statement, without
    /// running it. Bound values are not needed and are ignored.
    ///
    /// ```no_run
    /// # use orm_core::*;
    /// # async fn f<B: Backend>(s: &mut Session<B>) -> Result<()> {
    /// let columns = s.raw("SELECT id, name FROM users").describe().await?;
    /// assert_eq!(columns[0].name, "id");
    /// assert_eq!(columns[1].sql_type, Some(SqlType::Text));
    /// # Ok(()) }
    /// ```
    pub async fn describe(self) -> Result<Vec<ResultColumn>> {
        refuse_transaction_control(&self.statement.sql)?;
        self.session.describe_sql(&self.statement.sql).await
    }

    /// The rows as a stream, decoded as they arrive.
    pub fn fetch_stream<T: FromRow + Send + 's>(self) -> BoxStream<'s, Result<T>> {
        if let Err(e) = refuse_transaction_control(&self.statement.sql) {
            return Box::pin(futures_util::stream::once(async { Err(e) }));
        }
        self.session
            .stream_sql(self.statement.sql, self.statement.binds)
    }
}

impl<B: Backend> Session<B> {
    /// Starts a raw SQL statement; see [`Raw`].
    pub fn raw(&mut self, sql: &str) -> Raw<'_, B> {
        Raw::new(self, sql)
    }

    async fn run_raw_execute(&mut self, statement: &RawStatement) -> Result<u64> {
        refuse_transaction_control(&statement.sql)?;
        let binds: Vec<ValueRef<'_>> = statement.binds.iter().map(Value::as_ref).collect();
        self.execute_sql(&statement.sql, &binds).await
    }

    async fn run_raw_fetch<T: FromRow + Send + 'static>(
        &mut self,
        statement: &RawStatement,
    ) -> Result<Vec<T>> {
        refuse_transaction_control(&statement.sql)?;
        // A raw statement may write: a cancelled one leaves the session failed.
        let binds: Vec<ValueRef<'_>> = statement.binds.iter().map(Value::as_ref).collect();
        self.fetch_sql(&statement.sql, &binds, true).await
    }
}
