//! orm-core's Session on PostgreSQL, end to end.

use futures_util::TryStreamExt;
use orm_core::Table;
use orm_core::{Backend, Connection, Database, Error, SessionState};
use orm_postgres::Postgres;

use crate::common::{Person, TestDb};

async fn database(db: &TestDb, params: &str) -> Database<Postgres> {
    let database = Database::<Postgres>::connect_with(&db.options(params))
        .await
        .unwrap();
    database.create_tables(&[Person::table()]).await.unwrap();
    database
}

#[tokio::test]
async fn add_select_update_delete() {
    let db = TestDb::new("session_crud").await;
    let database = database(&db, "").await;
    let mut s = database.session();
    let mut ann = Person::new("ann", 3);
    let mut bob = Person::new("bob", 1);
    s.add(&mut ann).await.unwrap();
    s.add(&mut bob).await.unwrap();
    assert_eq!((ann.id, bob.id), (1, 2));
    s.commit().await.unwrap();
    assert_eq!(s.state(), SessionState::Committed);

    let top: Vec<Person> = s
        .select::<Person>()
        .filter(Person::karma.gt(2))
        .order_by(Person::name.desc())
        .all()
        .await
        .unwrap();
    assert_eq!(top, [ann.clone()]);
    assert_eq!(s.select::<Person>().count().await.unwrap(), 2);
    assert!(s
        .select::<Person>()
        .filter(Person::email.is_null())
        .exists()
        .await
        .unwrap());

    let n = s
        .update::<Person>()
        .set(Person::karma, Person::karma + 10)
        .filter(Person::id.lt(100))
        .execute()
        .await
        .unwrap();
    assert_eq!(n, 2);
    let streamed: Vec<Person> = s
        .select::<Person>()
        .order_by(Person::id)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        streamed.iter().map(|p| p.karma).collect::<Vec<_>>(),
        [13, 11]
    );
    s.delete::<Person>()
        .filter(Person::name.like("b%"))
        .execute()
        .await
        .unwrap();
    s.commit().await.unwrap();
    let left: Vec<Person> = s.select::<Person>().all().await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].name, "ann");
    s.rollback().await.unwrap();

    let rows = [Person::new("c", 0), Person::new("d", 0)];
    let inserted = s
        .insert::<Person>()
        .values(&rows)
        .returning()
        .await
        .unwrap();
    assert_eq!(inserted.iter().map(|p| p.id).collect::<Vec<_>>(), [3, 4]);
    s.commit().await.unwrap();
}

#[tokio::test]
async fn a_unique_violation_fails_the_session_and_commits_nothing() {
    let db = TestDb::new("session_unique").await;
    let database = database(&db, "").await;
    let mut s = database.session();
    s.add(&mut Person::new("ann", 1)).await.unwrap();
    s.add(&mut Person::new("zed", 1)).await.unwrap();
    let err = s.add(&mut Person::new("ann", 2)).await.unwrap_err();
    match &err {
        Error::UniqueViolation(v) => {
            assert_eq!(v.table.as_deref(), Some("people"));
            assert_eq!(v.constraint.as_deref(), Some("people_name_key"));
        }
        other => panic!("expected a unique violation, got {other:?}"),
    }
    assert_eq!(s.state(), SessionState::Failed);
    assert!(matches!(
        s.commit().await.unwrap_err(),
        Error::InvalidState { .. }
    ));
    assert_eq!(s.select::<Person>().count().await.unwrap(), 0);
    s.close().await.unwrap();
}

#[tokio::test]
async fn a_dropped_session_rolls_back() {
    let db = TestDb::new("session_drop").await;
    let database = database(&db, "max_connections=1").await;
    {
        let mut s = database.begin().await.unwrap();
        s.add(&mut Person::new("ghost", 1)).await.unwrap();
    }
    let mut conn = database.backend().acquire().await.unwrap();
    let rows: Vec<(i64, bool)> = conn
        .fetch_all(
            "SELECT (SELECT count(*) FROM people), txid_current_if_assigned() IS NULL",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(rows, [(0, true)]);
    drop(conn);

    // A failing closure rolls back through Database::transaction.
    let result: Result<(), Error> = database
        .transaction(async |s| {
            s.add(&mut Person::new("x", 1)).await?;
            Err(Error::NotFound {
                table: "because".into(),
            })
        })
        .await;
    assert!(result.is_err());
    let mut s = database.session();
    assert_eq!(s.select::<Person>().count().await.unwrap(), 0);
    s.close().await.unwrap();
}
