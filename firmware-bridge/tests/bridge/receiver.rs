//! A small real HTTP receiver implementing the server's ingest contract
//! (`POST /api/v1/readings`, bearer token, idempotent on reading id), used until and beside the
//! server's own ingest. It can be stopped and restarted on the same port, and told to lose its
//! answers, to play a server that stored a batch but whose reply never arrived.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use calibration_profiles::wire::v1::{BatchAck, Reading, ReadingBatch, Rejected};

#[derive(Debug, Default)]
pub struct Store {
    pub readings: HashMap<uuid::Uuid, Reading>,
    /// Every reading id received, duplicates included, in arrival order.
    pub arrivals: Vec<uuid::Uuid>,
    pub requests: usize,
    /// Answer this many more requests with 500 after storing them.
    pub lose_answers: usize,
}

pub struct Receiver {
    pub addr: SocketAddr,
    pub store: Arc<Mutex<Store>>,
    token: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

async fn ingest(
    State((store, token)): State<(Arc<Mutex<Store>>, String)>,
    headers: HeaderMap,
    body: String,
) -> Result<Json<BatchAck>, StatusCode> {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if auth != format!("Bearer {token}") {
        return Err(StatusCode::UNAUTHORIZED);
    }
    let batch: ReadingBatch = serde_json::from_str(&body).map_err(|_| StatusCode::BAD_REQUEST)?;
    let mut s = store.lock().unwrap();
    s.requests += 1;
    let (mut accepted, mut duplicates, mut rejected) = (0, 0, Vec::new());
    for (index, r) in batch.readings.into_iter().enumerate() {
        if let Err(p) = r.validate() {
            rejected.push(Rejected {
                index,
                reading_id: Some(r.reading_id),
                problems: p.iter().map(ToString::to_string).collect(),
            });
            continue;
        }
        s.arrivals.push(r.reading_id);
        if let std::collections::hash_map::Entry::Vacant(e) = s.readings.entry(r.reading_id) {
            e.insert(r);
            accepted += 1;
        } else {
            duplicates += 1;
        }
    }
    if s.lose_answers > 0 {
        s.lose_answers -= 1;
        return Err(StatusCode::INTERNAL_SERVER_ERROR);
    }
    Ok(Json(BatchAck {
        accepted,
        duplicates,
        rejected,
    }))
}

impl Receiver {
    pub async fn start(token: &str) -> Self {
        let store = Arc::new(Mutex::new(Store::default()));
        let mut r = Self {
            addr: ([127, 0, 0, 1], 0).into(),
            store,
            token: token.to_owned(),
            stop: None,
            task: None,
        };
        r.resume().await;
        r
    }

    /// Starts serving (again) on the same address.
    pub async fn resume(&mut self) {
        let listener = tokio::net::TcpListener::bind(self.addr).await.unwrap();
        self.addr = listener.local_addr().unwrap();
        let app = axum::Router::new()
            .route("/api/v1/readings", post(ingest))
            .with_state((self.store.clone(), self.token.clone()));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        self.stop = Some(tx);
        self.task = Some(tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        }));
    }

    /// Stops serving: connections are refused until [`Receiver::resume`].
    pub async fn pause(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn count(&self) -> usize {
        self.store.lock().unwrap().readings.len()
    }
}
