//! `#[derive(FromRow)]`: reading the struct into a model of which field
//! reads which column. Every mistake is an error at the offending token.

use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, Ident, LitStr, Path, Type};

use crate::attr::{meta_key, once, string_value};

/// The keys `#[row(...)]` accepts on a field.
const FIELD_KEYS: &str = "rename";
/// The keys `#[row(...)]` accepts on the struct.
const STRUCT_KEYS: &str = "crate";

/// A struct whose fields are read from the result's columns by name.
pub struct RowModel {
    /// The struct.
    pub ident: Ident,
    /// Its generics, passed through to the impl.
    pub generics: syn::Generics,
    /// Where orm's items are.
    pub krate: Path,
    /// Its fields, in declaration order.
    pub fields: Vec<RowField>,
}

/// A field and the column it is read from.
pub struct RowField {
    /// The field.
    pub ident: Ident,
    /// Its type.
    pub ty: Type,
    /// The column's name: the field's, or its `rename`.
    pub column: String,
}

impl RowModel {
    /// Reads the derive's input.
    pub fn parse(input: &DeriveInput) -> syn::Result<Self> {
        let named =
            match &input.data {
                Data::Struct(s) => match &s.fields {
                    Fields::Named(named) => named,
                    other => return Err(syn::Error::new(
                        if matches!(other, Fields::Unit) {
                            input.ident.span()
                        } else {
                            other.span()
                        },
                        "`#[derive(FromRow)]` reads columns by field name: give the struct named \
                         fields, as in `struct Row { id: i64, name: String }`",
                    )),
                },
                Data::Enum(e) => return Err(syn::Error::new(
                    e.enum_token.span,
                    "`#[derive(FromRow)]` needs a struct with named fields, not an enum: write \
                     `struct Row { id: i64, name: String }`",
                )),
                Data::Union(u) => {
                    return Err(syn::Error::new(
                        u.union_token.span,
                        "`#[derive(FromRow)]` needs a struct with named fields, not a union",
                    ))
                }
            };
        let krate =
            struct_crate(&input.attrs)?.unwrap_or_else(|| syn::parse_quote!(::orm::__private));
        let mut fields: Vec<RowField> = Vec::new();
        for field in &named.named {
            let Some(ident) = field.ident.clone() else {
                continue;
            };
            let rename = field_rename(&field.attrs)?;
            let column = match &rename {
                Some(lit) => lit.value(),
                None => syn::ext::IdentExt::unraw(&ident).to_string(),
            };
            if let Some(first) = fields.iter().find(|f| f.column == column) {
                let at = rename.as_ref().map_or(ident.span(), LitStr::span);
                return Err(syn::Error::new(
                    at,
                    format!(
                        "column `{column}` is already read by field `{}`: give one of them \
                         another column with `#[row(rename = \"...\")]`",
                        first.ident
                    ),
                ));
            }
            fields.push(RowField {
                ident,
                ty: field.ty.clone(),
                column,
            });
        }
        Ok(RowModel {
            ident: input.ident.clone(),
            generics: input.generics.clone(),
            krate,
            fields,
        })
    }
}

/// `#[row(crate = "path")]` on the struct.
fn struct_crate(attrs: &[syn::Attribute]) -> syn::Result<Option<Path>> {
    let mut krate = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("row")) {
        attr.parse_nested_meta(|meta| {
            let key = meta_key(&meta);
            match key.as_str() {
                "crate" => {
                    once(&meta, krate.is_some(), "row")?;
                    let lit = string_value(&meta, "#[row(crate = \"path\")]")?;
                    krate = Some(lit.parse::<Path>().map_err(|_| {
                        syn::Error::new_spanned(
                            &lit,
                            "`crate` must be a path to orm's items, e.g. `#[row(crate = \"orm_core\")]`",
                        )
                    })?);
                    Ok(())
                }
                "rename" => Err(meta.error(
                    "`rename` goes on a field: `#[row(rename = \"column\")]` above the field",
                )),
                _ => Err(meta.error(format!(
                    "unknown row attribute `{key}` on the struct; expected: {STRUCT_KEYS}"
                ))),
            }
        })?;
    }
    Ok(krate)
}

/// `#[row(rename = "column")]` on a field.
fn field_rename(attrs: &[syn::Attribute]) -> syn::Result<Option<LitStr>> {
    let mut rename: Option<LitStr> = None;
    for attr in attrs {
        if attr.path().is_ident("column") {
            return Err(syn::Error::new_spanned(
                attr,
                "`#[column(...)]` belongs to `#[derive(Table)]`; with `#[derive(FromRow)]`, \
                 write `#[row(rename = \"column\")]`",
            ));
        }
        if !attr.path().is_ident("row") {
            continue;
        }
        attr.parse_nested_meta(|meta| {
            let key = meta_key(&meta);
            match key.as_str() {
                "rename" => {
                    once(&meta, rename.is_some(), "row")?;
                    let lit = string_value(&meta, "#[row(rename = \"column\")]")?;
                    if lit.value().is_empty() {
                        return Err(syn::Error::new_spanned(
                            lit,
                            "a column name cannot be empty",
                        ));
                    }
                    rename = Some(lit);
                    Ok(())
                }
                "name" => {
                    Err(meta
                        .error("unknown row attribute `name`: write `#[row(rename = \"column\")]`"))
                }
                _ => Err(meta.error(format!(
                    "unknown row attribute `{key}`; expected: {FIELD_KEYS}, as in \
                     `#[row(rename = \"column\")]`"
                ))),
            }
        })?;
    }
    Ok(rename)
}
