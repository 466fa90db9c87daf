//! [`Catalog`]: the queries a dialect answers inspection with, the shape of
//! their rows, and how the rows become a [`TableInfo`].

use super::{ColumnInfo, ForeignKeyInfo, IndexInfo, TableInfo, UniqueInfo};
use crate::constraint::ReferentialAction;
use crate::error::{Error, Result};
use crate::row::{FromRow, Row};
use crate::types::SqlValue;

/// The SQL a dialect inspects a schema with. Every query but
/// `table_names` takes the table's name as its one parameter, `$1`; each
/// returns rows of exactly the columns listed, in that order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Catalog {
    /// The tables' names, sorted: `(name TEXT)`.
    pub table_names: &'static str,
    /// How many tables are named `$1`: `(count BIGINT)`.
    pub has_table: &'static str,
    /// The columns of table `$1` in table order: `(name TEXT, type TEXT,
    /// not_null BOOL, default TEXT NULL, primary_key_position BIGINT (0 when
    /// not in the key), auto BOOL)`. The type is upper case and spelled as
    /// the dialect's DDL spells it.
    pub columns: &'static str,
    /// The name of table `$1`'s primary key constraint: `(name TEXT)`, no
    /// row without one. `None` where the database keeps no such name.
    pub primary_key_name: Option<&'static str>,
    /// One row per column of each plain index of table `$1` (neither the
    /// primary key's nor a unique constraint's), by index name then
    /// position: `(index TEXT, unique BOOL, column TEXT)`.
    pub indexes: &'static str,
    /// One row per column of each unique constraint of table `$1`, grouped
    /// by a key and in column order: `(key TEXT, name TEXT NULL, column TEXT)`.
    pub uniques: &'static str,
    /// One row per column of each foreign key of table `$1`, grouped by a
    /// key and in column order: `(key TEXT, name TEXT NULL, column TEXT,
    /// target_table TEXT, target_column TEXT, on_update TEXT, on_delete
    /// TEXT)`, the actions spelled as SQL (`NO ACTION`, `CASCADE`, ...).
    pub foreign_keys: &'static str,
}

fn get<T: SqlValue, R: Row + ?Sized>(row: &R, idx: usize) -> Result<T> {
    T::decode(row, idx)
}

/// A row of [`Catalog::columns`].
pub(crate) struct ColumnRow(ColumnInfo, i64);

impl FromRow for ColumnRow {
    fn from_row<R: Row + ?Sized>(row: &R) -> Result<Self> {
        let position: i64 = get(row, 4)?;
        Ok(ColumnRow(
            ColumnInfo {
                name: get(row, 0)?,
                data_type: get(row, 1)?,
                nullable: !get::<bool, _>(row, 2)?,
                default: get(row, 3)?,
                primary_key: position > 0,
                auto: get(row, 5)?,
            },
            position,
        ))
    }
}

/// A row of [`Catalog::indexes`].
pub(crate) struct IndexRow(String, bool, String);

impl FromRow for IndexRow {
    fn from_row<R: Row + ?Sized>(row: &R) -> Result<Self> {
        Ok(IndexRow(get(row, 0)?, get(row, 1)?, get(row, 2)?))
    }
}

/// A row of [`Catalog::uniques`].
pub(crate) struct UniqueRow(String, Option<String>, String);

impl FromRow for UniqueRow {
    fn from_row<R: Row + ?Sized>(row: &R) -> Result<Self> {
        Ok(UniqueRow(get(row, 0)?, get(row, 1)?, get(row, 2)?))
    }
}

/// A row of [`Catalog::foreign_keys`].
pub(crate) struct ForeignKeyRow {
    key: String,
    name: Option<String>,
    column: String,
    target_table: String,
    target_column: String,
    on_update: String,
    on_delete: String,
}

impl FromRow for ForeignKeyRow {
    fn from_row<R: Row + ?Sized>(row: &R) -> Result<Self> {
        Ok(ForeignKeyRow {
            key: get(row, 0)?,
            name: get(row, 1)?,
            column: get(row, 2)?,
            target_table: get(row, 3)?,
            target_column: get(row, 4)?,
            on_update: get(row, 5)?,
            on_delete: get(row, 6)?,
        })
    }
}

/// Everything the catalog said about one table.
pub(crate) struct Rows {
    pub columns: Vec<ColumnRow>,
    pub primary_key_name: Option<String>,
    pub indexes: Vec<IndexRow>,
    pub uniques: Vec<UniqueRow>,
    pub foreign_keys: Vec<ForeignKeyRow>,
}

impl Rows {
    /// Groups the rows into a [`TableInfo`].
    pub fn into_info(self, name: &str) -> Result<TableInfo> {
        let mut key: Vec<(i64, String)> = self
            .columns
            .iter()
            .filter(|c| c.1 > 0)
            .map(|c| (c.1, c.0.name.clone()))
            .collect();
        key.sort();
        let mut indexes: Vec<IndexInfo> = Vec::new();
        for IndexRow(index, unique, column) in self.indexes {
            match indexes.last_mut() {
                Some(last) if last.name == index => last.columns.push(column),
                _ => indexes.push(IndexInfo {
                    name: index,
                    columns: vec![column],
                    unique,
                }),
            }
        }
        let mut uniques: Vec<(String, UniqueInfo)> = Vec::new();
        for UniqueRow(key, name, column) in self.uniques {
            match uniques.last_mut() {
                Some((k, last)) if *k == key => last.columns.push(column),
                _ => uniques.push((
                    key,
                    UniqueInfo {
                        name,
                        columns: vec![column],
                    },
                )),
            }
        }
        let mut foreign_keys: Vec<(String, ForeignKeyInfo)> = Vec::new();
        for row in self.foreign_keys {
            match foreign_keys.last_mut() {
                Some((k, last)) if *k == row.key => {
                    last.columns.push(row.column);
                    last.target_columns.push(row.target_column);
                }
                _ => foreign_keys.push((
                    row.key,
                    ForeignKeyInfo {
                        name: row.name,
                        columns: vec![row.column],
                        target_table: row.target_table,
                        target_columns: vec![row.target_column],
                        on_delete: action(&row.on_delete)?,
                        on_update: action(&row.on_update)?,
                    },
                )),
            }
        }
        let mut uniques: Vec<UniqueInfo> = uniques.into_iter().map(|(_, u)| u).collect();
        uniques.sort_by(|a, b| a.columns.cmp(&b.columns));
        let mut foreign_keys: Vec<ForeignKeyInfo> =
            foreign_keys.into_iter().map(|(_, f)| f).collect();
        foreign_keys.sort_by(|a, b| a.columns.cmp(&b.columns));
        indexes.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(TableInfo {
            name: name.to_string(),
            columns: self.columns.into_iter().map(|c| c.0).collect(),
            primary_key: key.into_iter().map(|(_, c)| c).collect(),
            primary_key_name: self.primary_key_name,
            indexes,
            uniques,
            foreign_keys,
        })
    }
}

fn action(text: &str) -> Result<ReferentialAction> {
    ReferentialAction::parse(text).ok_or_else(|| Error::Decode {
        column: "on_delete / on_update".to_string(),
        expected: "a referential action",
        found: text.to_string(),
    })
}
