//! [`Documents`]: a document table, as seen from a session.

use std::sync::Arc;

use futures_core::stream::BoxStream;

use super::data::{to_map, Allowed, IntoData};
use super::document::{Document, TableSpec};
use super::query::DocumentQuery;
use crate::error::{Error, Result};
use crate::session::{Backend, Session};
use crate::value::ValueRef;

/// A document table: an integer `id` the database generates and a `data`
/// column holding a JSON object (`JSONB` with a GIN index on PostgreSQL,
/// JSON text on SQLite). Get one with [`Session::documents`]; everything it
/// does runs in the session's transaction.
///
/// ```no_run
/// # use orm_core::*;
/// # async fn f<B: Backend>(s: &mut Session<B>) -> Result<()> {
/// use futures_util::TryStreamExt;
/// use serde_json::json;
///
/// let mut people = s.documents("people");
/// people.create_table_if_not_exists().await?;
/// let ann = people.insert(json!({"name": "ann", "city": "Oslo"})).await?;
/// assert_eq!(people.get(ann.id()).await?, ann);
/// let in_oslo: Vec<_> = people.find([("city", "Oslo")]).try_collect().await?;
/// let first = people.find_first([("city", "Oslo")]).await?;     // NotFound if none
/// let only = people.find_single([("name", "ann")]).await?;      // and MultipleRowsFound
/// # Ok(()) }
/// ```
pub struct Documents<'s, B: Backend> {
    session: &'s mut Session<B>,
    table: Arc<TableSpec>,
}

impl<B: Backend> Session<B> {
    /// The document table `name` (htables' `session[name]`). The name is
    /// quoted as an identifier; values are always bound.
    ///
    /// ```no_run
    /// # use orm_core::*;
    /// # async fn f<B: Backend>(s: &mut Session<B>) -> Result<()> {
    /// let mut people = s.documents("people");
    /// people.create_table().await?;
    /// # Ok(()) }
    /// ```
    pub fn documents(&mut self, name: &str) -> Documents<'_, B> {
        Documents {
            session: self,
            table: Arc::new(TableSpec {
                name: name.to_string(),
                allowed: None,
            }),
        }
    }
}

impl<'s, B: Backend> Documents<'s, B> {
    /// Debug mode: every insert and save first checks the document against
    /// `allowed`, refusing it with [`Error::InvalidDocument`] before
    /// anything is sent. Rows read through this handle keep the check.
    ///
    /// ```no_run
    /// # use orm_core::*;
    /// # async fn f<B: Backend>(s: &mut Session<B>) -> Result<()> {
    /// use orm_core::documents::Allowed;
    /// use serde_json::json;
    ///
    /// let mut people = s.documents("people").debug(Allowed::Strings);
    /// let err = people.insert(json!({"age": 31})).await.unwrap_err();
    /// assert!(matches!(err, Error::InvalidDocument { .. }));
    /// # Ok(()) }
    /// ```
    pub fn debug(mut self, allowed: Allowed) -> Self {
        self.table = Arc::new(TableSpec {
            name: self.table.name.clone(),
            allowed: Some(allowed),
        });
        self
    }

    /// The table's name.
    pub fn name(&self) -> &str {
        &self.table.name
    }

    /// Creates the table (and on PostgreSQL its GIN index); an existing
    /// table is an error.
    pub async fn create_table(&mut self) -> Result<()> {
        let sql = self.table.sql(self.session)?.create_table(false);
        self.session.batch(&sql).await
    }

    /// Creates the table (and its index) unless it exists.
    pub async fn create_table_if_not_exists(&mut self) -> Result<()> {
        let sql = self.table.sql(self.session)?.create_table(true);
        self.session.batch(&sql).await
    }

    /// Drops the table; a missing table is an error.
    pub async fn drop_table(&mut self) -> Result<()> {
        let sql = self.table.sql(self.session)?.drop_table(false);
        self.session.batch(&sql).await
    }

