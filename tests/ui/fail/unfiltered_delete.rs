use orm::prelude::*;

#[derive(Table)]
pub struct User {
    #[column(primary_key, auto)]
    pub id: i64,
    pub name: String,
}

async fn purge(s: &mut orm::Session) -> orm::Result<u64> {
    s.delete::<User>().execute().await
}

fn main() {
    let _ = purge;
}
