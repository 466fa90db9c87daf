//! What the parser makes of valid input.

use quote::ToTokens;
use syn::parse_quote;

use super::parse;
use crate::attr::Referential;
use crate::model::{snake_case, DefaultKind, KeyInt, TableModel};

fn model(input: syn::DeriveInput) -> TableModel {
    TableModel::parse(&input).expect("valid input")
}

fn tokens(t: impl ToTokens) -> String {
    t.to_token_stream().to_string()
}

#[test]
fn the_design_example() {
    let m = model(parse_quote! {
        #[derive(Table)]
        #[table(name = "users")]
        pub struct User {
            #[column(primary_key, auto)]
            pub id: i64,
            #[column(unique)]
            pub name: String,
            pub email: Option<String>,
            #[column(default = 0, index)]
            pub karma: i32,
        }
    });
    assert_eq!(m.ident, "User");
    assert_eq!(m.name, "users");
    assert_eq!(tokens(&m.krate), ":: orm :: __private");
    assert_eq!(m.primary_key, vec![0]);
    assert_eq!(m.generated, Some(0));
    let columns: Vec<&str> = m.fields.iter().map(|f| f.column.as_str()).collect();
    assert_eq!(columns, ["id", "name", "email", "karma"]);

    let [id, name, email, karma] = &m.fields[..] else {
        panic!("four fields")
    };
    assert!(id.primary_key && !id.unique && !id.index && id.default.is_none());
    assert_eq!(id.auto.map(|a| a.int), Some(KeyInt::I64));
    assert_eq!(tokens(&id.vis), "pub");
    assert_eq!(tokens(&id.ty), "i64");
    assert!(name.unique && !name.primary_key && name.auto.is_none());
    assert_eq!(tokens(&email.ty), "Option < String >");
    assert!(!email.unique && !email.index && email.default.is_none());
    assert!(karma.index);
    assert_eq!(karma.default.as_ref().unwrap().value, DefaultKind::Int(0));
}

#[test]
fn default_names_and_renames() {
    let m = model(parse_quote! {
        struct UserAccount {
            #[column(primary_key, name = "account_id")]
            id: i32,
            r#type: String,
            pub(crate) r#match: bool,
        }
    });
    assert_eq!(m.name, "user_account");
    assert_eq!(m.fields[0].column, "account_id");
    assert_eq!(m.fields[0].auto.map(|a| a.int), None);
    assert_eq!(m.fields[1].column, "type");
    assert_eq!(m.fields[1].ident, "r#type");
    assert_eq!(m.fields[2].column, "match");
    assert_eq!(tokens(&m.fields[2].vis), "pub (crate)");
    assert_eq!(tokens(&m.fields[1].vis), "");
}

#[test]
fn composite_key_in_field_order() {
    let m = model(parse_quote! {
        #[table(name = "memberships")]
        struct Membership {
            role: String,
            #[column(primary_key)]
            user_id: i64,
            #[column(primary_key)]
            group_id: i64,
        }
    });
    assert_eq!(m.primary_key, vec![1, 2]);
    assert_eq!(m.generated, None);
}

#[test]
fn defaults_of_every_kind() {
    let m = model(parse_quote! {
        struct T {
            #[column(primary_key)]
            id: i64,
            #[column(default = -1)]
            a: i32,
            #[column(default = 1.5)]
            b: f64,
            #[column(default = -0.25)]
            c: f32,
            #[column(default = true)]
            d: bool,
            #[column(default = "it's")]
            e: String,
            #[column(default = -9223372036854775808)]
            f: i64,
            #[column(default = 9223372036854775807)]
            g: i64,
            #[column(default = 1e3)]
            h: f64,
        }
    });
    let defaults: Vec<DefaultKind> = m.fields[1..]
        .iter()
        .map(|f| f.default.as_ref().unwrap().value.clone())
        .collect();
    assert_eq!(
        defaults,
        [
            DefaultKind::Int(-1),
            DefaultKind::Float(1.5),
            DefaultKind::Float(-0.25),
            DefaultKind::Bool(true),
            DefaultKind::Text("it's".into()),
            DefaultKind::Int(i64::MIN),
            DefaultKind::Int(i64::MAX),
            DefaultKind::Float(1000.0),
        ]
    );
    assert_eq!(m.fields[1].default.as_ref().unwrap().text, "-1");
    assert_eq!(m.fields[5].default.as_ref().unwrap().text, "\"it's\"");
}

