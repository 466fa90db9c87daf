use orm::prelude::*;

#[derive(FromRow)]
pub enum Status {
    Active,
    Banned,
}

fn main() {}
