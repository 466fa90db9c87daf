//! Parsing `#[derive(SqlEnum)]`: a fieldless enum and its `#[sql_enum]`
//! attributes become an [`EnumModel`]. Every mistake is a [`syn::Error`] at
//! the offending tokens, saying what to write instead.

use syn::ext::IdentExt;
use syn::{Attribute, Data, DeriveInput, Fields, Ident, LitStr, Path};

use crate::attr::{meta_key, once, string_value};
use crate::model::snake_case;

/// The keys `#[sql_enum(...)]` accepts on the enum.
const ENUM_KEYS: &str = "rename_all, pg_type, crate";

/// The values `rename_all` accepts.
const RENAME_RULES: &str =
    "\"lowercase\", \"UPPERCASE\", \"snake_case\", \"SCREAMING_SNAKE_CASE\", \"kebab-case\"";

/// An enum deriving `SqlEnum`.
#[derive(Debug)]
pub struct EnumModel {
    /// The enum's name.
    pub ident: Ident,
    /// The path generated code uses for orm's items.
    pub krate: Path,
    /// `pg_type = "mood"`.
    pub pg_type: Option<String>,
    /// The variants and their labels, in order.
    pub variants: Vec<(Ident, String)>,
}

impl EnumModel {
    /// Parses the derive input into a model.
    pub fn parse(input: &DeriveInput) -> syn::Result<Self> {
        let data = match &input.data {
            Data::Enum(data) => data,
            Data::Struct(data) => return Err(not_an_enum(data.struct_token)),
            Data::Union(data) => return Err(not_an_enum(data.union_token)),
        };
        if !input.generics.params.is_empty() || input.generics.where_clause.is_some() {
            return Err(syn::Error::new_spanned(
                &input.generics,
                "#[derive(SqlEnum)] cannot be generic: remove the type parameters; a column \
                 type stores a fixed set of labels",
            ));
        }
        if data.variants.is_empty() {
            return Err(syn::Error::new_spanned(
                &input.ident,
                "#[derive(SqlEnum)] needs at least one variant: a column of an enum without \
                 variants could hold no value; add one, e.g. `enum Mood { Happy }`",
            ));
        }
        let attrs = EnumAttrs::parse(&input.attrs)?;
        let mut variants: Vec<(Ident, String)> = Vec::new();
        for variant in &data.variants {
            if !matches!(variant.fields, Fields::Unit) {
                let name = variant.ident.unraw();
                return Err(syn::Error::new_spanned(
                    &variant.fields,
                    format!(
                        "a #[derive(SqlEnum)] variant has no fields: write `{name}` instead; \
                         to store data with the variant, use a field with `#[column(json)]`"
                    ),
                ));
            }
            let rename = variant_rename(&variant.attrs)?;
            let label = match rename {
                Some(label) => label,
                None => attrs.rename(&variant.ident.unraw().to_string()),
            };
            if let Some((other, _)) = variants.iter().find(|(_, l)| *l == label) {
                return Err(syn::Error::new_spanned(
                    &variant.ident,
                    format!(
                        "duplicate label \"{label}\" (also the label of `{}`): give one of them \
                         `#[sql_enum(rename = \"...\")]`",
                        other.unraw()
                    ),
                ));
            }
            variants.push((variant.ident.clone(), label));
        }
        Ok(EnumModel {
            ident: input.ident.clone(),
            krate: attrs
                .krate
                .unwrap_or_else(|| syn::parse_quote!(::orm::__private)),
            pg_type: attrs.pg_type,
            variants,
        })
    }
}

fn not_an_enum(tokens: impl quote::ToTokens) -> syn::Error {
    syn::Error::new_spanned(
        tokens,
        "#[derive(SqlEnum)] needs an enum whose variants have no fields, e.g. \
         `enum Mood { Happy, Sad }`; for a struct, use #[derive(Table)] or `#[column(json)]`",
    )
}

/// How variant names become labels.
#[derive(Debug, Clone, Copy)]
enum RenameRule {
    Lower,
    Upper,
    Snake,
    ScreamingSnake,
    Kebab,
}