#[test]
fn generated_key_types() {
    for (ty, int) in [
        (quote::quote!(i16), KeyInt::I16),
        (quote::quote!(i32), KeyInt::I32),
        (quote::quote!(i64), KeyInt::I64),
        (quote::quote!(std::primitive::i32), KeyInt::I32),
        (quote::quote!(::core::primitive::i16), KeyInt::I16),
    ] {
        let m = model(parse_quote! {
            struct T {
                #[column(primary_key, auto)]
                id: #ty,
            }
        });
        assert_eq!(m.fields[0].auto.map(|a| a.int), Some(int), "{ty}");
        assert_eq!(m.generated, Some(0));
    }
}

#[test]
fn attributes_merge_and_others_are_ignored() {
    let m = model(parse_quote! {
        /// Docs.
        #[derive(Debug)]
        #[table(name = "t")]
        #[table(crate = "orm_core")]
        struct T {
            /// Docs.
            #[column(primary_key)]
            #[column(unique)]
            #[allow(dead_code)]
            id: i64,
            #[column()]
            x: i32,
        }
    });
    assert_eq!(m.name, "t");
    assert_eq!(tokens(&m.krate), "orm_core");
    assert!(m.fields[0].primary_key && m.fields[0].unique);
    assert!(!m.fields[1].primary_key);
}

#[test]
fn crate_override() {
    let m = model(parse_quote! {
        #[table(crate = "::my::orm")]
        struct T {
            #[column(primary_key)]
            id: i64,
        }
    });
    assert_eq!(tokens(&m.krate), ":: my :: orm");
    let m = parse(r#"#[table(crate = "crate")] struct T { #[column(primary_key)] id: i64 }"#);
    assert_eq!(tokens(&m.unwrap().krate), "crate");
}

#[test]
fn snake_case_names() {
    for (name, snake) in [
        ("User", "user"),
        ("UserAccount", "user_account"),
        ("HTTPLog", "http_log"),
        ("HTTPLogEntry", "http_log_entry"),
        ("LogHTTP", "log_http"),
        ("Ipv4Addr", "ipv4_addr"),
        ("User2Fa", "user2_fa"),
        ("A", "a"),
        ("ABC", "abc"),
        ("already_snake", "already_snake"),
        ("Mixed_Case", "mixed_case"),
        ("ÉtéRecord", "été_record"),
    ] {
        assert_eq!(snake_case(name), snake, "{name}");
    }
}

#[test]
fn raw_struct_name() {
    let m = model(parse_quote! {
        struct r#Match {
            #[column(primary_key)]
            id: i64,
        }
    });
    assert_eq!(m.name, "match");
}

#[test]
fn constraints_resolve_fields_to_columns_and_default_names() {
    let m = model(parse_quote! {
        #[table(name = "members", unique(org, r#type), index(r#type, org))]
        #[table(check = "org > 0", check(sql = "1 = 1"))]
        #[table(foreign_key(columns(org, r#type), references = Kind, name = "members_kind"))]
        struct Member {
            #[column(primary_key)]
            id: i64,
            #[column(name = "org_id", references = Self, on_update = "cascade")]
            org: i64,
            r#type: String,
        }
    });
    let c = &m.constraints;
    assert_eq!(c.uniques[0].name, "members_org_id_type_key");
    assert_eq!(c.uniques[0].columns, ["org_id", "type"]);
    assert_eq!(c.indexes[0].name, "members_type_org_id_idx");
    let checks: Vec<(&str, &str)> = c
        .checks
        .iter()
        .map(|c| (c.name.as_str(), c.sql.as_str()))
        .collect();
    assert_eq!(
        checks,
        [("members_check", "org > 0"), ("members_check1", "1 = 1")]
    );
    let [own, kind] = &c.foreign_keys[..] else {
        panic!("two foreign keys")
    };
    assert_eq!(own.name, "members_org_id_fkey");
    assert_eq!(tokens(&own.target), "Member");
    assert_eq!(own.fields, [1]);
    assert!(own.on_delete.is_none());
    assert_eq!(
        own.on_update.as_ref().map(|a| a.action),
        Some(Referential::Cascade)
    );
    assert_eq!(kind.name, "members_kind");
    assert_eq!(kind.columns, ["org_id", "type"]);
    assert_eq!(tokens(&kind.target), "Kind");
}
