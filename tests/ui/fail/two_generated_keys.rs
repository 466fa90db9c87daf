use orm::prelude::*;

#[derive(Table)]
pub struct User {
    #[column(primary_key, auto)]
    pub id: i64,
    #[column(primary_key, auto)]
    pub other_id: i64,
    pub name: String,
}

fn main() {}
