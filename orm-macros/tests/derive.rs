//! The derive's output, compiled against `orm-core` and exercised: metadata,
//! column handles, decoding from a row, binding values and generated keys.

use orm_core::{
    ColumnMeta, DefaultValue, Error, FromRow, Result, Row, SqlType, Table, Value, ValueRef,
};
use orm_macros::Table;

/// The design's example model; public, documented fields.
#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "users", crate = "orm_core")]
pub struct User {
    /// The key.
    #[column(primary_key, auto)]
    pub id: i64,
    /// A unique name.
    #[column(unique)]
    pub name: String,
    /// NULL-able.
    pub email: Option<String>,
    /// Defaults to 0.
    #[column(default = 0, index)]
    pub karma: i32,
}

type Label = Option<String>;

/// Every attribute, keyword fields, a type alias, private fields.
#[derive(Table, Debug, PartialEq)]
#[table(crate = "orm_core")]
struct HTTPLogEntry {
    #[column(primary_key, auto, name = "entry_id")]
    id: i32,
    r#type: String,
    #[column(name = "lbl", unique, index)]
    label: Label,
    #[column(default = -1)]
    retries: i16,
    #[column(default = 1.5)]
    weight: f64,
    #[column(default = -0.25)]
    offset: Option<f32>,
    #[column(default = true)]
    active: bool,
    #[column(default = "new")]
    state: String,
    payload: Vec<u8>,
    #[column(default = -9223372036854775808)]
    floor: i64,
}

/// A composite key, no generated key.
#[derive(Table, Debug, PartialEq)]
#[table(name = "memberships", crate = "orm_core")]
pub struct Membership {
    #[column(primary_key)]
    pub(crate) user_id: i64,
    #[column(primary_key)]
    pub(crate) group_id: i64,
    pub(crate) role: Option<String>,
}

/// A short generated key.
#[derive(Table, Debug, PartialEq)]
#[table(crate = "orm_core")]
struct Tag {
    #[column(primary_key, auto)]
    id: i16,
    label: String,
}

