//! [`SqliteDialect`]: how SQLite spells what differs.

use orm_core::inspect::Catalog;
use orm_core::sql::{BlobStorage, DocumentStorage};
use orm_core::{DefaultValue, Dialect, SqlType};

/// The most bind parameters one SQLite statement may carry
/// (`SQLITE_MAX_VARIABLE_NUMBER` of SQLite 3.32 and later).
pub const MAX_BINDS: usize = 32_766;

/// The SQL dialect of SQLite.
///
/// | what | SQLite |
/// |---|---|
/// | placeholder | `?` |
/// | identifiers | `"double quoted"` |
/// | `OFFSET` without `LIMIT` | `LIMIT -1 OFFSET ?` |
/// | generated key | `INTEGER PRIMARY KEY AUTOINCREMENT` |
///
/// Column types, and how each value is stored:
///
/// | [`SqlType`] | declared type | stored as |
/// |---|---|---|
/// | `Bool` | `BOOLEAN` | integer 0 / 1 |
/// | `I16`, `I32`, `I64` | `INTEGER` | integer |
/// | `F32`, `F64` | `REAL` | 8-byte float |
/// | `Text` | `TEXT` | text |
/// | `Bytes` | `BLOB` | blob |
/// | `Date` | `TEXT` | `YYYY-MM-DD` |
/// | `DateTime` | `TEXT` | `YYYY-MM-DD HH:MM:SS[.fff]` |
/// | `Timestamptz` | `TEXT` | RFC 3339 in UTC, `YYYY-MM-DDTHH:MM:SS[.fff]+00:00` |
/// | `Uuid` | `BLOB` | its 16 bytes |
/// | `Json` | `TEXT` | the document's compact text |
/// | `Decimal` | `TEXT` | its exact decimal text |
///
/// Decimals are stored as text so that no digit is lost; SQLite then
/// compares them as text, so order and compare decimal columns in Rust, not
/// in SQL.
///
/// ```
/// use orm_core::{Dialect, SqlType};
/// use orm_sqlite::SqliteDialect;
///
/// let d = SqliteDialect;
/// let mut sql = String::from("SELECT * FROM ");
/// d.write_ident("my \"table\"", &mut sql);
/// sql.push_str(" WHERE \"id\" = ");
/// d.write_placeholder(1, &mut sql);
/// assert_eq!(sql, r#"SELECT * FROM "my ""table""" WHERE "id" = ?"#);
/// assert_eq!(d.column_type(SqlType::Bool), "BOOLEAN");
///
/// // Documents are JSON text, blob files rows of a chunk table.
/// use orm_core::sql::{BlobStorage, DocumentStorage};
/// assert_eq!(d.document_storage(), Some(DocumentStorage::JsonText));
/// assert_eq!(d.blob_storage(), Some(BlobStorage::ChunkTable));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct SqliteDialect;

