//! The SQL of a document table, written for the dialect's [`DocumentStorage`].
//!
//! Table names are runtime strings, so this SQL never goes through the
//! query-tree cache (keyed by `&'static str` addresses): it is written here,
//! with every identifier quoted by the dialect and every value bound as a
//! `$n` placeholder (which both backends take, and which may repeat).

use std::fmt::Write as _;

use serde_json::{Map, Value as Json};

use crate::error::{Error, Result};
use crate::sql::{Dialect, DocumentStorage};
use crate::value::{SqlType, Value};

/// What a document query selects: rows whose keys equal `filter`'s, sorted
/// by `order` (key, descending), then by id; `offset` and `limit` apply.
#[derive(Debug, Clone, Default)]
pub(crate) struct QuerySpec {
    pub(crate) filter: Map<String, Json>,
    pub(crate) order: Vec<(String, bool)>,
    pub(crate) offset: Option<i64>,
    pub(crate) limit: Option<i64>,
}

/// Writes the statements of one document table.
pub(crate) struct DocSql<'d> {
    dialect: &'d dyn Dialect,
    storage: DocumentStorage,
    name: &'d str,
    table: String,
}

/// Values bound so far; `push` returns the new value's placeholder number.
#[derive(Default)]
struct Binds(Vec<Value>);

impl Binds {
    fn push(&mut self, value: impl Into<Value>) -> usize {
        self.0.push(value.into());
        self.0.len()
    }
}

impl<'d> DocSql<'d> {
    /// The SQL of table `name`; [`Error::Unsupported`] when the dialect
    /// cannot store documents.
    pub(crate) fn new(dialect: &'d dyn Dialect, name: &'d str) -> Result<Self> {
        let storage = dialect
            .document_storage()
            .ok_or_else(|| Error::Unsupported {
                backend: dialect.name(),
                what: "document tables".to_string(),
            })?;
        let mut table = String::new();
        dialect.write_ident(name, &mut table);
        Ok(DocSql {
            dialect,
            storage,
            name,
            table,
        })
    }

    fn jsonb(&self) -> bool {
        self.storage == DocumentStorage::Jsonb
    }

    /// The placeholder `$n` of a JSON text parameter, cast where stored as JSONB.
    fn json_param(&self, n: usize) -> String {
        if self.jsonb() {
            format!("${n}::text::jsonb")
        } else {
            format!("${n}")
        }
    }

