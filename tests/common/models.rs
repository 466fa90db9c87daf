//! Models shared by the integration tests.

use orm::prelude::*;

#[derive(Table, Debug, Clone, PartialEq)]
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

impl User {
    /// A new (unsaved) user.
    pub fn new(name: &str, email: Option<&str>, karma: i32) -> Self {
        User {
            id: 0,
            name: name.to_string(),
            email: email.map(str::to_string),
            karma,
        }
    }
}

/// A table with a composite primary key and no generated key.
#[derive(Table, Debug, Clone, PartialEq)]
pub struct Membership {
    #[column(primary_key)]
    pub group_id: i32,
    #[column(primary_key)]
    pub user_id: i64,
    pub role: String,
}

/// One column of every base type, with an i32 generated key.
#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "samples")]
pub struct Sample {
    #[column(primary_key, auto)]
    pub id: i32,
    pub flag: bool,
    pub small: i16,
    pub int: i32,
    pub big: i64,
    pub real: f32,
    pub double: f64,
    pub text: String,
    pub bytes: Vec<u8>,
    pub maybe_text: Option<String>,
    pub maybe_big: Option<i64>,
    pub maybe_bytes: Option<Vec<u8>>,
    pub maybe_flag: Option<bool>,
}

/// The `users` table seen with a NULL-able name, to try NULL into NOT NULL.
#[derive(Table, Debug)]
#[table(name = "users")]
pub struct LooseUser {
    #[column(primary_key, auto)]
    pub id: i64,
    pub name: Option<String>,
    pub email: Option<String>,
    pub karma: i32,
}

/// Creates the `users` table and inserts ann (karma 3, email), bob (karma 1,
/// no email), cid (karma 7, no email), dee (karma 5, email); committed.
pub async fn seed_users(db: &Database) -> orm::Result<Vec<User>> {
    db.create_tables(&[User::table()]).await?;
    let mut s = db.session();
    let mut users = vec![
        User::new("ann", Some("ann@example.com"), 3),
        User::new("bob", None, 1),
        User::new("cid", None, 7),
        User::new("dee", Some("dee@example.com"), 5),
    ];
    for u in &mut users {
        s.add(u).await?;
    }
    s.commit().await?;
    Ok(users)
}

/// The names of `users`, in order.
pub fn names(users: &[User]) -> Vec<&str> {
    users.iter().map(|u| u.name.as_str()).collect()
}
