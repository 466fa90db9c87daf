//! Reading `#[table(...)]`: the table's name, the crate path, and the
//! table-level constraints (`unique(..)`, `index(..)`, `check(..)`,
//! `foreign_key(..)`), with an error at the offending token for every
//! mistake.

use proc_macro2::Span;
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::{Attribute, Ident, LitStr, Path};

use crate::attr::{
    action_value, meta_key, name_value, once, path_value, sql_value, string_value, ActionLit,
};

/// The keys `#[table(...)]` accepts.
const TABLE_KEYS: &str = "name, crate, unique, index, check, foreign_key";

/// `#[table(...)]`, merged over every occurrence on the struct.
#[derive(Default)]
pub struct TableAttrs {
    /// `name = "..."`
    pub name: Option<String>,
    /// `crate = "path"`
    pub krate: Option<Path>,
    /// `unique(a, b[, name = "..."])`, each occurrence.
    pub uniques: Vec<ColumnList>,
    /// `index(a, b[, name = "..."])`, each occurrence.
    pub indexes: Vec<ColumnList>,
    /// `check = "sql"` or `check(sql = "...", name = "...")`.
    pub checks: Vec<CheckAttr>,
    /// `foreign_key(columns(a, b), references = Model, ...)`.
    pub foreign_keys: Vec<ForeignKeyAttr>,
}

/// Fields named in `unique(..)`, `index(..)` or `columns(..)`, and an
/// optional `name = "..."`.
pub struct ColumnList {
    /// The fields, as written.
    pub fields: Vec<Ident>,
    /// `name = "..."`.
    pub name: Option<LitStr>,
    /// The key (`unique`, `index`), for errors about the whole list.
    pub span: Span,
}

/// A table-level `CHECK`.
pub struct CheckAttr {
    /// `name = "..."`.
    pub name: Option<LitStr>,
    /// The SQL expression.
    pub sql: LitStr,
}

/// A table-level (possibly composite) foreign key.
pub struct ForeignKeyAttr {
    /// `columns(a, b)`.
    pub fields: ColumnList,
    /// `references = Model`.
    pub references: Path,
    /// `on_delete = "..."`.
    pub on_delete: Option<ActionLit>,
    /// `on_update = "..."`.
    pub on_update: Option<ActionLit>,
    /// `name = "..."`.
    pub name: Option<LitStr>,
}

impl TableAttrs {
    /// Reads the struct's attributes.
    pub fn parse(attrs: &[Attribute]) -> syn::Result<Self> {
        let mut out = TableAttrs::default();
        for attr in attrs {
            if attr.path().is_ident("column") {
                return Err(syn::Error::new_spanned(
                    attr,
                    "`#[column(...)]` goes on a field; on the struct, use `#[table(...)]`",
                ));
            }
            if !attr.path().is_ident("table") {
                continue;
            }
            attr.parse_nested_meta(|meta| {
                let key = meta_key(&meta);
                match key.as_str() {
                    "name" => {
                        once(&meta, out.name.is_some(), "table")?;
                        out.name = Some(name_value(&meta, "table")?);
                    }
                    "crate" => {
                        once(&meta, out.krate.is_some(), "table")?;
                        let lit = string_value(&meta, "#[table(crate = \"path\")]")?;
                        out.krate = Some(lit.parse::<Path>().map_err(|_| {
                            syn::Error::new_spanned(
                                &lit,
                                "`crate` must be a path to orm's items, e.g. \
                                 `#[table(crate = \"orm_core\")]`",
                            )
                        })?);
                    }
                    "unique" => out.uniques.push(column_list(&meta, "unique(a, b)", true)?),
                    "index" => out.indexes.push(column_list(&meta, "index(a, b)", true)?),
                    "check" => out.checks.push(check(&meta)?),
                    "foreign_key" => out.foreign_keys.push(foreign_key(&meta)?),
                    _ => {
                        return Err(meta.error(format!(
                            "unknown table attribute `{key}`; expected one of: {TABLE_KEYS}"
                        )))
                    }
                }
                Ok(())
            })?;
        }
        Ok(out)
    }
}

