//! [`DocumentQuery`]: select documents by key, sort, skip and limit them.

use std::sync::Arc;

use futures_core::stream::BoxStream;
use futures_util::{stream, StreamExt};

use super::data::{to_map, IntoData};
use super::document::{Document, TableSpec};
use super::sql::QuerySpec;
use crate::error::{Error, Result};
use crate::session::{Backend, Session};
use crate::value::{Value, ValueRef};

/// A query on a document table, built from [`Documents::query`](super::Documents::query)
/// (htables' `query(where, order_by, offset, limit, count)`).
///
/// ```no_run
/// # use orm_core::*;
/// # async fn f<B: Backend>(s: &mut Session<B>) -> Result<()> {
/// use serde_json::json;
///
/// let mut people = s.documents("people");
/// let page = people
///     .query()
///     .filter(json!({"city": "Oslo"}))  // key = value, ANDed
///     .order_by_desc("age")             // then by id
///     .offset(10)
///     .limit(5)
///     .all()
///     .await?;
/// let in_oslo = people.query().filter([("city", "Oslo")]).count().await?;
/// # Ok(()) }
/// ```
///
/// A filter matches rows whose value at each key equals the given value
/// exactly: of the same JSON type (numbers compare by value, `1` equals
/// `1.0`), and arrays and objects as a whole. Sorting by a key orders rows
/// by the type of its value (null, string, number, boolean, array, object),
/// then by the value: numbers numerically, strings by their bytes (code
/// points) on both backends, `false` before `true`; rows without the key
/// come last in either direction, and ties go by id.
#[must_use = "a query does nothing until a terminal method is awaited"]
pub struct DocumentQuery<'q, B: Backend> {
    session: &'q mut Session<B>,
    table: Arc<TableSpec>,
    spec: QuerySpec,
    /// A filter that was not a map, reported by the terminal method.
    error: Option<Error>,
}

impl<'q, B: Backend> DocumentQuery<'q, B> {
    pub(crate) fn new(session: &'q mut Session<B>, table: Arc<TableSpec>) -> Self {
        DocumentQuery {
            session,
            table,
            spec: QuerySpec::default(),
            error: None,
        }
    }

    /// Keeps rows whose value at each key of `criteria` equals the value
    /// given; several calls are ANDed (a key given twice keeps the last value).
    pub fn filter(mut self, criteria: impl IntoData) -> Self {
        match to_map(&self.table.name, criteria) {
            Ok(map) => self.spec.filter.extend(map),
            Err(e) => self.error = self.error.or(Some(e)),
        }
        self
    }

    /// Sorts by the value at `key`, ascending; a further call adds a further key.
    pub fn order_by(mut self, key: impl Into<String>) -> Self {
        self.spec.order.push((key.into(), false));
        self
    }

    /// Sorts by the value at `key`, descending.
    pub fn order_by_desc(mut self, key: impl Into<String>) -> Self {
        self.spec.order.push((key.into(), true));
        self
    }

    /// Skips the first `n` rows.
    pub fn offset(mut self, n: u64) -> Self {
        self.spec.offset = Some(i64::try_from(n).unwrap_or(i64::MAX));
        self
    }

    /// Returns at most `n` rows.
    pub fn limit(mut self, n: u64) -> Self {
        self.spec.limit = Some(i64::try_from(n).unwrap_or(i64::MAX));
        self
    }

    /// Every row selected.
    pub async fn all(self) -> Result<Vec<Document>> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let (sql, binds) = self.table.sql(self.session)?.select(&self.spec)?;
        let refs: Vec<ValueRef<'_>> = binds.iter().map(Value::as_ref).collect();
        let rows: Vec<(i64, String)> = self.session.fetch_sql(&sql, &refs, false).await?;
        rows.into_iter()
            .map(|(id, text)| Document::decode(self.table.clone(), id, &text))
            .collect()
    }

    /// The rows selected, as a stream decoded as rows arrive.
    pub fn stream(self) -> BoxStream<'q, Result<Document>> {
        let DocumentQuery {
            session,
            table,
            spec,
            error,
        } = self;
        let statement = match error {
            Some(e) => Err(e),
            None => table.sql(session).and_then(|sql| sql.select(&spec)),
        };
        let (sql, binds) = match statement {
            Ok(statement) => statement,
            Err(e) => return Box::pin(stream::once(async move { Err(e) })),
        };
        let rows = session.stream_sql::<(i64, String)>(sql.into(), binds);
        Box::pin(
            rows.map(move |row| {
                row.and_then(|(id, text)| Document::decode(table.clone(), id, &text))
            }),
        )
    }

    /// The first row selected, if any.
    pub async fn first(mut self) -> Result<Option<Document>> {
        self.spec.limit = Some(1);
        Ok(self.all().await?.into_iter().next())
    }

    /// The one row selected: [`Error::NotFound`] when there is none,
    /// [`Error::MultipleRowsFound`] when there are more.
    pub async fn one(mut self) -> Result<Document> {
        self.spec.limit = Some(self.spec.limit.map_or(2, |n| n.min(2)));
        let name = self.table.name.clone();
        let mut rows = self.all().await?.into_iter();
        match (rows.next(), rows.next()) {
            (Some(row), None) => Ok(row),
            (None, _) => Err(Error::NotFound { table: name }),
            (Some(_), Some(_)) => Err(Error::MultipleRowsFound { table: name }),
        }
    }

    /// How many rows are selected (the offset and limit apply).
    pub async fn count(self) -> Result<i64> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let (sql, binds) = self.table.sql(self.session)?.count(&self.spec)?;
        let refs: Vec<ValueRef<'_>> = binds.iter().map(Value::as_ref).collect();
        let rows: Vec<(i64,)> = self.session.fetch_sql(&sql, &refs, false).await?;
        Ok(rows.first().map_or(0, |row| row.0))
    }
}
