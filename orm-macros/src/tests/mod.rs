//! Unit tests: the parser's model and errors, and the expansion.

mod errors;
mod expand;
mod model;

use syn::DeriveInput;

use crate::model::TableModel;

/// Parses `src` (with real spans, so errors can be located) into a model.
fn parse(src: &str) -> syn::Result<TableModel> {
    let input: DeriveInput = syn::parse_str(src).expect("test input is Rust");
    TableModel::parse(&input)
}

/// The message of the error `src` produces, and the source text it points at.
fn error(src: &str) -> (String, String) {
    let err = parse(src).expect_err("the input has a mistake");
    let at = err.span().source_text().unwrap_or_default();
    (err.to_string(), at)
}
