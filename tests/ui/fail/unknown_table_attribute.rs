use orm::prelude::*;

#[derive(Table)]
#[table(rename = "users")]
pub struct User {
    #[column(primary_key, auto)]
    pub id: i64,
    pub name: String,
}

fn main() {}
