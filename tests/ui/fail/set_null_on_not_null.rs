use orm::prelude::*;

#[derive(Table)]
pub struct Team {
    #[column(primary_key, auto)]
    pub id: i64,
}

#[derive(Table)]
pub struct Player {
    #[column(primary_key, auto)]
    pub id: i64,
    #[column(references = Team, on_delete = "set null")]
    pub team_id: i64,
}

fn main() {}
