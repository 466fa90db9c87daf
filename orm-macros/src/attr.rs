//! Reading `#[column(...)]`, and the helpers `#[table(...)]` shares: which
//! keys are given and their values, with an error at the offending key or
//! value for every mistake.

use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, Lit, LitStr, Path, UnOp};

use crate::model::{DefaultKind, DefaultLit};

/// The keys `#[column(...)]` accepts.
const COLUMN_KEYS: &str =
    "name, primary_key, auto, unique, index, default, references, on_delete, on_update, check, json";

/// `#[column(...)]`, merged over every occurrence on a field.
#[derive(Default)]
pub struct ColumnAttrs {
    /// `name = "..."`
    pub name: Option<String>,
    /// `primary_key`
    pub primary_key: bool,
    /// `auto`, at its key.
    pub auto: Option<Span>,
    /// `unique`
    pub unique: bool,
    /// `index`
    pub index: bool,
    /// `default = <literal>`
    pub default: Option<DefaultLit>,
    /// `references = Model`
    pub references: Option<Path>,
    /// `on_delete = "..."`
    pub on_delete: Option<ActionLit>,
    /// `on_update = "..."`
    pub on_update: Option<ActionLit>,
    /// `check = "sql"`
    pub check: Option<LitStr>,
    /// `json`, at its key.
    pub json: Option<Span>,
}

impl ColumnAttrs {
    /// Reads a field's attributes.
    pub fn parse(attrs: &[Attribute]) -> syn::Result<Self> {
        let mut out = ColumnAttrs::default();
        for attr in attrs {
            if attr.path().is_ident("table") {
                return Err(syn::Error::new_spanned(
                    attr,
                    "`#[table(...)]` goes on the struct; on a field, use `#[column(...)]`",
                ));
            }
            if !attr.path().is_ident("column") {
                continue;
            }
            attr.parse_nested_meta(|meta| {
                let key = meta_key(&meta);
                match key.as_str() {
                    "name" => {
                        once(&meta, out.name.is_some(), "column")?;
                        out.name = Some(name_value(&meta, "column")?);
                    }
                    "primary_key" => out.primary_key = flag(&meta, out.primary_key)?,
                    "auto" => {
                        flag(&meta, out.auto.is_some())?;
                        out.auto = Some(meta.path.span());
                    }
                    "unique" => out.unique = flag(&meta, out.unique)?,
                    "json" => {
                        flag(&meta, out.json.is_some())?;
                        out.json = Some(meta.path.span());
                    }
                    "index" => out.index = flag(&meta, out.index)?,
                    "default" => {
                        once(&meta, out.default.is_some(), "column")?;
                        out.default = Some(default_value(&meta)?);
                    }
                    "references" => {
                        once(&meta, out.references.is_some(), "column")?;
                        out.references = Some(path_value(&meta, "#[column(references = User)]")?);
                    }
                    "on_delete" => {
                        once(&meta, out.on_delete.is_some(), "column")?;
                        out.on_delete =
                            Some(action_value(&meta, "#[column(on_delete = \"cascade\")]")?);
                    }
                    "on_update" => {
                        once(&meta, out.on_update.is_some(), "column")?;
                        out.on_update =
                            Some(action_value(&meta, "#[column(on_update = \"cascade\")]")?);
                    }
                    "check" => {
                        once(&meta, out.check.is_some(), "column")?;
                        out.check = Some(sql_value(&meta, "#[column(check = \"karma >= 0\")]")?);
                    }
                    _ => {
                        return Err(meta.error(format!(
                            "unknown column attribute `{key}`; expected one of: {COLUMN_KEYS}"
                        )))
                    }
                }
                Ok(())
            })?;
        }
        if out.references.is_none() {
            if let Some(action) = out.on_delete.as_ref().or(out.on_update.as_ref()) {
                return Err(syn::Error::new(
                    action.key_span,
                    format!(
                        "`{}` applies to a foreign key: add `references = Model` to this column",
                        action.key
                    ),
                ));
            }
        }
        Ok(out)
    }
}

/// `on_delete = "cascade"`: a referential action, with where it was written.
#[derive(Debug, Clone)]
pub struct ActionLit {
    /// The action.
    pub action: Referential,
    /// The key as written (`on_delete`, `on_update`).
    pub key: String,
    /// The key's span.
    pub key_span: Span,
    /// The value's span.
    pub span: Span,
}

/// The referential actions of a foreign key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Referential {
    /// `no action`
    NoAction,
    /// `restrict`
    Restrict,
    /// `cascade`
    Cascade,
    /// `set null`
    SetNull,
    /// `set default`
    SetDefault,
}

impl Referential {
    /// The variant of `ReferentialAction` naming it.
    pub fn variant(self) -> &'static str {
        match self {
            Referential::NoAction => "NoAction",
            Referential::Restrict => "Restrict",
            Referential::Cascade => "Cascade",
            Referential::SetNull => "SetNull",
            Referential::SetDefault => "SetDefault",
        }
    }
}