    /// The `data` column of alias `d` as JSON text.
    fn data_text(&self) -> &'static str {
        if self.jsonb() {
            "d.\"data\"::text"
        } else {
            "d.\"data\""
        }
    }

    /// `CREATE TABLE` (and, on PostgreSQL, its GIN index), one batch.
    pub(crate) fn create_table(&self, if_not_exists: bool) -> String {
        let d = self.dialect;
        let ine = if if_not_exists { "IF NOT EXISTS " } else { "" };
        let mut key = d.generated_key(SqlType::I64).to_string();
        if !d.generated_key_declares_primary_key() {
            key.push_str(" PRIMARY KEY");
        }
        let mut sql = format!(
            "CREATE TABLE {ine}{} (\"id\" {key}, \"data\" {} NOT NULL)",
            self.table,
            d.column_type(SqlType::Json)
        );
        if self.jsonb() {
            sql.push_str(";\nCREATE INDEX ");
            sql.push_str(ine);
            d.write_ident(&format!("{}_data_idx", self.name), &mut sql);
            let _ = write!(
                sql,
                " ON {} USING GIN (\"data\" jsonb_path_ops)",
                self.table
            );
        }
        sql
    }

    /// `DROP TABLE` (its index goes with it).
    pub(crate) fn drop_table(&self, if_exists: bool) -> String {
        let ie = if if_exists { "IF EXISTS " } else { "" };
        format!("DROP TABLE {ie}{}", self.table)
    }

    /// Inserts `$1` (JSON text), returning the new id.
    pub(crate) fn insert(&self) -> String {
        format!(
            "INSERT INTO {} (\"data\") VALUES ({}) RETURNING \"id\"",
            self.table,
            self.json_param(1)
        )
    }

    /// The row with id `$1`.
    pub(crate) fn get(&self) -> String {
        format!(
            "SELECT d.\"id\", {} FROM {} AS d WHERE d.\"id\" = $1",
            self.data_text(),
            self.table
        )
    }

    /// Replaces the data of row `$2` with `$1` (JSON text).
    pub(crate) fn update(&self) -> String {
        format!(
            "UPDATE {} SET \"data\" = {} WHERE \"id\" = $2",
            self.table,
            self.json_param(1)
        )
    }

    /// Deletes row `$1`.
    pub(crate) fn delete(&self) -> String {
        format!("DELETE FROM {} WHERE \"id\" = $1", self.table)
    }

    /// The rows `spec` selects, as `(id, JSON text)`.
    pub(crate) fn select(&self, spec: &QuerySpec) -> Result<(String, Vec<Value>)> {
        let mut binds = Binds::default();
        let mut sql = format!(
            "SELECT d.\"id\", {} FROM {} AS d",
            self.data_text(),
            self.table
        );
        self.write_filter(&spec.filter, &mut binds, &mut sql)?;
        self.write_order(&spec.order, &mut binds, &mut sql);
        self.write_limit(spec, &mut binds, &mut sql);
        Ok((sql, binds.0))
    }

    /// How many rows `spec` selects (its offset and limit apply).
    pub(crate) fn count(&self, spec: &QuerySpec) -> Result<(String, Vec<Value>)> {
        let mut binds = Binds::default();
        let mut rest = String::new();
        self.write_filter(&spec.filter, &mut binds, &mut rest)?;
        let sql = if spec.offset.is_none() && spec.limit.is_none() {
            format!("SELECT COUNT(*) FROM {} AS d{rest}", self.table)
        } else {
            self.write_limit(spec, &mut binds, &mut rest);
            format!(
                "SELECT COUNT(*) FROM (SELECT 1 FROM {} AS d{rest}) AS q",
                self.table
            )
        };
        Ok((sql, binds.0))
    }

    fn write_filter(
        &self,
        filter: &Map<String, Json>,
        binds: &mut Binds,
        out: &mut String,
    ) -> Result<()> {
        if filter.is_empty() {
            return Ok(());
        }
        out.push_str(" WHERE ");
        if self.jsonb() {
            // One containment test, served by the GIN index; it is equality
            // for scalars, and arrays and objects are then compared whole.
            let n = binds.push(encode(self.name, filter)?);
            let _ = write!(out, "d.\"data\" @> ${n}::text::jsonb");
            for (key, value) in filter.iter().filter(|(_, v)| v.is_array() || v.is_object()) {
                let k = binds.push(key.as_str());
                let v = binds.push(value.to_string());
                let _ = write!(out, " AND d.\"data\" -> ${k}::text = ${v}::text::jsonb");
            }
            return Ok(());
        }
        for (i, (key, value)) in filter.iter().enumerate() {
            if i > 0 {
                out.push_str(" AND ");
            }
            let k = binds.push(key.as_str());
            let _ = write!(
                out,
                "EXISTS (SELECT 1 FROM json_each(d.\"data\") AS j WHERE j.\"key\" = ${k} AND "
            );
            let _ = match value {
                Json::String(s) => {
                    let v = binds.push(s.as_str());
                    write!(out, "j.\"type\" = 'text' AND j.\"value\" = ${v}")
                }
                Json::Number(_) => {
                    let v = binds.push(value.to_string());
                    write!(
                        out,
                        "j.\"type\" IN ('integer', 'real') AND j.\"value\" = json_extract(${v}, '$')"
                    )
                }
                Json::Bool(true) => write!(out, "j.\"type\" = 'true'"),
                Json::Bool(false) => write!(out, "j.\"type\" = 'false'"),
                Json::Null => write!(out, "j.\"type\" = 'null'"),
                Json::Array(_) | Json::Object(_) => {
                    let ty = if value.is_array() { "array" } else { "object" };
                    let v = binds.push(value.to_string());
                    write!(out, "j.\"type\" = '{ty}' AND j.\"value\" = json(${v})")
                }
            };
            out.push(')');
        }
        Ok(())
    }

    /// Sorts by each key's type (null, string, number, boolean, array,
    /// object; rows without the key last), then its value, then the id.
    fn write_order(&self, order: &[(String, bool)], binds: &mut Binds, out: &mut String) {
        out.push_str(" ORDER BY ");
        for (key, descending) in order {
            let k = binds.push(key.as_str());
            let dir = if *descending { " DESC" } else { " ASC" };
            let missing = if *descending { -1 } else { 6 };
            if self.jsonb() {
                let ty = format!("jsonb_typeof(d.\"data\" -> ${k}::text)");
                let _ = write!(
                    out,
                    "CASE {ty} WHEN 'null' THEN 0 WHEN 'string' THEN 1 WHEN 'number' THEN 2 \
                     WHEN 'boolean' THEN 3 WHEN 'array' THEN 4 WHEN 'object' THEN 5 \
                     ELSE {missing} END{dir}, \
                     CASE {ty} WHEN 'number' THEN (d.\"data\" ->> ${k}::text)::numeric END{dir}, \
                     (d.\"data\" ->> ${k}::text) COLLATE \"C\"{dir}, "
                );
            } else {
                let each = format!("FROM json_each(d.\"data\") AS j WHERE j.\"key\" = ${k}");
                let _ = write!(
                    out,
                    "CASE (SELECT j.\"type\" {each}) WHEN 'null' THEN 0 WHEN 'text' THEN 1 \
                     WHEN 'integer' THEN 2 WHEN 'real' THEN 2 WHEN 'false' THEN 3 \
                     WHEN 'true' THEN 3 WHEN 'array' THEN 4 WHEN 'object' THEN 5 \
                     ELSE {missing} END{dir}, (SELECT j.\"value\" {each}){dir}, "
                );
            }
        }
        out.push_str("d.\"id\"");
    }

    fn write_limit(&self, spec: &QuerySpec, binds: &mut Binds, out: &mut String) {
        match (spec.limit, spec.offset) {
            (Some(limit), _) => {
                let n = binds.push(limit);
                let _ = write!(out, " LIMIT ${n}");
            }
            (None, Some(_)) => {
                if let Some(no_limit) = self.dialect.limit_for_offset_only() {
                    out.push_str(no_limit);
                }
            }
            (None, None) => {}
        }
        if let Some(offset) = spec.offset {
            let n = binds.push(offset);
            let _ = write!(out, " OFFSET ${n}");
        }
    }
}

/// A document's JSON text.
pub(crate) fn encode(table: &str, data: &Map<String, Json>) -> Result<String> {
    serde_json::to_string(data).map_err(|e| Error::InvalidDocument {
        table: table.to_string(),
        key: None,
        reason: format!("cannot be written as JSON: {e}"),
    })
}

#[cfg(test)]
#[path = "sql_tests.rs"]
mod tests;
