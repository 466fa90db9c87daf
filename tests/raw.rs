//! Raw SQL with bound values, inside the session's transaction, on both backends.
#![recursion_limit = "256"]

mod common;

use common::models::{seed_users, User};
use common::Kind;
use orm::prelude::*;
use orm::{Record, SqlType};

both!(async fn raw_queries_bind_values_and_decode_tuples_and_models(db, kind) {
    let seeded = seed_users(&db).await?;
    let mut s = db.session();
    let rows: Vec<(i64, String)> = s
        .raw("SELECT id, name FROM users WHERE karma > $1 ORDER BY id")
        .bind(2)
        .fetch_all()
        .await?;
    assert_eq!(rows, [(1, "ann".to_string()), (3, "cid".to_string()), (4, "dee".to_string())]);
    let user: User = s
        .raw("SELECT id, name, email, karma FROM users WHERE name = $1")
        .bind("bob")
        .fetch_one()
        .await?;
    assert_eq!(user, seeded[1]);
    assert_eq!((user.id, user.name.as_str(), user.email.as_deref(), user.karma), (2, "bob", None, 1));
    let none: Option<(i64,)> = s.raw("SELECT id FROM users WHERE name = $1").bind("zed").fetch_optional().await?;
    assert_eq!(none, None);
    let err = s.raw("SELECT id FROM users WHERE name = $1").bind("zed").fetch_one::<(i64,)>().await.unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    Ok(())
});

both!(async fn raw_execute_counts_rows_and_binds_null(db, kind) {
    seed_users(&db).await?;
    let mut s = db.session();
    let n = s
        .raw("UPDATE users SET email = $1 WHERE karma < $2")
        .bind(None::<String>)
        .bind(4)
        .execute()
        .await?;
    assert_eq!(n, 2);
    s.commit().await?;
    assert_eq!(s.select::<User>().filter(User::email.is_null()).count().await?, 3);
    Ok(())
});

both!(async fn raw_values_are_never_spliced(db, kind) {
    seed_users(&db).await?;
    let mut s = db.session();
    let hostile = "'); DELETE FROM users; --";
    let rows: Vec<(i64,)> = s.raw("SELECT id FROM users WHERE name = $1").bind(hostile).fetch_all().await?;
    assert!(rows.is_empty());
    assert_eq!(s.select::<User>().count().await?, 4);
    // Stored and read back as the very text bound, quotes, `$1` and `?` included.
    let tricky = "it's $1 or ? -- \"x\"; \\";
    let n = s.raw("INSERT INTO users (name, karma) VALUES ($1, $2)").bind(tricky).bind(0).execute().await?;
    assert_eq!(n, 1);
    let back: (String, i64) = s.raw("SELECT name, CAST(karma AS BIGINT) FROM users WHERE name = $1").bind(tricky).fetch_one().await?;
    assert_eq!(back, (tricky.to_string(), 0));
    assert_eq!(s.select::<User>().count().await?, 5);
    Ok(())
});

both!(async fn a_failing_raw_statement_fails_the_session(db, kind) {
    let mut s = db.session();
    let err = s.raw("SELECT * FROM no_such_table").fetch_all::<(i64,)>().await.unwrap_err();
    assert!(matches!(err, Error::Database { .. }), "{err:?}");
    assert_eq!(s.state(), SessionState::Failed);
    s.rollback().await?;
    let one: (i64,) = s.raw("SELECT 1").fetch_one().await?;
    assert_eq!(one, (1,));
    Ok(())
});

both!(async fn raw_stream_yields_rows(db, kind) {
    seed_users(&db).await?;
    let mut s = db.session();
    let names: Vec<(String,)> = s
        .raw("SELECT name FROM users WHERE karma >= $1 ORDER BY name")
        .bind(3)
        .fetch_stream()
        .try_collect()
        .await?;
    assert_eq!(names, [("ann".to_string(),), ("cid".to_string(),), ("dee".to_string(),)]);
    Ok(())
});

