//! `COPY` on a [`PgConnection`]: model rows in with binary `COPY .. FROM
//! STDIN`, a table or a query out with `COPY .. TO STDOUT` as CSV or text.
//!
//! Rows in are encoded for the column types the server reports for the
//! table (from a `SELECT` of the columns, prepared and not run), with the
//! same rules as binds (see [`crate::bind`]):
//! a value that does not fit its column is [`Error::InvalidBind`] naming the
//! row and the column. Any error aborts the whole `COPY` (dropping the
//! writer sends `CopyFail`), so none of its rows is written.
//!
//! `COPY` takes no parameters. A query with values is therefore first run,
//! values bound, into a temporary table (`CREATE TEMP TABLE .. ON COMMIT
//! DROP AS ..`), which is copied out and dropped.

use std::borrow::Borrow;
use std::pin::pin;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use futures_core::Stream;
use futures_util::{StreamExt, TryStreamExt};
use orm_core::{CopyFormat, CopySource, Dialect, Error, Result, Table, TableMeta, ValueRef};
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::Type;

use crate::bind;
use crate::connection::timed;
use crate::{PgConnection, PgDialect};

static TEMP_TABLES: AtomicU64 = AtomicU64::new(1);

/// `"a", "b"`: the quoted names of `columns` of `meta`.
fn column_list(meta: &TableMeta, columns: &[usize]) -> String {
    let mut list = String::new();
    for (n, idx) in columns.iter().enumerate() {
        if n > 0 {
            list.push_str(", ");
        }
        PgDialect.write_ident(meta.columns[*idx].name, &mut list);
    }
    list
}

/// The options clause of a `COPY` out in `format`.
fn format_options(format: CopyFormat) -> &'static str {
    match format {
        CopyFormat::Csv { header: true } => "(FORMAT csv, HEADER true)",
        CopyFormat::Csv { header: false } => "(FORMAT csv, HEADER false)",
        // `CopyFormat` is non-exhaustive: text is PostgreSQL's default.
        _ => "(FORMAT text)",
    }
}

/// Checks one row's values against the column types, naming the row
/// (0-based, in the order given) and the column on a mismatch.
fn check_row<'v>(
    meta: &TableMeta,
    columns: &[usize],
    types: &[Type],
    values: impl ExactSizeIterator<Item = ValueRef<'v>> + Clone,
    row: u64,
) -> Result<()> {
    let checked = bind::precheck(values.clone()).and_then(|()| bind::check(types, values));
    checked.map_err(|e| match e {
        Error::InvalidBind { parameter, reason } if parameter > 0 => {
            let column = meta.columns[columns[parameter - 1]].name;
            Error::InvalidBind {
                parameter,
                reason: format!(
                    "row {row} of the COPY into `{}`, column `{column}`: {reason}",
                    meta.name
                ),
            }
        }
        other => other,
    })
}

impl PgConnection {
    /// The server's types of `columns` of `meta`'s table.
    async fn column_types(&mut self, meta: &TableMeta, columns: &[usize]) -> Result<Vec<Type>> {
        let mut sql = format!("SELECT {} FROM ", column_list(meta, columns));
        PgDialect.write_ident(meta.name, &mut sql);
        // Prepared afresh each time: a cached statement would keep the types
        // of a table since dropped and created again, and COPY's binary
        // format must match the columns exactly.
        let client = self.client_for_statement().await?;
        match client.client.prepare(&sql).await {
            Ok(statement) => Ok(statement
                .columns()
                .iter()
                .map(|c| c.type_().clone())
                .collect()),
            Err(e) => Err(self.fail(e)),
        }
    }

