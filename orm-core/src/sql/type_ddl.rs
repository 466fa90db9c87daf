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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::ddl::{create_tables, drop_tables};
    use crate::table::{ColumnMeta, TableMeta};

    struct Pg;
    impl Dialect for Pg {
        fn name(&self) -> &'static str {
            "pg"
        }
        fn write_placeholder(&self, n: usize, out: &mut String) {
            out.push_str(&format!("${n}"));
        }
        fn max_binds(&self) -> usize {
            65_535
        }
        fn column_type(&self, _: SqlType) -> &'static str {
            "TEXT"
        }
        fn generated_key(&self, _: SqlType) -> &'static str {
            "BIGINT"
        }
        fn write_column_type(&self, ty: SqlType, out: &mut String) {
            match enum_type(self, ty) {
                Some(name) => self.write_ident(name, out),
                None => out.push_str("TEXT"),
            }
        }
        fn arrays(&self) -> bool {
            true
        }
        fn enum_types(&self) -> bool {
            true
        }
    }

    struct Lite;
    impl Dialect for Lite {
        fn name(&self) -> &'static str {
            "lite"
        }
        fn write_placeholder(&self, _: usize, out: &mut String) {
            out.push('?');
        }
        fn max_binds(&self) -> usize {
            999
        }
        fn column_type(&self, _: SqlType) -> &'static str {
            "TEXT"
        }
        fn generated_key(&self, _: SqlType) -> &'static str {
            "INTEGER"
        }
    }

    static MOOD: EnumMeta = EnumMeta {
        rust_name: "Mood",
        pg_type: Some("mood"),
        labels: &["happy", "it's"],
    };
    static COLUMNS: [ColumnMeta; 2] = [
        ColumnMeta::new("id", SqlType::I64),
        ColumnMeta::new("mood", SqlType::Enum(&MOOD)),
    ];
    static A: TableMeta = TableMeta::new("a", "A", &COLUMNS, &[0], None);
    static B: TableMeta = TableMeta::new("b", "B", &COLUMNS, &[0], None);
    static ARRAYS: [ColumnMeta; 1] = [ColumnMeta::new("tags", SqlType::Array(&SqlType::Text))];
    static C: TableMeta = TableMeta::new("c", "C", &ARRAYS, &[0], None);

    #[test]
    fn an_enum_type_is_created_once_before_its_tables_and_dropped_after_them() {
        let create = create_tables(&Pg, &[&A, &B], false);
        assert_eq!(
            create[0],
            r#"CREATE TYPE "mood" AS ENUM ('happy', 'it''s')"#
        );
        assert_eq!(create.len(), 3);
        assert!(
            create[1].contains(r#""mood" "mood" NOT NULL"#),
            "{}",
            create[1]
        );
        let drop = drop_tables(&Pg, &[&A, &B], true);
        assert_eq!(
            drop.last().map(String::as_str),
            Some(r#"DROP TYPE IF EXISTS "mood""#)
        );
        assert_eq!(drop.len(), 3);
        let again = create_tables(&Pg, &[&A], true);
        assert_eq!(
            again[0],
            r#"DO $orm$ BEGIN CREATE TYPE "mood" AS ENUM ('happy', 'it''s'); EXCEPTION WHEN duplicate_object THEN NULL; END $orm$"#
        );
    }

    #[test]
    fn without_enum_types_the_labels_are_checked_text() {
        let create = create_tables(&Lite, &[&A], false);
        assert_eq!(
            create,
            [
                r#"CREATE TABLE "a" ("id" TEXT NOT NULL, "mood" TEXT NOT NULL CHECK ("mood" IN ('happy', 'it''s')), CONSTRAINT "a_pkey" PRIMARY KEY ("id"))"#
            ]
        );
        assert_eq!(drop_tables(&Lite, &[&A], false), [r#"DROP TABLE "a""#]);
    }

    #[test]
    fn an_array_column_without_arrays_is_unsupported_naming_it() {
        check_column_types(&Pg, &[&C]).unwrap();
        match check_column_types(&Lite, &[&A, &C]) {
            Err(Error::Unsupported { backend, what }) => {
                assert_eq!(backend, "lite");
                assert!(
                    what.starts_with("array column `c.tags`: lite has no array type"),
                    "{what}"
                );
            }
            other => panic!("expected Unsupported, got {other:?}"),
        }
    }
}