/// `on_delete = "..."` / `on_update = "..."`;
/// `form` is the correct form, for the message.
pub fn action_value(meta: &ParseNestedMeta<'_>, form: &str) -> syn::Result<ActionLit> {
    let key = meta_key(meta);
    let lit = string_value(meta, form)?;
    let words: Vec<String> = lit
        .value()
        .split_whitespace()
        .map(str::to_lowercase)
        .collect();
    let action = match words.join(" ").as_str() {
        "cascade" => Referential::Cascade,
        "set null" => Referential::SetNull,
        "set default" => Referential::SetDefault,
        "restrict" => Referential::Restrict,
        "no action" => Referential::NoAction,
        _ => {
            return Err(syn::Error::new_spanned(
                &lit,
                format!(
                    "unknown action {}: `{key}` is one of \"cascade\", \"set null\", \
                     \"set default\", \"restrict\", \"no action\"",
                    quote::quote!(#lit)
                ),
            ))
        }
    };
    Ok(ActionLit {
        action,
        key,
        key_span: meta.path.span(),
        span: lit.span(),
    })
}

/// `key = Path` (a model's type).
pub fn path_value(meta: &ParseNestedMeta<'_>, form: &str) -> syn::Result<Path> {
    let key = meta_key(meta);
    if !meta.input.peek(syn::Token![=]) {
        return Err(meta.error(format!("`{key}` needs a model: `{form}`")));
    }
    let expr: Expr = meta.value()?.parse()?;
    match expr {
        Expr::Path(p) if p.qself.is_none() => Ok(p.path),
        other => Err(syn::Error::new_spanned(
            other,
            format!("`{key}` must name a model (a struct with `#[derive(Table)]`): `{form}`"),
        )),
    }
}

/// `key = "sql"`: a non-empty string of SQL.
pub fn sql_value(meta: &ParseNestedMeta<'_>, form: &str) -> syn::Result<LitStr> {
    let lit = string_value(meta, form)?;
    if lit.value().trim().is_empty() {
        return Err(syn::Error::new_spanned(
            &lit,
            format!("`{}` cannot be empty: `{form}`", meta_key(meta)),
        ));
    }
    Ok(lit)
}

/// The key of a nested meta item as written (keywords such as `crate`
/// included).
pub fn meta_key(meta: &ParseNestedMeta<'_>) -> String {
    let path = &meta.path;
    match path.get_ident() {
        Some(ident) => ident.unraw().to_string(),
        None => quote::quote!(#path).to_string().replace(' ', ""),
    }
}

/// Rejects a key given twice.
pub fn once(meta: &ParseNestedMeta<'_>, seen: bool, attr: &str) -> syn::Result<()> {
    if seen {
        return Err(meta.error(format!("duplicate {attr} attribute `{}`", meta_key(meta))));
    }
    Ok(())
}

/// A key that takes no value (`unique`); returns `true`.
pub fn flag(meta: &ParseNestedMeta<'_>, seen: bool) -> syn::Result<bool> {
    once(meta, seen, "column")?;
    if !meta.input.is_empty() && !meta.input.peek(syn::Token![,]) {
        let key = meta_key(meta);
        return Err(meta.error(format!("`{key}` takes no value: write `#[column({key})]`")));
    }
    Ok(true)
}

/// The string after `key =`; `form` is the correct form, for the message.
pub fn string_value(meta: &ParseNestedMeta<'_>, form: &str) -> syn::Result<LitStr> {
    let key = meta_key(meta);
    let missing = || meta.error(format!("`{key}` needs a value: `{form}`"));
    if !meta.input.peek(syn::Token![=]) {
        return Err(missing());
    }
    let expr: Expr = meta.value()?.parse()?;
    match expr {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Str(lit), ..
        }) => Ok(lit),
        other => Err(syn::Error::new_spanned(
            other,
            format!("`{key}` must be a string: `{form}`"),
        )),
    }
}

/// `name = "..."`, a non-empty name.
pub fn name_value(meta: &ParseNestedMeta<'_>, attr: &str) -> syn::Result<String> {
    let lit = string_value(meta, &format!("#[{attr}(name = \"...\")]"))?;
    let name = lit.value();
    if name.is_empty() {
        return Err(syn::Error::new_spanned(
            lit,
            format!("a {attr} name cannot be empty"),
        ));
    }
    Ok(name)
}

/// `default = <literal>`.
fn default_value(meta: &ParseNestedMeta<'_>) -> syn::Result<DefaultLit> {
    const FORM: &str = "`default` must be a literal: an integer, a float, `true`, `false` \
                        or a string, e.g. `#[column(default = 0)]`";
    if !meta.input.peek(syn::Token![=]) {
        return Err(meta.error("`default` needs a value, e.g. `#[column(default = 0)]`"));
    }
    let expr: Expr = meta.value()?.parse()?;
    let text = quote::quote!(#expr).to_string().replace("- ", "-");
    let (negative, lit) = match &expr {
        Expr::Lit(lit) => (false, &lit.lit),
        Expr::Unary(unary) if matches!(unary.op, UnOp::Neg(_)) => match &*unary.expr {
            Expr::Lit(lit) if matches!(lit.lit, Lit::Int(_) | Lit::Float(_)) => (true, &lit.lit),
            _ => return Err(syn::Error::new_spanned(&expr, FORM)),
        },
        _ => return Err(syn::Error::new_spanned(&expr, FORM)),
    };
    let span = lit.span();
    let value = match lit {
        Lit::Int(int) => {
            let magnitude: i128 = int.base10_parse().map_err(|_| out_of_range(&expr))?;
            let value = if negative { -magnitude } else { magnitude };
            DefaultKind::Int(i64::try_from(value).map_err(|_| out_of_range(&expr))?)
        }
        Lit::Float(float) => {
            let magnitude: f64 = float.base10_parse()?;
            if !magnitude.is_finite() {
                return Err(out_of_range(&expr));
            }
            DefaultKind::Float(if negative { -magnitude } else { magnitude })
        }
        Lit::Bool(b) => DefaultKind::Bool(b.value),
        Lit::Str(s) => DefaultKind::Text(s.value()),
        _ => return Err(syn::Error::new_spanned(&expr, FORM)),
    };
    Ok(DefaultLit { value, span, text })
}

fn out_of_range(expr: &Expr) -> syn::Error {
    syn::Error::new_spanned(
        expr,
        "this default is out of range: integers must fit in an i64, floats in an f64",
    )
}
