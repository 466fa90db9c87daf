use orm::prelude::*;

#[derive(Table)]
pub enum Status {
    Active,
    Banned,
}

fn main() {}
