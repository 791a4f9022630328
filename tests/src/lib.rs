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

/// A child process killed (and reaped) when dropped, also when a test fails.
#[derive(Debug)]
pub struct Kill(pub std::process::Child);

impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The first line a child printed on its standard output (its address, its banner).
///
/// # Panics
/// When the child's standard output was not piped.
pub fn first_line(child: &mut std::process::Child) -> String {
    use std::io::BufRead as _;
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().expect("stdout is piped"))
        .read_line(&mut line)
        .expect("the child's first line");
    line.trim().to_owned()
}

/// A bench: `tdc-sim` as an MT-SICS balance on a pty in `dir` (stdin piped, for `load …` and
/// `quit`) with `load` on the pan, and `tdc-bridge` (bridge `bench-1`, device `balance-1`,
/// every 100 ms) sending to `server_url` with `token`. Returns (simulator, bridge).
///
/// # Panics
/// When a binary cannot start.
#[must_use]
pub fn balance_bench(
    dir: &std::path::Path,
    server_url: &str,
    token: &str,
    load: &str,
) -> (Kill, Kill) {
    use std::process::{Command, Stdio};
    let link = dir.join("balance");
    let mut sim = Command::new(binary("tdc-sim"))
        .args(["balance", "--protocol", "mt-sics", "--load", load, "--link"])
        .arg(&link)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("tdc-sim starts");
    assert!(first_line(&mut sim).starts_with("tdc-sim"));
    let sim = Kill(sim);
    let config = dir.join("bridge.toml");
    std::fs::write(
        &config,
        format!(
            "[bridge]\nid = \"bench-1\"\ndata_dir = \"{}\"\n[server]\nurl = \"{server_url}\"\ntoken = \"{token}\"\nbatch_size = 100\ntimeout_ms = 2000\n[outbox]\nmax_readings = 10000\n[[devices]]\nid = \"balance-1\"\nprofile = \"mettler-toledo-mt-sics\"\ninterval_ms = 100\n[devices.serial]\nport = \"{}\"\n",
            dir.join("bridge-data").display(),
            link.display()
        ),
    )
    .expect("bridge configuration written");
    let bridge = Kill(
        Command::new(binary("tdc-bridge"))
            .args(["run", "--config"])
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("tdc-bridge starts"),
    );
    (sim, bridge)
}
