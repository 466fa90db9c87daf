use orm::prelude::*;

#[derive(SqlEnum, Clone, Copy)]
pub struct Mood {
    happy: bool,
}

fn main() {}
