//! Schema inspection on both backends: table names in the current schema
//! only, has_table, and for a table its columns, primary key, indexes,
//! unique constraints and foreign keys, exactly as created from models.
#![recursion_limit = "256"]

mod common;

use common::Kind;
use orm::inspect::{ColumnInfo, ForeignKeyInfo, IndexInfo, TableInfo, UniqueInfo};
use orm::prelude::*;
use orm::ReferentialAction;

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "teams")]
struct Team {
    #[column(primary_key, auto)]
    id: i32,
    #[column(unique)]
    name: String,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(
    name = "players",
    unique(team_id, number),
    index(nick, team_id, name = "players_by_nick")
)]
struct Player {
    #[column(primary_key, auto)]
    id: i64,
    #[column(references = Team, on_delete = "cascade", on_update = "restrict")]
    team_id: i32,
    number: i16,
    #[column(index, default = "rookie")]
    nick: String,
    #[column(default = 1.5)]
    rating: f64,
    #[column(default = true)]
    active: bool,
    #[column(default = -1)]
    rank: Option<i64>,
    #[column(references = Self, on_delete = "set null")]
    mentor: Option<i64>,
}

/// A composite primary key, referenced by a composite foreign key.
#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "seasons")]
struct Season {
    #[column(primary_key)]
    league: String,
    #[column(primary_key)]
    year: i32,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "games")]
#[table(foreign_key(columns(league, year), references = Season))]
struct Game {
    #[column(primary_key)]
    id: i64,
    league: String,
    year: i32,
}

fn column(name: &str, data_type: &str, nullable: bool, default: Option<&str>) -> ColumnInfo {
    ColumnInfo {
        name: name.into(),
        data_type: data_type.into(),
        nullable,
        default: default.map(Into::into),
        primary_key: false,
        auto: false,
    }
}

fn strings(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| n.to_string()).collect()
}

fn players(kind: Kind) -> TableInfo {
    let pg = kind == Kind::Postgres;
    let int = |pg_type: &str| {
        if pg {
            pg_type.to_string()
        } else {
            "INTEGER".to_string()
        }
    };
    TableInfo {
        name: "players".into(),
        columns: vec![
            ColumnInfo {
                primary_key: true,
                auto: true,
                ..column("id", &int("BIGINT"), false, None)
            },
            column("team_id", &int("INTEGER"), false, None),
            column("number", &int("SMALLINT"), false, None),
            column(
                "nick",
                "TEXT",
                false,
                Some(if pg { "'rookie'::text" } else { "'rookie'" }),
            ),
            column(
                "rating",
                if pg { "DOUBLE PRECISION" } else { "REAL" },
                false,
                Some("1.5"),
            ),
            column(
                "active",
                "BOOLEAN",
                false,
                Some(if pg { "true" } else { "1" }),
            ),
            column(
                "rank",
                &int("BIGINT"),
                true,
                Some(if pg { "'-1'::integer" } else { "-1" }),
            ),
            column("mentor", &int("BIGINT"), true, None),
        ],
        primary_key: strings(&["id"]),
        primary_key_name: pg.then(|| "players_pkey".to_string()),
        indexes: vec![
            IndexInfo {
                name: "players_by_nick".into(),
                columns: strings(&["nick", "team_id"]),
                unique: false,
            },
            IndexInfo {
                name: "players_nick_idx".into(),
                columns: strings(&["nick"]),
                unique: false,
            },
        ],
        uniques: vec![UniqueInfo {
            name: pg.then(|| "players_team_id_number_key".to_string()),
            columns: strings(&["team_id", "number"]),
        }],
        foreign_keys: vec![
            ForeignKeyInfo {
                name: pg.then(|| "players_mentor_fkey".to_string()),
                columns: strings(&["mentor"]),
                target_table: "players".into(),
                target_columns: strings(&["id"]),
                on_delete: ReferentialAction::SetNull,
                on_update: ReferentialAction::NoAction,
            },
            ForeignKeyInfo {
                name: pg.then(|| "players_team_id_fkey".to_string()),
                columns: strings(&["team_id"]),
                target_table: "teams".into(),
                target_columns: strings(&["id"]),
                on_delete: ReferentialAction::Cascade,
                on_update: ReferentialAction::Restrict,
            },
        ],
    }
}

