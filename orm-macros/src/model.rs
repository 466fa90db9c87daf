//! Parsing: `#[derive(Table)]` input and its `#[table]` / `#[column]`
//! attributes become a [`TableModel`]. Every mistake is a [`syn::Error`] at
//! the offending tokens; nothing here emits code.

use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::{Data, DeriveInput, Fields, Ident, Path, Type, Visibility};

use crate::attr::{ActionLit, ColumnAttrs};
use crate::constraints::Constraints;
use crate::table_attr::TableAttrs;

/// A struct deriving `Table`, as the code generator needs it.
#[derive(Debug)]
pub struct TableModel {
    /// The struct's name.
    pub ident: Ident,
    /// The table's name in the database.
    pub name: String,
    /// The path generated code uses for orm's items (`::orm::__private`).
    pub krate: Path,
    /// The columns, in field order.
    pub fields: Vec<FieldModel>,
    /// Indexes into `fields` of the primary key, in field order.
    pub primary_key: Vec<usize>,
    /// Index into `fields` of the database-generated key, if any.
    pub generated: Option<usize>,
    /// Foreign keys, table-level uniques and indexes, checks.
    pub constraints: Constraints,
}

/// One field, mapped to one column.
#[derive(Debug)]
pub struct FieldModel {
    /// The field's name (possibly a raw identifier such as `r#type`).
    pub ident: Ident,
    /// The field's visibility, given to its column constant.
    pub vis: Visibility,
    /// The field's type.
    pub ty: Type,
    /// The column's name in the database.
    pub column: String,
    /// Part of the primary key.
    pub primary_key: bool,
    /// The database generates the value (`auto`).
    pub auto: Option<Auto>,
    /// `#[column(unique)]`.
    pub unique: bool,
    /// `#[column(index)]`.
    pub index: bool,
    /// `#[column(default = ...)]`.
    pub default: Option<DefaultLit>,
    /// `#[column(references = Model)]`.
    pub references: Option<Path>,
    /// `#[column(on_delete = "...")]`.
    pub on_delete: Option<ActionLit>,
    /// `#[column(on_update = "...")]`.
    pub on_update: Option<ActionLit>,
    /// `#[column(check = "...")]`.
    pub check: Option<syn::LitStr>,
    /// `#[column(json)]`: the field's type is stored as a JSON document.
    pub json: Option<JsonField>,
}

/// A `#[column(json)]` field: its type `T`, or `U` when it is `Option<U>`.
#[derive(Debug)]
pub struct JsonField {
    /// The type serialized: the field's type, or the `U` of `Option<U>`.
    pub inner: Type,
    /// True when the field is `Option<U>` (a NULL-able column).
    pub nullable: bool,
}

/// A database-generated key (`#[column(auto)]`).
#[derive(Debug, Clone, Copy)]
pub struct Auto {
    /// The key field's integer type.
    pub int: KeyInt,
    /// The `auto` key, for errors about it.
    pub span: Span,
}

/// The integer type of a database-generated key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyInt {
    /// `i16`
    I16,
    /// `i32`
    I32,
    /// `i64`
    I64,
}

impl KeyInt {
    /// The Rust type's name.
    pub fn name(self) -> &'static str {
        match self {
            KeyInt::I16 => "i16",
            KeyInt::I32 => "i32",
            KeyInt::I64 => "i64",
        }
    }
}

/// A column default, from a literal.
#[derive(Debug, Clone)]
pub struct DefaultLit {
    /// The literal's value.
    pub value: DefaultKind,
    /// The literal's tokens, for errors about it.
    pub span: Span,
    /// The literal as written, for messages.
    pub text: String,
}

/// The value of a column default.
#[derive(Debug, Clone, PartialEq)]
pub enum DefaultKind {
    /// An integer literal, possibly negative.
    Int(i64),
    /// A float literal, possibly negative.
    Float(f64),
    /// `true` or `false`.
    Bool(bool),
    /// A string literal.
    Text(String),
}

impl TableModel {
    /// Parses the derive input into a model.
    pub fn parse(input: &DeriveInput) -> syn::Result<Self> {
        let named = match &input.data {
            Data::Struct(data) => match &data.fields {
                Fields::Named(named) => named,
                Fields::Unnamed(fields) => return Err(needs_named_fields(fields)),
                Fields::Unit => return Err(needs_named_fields(&input.ident)),
            },
            Data::Enum(data) => return Err(needs_named_fields(data.enum_token)),
            Data::Union(data) => return Err(needs_named_fields(data.union_token)),
        };
        if !input.generics.params.is_empty() || input.generics.where_clause.is_some() {
            return Err(syn::Error::new_spanned(
                &input.generics,
                "#[derive(Table)] cannot be generic: a table's columns need concrete types",
            ));
        }

        let attrs = TableAttrs::parse(&input.attrs)?;
        let fields = named
            .named
            .iter()
            .map(FieldModel::parse)
            .collect::<syn::Result<Vec<_>>>()?;
        check_column_names(&fields)?;
        let generated = generated_key(&fields)?;
        let primary_key: Vec<usize> = (0..fields.len())
            .filter(|i| fields[*i].primary_key)
            .collect();
        if primary_key.is_empty() {
            return Err(syn::Error::new_spanned(
                &input.ident,
                "a table needs a primary key: mark a field with `#[column(primary_key)]` \
                 (add `auto` to let the database generate it)",
            ));
        }
        if let (Some(idx), true) = (generated, primary_key.len() > 1) {
            return Err(syn::Error::new(
                fields[idx].auto.map_or_else(Span::call_site, |a| a.span),
                "a database-generated key must be the whole primary key: remove `auto`, \
                 or `primary_key` from the other fields (SQLite generates only single-column \
                 integer keys)",
            ));
        }

        let name = attrs
            .name
            .clone()
            .unwrap_or_else(|| snake_case(&input.ident.unraw().to_string()));
        let constraints = Constraints::build(&name, &input.ident, &fields, &attrs)?;
        Ok(TableModel {
            name,
            krate: attrs
                .krate
                .unwrap_or_else(|| syn::parse_quote!(::orm::__private)),
            ident: input.ident.clone(),
            fields,
            primary_key,
            generated,
            constraints,
        })
    }
}

