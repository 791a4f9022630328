//! Harness for end-to-end tests: start the real server on a free port, find the workspace's
//! binaries, locate shared example files.

use std::net::SocketAddr;
use std::path::PathBuf;

use server::http::AppState;
use server::startup::Application;

/// The workspace root.
///
/// # Panics
/// Never: this crate always lives one level below the root.
#[must_use]
pub fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("invariant: tests/ lives in the workspace")
        .to_path_buf()
}

/// A binary of the workspace (built by `cargo build --workspace`, which the test command runs
/// first). Found next to the test executable's `deps/` folder, whatever the target directory.
///
/// # Panics
/// When the binary has not been built, with the command that builds it.
#[must_use]
pub fn binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("invariant: a test knows its own path");
    let dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("invariant: test binaries live in <target>/<profile>/deps");
    let path = dir.join(name);
    assert!(
        path.exists(),
        "{} is missing: run `cargo build --workspace` before the end-to-end tests",
        path.display()
    );
    path
}

/// A server running in this process on 127.0.0.1 with a free port; stops when dropped.
#[derive(Debug)]
pub struct TestServer {
    pub addr: SocketAddr,
    pub store: server::store::Store,
    /// A client signed in as `tester` (a technician): it sends the session cookie and the
    /// CSRF header with every request.
    pub client: reqwest::Client,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

/// The password of the `tester` user every [`TestServer`] has.
pub const TESTER_PASSWORD: &str = "tester-password-1";

impl TestServer {
    /// Binds port 0 and serves in the background.
    ///
    /// # Panics
    /// If the loopback interface cannot be bound.
    pub async fn start() -> Self {
        let store = server::store::Store::open("sqlite::memory:")
            .await
            .expect("in-memory store");
        let app = Application::bind(([127, 0, 0, 1], 0).into(), AppState::new(store.clone()))
            .await
            .expect("bind 127.0.0.1:0");
        let addr = app.local_addr().expect("bound address");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(app.serve(async {
            let _ = rx.await;
        }));
        store
            .create_user(
                "test",
                &server::store::users::NewUser {
                    username: "tester".into(),
                    full_name: "Người Kiểm Thử".into(),
                    role: server::store::users::Role::Technician,
                    password_hash: server::auth::hash_password(TESTER_PASSWORD).expect("hash"),
                },
            )
            .await
            .expect("tester user");
        let client = signed_in_client(addr, "tester", TESTER_PASSWORD).await;
        Self {
            addr,
            store,
            client,
            stop: Some(tx),
        }
    }

    #[must_use]
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

/// Signs in through the API and returns a client carrying the session cookie and CSRF token.
///
/// # Panics
/// When the sign-in is refused.
pub async fn signed_in_client(addr: SocketAddr, username: &str, password: &str) -> reqwest::Client {
    let resp = reqwest::Client::new()
        .post(format!("http://{addr}/api/v1/session"))
        .json(&serde_json::json!({"username": username, "password": password}))
        .send()
        .await
        .expect("sign-in request");
    assert!(resp.status().is_success(), "sign-in: {}", resp.status());
    let cookie = resp
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .expect("a session cookie")
        .to_owned();
    let body: serde_json::Value = resp.json().await.expect("session JSON");
    let csrf = body["csrf_token"].as_str().expect("csrf_token").to_owned();
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::COOKIE,
        cookie.parse().expect("cookie header"),
    );
    headers.insert("x-csrf-token", csrf.parse().expect("csrf header"));
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .expect("client")
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}
