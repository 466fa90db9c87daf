//! `INSERT`: one statement for many rows, split below the bind limit, with
//! `RETURNING` of generated keys or whole rows, and `ON CONFLICT` for merge.

use crate::error::{Error, Result};
use crate::session::{Backend, Session};
use crate::sql::{Render, Sink};
use crate::table::Table;

/// What an insert returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Returning {
    /// Nothing: rows affected only.
    Nothing,
    /// The database-generated key.
    GeneratedKey,
    /// Every column.
    AllColumns,
}

/// The tree of an insert of `rows`.
#[derive(Debug)]
pub struct InsertTree<'r, T> {
    /// The rows.
    pub rows: &'r [T],
    /// Whether the generated key column is written (the rows carry keys).
    pub with_key: bool,
    /// What comes back.
    pub returning: Returning,
    /// Upsert on the primary key (`ON CONFLICT .. DO UPDATE`).
    pub merge: bool,
}

impl<'r, T: Table> InsertTree<'r, T> {
    /// An insert of `rows`; the generated key is written when every row has
    /// one, and left to the database when none has.
    pub fn new(rows: &'r [T], returning: Returning) -> Result<Self> {
        let meta = T::table();
        let with_key = meta.generated.is_none() || rows.iter().all(Table::has_key);
        if meta.generated.is_some() && !with_key && rows.iter().any(Table::has_key) {
            return Err(Error::InvalidQuery {
                table: meta.name,
                reason:
                    "some rows have their generated key set and some do not: insert them separately"
                        .to_string(),
            });
        }
        Ok(InsertTree {
            rows,
            with_key,
            returning,
            merge: false,
        })
    }

    fn written(&self, idx: usize) -> bool {
        self.with_key || !T::table().columns[idx].generated
    }
}

impl<T: Table> Render for InsertTree<'_, T> {
    fn size_hint(&self) -> (usize, usize) {
        let columns = T::table().columns.len();
        let binds = self.rows.len() * columns;
        // Per row: its binds, their separators and the parentheses.
        (2 * binds + 2 * self.rows.len() + 4 * columns + 16, binds)
    }

    fn render<'q, S: Sink<'q>>(&'q self, sink: &mut S) {
        let meta = T::table();
        sink.sql("INSERT INTO ");
        sink.ident(meta.name);
        let columns: Vec<usize> = (0..meta.columns.len())
            .filter(|i| self.written(*i))
            .collect();
        if columns.is_empty() {
            sink.sql(" DEFAULT VALUES");
        } else {
            sink.sql(" (");
            for (n, idx) in columns.iter().enumerate() {
                if n > 0 {
                    sink.sql(", ");
                }
                sink.ident(meta.columns[*idx].name);
            }
            sink.sql(") VALUES ");
            for (r, row) in self.rows.iter().enumerate() {
                sink.sql(if r == 0 { "(" } else { ", (" });
                for (n, idx) in columns.iter().enumerate() {
                    if n > 0 {
                        sink.sql(", ");
                    }
                    sink.bind(row.value(*idx));
                }
                sink.sql(")");
            }
        }
        if self.merge {
            sink.sql(" ON CONFLICT (");
            for (n, idx) in meta.primary_key.iter().enumerate() {
                if n > 0 {
                    sink.sql(", ");
                }
                sink.ident(meta.columns[*idx].name);
            }
            let mut updates = meta.non_key_columns().peekable();
            if updates.peek().is_none() {
                sink.sql(") DO NOTHING");
            } else {
                sink.sql(") DO UPDATE SET ");
                for (n, idx) in updates.enumerate() {
                    if n > 0 {
                        sink.sql(", ");
                    }
                    let name = meta.columns[idx].name;
                    sink.ident(name);
                    sink.sql(" = EXCLUDED.");
                    sink.ident(name);
                }
            }
        }
        match (self.returning, meta.generated) {
            (Returning::GeneratedKey, Some(idx)) => {
                sink.sql(" RETURNING ");
                sink.ident(meta.columns[idx].name);
            }
            (Returning::AllColumns, _) => {
                sink.sql(" RETURNING ");
                for (n, col) in meta.columns.iter().enumerate() {
                    if n > 0 {
                        sink.sql(", ");
                    }
                    sink.ident(col.name);
                }
            }
            _ => {}
        }
    }
}