impl Dialect for SqliteDialect {
    fn name(&self) -> &'static str {
        "sqlite"
    }

    fn begin_sql(&self, options: &orm_core::TxOptions) -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed(crate::transaction::begin_sql(options))
    }

    fn write_placeholder(&self, _n: usize, out: &mut String) {
        out.push('?');
    }

    fn max_binds(&self) -> usize {
        MAX_BINDS
    }

    fn limit_for_offset_only(&self) -> Option<&'static str> {
        Some(" LIMIT -1")
    }

    fn column_type(&self, ty: SqlType) -> &'static str {
        match ty {
            SqlType::Bool => "BOOLEAN",
            SqlType::I16 | SqlType::I32 | SqlType::I64 => "INTEGER",
            SqlType::F32 | SqlType::F64 => "REAL",
            SqlType::Text => "TEXT",
            SqlType::Bytes => "BLOB",
            SqlType::Date | SqlType::DateTime | SqlType::Timestamptz => "TEXT",
            SqlType::Uuid => "BLOB",
            SqlType::Json => "TEXT",
            SqlType::Decimal => "TEXT",
            SqlType::Time | SqlType::Enum(_) => "TEXT",
            // A type added to the core after this backend was written: BLOB
            // affinity stores every value exactly as it is bound.
            _ => "BLOB",
        }
    }

    fn generated_key(&self, _ty: SqlType) -> &'static str {
        // Only an INTEGER PRIMARY KEY aliases the rowid; AUTOINCREMENT keeps
        // keys of deleted rows from being handed out again.
        "INTEGER PRIMARY KEY AUTOINCREMENT"
    }

    fn generated_key_declares_primary_key(&self) -> bool {
        true
    }

    fn document_storage(&self) -> Option<DocumentStorage> {
        Some(DocumentStorage::JsonText)
    }

    fn blob_storage(&self) -> Option<BlobStorage> {
        Some(BlobStorage::ChunkTable)
    }

    fn alter_constraints(&self) -> bool {
        false
    }

    fn column_type_matches(&self, declared: &str, ty: SqlType) -> bool {
        affinity(declared) == affinity(self.column_type(ty))
    }

    fn defer_foreign_keys(&self) -> Option<&'static str> {
        Some("PRAGMA defer_foreign_keys = ON")
    }

    fn catalog(&self) -> Option<&'static Catalog> {
        Some(&crate::inspect::CATALOG)
    }

    fn write_default(&self, value: &DefaultValue, out: &mut String) {
        match value {
            DefaultValue::Int(v) => out.push_str(&v.to_string()),
            // SQLite stores NaN as NULL and has no infinity literal; 9e999
            // overflows to infinity.
            DefaultValue::Float(v) if v.is_nan() => out.push_str("NULL"),
            DefaultValue::Float(v) if v.is_infinite() => {
                out.push_str(if *v > 0.0 { "9e999" } else { "-9e999" })
            }
            DefaultValue::Float(v) => out.push_str(&format!("{v:?}")),
            DefaultValue::Bool(v) => out.push(if *v { '1' } else { '0' }),
            DefaultValue::Text(s) => {
                out.push('\'');
                out.push_str(&s.replace('\'', "''"));
                out.push('\'');
            }
        }
    }
}

/// The type affinity SQLite gives a declared type (section 3.1 of
/// <https://www.sqlite.org/datatype3.html>).
fn affinity(declared: &str) -> &'static str {
    let t = declared.to_ascii_uppercase();
    if t.contains("INT") {
        "INTEGER"
    } else if t.contains("CHAR") || t.contains("CLOB") || t.contains("TEXT") {
        "TEXT"
    } else if t.contains("BLOB") || t.trim().is_empty() {
        "BLOB"
    } else if t.contains("REAL") || t.contains("FLOA") || t.contains("DOUB") {
        "REAL"
    } else {
        "NUMERIC"
    }
}

#[cfg(test)]
mod tests {
    use orm_core::query::SelectTree;
    use orm_core::sql::{compile, ddl, SqlCache};
    use orm_core::{ColumnMeta, DefaultValue, SqlType, TableMeta, Value};

    use super::*;

    static USERS: TableMeta = TableMeta::new(
        "users",
        "User",
        &[
            ColumnMeta {
                primary_key: true,
                generated: true,
                ..ColumnMeta::new("id", SqlType::I64)
            },
            ColumnMeta {
                unique: true,
                ..ColumnMeta::new("name", SqlType::Text)
            },
            ColumnMeta {
                nullable: true,
                ..ColumnMeta::new("email", SqlType::Text)
            },
            ColumnMeta {
                default: Some(DefaultValue::Bool(true)),
                ..ColumnMeta::new("active", SqlType::Bool)
            },
            ColumnMeta {
                default: Some(DefaultValue::Int(0)),
                index: true,
                ..ColumnMeta::new("karma", SqlType::I32)
            },
        ],
        &[0],
        Some(0),
    );

    static PAIRS: TableMeta = TableMeta::new(
        "pairs",
        "Pair",
        &[
            ColumnMeta {
                primary_key: true,
                ..ColumnMeta::new("a", SqlType::I32)
            },
            ColumnMeta {
                primary_key: true,
                ..ColumnMeta::new("b", SqlType::Text)
            },
        ],
        &[0, 1],
        None,
    );

    fn sql_of(tree: &SelectTree) -> (String, usize) {
        let compiled = compile(tree, &SqliteDialect, &SqlCache::new());
        (compiled.sql.to_string(), compiled.binds.len())
    }

    #[test]
    fn offset_without_limit_writes_limit_minus_one() {
        let mut tree = SelectTree::new(&USERS);
        tree.offset = Some(5);
        assert_eq!(
            sql_of(&tree),
            (
                r#"SELECT "id", "name", "email", "active", "karma" FROM "users" LIMIT -1 OFFSET ?"#
                    .to_string(),
                1
            )
        );
    }

