use orm::prelude::*;

#[derive(SqlEnum, Clone, Copy)]
#[sql_enum(rename_all = "lowercase")]
pub enum Mood {
    Happy,
    #[sql_enum(rename = "happy")]
    Glad,
}

fn main() {}
