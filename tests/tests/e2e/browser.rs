//! The pages in a real browser: headless Chromium driven over WebDriver (Debian's `chromium`
//! and `chromium-driver`, which `.ci/test` installs) against the server on a free port. A
//! person signs in through the form, reads the dashboard in Vietnamese, switches to English,
//! finds an instrument by its serial number and opens it, then watches a device's reading
//! arrive live (the page's script, under the strict Content-Security-Policy, over
//! Server-Sent Events).
//!
//! At the bench, a technician opens a run set up with a balance, watches its readings arrive
//! in the live panel with their stable/unstable badge, captures a stable one for a test point
//! (the value appears in the points table) and is told in plain words why an unstable one is
//! refused.
//!
//! Set `TDC_SCREENSHOT_DIR` to keep screenshots of the pages at tablet size (1024×768).

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use e2e_tests::{TESTER_PASSWORD, TestServer};
use fantoccini::{Client, ClientBuilder, Locator};
use server::store::bench::{ReceiptInput, ReceiptItem};
use server::store::registry::{InstrumentInput, OrganisationInput};
use server::store::standards::{CalibrationInput, CalibrationValue, StandardInput};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// `chromedriver` on a free loopback port; killed when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

impl Driver {
    fn start() -> Self {
        for (path, package) in [(CHROMEDRIVER, "chromium-driver"), (CHROMIUM, "chromium")] {
            assert!(
                Path::new(path).exists(),
                "{path} is missing: run `bash .ci/test`, which installs Debian's `{package}` \
                 (or `apt-get install -y chromium chromium-driver`)"
            );
        }
        let port = free_port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let driver = Self { child, port };
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "chromedriver did not listen on port {port} within 30 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        driver
    }

    async fn browser(&self, profile: &Path) -> Client {
        let args = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--lang=vi",
        ]
        .iter()
        .map(|a| (*a).to_owned())
        .chain([format!("--user-data-dir={}", profile.display())])
        .collect::<Vec<_>>();
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({ "binary": CHROMIUM, "args": args }),
        );
        ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .expect("a WebDriver session with headless Chromium")
    }
}

/// A viewport of 1024×768 CSS pixels, a tablet in landscape (the window is larger by its
/// frame).
async fn tablet_size(c: &Client) {
    c.set_window_size(1024, 768).await.unwrap();
    c.goto("about:blank").await.unwrap();
    let inner = c
        .execute("return [window.innerWidth, window.innerHeight];", vec![])
        .await
        .unwrap();
    let side = |i: usize, want: u32| {
        let got = inner[i]
            .as_u64()
            .and_then(|v| u32::try_from(v).ok())
            .unwrap_or(want);
        want + want.saturating_sub(got)
    };
    c.set_window_size(side(0, 1024), side(1, 768))
        .await
        .unwrap();
}

/// Waits until the page's path (and query) is `expected`.
async fn wait_for_path(c: &Client, expected: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let url = c.current_url().await.unwrap();
        let path = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        };
        if path == expected {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "still at {path}, expected {expected}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The text of the first element matching `css`, once it is on the page.
async fn text_of(c: &Client, css: &str) -> String {
    c.wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .unwrap()
}

async fn screenshot(c: &Client, name: &str) {
    if let Some(dir) = std::env::var_os("TDC_SCREENSHOT_DIR") {
        let png = c.screenshot().await.unwrap();
        std::fs::write(Path::new(&dir).join(name), png).unwrap();
    }
}

/// An instrument owned by an organisation, and a device with one reading; returns the token
/// of the bridge that sends readings.
async fn seed(server: &TestServer) -> String {
    let org = server
        .store
        .create_organisation(
            "user:seed",
            &OrganisationInput {
                name: "Cửa hàng xăng dầu Đồng Đăng".into(),
                tax_code: Some("4900100017".into()),
                address: Some("Thị trấn Đồng Đăng, Cao Lộc, Lạng Sơn".into()),
                phone: None,
            },
        )
        .await
        .unwrap();
    let today = chrono::Utc::now().date_naive();
    server
        .store
        .create_instrument(
            "user:seed",
            &InstrumentInput {
                category: "fuel-dispenser".into(),
                serial: "CD-DD-0042".into(),
                maker: Some("Tatsuno".into()),
                model: Some("Sunny".into()),
                owner_id: Some(org.organisation_id),
                location: Some("Cột bơm số 2".into()),
                last_verified_on: Some(today - chrono::Days::new(355)),
                next_due_on: Some(today + chrono::Days::new(10)),
                ..InstrumentInput::default()
            },
        )
        .await
        .unwrap();
    let token = server
        .store
        .create_device_token("user:seed", "bench-1", "e2e")
        .await
        .unwrap();
    post_reading(server, &token, "99.9980", false).await;
    token
}

async fn post_reading(server: &TestServer, token: &str, value: &str, stable: bool) {
    post_device_reading(server, token, "can-phan-tich-1", value, stable).await;
}

async fn post_device_reading(
    server: &TestServer,
    token: &str,
    device: &str,
    value: &str,
    stable: bool,
) {
    let resp = reqwest::Client::new()
        .post(server.url("/api/v1/readings"))
        .bearer_auth(token)
        .json(&serde_json::json!({
            "bridge_id": "bench-1",
            "readings": [{
                "reading_id": uuid::Uuid::now_v7(),
                "device_id": device,
                "channel": "mass",
                "value": value,
                "unit": "g",
                "stable": stable,
                "raw": {"text": format!("S S {value} g")},
                "captured_at": chrono::Utc::now(),
            }]
        }))
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{}", resp.text().await.unwrap());
}

async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
}

