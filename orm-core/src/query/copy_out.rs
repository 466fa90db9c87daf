//! `COPY` out of a select or a raw query: the rows, as CSV or text, to any
//! [`AsyncWrite`] (PostgreSQL; see [`Session::copy_out`] for a whole table).

use tokio::io::AsyncWrite;

use super::{Raw, Select};
use crate::error::Result;
use crate::session::{refuse_transaction_control, Backend, CopyFormat, CopySource, Session};
use crate::sql::compile;
use crate::table::Table;
use crate::value::{Value, ValueRef};

impl<T: Table, B: Backend> Select<'_, T, B> {
    /// Copies the selected rows to `out` in `format` (`COPY (SELECT ..) TO
    /// STDOUT`); returns the number of bytes written. Columns come in field
    /// order, rows in the select's order.
    ///
    /// `COPY` takes no parameters, so a select with values (a filter on a
    /// value, a limit) is first run into a temporary table, values bound,
    /// which is then copied out and dropped. Databases without `COPY`
    /// return [`Error::Unsupported`](crate::Error::Unsupported).
    ///
    /// ```no_run
    /// # use orm_core::*;
    /// # async fn f<B: Backend, User: Table>(s: &mut Session<B>, karma: Column<User, i32>) -> Result<()> {
    /// let mut out: Vec<u8> = Vec::new(); // or a file, a socket, stdout
    /// s.select::<User>()
    ///     .filter(karma.gt(10))
    ///     .copy_out(&mut out, CopyFormat::Csv { header: true })
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn copy_out<W>(self, out: &mut W, format: CopyFormat) -> Result<u64>
    where
        W: AsyncWrite + Unpin + Send + ?Sized,
    {
        let (session, tree) = self.into_parts();
        let db = session.database().clone();
        let compiled = compile(&tree, db.backend().dialect(), db.cache());
        copy_query(session, &compiled.sql, &compiled.binds, format, out).await
    }
}

impl<B: Backend> Raw<'_, B> {
    /// Copies the rows of this query to `out` in `format`, as
    /// [`Select::copy_out`] does.
    pub async fn copy_out<W>(self, out: &mut W, format: CopyFormat) -> Result<u64>
    where
        W: AsyncWrite + Unpin + Send + ?Sized,
    {
        let (session, statement) = self.into_parts();
        refuse_transaction_control(statement.sql())?;
        let binds: Vec<ValueRef<'_>> = statement.binds().iter().map(Value::as_ref).collect();
        copy_query(session, statement.sql(), &binds, format, out).await
    }
}

async fn copy_query<B: Backend, W>(
    session: &mut Session<B>,
    sql: &str,
    binds: &[ValueRef<'_>],
    format: CopyFormat,
    out: &mut W,
) -> Result<u64>
where
    W: AsyncWrite + Unpin + Send + ?Sized,
{
    let source = CopySource::Query { sql, binds };
    session.copy_out_source(source, format, out).await
}
