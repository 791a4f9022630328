//! The store: the only place that speaks SQL.
//!
//! One [`Store`] serves both backends: embedded SQLite (default) and PostgreSQL, picked by the
//! database URL at run time. Statements are written once where both dialects accept them
//! (`$1` placeholders, `ON CONFLICT … DO NOTHING`, `RETURNING`) and run through the
//! [`on_db!`]/[`on_tx!`] macros, which expand the same code for each backend's pool type;
//! the few backend-specific statements sit side by side. Migrations are per backend
//! (`migrations/sqlite`, `migrations/postgres`), embedded, applied at start.
//!
//! Every change to a record writes its audit entry in the same transaction ([`audit`]).

pub mod audit;
pub mod bench;
pub mod calendar;
pub mod certificates;
pub mod dashboard;
pub mod devices;
pub mod dossiers;
pub mod readings;
pub mod records;
pub mod registry;
pub mod reports;
pub mod samples;
pub mod sessions;
pub mod standards;
pub mod tokens;
pub mod users;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

/// What the caller does about a store failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The URL names a database this server cannot use: fix the configuration.
    #[error("database.url: `{0}` is not supported; use sqlite://FILE or postgres://USER@HOST/DB")]
    UnsupportedUrl(String),
    /// A uniqueness rule was broken: tell the person which value is taken.
    #[error("{0} already exists")]
    Conflict(String),
    #[error("{0} not found")]
    NotFound(String),
    /// The input breaks a rule only the stored data can tell (every problem, by field).
    #[error("{0}")]
    Invalid(calibration_profiles::problems::Problems),
    /// The record's state forbids the change (it is retired, already in that state …).
    #[error("{0}")]
    State(String),
    /// The database is unreachable or failed: retry later; details in the log.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl StoreError {
    /// Maps a unique-violation to [`StoreError::Conflict`] naming `what`.
    pub(crate) fn conflict_or(e: sqlx::Error, what: impl FnOnce() -> String) -> Self {
        match &e {
            sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict(what()),
            _ => StoreError::Database(e),
        }
    }
}

/// A pool of either backend.
#[derive(Debug, Clone)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A transaction of either backend.
#[derive(Debug)]
pub enum Conn {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

/// A write transaction: the connection, and the audit chain's head after this transaction's
/// own entries (it becomes the store's remembered head once the transaction commits).
pub struct Tx {
    pub(crate) conn: Conn,
    pub(crate) audit_head: Option<audit::Head>,
    head_hint: audit::HeadHint,
}

impl std::fmt::Debug for Tx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.conn {
            Conn::Sqlite(_) => "Tx::Sqlite",
            Conn::Postgres(_) => "Tx::Postgres",
        })
    }
}

/// Runs the same code on whichever pool the store has: `on_db!(store, db => query.execute(db))`.
#[macro_export]
macro_rules! on_db {
    ($store:expr, $db:ident => $body:expr) => {
        match &$store.db {
            $crate::store::Db::Sqlite($db) => $body,
            $crate::store::Db::Postgres($db) => $body,
        }
    };
}

/// Runs the same code inside either transaction: `on_tx!(tx, c => query.execute(&mut **c))`.
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, $c:ident => $body:expr) => {
        match &mut ($tx).conn {
            $crate::store::Conn::Sqlite($c) => $body,
            $crate::store::Conn::Postgres($c) => $body,
        }
    };
}

/// The store.
#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) db: Db,
    /// The audit chain's last entry as this process last saw it: saves reading it before
    /// every append. Only a hint; the database has the last word (see [`audit::append`]).
    audit_head: audit::HeadHint,
}