    #[test]
    fn limit_and_offset_are_placeholders() {
        let mut tree = SelectTree::new(&PAIRS);
        tree.limit = Some(10);
        tree.offset = Some(20);
        tree.filter = Some(orm_core::Node::binary(
            orm_core::BinOp::Eq,
            orm_core::Node::Column {
                table: "pairs",
                column: "a",
            },
            orm_core::Node::Value(Value::I32(3)),
        ));
        let (sql, binds) = sql_of(&tree);
        assert_eq!(
            sql,
            r#"SELECT "a", "b" FROM "pairs" WHERE "a" = ? LIMIT ? OFFSET ?"#
        );
        assert_eq!(binds, 3);
    }

    #[test]
    fn create_table_declares_the_generated_key_once() {
        let statements = ddl::create_table(&SqliteDialect, &USERS, true);
        assert_eq!(
            statements,
            vec![
                concat!(
                    r#"CREATE TABLE IF NOT EXISTS "users" ("id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, "#,
                    r#""name" TEXT NOT NULL, "email" TEXT, "active" BOOLEAN NOT NULL DEFAULT 1, "#,
                    r#""karma" INTEGER NOT NULL DEFAULT 0, CONSTRAINT "users_name_key" UNIQUE ("name"))"#
                )
                .to_string(),
                r#"CREATE INDEX IF NOT EXISTS "users_karma_idx" ON "users" ("karma")"#.to_string(),
            ]
        );
    }

    #[test]
    fn composite_keys_are_declared_as_a_table_constraint() {
        let statements = ddl::create_table(&SqliteDialect, &PAIRS, false);
        assert_eq!(
            statements,
            vec![concat!(
                r#"CREATE TABLE "pairs" ("a" INTEGER NOT NULL, "b" TEXT NOT NULL, "#,
                r#"CONSTRAINT "pairs_pkey" PRIMARY KEY ("a", "b"))"#
            )
            .to_string()]
        );
    }

    #[test]
    fn documents_are_json_text_and_blobs_chunk_tables() {
        assert_eq!(
            SqliteDialect.document_storage(),
            Some(DocumentStorage::JsonText)
        );
        assert_eq!(SqliteDialect.blob_storage(), Some(BlobStorage::ChunkTable));
    }

    #[test]
    fn column_types() {
        let d = SqliteDialect;
        let expected = [
            (SqlType::Bool, "BOOLEAN"),
            (SqlType::I16, "INTEGER"),
            (SqlType::I32, "INTEGER"),
            (SqlType::I64, "INTEGER"),
            (SqlType::F32, "REAL"),
            (SqlType::F64, "REAL"),
            (SqlType::Text, "TEXT"),
            (SqlType::Bytes, "BLOB"),
            (SqlType::Date, "TEXT"),
            (SqlType::DateTime, "TEXT"),
            (SqlType::Timestamptz, "TEXT"),
            (SqlType::Uuid, "BLOB"),
            (SqlType::Json, "TEXT"),
            (SqlType::Decimal, "TEXT"),
            (SqlType::Time, "TEXT"),
        ];
        for (ty, name) in expected {
            assert_eq!(d.column_type(ty), name, "{ty:?}");
        }
        assert_eq!(d.max_binds(), 32_766);
        assert_eq!(d.name(), "sqlite");
    }

    #[test]
    fn declared_types_match_by_affinity() {
        let d = SqliteDialect;
        assert!(d.column_type_matches("BIGINT", SqlType::I64));
        assert!(d.column_type_matches("int", SqlType::I16));
        assert!(d.column_type_matches("VARCHAR(20)", SqlType::Text));
        assert!(d.column_type_matches("DOUBLE", SqlType::F64));
        assert!(d.column_type_matches("BOOL", SqlType::Bool));
        assert!(!d.column_type_matches("TEXT", SqlType::I64));
        assert!(!d.column_type_matches("BLOB", SqlType::Text));
    }

    #[test]
    fn defaults_are_sqlite_literals() {
        let d = SqliteDialect;
        let write = |v: DefaultValue| {
            let mut s = String::new();
            d.write_default(&v, &mut s);
            s
        };
        assert_eq!(write(DefaultValue::Bool(true)), "1");
        assert_eq!(write(DefaultValue::Bool(false)), "0");
        assert_eq!(write(DefaultValue::Int(-3)), "-3");
        assert_eq!(write(DefaultValue::Float(1.5)), "1.5");
        assert_eq!(write(DefaultValue::Float(f64::INFINITY)), "9e999");
        assert_eq!(write(DefaultValue::Text("it's")), "'it''s'");
    }
}
