use orm::prelude::*;

#[derive(Table)]
pub struct User {
    #[column(primary_key, auto)]
    pub id: i64,
}

#[derive(Table)]
pub struct Post {
    #[column(primary_key, auto)]
    pub id: i64,
    pub user_id: i64,
}

async fn authors(s: &mut orm::Session) -> orm::Result<Vec<User>> {
    s.select::<User>().filter(User::id.eq(Post::user_id)).all().await
}

async fn titles(s: &mut orm::Session) -> orm::Result<Vec<User>> {
    s.select::<User>().filter(Post::id.gt(3)).all().await
}

fn main() {
    let _ = (authors, titles);
}
