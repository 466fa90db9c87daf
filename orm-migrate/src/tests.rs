//! Reading migrations: file names, sections, checksums, the checks on a
//! set, and writing a new file. No database needed.

use crate::error::MigrateError;
use crate::source::{parse_file, parse_file_name, write_file};
use crate::{Migration, Migrator};

type B = orm_sqlite::Sqlite;

fn parse(file: &str, contents: &str) -> Result<Migration<B>, MigrateError> {
    parse_file::<B>(file, contents)
}

fn malformed(file: &str, contents: &str) -> (Option<usize>, String) {
    match parse(file, contents) {
        Err(MigrateError::Malformed { line, reason, .. }) => (line, reason),
        other => panic!("expected Malformed, got {other:?}"),
    }
}

#[test]
fn file_names_carry_version_and_name() {
    assert_eq!(
        parse_file_name("0001_create_users.sql").unwrap(),
        (1, "create_users".into())
    );
    assert_eq!(
        parse_file_name("12_add-karma.sql").unwrap(),
        (12, "add-karma".into())
    );
    let err = parse_file_name("create_users.sql").unwrap_err();
    assert_eq!(
        err.to_string(),
        "migration file `create_users.sql` has no version: name it `<version>_<name>.sql`, e.g. `0001_create_users.sql`"
    );
    assert_eq!(
        parse_file_name("0002.sql").unwrap_err().to_string(),
        "malformed migration `0002.sql`: name the migration after its version: `0002_<name>.sql`"
    );
    assert!(matches!(
        parse_file_name("0003_two words.sql"),
        Err(MigrateError::Malformed { .. })
    ));
}

#[test]
fn sections_split_up_and_down() {
    let m = parse(
        "0001_users.sql",
        "-- Users.\n\n-- migrate:up\nCREATE TABLE users (id INT);\n\n-- migrate:down\nDROP TABLE users;\n",
    )
    .unwrap();
    assert_eq!((m.version(), m.name(), m.kind()), (1, "users", "sql"));
    assert_eq!(m.up_sql(), Some("CREATE TABLE users (id INT);"));
    assert!(m.is_reversible());
    assert_eq!(m.origin(), "0001_users.sql");
    let one_way = parse(
        "0002_x.sql",
        "-- migrate:up\nSELECT 1;\n-- migrate:down\n-- cannot be undone\n",
    )
    .unwrap();
    assert!(!one_way.is_reversible());
    assert!(!parse("0002_x.sql", "-- migrate:up\nSELECT 1;\n")
        .unwrap()
        .is_reversible());
}

#[test]
fn malformed_files_say_where_and_how_to_fix_them() {
    assert_eq!(
        malformed("1_a.sql", "SELECT 1;\n-- migrate:up\n"),
        (
            Some(1),
            "SQL before the first section: start the file with `-- migrate:up`".into()
        )
    );
    assert_eq!(
        malformed("1_a.sql", "-- migrate:down\nSELECT 1;\n"),
        (
            Some(1),
            "`-- migrate:down` before `-- migrate:up`: the up section comes first".into()
        )
    );
    assert_eq!(
        malformed("1_a.sql", "-- migrate:up\nSELECT 1;\n-- migrate:up\n").0,
        Some(3)
    );
    assert_eq!(
        malformed(
            "1_a.sql",
            "-- migrate:up\nSELECT 1;\n-- migrate:down\n-- migrate:down\n"
        )
        .1,
        "a second `-- migrate:down`"
    );
    assert_eq!(
        malformed("1_a.sql", "-- migrate:up\n  -- migrate:sideways\n"),
        (Some(2), "unknown directive `-- migrate:sideways`: the sections are `-- migrate:up` and `-- migrate:down`".into())
    );
    assert_eq!(
        malformed("1_a.sql", "-- only a comment\n"),
        (
            None,
            "no `-- migrate:up` line: put it before the migration's SQL".into()
        )
    );
    assert_eq!(
        malformed(
            "1_a.sql",
            "-- migrate:up\n-- nothing\n\n-- migrate:down\nSELECT 1;\n"
        ),
        (None, "no SQL under `-- migrate:up`".into())
    );
}

#[test]
fn checksums_cover_the_up_sql_and_ignore_line_endings() {
    let lf = parse("1_a.sql", "-- migrate:up\nSELECT 1;\nSELECT 2;\n").unwrap();
    let crlf = parse("1_a.sql", "-- migrate:up\r\nSELECT 1;\r\nSELECT 2;\r\n").unwrap();
    assert_eq!(lf.checksum(), crlf.checksum());
    let other_down = parse(
        "1_a.sql",
        "-- migrate:up\nSELECT 1;\nSELECT 2;\n-- migrate:down\nSELECT 3;\n",
    )
    .unwrap();
    assert_eq!(lf.checksum(), other_down.checksum());
    assert_eq!(
        Migration::<B>::sql(1, "a", "  SELECT 1\n").checksum(),
        crate::migration::sha256("SELECT 1")
    );
    // The SHA-256 test vector: a change of algorithm would show here.
    assert_eq!(
        crate::migration::sha256("abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

#[test]
fn a_set_runs_from_one_without_gaps_or_repeats() {
    let m = |v: i64, name: &str| Migration::<B>::sql(v, name, "SELECT 1");
    assert!(Migrator::new()
        .with(m(2, "b"))
        .with(m(1, "a"))
        .validate()
        .is_ok());
    let err = Migrator::new().with(m(2, "b")).validate().unwrap_err();
    assert_eq!(err.to_string(), "no migration 1: versions must start at 1");
    let err = Migrator::new()
        .with(m(1, "a"))
        .with(m(2, "b"))
        .with(m(5, "e"))
        .validate()
        .unwrap_err();
    assert_eq!(err.to_string(), "no migration 3: versions jump from 2 to 4");
    let err = Migrator::new()
        .with(m(1, "a"))
        .with(m(1, "b"))
        .validate()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "two migrations have version 1: `0001_a` and `0001_b`"
    );
    assert!(Migrator::<B>::new().validate().is_ok());
    assert_eq!(
        Migrator::new()
            .with(m(1, "a"))
            .with(m(2, "b"))
            .last_version(),
        2
    );
}

#[test]
fn a_new_file_gets_both_sections_and_is_never_overwritten() {
    let dir = std::env::temp_dir().join(format!("orm-migrate-new-{}", std::process::id()));
    let path = write_file(
        &dir,
        3,
        "Add Karma!",
        "Written by a test.",
        "SELECT 1;",
        "-- undo here",
    )
    .unwrap();
    assert_eq!(
        path.file_name().and_then(|f| f.to_str()),
        Some("0003_add_karma.sql")
    );
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        text,
        "-- Written by a test.\n-- migrate:up\nSELECT 1;\n\n-- migrate:down\n-- undo here\n"
    );
    let back = parse("0003_add_karma.sql", &text).unwrap();
    assert_eq!(back.up_sql(), Some("SELECT 1;"));
    let err = write_file(&dir, 3, "add karma", "", "SELECT 1;", "").unwrap_err();
    assert!(
        matches!(
            err,
            MigrateError::Io {
                action: "create",
                ..
            }
        ),
        "{err}"
    );
    let from_dir = Migrator::<B>::from_dir(&dir).unwrap();
    assert_eq!(from_dir.migrations().len(), 1);
    std::fs::remove_dir_all(&dir).unwrap();
    let err = Migrator::<B>::from_dir(&dir).unwrap_err();
    assert!(
        err.to_string().starts_with("cannot read the directory"),
        "{err}"
    );
}
