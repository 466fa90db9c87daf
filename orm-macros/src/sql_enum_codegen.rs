//! Code generation for `#[derive(SqlEnum)]`: `SqlEnum`, `SqlValue`,
//! `NotNull` and `ArrayElement` for the enum, inside `const _: () = { .. };`.

use proc_macro2::TokenStream;
use quote::quote;
use syn::ext::IdentExt;

use crate::sql_enum::EnumModel;

/// All the code `#[derive(SqlEnum)]` emits for `model`.
pub fn expand(model: &EnumModel) -> TokenStream {
    let krate = &model.krate;
    let ident = &model.ident;
    let rust_name = ident.unraw().to_string();
    let pg_type = match &model.pg_type {
        Some(name) => quote!(::core::option::Option::Some(#name)),
        None => quote!(::core::option::Option::None),
    };
    let labels = model.variants.iter().map(|(_, label)| label);
    let to_label = model
        .variants
        .iter()
        .map(|(variant, label)| quote!(#ident::#variant => #label,));
    let from_label = model
        .variants
        .iter()
        .map(|(variant, label)| quote!(#label => ::core::option::Option::Some(#ident::#variant),));
    quote! {
        const _: () = {
            #[automatically_derived]
            impl #krate::SqlEnum for #ident {
                const META: &'static #krate::EnumMeta = &#krate::EnumMeta {
                    rust_name: #rust_name,
                    pg_type: #pg_type,
                    labels: &[#(#labels),*],
                };

                fn label(&self) -> &'static ::core::primitive::str {
                    match self {
                        #(#to_label)*
                    }
                }

                fn from_label(label: &::core::primitive::str) -> ::core::option::Option<Self> {
                    match label {
                        #(#from_label)*
                        _ => ::core::option::Option::None,
                    }
                }
            }

            #[automatically_derived]
            impl #krate::SqlValue for #ident {
                const SQL_TYPE: #krate::SqlType =
                    #krate::SqlType::Enum(<Self as #krate::SqlEnum>::META);

                fn to_value(&self) -> #krate::ValueRef<'_> {
                    #krate::ValueRef::Label(#krate::enums::to_label(self))
                }

                fn into_value(self) -> #krate::Value {
                    #krate::Value::Label(#krate::enums::to_label(&self))
                }

                fn decode<__R: #krate::Row + ?::core::marker::Sized>(
                    row: &__R,
                    idx: ::core::primitive::usize,
                ) -> #krate::Result<Self> {
                    match #krate::enums::decode_label(row, idx)? {
                        ::core::option::Option::Some(value) => ::core::result::Result::Ok(value),
                        ::core::option::Option::None => ::core::result::Result::Err(
                            #krate::types::null_error(row, idx, #rust_name),
                        ),
                    }
                }
            }

            #[automatically_derived]
            impl #krate::NotNull for #ident {
                fn decode_nullable<__R: #krate::Row + ?::core::marker::Sized>(
                    row: &__R,
                    idx: ::core::primitive::usize,
                ) -> #krate::Result<::core::option::Option<Self>> {
                    #krate::enums::decode_label(row, idx)
                }
            }

            #[automatically_derived]
            impl #krate::ArrayElement for #ident {}
        };
    }
}
