//! `COPY` in a session: model rows in with binary `COPY`, a table or a query
//! out to any [`AsyncWrite`] as CSV or text. PostgreSQL only; on a database
//! without `COPY`, rows go in through multi-row `INSERT` and copying out is
//! [`Error::Unsupported`].

use std::borrow::Borrow;

use futures_core::Stream;
use futures_util::{stream, StreamExt};
use tokio::io::AsyncWrite;

use super::log::{logged_as, BytesWritten};
use super::{Backend, Connection, Session};
use crate::error::{Error, Result};
use crate::table::{Table, TableMeta};
use crate::value::ValueRef;

/// The text format of a `COPY` out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CopyFormat {
    /// PostgreSQL's text format: tab-separated, `\N` for NULL, one row a line.
    Text,
    /// CSV: comma-separated, quoted where needed, an empty field for NULL;
    /// with `header`, a first line of column names.
    Csv {
        /// Write a first line of column names.
        header: bool,
    },
}

/// What a `COPY` out reads.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum CopySource<'a> {
    /// Every row of a table, its columns in field order.
    Table(&'static TableMeta),
    /// The rows of a query, with its values.
    Query {
        /// The query's SQL text.
        sql: &'a str,
        /// Its values, in placeholder order.
        binds: &'a [ValueRef<'a>],
    },
}

/// The error for rows whose generated keys are set in some and not others.
fn mixed_keys(table: &'static str) -> Error {
    Error::InvalidQuery {
        table,
        reason: "some rows have their generated key set and some do not: copy them separately"
            .to_string(),
    }
}

/// The columns a copy of rows like `first` writes: every column, but the
/// generated key only when the rows carry one (as an insert decides).
fn written_columns<T: Table>(first: &T) -> (bool, Vec<usize>) {
    let meta = T::table();
    let with_key = meta.generated.is_none() || first.has_key();
    let columns = (0..meta.columns.len())
        .filter(|i| with_key || !meta.columns[*i].generated)
        .collect();
    (with_key, columns)
}

impl<B: Backend> Session<B> {
    /// Copies `rows` into `T`'s table with binary `COPY` (PostgreSQL) in
    /// the session's transaction; returns the number of rows written.
    ///
    /// The result is the one [`Session::insert`] gives: every column is
    /// written from the row, and a generated key is left to the database
    /// unless every row carries one. An error aborts the copy whole —
    /// nothing of it is written — and fails the transaction like any failed
    /// statement. On a database without `COPY` (SQLite) the rows go in
    /// through multi-row `INSERT`s instead. In an autocommit session the
    /// copy runs in a transaction of its own: all of it is committed, or
    /// none.
    ///
    /// ```no_run
    /// # use orm_core::*;
    /// # async fn f<B: Backend, User: Table>(s: &mut Session<B>, users: Vec<User>) -> Result<()> {
    /// let written = s.copy_in(&users).await?;
    /// assert_eq!(written, users.len() as u64);
    /// # Ok(()) }
    /// ```
    pub async fn copy_in<T: Table>(&mut self, rows: &[T]) -> Result<u64> {
        if self.db.backend().dialect().copy_threshold().is_none() {
            return self.insert::<T>().values(rows).execute().await;
        }
        // COPY needs a transaction around it, even in an autocommit session.
        let mut s = self.implicit(true).await?;
        let copied = s
            .copy_rows::<T, &T, _>(stream::iter(rows.iter().map(Ok)))
            .await;
        s.finish(copied).await
    }

    /// Copies the rows of `rows` into `T`'s table, as [`Session::copy_in`]
    /// does: rows are encoded and sent as the stream yields them, so a
    /// stream of any length is copied in bounded memory. An `Err` from the
    /// stream aborts the copy whole and is returned. An iterator becomes
    /// such a stream with `futures::stream::iter(rows.map(Ok))`.
    ///
    /// Without `COPY` (SQLite), the rows go in by multi-row `INSERT`s of as
    /// many rows as the bind limit allows; an error after the first of
    /// them leaves the session failed, so that only a rollback follows.
    pub async fn copy_in_stream<T, S>(&mut self, rows: S) -> Result<u64>
    where
        T: Table,
        S: Stream<Item = Result<T>> + Send,
    {
        // COPY, or INSERTs of a stream whose length is not known: one
        // transaction, even in an autocommit session.
        let mut s = self.implicit(true).await?;
        let copied = if s.db.backend().dialect().copy_threshold().is_none() {
            s.insert_stream(rows).await
        } else {
            s.copy_rows::<T, T, _>(rows).await
        };
        s.finish(copied).await
    }