both!(async fn raw_rows_fetch_as_records_read_by_name_or_index(db, kind) {
    seed_users(&db).await?;
    let mut s = db.session();
    let rows: Vec<Record> = s
        .raw("SELECT id, name, email, karma FROM users WHERE karma > $1 ORDER BY id")
        .bind(2)
        .fetch_all()
        .await?;
    assert_eq!(rows.len(), 3);
    let ann = &rows[0];
    assert_eq!(ann.columns(), ["id", "name", "email", "karma"]);
    assert_eq!(ann.get::<i64>("id")?, 1);
    assert_eq!(ann.get::<String>(1)?, "ann");
    assert_eq!(ann.get::<i32>("karma")?, 3);
    assert_eq!(ann.get_opt::<String>("email")?.as_deref(), Some("ann@example.com"));
    assert_eq!(rows[1].get_opt::<String>("email")?, None);
    assert_eq!(rows[1].get::<Option<String>>("email")?, None);
    assert_eq!(rows[2].get::<String>("name")?, "dee");

    let one: Record = s.raw("SELECT name FROM users WHERE id = $1").bind(2_i64).fetch_one().await?;
    assert_eq!(one.get::<String>("name")?, "bob");
    let none: Option<Record> = s.raw("SELECT name FROM users WHERE id = $1").bind(99_i64).fetch_optional().await?;
    assert_eq!(none, None);
    let streamed: Vec<Record> = s.raw("SELECT name FROM users ORDER BY name DESC").fetch_stream().try_collect().await?;
    let names: Vec<String> = streamed.iter().map(|r| r.get("name")).collect::<Result<_>>()?;
    assert_eq!(names, ["dee", "cid", "bob", "ann"]);
    Ok(())
});

