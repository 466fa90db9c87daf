//! The SQL of a diff, in an order that works: foreign keys, indexes and
//! constraints to remove go first, then new tables, then column changes,
//! then new keys, constraints and indexes, and tables to drop last.

use orm_core::inspect::TableInfo;
use orm_core::sql::ddl;
use orm_core::{Dialect, TableMeta};

use super::table::{default_text, TableChanges};
use super::{rebuild, Change, Diff, Line};

/// Writes `name` quoted.
pub(crate) fn q(dialect: &dyn Dialect, name: &str) -> String {
    let mut out = String::new();
    dialect.write_ident(name, &mut out);
    out
}

/// Collects changes and lines.
pub(crate) struct Out {
    pub diff: Diff,
}

impl Out {
    pub fn change(&mut self, change: Change) {
        self.diff.lines.push(Line::Comment(change.to_string()));
        self.diff.changes.push(change);
    }
    pub fn comment(&mut self, text: impl Into<String>) {
        self.diff.lines.push(Line::Comment(text.into()));
    }
    pub fn sql(&mut self, sql: impl Into<String>) {
        self.diff.lines.push(Line::Sql(sql.into()));
    }
}

fn alter(dialect: &dyn Dialect, table: &str) -> String {
    format!("ALTER TABLE {} ", q(dialect, table))
}

fn names(columns: &[&str]) -> Vec<String> {
    columns.iter().map(|c| c.to_string()).collect()
}

/// Plans the whole diff.
pub(crate) fn plan(
    dialect: &dyn Dialect,
    kept: &[TableChanges<'_>],
    created: &[&'static TableMeta],
    dropped: &[&TableInfo],
    database: &[TableInfo],
) -> Diff {
    let mut out = Out {
        diff: Diff::default(),
    };
    let alters = dialect.alter_constraints();
    let in_place: Vec<&TableChanges<'_>> = kept
        .iter()
        .filter(|t| !t.is_empty() && (alters || !t.needs_rebuild()))
        .collect();

    // 1. What goes away first: foreign keys, indexes, unique constraints, keys.
    for t in &in_place {
        let table = t.meta.name;
        for fk in &t.fks_dropped {
            out.change(Change::DropForeignKey(
                table.into(),
                fk.columns.clone(),
                fk.target_table.clone(),
            ));
            if let Some(name) = &fk.name {
                out.sql(ddl::drop_constraint(dialect, table, name, false));
            }
        }
    }
    for t in &in_place {
        let table = t.meta.name;
        for index in &t.indexes_dropped {
            out.change(Change::DropIndex(table.into(), index.name.clone()));
            out.sql(format!("DROP INDEX {}", q(dialect, &index.name)));
        }
        for unique in &t.uniques_dropped {
            out.change(Change::DropUnique(table.into(), unique.columns.clone()));
            if let Some(name) = &unique.name {
                out.sql(ddl::drop_constraint(dialect, table, name, false));
            }
        }
        if t.primary_key {
            if let Some(name) = &t.db.primary_key_name {
                out.comment(format!(
                    "drop the primary key of {table}, to be redeclared below"
                ));
                out.sql(ddl::drop_constraint(dialect, table, name, false));
            }
        }
    }

    // 2. New tables, each after those it references.
    if !created.is_empty() {
        for m in created {
            out.change(Change::CreateTable(m.name.into()));
        }
        for sql in ddl::create_tables(dialect, created, false) {
            out.sql(sql);
        }
    }

    // 3. Columns, or whole tables rebuilt where columns cannot be altered.
    for t in kept.iter().filter(|t| !t.is_empty()) {
        if alters || !t.needs_rebuild() {
            columns(dialect, t, &mut out);
        } else {
            rebuild::table(dialect, t, database, &mut out);
        }
    }

    // 4. What comes in: keys, unique constraints, indexes, foreign keys.
    for t in &in_place {
        let table = t.meta.name;
        if t.primary_key {
            out.change(Change::AlterPrimaryKey(
                table.into(),
                names(&t.meta.primary_key_columns()),
            ));
            let mut sql = alter(dialect, table);
            sql.push_str("ADD ");
            ddl::write_primary_key(dialect, t.meta, &mut sql);
            out.sql(sql);
        }
        for (name, columns) in &t.uniques_added {
            out.change(Change::AddUnique(table.into(), names(columns)));
            let mut sql = alter(dialect, table);
            sql.push_str("ADD ");
            ddl::write_unique(dialect, name, columns, &mut sql);
            out.sql(sql);
        }
        for (name, columns) in &t.indexes_added {
            out.change(Change::AddIndex(table.into(), name.clone()));
            out.sql(ddl::create_index(dialect, table, name, columns, false));
        }
    }
    for t in &in_place {
        for fk in &t.fks_added {
            out.change(Change::AddForeignKey(
                t.meta.name.into(),
                names(fk.columns),
                fk.target_table().name.into(),
            ));
            out.sql(ddl::add_foreign_key(dialect, t.meta.name, fk));
        }
    }

    // 5. Tables without a model, referencing tables before referenced ones.
    let order = drop_order(dropped);
    for t in &order {
        out.change(Change::DropTable(t.name.clone()));
    }
    if !order.is_empty() && !created.is_empty() {
        out.comment(
            "a table dropped and another created: if it was renamed, replace both with \
             ALTER TABLE \"old\" RENAME TO \"new\" to keep its rows",
        );
    }
    if !alters && order.iter().any(|t| !t.foreign_keys.is_empty()) {
        if let Some(defer) = dialect.defer_foreign_keys() {
            out.sql(defer);
        }
    }
    for t in order {
        out.sql(ddl::drop_table_named(dialect, &t.name, false));
    }
    out.diff
}

/// Tables to drop, each before the tables (to be dropped) it references.
fn drop_order<'a>(tables: &[&'a TableInfo]) -> Vec<&'a TableInfo> {
    let mut remaining: Vec<&TableInfo> = tables.to_vec();
    let mut order = Vec::new();
    while !remaining.is_empty() {
        let referenced = |t: &TableInfo, rest: &[&TableInfo]| {
            rest.iter().any(|o| {
                o.name != t.name && o.foreign_keys.iter().any(|f| f.target_table == t.name)
            })
        };
        let next = remaining
            .iter()
            .position(|t| !referenced(t, &remaining))
            .unwrap_or(0);
        order.push(remaining.remove(next));
    }
    order
}

