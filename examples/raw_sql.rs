//! Raw SQL with dynamic rows, a struct deriving `FromRow`, a statement's
//! columns (an expression's type included) without changing anything, a setting, a select whose rows do not decode
//! (the transaction goes on), and every statement echoed, the setting,
//! the `DESCRIBE` and the transaction's `BEGIN` and `COMMIT` included.
//!
//! Runs on an embedded SQLite database by default:
//!
//!     cargo run --example raw_sql
//!
//! and on PostgreSQL when `DATABASE_URL` names one:
//!
//!     DATABASE_URL=postgres://postgres@127.0.0.1/test cargo run --example raw_sql
//!
//! Each statement is echoed to stderr (`echo=true` in the URL); bound values
//! are not, unless the URL also says `log_binds=true`.

use orm::prelude::*;

/// A row of the karma report: columns matched by name, one renamed.
#[derive(FromRow, Debug, PartialEq)]
struct Karma {
    name: String,
    #[row(rename = "points")]
    karma: i64,
}

/// The same table seen with a wrongly typed column.
#[derive(Table, Debug)]
#[table(name = "raw_sql_people")]
struct MistypedPerson {
    #[column(primary_key)]
    id: i64,
    name: i64,
    karma: i64,
    email: Option<String>,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> orm::Result<()> {
    let base = std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite::memory:".to_string());
    let sep = if base.contains('?') { '&' } else { '?' };
    let db = Database::connect(&format!("{base}{sep}echo=true&slow_statement_ms=500")).await?;
    println!("connected to {}", db.backend_name());

    let mut s = db.session();
    s.batch("DROP TABLE IF EXISTS raw_sql_people").await?;
    s.batch("CREATE TABLE raw_sql_people (id BIGINT PRIMARY KEY, name TEXT NOT NULL, karma BIGINT NOT NULL, email TEXT)")
        .await?;
    for (id, name, karma, email) in [
        (1_i64, "ann", 3_i64, Some("ann@example.com")),
        (2, "bob", 8, None),
    ] {
        // Values are bound, never spliced into the SQL.
        s.raw("INSERT INTO raw_sql_people (id, name, karma, email) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(name)
            .bind(karma)
            .bind(email.map(str::to_string))
            .execute()
            .await?;
    }

    // Dynamic rows: read by column name or index, typed.
    let rows: Vec<Record> = s
        .raw("SELECT id, name, email FROM raw_sql_people ORDER BY id")
        .fetch_all()
        .await?;
    for row in &rows {
        let id: i64 = row.get("id")?;
        let name: String = row.get(1)?;
        let email: Option<String> = row.get_opt("email")?;
        println!("{id}: {name} <{}>", email.as_deref().unwrap_or("no email"));
    }
    assert_eq!(rows[0].columns(), ["id", "name", "email"]);

    // A mistake names the column.
    let err = rows[0].get::<i64>("name").unwrap_err();
    println!("reading `name` as i64: {err}");

    // A select whose rows do not decode is an error naming the column, and
    // loses nothing: the database changed nothing, so the rows inserted
    // above are still there to commit.
    let err = s.select::<MistypedPerson>().all().await.unwrap_err();
    println!("selecting MistypedPerson: {err}");
    assert_eq!(s.state(), SessionState::Active);

    // Straight into a struct deriving FromRow.
    let report: Vec<Karma> = s
        .raw("SELECT karma AS points, name FROM raw_sql_people WHERE karma > $1 ORDER BY name")
        .bind(1_i64)
        .fetch_all()
        .await?;
    println!("{report:?}");
    assert_eq!(
        report[1],
        Karma {
            name: "bob".into(),
            karma: 8
        }
    );

    // What a statement returns, without changing anything.
    for column in s
        .raw("SELECT id, name FROM raw_sql_people")
        .describe()
        .await?
    {
        println!(
            "column {}: {:?} ({} on this database)",
            column.name, column.sql_type, column.database_type
        );
    }
    // An expression's type: PostgreSQL knows it from the statement; SQLite
    // takes it from the first row of a lone SELECT, and never runs a write
    // to find out (a RETURNING expression stays NULL there).
    let label = s
        .raw("SELECT 'x' || name AS label FROM raw_sql_people ORDER BY id")
        .describe()
        .await?;
    let next = s
        .raw("DELETE FROM raw_sql_people RETURNING id + 1 AS next")
        .describe()
        .await?;
    let types = (
        label[0].database_type.as_str(),
        next[0].database_type.as_str(),
    );
    match db.backend_name() {
        "postgresql" => assert_eq!(types, ("text", "int8")),
        _ => assert_eq!(types, ("TEXT", "NULL")),
    }
    println!("label is {}, next is {}", types.0, types.1);

    // A setting for this transaction only.
    let (setting, value) = match db.backend_name() {
        "postgresql" => ("statement_timeout", "5s"),
        _ => ("cache_size", "-4000"),
    };
    s.set_setting(setting, value).await?;
    println!("{setting} = {}", s.setting(setting).await?);

    s.batch("DROP TABLE raw_sql_people").await?;
    s.commit().await?;
    db.close().await;
    Ok(())
}
