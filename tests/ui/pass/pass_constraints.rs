//! Every constraint attribute of `#[derive(Table)]`, compiled and checked
//! at run time: foreign keys at column and table level (to another model,
//! to itself, composite, with actions), multi-column unique constraints,
//! named indexes, checks.

use orm::prelude::*;
use orm::{CheckMeta, IndexMeta, ReferentialAction, UniqueMeta};

/// A team, keyed by two columns.
#[derive(Table, Debug)]
#[table(name = "teams")]
pub struct Team {
    /// First part of the key.
    #[column(primary_key)]
    pub league: String,
    /// Second part of the key.
    #[column(primary_key)]
    pub code: i32,
}

/// A player: references, actions, constraints over several columns.
#[derive(Table, Debug)]
#[table(name = "players", unique(league, number), index(nick, name = "players_by_nick"))]
#[table(index(number, league), check = "number > 0")]
#[table(check(name = "nick_not_empty", sql = "nick <> ''"))]
#[table(foreign_key(columns(league, team), references = Team, on_delete = "cascade", on_update = "cascade"))]
pub struct Player {
    /// The key.
    #[column(primary_key, auto)]
    pub id: i64,
    /// The team's league.
    pub league: String,
    /// The team's code.
    #[column(name = "team_code")]
    pub team: i32,
    /// A shirt number.
    #[column(check = "number < 100")]
    pub number: i16,
    /// A nickname.
    pub nick: String,
    /// Who coaches this player, if anyone.
    #[column(references = Self, on_delete = "set null")]
    pub coach: Option<i64>,
}

fn main() {
    let meta = Player::table();
    assert_eq!(
        meta.uniques,
        &[UniqueMeta { name: "players_league_number_key", columns: &["league", "number"] }]
    );
    assert_eq!(
        meta.indexes,
        &[
            IndexMeta { name: "players_by_nick", columns: &["nick"] },
            IndexMeta { name: "players_number_league_idx", columns: &["number", "league"] },
        ]
    );
    assert_eq!(
        meta.checks,
        &[
            CheckMeta { name: "players_number_check", sql: "number < 100" },
            CheckMeta { name: "players_check", sql: "number > 0" },
            CheckMeta { name: "nick_not_empty", sql: "nick <> ''" },
        ]
    );
    let [coach, team] = meta.foreign_keys else { panic!("two foreign keys") };
    assert_eq!((coach.name, coach.columns), ("players_coach_fkey", &["coach"][..]));
    assert_eq!(coach.target_table().name, "players");
    assert_eq!(coach.referenced_columns(), ["id"]);
    assert_eq!(coach.on_delete, ReferentialAction::SetNull);
    assert_eq!(coach.on_update, ReferentialAction::NoAction);
    assert_eq!(team.name, "players_league_team_code_fkey");
    assert_eq!(team.columns, ["league", "team_code"]);
    assert_eq!(team.target_table().name, "teams");
    assert_eq!(team.referenced_columns(), ["league", "code"]);
    assert_eq!((team.on_delete, team.on_update), (ReferentialAction::Cascade, ReferentialAction::Cascade));
}