/// A multi-row `INSERT` of `T` rows being built on a session.
///
/// Rows go in as few statements as the backend's bind-parameter limit
/// allows (65 535 binds on PostgreSQL, 32 766 on SQLite), all inside the
/// session's transaction; a large insert without `RETURNING` goes through
/// `COPY` on PostgreSQL (see [`Insert::execute`]).
#[must_use = "an insert does nothing until `.execute()` or `.returning()` is awaited"]
pub struct Insert<'s, 'r, T: Table, B: Backend> {
    session: &'s mut Session<B>,
    rows: &'r [T],
}

impl<'s, 'r, T: Table, B: Backend> Insert<'s, 'r, T, B> {
    pub(crate) fn new(session: &'s mut Session<B>) -> Self {
        Insert { session, rows: &[] }
    }

    /// The rows to insert. Generated keys are left to the database unless
    /// every row carries one.
    pub fn values(mut self, rows: &'r [T]) -> Self {
        self.rows = rows;
        self
    }

    fn chunk_size(&self) -> usize {
        let columns = T::table().columns.len().max(1);
        (self.session.database().backend().dialect().max_binds() / columns).max(1)
    }

    /// Inserts the rows; returns how many were inserted.
    ///
    /// On PostgreSQL, an insert of at least
    /// [`Dialect::copy_threshold`](crate::Dialect::copy_threshold) values
    /// (rows x columns) goes through binary `COPY` instead, which is faster
    /// there and gives the same rows, keys and errors.
    pub async fn execute(self) -> Result<u64> {
        let meta = T::table();
        // Without a column to write (only a generated key) COPY has nothing to send.
        let columns = meta.columns.len() - usize::from(meta.generated.is_some());
        let values = self.rows.len() * meta.columns.len();
        let threshold = self.session.database().backend().dialect().copy_threshold();
        if columns > 0 && threshold.is_some_and(|t| values >= t) {
            // Mixed keys are refused before anything is sent, as below.
            InsertTree::new(self.rows, Returning::Nothing)?;
            let rows = futures_util::stream::iter(self.rows.iter().map(Ok));
            // Boxed: the COPY future is several kilobytes, and every
            // insert's future (and whatever awaits it) would carry them.
            // COPY needs a transaction around it, even in an autocommit session.
            let mut s = self.session.implicit(true).await?;
            let copied = Box::pin(s.copy_rows::<T, &T, _>(rows)).await;
            return s.finish(copied).await;
        }
        let chunk = self.chunk_size();
        // Rows for several statements go as one transaction, even in an
        // autocommit session.
        let mut s = self.session.implicit(self.rows.len() > chunk).await?;
        let mut total = Ok(0);
        for rows in self.rows.chunks(chunk) {
            total = match InsertTree::new(rows, Returning::Nothing) {
                Ok(tree) => match s.run_execute(&tree).await {
                    Ok(n) => total.map(|t| t + n),
                    Err(e) => Err(e),
                },
                Err(e) => Err(e),
            };
            if total.is_err() {
                break;
            }
        }
        s.finish(total).await
    }

    /// Inserts the rows and returns them as stored, generated keys and all.
    pub async fn returning(self) -> Result<Vec<T>> {
        let chunk = self.chunk_size();
        let mut s = self.session.implicit(self.rows.len() > chunk).await?;
        let mut out = Vec::with_capacity(self.rows.len());
        for rows in self.rows.chunks(chunk) {
            let fetched = match InsertTree::new(rows, Returning::AllColumns) {
                Ok(tree) => s.run_fetch::<T, _>(&tree, true).await,
                Err(e) => Err(e),
            };
            match fetched {
                Ok(rows) => out.extend(rows),
                Err(e) => return s.finish(Err(e)).await,
            }
        }
        s.finish(Ok(out)).await
    }
}
