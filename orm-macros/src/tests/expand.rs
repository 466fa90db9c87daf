//! Snapshots of the expansion: the exact code generated for representative
//! models, compared as token text.

use proc_macro2::TokenStream;
use quote::quote;
use syn::parse_quote;

fn expand(input: syn::DeriveInput) -> String {
    crate::expand(&input).expect("valid input").to_string()
}

/// The `impl Table` item of an expansion (the last item of the const
/// block), as token text.
fn table_impl(expansion: &str) -> &str {
    let start = expansion.find("# [automatically_derived] impl :: orm :: __private :: Table");
    let item = &expansion[start.expect("an impl Table")..];
    item.strip_suffix(" } ;")
        .expect("the end of the const block")
}

fn text(tokens: TokenStream) -> String {
    tokens.to_string()
}

#[test]
fn the_design_example() {
    let actual = expand(parse_quote! {
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
    let message = "`default = 0` does not fit column `users.karma`: an integer default needs \
                   a numeric column wide enough to hold it";
    let expected = quote! {
        #[allow(non_upper_case_globals, dead_code)]
        impl User {
            #[doc = "Column `users.id`."]
            pub const id: ::orm::__private::Column<User, i64> =
                ::orm::__private::Column::new("users", "id");
            #[doc = "Column `users.name`."]
            pub const name: ::orm::__private::Column<User, String> =
                ::orm::__private::Column::new("users", "name");
            #[doc = "Column `users.email`."]
            pub const email: ::orm::__private::Column<User, Option<String> > =
                ::orm::__private::Column::new("users", "email");
            #[doc = "Column `users.karma`."]
            pub const karma: ::orm::__private::Column<User, i32> =
                ::orm::__private::Column::new("users", "karma");
        }
        const _: () = {
            const _: ::core::primitive::bool = <i64 as ::orm::__private::SqlValue>::NULLABLE;
            const _: ::core::primitive::bool = <String as ::orm::__private::SqlValue>::NULLABLE;
            const _: ::core::primitive::bool =
                <Option<String> as ::orm::__private::SqlValue>::NULLABLE;
            const _: ::core::primitive::bool = <i32 as ::orm::__private::SqlValue>::NULLABLE;
            const _: () = {
                let ty = <i32 as ::orm::__private::SqlValue>::SQL_TYPE;
                if !(match ty {
                    ::orm::__private::SqlType::I16 =>
                        0i64 >= ::core::primitive::i16::MIN as ::core::primitive::i64
                            && 0i64 <= ::core::primitive::i16::MAX as ::core::primitive::i64,
                    ::orm::__private::SqlType::I32 =>
                        0i64 >= ::core::primitive::i32::MIN as ::core::primitive::i64
                            && 0i64 <= ::core::primitive::i32::MAX as ::core::primitive::i64,
                    ::orm::__private::SqlType::I64
                    | ::orm::__private::SqlType::F32
                    | ::orm::__private::SqlType::F64
                    | ::orm::__private::SqlType::Decimal => true,
                    _ => false,
                }) {
                    ::core::panic!(#message);
                }
            };
            static META: ::orm::__private::TableMeta = ::orm::__private::TableMeta {
                name: "users",
                type_name: "User",
                columns: &[
                    ::orm::__private::ColumnMeta {
                        name: "id",
                        field: "id",
                        sql_type: <i64 as ::orm::__private::SqlValue>::SQL_TYPE,
                        nullable: <i64 as ::orm::__private::SqlValue>::NULLABLE,
                        primary_key: true,
                        generated: true,
                        unique: false,
                        index: false,
                        default: ::core::option::Option::None,
                    },
                    ::orm::__private::ColumnMeta {
                        name: "name",
                        field: "name",
                        sql_type: <String as ::orm::__private::SqlValue>::SQL_TYPE,
                        nullable: <String as ::orm::__private::SqlValue>::NULLABLE,
                        primary_key: false,
                        generated: false,
                        unique: true,
                        index: false,
                        default: ::core::option::Option::None,
                    },
                    ::orm::__private::ColumnMeta {
                        name: "email",
                        field: "email",
                        sql_type: <Option<String> as ::orm::__private::SqlValue>::SQL_TYPE,
                        nullable: <Option<String> as ::orm::__private::SqlValue>::NULLABLE,
                        primary_key: false,
                        generated: false,
                        unique: false,
                        index: false,
                        default: ::core::option::Option::None,
                    },
                    ::orm::__private::ColumnMeta {
                        name: "karma",
                        field: "karma",
                        sql_type: <i32 as ::orm::__private::SqlValue>::SQL_TYPE,
                        nullable: <i32 as ::orm::__private::SqlValue>::NULLABLE,
                        primary_key: false,
                        generated: false,
                        unique: false,
                        index: true,
                        default: ::core::option::Option::Some(
                            ::orm::__private::DefaultValue::Int(0i64)
                        ),
                    }
                ],
                primary_key: &[0usize],
                generated: ::core::option::Option::Some(0usize),
                uniques: &[],
                indexes: &[],
                foreign_keys: &[],
                checks: &[],
            };
            #[automatically_derived]
            impl ::orm::__private::FromRow for User {
                fn from_row<__R: ::orm::__private::Row + ?::core::marker::Sized>(
                    row: &__R,
                ) -> ::orm::__private::Result<Self> {
                    ::core::result::Result::Ok(Self {
                        id: <i64 as ::orm::__private::SqlValue>::decode(row, 0usize)?,
                        name: <String as ::orm::__private::SqlValue>::decode(row, 1usize)?,
                        email: <Option<String> as ::orm::__private::SqlValue>::decode(row, 2usize)?,
                        karma: <i32 as ::orm::__private::SqlValue>::decode(row, 3usize)?
                    })
                }
            }
            #[automatically_derived]
            impl ::orm::__private::PrimaryKey for User {
                type Key = i64;

                #[allow(unused_variables)]
                fn key_value(
                    key: &Self::Key,
                    n: ::core::primitive::usize
                ) -> ::orm::__private::ValueRef<'_> {
                    <i64 as ::orm::__private::SqlValue>::to_value(key)
                }
            }

            #[automatically_derived]
            impl ::orm::__private::Table for User {
                #[inline]
                fn table() -> &'static ::orm::__private::TableMeta {
                    &META
                }

                fn value(&self, idx: ::core::primitive::usize) -> ::orm::__private::ValueRef<'_> {
                    match idx {
                        0usize => <i64 as ::orm::__private::SqlValue>::to_value(&self.id),
                        1usize => <String as ::orm::__private::SqlValue>::to_value(&self.name),
                        2usize => <Option<String> as ::orm::__private::SqlValue>::to_value(&self.email),
                        3usize => <i32 as ::orm::__private::SqlValue>::to_value(&self.karma),
                        _ => ::orm::__private::ValueRef::Null(::orm::__private::SqlType::I64),
                    }
                }

                fn has_key(&self) -> ::core::primitive::bool {
                    !<i64 as ::orm::__private::SqlValue>::is_unset(&self.id)
                }

                fn set_generated_key(
                    &mut self,
                    key: ::core::primitive::i64
                ) -> ::orm::__private::Result<()> {
                    self.id = key;
                    ::core::result::Result::Ok(())
                }
            }
        };
    };
    assert_eq!(actual, text(expected));
}

