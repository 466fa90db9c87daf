//! DDL from table metadata: `CREATE TABLE` with its keys and constraints,
//! `CREATE INDEX`, `DROP TABLE`, and sets of tables ordered by their
//! foreign keys.
//!
//! DDL is written directly as text (it is rare and never cached). Every
//! identifier is quoted by the dialect and defaults are escaped literals;
//! check expressions are the model author's own SQL, written as they are.
//!
//! What a table declares, in order: its columns (type, `NOT NULL`,
//! `DEFAULT`), the primary key (`<table>_pkey`), one `UNIQUE` per
//! `#[column(unique)]` column (`<table>_<column>_key`) and per
//! `#[table(unique(..))]`, its foreign keys, its checks. Indexes follow as
//! statements of their own.

use super::order::{creation_order, Ordered};
use super::Dialect;
use crate::constraint::{CheckMeta, ForeignKeyMeta, ReferentialAction};
use crate::table::{ColumnMeta, TableMeta};

/// The statements that create `table` and its indexes.
pub fn create_table(dialect: &dyn Dialect, table: &TableMeta, if_not_exists: bool) -> Vec<String> {
    create_table_skipping(dialect, table, if_not_exists, &[])
}

/// `create_table`, leaving out the foreign keys at `skip` (indexes into
/// `table.foreign_keys`).
fn create_table_skipping(
    dialect: &dyn Dialect,
    table: &TableMeta,
    if_not_exists: bool,
    skip: &[usize],
) -> Vec<String> {
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
        write_column(dialect, col, &mut sql);
        key_declared |= col.generated && dialect.generated_key_declares_primary_key();
    }
    if !key_declared && !table.primary_key.is_empty() {
        sql.push_str(", ");
        write_primary_key(dialect, table, &mut sql);
    }
    for (name, columns) in table.unique_constraints() {
        sql.push_str(", ");
        write_unique(dialect, &name, &columns, &mut sql);
    }
    for (i, fk) in table.foreign_keys.iter().enumerate() {
        if !skip.contains(&i) {
            sql.push_str(", ");
            write_foreign_key(dialect, fk, &mut sql);
        }
    }
    for check in table.checks {
        sql.push_str(", ");
        write_check(dialect, check, &mut sql);
    }
    sql.push(')');

    let mut statements = vec![sql];
    for (name, columns) in table.all_indexes() {
        statements.push(create_index(
            dialect,
            table.name,
            &name,
            &columns,
            if_not_exists,
        ));
    }
    statements
}

/// Writes one column's definition: `"name" TYPE [NOT NULL] [DEFAULT x]`, or
/// the dialect's generated-key definition.
pub fn write_column(dialect: &dyn Dialect, col: &ColumnMeta, out: &mut String) {
    dialect.write_ident(col.name, out);
    out.push(' ');
    if col.generated {
        out.push_str(dialect.generated_key(col.sql_type));
    } else {
        dialect.write_column_type(col.sql_type, out);
    }
    if !col.nullable {
        out.push_str(" NOT NULL");
    }
    if let Some(default) = &col.default {
        out.push_str(" DEFAULT ");
        dialect.write_default(default, out);
    }
    super::type_ddl::write_enum_check(dialect, col, out);
}

/// Writes `CONSTRAINT "<table>_pkey" PRIMARY KEY (..)`.
pub fn write_primary_key(dialect: &dyn Dialect, table: &TableMeta, out: &mut String) {
    out.push_str("CONSTRAINT ");
    dialect.write_ident(&format!("{}_pkey", table.name), out);
    out.push_str(" PRIMARY KEY ");
    write_columns(dialect, &table.primary_key_columns(), out);
}

/// Writes `CONSTRAINT "name" UNIQUE (..)`.
pub fn write_unique(dialect: &dyn Dialect, name: &str, columns: &[&str], out: &mut String) {
    out.push_str("CONSTRAINT ");
    dialect.write_ident(name, out);
    out.push_str(" UNIQUE ");
    write_columns(dialect, columns, out);
}

/// Writes `CONSTRAINT "name" FOREIGN KEY (..) REFERENCES "target" (..)`,
/// with `ON DELETE` / `ON UPDATE` unless they are `NO ACTION`.
pub fn write_foreign_key(dialect: &dyn Dialect, fk: &ForeignKeyMeta, out: &mut String) {
    out.push_str("CONSTRAINT ");
    dialect.write_ident(fk.name, out);
    out.push_str(" FOREIGN KEY ");
    write_columns(dialect, fk.columns, out);
    out.push_str(" REFERENCES ");
    dialect.write_ident(fk.target_table().name, out);
    out.push(' ');
    write_columns(dialect, &fk.referenced_columns(), out);
    write_actions(fk.on_delete, fk.on_update, out);
}

/// Writes ` ON DELETE x ON UPDATE y`, leaving out `NO ACTION`.
pub fn write_actions(on_delete: ReferentialAction, on_update: ReferentialAction, out: &mut String) {
    for (clause, action) in [(" ON DELETE ", on_delete), (" ON UPDATE ", on_update)] {
        if action != ReferentialAction::NoAction {
            out.push_str(clause);
            out.push_str(action.sql());
        }
    }
}

