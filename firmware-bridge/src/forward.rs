//! The forward loop: sends the oldest readings of the outbox to the server's ingest API
//! (`POST /api/v1/readings`, bearer device token, `wire::v1`) and removes exactly what the
//! server acknowledged. Delivery is at least once; the server stores each reading id once.
//!
//! [`Forwarder::forward_once`] does one step and returns an [`Outcome`]; the caller decides to
//! go on, wait for new readings, or back off. Nothing is removed unless the server's answer
//! accounts for every reading of the batch.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use calibration_profiles::wire::v1::{BatchAck, ReadingBatch};
use reqwest::StatusCode;
use tokio::sync::{Notify, watch};

use crate::config::{BridgeConfig, Secret};
use crate::outbox::Outbox;

/// Result of one forwarding step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing waits: sleep until new readings arrive.
    Empty,
    /// A batch was settled: go on at once.
    Sent {
        accepted: usize,
        duplicates: usize,
        rejected: usize,
    },
    /// The server is away or refused: wait this long before trying again.
    Backoff(Duration),
}

const MIN_BACKOFF: Duration = Duration::from_millis(500);
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// A refused token will not fix itself quickly; do not hammer the server.
const AUTH_BACKOFF: Duration = Duration::from_mins(1);

/// Sends batches from the outbox to the server.
#[derive(Debug)]
pub struct Forwarder {
    client: reqwest::Client,
    url: String,
    token: Secret,
    bridge_id: String,
    batch_size: usize,
    outbox: Outbox,
    backoff: Duration,
}

impl Forwarder {
    /// # Errors
    /// When the HTTP client cannot be built (no TLS backend is involved, so only on a broken
    /// system).
    pub fn new(cfg: &BridgeConfig, outbox: Outbox) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .timeout(cfg.server_timeout)
            .connect_timeout(Duration::from_secs(5))
            .build()?;
        Ok(Self {
            client,
            url: format!("{}/api/v1/readings", cfg.server_url),
            token: cfg.token.clone(),
            bridge_id: cfg.bridge_id.clone(),
            batch_size: cfg.batch_size,
            outbox,
            backoff: MIN_BACKOFF,
        })
    }

    fn back_off(&mut self) -> Outcome {
        let d = self.backoff;
        self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
        Outcome::Backoff(d)
    }

    async fn link(&self, state: &str, ok: bool, error: Option<&str>) {
        self.outbox.set_link_status(state, ok, error).await;
    }

    /// One step: read a batch, send it, settle what the server answered.
    pub async fn forward_once(&mut self) -> Outcome {
        let readings = match self.outbox.peek(self.batch_size).await {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(error = %e, "cannot read the outbox");
                return self.back_off();
            }
        };
        if readings.is_empty() {
            return Outcome::Empty;
        }
        let batch = ReadingBatch {
            bridge_id: self.bridge_id.clone(),
            readings,
        };
        let response = self
            .client
            .post(&self.url)
            .bearer_auth(self.token.expose())
            .json(&batch)
            .send()
            .await;
        let response = match response {
            Ok(r) => r,
            Err(e) => {
                let msg = format!("server unreachable: {}", without_url(&e));
                tracing::warn!(%msg, "forwarding paused");
                self.link("down", false, Some(&msg)).await;
                return self.back_off();
            }
        };
        let status = response.status();
        if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
            let msg = format!("the server refused the device token ({status}); check server.token");
            tracing::error!(%msg);
            self.link("refused", false, Some(&msg)).await;
            return Outcome::Backoff(AUTH_BACKOFF);
        }
        if status == StatusCode::PAYLOAD_TOO_LARGE && self.batch_size > 1 {
            self.batch_size = (self.batch_size / 2).max(1);
            tracing::warn!(
                batch_size = self.batch_size,
                "the server found the batch too large; halving it"
            );
            return Outcome::Backoff(MIN_BACKOFF);
        }
        if !status.is_success() {
            let body = response.text().await.unwrap_or_default();
            let msg = format!(
                "server answered {status}: {}",
                body.chars().take(300).collect::<String>()
            );
            tracing::warn!(%msg, "forwarding paused");
            self.link("error", false, Some(&msg)).await;
            return self.back_off();
        }
        let ack: BatchAck = match response.json().await {
            Ok(a) => a,
            Err(e) => {
                let msg = format!("unreadable answer from the server: {}", without_url(&e));
                self.link("error", false, Some(&msg)).await;
                return self.back_off();
            }
        };
        let n = batch.readings.len();
        if ack.accepted + ack.duplicates + ack.rejected.len() != n
            || ack.rejected.iter().any(|r| r.index >= n)
        {
            let msg = format!(
                "the server's answer does not account for the batch of {n} ({} + {} + {}); nothing removed",
                ack.accepted,
                ack.duplicates,
                ack.rejected.len()
            );
            tracing::error!(%msg);
            self.link("error", false, Some(&msg)).await;
            return self.back_off();
        }
        let rejected_idx: HashSet<usize> = ack.rejected.iter().map(|r| r.index).collect();
        let acknowledged: Vec<uuid::Uuid> = batch
            .readings
            .iter()
            .enumerate()
            .filter(|(i, _)| !rejected_idx.contains(i))
            .map(|(_, r)| r.reading_id)
            .collect();
        // Quarantine by the ids we sent, whatever ids the server echoed.
        let rejected: Vec<_> = ack
            .rejected
            .iter()
            .map(|r| calibration_profiles::wire::v1::Rejected {
                index: r.index,
                reading_id: Some(batch.readings[r.index].reading_id),
                problems: r.problems.clone(),
            })
            .collect();
        for r in &rejected {
            tracing::error!(reading = ?r.reading_id, problems = ?r.problems, "the server refused a reading; kept in the outbox's rejected table");
        }
        if let Err(e) = self.outbox.settle(&acknowledged, &rejected).await {
            tracing::error!(error = %e, "cannot settle the outbox; the batch will be sent again");
            return self.back_off();
        }
        self.backoff = MIN_BACKOFF;
        self.link("up", true, None).await;
        Outcome::Sent {
            accepted: ack.accepted,
            duplicates: ack.duplicates,
            rejected: rejected.len(),
        }
    }
}

/// reqwest errors print the URL; ours carries no secret, but keep messages short.
fn without_url(e: &reqwest::Error) -> String {
    let mut s = e.to_string();
    if let Some(url) = e.url() {
        s = s.replace(url.as_str(), "");
    }
    let mut source = std::error::Error::source(e);
    while let Some(inner) = source {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        source = inner.source();
    }
    s
}

/// Runs until shutdown: forwards while there is something to send, sleeps until woken by a
/// new reading (or a periodic check), backs off while the server is away. A request in flight
/// at shutdown is finished first.
pub async fn run(mut f: Forwarder, wake: Arc<Notify>, mut shutdown: watch::Receiver<bool>) {
    loop {
        if *shutdown.borrow() {
            return;
        }
        // New readings end the wait only when the queue was empty, never a backoff.
        let (wait, wakeable) = match f.forward_once().await {
            Outcome::Sent { .. } => continue,
            Outcome::Empty => (Duration::from_secs(5), true),
            Outcome::Backoff(d) => (d, false),
        };
        tokio::select! {
            _ = shutdown.changed() => return,
            () = wake.notified(), if wakeable => {}
            () = tokio::time::sleep(wait) => {}
        }
    }
}
