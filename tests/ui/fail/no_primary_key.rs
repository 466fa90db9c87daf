use orm::prelude::*;

#[derive(Table)]
pub struct User {
    pub id: i64,
    pub name: String,
}

fn main() {}
