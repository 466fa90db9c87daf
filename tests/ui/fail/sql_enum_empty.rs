use orm::prelude::*;

#[derive(SqlEnum, Clone, Copy)]
pub enum Nothing {}

fn main() {}
