//! The table's constraints beyond its primary key, resolved from
//! `#[table(...)]` and `#[column(...)]`: fields named in lists become column
//! names, unnamed constraints get their default names, and every name is
//! checked to be unique within the table.

use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Ident, Path};

use crate::attr::{ActionLit, Referential};
use crate::model::FieldModel;
use crate::table_attr::{ColumnList, TableAttrs};

/// Constraints and indexes other than the primary key and the single-column
/// `unique` / `index` flags (which stay on their fields).
#[derive(Debug, Default)]
pub struct Constraints {
    /// `#[table(unique(..))]`.
    pub uniques: Vec<NamedColumns>,
    /// `#[table(index(..))]`.
    pub indexes: Vec<NamedColumns>,
    /// `#[column(references = ..)]` in field order, then `#[table(foreign_key(..))]`.
    pub foreign_keys: Vec<ForeignKeyModel>,
    /// `#[column(check = ..)]` in field order, then `#[table(check(..))]`.
    pub checks: Vec<CheckModel>,
}

/// A named list of columns.
#[derive(Debug)]
pub struct NamedColumns {
    /// The constraint's or index's name.
    pub name: String,
    /// Column names, in order.
    pub columns: Vec<String>,
}

/// A foreign key.
#[derive(Debug)]
pub struct ForeignKeyModel {
    /// The constraint's name.
    pub name: String,
    /// Indexes into the model's fields of the referencing columns.
    pub fields: Vec<usize>,
    /// Column names of `fields`.
    pub columns: Vec<String>,
    /// The referenced model (`Self` replaced by the struct's name).
    pub target: Path,
    /// `ON DELETE`, with where it was written.
    pub on_delete: Option<ActionLit>,
    /// `ON UPDATE`, with where it was written.
    pub on_update: Option<ActionLit>,
}

impl ForeignKeyModel {
    /// The `on_delete` / `on_update` that set columns to NULL, if any.
    pub fn set_null(&self) -> impl Iterator<Item = &ActionLit> {
        [&self.on_delete, &self.on_update]
            .into_iter()
            .flatten()
            .filter(|a| a.action == Referential::SetNull)
    }
}

/// A `CHECK` constraint.
#[derive(Debug)]
pub struct CheckModel {
    /// The constraint's name.
    pub name: String,
    /// The SQL expression, as written.
    pub sql: String,
}

impl Constraints {
    /// Resolves the constraints of table `table` (struct `ident`).
    pub fn build(
        table: &str,
        ident: &Ident,
        fields: &[FieldModel],
        attrs: &TableAttrs,
    ) -> syn::Result<Self> {
        let mut out = Constraints::default();
        let mut names = Names::new(table, fields);
        for (idx, field) in fields.iter().enumerate() {
            if let Some(target) = &field.references {
                let name = format!("{table}_{}_fkey", field.column);
                names.claim(&name, target.span())?;
                out.foreign_keys.push(ForeignKeyModel {
                    name,
                    fields: vec![idx],
                    columns: vec![field.column.clone()],
                    target: self_to(target, ident),
                    on_delete: field.on_delete.clone(),
                    on_update: field.on_update.clone(),
                });
            }
            if let Some(sql) = &field.check {
                let name = format!("{table}_{}_check", field.column);
                names.claim(&name, sql.span())?;
                out.checks.push(CheckModel {
                    name,
                    sql: sql.value(),
                });
            }
        }
        for list in &attrs.uniques {
            out.uniques
                .push(named_list(table, "key", list, fields, &mut names)?);
        }
        for list in &attrs.indexes {
            out.indexes
                .push(named_list(table, "idx", list, fields, &mut names)?);
        }
        for fk in &attrs.foreign_keys {
            let fields_idx = resolve(&fk.fields, fields)?;
            let columns: Vec<String> = fields_idx
                .iter()
                .map(|i| fields[*i].column.clone())
                .collect();
            let name = match &fk.name {
                Some(lit) => (lit.value(), lit.span()),
                None => (
                    format!("{table}_{}_fkey", columns.join("_")),
                    fk.fields.span,
                ),
            };
            names.claim(&name.0, name.1)?;
            out.foreign_keys.push(ForeignKeyModel {
                name: name.0,
                fields: fields_idx,
                columns,
                target: self_to(&fk.references, ident),
                on_delete: fk.on_delete.clone(),
                on_update: fk.on_update.clone(),
            });
        }
        let mut unnamed = 0;
        for check in &attrs.checks {
            let (name, span) = match &check.name {
                Some(lit) => (lit.value(), lit.span()),
                None => {
                    let name = match unnamed {
                        0 => format!("{table}_check"),
                        n => format!("{table}_check{n}"),
                    };
                    unnamed += 1;
                    (name, check.sql.span())
                }
            };
            names.claim(&name, span)?;
            out.checks.push(CheckModel {
                name,
                sql: check.sql.value(),
            });
        }
        Ok(out)
    }
}

/// A `unique(..)` or `index(..)`: its columns and its name
/// (`<table>_<a>_<b>_<suffix>` unless given).
fn named_list(
    table: &str,
    suffix: &str,
    list: &ColumnList,
    fields: &[FieldModel],
    names: &mut Names,
) -> syn::Result<NamedColumns> {
    let columns: Vec<String> = resolve(list, fields)?
        .into_iter()
        .map(|i| fields[i].column.clone())
        .collect();
    let (name, span) = match &list.name {
        Some(lit) => (lit.value(), lit.span()),
        None => (format!("{table}_{}_{suffix}", columns.join("_")), list.span),
    };
    names.claim(&name, span)?;
    Ok(NamedColumns { name, columns })
}

/// The indexes of the fields a list names; an unknown name is an error at it.
fn resolve(list: &ColumnList, fields: &[FieldModel]) -> syn::Result<Vec<usize>> {
    list.fields
        .iter()
        .map(|name| {
            fields
                .iter()
                .position(|f| f.ident.unraw() == name.unraw())
                .ok_or_else(|| {
                    let known: Vec<String> =
                        fields.iter().map(|f| f.ident.unraw().to_string()).collect();
                    syn::Error::new_spanned(
                        name,
                        format!(
                            "no field `{}` in this struct; the fields are: {}",
                            name.unraw(),
                            known.join(", ")
                        ),
                    )
                })
        })
        .collect()
}

/// `Self` means the struct itself; inside the generated statics it must be
/// spelled by name.
fn self_to(path: &Path, ident: &Ident) -> Path {
    if path.is_ident("Self") {
        let mut ident = ident.clone();
        ident.set_span(path.span());
        Path::from(ident)
    } else {
        path.clone()
    }
}

/// The names of a table's constraints and indexes, which share one
/// namespace (on PostgreSQL, a unique constraint is also an index).
struct Names(Vec<String>);

impl Names {
    fn new(table: &str, fields: &[FieldModel]) -> Self {
        let mut names = vec![format!("{table}_pkey")];
        for f in fields {
            if f.unique {
                names.push(format!("{table}_{}_key", f.column));
            }
            if f.index {
                names.push(format!("{table}_{}_idx", f.column));
            }
        }
        Names(names)
    }

    fn claim(&mut self, name: &str, span: Span) -> syn::Result<()> {
        if self.0.iter().any(|n| n == name) {
            return Err(syn::Error::new(
                span,
                format!(
                    "two constraints or indexes of this table are named `{name}`: give one \
                     of them `name = \"...\"`"
                ),
            ));
        }
        self.0.push(name.to_string());
        Ok(())
    }
}
