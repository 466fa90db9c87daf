//! Inspection on a [`Session`] (inside its transaction) and on a
//! [`Database`] (each call in a short transaction of its own).

use super::catalog::{ColumnRow, ForeignKeyRow, IndexRow, Rows, UniqueRow};
use super::{Catalog, TableInfo};
use crate::error::{Error, Result};
use crate::session::{Backend, Database, Session};
use crate::sql::Dialect;

fn catalog<B: Backend>(db: &Database<B>) -> Result<&'static Catalog> {
    db.backend()
        .dialect()
        .catalog()
        .ok_or_else(|| Error::Unsupported {
            backend: db.backend_name(),
            what: "schema inspection (the dialect has no catalog queries)".to_string(),
        })
}

impl<B: Backend> Session<B> {
    /// The names of the tables in the current schema (PostgreSQL) or the
    /// database (SQLite), sorted.
    pub async fn table_names(&mut self) -> Result<Vec<String>> {
        let catalog = catalog(self.database())?;
        let rows: Vec<(String,)> = self.raw(catalog.table_names).fetch_all().await?;
        Ok(rows.into_iter().map(|(name,)| name).collect())
    }

    /// True when table `name` exists in the current schema (PostgreSQL,
    /// exact name) or the database (SQLite, any case).
    pub async fn has_table(&mut self, name: &str) -> Result<bool> {
        let catalog = catalog(self.database())?;
        let (count,): (i64,) = self.raw(catalog.has_table).bind(name).fetch_one().await?;
        Ok(count > 0)
    }

    /// Table `name` as the database holds it: columns, primary key, indexes,
    /// unique constraints and foreign keys. `None` when there is no such
    /// table.
    pub async fn inspect_table(&mut self, name: &str) -> Result<Option<TableInfo>> {
        let catalog = catalog(self.database())?;
        let columns: Vec<ColumnRow> = self.raw(catalog.columns).bind(name).fetch_all().await?;
        if columns.is_empty() {
            return Ok(None);
        }
        let primary_key_name = match catalog.primary_key_name {
            Some(sql) => self
                .raw(sql)
                .bind(name)
                .fetch_optional::<(String,)>()
                .await?
                .map(|(n,)| n),
            None => None,
        };
        let indexes: Vec<IndexRow> = self.raw(catalog.indexes).bind(name).fetch_all().await?;
        let uniques: Vec<UniqueRow> = self.raw(catalog.uniques).bind(name).fetch_all().await?;
        let foreign_keys: Vec<ForeignKeyRow> = self
            .raw(catalog.foreign_keys)
            .bind(name)
            .fetch_all()
            .await?;
        Rows {
            columns,
            primary_key_name,
            indexes,
            uniques,
            foreign_keys,
        }
        .into_info(name)
        .map(Some)
    }

    /// Every table of [`Session::table_names`], inspected.
    pub async fn inspect_tables(&mut self) -> Result<Vec<TableInfo>> {
        let mut tables = Vec::new();
        for name in self.table_names().await? {
            if let Some(table) = self.inspect_table(&name).await? {
                tables.push(table);
            }
        }
        Ok(tables)
    }
}

impl<B: Backend> Database<B> {
    /// The dialect queries are compiled for (and DDL is written in).
    pub fn dialect(&self) -> &dyn Dialect {
        self.backend().dialect()
    }

    /// [`Session::table_names`], in a transaction of its own.
    pub async fn table_names(&self) -> Result<Vec<String>> {
        self.transaction(async |s| s.table_names().await).await
    }

    /// [`Session::has_table`], in a transaction of its own.
    pub async fn has_table(&self, name: &str) -> Result<bool> {
        self.transaction(async |s| s.has_table(name).await).await
    }

    /// [`Session::inspect_table`], in a transaction of its own.
    pub async fn inspect_table(&self, name: &str) -> Result<Option<TableInfo>> {
        self.transaction(async |s| s.inspect_table(name).await)
            .await
    }

    /// [`Session::inspect_tables`], in a transaction of its own.
    pub async fn inspect_tables(&self) -> Result<Vec<TableInfo>> {
        self.transaction(async |s| s.inspect_tables().await).await
    }
}