/// `key(a, b)`, with `name = "..."` among them when `named`.
fn column_list(meta: &ParseNestedMeta<'_>, form: &str, named: bool) -> syn::Result<ColumnList> {
    let key = meta_key(meta);
    let form = format!("#[table({form})]");
    if !meta.input.peek(syn::token::Paren) {
        return Err(meta.error(format!("`{key}` needs a list of fields: `{form}`")));
    }
    let fork = meta.input.fork();
    let content;
    syn::parenthesized!(content in fork);
    if content.is_empty() {
        return Err(meta.error(format!("`{key}(...)` needs at least one field: `{form}`")));
    }
    let mut list = ColumnList {
        fields: Vec::new(),
        name: None,
        span: meta.path.span(),
    };
    meta.parse_nested_meta(|item| {
        let item_key = meta_key(&item);
        if named && item_key == "name" && item.input.peek(syn::Token![=]) {
            once(&item, list.name.is_some(), "table")?;
            list.name = Some(non_empty(string_value(
                &item,
                &format!("#[table({key}(a, b, name = \"...\"))]"),
            )?)?);
            return Ok(());
        }
        let field = match item.path.get_ident() {
            Some(ident) if item.input.is_empty() || item.input.peek(syn::Token![,]) => ident,
            _ => {
                let extra = if named { " and `name = \"...\"`" } else { "" };
                return Err(item.error(format!("`{key}(...)` takes field names{extra}: `{form}`")));
            }
        };
        if list.fields.iter().any(|f| f == field) {
            return Err(syn::Error::new_spanned(
                field,
                format!("field `{field}` is listed twice in `{key}(...)`"),
            ));
        }
        list.fields.push(field.clone());
        Ok(())
    })?;
    if list.fields.is_empty() {
        return Err(syn::Error::new(
            list.span,
            format!("`{key}(...)` needs at least one field: `{form}`"),
        ));
    }
    Ok(list)
}

/// `check = "sql"` or `check(sql = "...", name = "...")`.
fn check(meta: &ParseNestedMeta<'_>) -> syn::Result<CheckAttr> {
    const FORM: &str = "#[table(check(name = \"...\", sql = \"...\"))]";
    if meta.input.peek(syn::Token![=]) {
        let sql = sql_value(meta, "#[table(check = \"a < b\")]")?;
        return Ok(CheckAttr { name: None, sql });
    }
    if !meta.input.peek(syn::token::Paren) {
        return Err(meta.error(format!("`check` needs an expression: `{FORM}`")));
    }
    let (mut name, mut sql) = (None, None);
    meta.parse_nested_meta(|item| {
        match meta_key(&item).as_str() {
            "name" => {
                once(&item, name.is_some(), "table")?;
                name = Some(non_empty(string_value(&item, FORM)?)?);
            }
            "sql" => {
                once(&item, sql.is_some(), "table")?;
                sql = Some(sql_value(&item, FORM)?);
            }
            other => {
                return Err(item.error(format!(
                    "unknown key `{other}` in `check(...)`; expected `name` and `sql`: `{FORM}`"
                )))
            }
        }
        Ok(())
    })?;
    match sql {
        Some(sql) => Ok(CheckAttr { name, sql }),
        None => Err(meta.error(format!("`check(...)` needs `sql = \"...\"`: `{FORM}`"))),
    }
}

/// `foreign_key(columns(a, b), references = Model, on_delete = "..", on_update = "..", name = "..")`.
fn foreign_key(meta: &ParseNestedMeta<'_>) -> syn::Result<ForeignKeyAttr> {
    const FORM: &str = "#[table(foreign_key(columns(a, b), references = Model))]";
    if !meta.input.peek(syn::token::Paren) {
        return Err(meta.error(format!(
            "`foreign_key` needs its columns and target: `{FORM}`"
        )));
    }
    let (mut fields, mut references, mut name) = (None, None, None);
    let (mut on_delete, mut on_update) = (None, None);
    meta.parse_nested_meta(|item| {
        match meta_key(&item).as_str() {
            "columns" => {
                once(&item, fields.is_some(), "table")?;
                fields = Some(column_list(&item, "foreign_key(columns(a, b), ..)", false)?);
            }
            "references" => {
                once(&item, references.is_some(), "table")?;
                references = Some(path_value(&item, FORM)?);
            }
            "on_delete" => {
                once(&item, on_delete.is_some(), "table")?;
                on_delete = Some(action_value(
                    &item,
                    "#[table(foreign_key(.., on_delete = \"cascade\"))]",
                )?);
            }
            "on_update" => {
                once(&item, on_update.is_some(), "table")?;
                on_update = Some(action_value(
                    &item,
                    "#[table(foreign_key(.., on_update = \"cascade\"))]",
                )?);
            }
            "name" => {
                once(&item, name.is_some(), "table")?;
                name = Some(non_empty(string_value(&item, FORM)?)?);
            }
            other => {
                return Err(item.error(format!(
                    "unknown key `{other}` in `foreign_key(...)`; expected one of: columns, \
                     references, on_delete, on_update, name"
                )))
            }
        }
        Ok(())
    })?;
    let missing = |what: &str| meta.error(format!("`foreign_key(...)` needs `{what}`: `{FORM}`"));
    Ok(ForeignKeyAttr {
        fields: fields.ok_or_else(|| missing("columns(...)"))?,
        references: references.ok_or_else(|| missing("references = Model"))?,
        on_delete,
        on_update,
        name,
    })
}

fn non_empty(lit: LitStr) -> syn::Result<LitStr> {
    if lit.value().is_empty() {
        return Err(syn::Error::new_spanned(
            &lit,
            "a constraint name cannot be empty",
        ));
    }
    Ok(lit)
}
