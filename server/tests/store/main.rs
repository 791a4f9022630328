//! Contract tests of the store: the same checks on embedded SQLite and on PostgreSQL, each on a
//! fresh database made for the test and dropped afterwards.

#![allow(clippy::missing_panics_doc)]

mod contract;
mod dossiers;
mod ingest;
mod registry;
mod signing;

use server::store::Store;

/// The PostgreSQL server tests make their databases on.
fn postgres_admin_url() -> String {
    std::env::var("TDC_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A fresh database; PostgreSQL ones are dropped when this is dropped.
#[derive(Debug)]
pub struct Fresh {
    pub store: Store,
    _dir: Option<tempfile::TempDir>,
    pg_name: Option<String>,
}

impl Drop for Fresh {
    fn drop(&mut self) {
        if let Some(name) = self.pg_name.take() {
            let admin = postgres_admin_url();
            // Drop needs its own runtime: the test's may be shutting down.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async {
                    if let Ok(s) = Store::connect(&admin).await {
                        let _ = s
                            .exec_admin(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                            .await;
                    }
                });
            })
            .join();
        }
    }
}

pub async fn sqlite() -> Fresh {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("tdc.sqlite").display());
    Fresh {
        store: Store::open(&url).await.unwrap(),
        _dir: Some(dir),
        pg_name: None,
    }
}

pub async fn postgres() -> Fresh {
    let admin_url = postgres_admin_url();
    let admin = Store::connect(&admin_url).await.unwrap_or_else(|e| {
        panic!("PostgreSQL is needed for the contract tests at {admin_url} ({e}); `bash .ci/test` starts one")
    });
    let name = format!("tdc_test_{}", uuid::Uuid::now_v7().simple());
    admin
        .exec_admin(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    admin.close().await;
    let (base, _) = admin_url.rsplit_once('/').unwrap();
    let store = Store::open(&format!("{base}/{name}")).await.unwrap();
    Fresh {
        store,
        _dir: None,
        pg_name: Some(name),
    }
}

/// Runs an async check on both backends.
#[macro_export]
macro_rules! on_both {
    ($name:ident, $check:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let db = $crate::sqlite().await;
                super::$check(&db.store).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let db = $crate::postgres().await;
                super::$check(&db.store).await;
                db.store.close().await;
            }
        }
    };
}
