//! Code generation for constraints: the `uniques`, `indexes`,
//! `foreign_keys` and `checks` of the `TableMeta`, and the compile-time
//! check that a `set null` action is on NULL-able columns.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use crate::attr::{ActionLit, Referential};
use crate::codegen::as_sql_value;
use crate::model::TableModel;

/// The constraint fields of the `TableMeta` literal.
pub fn meta_fields(model: &TableModel) -> TokenStream {
    let krate = &model.krate;
    let c = &model.constraints;
    let uniques = c.uniques.iter().map(|u| {
        let (name, columns) = (&u.name, &u.columns);
        quote!(#krate::UniqueMeta { name: #name, columns: &[#(#columns),*] })
    });
    let indexes = c.indexes.iter().map(|i| {
        let (name, columns) = (&i.name, &i.columns);
        quote!(#krate::IndexMeta { name: #name, columns: &[#(#columns),*] })
    });
    let foreign_keys = c.foreign_keys.iter().map(|fk| {
        let (name, columns, target) = (&fk.name, &fk.columns, &fk.target);
        let table_fn = quote_spanned!(target.span()=> <#target as #krate::Table>::table);
        let on_delete = action(krate, fk.on_delete.as_ref());
        let on_update = action(krate, fk.on_update.as_ref());
        quote! {
            #krate::ForeignKeyMeta {
                name: #name,
                columns: &[#(#columns),*],
                target: #table_fn,
                target_columns: &[],
                on_delete: #on_delete,
                on_update: #on_update,
            }
        }
    });
    let checks = c.checks.iter().map(|ch| {
        let (name, sql) = (&ch.name, &ch.sql);
        quote!(#krate::CheckMeta { name: #name, sql: #sql })
    });
    quote! {
        uniques: &[#(#uniques),*],
        indexes: &[#(#indexes),*],
        foreign_keys: &[#(#foreign_keys),*],
        checks: &[#(#checks),*],
    }
}

/// `ReferentialAction::X`, `NoAction` when not given.
fn action(krate: &syn::Path, action: Option<&ActionLit>) -> TokenStream {
    let variant = action.map_or(Referential::NoAction, |a| a.action).variant();
    let variant = syn::Ident::new(variant, Span::call_site());
    quote!(#krate::ReferentialAction::#variant)
}

/// A constant that fails to evaluate, at the `"set null"` literal, when a
/// column it would set to NULL cannot hold NULL.
pub fn checks(model: &TableModel) -> TokenStream {
    let mut out = TokenStream::new();
    for fk in &model.constraints.foreign_keys {
        for action in fk.set_null() {
            for idx in &fk.fields {
                let field = &model.fields[*idx];
                let ty = as_sql_value(&model.krate, field);
                let message = format!(
                    "`{} = \"set null\"` needs a NULL-able column, but `{}.{}` is NOT NULL: make \
                     its field an `Option<...>`, or choose another action",
                    action.key, model.name, field.column
                );
                out.extend(quote_spanned! {action.span=>
                    const _: () = {
                        if !#ty::NULLABLE {
                            ::core::panic!(#message);
                        }
                    };
                });
            }
        }
    }
    out
}