both!(async fn a_record_read_as_the_wrong_type_is_a_decode_error_naming_the_column(db, kind) {
    seed_users(&db).await?;
    let mut s = db.session();
    let row: Record = s.raw("SELECT name, email FROM users WHERE name = 'bob'").fetch_one().await?;
    match row.get::<i64>("name").unwrap_err() {
        Error::Decode { column, expected, found } => {
            assert_eq!((column.as_str(), expected, found.as_str()), ("name", "i64", "text \"bob\""));
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    match row.get::<String>("email").unwrap_err() {
        Error::Decode { column, found, .. } => assert_eq!((column.as_str(), found.as_str()), ("email", "NULL")),
        other => panic!("expected a decode error, got {other:?}"),
    }
    Ok(())
});

both!(async fn an_unknown_record_column_is_an_error_listing_the_columns(db, kind) {
    seed_users(&db).await?;
    let mut s = db.session();
    let row: Record = s.raw("SELECT id, name FROM users WHERE name = 'ann'").fetch_one().await?;
    let err = row.get::<i64>("karma").unwrap_err();
    assert!(matches!(&err, Error::ColumnNotFound { column, columns } if column == "`karma`" && columns == "id, name"), "{err:?}");
    let err = row.get::<i64>(2).unwrap_err();
    assert_eq!(err.to_string(), "no column #2 in the row: its columns are id, name");
    Ok(())
});

#[derive(FromRow, Debug, PartialEq)]
struct Karma {
    name: String,
    #[row(rename = "points")]
    karma: i64,
    email: Option<String>,
}

both!(async fn rows_decode_into_a_struct_deriving_from_row_by_column_name(db, kind) {
    seed_users(&db).await?;
    let mut s = db.session();
    // Columns in another order than the fields, one renamed, one extra.
    let rows: Vec<Karma> = s
        .raw("SELECT email, id, CAST(karma AS BIGINT) AS points, name FROM users WHERE karma >= $1 ORDER BY name")
        .bind(5)
        .fetch_all()
        .await?;
    assert_eq!(rows, [
        Karma { name: "cid".into(), karma: 7, email: None },
        Karma { name: "dee".into(), karma: 5, email: Some("dee@example.com".into()) },
    ]);
    let record: Record = s.raw("SELECT name, CAST(karma AS BIGINT) AS points, email FROM users WHERE name = 'ann'").fetch_one().await?;
    assert_eq!(record.decode::<Karma>()?, Karma { name: "ann".into(), karma: 3, email: Some("ann@example.com".into()) });
    let err = s.raw("SELECT name, email FROM users").fetch_all::<Karma>().await.unwrap_err();
    assert!(matches!(&err, Error::ColumnNotFound { column, columns } if column == "`points`" && columns == "name, email"), "{err:?}");
    // A column of the wrong type is a decode error naming it (the renamed one
    // here); the transaction is failed, and usable again after a rollback.
    s.rollback().await?;
    let err = s.raw("SELECT name, name AS points, email FROM users WHERE name = 'ann'").fetch_one::<Karma>().await.unwrap_err();
    match err {
        Error::Decode { column, expected, found } => {
            assert_eq!((column.as_str(), expected), ("points", "i64"));
            let text = if kind == Kind::Postgres { "text" } else { "TEXT" };
            assert_eq!(found, text);
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    assert_eq!(s.state(), SessionState::Failed);
    s.rollback().await?;
    let err = s.raw("SELECT NULL AS name, 1 AS points, email FROM users WHERE name = 'bob'").fetch_one::<Karma>().await.unwrap_err();
    assert!(matches!(&err, Error::Decode { column, found, .. } if column == "name" && found == "NULL"), "{err:?}");
    s.rollback().await?;
    assert_eq!(s.raw("SELECT name, 1 AS points, email FROM users WHERE name = 'bob'").fetch_one::<Karma>().await?.karma, 1);
    Ok(())
});

both!(async fn describe_reports_columns_and_types_without_running_the_statement(db, kind) {
    seed_users(&db).await?;
    let mut s = db.session();
    let columns = s.raw("DELETE FROM users WHERE karma > $1 RETURNING id, name, karma").describe().await?;
    let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["id", "name", "karma"]);
    let types: Vec<Option<SqlType>> = columns.iter().map(|c| c.sql_type).collect();
    let database_types: Vec<&str> = columns.iter().map(|c| c.database_type.as_str()).collect();
    match kind {
        Kind::Postgres => {
            assert_eq!(types, [Some(SqlType::I64), Some(SqlType::Text), Some(SqlType::I32)]);
            assert_eq!(database_types, ["int8", "text", "int4"]);
        }
        Kind::Sqlite => {
            assert_eq!(types, [Some(SqlType::I64), Some(SqlType::Text), Some(SqlType::I64)]);
            assert_eq!(database_types, ["INTEGER", "TEXT", "INTEGER"]);
        }
    }
    // Nothing ran: every user is still there.
    assert_eq!(s.select::<User>().count().await?, 4);
    // A statement that returns no rows has no columns.
    assert!(s.raw("UPDATE users SET karma = $1").describe().await?.is_empty());
    // An expression's column is named and typed.
    let columns = s.raw("SELECT count(*) AS n FROM users").describe().await?;
    let database_type = match kind {
        Kind::Postgres => "int8",
        Kind::Sqlite => "INTEGER",
    };
    assert_eq!(columns.len(), 1);
    assert_eq!((columns[0].name.as_str(), columns[0].sql_type, columns[0].database_type.as_str()), ("n", Some(SqlType::I64), database_type));
    // A statement that does not compile is the database's error, and fails the transaction like any other.
    let err = s.raw("SELECT nothing FROM no_such_table").describe().await.unwrap_err();
    assert!(matches!(err, Error::Database { .. }), "{err:?}");
    Ok(())
});

both!(async fn describe_types_a_sqlite_expression_by_its_first_row_and_never_runs_a_write(db, kind) {
    seed_users(&db).await?;
    let mut s = db.session();
    let typed = |columns: Vec<orm::ResultColumn>| -> Vec<(String, String)> {
        columns.into_iter().map(|c| (c.name, c.database_type)).collect()
    };
    let pairs = |expected: &[(&str, &str)]| -> Vec<(String, String)> {
        expected.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect()
    };
    let select = s.raw("SELECT 1 + 1 AS two, 'x' || name AS label, karma / 2.0 AS half FROM users ORDER BY id").describe().await?;
    let no_row = s.raw("SELECT 'x' || name AS label FROM users WHERE karma < 0").describe().await?;
    let returning = s.raw("DELETE FROM users RETURNING id + 1 AS next").describe().await?;
    match kind {
        Kind::Postgres => {
            assert_eq!(typed(select), pairs(&[("two", "int4"), ("label", "text"), ("half", "numeric")]));
            assert_eq!(typed(no_row), pairs(&[("label", "text")]));
            assert_eq!(typed(returning), pairs(&[("next", "int8")]));
        }
        Kind::Sqlite => {
            // One SELECT runs once: the first row's storage classes.
            assert_eq!(typed(select), pairs(&[("two", "INTEGER"), ("label", "TEXT"), ("half", "REAL")]));
            // No row: nothing to take a type from.
            assert_eq!(typed(no_row), pairs(&[("label", "NULL")]));
            // A write is never run to type its RETURNING expressions.
            assert_eq!(typed(returning), pairs(&[("next", "NULL")]));
        }
    }
    assert_eq!(s.select::<User>().count().await?, 4);
    s.commit().await?;
    assert_eq!(db.session().select::<User>().count().await?, 4);
    Ok(())
});

both!(async fn a_raw_insert_rolled_back_is_gone(db, kind) {
    seed_users(&db).await?;
    let mut s = db.session();
    let n = s.raw("INSERT INTO users (name, karma) VALUES ($1, $2)").bind("eve").bind(9).execute().await?;
    assert_eq!(n, 1);
    let seen: Option<Record> = s.raw("SELECT name FROM users WHERE name = $1").bind("eve").fetch_optional().await?;
    assert_eq!(seen.map(|r| r.get::<String>("name")).transpose()?.as_deref(), Some("eve"));
    s.rollback().await?;
    let after: Option<Record> = s.raw("SELECT name FROM users WHERE name = $1").bind("eve").fetch_optional().await?;
    assert_eq!(after, None);
    Ok(())
});

both!(async fn a_column_type_without_a_rust_carrier_is_a_decode_error_naming_it(db, kind) {
    let mut s = db.session();
    if kind == Kind::Sqlite {
        // Every SQLite value has a carrier: its storage class.
        let row: Record = s.raw("SELECT '127.0.0.1' AS addr").fetch_one().await?;
        assert_eq!(row.get::<String>("addr")?, "127.0.0.1");
        return Ok(());
    }
    let columns = s.raw("SELECT 1 AS n, '127.0.0.1'::inet AS addr").describe().await?;
    let described: Vec<(&str, Option<SqlType>, &str)> =
        columns.iter().map(|c| (c.name.as_str(), c.sql_type, c.database_type.as_str())).collect();
    assert_eq!(described, [("n", Some(SqlType::I32), "int4"), ("addr", None, "inet")]);
    let err = s.raw("SELECT 1 AS n, '127.0.0.1'::inet AS addr").fetch_one::<Record>().await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot decode column `addr`: expected a column type orm knows (for a Record), found inet, \
         a type orm has no Rust carrier for: cast it in SQL, e.g. `x::text`"
    );
    // Cast in SQL, as the chapter says.
    s.rollback().await?;
    let row: Record = s.raw("SELECT '127.0.0.1'::inet::text AS addr").fetch_one().await?;
    assert_eq!(row.get::<String>("addr")?, "127.0.0.1/32");
    Ok(())
});