    /// Copies `rows` with binary `COPY`: the one place a session runs a
    /// `COPY` in.
    pub(crate) async fn copy_rows<T, R, S>(&mut self, rows: S) -> Result<u64>
    where
        T: Table,
        R: Borrow<T> + Send,
        S: Stream<Item = Result<R>> + Send,
    {
        let mut rows = Box::pin(rows);
        let first = match rows.next().await {
            None => return Ok(0),
            Some(Err(e)) => return Err(e),
            Some(Ok(first)) => first,
        };
        let (with_key, columns) = written_columns(first.borrow());
        if columns.is_empty() {
            return Err(Error::InvalidQuery {
                table: T::table().name,
                reason: "every column is generated by the database, so there is nothing to copy: \
                         insert the rows instead"
                    .to_string(),
            });
        }
        let table = T::table().name;
        // Every row after the first must agree with it about the key.
        let checked = rows.map(move |row| match row {
            Ok(row) if T::table().generated.is_some() && row.borrow().has_key() != with_key => {
                Err(mixed_keys(table))
            }
            other => other,
        });
        let all = stream::once(async { Ok(first) }).chain(checked);
        let log = self.db.statement_log();
        let conn = self.active("copy rows in", true).await?;
        let copy = conn.copy_in::<T, R, _>(&columns, all);
        let result = logged_as(log, || format!("COPY {table} FROM STDIN"), &[], || copy).await;
        self.statements += 1;
        let result = self.track(result);
        if result.is_err() {
            // The copy was under way: whatever failed, it failed on the server too.
            self.fail_transaction();
        }
        result
    }

    /// [`Session::copy_in_stream`] where there is no `COPY`.
    async fn insert_stream<T, S>(&mut self, rows: S) -> Result<u64>
    where
        T: Table,
        S: Stream<Item = Result<T>> + Send,
    {
        let per_statement =
            (self.db.backend().dialect().max_binds() / T::table().columns.len().max(1)).max(1);
        let mut chunks = Box::pin(rows.chunks(per_statement));
        let mut total = 0;
        while let Some(chunk) = chunks.next().await {
            let chunk = match chunk.into_iter().collect::<Result<Vec<T>>>() {
                Ok(chunk) => chunk,
                Err(e) => {
                    // Rows of earlier statements are in: only a rollback undoes them.
                    if total > 0 {
                        self.fail_transaction();
                    }
                    return Err(e);
                }
            };
            total += self.insert::<T>().values(&chunk).execute().await?;
        }
        Ok(total)
    }

    /// Copies every row of `T`'s table to `out` in `format` (PostgreSQL
    /// `COPY .. TO STDOUT`); returns the number of bytes written. Databases
    /// without `COPY` return [`Error::Unsupported`] and send nothing.
    ///
    /// ```no_run
    /// # use orm_core::*;
    /// # async fn f<B: Backend, User: Table>(s: &mut Session<B>) -> Result<()> {
    /// let mut csv = Vec::new();
    /// s.copy_out::<User, _>(&mut csv, session::CopyFormat::Csv { header: true }).await?;
    /// # Ok(()) }
    /// ```
    pub async fn copy_out<T: Table, W>(&mut self, out: &mut W, format: CopyFormat) -> Result<u64>
    where
        W: AsyncWrite + Unpin + Send + ?Sized,
    {
        self.copy_out_source(CopySource::Table(T::table()), format, out)
            .await
    }

    /// Copies what `source` reads to `out`: the one place a session runs a
    /// `COPY` out.
    pub(crate) async fn copy_out_source<W>(
        &mut self,
        source: CopySource<'_>,
        format: CopyFormat,
        out: &mut W,
    ) -> Result<u64>
    where
        W: AsyncWrite + Unpin + Send + ?Sized,
    {
        let dialect = self.db.backend().dialect();
        if dialect.copy_threshold().is_none() {
            return Err(Error::Unsupported {
                backend: dialect.name(),
                what: "COPY out (read the rows with a query or a stream instead)".to_string(),
            });
        }
        let log = self.db.statement_log();
        let binds = match source {
            CopySource::Query { binds, .. } => binds,
            CopySource::Table(_) => &[],
        };
        let describe = move || match source {
            CopySource::Query { sql, .. } => format!("COPY ({sql}) TO STDOUT"),
            CopySource::Table(meta) => format!("COPY {} TO STDOUT", meta.name),
        };
        // One statement: an autocommit session runs it on its own.
        let conn = self.statement_connection("copy rows out", false).await?;
        let copy = async { conn.copy_out(source, format, out).await.map(BytesWritten) };
        let result = logged_as(log, describe, binds, || copy).await.map(|b| b.0);
        self.statements += 1;
        self.track(result)
    }
}
