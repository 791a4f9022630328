//! Performance of the server, printed as ratios against baselines measured in the same run
//! (`bash server/bench/run.sh [--quick] [ingest|lookup|sqlite|postgres]`, which calls
//! `cargo bench -p server --bench server`). Nothing here is a pass/fail test: the figures and
//! the targets are printed side by side.
//!
//! Each backend gets a fresh database: a file SQLite database in a temporary directory (WAL,
//! synchronous=FULL, as the store opens it) and, when a PostgreSQL server answers at
//! `TDC_BENCH_POSTGRES_URL` (default the local one), a `tdc_bench_…` database dropped at the end.
//!
//! 1. Ingest: readings/s through `POST /api/v1/readings` on the real server (port 0), 4 clients
//!    (4 bridges, each with its token and 8 balances) posting batches of 500 readings in the
//!    `wire::v1` shape one after the other, versus a raw sqlx insert of the same kind of rows
//!    into a `reading` table made from the same migration text: a 500-row multi-VALUES INSERT
//!    (with the store's `ON CONFLICT DO NOTHING`), one transaction a batch. SQLite has one
//!    writer, so its baseline writes back to back on one connection; PostgreSQL's uses one
//!    connection a client. Baseline and server alternate for 3 rounds and the best round of
//!    each is shown. Targets: ≥ 0.5× raw, ≥ 50,000 readings/s.
//! 2. Instrument lookup: N instruments (1,000,000 on SQLite, 10,000,000 on PostgreSQL) and one
//!    organisation per thousand are seeded by SQL after the migrations; then one client looks
//!    up random serials of the seeded set: p50/p99/max latency of a raw prepared
//!    `SELECT … WHERE serial = $1` (the baseline), of the store's search and fetch by id, and of
//!    the same through the JSON API and the HTML pages, signed in. The probes of one serial run
//!    back to back in rotating order, so that no path gets a warmer cache than another.
//!    Target p99 < 5 ms.
//!
//! The server, its clients and the database share the machine, so each phase also prints the
//! cores it kept busy: this process's and the whole machine's. A machine busier than this
//! process (plus PostgreSQL's backends) means something else ran and the figures are low.
//!
//! Sizes: `TDC_BENCH_READINGS` (500,000 a round), `TDC_BENCH_ROUNDS` (3), `TDC_BENCH_CLIENTS`
//! (4), `TDC_BENCH_INSTRUMENTS_SQLITE`, `TDC_BENCH_INSTRUMENTS_PG`, `TDC_BENCH_LOOKUPS`
//! (20,000). Instruments are scaled down, with a note, where less than 15 GB of disk is free.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use calibration_profiles::wire::v1::{BatchAck, Raw, Reading, ReadingBatch};
use chrono::{DateTime, NaiveDate, TimeDelta, TimeZone, Utc};
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use server::auth::hash_password;
use server::http::AppState;
use server::startup::Application;
use server::store::Store;
use server::store::registry::InstrumentQuery;
use server::store::users::{NewUser, Role};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqliteSynchronous};
use sqlx::{AssertSqlSafe, Connection};
use uuid::Uuid;

const BATCH: usize = 500;
const SQLITE_MIGRATION: &str = include_str!("../migrations/sqlite/0001_core.sql");
const POSTGRES_MIGRATION: &str = include_str!("../migrations/postgres/0001_core.sql");
/// Below this much free disk the instrument counts are scaled down.
const ENOUGH_DISK: u64 = 15 << 30;
/// Rows seeded per statement, so that progress can be shown.
const SEED_CHUNK: u64 = 1_000_000;
/// Millisecond timestamps of the seeded UUIDv7s (November 2023 onwards).
const INSTRUMENT_EPOCH_MS: u64 = 1_700_000_000_000;
const ORGANISATION_EPOCH_MS: u64 = 1_690_000_000_000;

/// Category, serial prefix, maker, model, measuring range, resolution, verification scale
/// interval (scales only) and accuracy class of the seeded instruments.
#[rustfmt::skip] // One instrument kind a line reads as the table it is.
const CATEGORIES: [[&str; 8]; 8] = [
    ["water-meter-mechanical", "NW", "Sensus", "620C", "(0,016 … 3,125) m³/h", "0,05 L", "", "B"],
    ["electricity-meter-1p", "EM", "EMIC", "CV140", "5(20) A, 220 V", "0,1 kWh", "", "1"],
    ["fuel-dispenser", "FD", "Tatsuno", "Sunny", "(5 … 50) L/min", "0,01 L", "", "0,5"],
    ["taximeter", "TX", "Cosmos", "CT-100", "(0 … 999) km", "0,1 km", "", "2"],
    ["pressure-gauge", "PG", "Wika", "213.53", "(0 … 16) bar", "0,2 bar", "", "1,6"],
    ["clinical-thermometer-electronic", "CT", "Omron", "MC-246", "(32 … 42) °C", "0,1 °C", "", "0,1"],
    ["platform-scale", "PS", "Vinacan", "TPS-300", "(0 … 300) kg", "100 g", "100 g", "III"],
    ["counter-scale", "CS", "Nhơn Hòa", "NHS-30", "(0 … 30) kg", "10 g", "10 g", "III"],
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Sqlite,
    Postgres,
}

impl Kind {
    fn word(self) -> &'static str {
        match self {
            Kind::Sqlite => "sqlite",
            Kind::Postgres => "postgres",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Kind::Sqlite => "SQLite (file, WAL, synchronous=FULL)",
            Kind::Postgres => "PostgreSQL",
        }
    }
}

/// What to run and how big.
#[derive(Debug)]
#[allow(clippy::struct_excessive_bools)] // one switch per part of the benchmark
struct Plan {
    ingest: bool,
    lookup: bool,
    audit: bool,
    verify: bool,
    /// Seconds of load on the verification page (and as many on the bare handler).
    verify_seconds: u64,
    /// Writes per round of the audit-cost phase.
    audit_writes: usize,
    readings: usize,
    /// Concurrent ingest clients (and PostgreSQL baseline connections).
    clients: usize,
    /// Ingest rounds; the best is shown.
    rounds: usize,
    lookups: usize,
    instruments_sqlite: u64,
    instruments_pg: u64,
    postgres_admin: String,
}

fn env_size(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace(['_', ','], "").parse().ok())
        .unwrap_or(default)
}

fn count(n: u64) -> usize {
    usize::try_from(n).expect("invariant: counts fit in memory")
}

/// `1234567` as `1,234,567`.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn rate(n: usize, elapsed: Duration) -> u64 {
    // Rounded rates for display; far below 2^53.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let r = (n as f64 / elapsed.as_secs_f64()).round() as u64;
    r
}

fn verdict(ok: bool) -> &'static str {
    if ok { "meets" } else { "BELOW" }
}

// ---------------------------------------------------------------------------------------------
// Fresh databases

/// Drops a PostgreSQL database when dropped, even after a panic.
#[derive(Debug)]
struct DropDatabase {
    admin_url: String,
    name: String,
}

impl Drop for DropDatabase {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        // Its own runtime on its own thread: the caller may be inside one.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async {
                if let Ok(mut c) = PgConnection::connect(&admin_url).await {
                    let _ = sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut c).await;
                }
            });
        })
        .join();
    }
}

