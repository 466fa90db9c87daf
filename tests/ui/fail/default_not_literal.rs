use orm::prelude::*;

const START: i32 = 10;

#[derive(Table)]
pub struct User {
    #[column(primary_key, auto)]
    pub id: i64,
    #[column(default = START)]
    pub karma: i32,
}

fn main() {}