/// Column changes of a table altered in place.
fn columns(dialect: &dyn Dialect, t: &TableChanges<'_>, out: &mut Out) {
    let table = t.meta.name;
    for col in &t.added {
        out.change(Change::AddColumn(table.into(), col.name.into()));
        if !col.nullable && col.default.is_none() {
            out.comment(format!(
                "{table}.{} is NOT NULL without a default: this fails on a table with rows; \
                 add it NULL-able, fill it, then make it NOT NULL",
                col.name
            ));
        }
        let mut sql = alter(dialect, table);
        sql.push_str("ADD COLUMN ");
        ddl::write_column(dialect, col, &mut sql);
        out.sql(sql);
    }
    for a in &t.altered {
        let column = q(dialect, a.model.name);
        let prefix = format!("{}ALTER COLUMN {column} ", alter(dialect, table));
        if a.ty {
            let ty = dialect.column_type(a.model.sql_type);
            out.change(Change::AlterType(
                table.into(),
                a.model.name.into(),
                a.db.data_type.clone(),
                ty.into(),
            ));
            out.sql(format!("{prefix}TYPE {ty} USING {column}::{ty}"));
        }
        if a.default {
            let default = default_text(dialect, a.model);
            out.change(Change::AlterDefault(
                table.into(),
                a.model.name.into(),
                default.clone(),
            ));
            match default {
                Some(d) => out.sql(format!("{prefix}SET DEFAULT {d}")),
                None => out.sql(format!("{prefix}DROP DEFAULT")),
            }
        }
        if a.nullable {
            out.change(Change::AlterNullable(
                table.into(),
                a.model.name.into(),
                a.model.nullable,
            ));
            if a.model.nullable {
                out.sql(format!("{prefix}DROP NOT NULL"));
            } else {
                match default_text(dialect, a.model) {
                    Some(d) => out.sql(format!(
                        "UPDATE {} SET {column} = {d} WHERE {column} IS NULL",
                        q(dialect, table)
                    )),
                    None => out.comment(format!(
                        "rows where {table}.{} is NULL must be given a value first, or this fails",
                        a.model.name
                    )),
                }
                out.sql(format!("{prefix}SET NOT NULL"));
            }
        }
    }
    for col in &t.dropped {
        out.change(Change::DropColumn(table.into(), col.name.clone()));
        out.sql(format!(
            "{}DROP COLUMN {}",
            alter(dialect, table),
            q(dialect, &col.name)
        ));
    }
    if !t.added.is_empty() && !t.dropped.is_empty() {
        out.comment(format!(
            "columns of {table} dropped and added: if one was renamed, replace its drop and add \
             with ALTER TABLE {} RENAME COLUMN \"old\" TO \"new\" to keep its values",
            q(dialect, table)
        ));
    }
}