    /// Drops the table if it exists.
    pub async fn drop_table_if_exists(&mut self) -> Result<()> {
        let sql = self.table.sql(self.session)?.drop_table(true);
        self.session.batch(&sql).await
    }

    /// Inserts a row holding `data` and returns it with the id the database
    /// generated (htables' `new`).
    ///
    /// ```no_run
    /// # use orm_core::*;
    /// # async fn f<B: Backend>(s: &mut Session<B>) -> Result<()> {
    /// let mut people = s.documents("people");
    /// let ann = people.insert(serde_json::json!({"name": "ann"})).await?;
    /// let bob = people.insert([("name", "bob"), ("city", "Rome")]).await?;
    /// assert_eq!(bob.id(), ann.id() + 1);
    /// # Ok(()) }
    /// ```
    pub async fn insert(&mut self, data: impl IntoData) -> Result<Document> {
        let data = to_map(&self.table.name, data)?;
        let text = self.table.encode(&data)?;
        let sql = self.table.sql(self.session)?.insert();
        let ids: Vec<(i64,)> = self
            .session
            .fetch_sql(&sql, &[ValueRef::Text(&text)], true)
            .await?;
        let id = ids
            .first()
            .map(|row| row.0)
            .ok_or_else(|| Error::NotFound {
                table: self.table.name.clone(),
            })?;
        Ok(Document::new(self.table.clone(), id, data))
    }

    /// The row with id `id`; [`Error::NotFound`] when there is none.
    ///
    /// ```no_run
    /// # use orm_core::*;
    /// # async fn f<B: Backend>(s: &mut Session<B>) -> Result<()> {
    /// let ann = s.documents("people").get(1).await?;
    /// println!("{}", ann["name"]);
    /// # Ok(()) }
    /// ```
    pub async fn get(&mut self, id: i64) -> Result<Document> {
        let sql = self.table.sql(self.session)?.get();
        let rows: Vec<(i64, String)> = self
            .session
            .fetch_sql(&sql, &[ValueRef::I64(id)], false)
            .await?;
        match rows.first() {
            Some((id, text)) => Document::decode(self.table.clone(), *id, text),
            None => Err(Error::NotFound {
                table: self.table.name.clone(),
            }),
        }
    }

    /// The rows whose value at each key of `criteria` equals the value given
    /// (htables' `find(key=value, ...)`), in id order, as a stream. Empty
    /// criteria select every row.
    ///
    /// ```no_run
    /// # use orm_core::*;
    /// # async fn f<B: Backend>(s: &mut Session<B>) -> Result<()> {
    /// use futures_util::TryStreamExt;
    ///
    /// let mut people = s.documents("people");
    /// let mut rows = people.find([("city", "Oslo"), ("role", "dev")]);
    /// while let Some(doc) = rows.try_next().await? {
    ///     println!("{}: {}", doc.id(), doc["name"]);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn find(&mut self, criteria: impl IntoData) -> BoxStream<'_, Result<Document>> {
        self.query().filter(criteria).stream()
    }

    /// The first row (by id) matching `criteria`; [`Error::NotFound`] when
    /// none does.
    pub async fn find_first(&mut self, criteria: impl IntoData) -> Result<Document> {
        let name = self.table.name.clone();
        self.query()
            .filter(criteria)
            .first()
            .await?
            .ok_or(Error::NotFound { table: name })
    }

    /// The one row matching `criteria`: [`Error::NotFound`] when none does,
    /// [`Error::MultipleRowsFound`] when more than one does.
    pub async fn find_single(&mut self, criteria: impl IntoData) -> Result<Document> {
        self.query().filter(criteria).one().await
    }

    /// Starts a query with filters, sorting, offset, limit and count; see
    /// [`DocumentQuery`].
    pub fn query(&mut self) -> DocumentQuery<'_, B> {
        DocumentQuery::new(self.session, self.table.clone())
    }
}

impl<B: Backend> std::fmt::Debug for Documents<'_, B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Documents")
            .field("name", &self.table.name)
            .field("debug", &self.table.allowed)
            .finish()
    }
}