/// `#[sql_enum(...)]` on the enum.
#[derive(Default)]
struct EnumAttrs {
    rename_all: Option<RenameRule>,
    pg_type: Option<String>,
    krate: Option<Path>,
}

impl EnumAttrs {
    fn parse(attrs: &[Attribute]) -> syn::Result<Self> {
        let mut out = EnumAttrs::default();
        for attr in attrs.iter().filter(|a| a.path().is_ident("sql_enum")) {
            attr.parse_nested_meta(|meta| {
                let key = meta_key(&meta);
                match key.as_str() {
                    "rename_all" => {
                        once(&meta, out.rename_all.is_some(), "sql_enum")?;
                        let lit = string_value(&meta, "#[sql_enum(rename_all = \"snake_case\")]")?;
                        out.rename_all = Some(rename_rule(&lit)?);
                    }
                    "pg_type" => {
                        once(&meta, out.pg_type.is_some(), "sql_enum")?;
                        let lit = string_value(&meta, "#[sql_enum(pg_type = \"mood\")]")?;
                        if lit.value().is_empty() {
                            return Err(syn::Error::new_spanned(
                                lit,
                                "a type name cannot be empty",
                            ));
                        }
                        out.pg_type = Some(lit.value());
                    }
                    "crate" => {
                        once(&meta, out.krate.is_some(), "sql_enum")?;
                        let lit = string_value(&meta, "#[sql_enum(crate = \"orm_core\")]")?;
                        out.krate = Some(lit.parse()?);
                    }
                    "rename" => {
                        return Err(meta.error(
                            "`rename` goes on a variant; on the enum, use \
                             `#[sql_enum(rename_all = \"snake_case\")]`",
                        ))
                    }
                    _ => {
                        return Err(meta.error(format!(
                            "unknown sql_enum attribute `{key}`; expected one of: {ENUM_KEYS}"
                        )))
                    }
                }
                Ok(())
            })?;
        }
        Ok(out)
    }

    fn rename(&self, variant: &str) -> String {
        match self.rename_all {
            None => variant.to_string(),
            Some(RenameRule::Lower) => variant.to_lowercase(),
            Some(RenameRule::Upper) => variant.to_uppercase(),
            Some(RenameRule::Snake) => snake_case(variant),
            Some(RenameRule::ScreamingSnake) => snake_case(variant).to_uppercase(),
            Some(RenameRule::Kebab) => snake_case(variant).replace('_', "-"),
        }
    }
}

fn rename_rule(lit: &LitStr) -> syn::Result<RenameRule> {
    Ok(match lit.value().as_str() {
        "lowercase" => RenameRule::Lower,
        "UPPERCASE" => RenameRule::Upper,
        "snake_case" => RenameRule::Snake,
        "SCREAMING_SNAKE_CASE" => RenameRule::ScreamingSnake,
        "kebab-case" => RenameRule::Kebab,
        other => {
            return Err(syn::Error::new_spanned(
                lit,
                format!("unknown rename rule \"{other}\"; expected one of: {RENAME_RULES}"),
            ))
        }
    })
}

/// `#[sql_enum(rename = "...")]` on a variant.
fn variant_rename(attrs: &[Attribute]) -> syn::Result<Option<String>> {
    let mut out = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("sql_enum")) {
        attr.parse_nested_meta(|meta| {
            let key = meta_key(&meta);
            if key != "rename" {
                return Err(meta.error(format!(
                    "unknown sql_enum attribute `{key}` on a variant; expected: rename \
                     (`#[sql_enum(rename = \"...\")]`)"
                )));
            }
            once(&meta, out.is_some(), "sql_enum")?;
            let lit = string_value(&meta, "#[sql_enum(rename = \"...\")]")?;
            if lit.value().is_empty() {
                return Err(syn::Error::new_spanned(lit, "a label cannot be empty"));
            }
            out = Some(lit.value());
            Ok(())
        })?;
    }
    Ok(out)
}