/// A fresh database of one backend.
#[derive(Debug)]
struct Fresh {
    kind: Kind,
    url: String,
    /// SQLite files live here (the store's and the raw baseline's).
    dir: tempfile::TempDir,
    /// Where PostgreSQL keeps its files, when it tells us.
    pg_data: Option<String>,
    _drop: Option<DropDatabase>,
}

impl Fresh {
    fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        Self {
            kind: Kind::Sqlite,
            url: format!("sqlite://{}", dir.path().join("tdc.sqlite").display()),
            dir,
            pg_data: None,
            _drop: None,
        }
    }

    async fn postgres(admin_url: &str) -> Result<Self, String> {
        let mut admin = PgConnection::connect(admin_url)
            .await
            .map_err(|e| e.to_string())?;
        let name = format!("tdc_bench_{:016x}", rand::rng().random::<u64>());
        sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .map_err(|e| e.to_string())?;
        let pg_data = sqlx::query_scalar::<_, String>("SHOW data_directory")
            .fetch_one(&mut admin)
            .await
            .ok();
        let _ = admin.close().await;
        let (base, _) = admin_url
            .rsplit_once('/')
            .ok_or_else(|| format!("`{admin_url}` names no database"))?;
        Ok(Self {
            kind: Kind::Postgres,
            url: format!("{base}/{name}"),
            dir: tempfile::tempdir().expect("tempdir"),
            pg_data,
            _drop: Some(DropDatabase {
                admin_url: admin_url.to_owned(),
                name,
            }),
        })
    }

    /// Free bytes where this backend keeps its data (`df`), if known.
    fn free_disk(&self) -> Option<u64> {
        let path = match &self.pg_data {
            Some(p) => Path::new(p),
            None => self.dir.path(),
        };
        let out = Command::new("df").arg("-Pk").arg(path).output().ok()?;
        let text = String::from_utf8_lossy(&out.stdout);
        let kb: u64 = text
            .lines()
            .nth(1)?
            .split_whitespace()
            .nth(3)?
            .parse()
            .ok()?;
        Some(kb * 1024)
    }
}

/// One statement of a migration, cut out by its opening words (up to the `;` that ends it).
fn statement<'a>(migration: &'a str, opening: &str) -> &'a str {
    let start = migration
        .find(opening)
        .expect("invariant: statement in migration");
    let len = migration[start..]
        .find(";\n")
        .expect("invariant: statement ends");
    &migration[start..=start + len]
}

/// The `reading` table and its index exactly as the migration makes them.
fn reading_ddl(migration: &str) -> String {
    format!(
        "{}\n{}",
        statement(migration, "CREATE TABLE reading ("),
        statement(migration, "CREATE INDEX reading_device_time")
    )
}

// ---------------------------------------------------------------------------------------------
// 1. Ingest

/// A reading as the raw baseline binds it: parsed and serialised before the clock starts.
#[derive(Debug)]
struct Row {
    id: Uuid,
    bridge_id: String,
    device_id: String,
    channel: String,
    value_text: String,
    value: f64,
    unit: String,
    stable: bool,
    raw: String,
    captured_at: DateTime<Utc>,
}

/// The bridge of client `k` (each client is a bench with its own bridge and token).
fn bridge_of(k: usize) -> String {
    format!("bench-{}", k + 1)
}

/// `readings` rounded up to whole batches of balances streaming stable weights, batch `i` from
/// the bridge of client `i % clients` and its 8 balances.
fn make_batches(readings: usize, clients: usize) -> Vec<ReadingBatch> {
    let start = Utc::now() - TimeDelta::hours(1);
    let mut k = 0u32;
    (0..readings.div_ceil(BATCH))
        .map(|i| ReadingBatch {
            bridge_id: bridge_of(i % clients),
            readings: (0..BATCH)
                .map(|_| {
                    k += 1;
                    let value = format!("{:.4}", 100.0 + f64::from(k % 997) * 0.0001);
                    Reading {
                        reading_id: Uuid::now_v7(),
                        device_id: format!("{}-balance-{}", bridge_of(i % clients), k % 8 + 1),
                        channel: "mass".into(),
                        raw: Raw::Text(format!("S S {value:>10} g")),
                        value,
                        unit: "g".into(),
                        stable: true,
                        captured_at: start + TimeDelta::microseconds(i64::from(k) * 100),
                    }
                })
                .collect(),
        })
        .collect()
}

fn rows_of(batch: &ReadingBatch) -> Vec<Row> {
    batch
        .readings
        .iter()
        .map(|r| Row {
            id: r.reading_id,
            bridge_id: batch.bridge_id.clone(),
            device_id: r.device_id.clone(),
            channel: r.channel.clone(),
            value_text: r.value.clone(),
            value: r.value.parse().expect("invariant: made as a number"),
            unit: r.unit.clone(),
            stable: r.stable,
            raw: serde_json::to_string(&r.raw).expect("invariant: serialisable"),
            captured_at: r.captured_at,
        })
        .collect()
}

/// The store's INSERT of `rows` readings. SQLite gets anonymous `?` placeholders like the
/// store's query builder: with `$N` names, sqlx looks each name up in SQLite's linear list of
/// names, which costs more than the insert itself at 5,500 parameters.
fn insert_sql(kind: Kind, rows: usize) -> Arc<str> {
    let mut sql = String::from(
        "INSERT INTO reading (reading_id, bridge_id, device_id, channel, value_text, value, unit, stable, raw, captured_at, received_at) VALUES ",
    );
    for r in 0..rows {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..11 {
            sql.push_str(if c == 0 { "" } else { ", " });
            match kind {
                Kind::Sqlite => sql.push('?'),
                Kind::Postgres => {
                    let _ = write!(sql, "${}", r * 11 + c + 1);
                }
            }
        }
        sql.push(')');
    }
    sql.push_str(" ON CONFLICT (reading_id) DO NOTHING");
    sql.into()
}

/// The INSERT with one batch bound, on either backend.
macro_rules! bind_rows {
    ($sql:expr, $rows:expr) => {{
        let now = Utc::now();
        let mut q = sqlx::query(AssertSqlSafe(Arc::clone($sql)));
        for r in $rows {
            q = q
                .bind(r.id)
                .bind(&r.bridge_id)
                .bind(&r.device_id)
                .bind(&r.channel)
                .bind(&r.value_text)
                .bind(r.value)
                .bind(&r.unit)
                .bind(r.stable)
                .bind(&r.raw)
                .bind(r.captured_at)
                .bind(now);
        }
        q
    }};
}

/// The SQLite baseline's connection, with the `reading` table made.
async fn raw_sqlite_connection(path: &Path) -> SqliteConnection {
    let opts = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full);
    let mut c = SqliteConnection::connect_with(&opts)
        .await
        .expect("raw sqlite");
    sqlx::raw_sql(AssertSqlSafe(reading_ddl(SQLITE_MIGRATION)))
        .execute(&mut c)
        .await
        .expect("reading table");
    c
}

/// The SQLite baseline: one connection, one transaction a batch.
async fn raw_ingest_sqlite(c: &mut SqliteConnection, batches: &[Vec<Row>]) {
    let sql = insert_sql(Kind::Sqlite, BATCH);
    for rows in batches {
        let mut tx = c.begin().await.expect("begin");
        bind_rows!(&sql, rows)
            .execute(&mut *tx)
            .await
            .expect("insert");
        tx.commit().await.expect("commit");
    }
}