/// A row of owned values, read by index.
struct TestRow(Vec<(&'static str, Value)>);

impl TestRow {
    fn get<T>(&self, idx: usize, f: impl Fn(&Value) -> Option<T>) -> Result<Option<T>> {
        match &self.0[idx].1 {
            Value::Null(_) => Ok(None),
            v => f(v).map(Some).ok_or_else(|| Error::Decode {
                column: self.0[idx].0.to_string(),
                expected: "another type",
                found: format!("{v:?}"),
            }),
        }
    }
}

impl Row for TestRow {
    fn len(&self) -> usize {
        self.0.len()
    }
    fn column_name(&self, idx: usize) -> &str {
        self.0[idx].0
    }
    fn get_bool(&self, idx: usize) -> Result<Option<bool>> {
        self.get(idx, |v| {
            if let Value::Bool(b) = v {
                Some(*b)
            } else {
                None
            }
        })
    }
    fn get_i16(&self, idx: usize) -> Result<Option<i16>> {
        self.get(idx, |v| {
            if let Value::I16(b) = v {
                Some(*b)
            } else {
                None
            }
        })
    }
    fn get_i32(&self, idx: usize) -> Result<Option<i32>> {
        self.get(idx, |v| {
            if let Value::I32(b) = v {
                Some(*b)
            } else {
                None
            }
        })
    }
    fn get_i64(&self, idx: usize) -> Result<Option<i64>> {
        self.get(idx, |v| {
            if let Value::I64(b) = v {
                Some(*b)
            } else {
                None
            }
        })
    }
    fn get_f32(&self, idx: usize) -> Result<Option<f32>> {
        self.get(idx, |v| {
            if let Value::F32(b) = v {
                Some(*b)
            } else {
                None
            }
        })
    }
    fn get_f64(&self, idx: usize) -> Result<Option<f64>> {
        self.get(idx, |v| {
            if let Value::F64(b) = v {
                Some(*b)
            } else {
                None
            }
        })
    }
    fn get_str(&self, idx: usize) -> Result<Option<&str>> {
        match &self.0[idx].1 {
            Value::Null(_) => Ok(None),
            Value::Text(s) => Ok(Some(s)),
            v => Err(Error::Decode {
                column: self.0[idx].0.to_string(),
                expected: "String",
                found: format!("{v:?}"),
            }),
        }
    }
    fn get_bytes(&self, idx: usize) -> Result<Option<&[u8]>> {
        match &self.0[idx].1 {
            Value::Null(_) => Ok(None),
            Value::Bytes(s) => Ok(Some(s)),
            v => Err(Error::Decode {
                column: self.0[idx].0.to_string(),
                expected: "Vec<u8>",
                found: format!("{v:?}"),
            }),
        }
    }
}

fn column(
    name: &'static str,
    field: &'static str,
    sql_type: SqlType,
    nullable: bool,
) -> ColumnMeta {
    ColumnMeta {
        name,
        field,
        sql_type,
        nullable,
        primary_key: false,
        generated: false,
        unique: false,
        index: false,
        default: None,
    }
}

#[test]
fn user_meta() {
    let meta = User::table();
    assert_eq!(meta.name, "users");
    assert_eq!(meta.type_name, "User");
    assert_eq!(meta.primary_key, &[0]);
    assert_eq!(meta.generated, Some(0));
    assert_eq!(
        meta.columns,
        &[
            ColumnMeta {
                primary_key: true,
                generated: true,
                ..column("id", "id", SqlType::I64, false)
            },
            ColumnMeta {
                unique: true,
                ..column("name", "name", SqlType::Text, false)
            },
            column("email", "email", SqlType::Text, true),
            ColumnMeta {
                index: true,
                default: Some(DefaultValue::Int(0)),
                ..column("karma", "karma", SqlType::I32, false)
            },
        ]
    );
    assert!(std::ptr::eq(User::table(), meta), "one static per table");
}

#[test]
fn every_attribute_meta() {
    let meta = HTTPLogEntry::table();
    assert_eq!(meta.name, "http_log_entry");
    assert_eq!(meta.type_name, "HTTPLogEntry");
    assert_eq!(meta.generated, Some(0));
    let c = |name| *meta.column(name).unwrap();
    assert_eq!(
        c("entry_id"),
        ColumnMeta {
            primary_key: true,
            generated: true,
            ..column("entry_id", "id", SqlType::I32, false)
        }
    );
    assert_eq!(c("type"), column("type", "type", SqlType::Text, false));
    assert_eq!(
        c("lbl"),
        ColumnMeta {
            unique: true,
            index: true,
            ..column("lbl", "label", SqlType::Text, true)
        }
    );
    assert_eq!(c("retries").default, Some(DefaultValue::Int(-1)));
    assert_eq!(c("weight").default, Some(DefaultValue::Float(1.5)));
    assert_eq!(c("offset").default, Some(DefaultValue::Float(-0.25)));
    assert_eq!(c("offset").sql_type, SqlType::F32);
    assert!(c("offset").nullable);
    assert_eq!(c("active").default, Some(DefaultValue::Bool(true)));
    assert_eq!(c("state").default, Some(DefaultValue::Text("new")));
    assert_eq!(c("payload").sql_type, SqlType::Bytes);
    assert_eq!(c("floor").default, Some(DefaultValue::Int(i64::MIN)));
}

#[test]
fn composite_key_meta() {
    let meta = Membership::table();
    assert_eq!(meta.name, "memberships");
    assert_eq!(meta.primary_key, &[0, 1]);
    assert_eq!(meta.generated, None);
    assert_eq!(meta.non_key_columns().collect::<Vec<_>>(), vec![2]);
}

#[test]
fn column_handles() {
    assert_eq!(User::id.name(), "id");
    assert_eq!(User::id.table_name(), "users");
    assert_eq!(HTTPLogEntry::id.name(), "entry_id");
    assert_eq!(HTTPLogEntry::r#type.name(), "type");
    assert_eq!(HTTPLogEntry::label.table_name(), "http_log_entry");
    let _: orm_core::Column<User, Option<String>> = User::email;
}

#[test]
fn decodes_rows_into_fields() {
    let row = TestRow(vec![
        ("id", Value::I64(7)),
        ("name", Value::Text("ann".into())),
        ("email", Value::Null(SqlType::Text)),
        ("karma", Value::I32(3)),
    ]);
    let user = User::from_row(&row).unwrap();
    assert_eq!(
        user,
        User {
            id: 7,
            name: "ann".into(),
            email: None,
            karma: 3
        }
    );
    let dyn_row: &dyn Row = &row;
    assert_eq!(User::from_row(dyn_row).unwrap(), user);

    let bad = TestRow(vec![
        ("id", Value::I64(7)),
        ("name", Value::Null(SqlType::Text)),
        ("email", Value::Null(SqlType::Text)),
        ("karma", Value::I32(3)),
    ]);
    match User::from_row(&bad) {
        Err(Error::Decode { column, found, .. }) => {
            assert_eq!(column, "name");
            assert_eq!(found, "NULL");
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[test]
fn binds_values_by_column_index() {
    let user = User {
        id: 7,
        name: "ann".into(),
        email: Some("a@x".into()),
        karma: -2,
    };
    assert_eq!(user.value(0), ValueRef::I64(7));
    assert_eq!(user.value(1), ValueRef::Text("ann"));
    assert_eq!(user.value(2), ValueRef::Text("a@x"));
    assert_eq!(user.value(3), ValueRef::I32(-2));
    let no_email = User {
        email: None,
        ..user
    };
    assert_eq!(no_email.value(2), ValueRef::Null(SqlType::Text));
}

#[test]
fn generated_keys() {
    let mut user = User {
        id: 0,
        name: "ann".into(),
        email: None,
        karma: 0,
    };
    assert!(!user.has_key());
    user.set_generated_key(i64::MAX).unwrap();
    assert_eq!(user.id, i64::MAX);
    assert!(user.has_key());

    let mut tag = Tag {
        id: 0,
        label: "x".into(),
    };
    assert!(!tag.has_key());
    tag.set_generated_key(12).unwrap();
    assert_eq!(tag.id, 12);
    match tag.set_generated_key(40_000) {
        Err(Error::Decode {
            column,
            expected,
            found,
        }) => {
            assert_eq!(
                (column.as_str(), expected, found.as_str()),
                ("id", "i16", "40000")
            );
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    assert_eq!(tag.id, 12, "a failed conversion leaves the key alone");

    let mut m = Membership {
        user_id: 0,
        group_id: 0,
        role: None,
    };
    assert!(m.has_key(), "no generated key: always has its key");
    m.set_generated_key(5).unwrap();
    assert_eq!((m.user_id, m.group_id), (0, 0));
}
