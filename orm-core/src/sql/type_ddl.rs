//! DDL for column types that are more than a type name: PostgreSQL enum
//! types (created before the tables that use them, dropped after), the
//! `CHECK` that keeps a text-stored enum column to its labels, and the
//! refusal of array columns where the database has no arrays.

use super::Dialect;
use crate::enums::EnumMeta;
use crate::error::{Error, Result};
use crate::table::{ColumnMeta, TableMeta};
use crate::value::SqlType;

/// The enum a column holds, itself or as an array's elements.
fn enum_of(ty: SqlType) -> Option<&'static EnumMeta> {
    match ty {
        SqlType::Enum(meta) => Some(meta),
        SqlType::Array(elem) => enum_of(*elem),
        _ => None,
    }
}

/// The database enum type a column's values are stored as, if any.
pub fn enum_type(dialect: &dyn Dialect, ty: SqlType) -> Option<&'static str> {
    enum_of(ty)
        .and_then(|meta| meta.pg_type)
        .filter(|_| dialect.enum_types())
}

/// The enum types the columns of `tables` use, each once, in the order first
/// met.
fn enum_types(dialect: &dyn Dialect, tables: &[&TableMeta]) -> Vec<&'static EnumMeta> {
    let mut out: Vec<&'static EnumMeta> = Vec::new();
    for col in tables.iter().flat_map(|t| t.columns) {
        if let (Some(meta), Some(name)) = (enum_of(col.sql_type), enum_type(dialect, col.sql_type))
        {
            if !out.iter().any(|m| m.pg_type == Some(name)) {
                out.push(meta);
            }
        }
    }
    out
}

/// `CREATE TYPE "mood" AS ENUM ('happy', 'sad')` for each enum type of
/// `tables`; with `if_not_exists`, a type that exists already is left alone.
pub fn create_enum_types(
    dialect: &dyn Dialect,
    tables: &[&TableMeta],
    if_not_exists: bool,
) -> Vec<String> {
    enum_types(dialect, tables)
        .into_iter()
        .filter_map(|meta| {
            let name = meta.pg_type?;
            let mut sql = String::from("CREATE TYPE ");
            dialect.write_ident(name, &mut sql);
            sql.push_str(" AS ENUM (");
            write_labels(dialect, meta, &mut sql);
            sql.push(')');
            Some(if if_not_exists {
                // PostgreSQL has no CREATE TYPE IF NOT EXISTS.
                format!(
                    "DO $orm$ BEGIN {sql}; EXCEPTION WHEN duplicate_object THEN NULL; END $orm$"
                )
            } else {
                sql
            })
        })
        .collect()
}

/// `DROP TYPE "mood"` for each enum type of `tables`.
pub fn drop_enum_types(
    dialect: &dyn Dialect,
    tables: &[&TableMeta],
    if_exists: bool,
) -> Vec<String> {
    enum_types(dialect, tables)
        .into_iter()
        .filter_map(|meta| {
            let mut sql = String::from("DROP TYPE ");
            if if_exists {
                sql.push_str("IF EXISTS ");
            }
            dialect.write_ident(meta.pg_type?, &mut sql);
            Some(sql)
        })
        .collect()
}

/// ` CHECK ("mood" IN ('happy', 'sad'))` for a column holding an enum as
/// text; nothing for other columns.
pub fn write_enum_check(dialect: &dyn Dialect, col: &ColumnMeta, out: &mut String) {
    if let SqlType::Enum(meta) = col.sql_type {
        if enum_type(dialect, col.sql_type).is_none() {
            out.push_str(" CHECK (");
            dialect.write_ident(col.name, out);
            out.push_str(" IN (");
            write_labels(dialect, meta, out);
            out.push_str("))");
        }
    }
}

fn write_labels(dialect: &dyn Dialect, meta: &EnumMeta, out: &mut String) {
    for (i, label) in meta.labels.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        dialect.write_default(&crate::table::DefaultValue::Text(label), out);
    }
}

/// [`Error::Unsupported`] naming the first column of `tables` whose type the
/// dialect cannot create (an array where there are no arrays).
pub fn check_column_types(dialect: &dyn Dialect, tables: &[&TableMeta]) -> Result<()> {
    for table in tables {
        for col in table.columns {
            if matches!(col.sql_type, SqlType::Array(_)) && !dialect.arrays() {
                return Err(Error::Unsupported {
                    backend: dialect.name(),
                    what: format!(
                        "array column `{}.{}`: {} has no array type; store the list as JSON \
                         with `#[column(json)]`",
                        table.name,
                        col.name,
                        dialect.name()
                    ),
                });
            }
        }
    }
    Ok(())
}
