use orm::prelude::*;

#[derive(Table)]
pub struct User {
    #[column(primary_key, auto)]
    pub id: i64,
    #[column(uniqe)]
    pub name: String,
}

fn main() {}