/// The PostgreSQL baseline: a schema of its own in the fresh database, one connection a client.
async fn raw_ingest_postgres(pool: &PgPool, batches: &Arc<Vec<Vec<Row>>>, clients: usize) {
    let sql = insert_sql(Kind::Postgres, BATCH);
    let tasks: Vec<_> = (0..clients)
        .map(|k| {
            let (pool, batches, sql) = (pool.clone(), Arc::clone(batches), Arc::clone(&sql));
            tokio::spawn(async move {
                for rows in batches.iter().skip(k).step_by(clients) {
                    let mut tx = pool.begin().await.expect("begin");
                    bind_rows!(&sql, rows)
                        .execute(&mut *tx)
                        .await
                        .expect("insert");
                    tx.commit().await.expect("commit");
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("raw client");
    }
}

async fn raw_postgres_pool(url: &str, clients: usize) -> PgPool {
    let opts = PgConnectOptions::from_str(url)
        .expect("url")
        .options([("search_path", "bench_raw")]);
    let pool = PgPoolOptions::new()
        .max_connections(u32::try_from(clients).expect("invariant: few clients"))
        .connect_with(opts)
        .await
        .expect("raw postgres");
    sqlx::raw_sql(AssertSqlSafe(format!(
        "CREATE SCHEMA bench_raw; {}",
        reading_ddl(POSTGRES_MIGRATION)
    )))
    .execute(&pool)
    .await
    .expect("reading table");
    pool
}

/// Serves the application on port 0 until the returned sender fires.
async fn serve(store: &Store) -> (String, tokio::sync::oneshot::Sender<()>) {
    let app = Application::bind(([127, 0, 0, 1], 0).into(), AppState::new(store.clone()))
        .await
        .expect("bind");
    let base = format!("http://{}", app.local_addr().expect("addr"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.serve(async {
        let _ = stopped.await;
    }));
    (base, stop)
}

/// Request bodies, dealt round-robin to `clients` like the bridges of [`make_batches`],
/// serialised before the clock starts.
fn bodies(batches: &[ReadingBatch], clients: usize) -> Vec<Vec<String>> {
    let mut shares = vec![Vec::new(); clients];
    for (i, b) in batches.iter().enumerate() {
        shares[i % clients].push(serde_json::to_string(b).expect("invariant: serialisable"));
    }
    shares
}

/// Each client posts its share of the bodies one after the other; returns how many readings
/// the server accepted.
async fn http_ingest(base: &str, tokens: &[String], shares: Vec<Vec<String>>) -> usize {
    let client = reqwest::Client::new();
    let url = format!("{base}/api/v1/readings");
    let tasks: Vec<_> = shares
        .into_iter()
        .zip(tokens)
        .map(|(bodies, token)| {
            let (client, url, auth) = (client.clone(), url.clone(), format!("Bearer {token}"));
            tokio::spawn(async move {
                let mut accepted = 0;
                for body in bodies {
                    let resp = client
                        .post(&url)
                        .header(reqwest::header::AUTHORIZATION, &auth)
                        .header(reqwest::header::CONTENT_TYPE, "application/json")
                        .body(body)
                        .send()
                        .await
                        .expect("post");
                    let status = resp.status();
                    assert!(status.is_success(), "POST /api/v1/readings: {status}");
                    accepted += resp.json::<BatchAck>().await.expect("ack").accepted;
                }
                accepted
            })
        })
        .collect();
    let mut accepted = 0;
    for t in tasks {
        accepted += t.await.expect("client");
    }
    accepted
}

/// Busy CPU so far, in clock ticks (1/100 s): this process, and the whole machine.
fn cpu_ticks() -> (u64, u64) {
    let own = std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|stat| {
            let f: Vec<u64> = stat
                .rsplit_once(')')?
                .1
                .split_whitespace()
                .map(|v| v.parse().unwrap_or(0))
                .collect();
            Some(f.get(11)? + f.get(12)?)
        })
        .unwrap_or(0);
    // user nice system idle iowait irq softirq steal: busy is all but idle and iowait.
    let all = std::fs::read_to_string("/proc/stat")
        .ok()
        .and_then(|stat| {
            let f: Vec<u64> = stat
                .lines()
                .next()?
                .split_whitespace()
                .skip(1)
                .take(8)
                .map(|v| v.parse().unwrap_or(0))
                .collect();
            Some(f.iter().sum::<u64>() - f.get(3)? - f.get(4)?)
        })
        .unwrap_or(0);
    (own, all)
}

/// Wall time of a phase and the cores it kept busy.
#[derive(Debug, Clone, Copy)]
struct Measured {
    wall: Duration,
    process_cores: f64,
    machine_cores: f64,
}

async fn measure(phase: impl Future<Output = ()>) -> Measured {
    let (own0, all0) = cpu_ticks();
    let start = Instant::now();
    phase.await;
    let wall = start.elapsed();
    let (own1, all1) = cpu_ticks();
    let cores = |ticks: u64| ticks as f64 / 100.0 / wall.as_secs_f64();
    Measured {
        wall,
        process_cores: cores(own1 - own0),
        machine_cores: cores(all1 - all0),
    }
}

fn cpu_note(m: Measured) -> String {
    let cores = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    format!(
        "CPU: this process {:.1}, machine {:.1} of {cores} cores",
        m.process_cores, m.machine_cores
    )
}

/// The baseline's connection(s).
#[derive(Debug)]
enum RawIngest {
    Sqlite(SqliteConnection),
    Postgres(PgPool),
}

/// One round: the baseline, then the server, each with readings of its own.
async fn ingest_round(
    raw: &mut RawIngest,
    base: &str,
    tokens: &[String],
    plan: &Plan,
) -> (Measured, Measured, usize) {
    let batches = make_batches(plan.readings, plan.clients);
    let rows: Arc<Vec<Vec<Row>>> = Arc::new(batches.iter().map(rows_of).collect());
    let raw = match raw {
        RawIngest::Sqlite(c) => measure(raw_ingest_sqlite(c, &rows)).await,
        RawIngest::Postgres(pool) => measure(raw_ingest_postgres(pool, &rows, plan.clients)).await,
    };
    drop(rows);
    let shares = bodies(&make_batches(plan.readings, plan.clients), plan.clients);
    let mut accepted = 0;
    let http = measure(async { accepted = http_ingest(base, tokens, shares).await }).await;
    (raw, http, accepted)
}

/// The round with the shortest wall time: the one least disturbed by anything else.
fn best(a: Option<Measured>, b: Measured) -> Measured {
    a.filter(|a| a.wall <= b.wall).unwrap_or(b)
}

async fn ingest(fresh: &Fresh, store: &Store, plan: &Plan) {
    let n = plan.readings.div_ceil(BATCH) * BATCH;
    let (mut raw, raw_conns) = match fresh.kind {
        Kind::Sqlite => {
            let path = fresh.dir.path().join("raw.sqlite");
            (RawIngest::Sqlite(raw_sqlite_connection(&path).await), 1)
        }
        Kind::Postgres => (
            RawIngest::Postgres(raw_postgres_pool(&fresh.url, plan.clients).await),
            plan.clients,
        ),
    };
    let mut tokens = Vec::new();
    for k in 0..plan.clients {
        tokens.push(
            store
                .create_device_token("bench", &bridge_of(k), "benchmark")
                .await
                .expect("device token"),
        );
    }
    let (base, stop) = serve(store).await;
    let (mut best_raw, mut best_http, mut accepted) = (None, None, 0);
    for _ in 0..plan.rounds {
        let (r, h, a) = ingest_round(&mut raw, &base, &tokens, plan).await;
        best_raw = Some(best(best_raw, r));
        best_http = Some(best(best_http, h));
        accepted += a;
    }
    let _ = stop.send(());
    match raw {
        RawIngest::Sqlite(c) => {
            let _ = c.close().await;
        }
        RawIngest::Postgres(pool) => pool.close().await,
    }
    let (raw, http) = (
        best_raw.expect("invariant: one round at least"),
        best_http.expect("invariant: one round at least"),
    );
    let stored = store.count_readings().await.expect("count");
    let (raw_rate, http_rate) = (rate(n, raw.wall), rate(n, http.wall));
    let ratio = http_rate as f64 / raw_rate as f64;
    println!(
        "Ingest, {}: {} readings in batches of {BATCH}, best of {} alternating rounds",
        fresh.kind.label(),
        grouped(n as u64),
        plan.rounds
    );
    println!(
        "  {:<36} {:>8} readings/s                                {}",
        format!("raw sqlx INSERT, {raw_conns} connection(s)"),
        grouped(raw_rate),
        cpu_note(raw)
    );
    println!(
        "  {:<36} {:>8} readings/s   ratio {ratio:.2}   target ≥ 0.5  {}   {}",
        format!("POST /api/v1/readings, {} client(s)", plan.clients),
        grouped(http_rate),
        verdict(ratio >= 0.5),
        cpu_note(http)
    );
    println!(
        "  {:<36} {:>8} target ≥ 50,000 readings/s  {}",
        "",
        "",
        verdict(http_rate >= 50_000)
    );
    let sent = n * plan.rounds;
    if accepted != sent || usize::try_from(stored).ok() != Some(sent) {
        println!("  note: the server accepted {accepted} and stored {stored} of {sent} readings");
    }
}

// ---------------------------------------------------------------------------------------------
// 2. Instrument lookup: seeding

/// The id the seed gives to row `n` counted from `epoch_ms`: a UUIDv7 whose time is
/// `epoch_ms + n` and whose random part is `n`, so that Rust and SQL agree on it.
fn seeded_id(epoch_ms: u64, n: u64) -> Uuid {
    Uuid::from_u128((u128::from(epoch_ms + n) << 80) | (0x7000 << 64) | (0x8 << 60) | u128::from(n))
}

/// The serial the seed gives to instrument `n`.
fn serial_of(n: u64) -> String {
    let k = count(n % CATEGORIES.len() as u64);
    format!("{}{n:08}", CATEGORIES[k][1])
}

/// `cat(k, category, prefix, …)` as a VALUES list both dialects read.
fn categories_cte() -> String {
    let mut sql = String::from(
        "cat(k, category, prefix, maker, model, measuring_range, resolution, verification_interval, accuracy_class) AS (VALUES ",
    );
    for (k, c) in CATEGORIES.iter().enumerate() {
        let _ = write!(sql, "{}({k}", if k == 0 { "" } else { ", " });
        for v in c {
            if v.is_empty() {
                sql.push_str(", NULL");
            } else {
                let _ = write!(sql, ", '{}'", v.replace('\'', "''"));
            }
        }
        sql.push(')');
    }
    sql.push(')');
    sql
}

const INSTRUMENT_COLUMNS: &str = "instrument_id, category, maker, model, serial, measuring_range, resolution, verification_interval, accuracy_class, owner_id, location, status, last_result, last_verified_on, next_due_on, created_at, updated_at";

/// Seeds instruments `$1 ≤ n < $2` owned by `$3` organisations; `$4`/`$5` are the id epochs and
/// `$6` the creation time. `id(epoch, n)`, `serial` and `date(day0, n)` are the dialect's parts.
fn instrument_seed_sql(
    with: &str,
    seq: &str,
    id: impl Fn(&str, &str) -> String,
    serial: &str,
    date: impl Fn(&str) -> String,
) -> String {
    format!(
        "{with} {cat} INSERT INTO instrument ({INSTRUMENT_COLUMNS}) SELECT {id}, cat.category, cat.maker, cat.model, {serial}, cat.measuring_range, cat.resolution, cat.verification_interval, cat.accuracy_class, {owner}, CASE n % 5 WHEN 0 THEN 'Hà Nội' WHEN 1 THEN 'TP. Hồ Chí Minh' WHEN 2 THEN 'Đà Nẵng' WHEN 3 THEN 'Hải Phòng' ELSE 'Cần Thơ' END, CASE WHEN n % 50 = 0 THEN 'out_of_use' ELSE 'in_use' END, CASE WHEN n % 40 = 0 THEN 'fail' ELSE 'pass' END, {verified}, {due}, $6, $6 FROM {seq} JOIN cat ON cat.k = n % {k}",
        cat = categories_cte(),
        id = id("$4", "n"),
        owner = id("$5", "(n % $3)"),
        verified = date("2025-01-01"),
        due = date("2026-01-01"),
        k = CATEGORIES.len(),
    )
}

fn sqlite_id(epoch: &str, n: &str) -> String {
    format!("unhex(printf('%012x7000', {epoch} + {n}) || printf('8%015x', {n}))")
}

fn postgres_id(epoch: &str, n: &str) -> String {
    format!("(lpad(to_hex({epoch} + {n}), 12, '0') || '70008' || lpad(to_hex({n}), 15, '0'))::uuid")
}

fn sqlite_seed_sql() -> String {
    instrument_seed_sql(
        "WITH RECURSIVE seq(n) AS (SELECT $1 UNION ALL SELECT n + 1 FROM seq WHERE n + 1 < $2),",
        "seq",
        sqlite_id,
        "cat.prefix || printf('%08d', n)",
        |day0| format!("date('{day0}', printf('+%d days', (n * 7919) % 730))"),
    )
}

fn postgres_seed_sql() -> String {
    instrument_seed_sql(
        "WITH",
        "generate_series($1::bigint, $2::bigint - 1) AS g(n)",
        postgres_id,
        "cat.prefix || lpad(n::text, 8, '0')",
        |day0| format!("DATE '{day0}' + ((n * 7919) % 730)::int"),
    )
}

fn organisation_seed_sql(kind: Kind) -> String {
    let (with, seq, id, tax) = match kind {
        Kind::Sqlite => (
            "WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n + 1 < $1)",
            "seq",
            sqlite_id("$2", "n"),
            "printf('%010d', 100000000 + n)",
        ),
        Kind::Postgres => (
            "WITH seq AS (SELECT n FROM generate_series(0::bigint, $1::bigint - 1) AS g(n))",
            "seq",
            postgres_id("$2", "n"),
            "lpad((100000000 + n)::text, 10, '0')",
        ),
    };
    format!(
        "{with} INSERT INTO organisation (organisation_id, name, tax_code, address, created_at, updated_at) SELECT {id}, 'Công ty TNHH Đo lường số ' || (n + 1), {tax}, 'Hà Nội', $3, $3 FROM {seq}"
    )
}

/// How many organisations own `instruments`: one per thousand, between 1 and 10,000.
fn organisations_for(instruments: u64) -> u64 {
    (instruments / 1000).clamp(1, 10_000)
}

fn seed_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0)
        .single()
        .expect("invariant: valid date")
}

fn progress(done: u64, total: u64) {
    if total > SEED_CHUNK {
        println!("  … {} of {} instruments", grouped(done), grouped(total));
    }
}

/// Binds and runs one chunk of the instrument seed.
macro_rules! seed_chunk {
    ($conn:expr, $sql:expr, $lo:expr, $hi:expr, $orgs:expr) => {
        sqlx::query(AssertSqlSafe(Arc::clone($sql)))
            .bind(i64::try_from($lo).expect("small"))
            .bind(i64::try_from($hi).expect("small"))
            .bind(i64::try_from($orgs).expect("small"))
            .bind(i64::try_from(INSTRUMENT_EPOCH_MS).expect("small"))
            .bind(i64::try_from(ORGANISATION_EPOCH_MS).expect("small"))
            .bind(seed_time())
            .execute($conn)
            .await
    };
}

/// Seeds SQLite in one transaction, the instrument indexes dropped and rebuilt around the bulk
/// insert (the schema ends as the migrations made it).
async fn seed_sqlite(path: &Path, n: u64) {
    let opts = SqliteConnectOptions::new()
        .filename(path)
        .foreign_keys(true)
        .synchronous(SqliteSynchronous::Off)
        .pragma("cache_size", "-262144");
    let mut c = SqliteConnection::connect_with(&opts)
        .await
        .expect("seed connection");
    let indexes: Vec<(String, String)> = sqlx::query_as(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'instrument' AND sql IS NOT NULL",
    )
    .fetch_all(&mut c)
    .await
    .expect("indexes");
    let mut tx = c.begin().await.expect("begin");
    let orgs = organisations_for(n);
    sqlx::query(AssertSqlSafe(organisation_seed_sql(Kind::Sqlite)))
        .bind(i64::try_from(orgs).expect("small"))
        .bind(i64::try_from(ORGANISATION_EPOCH_MS).expect("small"))
        .bind(seed_time())
        .execute(&mut *tx)
        .await
        .expect("organisations");
    for (name, _) in &indexes {
        sqlx::raw_sql(AssertSqlSafe(format!("DROP INDEX {name}")))
            .execute(&mut *tx)
            .await
            .expect("drop index");
    }
    let sql: Arc<str> = sqlite_seed_sql().into();
    let mut lo = 0;
    while lo < n {
        let hi = (lo + SEED_CHUNK).min(n);
        seed_chunk!(&mut *tx, &sql, lo, hi, orgs).expect("instruments");
        lo = hi;
        progress(lo, n);
    }
    for (_, sql) in indexes {
        sqlx::raw_sql(AssertSqlSafe(sql))
            .execute(&mut *tx)
            .await
            .expect("index");
    }
    tx.commit().await.expect("commit");
    sqlx::raw_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut c)
        .await
        .expect("checkpoint");
    let _ = c.close().await;
}

/// Seeds PostgreSQL in chunks, secondary indexes dropped and rebuilt, then VACUUM ANALYZE so
/// that lookups do not pay for setting hint bits nor meet autovacuum.
async fn seed_postgres(url: &str, n: u64) {
    let mut c = PgConnection::connect(url).await.expect("seed connection");
    sqlx::raw_sql("SET maintenance_work_mem = '1GB'; SET synchronous_commit = off")
        .execute(&mut c)
        .await
        .expect("settings");
    let orgs = organisations_for(n);
    sqlx::query(AssertSqlSafe(organisation_seed_sql(Kind::Postgres)))
        .bind(i64::try_from(orgs).expect("small"))
        .bind(i64::try_from(ORGANISATION_EPOCH_MS).expect("small"))
        .bind(seed_time())
        .execute(&mut c)
        .await
        .expect("organisations");
    let indexes: Vec<(String, String)> = sqlx::query_as(
        "SELECT indexname::text, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'instrument' AND indexdef NOT LIKE 'CREATE UNIQUE%'",
    )
    .fetch_all(&mut c)
    .await
    .expect("indexes");
    for (name, _) in &indexes {
        sqlx::raw_sql(AssertSqlSafe(format!("DROP INDEX {name}")))
            .execute(&mut c)
            .await
            .expect("drop index");
    }
    let sql: Arc<str> = postgres_seed_sql().into();
    let mut lo = 0;
    while lo < n {
        let hi = (lo + SEED_CHUNK).min(n);
        seed_chunk!(&mut c, &sql, lo, hi, orgs).expect("instruments");
        lo = hi;
        progress(lo, n);
    }
    for (_, sql) in indexes {
        sqlx::raw_sql(AssertSqlSafe(sql))
            .execute(&mut c)
            .await
            .expect("index");
    }
    // The whole database, readings of the ingest part too, so that autovacuum has nothing left
    // to do while lookups are timed; then a checkpoint (superusers only) for the same reason.
    sqlx::raw_sql("VACUUM (ANALYZE)")
        .execute(&mut c)
        .await
        .expect("vacuum");
    let _ = sqlx::raw_sql("CHECKPOINT").execute(&mut c).await;
    let _ = c.close().await;
}

/// Scales `n` down to a quarter of the free disk where less than [`ENOUGH_DISK`] is free.
fn fit_to_disk(fresh: &Fresh, n: u64, bytes_per_row: u64) -> u64 {
    match fresh.free_disk() {
        Some(free) if free < ENOUGH_DISK => {
            let fits = (free / 4 / bytes_per_row).max(1000);
            if fits < n {
                println!(
                    "  note: {:.1} GB free: {} instruments instead of {}",
                    free as f64 / f64::from(1u32 << 30),
                    grouped(fits),
                    grouped(n)
                );
                return fits;
            }
            n
        }
        _ => n,
    }
}

// ---------------------------------------------------------------------------------------------
// 2. Instrument lookup: measuring

/// An instrument row as the baseline decodes it: every column of the table.
#[derive(Debug, sqlx::FromRow)]
#[allow(dead_code)] // Decoded to pay for decoding; not read.
struct InstrumentRow {
    instrument_id: Uuid,
    category: String,
    maker: Option<String>,
    model: Option<String>,
    serial: String,
    measuring_range: Option<String>,
    resolution: Option<String>,
    verification_interval: Option<String>,
    accuracy_class: Option<String>,
    owner_id: Option<Uuid>,
    location: Option<String>,
    status: String,
    last_result: Option<String>,
    last_verified_on: Option<NaiveDate>,
    next_due_on: Option<NaiveDate>,
    retired_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

const BY_SERIAL: &str = "SELECT instrument_id, category, maker, model, serial, measuring_range, resolution, verification_interval, accuracy_class, owner_id, location, status, last_result, last_verified_on, next_due_on, retired_at, created_at, updated_at FROM instrument WHERE serial = $1";

/// The baseline's own connection (sqlx prepares and caches the statement on it).
#[derive(Debug)]
enum RawConn {
    Sqlite(SqliteConnection),
    Postgres(PgConnection),
}

impl RawConn {
    async fn open(fresh: &Fresh) -> Self {
        match fresh.kind {
            Kind::Sqlite => Self::Sqlite(
                SqliteConnection::connect(&fresh.url)
                    .await
                    .expect("raw sqlite"),
            ),
            Kind::Postgres => Self::Postgres(
                PgConnection::connect(&fresh.url)
                    .await
                    .expect("raw postgres"),
            ),
        }
    }

    async fn by_serial(&mut self, serial: &str) -> usize {
        match self {
            RawConn::Sqlite(c) => {
                sqlx::query_as::<_, InstrumentRow>(BY_SERIAL)
                    .bind(serial)
                    .fetch_all(c)
                    .await
            }
            RawConn::Postgres(c) => {
                sqlx::query_as::<_, InstrumentRow>(BY_SERIAL)
                    .bind(serial)
                    .fetch_all(c)
                    .await
            }
        }
        .expect("raw lookup")
        .len()
    }
}

/// One way of looking an instrument up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Probe {
    RawSerial,
    StoreSerial,
    StoreId,
    HttpSerial,
    HttpId,
    PageSerial,
    PageId,
}

impl Probe {
    fn label(self) -> &'static str {
        match self {
            Probe::RawSerial => "raw prepared SELECT by serial",
            Probe::StoreSerial => "Store::search_instruments (serial)",
            Probe::StoreId => "Store::instrument (id)",
            Probe::HttpSerial => "GET /api/v1/instruments?serial=",
            Probe::HttpId => "GET /api/v1/instruments/{id}",
            Probe::PageSerial => "GET /instruments?serial= (HTML)",
            Probe::PageId => "GET /instruments/{id} (HTML)",
        }
    }
}

