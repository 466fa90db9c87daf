//! Migrations as `.sql` files: `<version>_<name>.sql`, with an up section
//! and an optional down section:
//!
//! ```sql
//! -- A comment before the first section is allowed.
//! -- migrate:up
//! CREATE TABLE "users" ("id" BIGINT PRIMARY KEY, "name" TEXT NOT NULL);
//!
//! -- migrate:down
//! DROP TABLE "users";
//! ```
//!
//! A migration with no statements under `-- migrate:down` (or no such
//! line) cannot be reverted.

use std::path::{Path, PathBuf};

use orm_core::Backend;

use crate::error::{MigrateError, Result};
use crate::migration::Migration;

/// The line that starts the up section.
pub const UP_MARKER: &str = "-- migrate:up";
/// The line that starts the down section.
pub const DOWN_MARKER: &str = "-- migrate:down";

/// The version and name in a file name `0003_add_karma.sql`.
pub fn parse_file_name(file: &str) -> Result<(i64, String)> {
    let stem = file.strip_suffix(".sql").unwrap_or(file);
    let digits: String = stem.chars().take_while(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return Err(MigrateError::MissingVersion { file: file.into() });
    }
    let malformed = |reason: String| MigrateError::Malformed {
        file: file.into(),
        line: None,
        reason,
    };
    let version: i64 = digits
        .parse()
        .map_err(|_| malformed(format!("version {digits} is too large")))?;
    let name = stem[digits.len()..].strip_prefix('_').unwrap_or_default();
    if name.is_empty() {
        return Err(malformed(format!(
            "name the migration after its version: `{digits}_<name>.sql`"
        )));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(malformed(
            "a migration's name has only letters, digits, `_` and `-`".into(),
        ));
    }
    Ok((version, name.to_string()))
}

/// Reads a migration from a file's name and contents (as `include_str!`
/// gives them, for migrations compiled into the program).
pub fn parse_file<B: Backend>(file: &str, contents: &str) -> Result<Migration<B>> {
    let (version, name) = parse_file_name(file)?;
    let malformed = |line: usize, reason: &str| MigrateError::Malformed {
        file: file.into(),
        line: Some(line),
        reason: reason.into(),
    };
    let (mut up, mut down): (Option<Vec<&str>>, Option<Vec<&str>>) = (None, None);
    for (i, raw) in contents.lines().enumerate() {
        let line = i + 1;
        let trimmed = raw.trim();
        if let Some(directive) = trimmed.strip_prefix("-- migrate:") {
            match directive.trim() {
                "up" if up.is_some() => return Err(malformed(line, "a second `-- migrate:up`")),
                "up" if down.is_some() => {
                    return Err(malformed(line, "`-- migrate:up` after `-- migrate:down`"))
                }
                "up" => up = Some(Vec::new()),
                "down" if up.is_none() => {
                    return Err(malformed(
                        line,
                        "`-- migrate:down` before `-- migrate:up`: the up section comes first",
                    ))
                }
                "down" if down.is_some() => {
                    return Err(malformed(line, "a second `-- migrate:down`"))
                }
                "down" => down = Some(Vec::new()),
                other => {
                    return Err(malformed(
                        line,
                        &format!(
                            "unknown directive `-- migrate:{other}`: the sections are \
                             `{UP_MARKER}` and `{DOWN_MARKER}`"
                        ),
                    ))
                }
            }
            continue;
        }
        match (&mut up, &mut down) {
            (_, Some(section)) | (Some(section), None) => section.push(raw),
            (None, None) if trimmed.is_empty() || trimmed.starts_with("--") => {}
            (None, None) => {
                return Err(malformed(
                    line,
                    &format!("SQL before the first section: start the file with `{UP_MARKER}`"),
                ))
            }
        }
    }
    let Some(up) = up else {
        return Err(MigrateError::Malformed {
            file: file.into(),
            line: None,
            reason: format!("no `{UP_MARKER}` line: put it before the migration's SQL"),
        });
    };
    let up = up.join("\n");
    if !has_statements(&up) {
        return Err(MigrateError::Malformed {
            file: file.into(),
            line: None,
            reason: format!("no SQL under `{UP_MARKER}`"),
        });
    }
    let mut migration = Migration::sql(version, &name, &up);
    migration.origin = file.to_string();
    if let Some(down) = down.map(|d| d.join("\n")).filter(|d| has_statements(d)) {
        migration = migration.down_sql(&down);
    }
    Ok(migration)
}

/// True when `sql` holds more than blank lines and `--` comments.
fn has_statements(sql: &str) -> bool {
    sql.lines().any(|l| {
        let l = l.trim();
        !l.is_empty() && !l.starts_with("--")
    })
}

/// Reads every `*.sql` file of `dir` (other files are ignored), sorted by
/// version.
pub fn read_dir<B: Backend>(dir: &Path) -> Result<Vec<Migration<B>>> {
    let io = |action, path: &Path| {
        let path = path.to_path_buf();
        move |source| MigrateError::Io {
            action,
            path,
            source,
        }
    };
    let mut migrations = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io("read the directory", dir))? {
        let path = entry.map_err(io("read the directory", dir))?.path();
        let Some(file) = path.file_name().and_then(|f| f.to_str()) else {
            continue;
        };
        if !path.is_file() || !file.ends_with(".sql") {
            continue;
        }
        let contents = std::fs::read_to_string(&path).map_err(io("read", &path))?;
        migrations.push(parse_file(file, &contents)?);
    }
    migrations.sort_by_key(|m| m.version);
    Ok(migrations)
}

/// Creates `<dir>/<version>_<name>.sql` holding `up` and `down` (or
/// placeholders), creating `dir` if needed; fails rather than overwrite.
pub fn write_file(
    dir: &Path,
    version: i64,
    name: &str,
    header: &str,
    up: &str,
    down: &str,
) -> Result<PathBuf> {
    let slug: String = name
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    let slug = slug.trim_matches('_');
    if slug.is_empty() {
        return Err(MigrateError::Malformed {
            file: name.into(),
            line: None,
            reason: "a migration needs a name of letters and digits, e.g. `add_karma`".into(),
        });
    }
    let path = dir.join(format!("{version:04}_{slug}.sql"));
    let io = |action| {
        let path = path.clone();
        move |source| MigrateError::Io {
            action,
            path,
            source,
        }
    };
    std::fs::create_dir_all(dir).map_err(|source| MigrateError::Io {
        action: "create the directory",
        path: dir.to_path_buf(),
        source,
    })?;
    let mut text = String::new();
    for line in header.lines() {
        text.push_str("-- ");
        text.push_str(line);
        text.push('\n');
    }
    text.push_str(UP_MARKER);
    text.push('\n');
    text.push_str(up.trim_end());
    text.push_str("\n\n");
    text.push_str(DOWN_MARKER);
    text.push('\n');
    text.push_str(down.trim_end());
    text.push('\n');
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(io("create"))?;
    file.write_all(text.as_bytes()).map_err(io("write"))?;
    Ok(path)
}