#[test]
fn a_narrow_generated_key_is_converted_with_a_check() {
    let actual = expand(parse_quote! {
        struct Tag {
            #[column(primary_key, auto, name = "tag_id")]
            id: i16,
            r#type: String,
        }
    });
    let expected = quote! {
        #[automatically_derived]
        impl ::orm::__private::Table for Tag {
            #[inline]
            fn table() -> &'static ::orm::__private::TableMeta {
                &META
            }

            fn value(&self, idx: ::core::primitive::usize) -> ::orm::__private::ValueRef<'_> {
                match idx {
                    0usize => <i16 as ::orm::__private::SqlValue>::to_value(&self.id),
                    1usize => <String as ::orm::__private::SqlValue>::to_value(&self.r#type),
                    _ => ::orm::__private::ValueRef::Null(::orm::__private::SqlType::I64),
                }
            }

            fn has_key(&self) -> ::core::primitive::bool {
                !<i16 as ::orm::__private::SqlValue>::is_unset(&self.id)
            }

            fn set_generated_key(
                &mut self,
                key: ::core::primitive::i64
            ) -> ::orm::__private::Result<()> {
                match <::core::primitive::i16 as ::core::convert::TryFrom<
                    ::core::primitive::i64
                >>::try_from(key) {
                    ::core::result::Result::Ok(value) => {
                        self.id = value;
                        ::core::result::Result::Ok(())
                    }
                    ::core::result::Result::Err(_) => {
                        ::core::result::Result::Err(::orm::__private::Error::Decode {
                            column: ::std::borrow::ToOwned::to_owned("tag_id"),
                            expected: "i16",
                            found: ::std::string::ToString::to_string(&key),
                        })
                    }
                }
            }
        }
    };
    assert_eq!(table_impl(&actual), text(expected));
    assert!(actual.contains("pub const r#type") || actual.contains("const r#type"));
    assert!(actual.contains(r#"name : "type" , field : "type""#));
}

#[test]
fn without_a_generated_key_every_row_has_its_key() {
    let actual = expand(parse_quote! {
        #[table(crate = "orm_core")]
        struct Membership {
            #[column(primary_key)]
            user_id: i64,
            #[column(primary_key)]
            group_id: i64,
        }
    });
    assert!(!actual.contains("::orm"), "the crate path is overridden");
    assert!(actual.contains("orm_core :: TableMeta"));
    assert!(actual.contains(
        "primary_key : & [0usize , 1usize] , generated : :: core :: option :: Option :: None"
    ));
    let expected = quote! {
        fn has_key(&self) -> ::core::primitive::bool {
            true
        }

        fn set_generated_key(
            &mut self,
            _key: ::core::primitive::i64
        ) -> orm_core::Result<()> {
            ::core::result::Result::Ok(())
        }
    };
    assert!(actual.contains(&text(expected)), "{actual}");
}

#[test]
fn defaults_of_every_kind() {
    let actual = expand(parse_quote! {
        struct T {
            #[column(primary_key)]
            id: i64,
            #[column(default = -1)]
            a: i32,
            #[column(default = -2.5)]
            b: f64,
            #[column(default = false)]
            c: bool,
            #[column(default = "new")]
            d: Option<String>,
        }
    });
    for value in [
        quote!(Int(-1i64)),
        quote!(Float(-2.5f64)),
        quote!(Bool(false)),
        quote!(Text("new")),
    ] {
        let expected = text(quote!(::orm::__private::DefaultValue::#value));
        assert!(actual.contains(&expected), "{expected} in {actual}");
    }
    assert!(actual.contains("`default = -2.5` does not fit column `t.b`"));
    assert!(actual.contains("`default = \\\"new\\\"` does not fit column `t.d`"));
}

#[test]
fn constraints_become_metadata_and_set_null_is_checked() {
    let actual = expand(parse_quote! {
        #[table(name = "posts", unique(author, title), index(title, name = "by_title"))]
        #[table(check(name = "title_not_empty", sql = "title <> ''"))]
        struct Post {
            #[column(primary_key, auto)]
            id: i64,
            #[column(references = User, on_delete = "cascade", check = "author > 0")]
            author: i64,
            #[column(references = Self, on_delete = "SET NULL", on_update = "restrict")]
            parent: Option<i64>,
            title: String,
        }
    });
    let expected = quote! {
        uniques: &[::orm::__private::UniqueMeta {
            name: "posts_author_title_key",
            columns: &["author", "title"]
        }],
        indexes: &[::orm::__private::IndexMeta { name: "by_title", columns: &["title"] }],
        foreign_keys: &[
            ::orm::__private::ForeignKeyMeta {
                name: "posts_author_fkey",
                columns: &["author"],
                target: <User as ::orm::__private::Table>::table,
                target_columns: &[],
                on_delete: ::orm::__private::ReferentialAction::Cascade,
                on_update: ::orm::__private::ReferentialAction::NoAction,
            },
            ::orm::__private::ForeignKeyMeta {
                name: "posts_parent_fkey",
                columns: &["parent"],
                target: <Post as ::orm::__private::Table>::table,
                target_columns: &[],
                on_delete: ::orm::__private::ReferentialAction::SetNull,
                on_update: ::orm::__private::ReferentialAction::Restrict,
            }
        ],
        checks: &[
            ::orm::__private::CheckMeta { name: "posts_author_check", sql: "author > 0" },
            ::orm::__private::CheckMeta { name: "title_not_empty", sql: "title <> ''" }
        ],
    };
    assert!(actual.contains(&text(expected)), "{actual}");
    let message = "`on_delete = \"set null\"` needs a NULL-able column, but `posts.parent` is \
                   NOT NULL: make its field an `Option<...>`, or choose another action";
    let set_null = quote! {
        const _: () = {
            if !<Option<i64> as ::orm::__private::SqlValue>::NULLABLE {
                ::core::panic!(#message);
            }
        };
    };
    assert!(actual.contains(&text(set_null)), "{actual}");
}
