//! Micro-benchmarks of orm's own work per query, with no database:
//! building a query and compiling it to SQL (shape-cache hit and miss), and
//! decoding a row into a model.
//!
//! ```text
//! cargo bench --manifest-path bench/Cargo.toml --bench micro
//! ```

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use orm::Table;
use orm_core::query::SelectTree;
use orm_core::sql::{compile, SqlCache};
use orm_core::{FromRow, Result, Row};
use orm_postgres::PgDialect;

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "users")]
pub struct User {
    #[column(primary_key, auto)]
    pub id: i32,
    pub name: String,
    pub hair_color: Option<String>,
}

/// A row held in memory, read through orm's `Row` getters as a backend's
/// row is.
struct MemRow {
    id: i32,
    name: String,
    hair_color: Option<String>,
}

impl Row for MemRow {
    fn len(&self) -> usize {
        3
    }
    fn column_name(&self, idx: usize) -> &str {
        ["id", "name", "hair_color"][idx]
    }
    fn get_bool(&self, _: usize) -> Result<Option<bool>> {
        unreachable!()
    }
    fn get_i16(&self, _: usize) -> Result<Option<i16>> {
        unreachable!()
    }
    fn get_i32(&self, _: usize) -> Result<Option<i32>> {
        Ok(Some(self.id))
    }
    fn get_i64(&self, _: usize) -> Result<Option<i64>> {
        Ok(Some(i64::from(self.id)))
    }
    fn get_f32(&self, _: usize) -> Result<Option<f32>> {
        unreachable!()
    }
    fn get_f64(&self, _: usize) -> Result<Option<f64>> {
        unreachable!()
    }
    fn get_str(&self, idx: usize) -> Result<Option<&str>> {
        Ok(match idx {
            1 => Some(&self.name),
            _ => self.hair_color.as_deref(),
        })
    }
    fn get_bytes(&self, _: usize) -> Result<Option<&[u8]>> {
        unreachable!()
    }
}

fn pk_select(id: i32) -> SelectTree {
    let mut tree = SelectTree::new(User::table());
    tree.filter = Some(User::id.eq::<User, _, _>(id).into_node());
    tree.limit = Some(2);
    tree
}

fn in_list_select(ids: &[i32]) -> SelectTree {
    let mut tree = SelectTree::new(User::table());
    tree.filter = Some(
        User::id
            .in_list::<User, _, _, _>(ids.iter().copied())
            .into_node(),
    );
    tree
}

fn query(c: &mut Criterion) {
    let cache = SqlCache::new();
    let mut group = c.benchmark_group("query");
    group.bench_function("build + compile pk select (cached shape)", |b| {
        b.iter(|| {
            let tree = pk_select(black_box(42));
            let compiled = compile(&tree, &PgDialect, &cache);
            black_box((compiled.sql.len(), compiled.binds.len()));
        })
    });
    group.bench_function("build + compile pk select (new shape)", |b| {
        b.iter(|| {
            let fresh = SqlCache::new();
            let tree = pk_select(black_box(42));
            let compiled = compile(&tree, &PgDialect, &fresh);
            black_box((compiled.sql.len(), compiled.binds.len()));
        })
    });
    let ids: Vec<i32> = (1..=100).collect();
    group.bench_function("build + compile IN (100 keys) select (cached shape)", |b| {
        b.iter(|| {
            let tree = in_list_select(black_box(&ids));
            let compiled = compile(&tree, &PgDialect, &cache);
            black_box((compiled.sql.len(), compiled.binds.len()));
        })
    });
    group.finish();
}

fn decode(c: &mut Criterion) {
    let row = MemRow {
        id: 7,
        name: "User 7".to_string(),
        hair_color: Some("black".to_string()),
    };
    c.bench_function("decode a users row into User", |b| {
        b.iter(|| black_box(User::from_row(black_box(&row)).unwrap()))
    });
}

criterion_group!(benches, query, decode);
criterion_main!(benches);
