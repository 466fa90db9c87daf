use orm::prelude::*;

#[derive(FromRow)]
pub struct Karma {
    pub points: i64,
    #[row(rename = "points")]
    pub karma: i64,
}

fn main() {}
