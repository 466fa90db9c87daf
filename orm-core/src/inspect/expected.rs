//! What inspection reads back from a table created from a model, and
//! defaults made comparable across the ways databases print them.

use super::{ColumnInfo, ForeignKeyInfo, IndexInfo, TableInfo, UniqueInfo};
use crate::sql::Dialect;
use crate::table::TableMeta;

impl TableInfo {
    /// The table `meta` describes, as inspection reads it back once created
    /// by orm's DDL in `dialect`: the comparison point of migrations'
    /// autogenerate. Defaults are as the dialect writes them (compare them
    /// through [`normalize_default`]); the primary key's name is
    /// `<table>_pkey`.
    pub fn from_meta(dialect: &dyn Dialect, meta: &TableMeta) -> TableInfo {
        let columns = meta
            .columns
            .iter()
            .map(|c| ColumnInfo {
                name: c.name.to_string(),
                data_type: dialect.column_type(c.sql_type).to_string(),
                nullable: c.nullable,
                default: c.default.as_ref().map(|d| {
                    let mut text = String::new();
                    dialect.write_default(d, &mut text);
                    text
                }),
                primary_key: c.primary_key,
                auto: c.generated,
            })
            .collect();
        let mut indexes: Vec<IndexInfo> = meta
            .all_indexes()
            .into_iter()
            .map(|(name, columns)| IndexInfo {
                name,
                columns: owned(&columns),
                unique: false,
            })
            .collect();
        indexes.sort_by(|a, b| a.name.cmp(&b.name));
        let mut uniques: Vec<UniqueInfo> = meta
            .unique_constraints()
            .into_iter()
            .map(|(name, columns)| UniqueInfo {
                name: Some(name),
                columns: owned(&columns),
            })
            .collect();
        uniques.sort_by(|a, b| a.columns.cmp(&b.columns));
        let mut foreign_keys: Vec<ForeignKeyInfo> = meta
            .foreign_keys
            .iter()
            .map(|fk| ForeignKeyInfo {
                name: Some(fk.name.to_string()),
                columns: owned(fk.columns),
                target_table: fk.target_table().name.to_string(),
                target_columns: owned(&fk.referenced_columns()),
                on_delete: fk.on_delete,
                on_update: fk.on_update,
            })
            .collect();
        foreign_keys.sort_by(|a, b| a.columns.cmp(&b.columns));
        TableInfo {
            name: meta.name.to_string(),
            columns,
            primary_key: owned(&meta.primary_key_columns()),
            primary_key_name: Some(format!("{}_pkey", meta.name)),
            indexes,
            uniques,
            foreign_keys,
        }
    }
}

fn owned(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| n.to_string()).collect()
}

/// A default expression in a form two databases' spellings of the same
/// literal share: outer parentheses and PostgreSQL casts removed
/// (`'-1'::integer` is `-1`, `'new'::text` is `'new'`), numbers written
/// the same way (`1.0` is `1`), and `TRUE`/`FALSE` in lower case.
///
/// ```
/// use orm_core::inspect::normalize_default;
/// assert_eq!(normalize_default("'new'::text"), "'new'");
/// assert_eq!(normalize_default("'-1'::integer"), "-1");
/// assert_eq!(normalize_default("(1.50)"), "1.5");
/// assert_eq!(normalize_default("TRUE"), "true");
/// assert_eq!(normalize_default("now()"), "now()");
/// ```
pub fn normalize_default(text: &str) -> String {
    let mut current = text.trim().to_string();
    loop {
        let next = strip_cast(strip_parentheses(&current)).trim().to_string();
        if next == current {
            break;
        }
        current = next;
    }
    let unquoted = quoted(&current).filter(|inner| inner.parse::<f64>().is_ok());
    let candidate = unquoted.unwrap_or(&current);
    if let Ok(number) = candidate.parse::<f64>() {
        if number.is_finite() {
            return if number.fract() == 0.0 && number.abs() < 1e15 {
                format!("{}", number as i64)
            } else {
                format!("{number:?}")
            };
        }
    }
    match current.to_ascii_lowercase().as_str() {
        "true" | "false" => current.to_ascii_lowercase(),
        _ => current,
    }
}

/// `(x)` -> `x`, when the parentheses enclose all of it.
fn strip_parentheses(s: &str) -> &str {
    let Some(inner) = s.strip_prefix('(').and_then(|r| r.strip_suffix(')')) else {
        return s;
    };
    let mut depth = 0i32;
    let mut in_quote = false;
    for c in inner.chars() {
        match c {
            '\'' => in_quote = !in_quote,
            '(' if !in_quote => depth += 1,
            ')' if !in_quote => {
                depth -= 1;
                if depth < 0 {
                    return s;
                }
            }
            _ => {}
        }
    }
    inner
}

/// `x::type name(1,2)[]` -> `x`, for a cast outside quotes at the end.
fn strip_cast(s: &str) -> &str {
    let mut in_quote = false;
    let mut last = None;
    let bytes = s.as_bytes();
    for (i, c) in s.char_indices() {
        match c {
            '\'' => in_quote = !in_quote,
            ':' if !in_quote && bytes.get(i + 1) == Some(&b':') => last = Some(i),
            _ => {}
        }
    }
    match last {
        Some(i)
            if s[i + 2..].chars().all(|c| {
                c.is_ascii_alphanumeric()
                    || matches!(c, ' ' | '_' | '(' | ')' | ',' | '[' | ']' | '"')
            }) =>
        {
            &s[..i]
        }
        _ => s,
    }
}

/// The text inside `'...'`, if `s` is one quoted literal.
fn quoted(s: &str) -> Option<&str> {
    let inner = s.strip_prefix('\'')?.strip_suffix('\'')?;
    (!inner.contains('\'')).then_some(inner)
}

#[cfg(test)]
mod tests {
    use super::normalize_default;

    #[test]
    fn postgres_and_sqlite_spellings_of_one_literal_agree() {
        for (a, b) in [
            ("0", "0"),
            ("'-1'::integer", "-1"),
            ("1.5", "1.50"),
            ("'1.0'::double precision", "1"),
            ("'new'::text", "'new'"),
            ("'it''s'::text", "'it''s'"),
            ("true", "TRUE"),
            ("('x'::character varying)", "'x'"),
            ("CURRENT_TIMESTAMP", "CURRENT_TIMESTAMP"),
        ] {
            assert_eq!(normalize_default(a), normalize_default(b), "{a} vs {b}");
        }
        assert_ne!(normalize_default("'1'"), normalize_default("'2'"));
        assert_eq!(normalize_default("'12'::text"), "12");
        assert_eq!(normalize_default("(a) + (b)"), "(a) + (b)");
    }
}
