use orm::prelude::*;

#[derive(Table)]
pub struct User {
    #[column(primary_key, auto)]
    pub id: i64,
    pub age: u32,
}

fn main() {}
