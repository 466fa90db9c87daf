//! `BelongsTo` impls from `#[column(references = Model)]`, so a relation
//! declared by its foreign key needs no hand-written trait impl.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use crate::model::TableModel;

/// One `impl BelongsTo<Target> for Model` per single-column foreign key.
///
/// A model with two foreign keys to the same table (an author and an editor,
/// both users) would get two conflicting impls, so for such a target none is
/// generated: the user picks the relation with an impl of their own.
pub fn belongs_to(model: &TableModel) -> TokenStream {
    let krate = &model.krate;
    let ident = &model.ident;
    let keys = &model.constraints.foreign_keys;
    let target_of = |path: &syn::Path| quote!(#path).to_string();
    let impls = keys
        .iter()
        .filter(|fk| fk.fields.len() == 1)
        .filter(|fk| {
            let target = target_of(&fk.target);
            keys.iter()
                .filter(|other| target_of(&other.target) == target)
                .count()
                == 1
        })
        .map(|fk| {
            let field = &model.fields[fk.fields[0]];
            let name = &field.ident;
            let ty = &field.ty;
            let target = &fk.target;
            // Spanned on the target, so "not a table" is reported where it is named.
            let span = target.span();
            let krate: TokenStream = quote!(#krate)
                .into_iter()
                .map(|mut token| {
                    token.set_span(span);
                    token
                })
                .collect();
            quote_spanned! {span=>
                impl #krate::BelongsTo<#target> for #ident {
                    type Key = #ty;
                    fn foreign_key() -> #krate::Column<#ident, #ty> {
                        #ident::#name
                    }
                }
            }
        });
    quote!(#(#impls)*)
}
