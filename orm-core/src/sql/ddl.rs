//! DDL from table metadata: `CREATE TABLE`, `CREATE INDEX`, `DROP TABLE`.
//!
//! DDL is written directly as text (it is rare and never cached); every
//! identifier is quoted by the dialect and defaults are escaped literals.

use super::Dialect;
use crate::table::TableMeta;

/// The statements that create `table` and its indexes.
pub fn create_table(dialect: &dyn Dialect, table: &TableMeta, if_not_exists: bool) -> Vec<String> {
    let mut sql = String::from("CREATE TABLE ");
    if if_not_exists {
        sql.push_str("IF NOT EXISTS ");
    }
    dialect.write_ident(table.name, &mut sql);
    sql.push_str(" (");
    let mut key_declared = false;
    for (i, col) in table.columns.iter().enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        dialect.write_ident(col.name, &mut sql);
        sql.push(' ');
        if col.generated {
            sql.push_str(dialect.generated_key(col.sql_type));
            key_declared |= dialect.generated_key_declares_primary_key();
        } else {
            sql.push_str(dialect.column_type(col.sql_type));
        }
        if !col.nullable {
            sql.push_str(" NOT NULL");
        }
        if let Some(default) = &col.default {
            sql.push_str(" DEFAULT ");
            dialect.write_default(default, &mut sql);
        }
    }
    if !key_declared && !table.primary_key.is_empty() {
        sql.push_str(", CONSTRAINT ");
        dialect.write_ident(&format!("{}_pkey", table.name), &mut sql);
        sql.push_str(" PRIMARY KEY (");
        for (i, idx) in table.primary_key.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            dialect.write_ident(table.columns[*idx].name, &mut sql);
        }
        sql.push(')');
    }
    for col in table.columns.iter().filter(|c| c.unique) {
        sql.push_str(", CONSTRAINT ");
        dialect.write_ident(&format!("{}_{}_key", table.name, col.name), &mut sql);
        sql.push_str(" UNIQUE (");
        dialect.write_ident(col.name, &mut sql);
        sql.push(')');
    }
    sql.push(')');

    let mut statements = vec![sql];
    for col in table.columns.iter().filter(|c| c.index) {
        let mut idx = String::from("CREATE INDEX ");
        if if_not_exists {
            idx.push_str("IF NOT EXISTS ");
        }
        dialect.write_ident(&format!("{}_{}_idx", table.name, col.name), &mut idx);
        idx.push_str(" ON ");
        dialect.write_ident(table.name, &mut idx);
        idx.push_str(" (");
        dialect.write_ident(col.name, &mut idx);
        idx.push(')');
        statements.push(idx);
    }
    statements
}

/// The statement that drops `table`.
pub fn drop_table(dialect: &dyn Dialect, table: &TableMeta, if_exists: bool) -> String {
    let mut sql = String::from("DROP TABLE ");
    if if_exists {
        sql.push_str("IF EXISTS ");
    }
    dialect.write_ident(table.name, &mut sql);
    sql
}
