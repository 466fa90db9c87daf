use orm::prelude::*;

pub struct Team {
    pub id: i64,
}

#[derive(Table)]
pub struct Player {
    #[column(primary_key, auto)]
    pub id: i64,
    #[column(references = Team)]
    pub team_id: i64,
}

fn main() {}