    async fn run_copy_in<T, R, S>(&mut self, columns: &[usize], rows: S) -> Result<u64>
    where
        T: Table,
        R: Borrow<T>,
        S: Stream<Item = Result<R>>,
    {
        let meta = T::table();
        let types = self.column_types(meta, columns).await?;
        let mut sql = String::from("COPY ");
        PgDialect.write_ident(meta.name, &mut sql);
        sql.push_str(&format!(
            " ({}) FROM STDIN (FORMAT binary)",
            column_list(meta, columns)
        ));
        let client = self.client_for_statement().await?;
        let sink = match client.client.copy_in::<_, Bytes>(sql.as_str()).await {
            Ok(sink) => sink,
            Err(e) => return Err(self.fail(e)),
        };
        // Returning early drops the writer, which aborts the COPY.
        let mut writer = pin!(BinaryCopyInWriter::new(sink, &types));
        let mut rows = pin!(rows);
        let mut n = 0u64;
        while let Some(row) = rows.next().await {
            let row = row?;
            let row = row.borrow();
            let values: Vec<bind::Checked<'_>> = columns
                .iter()
                .map(|i| bind::Checked(row.value(*i)))
                .collect();
            check_row(meta, columns, &types, values.iter().map(|v| v.0), n)?;
            if let Err(e) = writer.as_mut().write_raw(values.iter()).await {
                return Err(self.fail(e));
            }
            n += 1;
        }
        match writer.as_mut().finish().await {
            Ok(written) => Ok(written),
            Err(e) => Err(self.fail(e)),
        }
    }

    /// Copies `rows` in: see [`orm_core::Connection::copy_in`].
    pub(crate) async fn copy_rows_in<T, R, S>(&mut self, columns: &[usize], rows: S) -> Result<u64>
    where
        T: Table,
        R: Borrow<T>,
        S: Stream<Item = Result<R>>,
    {
        timed!(self, "a COPY", self.run_copy_in::<T, R, S>(columns, rows))
    }

    /// Runs `query` with `binds` into a new temporary table; returns its name.
    async fn materialize(&mut self, query: &str, binds: &[ValueRef<'_>]) -> Result<String> {
        let name = format!("orm_copy_{}", TEMP_TABLES.fetch_add(1, Ordering::Relaxed));
        let mut sql = String::from("CREATE TEMP TABLE ");
        PgDialect.write_ident(&name, &mut sql);
        sql.push_str(" ON COMMIT DROP AS ");
        sql.push_str(query);
        self.execute_once(&sql, binds).await?;
        Ok(name)
    }

    async fn run_copy_out<W>(
        &mut self,
        source: CopySource<'_>,
        format: CopyFormat,
        out: &mut W,
    ) -> Result<u64>
    where
        W: AsyncWrite + Unpin + Send + ?Sized,
    {
        let mut sql = String::from("COPY ");
        let mut temporary = None;
        match source {
            CopySource::Table(meta) => {
                let columns: Vec<usize> = (0..meta.columns.len()).collect();
                PgDialect.write_ident(meta.name, &mut sql);
                sql.push_str(&format!(" ({})", column_list(meta, &columns)));
            }
            CopySource::Query {
                sql: query,
                binds: [],
            } => {
                sql.push('(');
                sql.push_str(query);
                sql.push(')');
            }
            CopySource::Query { sql: query, binds } => {
                let name = self.materialize(query, binds).await?;
                PgDialect.write_ident(&name, &mut sql);
                temporary = Some(name);
            }
            _ => {
                return Err(Error::Unsupported {
                    backend: "postgresql",
                    what: "this COPY source".to_string(),
                })
            }
        }
        sql.push_str(" TO STDOUT ");
        sql.push_str(format_options(format));
        let client = self.client_for_statement().await?;
        let stream = match client.client.copy_out(sql.as_str()).await {
            Ok(stream) => stream,
            Err(e) => return Err(self.fail(e)),
        };
        let mut stream = pin!(stream);
        let mut written = 0u64;
        loop {
            match stream.try_next().await {
                Ok(Some(chunk)) => {
                    out.write_all(&chunk)
                        .await
                        .map_err(|source| Error::Io { source })?;
                    written += chunk.len() as u64;
                }
                Ok(None) => break,
                Err(e) => return Err(self.fail(e)),
            }
        }
        out.flush().await.map_err(|source| Error::Io { source })?;
        if let Some(name) = temporary {
            let mut drop_sql = String::from("DROP TABLE ");
            PgDialect.write_ident(&name, &mut drop_sql);
            let client = self.client_for_statement().await?;
            if let Err(e) = client.client.batch_execute(&drop_sql).await {
                return Err(self.fail(e));
            }
        }
        Ok(written)
    }

    /// Copies `source` out: see [`orm_core::Connection::copy_out`].
    pub(crate) async fn copy_to<W>(
        &mut self,
        source: CopySource<'_>,
        format: CopyFormat,
        out: &mut W,
    ) -> Result<u64>
    where
        W: AsyncWrite + Unpin + Send + ?Sized,
    {
        timed!(self, "a COPY", self.run_copy_out(source, format, out))
    }
}