both!(async fn a_table_reads_back_exactly_as_created(db, kind) {
    db.create_tables(&[Player::table(), Team::table()]).await?;
    let inspected = db.inspect_table("players").await?;
    assert_eq!(inspected, Some(players(kind)));
    Ok(())
});

both!(async fn composite_keys_and_composite_foreign_keys_read_back(db, kind) {
    db.create_tables(&[Game::table(), Season::table()]).await?;
    let seasons = db.inspect_table("seasons").await?.expect("created");
    assert_eq!(seasons.primary_key, strings(&["league", "year"]));
    assert!(seasons.columns.iter().all(|c| c.primary_key && !c.auto && !c.nullable));
    let games = db.inspect_table("games").await?.expect("created");
    assert_eq!(games.foreign_keys, [ForeignKeyInfo {
        name: (kind == Kind::Postgres).then(|| "games_league_year_fkey".to_string()),
        columns: strings(&["league", "year"]),
        target_table: "seasons".into(),
        target_columns: strings(&["league", "year"]),
        on_delete: ReferentialAction::NoAction,
        on_update: ReferentialAction::NoAction,
    }]);
    Ok(())
});

both!(async fn table_names_and_has_table_see_the_current_schema_only(db, kind) {
    assert_eq!(db.table_names().await?, Vec::<String>::new());
    assert!(!db.has_table("teams").await?);
    db.create_tables(&[Team::table(), Player::table(), Season::table()]).await?;
    assert_eq!(db.table_names().await?, strings(&["players", "seasons", "teams"]));
    assert!(db.has_table("teams").await?);
    assert!(!db.has_table("team").await?);
    assert_eq!(db.inspect_table("nothing").await?, None);
    if kind == Kind::Postgres {
        // A table in another schema is not ours.
        let mut s = db.session();
        let (ours,): (String,) = s.raw("SELECT current_schema()::text").fetch_one().await?;
        let elsewhere = format!("{ours}_elsewhere");
        s.batch(&format!("CREATE SCHEMA \"{elsewhere}\"; CREATE TABLE \"{elsewhere}\".ghosts (id int)")).await?;
        s.commit().await?;
        let seen = (db.has_table("ghosts").await, db.table_names().await);
        s.batch(&format!("DROP SCHEMA \"{elsewhere}\" CASCADE")).await?;
        s.commit().await?;
        assert!(!seen.0?);
        assert_eq!(seen.1?.len(), 3);
    }
    let mut s = db.session();
    assert_eq!(s.table_names().await?.len(), 3);
    assert!(s.has_table("seasons").await?);
    s.rollback().await?;
    Ok(())
});

both!(async fn inspection_agrees_with_the_models_metadata(db, kind) {
    let tables = [Team::table(), Player::table(), Season::table(), Game::table()];
    db.create_tables(&tables).await?;
    for meta in tables {
        let mut expected = TableInfo::from_meta(db.dialect(), meta);
        let mut actual = db.inspect_table(meta.name).await?.expect("created");
        for table in [&mut expected, &mut actual] {
            for c in &mut table.columns {
                c.default = c.default.as_deref().map(orm::inspect::normalize_default);
            }
            if kind == Kind::Sqlite {
                table.primary_key_name = None;
                table.uniques.iter_mut().for_each(|u| u.name = None);
                table.foreign_keys.iter_mut().for_each(|f| f.name = None);
            }
        }
        assert_eq!(actual, expected, "{}", meta.name);
    }
    Ok(())
});
