use orm::prelude::*;

#[derive(FromRow)]
pub struct Pair(i64, String);

fn main() {}
