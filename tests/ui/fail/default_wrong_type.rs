use orm::prelude::*;

#[derive(Table)]
pub struct User {
    #[column(primary_key, auto)]
    pub id: i64,
    #[column(default = "none")]
    pub karma: i32,
}

fn main() {}
