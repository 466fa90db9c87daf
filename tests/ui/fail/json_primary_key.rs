use orm::prelude::*;

#[derive(Table)]
pub struct Doc {
    #[column(primary_key, json)]
    pub id: Vec<String>,
}

fn main() {}
