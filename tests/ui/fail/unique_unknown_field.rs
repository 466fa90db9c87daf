use orm::prelude::*;

#[derive(Table)]
#[table(unique(name, emial))]
pub struct User {
    #[column(primary_key, auto)]
    pub id: i64,
    pub name: String,
    pub email: String,
}

fn main() {}
