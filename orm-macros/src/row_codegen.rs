//! `#[derive(FromRow)]`: the `impl FromRow` that finds each field's column
//! by name.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use crate::row_model::RowModel;

/// The generated items, inside `const _: () = { ... };`.
pub fn expand(model: &RowModel) -> TokenStream {
    let krate = &model.krate;
    let ident = &model.ident;
    let (impl_generics, ty_generics, where_clause) = model.generics.split_for_impl();
    let fields = model.fields.iter().map(|f| {
        let (name, ty, column) = (&f.ident, &f.ty, &f.column);
        let decode = quote_spanned!(ty.span()=> <#ty as #krate::SqlValue>::decode);
        quote!(#name: #decode(row, #krate::column_index(row, #column)?)?)
    });
    quote! {
        const _: () = {
            #[automatically_derived]
            impl #impl_generics #krate::FromRow for #ident #ty_generics #where_clause {
                fn from_row<__R: #krate::Row + ?::core::marker::Sized>(
                    row: &__R,
                ) -> #krate::Result<Self> {
                    ::core::result::Result::Ok(Self { #(#fields),* })
                }
            }
        };
    }
}
