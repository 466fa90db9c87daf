//! Code generation: a [`TableModel`] becomes the column constants and the
//! `TableMeta`, `FromRow` and `Table` items.
//!
//! Everything except the column constants goes inside `const _: () = { .. };`
//! so it adds no names to the user's module. Paths go through the model's
//! `krate` (`::orm::__private` unless `#[table(crate = "...")]`). Code about
//! one field's type is spanned on that type, so a type that cannot be a
//! column is reported there, with `SqlValue`'s own message.

use proc_macro2::{Literal, Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::ext::IdentExt;
use syn::spanned::Spanned;

use crate::model::{DefaultKind, DefaultLit, FieldModel, KeyInt, TableModel};

/// All the code `#[derive(Table)]` emits for `model`.
pub fn expand(model: &TableModel) -> TokenStream {
    let consts = column_consts(model);
    let checks = model.fields.iter().map(|f| field_checks(model, f));
    let constraint_checks = crate::constraint_codegen::checks(model);
    let meta = table_meta(model);
    let from_row = from_row(model);
    let table = table_impl(model);
    let relations = crate::relation_codegen::belongs_to(model);
    quote! {
        #consts
        const _: () = {
            #(#checks)*
            #constraint_checks
            #meta
            #from_row
            #table
            #relations
        };
    }
}

/// `<FieldTy as SqlValue>`, spanned on the field's type.
pub fn as_sql_value(krate: &syn::Path, field: &FieldModel) -> TokenStream {
    let ty = column_type(krate, field);
    quote_spanned!(field.ty.span()=> <#ty as #krate::SqlValue>)
}

/// The column's Rust type: the field's, or `Json<T>` (`Option<Json<U>>`)
/// for a `#[column(json)]` field.
pub fn column_type(krate: &syn::Path, field: &FieldModel) -> TokenStream {
    match &field.json {
        None => field.ty.to_token_stream(),
        Some(json) => {
            let inner = &json.inner;
            let span = field.ty.span();
            if json.nullable {
                quote_spanned!(span=> ::core::option::Option<#krate::Json<#inner>>)
            } else {
                quote_spanned!(span=> #krate::Json<#inner>)
            }
        }
    }
}

/// The expression binding field `name` of `self`.
fn field_value(krate: &syn::Path, field: &FieldModel) -> TokenStream {
    let name = &field.ident;
    match &field.json {
        None => {
            let ty = as_sql_value(krate, field);
            quote!(#ty::to_value(&self.#name))
        }
        Some(json) if json.nullable => quote!(#krate::json::optional_field_value(&self.#name)),
        Some(_) => quote!(#krate::json::field_value(&self.#name)),
    }
}

/// The expression decoding field `field` from column `idx` of `row`.
fn field_decode(krate: &syn::Path, field: &FieldModel, idx: usize) -> TokenStream {
    match &field.json {
        None => {
            let ty = as_sql_value(krate, field);
            quote!(#ty::decode(row, #idx)?)
        }
        Some(json) if json.nullable => quote!(#krate::json::decode_optional_field(row, #idx)?),
        Some(_) => quote!(#krate::json::decode_field(row, #idx)?),
    }
}

/// `impl User { pub const id: Column<User, i64> = ...; }`
fn column_consts(model: &TableModel) -> TokenStream {
    let krate = &model.krate;
    let ident = &model.ident;
    let table = &model.name;
    let consts = model.fields.iter().map(|f| {
        let (vis, name, column) = (&f.vis, &f.ident, &f.column);
        let ty = column_type(krate, f);
        let doc = format!("Column `{table}.{column}`.");
        quote! {
            #[doc = #doc]
            #vis const #name: #krate::Column<#ident, #ty> = #krate::Column::new(#table, #column);
        }
    });
    quote! {
        #[allow(non_upper_case_globals, dead_code)]
        impl #ident {
            #(#consts)*
        }
    }
}

/// Compile-time checks on one field: its type can be a column, and its
/// default fits the column's type.
fn field_checks(model: &TableModel, field: &FieldModel) -> TokenStream {
    let ty = as_sql_value(&model.krate, field);
    let assert_type = quote_spanned! {field.ty.span()=>
        const _: ::core::primitive::bool = #ty::NULLABLE;
    };
    let assert_default = field
        .default
        .as_ref()
        .map(|d| default_check(model, field, d));
    quote!(#assert_type #assert_default)
}

/// A constant that fails to evaluate, at the literal, when a default does
/// not fit the column's SQL type (a string default on an integer column).
fn default_check(model: &TableModel, field: &FieldModel, default: &DefaultLit) -> TokenStream {
    let krate = &model.krate;
    let ty = as_sql_value(krate, field);
    let (fits, needs) = match &default.value {
        DefaultKind::Int(v) => (
            quote! {
                match ty {
                    #krate::SqlType::I16 => #v >= ::core::primitive::i16::MIN as ::core::primitive::i64
                        && #v <= ::core::primitive::i16::MAX as ::core::primitive::i64,
                    #krate::SqlType::I32 => #v >= ::core::primitive::i32::MIN as ::core::primitive::i64
                        && #v <= ::core::primitive::i32::MAX as ::core::primitive::i64,
                    #krate::SqlType::I64
                    | #krate::SqlType::F32
                    | #krate::SqlType::F64
                    | #krate::SqlType::Decimal => true,
                    _ => false,
                }
            },
            "an integer default needs a numeric column wide enough to hold it",
        ),
        DefaultKind::Float(_) => (
            quote! {
                ::core::matches!(
                    ty,
                    #krate::SqlType::F32 | #krate::SqlType::F64 | #krate::SqlType::Decimal
                )
            },
            "a float default needs an f32, f64 or decimal column",
        ),
        DefaultKind::Bool(_) => (
            quote!(::core::matches!(ty, #krate::SqlType::Bool)),
            "a bool default needs a bool column",
        ),
        DefaultKind::Text(_) => (
            quote! {
                !::core::matches!(
                    ty,
                    #krate::SqlType::Bool
                        | #krate::SqlType::I16
                        | #krate::SqlType::I32
                        | #krate::SqlType::I64
                        | #krate::SqlType::F32
                        | #krate::SqlType::F64
                )
            },
            "a string default needs a text (or date, time, uuid, json, decimal) column",
        ),
    };
    let message = format!(
        "`default = {}` does not fit column `{}.{}`: {needs}",
        default.text, model.name, field.column
    );
    quote_spanned! {default.span=>
        const _: () = {
            let ty = #ty::SQL_TYPE;
            if !(#fits) {
                ::core::panic!(#message);
            }
        };
    }
}

/// `static META: TableMeta = ...;`
fn table_meta(model: &TableModel) -> TokenStream {
    let krate = &model.krate;
    let name = &model.name;
    let type_name = model.ident.unraw().to_string();
    let columns = model.fields.iter().map(|f| {
        let ty = as_sql_value(krate, f);
        let (column, field) = (&f.column, f.ident.unraw().to_string());
        let (primary_key, generated, unique, index) =
            (f.primary_key, f.auto.is_some(), f.unique, f.index);
        let default = match &f.default {
            None => quote!(::core::option::Option::None),
            Some(d) => {
                let value = match &d.value {
                    DefaultKind::Int(v) => quote!(Int(#v)),
                    DefaultKind::Float(v) => {
                        let v = Literal::f64_suffixed(*v);
                        quote!(Float(#v))
                    }
                    DefaultKind::Bool(v) => quote!(Bool(#v)),
                    DefaultKind::Text(v) => quote!(Text(#v)),
                };
                quote!(::core::option::Option::Some(#krate::DefaultValue::#value))
            }
        };
        quote! {
            #krate::ColumnMeta {
                name: #column,
                field: #field,
                sql_type: #ty::SQL_TYPE,
                nullable: #ty::NULLABLE,
                primary_key: #primary_key,
                generated: #generated,
                unique: #unique,
                index: #index,
                default: #default,
            }
        }
    });
    let primary_key = &model.primary_key;
    let constraints = crate::constraint_codegen::meta_fields(model);
    let generated = match model.generated {
        Some(idx) => quote!(::core::option::Option::Some(#idx)),
        None => quote!(::core::option::Option::None),
    };
    quote! {
        static META: #krate::TableMeta = #krate::TableMeta {
            name: #name,
            type_name: #type_name,
            columns: &[#(#columns),*],
            primary_key: &[#(#primary_key),*],
            generated: #generated,
            #constraints
        };
    }
}

/// `impl FromRow`: each field decoded straight from its column.
fn from_row(model: &TableModel) -> TokenStream {
    let krate = &model.krate;
    let ident = &model.ident;
    let fields = model.fields.iter().enumerate().map(|(idx, f)| {
        let name = &f.ident;
        let decode = field_decode(krate, f, idx);
        quote!(#name: #decode)
    });
    quote! {
        #[automatically_derived]
        impl #krate::FromRow for #ident {
            fn from_row<__R: #krate::Row + ?::core::marker::Sized>(
                row: &__R,
            ) -> #krate::Result<Self> {
                ::core::result::Result::Ok(Self { #(#fields),* })
            }
        }
    }
}

/// `impl Table`.
fn table_impl(model: &TableModel) -> TokenStream {
    let krate = &model.krate;
    let ident = &model.ident;
    let arms = model.fields.iter().enumerate().map(|(idx, f)| {
        let value = field_value(krate, f);
        quote!(#idx => #value,)
    });
    let (has_key, set_key) = match model.generated {
        None => (
            quote!(true),
            quote! {
                fn set_generated_key(&mut self, _key: ::core::primitive::i64) -> #krate::Result<()> {
                    ::core::result::Result::Ok(())
                }
            },
        ),
        Some(idx) => {
            let field = &model.fields[idx];
            let ty = as_sql_value(krate, field);
            let name = &field.ident;
            let int = field.auto.expect("the generated key is `auto`").int;
            (
                quote!(!#ty::is_unset(&self.#name)),
                set_generated_key(krate, field, int),
            )
        }
    };
    let key_impl = primary_key_impl(model);
    quote! {
        #key_impl

        #[automatically_derived]
        impl #krate::Table for #ident {
            #[inline]
            fn table() -> &'static #krate::TableMeta {
                &META
            }

            fn value(&self, idx: ::core::primitive::usize) -> #krate::ValueRef<'_> {
                match idx {
                    #(#arms)*
                    _ => #krate::ValueRef::Null(#krate::SqlType::I64),
                }
            }

            fn has_key(&self) -> ::core::primitive::bool {
                #has_key
            }

            #set_key
        }
    }
}

/// `impl PrimaryKey`: the key field's type, or a tuple of the key fields'
/// types in declaration order.
fn primary_key_impl(model: &TableModel) -> TokenStream {
    let krate = &model.krate;
    let ident = &model.ident;
    let fields: Vec<&FieldModel> = model
        .primary_key
        .iter()
        .map(|&i| &model.fields[i])
        .collect();
    let (key, value) = match fields.as_slice() {
        [field] => {
            let ty = column_type(krate, field);
            let sql = as_sql_value(krate, field);
            (quote!(#ty), quote!(#sql::to_value(key)))
        }
        fields => {
            let types = fields.iter().map(|f| column_type(krate, f));
            let arms = fields.iter().enumerate().map(|(n, f)| {
                let sql = as_sql_value(krate, f);
                let part = syn::Index::from(n);
                quote!(#n => #sql::to_value(&key.#part),)
            });
            (
                quote!((#(#types,)*)),
                quote! {
                    match n {
                        #(#arms)*
                        _ => #krate::ValueRef::Null(#krate::SqlType::I64),
                    }
                },
            )
        }
    };
    quote! {
        #[automatically_derived]
        impl #krate::PrimaryKey for #ident {
            type Key = #key;

            #[allow(unused_variables)]
            fn key_value(key: &Self::Key, n: ::core::primitive::usize) -> #krate::ValueRef<'_> {
                #value
            }
        }
    }
}

/// `set_generated_key` for a key field of integer type `int`: no conversion
/// for `i64`, a checked one otherwise.
fn set_generated_key(krate: &syn::Path, field: &FieldModel, int: KeyInt) -> TokenStream {
    let name = &field.ident;
    let body = match int {
        KeyInt::I64 => quote! {
            self.#name = key;
            ::core::result::Result::Ok(())
        },
        KeyInt::I16 | KeyInt::I32 => {
            let prim = syn::Ident::new(int.name(), Span::call_site());
            let (column, expected) = (&field.column, int.name());
            quote! {
                match <::core::primitive::#prim as ::core::convert::TryFrom<::core::primitive::i64>>::try_from(key) {
                    ::core::result::Result::Ok(value) => {
                        self.#name = value;
                        ::core::result::Result::Ok(())
                    }
                    ::core::result::Result::Err(_) => {
                        ::core::result::Result::Err(#krate::Error::Decode {
                            column: ::std::borrow::ToOwned::to_owned(#column),
                            expected: #expected,
                            found: ::std::string::ToString::to_string(&key),
                        })
                    }
                }
            }
        }
    };
    quote! {
        fn set_generated_key(&mut self, key: ::core::primitive::i64) -> #krate::Result<()> {
            #body
        }
    }
}
