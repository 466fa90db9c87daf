use orm::prelude::*;

#[derive(Table)]
pub struct Player {
    #[column(primary_key, auto)]
    pub id: i64,
    #[column(on_delete = "cascade")]
    pub team_id: i64,
}

fn main() {}
