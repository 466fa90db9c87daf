use orm::prelude::*;

#[derive(SqlEnum, Clone, Copy)]
#[sql_enum(rename_all = "camelCase")]
pub enum Mood {
    Happy,
}

fn main() {}