impl Store {
    /// Connects by URL and applies the migrations.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let store = Self::connect(url).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Connects by URL: `sqlite://FILE` (created if missing; `sqlite::memory:` for tests) or
    /// `postgres://…`.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("sqlite:") {
            let memory = url.contains(":memory:");
            let opts = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .foreign_keys(true)
                .journal_mode(if memory {
                    SqliteJournalMode::Memory
                } else {
                    SqliteJournalMode::Wal
                })
                .synchronous(SqliteSynchronous::Full)
                .busy_timeout(Duration::from_secs(10));
            // An in-memory database exists per connection: one connection only.
            let pool = SqlitePoolOptions::new()
                .max_connections(if memory { 1 } else { 4 })
                .connect_with(opts)
                .await?;
            Ok(Self {
                db: Db::Sqlite(pool),
                audit_head: audit::HeadHint::default(),
            })
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect(url)
                .await?;
            Ok(Self {
                db: Db::Postgres(pool),
                audit_head: audit::HeadHint::default(),
            })
        } else {
            let scheme = url.split(':').next().unwrap_or_default();
            Err(StoreError::UnsupportedUrl(format!("{scheme}:…")))
        }
    }

    /// Applies the embedded migrations of the backend, then fills what a new database needs
    /// (the working-day calendar from the shipped table, once).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match &self.db {
            Db::Sqlite(p) => sqlx::migrate!("migrations/sqlite").run(p).await?,
            Db::Postgres(p) => sqlx::migrate!("migrations/postgres").run(p).await?,
        }
        self.seed_calendar(
            calibration_profiles::workdays::Calendar::shipped(),
            "calibration-profiles/tables/calendar-vn.toml (official notices cited per day)",
        )
        .await?;
        Ok(())
    }

    /// Which backend this store speaks.
    #[must_use]
    pub fn backend(&self) -> &'static str {
        match self.db {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    /// Starts a write transaction. SQLite takes its write lock at once (`BEGIN IMMEDIATE`):
    /// writers queue at the start instead of failing on a lock upgrade half-way.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        let conn = match &self.db {
            Db::Sqlite(p) => Conn::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Db::Postgres(p) => Conn::Postgres(p.begin().await?),
        };
        Ok(Tx {
            conn,
            audit_head: None,
            head_hint: self.audit_head.clone(),
        })
    }

    /// The same database as seen by another server process: the same pool, but its own memory
    /// of the audit chain's head (tests of writers that do not share that memory).
    #[doc(hidden)]
    #[must_use]
    pub fn as_another_process(&self) -> Self {
        Self {
            db: self.db.clone(),
            audit_head: audit::HeadHint::default(),
        }
    }

    /// Checks the database answers (for `/healthz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        on_db!(self, db => sqlx::query("SELECT 1").execute(db).await.map(|_| ()))?;
        Ok(())
    }

    /// Runs one statement outside the application's model: database administration (creating
    /// and dropping test databases) and tests that tamper with the audit trail on purpose.
    pub async fn exec_admin(&self, sql: &str) -> Result<u64, StoreError> {
        Ok(
            on_db!(self, db => sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned())).execute(db).await.map(|r| r.rows_affected()))?,
        )
    }

    /// Writes a consistent copy of an SQLite database to `dest` while the server keeps serving
    /// (`VACUUM INTO` reads one snapshot). PostgreSQL has its own tools (`pg_dump`).
    pub async fn backup(&self, dest: &std::path::Path) -> Result<(), StoreError> {
        match &self.db {
            Db::Sqlite(p) => {
                if dest.exists() {
                    return Err(StoreError::Conflict(format!(
                        "backup file {}",
                        dest.display()
                    )));
                }
                sqlx::query("VACUUM INTO $1")
                    .bind(dest.display().to_string())
                    .execute(p)
                    .await?;
                Ok(())
            }
            Db::Postgres(_) => Err(StoreError::UnsupportedUrl(
                "postgres: back up with pg_dump (the server's backup command copies SQLite files)"
                    .into(),
            )),
        }
    }

    /// Closes the pool (SQLite checkpoints its WAL).
    pub async fn close(&self) {
        on_db!(self, db => db.close().await);
    }
}

impl Tx {
    /// Commits; the audit chain's new head becomes the store's remembered one.
    pub async fn commit(self) -> Result<(), StoreError> {
        match self.conn {
            Conn::Sqlite(t) => t.commit().await?,
            Conn::Postgres(t) => t.commit().await?,
        }
        if let Some(head) = self.audit_head {
            self.head_hint.advance(head);
        }
        Ok(())
    }
}
