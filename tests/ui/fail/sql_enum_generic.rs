use orm::prelude::*;

#[derive(SqlEnum, Clone, Copy)]
pub enum Choice<T> {
    Left,
    Right,
    Never(std::marker::PhantomData<T>),
}

fn main() {}
