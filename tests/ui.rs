//! Compile-time guarantees: mistakes in models and queries are compile errors
//! at the user's span, with a message that says what to write instead.

#[test]
fn mistakes_are_compile_errors_at_the_users_span() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/fail/*.rs");
}

#[test]
fn a_model_using_every_attribute_compiles_and_describes_its_table() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
}
