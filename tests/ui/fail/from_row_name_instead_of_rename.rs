use orm::prelude::*;

#[derive(FromRow)]
pub struct Karma {
    #[row(name = "points")]
    pub karma: i64,
}

fn main() {}