/// A signed-in API client (the `tdc_session` cookie and CSRF token of a user).
#[derive(Debug)]
struct Http {
    client: reqwest::Client,
    base: String,
    cookie: String,
    csrf: String,
}

impl Http {
    /// Signs in as a new read-only user.
    async fn sign_in(store: &Store, base: String) -> Self {
        Self::sign_in_as(store, base, "bench", Role::ReadOnly).await
    }

    async fn sign_in_as(store: &Store, base: String, username: &str, role: Role) -> Self {
        const PASSWORD: &str = "bench password 2026";
        let user = NewUser {
            username: username.into(),
            full_name: "Benchmark".into(),
            role,
            password_hash: hash_password(PASSWORD).expect("hash"),
        };
        store.create_user("bench", &user).await.expect("user");
        let client = reqwest::Client::new();
        let resp = client
            .post(format!("{base}/api/v1/session"))
            .json(&serde_json::json!({"username": username, "password": PASSWORD}))
            .send()
            .await
            .expect("sign in");
        assert!(resp.status().is_success(), "sign in: {}", resp.status());
        let cookie = resp
            .headers()
            .get_all(reqwest::header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("tdc_session="))
            .and_then(|v| v.split(';').next())
            .expect("session cookie")
            .to_owned();
        let me: serde_json::Value = resp.json().await.expect("session JSON");
        let csrf = me["csrf_token"].as_str().unwrap_or_default().to_owned();
        Self {
            client,
            base,
            cookie,
            csrf,
        }
    }

