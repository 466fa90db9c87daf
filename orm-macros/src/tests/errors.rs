//! Every mistake: its message, and the tokens it points at.

use super::error;

const PK: &str = "#[column(primary_key)] id: i64,";

fn with_field(field: &str) -> String {
    format!("struct User {{ {PK} {field} }}")
}

#[test]
fn unknown_keys() {
    assert_eq!(
        error(&with_field("#[column(uniqe)] name: String,")),
        (
            "unknown column attribute `uniqe`; expected one of: name, primary_key, auto, \
             unique, index, default, references, on_delete, on_update, check, json"
                .into(),
            "uniqe".into()
        )
    );
    assert_eq!(
        error(&format!(
            "#[table(rename = \"users\")] struct User {{ {PK} }}"
        )),
        (
            "unknown table attribute `rename`; expected one of: name, crate, unique, index, \
             check, foreign_key"
                .into(),
            "rename".into()
        )
    );
}

#[test]
fn duplicate_keys() {
    assert_eq!(
        error(&with_field(
            "#[column(unique, index, unique)] name: String,"
        )),
        (
            "duplicate column attribute `unique`".into(),
            "unique".into()
        )
    );
    assert_eq!(
        error(&with_field(
            "#[column(name = \"a\")] #[column(name = \"b\")] name: String,"
        )),
        ("duplicate column attribute `name`".into(), "name".into())
    );
    assert_eq!(
        error(&format!(
            "#[table(name = \"a\")] #[table(name = \"b\")] struct User {{ {PK} }}"
        )),
        ("duplicate table attribute `name`".into(), "name".into())
    );
    assert_eq!(
        error(&with_field("#[column(default = 1, default = 2)] n: i32,")).0,
        "duplicate column attribute `default`"
    );
}

#[test]
fn malformed_values() {
    assert_eq!(
        error(&with_field("#[column(name = users)] name: String,")),
        (
            "`name` must be a string: `#[column(name = \"...\")]`".into(),
            "users".into()
        )
    );
    assert_eq!(
        error(&with_field("#[column(name)] name: String,")).0,
        "`name` needs a value: `#[column(name = \"...\")]`"
    );
    assert_eq!(
        error(&with_field("#[column(name = \"\")] name: String,")),
        ("a column name cannot be empty".into(), "\"\"".into())
    );
    assert_eq!(
        error(&format!("#[table(name = 5)] struct User {{ {PK} }}")),
        (
            "`name` must be a string: `#[table(name = \"...\")]`".into(),
            "5".into()
        )
    );
    assert_eq!(
        error(&with_field("#[column(unique = true)] name: String,")),
        (
            "`unique` takes no value: write `#[column(unique)]`".into(),
            "unique".into()
        )
    );
    assert_eq!(
        error(&format!(
            "#[table(crate = \"not a path\")] struct User {{ {PK} }}"
        ))
        .0,
        "`crate` must be a path to orm's items, e.g. `#[table(crate = \"orm_core\")]`"
    );
}

#[test]
fn default_not_a_literal() {
    let msg = "`default` must be a literal: an integer, a float, `true`, `false` or a string, \
               e.g. `#[column(default = 0)]`";
    assert_eq!(
        error(&with_field("#[column(default = START)] n: i32,")),
        (msg.into(), "START".into())
    );
    assert_eq!(
        error(&with_field("#[column(default = 1 + 2)] n: i32,")),
        (msg.into(), "1 + 2".into())
    );
    assert_eq!(
        error(&with_field("#[column(default = -true)] n: bool,")),
        (msg.into(), "-true".into())
    );
    assert_eq!(
        error(&with_field("#[column(default = b\"x\")] n: Vec<u8>,")),
        (msg.into(), "b\"x\"".into())
    );
    assert_eq!(
        error(&with_field("#[column(default)] n: i32,")).0,
        "`default` needs a value, e.g. `#[column(default = 0)]`"
    );
    assert_eq!(
        error(&with_field(
            "#[column(default = 9223372036854775808)] n: i64,"
        ))
        .0,
        "this default is out of range: integers must fit in an i64, floats in an f64"
    );
}

#[test]
fn auto_misuse() {
    let msg = "`auto` generates a key: use it on an i16, i32 or i64 field marked `primary_key`";
    for field in [
        "#[column(primary_key, auto)] name: String,",
        "#[column(primary_key, auto)] id: u64,",
        "#[column(primary_key, auto)] id: Option<i64>,",
        "#[column(primary_key, auto)] id: UserId,",
        "#[column(auto)] id: i64,",
    ] {
        let src = format!("struct User {{ {field} }}");
        assert_eq!(error(&src), (msg.into(), "auto".into()), "{field}");
    }
    assert_eq!(
        error(
            "struct User { #[column(primary_key, auto)] id: i64, \
             #[column(primary_key, auto)] other: i32 }"
        ),
        (
            "a table can have only one database-generated key".into(),
            "auto".into()
        )
    );
    let (msg, at) = error(
        "struct User { #[column(primary_key, auto)] id: i64, #[column(primary_key)] k: i32 }",
    );
    assert!(msg.starts_with("a database-generated key must be the whole primary key"));
    assert_eq!(at, "auto");
    assert_eq!(
        error("struct User { #[column(primary_key, auto, default = 1)] id: i64 }"),
        (
            "a database-generated key takes no `default`: remove `default` or `auto`".into(),
            "1".into()
        )
    );
}

#[test]
fn no_primary_key() {
    assert_eq!(
        error("pub struct User { pub id: i64, pub name: String }"),
        (
            "a table needs a primary key: mark a field with `#[column(primary_key)]` (add \
             `auto` to let the database generate it)"
                .into(),
            "User".into()
        )
    );
    assert_eq!(error("struct Empty {}").1, "Empty");
}

