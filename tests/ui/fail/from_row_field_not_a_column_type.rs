use orm::prelude::*;

pub struct Money(i64);

#[derive(FromRow)]
pub struct Account {
    pub id: i64,
    pub balance: Money,
}

fn main() {}