async fn type_into(c: &Client, id: &str, text: &str) {
    c.find(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("#{id}: {e}"))
        .send_keys(text)
        .await
        .unwrap();
}

/// Waits until the first element matching `css` contains `needle`.
async fn wait_for_contains(c: &Client, css: &str, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let now = text_of(c, css).await;
        if now.contains(needle) {
            return now;
        }
        assert!(
            Instant::now() < deadline,
            "{css} reads {now:?}, expected it to contain {needle:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until the first element matching `css` reads `expected`.
async fn wait_for_text(c: &Client, css: &str, expected: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let now = text_of(c, css).await;
        if now == expected {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{css} reads {now:?}, expected {expected:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Anonymous, the dashboard sends the browser to sign in, and back after.
async fn sign_in(c: &Client, server: &TestServer) {
    c.goto(&server.url("/")).await.unwrap();
    wait_for_path(c, "/login?next=%2F").await;
    assert_eq!(text_of(c, "h1").await, "Đăng nhập hệ thống");
    type_into(c, "username", "tester").await;
    type_into(c, "password", TESTER_PASSWORD).await;
    click(c, "form.form button[type=submit]").await;
    wait_for_path(c, "/").await;
}

/// The dashboard in Vietnamese, then in English after the switch.
async fn dashboard_in_both_languages(c: &Client) {
    assert_eq!(text_of(c, "h1").await, "Tổng quan");
    let lang = c
        .find(Locator::Css("html"))
        .await
        .unwrap()
        .attr("lang")
        .await
        .unwrap();
    assert_eq!(lang.as_deref(), Some("vi"));
    let nav = text_of(c, "nav.mainnav").await;
    for word in ["Phương tiện đo", "Chuẩn đo lường", "Đơn vị", "Thiết bị"] {
        assert!(nav.contains(word), "{word} in {nav}");
    }
    let main = text_of(c, "main").await;
    assert!(main.contains("CD-DD-0042"), "{main}");
    assert!(main.contains("Sắp đến hạn"), "{main}");
    assert!(text_of(c, ".who").await.contains("Người Kiểm Thử"));
    // The stylesheet is applied (served under the strict policy): the top bar is navy.
    let bar = c
        .find(Locator::Css(".topbar"))
        .await
        .unwrap()
        .css_value("background-color")
        .await
        .unwrap();
    assert_eq!(bar, "rgba(10, 43, 80, 1)");
    screenshot(c, "dashboard-vi.png").await;

    click(c, r#"a[hreflang="en"]"#).await;
    wait_for_path(c, "/").await;
    wait_for_text(c, "h1", "Overview").await;
    assert!(text_of(c, "nav.mainnav").await.contains("Instruments"));
    screenshot(c, "dashboard-en.png").await;
}

/// From the menu to the instrument, by its serial number.
async fn find_the_instrument(c: &Client) {
    c.find(Locator::LinkText("Instruments"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_path(c, "/instruments").await;
    assert_eq!(text_of(c, "h1").await, "Measuring instruments");
    type_into(c, "serial", "CD-DD").await;
    click(c, "form.filters button[type=submit]").await;
    let deadline = Instant::now() + Duration::from_secs(15);
    while !c
        .current_url()
        .await
        .unwrap()
        .query()
        .is_some_and(|q| q.contains("serial=CD-DD"))
    {
        assert!(Instant::now() < deadline, "the search did not run");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let table = text_of(c, "table.data").await;
    assert!(table.contains("CD-DD-0042"), "{table}");
    c.find(Locator::LinkText("CD-DD-0042"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(text_of(c, "h1 .serial").await, "CD-DD-0042");
    let key = text_of(c, ".facts-key").await;
    assert!(key.contains("Cửa hàng xăng dầu Đồng Đăng"), "{key}");
    assert!(key.contains("Fuel dispenser"), "{key}");
    let history = text_of(c, "table.history").await;
    assert!(
        history.contains("seed") && history.contains("Created"),
        "{history}"
    );
    screenshot(c, "instrument-en.png").await;

    // Back to Vietnamese on the record page too.
    click(c, r#"a[hreflang="vi"]"#).await;
    c.wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css(r#"html[lang="vi"]"#))
        .await
        .unwrap();
    assert!(text_of(c, ".facts-key").await.contains("Đơn vị sở hữu"));
    screenshot(c, "instrument-vi.png").await;
}

/// A device's page shows the stored reading, then a new one as it arrives.
async fn watch_the_live_reading(c: &Client, server: &TestServer, token: &str) {
    c.goto(&server.url("/devices/can-phan-tich-1"))
        .await
        .unwrap();
    wait_for_text(c, ".live-value", "99.9980").await;
    assert!(text_of(c, ".live-state").await.contains("Chưa ổn định"));
    post_reading(server, token, "100.0001", true).await;
    wait_for_text(c, ".live-value", "100.0001").await;
    assert!(text_of(c, ".live-state").await.contains("Ổn định"));
    let rows = c
        .find_all(Locator::Css("#readings tbody tr"))
        .await
        .unwrap();
    assert_eq!(rows.len(), 2, "the live reading joins the table once");
    screenshot(c, "device-vi.png").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_signs_in_switches_language_finds_an_instrument_and_watches_a_live_reading() {
    let driver = Driver::start();
    let server = TestServer::start().await;
    let token = seed(&server).await;
    let profile = tempfile::tempdir().unwrap();
    let c = driver.browser(profile.path()).await;
    tablet_size(&c).await;

    sign_in(&c, &server).await;
    dashboard_in_both_languages(&c).await;
    find_the_instrument(&c).await;
    watch_the_live_reading(&c, &server, &token).await;

    click(&c, "form.signout button").await;
    wait_for_path(&c, "/login?bye=1").await;
    c.close().await.unwrap();
}

/// A customer's class I balance received for periodic verification, a valid weight set, and
/// the run set up (through the API, as the tester) with the balance's device on the bench.
/// Returns the run id and the token of the bridge that sends the balance's readings.
async fn bench_run(server: &TestServer) -> (String, String) {
    let store = &server.store;
    let today = server::web::i18n::today();
    let org = store
        .create_organisation(
            "user:seed",
            &OrganisationInput {
                name: "Bệnh viện Đa khoa tỉnh Lạng Sơn".into(),
                tax_code: Some("4900123456".into()),
                address: None,
                phone: None,
            },
        )
        .await
        .unwrap();
    let balance = store
        .create_instrument(
            "user:seed",
            &InstrumentInput {
                category: "analytical-balance".into(),
                serial: "B123456789".into(),
                measuring_range: Some("Max = 220 g".into()),
                resolution: Some("0.1 mg".into()),
                verification_interval: Some("1 mg".into()),
                accuracy_class: Some("I".into()),
                owner_id: Some(org.organisation_id),
                ..InstrumentInput::default()
            },
        )
        .await
        .unwrap();
    let weights = store
        .create_standard(
            "user:seed",
            &StandardInput {
                code: "QC-E2-01".into(),
                name: "Bộ quả cân chuẩn E2".into(),
                level: "working".into(),
                ..StandardInput::default()
            },
        )
        .await
        .unwrap();
    store
        .add_calibration(
            "user:seed",
            weights.measurement_standard_id,
            &CalibrationInput {
                certificate_no: "V03.123/26".into(),
                issuer: "Viện Đo lường Việt Nam".into(),
                issuer_accreditation: None,
                calibrated_on: today - chrono::Days::new(30),
                due_on: today + chrono::Days::new(335),
                results: vec![CalibrationValue {
                    nominal: "500 g".into(),
                    value: "500.0002 g".into(),
                    expanded_uncertainty: "0.25 mg".into(),
                    k: Some(2.0),
                }],
                in_tolerance: true,
            },
        )
        .await
        .unwrap();
    let (_, runs) = store
        .create_receipt(
            "user:seed",
            &ReceiptInput {
                organisation_id: org.organisation_id,
                items: vec![ReceiptItem {
                    instrument_id: Some(balance.instrument_id),
                    service: "periodic".into(),
                    ..ReceiptItem::default()
                }],
                ..ReceiptInput::default()
            },
            today,
            |year, seq| format!("{seq:04}/{year}/TN"),
        )
        .await
        .unwrap();
    let run = runs[0].run_id.to_string();
    // The balance is known once its bridge has sent a reading.
    let token = store
        .create_device_token("user:seed", "bench-1", "e2e")
        .await
        .unwrap();
    post_device_reading(server, &token, "balance-1", "0.0000", true).await;
    let resp = server
        .client
        .put(server.url(&format!("/api/v1/runs/{run}/setup")))
        .json(&serde_json::json!({
            "procedure_id": "dlvn-16-2021-nawi-verification",
            "params": {"max": "220 g", "e": "1 mg", "d": "0.1 mg", "class": "I"},
            "standards": [weights.measurement_standard_id],
            "devices": [{"device_id": "balance-1"}],
            "stamp_number": "T-2026-000123"
        }))
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{}", resp.text().await.unwrap());
    (run, token)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_technician_watches_a_balance_live_and_captures_a_stable_reading_for_a_point() {
    let driver = Driver::start();
    let server = TestServer::start().await;
    let (run, token) = bench_run(&server).await;
    let profile = tempfile::tempdir().unwrap();
    let c = driver.browser(profile.path()).await;
    tablet_size(&c).await;
    sign_in(&c, &server).await;

    c.goto(&server.url(&format!("/runs/{run}"))).await.unwrap();
    assert_eq!(text_of(&c, "h1 .serial").await, "B123456789");
    let points = text_of(&c, "#points").await;
    assert!(
        points.contains("Kiểm tra sai số cân") && points.contains("1/4 Max"),
        "{points}"
    );
    // The stored reading shows at once, then each new one as it arrives.
    wait_for_text(&c, "#measure .live-value", "0.0000").await;
    post_device_reading(&server, &token, "balance-1", "55.0123", false).await;
    wait_for_text(&c, "#measure .live-value", "55.0123").await;
    wait_for_contains(&c, "#measure .live-state", "Chưa ổn định").await;
    post_device_reading(&server, &token, "balance-1", "55.0001", true).await;
    wait_for_text(&c, "#measure .live-value", "55.0001").await;
    c.wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css("#measure .live-state.badge-ok"))
        .await
        .expect("the stable badge");
    assert_eq!(text_of(&c, "#measure .live-state-text").await, "Ổn định");
    screenshot(&c, "bench-live-vi.png").await;

    // Capture: the point's value appears in the table, linked to its raw reading.
    click(&c, r#"button[data-capture][data-point="quarter-max"]"#).await;
    wait_for_text(&c, "#point-quarter-max .value-text", "55.0001 g").await;
    assert_eq!(text_of(&c, "#point-quarter-max .count").await, "1/1");
    let raw = c
        .find(Locator::Css("#point-quarter-max a.raw-link"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap_or_default();
    assert!(raw.starts_with("/readings/"), "{raw}");
    // The evaluation follows without a reload.
    wait_for_contains(&c, "#evaluation", "55,0001").await;

    // An unstable indication is refused, and the page says why, next to the point.
    post_device_reading(&server, &token, "balance-1", "110.0090", false).await;
    wait_for_text(&c, "#measure .live-value", "110.0090").await;
    click(&c, r#"button[data-capture][data-point="half-max"]"#).await;
    let why = wait_for_contains(&c, "#point-half-max .field-error", "chưa ổn định").await;
    assert!(why.contains("Số đọc chưa ổn định"), "{why}");
    let half = text_of(&c, "#point-half-max").await;
    assert!(
        half.contains("Chưa có giá trị."),
        "nothing was attached: {half}"
    );
    screenshot(&c, "bench-captured-vi.png").await;

    // Typed in by hand instead (a decimal comma is fine): the reason is required, and the
    // API's answer is shown next to the field; with it, the value joins the table.
    click(&c, "#point-half-max details.inline-form summary").await;
    type_into(&c, "f-manual-half-max", "110,0001").await;
    click(
        &c,
        "#point-half-max details.inline-form button[type=submit]",
    )
    .await;
    wait_for_contains(
        &c,
        r#"#point-half-max [data-error-for="reason"]"#,
        "Bắt buộc nhập.",
    )
    .await;
    type_into(&c, "f-manual-reason-half-max", "Cổng RS-232 của cân bị lỗi").await;
    click(
        &c,
        "#point-half-max details.inline-form button[type=submit]",
    )
    .await;
    wait_for_text(&c, "#point-half-max .value-text", "110.0001 g").await;
    let half = text_of(&c, "#point-half-max").await;
    assert!(
        half.contains("nhập tay: Cổng RS-232 của cân bị lỗi"),
        "{half}"
    );

    click(&c, "form.signout button").await;
    wait_for_path(&c, "/login?bye=1").await;
    c.close().await.unwrap();
}

/// An inspector imports a file of dossiers from the import page: the page's script sends it
/// to the API with the CSRF token, shows the progress and the result; a bad file lists its
/// problems by row and column and nothing is imported.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inspector_imports_dossiers_from_the_page_and_sees_the_problems_of_a_bad_file() {
    let driver = Driver::start();
    let server = TestServer::start().await;
    server
        .store
        .create_user(
            "test",
            &server::store::users::NewUser {
                username: "kiemtra".into(),
                full_name: "Hoàng Văn Kiểm".into(),
                role: server::store::users::Role::Inspector,
                password_hash: server::auth::hash_password(TESTER_PASSWORD).unwrap(),
            },
        )
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let header = "Số hồ sơ,Hình thức tiếp nhận,Ngày đăng ký,Người nhập khẩu,Mã số thuế,Tên hàng hóa,Mã HS,Số lượng,Đơn vị tính\n";
    let bad = dir.path().join("loi.csv");
    std::fs::write(
        &bad,
        format!("{header}01/2025,Một cửa,05/03/2025,Công ty A,4900123456,Ngựa,0101.21.00,1,con\n"),
    )
    .unwrap();
    let good = dir.path().join("ho-so.csv");
    std::fs::write(&good, format!("{header}01/2025,Một cửa,05/03/2025,Công ty A,4900123456,Mũ bảo hiểm,6506.10.10,100,chiếc\n")).unwrap();

    let profile = tempfile::tempdir().unwrap();
    let c = driver.browser(profile.path()).await;
    tablet_size(&c).await;
    c.goto(&server.url("/login")).await.unwrap();
    type_into(&c, "username", "kiemtra").await;
    type_into(&c, "password", TESTER_PASSWORD).await;
    click(&c, "form.form button[type=submit]").await;
    wait_for_path(&c, "/").await;
    c.goto(&server.url("/dossiers/import")).await.unwrap();
    assert_eq!(text_of(&c, "h1").await, "Nhập hồ sơ từ tệp CSV/XLSX");

    let upload = |path: std::path::PathBuf| {
        let c = c.clone();
        async move {
            c.find(Locator::Id("file"))
                .await
                .unwrap()
                .send_keys(path.to_str().unwrap())
                .await
                .unwrap();
            click(&c, "#import-form button[type=submit]").await;
        }
    };
    upload(bad).await;
    wait_for_text(&c, "#import-status", "Không nhập hồ sơ nào. Các lỗi:").await;
    wait_for_contains(&c, "#import-problems", "row 2, hs_code").await;
    screenshot(&c, "dossier-import-problems.png").await;
    upload(good).await;
    wait_for_text(&c, "#import-status", "Đã nhập 1 hồ sơ.").await;
    assert_eq!(
        c.find(Locator::Css("#import-problems li"))
            .await
            .ok()
            .map(|_| ()),
        None,
        "no problem listed"
    );
    let page = server
        .store
        .list_dossiers(&server::store::dossiers::DossierQuery::default())
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].created_by, "user:kiemtra");
    c.close().await.unwrap();
}
