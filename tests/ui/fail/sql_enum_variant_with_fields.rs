use orm::prelude::*;

#[derive(SqlEnum, Clone, Copy)]
pub enum Shape {
    Dot,
    Circle(f64),
}

fn main() {}