impl FieldModel {
    /// Parses one named field and its `#[column]` attributes.
    fn parse(field: &syn::Field) -> syn::Result<Self> {
        let ident = field.ident.clone().expect("named fields have identifiers");
        let attrs = ColumnAttrs::parse(&field.attrs)?;
        let auto = match attrs.auto {
            None => None,
            Some(span) => match key_int(&field.ty) {
                Some(int) if attrs.primary_key => Some(Auto { int, span }),
                _ => {
                    return Err(syn::Error::new(
                        span,
                        "`auto` generates a key: use it on an i16, i32 or i64 field marked \
                         `primary_key`",
                    ))
                }
            },
        };
        if let (Some(span), true) = (attrs.json, attrs.primary_key || attrs.references.is_some()) {
            return Err(syn::Error::new(
                span,
                "a JSON column cannot be a key: remove `json`, or store the key in a column of its own",
            ));
        }
        let json = attrs.json.map(|_| json_field(&field.ty));
        if let (Some(_), Some(default)) = (auto, &attrs.default) {
            return Err(syn::Error::new(
                default.span,
                "a database-generated key takes no `default`: remove `default` or `auto`",
            ));
        }
        Ok(FieldModel {
            column: attrs.name.unwrap_or_else(|| ident.unraw().to_string()),
            ident,
            vis: field.vis.clone(),
            ty: field.ty.clone(),
            primary_key: attrs.primary_key,
            auto,
            unique: attrs.unique,
            index: attrs.index,
            default: attrs.default,
            references: attrs.references,
            on_delete: attrs.on_delete,
            on_update: attrs.on_update,
            check: attrs.check,
            json,
        })
    }
}

/// The JSON storage of a field of type `ty`: `Option<U>` (written so, by its
/// last path segment) is a NULL-able column of `U`.
fn json_field(ty: &Type) -> JsonField {
    if let Type::Path(path) = ty {
        if let Some(last) = path.path.segments.last() {
            if let (true, syn::PathArguments::AngleBracketed(args)) =
                (last.ident == "Option", &last.arguments)
            {
                if let [syn::GenericArgument::Type(inner)] =
                    args.args.iter().collect::<Vec<_>>().as_slice()
                {
                    return JsonField {
                        inner: inner.clone(),
                        nullable: true,
                    };
                }
            }
        }
    }
    JsonField {
        inner: ty.clone(),
        nullable: false,
    }
}

fn needs_named_fields(tokens: impl quote::ToTokens) -> syn::Error {
    syn::Error::new_spanned(tokens, "#[derive(Table)] needs a struct with named fields")
}

/// Two fields may not map to the same column; the error is at the second.
fn check_column_names(fields: &[FieldModel]) -> syn::Result<()> {
    for (idx, field) in fields.iter().enumerate() {
        if let Some(prev) = fields[..idx].iter().find(|f| f.column == field.column) {
            return Err(syn::Error::new_spanned(
                &field.ident,
                format!(
                    "duplicate column name `{}` (also used by field `{}`): give one of them \
                     `#[column(name = \"...\")]`",
                    field.column,
                    prev.ident.unraw()
                ),
            ));
        }
    }
    Ok(())
}

/// The index of the one `auto` field, if any; the error is at the second.
fn generated_key(fields: &[FieldModel]) -> syn::Result<Option<usize>> {
    let mut generated = None;
    for (idx, field) in fields.iter().enumerate() {
        if let Some(auto) = field.auto {
            if generated.is_some() {
                return Err(syn::Error::new(
                    auto.span,
                    "a table can have only one database-generated key",
                ));
            }
            generated = Some(idx);
        }
    }
    Ok(generated)
}

/// The integer type of a field that can be a generated key: `i16`, `i32` or
/// `i64`, also as `std::primitive::i64`. Decided by syntax, as the generated
/// code converts the key to exactly this type.
fn key_int(ty: &Type) -> Option<KeyInt> {
    let Type::Path(path) = ty else { return None };
    if path.qself.is_some() || path.path.segments.iter().any(|s| !s.arguments.is_none()) {
        return None;
    }
    let names: Vec<String> = path
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    let name = match names.as_slice() {
        [name] => name,
        [krate, prim, name] if (krate == "std" || krate == "core") && prim == "primitive" => name,
        _ => return None,
    };
    match name.as_str() {
        "i16" => Some(KeyInt::I16),
        "i32" => Some(KeyInt::I32),
        "i64" => Some(KeyInt::I64),
        _ => None,
    }
}

/// `UserAccount` -> `user_account`, `HTTPLog` -> `http_log`,
/// `Ipv4Addr` -> `ipv4_addr`.
pub fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let prev = i.checked_sub(1).map(|p| chars[p]);
            let next = chars.get(i + 1).copied();
            let word_start = match prev {
                None | Some('_') => false,
                // `userAccount`, `ipv4Addr`: a capital after a lowercase or digit.
                Some(p) if p.is_lowercase() || p.is_ascii_digit() => true,
                // `HTTPLog`: the last capital of an acronym starts the next word.
                Some(p) if p.is_uppercase() => next.is_some_and(char::is_lowercase),
                Some(_) => false,
            };
            if word_start {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}