    /// POSTs JSON; panics unless it succeeds.
    async fn post_json(&self, path: &str, body: &serde_json::Value) {
        let resp = self
            .client
            .post(format!("{}{path}", self.base))
            .header(reqwest::header::COOKIE, &self.cookie)
            .header("x-csrf-token", &self.csrf)
            .json(body)
            .send()
            .await
            .expect("post");
        assert!(resp.status().is_success(), "POST {path}: {}", resp.status());
    }

    /// The body of a successful GET; empty otherwise.
    async fn get(&self, path_and_query: &str) -> String {
        let resp = self
            .client
            .get(format!("{}{path_and_query}", self.base))
            .header(reqwest::header::COOKIE, &self.cookie)
            .send()
            .await
            .expect("get");
        if resp.status().is_success() {
            resp.text().await.expect("body")
        } else {
            String::new()
        }
    }

    async fn get_json(&self, path_and_query: &str) -> serde_json::Value {
        serde_json::from_str(&self.get(path_and_query).await).unwrap_or_default()
    }
}

/// What the probes use.
#[derive(Debug)]
struct Lookups {
    raw: RawConn,
    store: Store,
    http: Http,
}

impl Lookups {
    /// Looks instrument `n` up one way; returns how many instruments came back.
    async fn probe(&mut self, probe: Probe, n: u64) -> usize {
        match probe {
            Probe::RawSerial => self.raw.by_serial(&serial_of(n)).await,
            Probe::StoreSerial => {
                let q = InstrumentQuery {
                    serial: Some(serial_of(n)),
                    ..InstrumentQuery::default()
                };
                self.store
                    .search_instruments(&q)
                    .await
                    .expect("search")
                    .items
                    .len()
            }
            Probe::StoreId => self
                .store
                .instrument(seeded_id(INSTRUMENT_EPOCH_MS, n))
                .await
                .expect("instrument")
                .map_or(0, |i| usize::from(i.serial == serial_of(n))),
            Probe::HttpSerial => self
                .http
                .get_json(&format!("/api/v1/instruments?serial={}", serial_of(n)))
                .await["items"]
                .as_array()
                .map_or(0, Vec::len),
            Probe::HttpId => {
                let id = seeded_id(INSTRUMENT_EPOCH_MS, n);
                let found = self
                    .http
                    .get_json(&format!("/api/v1/instruments/{id}"))
                    .await;
                usize::from(found["serial"] == serial_of(n).as_str())
            }
            Probe::PageSerial => {
                let serial = serial_of(n);
                let page = self
                    .http
                    .get(&format!("/instruments?serial={serial}"))
                    .await;
                page.matches(&serial).count().min(1)
            }
            Probe::PageId => {
                let id = seeded_id(INSTRUMENT_EPOCH_MS, n);
                let page = self.http.get(&format!("/instruments/{id}")).await;
                usize::from(page.contains(&serial_of(n)))
            }
        }
    }
}