/// Writes `CONSTRAINT "name" CHECK (expression)`.
pub fn write_check(dialect: &dyn Dialect, check: &CheckMeta, out: &mut String) {
    out.push_str("CONSTRAINT ");
    dialect.write_ident(check.name, out);
    out.push_str(" CHECK (");
    out.push_str(check.sql);
    out.push(')');
}

/// Writes `("a", "b")`.
pub fn write_columns(dialect: &dyn Dialect, columns: &[&str], out: &mut String) {
    out.push('(');
    for (i, col) in columns.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        dialect.write_ident(col, out);
    }
    out.push(')');
}

/// `CREATE INDEX "name" ON "table" (..)`.
pub fn create_index(
    dialect: &dyn Dialect,
    table: &str,
    name: &str,
    columns: &[&str],
    if_not_exists: bool,
) -> String {
    let mut sql = String::from("CREATE INDEX ");
    if if_not_exists {
        sql.push_str("IF NOT EXISTS ");
    }
    dialect.write_ident(name, &mut sql);
    sql.push_str(" ON ");
    dialect.write_ident(table, &mut sql);
    sql.push(' ');
    write_columns(dialect, columns, &mut sql);
    sql
}

/// `ALTER TABLE "table" ADD CONSTRAINT "fk" FOREIGN KEY ..`.
pub fn add_foreign_key(dialect: &dyn Dialect, table: &str, fk: &ForeignKeyMeta) -> String {
    let mut sql = String::from("ALTER TABLE ");
    dialect.write_ident(table, &mut sql);
    sql.push_str(" ADD ");
    write_foreign_key(dialect, fk, &mut sql);
    sql
}

/// `ALTER TABLE "table" DROP CONSTRAINT "name"`.
pub fn drop_constraint(dialect: &dyn Dialect, table: &str, name: &str, if_exists: bool) -> String {
    let mut sql = String::from("ALTER TABLE ");
    if if_exists {
        sql.push_str("IF EXISTS ");
    }
    dialect.write_ident(table, &mut sql);
    sql.push_str(" DROP CONSTRAINT ");
    if if_exists {
        sql.push_str("IF EXISTS ");
    }
    dialect.write_ident(name, &mut sql);
    sql
}

/// The statement that drops `table`.
pub fn drop_table(dialect: &dyn Dialect, table: &TableMeta, if_exists: bool) -> String {
    drop_table_named(dialect, table.name, if_exists)
}

/// `DROP TABLE "name"`.
pub fn drop_table_named(dialect: &dyn Dialect, name: &str, if_exists: bool) -> String {
    let mut sql = String::from("DROP TABLE ");
    if if_exists {
        sql.push_str("IF EXISTS ");
    }
    dialect.write_ident(name, &mut sql);
    sql
}

/// The statements that create `tables`, each after the tables it
/// references, and after the enum types their columns use. Tables that reference each other in a cycle are created
/// without the foreign keys that close the cycle, which are then added by
/// `ALTER TABLE` — except on dialects that cannot alter constraints
/// (SQLite), which accept a reference to a table not created yet.
///
/// With `if_not_exists`, the `ALTER TABLE` closing a cycle fails if its
/// constraint exists already.
pub fn create_tables(
    dialect: &dyn Dialect,
    tables: &[&TableMeta],
    if_not_exists: bool,
) -> Vec<String> {
    let mut statements = super::type_ddl::create_enum_types(dialect, tables, if_not_exists);
    let Ordered { tables, deferred } = creation_order(tables, dialect.alter_constraints());
    for table in &tables {
        let skip: Vec<usize> = deferred
            .iter()
            .filter(|(t, _)| std::ptr::eq(*t, *table))
            .map(|(_, fk)| *fk)
            .collect();
        statements.extend(create_table_skipping(dialect, table, if_not_exists, &skip));
    }
    for (table, fk) in &deferred {
        statements.push(add_foreign_key(
            dialect,
            table.name,
            &table.foreign_keys[*fk],
        ));
    }
    statements
}

/// The statements that drop `tables`, each before the tables it
/// references, then the enum types their columns use. A cycle of references is first broken: its closing foreign
/// keys are dropped by `ALTER TABLE`, or, on dialects that cannot alter
/// constraints (SQLite), foreign-key checks are deferred to the commit.
pub fn drop_tables(dialect: &dyn Dialect, tables: &[&TableMeta], if_exists: bool) -> Vec<String> {
    let alter = dialect.alter_constraints();
    let types = super::type_ddl::drop_enum_types(dialect, tables, if_exists);
    let Ordered { tables, deferred } = creation_order(tables, true);
    let mut statements = Vec::new();
    if !deferred.is_empty() {
        match (alter, dialect.defer_foreign_keys()) {
            (true, _) => {
                for (table, fk) in &deferred {
                    let name = table.foreign_keys[*fk].name;
                    statements.push(drop_constraint(dialect, table.name, name, if_exists));
                }
            }
            (false, Some(defer)) => statements.push(defer.to_string()),
            (false, None) => {}
        }
    }
    statements.extend(
        tables
            .iter()
            .rev()
            .map(|t| drop_table(dialect, t, if_exists)),
    );
    statements.extend(types);
    statements
}