#[test]
fn not_a_plain_struct() {
    let msg = "#[derive(Table)] needs a struct with named fields";
    assert_eq!(error("enum Status { A, B }"), (msg.into(), "enum".into()));
    assert_eq!(
        error("struct Pair(i64, String);"),
        (msg.into(), "(i64, String)".into())
    );
    assert_eq!(error("struct Unit;"), (msg.into(), "Unit".into()));
    assert_eq!(error("union U { a: i64 }"), (msg.into(), "union".into()));
    let generic = "#[derive(Table)] cannot be generic: a table's columns need concrete types";
    assert_eq!(
        error("struct G<T> { #[column(primary_key)] id: T }"),
        (generic.into(), "<T>".into())
    );
    assert_eq!(
        error("struct L<'a> { #[column(primary_key)] id: &'a str }"),
        (generic.into(), "<'a>".into())
    );
}

#[test]
fn misplaced_attributes() {
    assert_eq!(
        error(&format!("#[column(unique)] struct User {{ {PK} }}")).0,
        "`#[column(...)]` goes on a field; on the struct, use `#[table(...)]`"
    );
    assert_eq!(
        error(&with_field("#[table(name = \"x\")] name: String,")),
        (
            "`#[table(...)]` goes on the struct; on a field, use `#[column(...)]`".into(),
            "#[table(name = \"x\")]".into()
        )
    );
}

#[test]
fn duplicate_column_names() {
    assert_eq!(
        error(&with_field("#[column(name = \"id\")] other: i64,")),
        (
            "duplicate column name `id` (also used by field `id`): give one of them \
             `#[column(name = \"...\")]`"
                .into(),
            "other".into()
        )
    );
}

#[test]
fn constraint_lists_name_fields_of_the_struct() {
    assert_eq!(
        error(&format!(
            "#[table(unique(id, nmae))] struct User {{ {PK} name: String }}"
        )),
        (
            "no field `nmae` in this struct; the fields are: id, name".into(),
            "nmae".into()
        )
    );
    assert_eq!(
        error(&format!(
            "#[table(index(name, name))] struct User {{ {PK} name: String }}"
        )),
        (
            "field `name` is listed twice in `index(...)`".into(),
            "name".into()
        )
    );
    assert_eq!(
        error(&format!("#[table(unique())] struct User {{ {PK} }}")),
        (
            "`unique(...)` needs at least one field: `#[table(unique(a, b))]`".into(),
            "unique".into()
        )
    );
    assert_eq!(
        error(&format!("#[table(index)] struct User {{ {PK} }}")).0,
        "`index` needs a list of fields: `#[table(index(a, b))]`"
    );
    assert_eq!(
        error(&format!(
            "#[table(index(id, unique = true))] struct User {{ {PK} }}"
        )),
        (
            "`index(...)` takes field names and `name = \"...\"`: `#[table(index(a, b))]`".into(),
            "unique".into()
        )
    );
}

#[test]
fn foreign_key_mistakes() {
    assert_eq!(
        error(&with_field(
            "#[column(on_delete = \"cascade\")] user_id: i64,"
        )),
        (
            "`on_delete` applies to a foreign key: add `references = Model` to this column".into(),
            "on_delete".into()
        )
    );
    assert_eq!(
        error(&with_field(
            "#[column(references = User, on_delete = \"delete\")] user_id: i64,"
        )),
        (
            "unknown action \"delete\": `on_delete` is one of \"cascade\", \"set null\", \
             \"set default\", \"restrict\", \"no action\""
                .into(),
            "\"delete\"".into()
        )
    );
    assert_eq!(
        error(&with_field(
            "#[column(references = \"users\")] user_id: i64,"
        )),
        (
            "`references` must name a model (a struct with `#[derive(Table)]`): \
             `#[column(references = User)]`"
                .into(),
            "\"users\"".into()
        )
    );
    assert_eq!(
        error(&format!(
            "#[table(foreign_key(columns(id)))] struct User {{ {PK} }}"
        ))
        .0,
        "`foreign_key(...)` needs `references = Model`: \
         `#[table(foreign_key(columns(a, b), references = Model))]`"
    );
    assert_eq!(
        error(&format!(
            "#[table(foreign_key(columns(id), references = Org, cascade))] struct User {{ {PK} }}"
        ))
        .1,
        "cascade"
    );
}

#[test]
fn check_mistakes() {
    assert_eq!(
        error(&with_field("#[column(check = \" \")] n: i32,")),
        (
            "`check` cannot be empty: `#[column(check = \"karma >= 0\")]`".into(),
            "\" \"".into()
        )
    );
    assert_eq!(
        error(&format!(
            "#[table(check(name = \"positive\"))] struct User {{ {PK} }}"
        ))
        .0,
        "`check(...)` needs `sql = \"...\"`: `#[table(check(name = \"...\", sql = \"...\"))]`"
    );
}

#[test]
fn constraint_names_are_unique_within_the_table() {
    assert_eq!(
        error(&format!(
            "#[table(name = \"t\", unique(name), index(name, name = \"t_name_key\"))] \
             struct User {{ {PK} name: String }}"
        )),
        (
            "two constraints or indexes of this table are named `t_name_key`: give one of \
             them `name = \"...\"`"
                .into(),
            "\"t_name_key\"".into()
        )
    );
    assert_eq!(
        error(
            "#[table(name = \"t\", unique(id))] struct User { #[column(primary_key, unique)] id: i64 }"
        )
        .1,
        "unique"
    );
}