/// p50, p99 and max.
fn percentiles(samples: &mut [Duration]) -> [Duration; 3] {
    samples.sort_unstable();
    let at = |q: usize| samples[(samples.len() * q / 100).min(samples.len() - 1)];
    [at(50), at(99), samples[samples.len() - 1]]
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

async fn lookup(fresh: &Fresh, store: &Store, plan: &Plan) {
    let (wanted, bytes_per_row) = match fresh.kind {
        Kind::Sqlite => (plan.instruments_sqlite, 350),
        Kind::Postgres => (plan.instruments_pg, 450),
    };
    let n = fit_to_disk(fresh, wanted, bytes_per_row);
    let start = Instant::now();
    match fresh.kind {
        Kind::Sqlite => seed_sqlite(&fresh.dir.path().join("tdc.sqlite"), n).await,
        Kind::Postgres => seed_postgres(&fresh.url, n).await,
    }
    let seeded = start.elapsed();
    let (base, stop) = serve(store).await;
    let mut lookups = Lookups {
        raw: RawConn::open(fresh).await,
        store: store.clone(),
        http: Http::sign_in(store, base).await,
    };
    let probes = [
        Probe::RawSerial,
        Probe::StoreSerial,
        Probe::StoreId,
        Probe::HttpSerial,
        Probe::HttpId,
        Probe::PageSerial,
        Probe::PageId,
    ];
    let mut rng = ChaCha8Rng::seed_from_u64(2026);
    // Warm-up: connections, prepared statements, the top of the indexes.
    for _ in 0..plan.lookups.min(1000) {
        let i = rng.random_range(0..n);
        for p in probes {
            lookups.probe(p, i).await;
        }
    }
    let mut samples = vec![Vec::with_capacity(plan.lookups); probes.len()];
    let mut misses = vec![0usize; probes.len()];
    let cpu = measure(async {
        for round in 0..plan.lookups {
            let i = rng.random_range(0..n);
            for j in 0..probes.len() {
                let k = (round + j) % probes.len();
                let t = Instant::now();
                let found = lookups.probe(probes[k], i).await;
                samples[k].push(t.elapsed());
                misses[k] += usize::from(found != 1);
            }
        }
    })
    .await;
    let _ = stop.send(());
    println!(
        "Instrument lookup, {}: {} instruments (seeded in {:.1} s), {} random serials, one client",
        fresh.kind.label(),
        grouped(n),
        seeded.as_secs_f64(),
        grouped(plan.lookups as u64)
    );
    report_latencies(&probes, &mut samples, &misses);
    println!("  {}", cpu_note(cpu));
}

/// One line a probe; the first probe is the baseline of the ratios.
fn report_latencies(probes: &[Probe], samples: &mut [Vec<Duration>], misses: &[usize]) {
    let mut baseline = None;
    for (k, p) in probes.iter().enumerate() {
        let [p50, p99, max] = percentiles(&mut samples[k]);
        let tail = match baseline {
            None => {
                baseline = Some((p50, p99));
                "(baseline)".to_owned()
            }
            Some((b50, b99)) => format!(
                "ratio p50 {:>4.1}×  p99 {:>4.1}×   target p99 < 5 ms  {}",
                p50.as_secs_f64() / b50.as_secs_f64(),
                p99.as_secs_f64() / b99.as_secs_f64(),
                verdict(p99 < Duration::from_millis(5))
            ),
        };
        println!(
            "  {:<36} p50 {:>9}  p99 {:>9}  max {:>9}   {tail}",
            p.label(),
            ms(p50),
            ms(p99),
            ms(max),
        );
        if misses[k] > 0 {
            println!(
                "    note: {} lookups did not find exactly one instrument",
                misses[k]
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------

async fn run_backend(kind: Kind, plan: &Plan) {
    let fresh = match kind {
        Kind::Sqlite => Fresh::sqlite(),
        Kind::Postgres => match Fresh::postgres(&plan.postgres_admin).await {
            Ok(f) => f,
            Err(e) => {
                println!(
                    "PostgreSQL: not measured (no server at {}: {e})",
                    plan.postgres_admin
                );
                return;
            }
        },
    };
    let store = Store::open(&fresh.url).await.expect("store");
    if plan.ingest {
        ingest(&fresh, &store, plan).await;
    }
    if plan.lookup {
        lookup(&fresh, &store, plan).await;
    }
    if plan.audit {
        audit_cost(&fresh, &store, plan).await;
    }
    store.close().await;
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument selects a part or a backend.
    let filter = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .unwrap_or_default();
    let words = ["ingest", "lookup", "audit", "verify", "sqlite", "postgres"];
    if !filter.is_empty() && !words.contains(&filter.as_str()) {
        println!(
            "usage: cargo bench -p server --bench server -- [ingest|lookup|audit|verify|sqlite|postgres]"
        );
        return;
    }
    let part = |w: &str| filter.is_empty() || filter == w || !words[..4].contains(&filter.as_str());
    let plan = Plan {
        ingest: part("ingest"),
        lookup: part("lookup"),
        audit: part("audit"),
        verify: part("verify"),
        verify_seconds: env_size("TDC_BENCH_VERIFY_SECONDS", 10).max(1),
        audit_writes: count(env_size("TDC_BENCH_AUDIT_WRITES", 2_000)).max(1),
        readings: count(env_size("TDC_BENCH_READINGS", 500_000)),
        clients: count(env_size("TDC_BENCH_CLIENTS", 4)).max(1),
        rounds: count(env_size("TDC_BENCH_ROUNDS", 3)).max(1),
        lookups: count(env_size("TDC_BENCH_LOOKUPS", 20_000)).max(1),
        instruments_sqlite: env_size("TDC_BENCH_INSTRUMENTS_SQLITE", 1_000_000).max(1),
        instruments_pg: env_size("TDC_BENCH_INSTRUMENTS_PG", 10_000_000).max(1),
        postgres_admin: std::env::var("TDC_BENCH_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into()),
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        if plan.verify {
            verify_page(&plan).await;
        }
        for kind in [Kind::Sqlite, Kind::Postgres] {
            if filter.is_empty() || !words[4..].contains(&filter.as_str()) || filter == kind.word()
            {
                run_backend(kind, &plan).await;
            }
        }
    });
}

// ---------------------------------------------------------------------------------------------
// Audit cost: the same instrument write with and without its hash-chained audit entry.

/// The write without its audit entry: the store's INSERT and read-back in one transaction,
/// on a connection of its own to the same database.
const BARE_INSERT: &str = "INSERT INTO instrument (instrument_id, category, maker, model, serial, measuring_range, resolution, verification_interval, accuracy_class, owner_id, location, status, last_verified_on, next_due_on, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15)";
const READ_BACK: &str = "SELECT i.instrument_id, i.serial, o.name FROM instrument i LEFT JOIN organisation o ON o.organisation_id = i.owner_id WHERE i.instrument_id = $1";

macro_rules! bare_write {
    ($conn:expr, $begin:expr, $serial:expr) => {{
        let mut tx = $begin;
        let id = Uuid::now_v7();
        sqlx::query(BARE_INSERT)
            .bind(id)
            .bind("counter-scale")
            .bind(Option::<String>::None)
            .bind(Option::<String>::None)
            .bind($serial)
            .bind(Option::<String>::None)
            .bind(Option::<String>::None)
            .bind(Option::<String>::None)
            .bind(Option::<String>::None)
            .bind(Option::<Uuid>::None)
            .bind(Option::<String>::None)
            .bind("in_use")
            .bind(Option::<chrono::NaiveDate>::None)
            .bind(Option::<chrono::NaiveDate>::None)
            .bind(Utc::now())
            .execute(&mut *tx)
            .await
            .expect("bare insert");
        sqlx::query(READ_BACK)
            .bind(id)
            .fetch_one(&mut *tx)
            .await
            .expect("read back");
        tx.commit().await.expect("commit");
    }};
}

async fn audit_cost(fresh: &Fresh, store: &Store, plan: &Plan) {
    let n = plan.audit_writes;
    let input = |i: usize| server::store::registry::InstrumentInput {
        category: "counter-scale".into(),
        serial: format!("AUDIT-{i:08}"),
        ..Default::default()
    };
    let mut bare_best: Option<Duration> = None;
    let mut audited_best: Option<Duration> = None;
    let mut next = 0usize;
    // Alternating rounds, best of each: drift of the machine hits both sides alike.
    for _ in 0..plan.rounds {
        let t = Instant::now();
        match fresh.kind {
            Kind::Sqlite => {
                let path = fresh.url.trim_start_matches("sqlite://");
                let opts = SqliteConnectOptions::new()
                    .filename(path)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Full)
                    .foreign_keys(true);
                let mut c = SqliteConnection::connect_with(&opts).await.expect("sqlite");
                for _ in 0..n {
                    next += 1;
                    bare_write!(
                        c,
                        c.begin_with("BEGIN IMMEDIATE").await.expect("begin"),
                        format!("BARE-{next:08}")
                    );
                }
                let _ = c.close().await;
            }
            Kind::Postgres => {
                let mut c = PgConnection::connect(&fresh.url).await.expect("postgres");
                for _ in 0..n {
                    next += 1;
                    bare_write!(
                        c,
                        c.begin().await.expect("begin"),
                        format!("BARE-{next:08}")
                    );
                }
                let _ = c.close().await;
            }
        }
        let bare = t.elapsed();
        let t = Instant::now();
        for _ in 0..n {
            next += 1;
            store
                .create_instrument("bench", &input(next))
                .await
                .expect("audited write");
        }
        let audited = t.elapsed();
        bare_best = Some(bare_best.map_or(bare, |b| b.min(bare)));
        audited_best = Some(audited_best.map_or(audited, |b| b.min(audited)));
    }
    let (Some(bare), Some(audited)) = (bare_best, audited_best) else {
        return;
    };
    // The same write as a person makes it: through the API, signed in, as JSON.
    let (base, stop) = serve(store).await;
    let http = Http::sign_in_as(store, base, "registrar", Role::Technician).await;
    let mut api_best: Option<Duration> = None;
    for _ in 0..plan.rounds {
        let t = Instant::now();
        for _ in 0..n {
            next += 1;
            http.post_json(
                "/api/v1/instruments",
                &serde_json::json!({"category": "counter-scale", "serial": format!("API-{next:08}")}),
            )
            .await;
        }
        let d = t.elapsed();
        api_best = Some(api_best.map_or(d, |b| b.min(d)));
    }
    let _ = stop.send(());
    let per = |d: Duration| d.as_secs_f64() * 1e6 / n as f64;
    let overhead = audited.as_secs_f64() / bare.as_secs_f64() - 1.0;
    let entry = per(audited) - per(bare);
    println!(
        "Audit cost, {}: {} instrument writes a round, best of {} rounds, one writer, durable commits",
        fresh.kind.label(),
        grouped(n as u64),
        plan.rounds
    );
    println!(
        "  {:<36} {:>9.0} µs a write   (baseline)",
        "INSERT + read-back, no audit",
        per(bare)
    );
    println!(
        "  {:<36} {:>9.0} µs a write   audit cost {:>5.1} % of the store write",
        "create_instrument (with audit entry)",
        per(audited),
        overhead * 100.0,
    );
    if let Some(api) = api_best {
        let share = entry / per(api);
        println!(
            "  {:<36} {:>9.0} µs a write   audit entry {:>4.0} µs = {:>4.1} % of it   target ≤ 20 %  {}",
            "POST /api/v1/instruments",
            per(api),
            entry,
            share * 100.0,
            verdict(share <= 0.20)
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The public verification page under load, against a bare axum handler on the same machine.

/// GETs `url` from `clients` concurrent keep-alive clients for `seconds`; returns the
/// requests answered 200 and their latencies.
async fn hammer(url: &str, clients: usize, seconds: u64) -> (usize, Vec<Duration>) {
    let until = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let url = url.to_owned();
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut lat = Vec::new();
            while Instant::now() < until {
                let t = Instant::now();
                let ok = client
                    .get(&url)
                    .send()
                    .await
                    .is_ok_and(|r| r.status() == reqwest::StatusCode::OK);
                if ok {
                    lat.push(t.elapsed());
                }
            }
            lat
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("client task"));
    }
    (all.len(), all)
}

async fn verify_page(plan: &Plan) {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("tdc.sqlite").display());
    let store = Store::open(&url).await.expect("store");
    let seeded = server::demo::seed(&store, "bench-bridge")
        .await
        .expect("demo data");
    let mut cfg = server::config::Config::default();
    // The limiter guards the public page against scraping; the load here is ours.
    cfg.certificates.verify_rate_per_minute = u32::MAX;
    let ring = server::signing::KeyRing::ephemeral(&store)
        .await
        .expect("key");
    let state = AppState::with_config(store.clone(), &cfg).with_signer(ring);
    let bench = server::demo::seed_bench(&state, &seeded)
        .await
        .expect("a certificate");
    let cert = store
        .certificate_by_number(&bench.certificate)
        .await
        .expect("store")
        .expect("the certificate");
    let app = Application::bind(([127, 0, 0, 1], 0).into(), state)
        .await
        .expect("bind");
    let base = format!("http://{}", app.local_addr().expect("addr"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.serve(async {
        let _ = stopped.await;
    }));
    let page_url = format!("{base}/v/{}", cert.token);
    let page = reqwest::get(&page_url)
        .await
        .expect("page")
        .text()
        .await
        .expect("text");
    assert!(
        page.contains("data-state=\"valid\""),
        "the page shows a valid certificate"
    );
    // The baseline: the same bytes from a bare handler (no database, no signature check).
    let body: &'static str = Box::leak(page.clone().into_boxed_str());
    let bare = axum::Router::new().route(
        "/v/{token}",
        axum::routing::get(move || async move { axum::response::Html(body) }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let bare_url = format!(
        "http://{}/v/{}",
        listener.local_addr().expect("addr"),
        cert.token
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, bare).await;
    });
    let clients = plan.clients.max(1);
    let (bare_n, mut bare_lat) = hammer(&bare_url, clients, plan.verify_seconds).await;
    let (page_n, mut page_lat) = hammer(&page_url, clients, plan.verify_seconds).await;
    let secs = plan.verify_seconds as f64;
    let [b50, b99, _] = percentiles(&mut bare_lat);
    let [p50, p99, _] = percentiles(&mut page_lat);
    let ratio = page_n as f64 / bare_n.max(1) as f64;
    println!(
        "Public verification page /v/{{token}}: {} clients, {} s each side, keep-alive, loopback, page {} bytes",
        clients,
        plan.verify_seconds,
        page.len()
    );
    println!(
        "  {:<36} {:>9.0} req/s  p50 {:>9}  p99 {:>9}   (baseline)",
        "bare axum handler, same bytes",
        bare_n as f64 / secs,
        ms(b50),
        ms(b99)
    );
    println!(
        "  {:<36} {:>9.0} req/s  p50 {:>9}  p99 {:>9}   ratio {:.2}×  target ≥ 0.3×  {}",
        "verification page (kept in memory)",
        page_n as f64 / secs,
        ms(p50),
        ms(p99),
        ratio,
        verdict(ratio >= 0.3)
    );
    let _ = stop.send(());
    store.close().await;
}
