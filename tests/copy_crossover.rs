//! Where binary COPY overtakes a multi-row INSERT on PostgreSQL: the
//! measurement behind `orm_postgres::COPY_THRESHOLD` (see
//! docs/src/postgres-copy.md). It prints a table of median times and
//! asserts nothing about them.
//!
//! Each contender does what orm does on its path: the INSERT is prepared
//! once and cached (as the connection's statement cache does), split below
//! the 65 535-bind limit; the COPY reads the column types from a prepared
//! `SELECT`, sends its statement each time and writes the binary format. Each run is one transaction, rolled back.
//!
//! ```sh
//! cargo test --release --no-default-features --features postgres \
//!     --test copy_crossover -- --ignored --nocapture
//! ```

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::pin::pin;
use std::time::Instant;

use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::{Client, NoTls, Statement};

const COLUMNS: [usize; 3] = [2, 4, 12];
const ROWS: [usize; 9] = [10, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000];
const RUNS: usize = 9;

/// Column `i`: `int8` when even, `text` when odd.
fn column_type(i: usize) -> Type {
    if i.is_multiple_of(2) {
        Type::INT8
    } else {
        Type::TEXT
    }
}

enum Cell {
    Int(i64),
    Text(String),
}

impl Cell {
    fn sql(&self) -> &(dyn ToSql + Sync) {
        match self {
            Cell::Int(v) => v,
            Cell::Text(v) => v,
        }
    }
}

fn rows(n: usize, columns: usize) -> Vec<Vec<Cell>> {
    (0..n)
        .map(|r| {
            (0..columns)
                .map(|c| match column_type(c) {
                    Type::INT8 => Cell::Int((r * columns + c) as i64),
                    _ => Cell::Text(format!("value {r} {c}")),
                })
                .collect()
        })
        .collect()
}

fn names(columns: usize) -> String {
    (0..columns)
        .map(|c| format!("c{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

async fn insert(
    client: &Client,
    cache: &mut HashMap<(usize, usize), Statement>,
    data: &[Vec<Cell>],
    columns: usize,
) -> u64 {
    let mut total = 0;
    for chunk in data.chunks(65_535 / columns) {
        let key = (chunk.len(), columns);
        if let Entry::Vacant(slot) = cache.entry(key) {
            let mut sql = format!(
                "INSERT INTO crossover_{columns} ({}) VALUES ",
                names(columns)
            );
            for r in 0..chunk.len() {
                sql.push_str(if r == 0 { "(" } else { ", (" });
                for c in 0..columns {
                    if c > 0 {
                        sql.push_str(", ");
                    }
                    sql.push_str(&format!("${}", r * columns + c + 1));
                }
                sql.push(')');
            }
            slot.insert(client.prepare(&sql).await.expect("prepare"));
        }
        let params: Vec<&(dyn ToSql + Sync)> = chunk.iter().flatten().map(Cell::sql).collect();
        total += client
            .execute_raw(&cache[&key], params)
            .await
            .expect("insert");
    }
    total
}

async fn copy(client: &Client, data: &[Vec<Cell>], columns: usize) -> u64 {
    // orm reads the column types first, from a prepared (not run) SELECT.
    let select = format!("SELECT {} FROM crossover_{columns}", names(columns));
    let statement = client.prepare(&select).await.expect("prepare");
    let types: Vec<Type> = statement
        .columns()
        .iter()
        .map(|c| c.type_().clone())
        .collect();
    let sql = format!(
        "COPY crossover_{columns} ({}) FROM STDIN (FORMAT binary)",
        names(columns)
    );
    let sink = client.copy_in(sql.as_str()).await.expect("copy");
    let mut writer = pin!(BinaryCopyInWriter::new(sink, &types));
    for row in data {
        let values: Vec<&(dyn ToSql + Sync)> = row.iter().map(Cell::sql).collect();
        writer.as_mut().write(&values).await.expect("write");
    }
    writer.as_mut().finish().await.expect("finish")
}

fn median(mut times: Vec<f64>) -> f64 {
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

#[tokio::test(flavor = "current_thread")]
#[ignore = "a measurement: run it alone, in release (see the file's docs)"]
async fn copy_and_insert_crossover() {
    let url = std::env::var("ORM_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string());
    let (client, connection) = tokio_postgres::connect(&url, NoTls).await.expect("connect");
    tokio::spawn(connection);
    client
        .batch_execute("SET search_path = pg_temp")
        .await
        .expect("set");
    println!("columns  rows   values  INSERT µs  COPY µs  COPY/INSERT");
    for columns in COLUMNS {
        let definition: Vec<String> = (0..columns)
            .map(|c| format!("c{c} {}", column_type(c).name()))
            .collect();
        client
            .batch_execute(&format!(
                "CREATE TEMP TABLE crossover_{columns} ({})",
                definition.join(", ")
            ))
            .await
            .expect("create");
        let mut cache = HashMap::new();
        for n in ROWS {
            let data = rows(n, columns);
            let (mut inserts, mut copies) = (Vec::new(), Vec::new());
            for run in 0..RUNS + 2 {
                for use_copy in [false, true] {
                    client.batch_execute("BEGIN").await.expect("begin");
                    let started = Instant::now();
                    let written = if use_copy {
                        copy(&client, &data, columns).await
                    } else {
                        insert(&client, &mut cache, &data, columns).await
                    };
                    let micros = started.elapsed().as_secs_f64() * 1e6;
                    client.batch_execute("ROLLBACK").await.expect("rollback");
                    assert_eq!(written, n as u64);
                    // The first two runs warm up caches on both sides.
                    if run >= 2 {
                        if use_copy { &mut copies } else { &mut inserts }.push(micros);
                    }
                }
            }
            let (insert, copy) = (median(inserts), median(copies));
            println!(
                "{columns:>7} {n:>5} {:>8} {insert:>10.0} {copy:>8.0} {:>12.2}",
                n * columns,
                copy / insert
            );
        }
    }
}
