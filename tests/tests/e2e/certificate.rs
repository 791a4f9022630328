//! The lab's whole job with the real binaries: `tdc-sim` (an MT-SICS balance on a pty) →
//! `tdc-bridge` → `tdc-server` on embedded SQLite → a periodic verification of an analytical
//! balance under ĐLVN 16:2021 with values captured from the balance → review → signature →
//! PDF (its text read back with pdftotext) → DCC (valid against the PTB schema) → the public
//! page says valid → `tdc-server certificate verify` agrees → an amendment supersedes it.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::Days;
use e2e_tests::{Kill, binary, first_line, signed_in_client};
use serde_json::{Value, json};
use server::store::Store;
use server::store::users::{NewUser, Role, UserUpdate};

const PASSWORD: &str = "mật-khẩu-phòng-thí-nghiệm";

async fn ok(resp: reqwest::Response, what: &str) -> Value {
    let status = resp.status();
    let text = resp.text().await.unwrap();
    assert!(status.is_success(), "{what}: {status}: {text}");
    serde_json::from_str(&text).unwrap_or(Value::String(text))
}

/// Waits for a stable reading of the balance near `grams` newer than `after`; returns its value.
async fn stable_near(store: &Store, grams: f64, after: chrono::DateTime<chrono::Utc>) -> f64 {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let latest = store.latest_readings("balance-1", 1).await.unwrap();
        if let Some(r) = latest.first()
            && r.stable
            && r.captured_at > after
            && (r.value - grams).abs() < 0.01
        {
            return r.value;
        }
        assert!(
            Instant::now() < deadline,
            "no stable reading near {grams} g: {latest:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn schema_dir() -> std::path::PathBuf {
    if let Ok(d) = std::env::var("TDC_DCC_SCHEMA_DIR") {
        return d.into();
    }
    let mut dir = e2e_tests::workspace();
    loop {
        let candidate = dir.join("shared/dcc");
        if candidate.join("dcc-3.1.2.xsd").is_file() {
            return candidate;
        }
        assert!(
            dir.pop(),
            "the DCC schemas (shared/dcc/dcc-3.1.2.xsd) were not found above the workspace"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(clippy::too_many_lines)] // one scenario, told in order
async fn a_balance_is_verified_from_live_readings_to_a_signed_verifiable_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let db_url = format!("sqlite://{}", dir.path().join("tdc.sqlite").display());
    let out = Command::new(binary("tdc-server"))
        .arg("migrate")
        .env("TDC_SERVER__DATABASE__URL", &db_url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The lab's records, written beside the server (SQLite allows it).
    let store = Store::connect(&db_url).await.unwrap();
    let today = server::web::i18n::today();
    for (user, role) in [
        ("ktv", Role::Technician),
        ("soatxet", Role::Reviewer),
        ("phutrach", Role::QualityManager),
    ] {
        store
            .create_user(
                "test",
                &NewUser {
                    username: user.into(),
                    full_name: format!("Nguyễn Thị {user}"),
                    role,
                    password_hash: server::auth::hash_password(PASSWORD).unwrap(),
                },
            )
            .await
            .unwrap();
    }
    store
        .update_user(
            "test",
            "ktv",
            &UserUpdate {
                full_name: "Hoàng Văn Đức".into(),
                role: Role::Technician,
                verifier_card_no: Some("KĐV-LS-0007".into()),
                verifier_card_expires_on: Some(today + Days::new(400)),
            },
        )
        .await
        .unwrap();
    let token = store
        .create_device_token("test", "bench-1", "Bàn cân 1")
        .await
        .unwrap();

    let mut server = Command::new(binary("tdc-server"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("TDC_SERVER__DATABASE__URL", &db_url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let url = first_line(&mut server)
        .rsplit(' ')
        .next()
        .unwrap()
        .to_owned();
    let _server = Kill(server);
    let addr: std::net::SocketAddr = url.trim_start_matches("http://").parse().unwrap();

    let (mut sim, _bridge) = e2e_tests::balance_bench(dir.path(), &url, &token, "0 g");
    stable_near(
        &store,
        0.0,
        chrono::Utc::now() - chrono::Duration::seconds(60),
    )
    .await;

    let tech = signed_in_client(addr, "ktv", PASSWORD).await;
    let api = |p: &str| format!("{url}{p}");
    let org = ok(
        tech.post(api("/api/v1/organisations"))
            .json(&json!({"name": "Công ty CP Dược phẩm Kỳ Lừa", "tax_code": "4900456789", "address": "KCN Đồng Bành, Chi Lăng, Lạng Sơn"}))
            .send()
            .await
            .unwrap(),
        "organisation",
    )
    .await;
    let weights = ok(
        tech.post(api("/api/v1/standards"))
            .json(&json!({"code": "QC-E2-01", "name": "Bộ quả cân chuẩn E2 1 mg – 200 g", "level": "working", "traceability": "Viện Đo lường Việt Nam (VMI)"}))
            .send()
            .await
            .unwrap(),
        "standard",
    )
    .await;
    let weights = weights["measurement_standard_id"]
        .as_str()
        .unwrap()
        .to_owned();
    ok(
        tech.post(api(&format!("/api/v1/standards/{weights}/calibrations")))
            .json(&json!({"certificate_no": "V03.0421/26", "issuer": "Viện Đo lường Việt Nam",
                "calibrated_on": (today - Days::new(60)).to_string(), "due_on": (today + Days::new(300)).to_string(),
                "results": [
                    {"nominal": "20 mg", "value": "20.000 mg", "expanded_uncertainty": "0.003 mg", "k": 2},
                    {"nominal": "50 g", "value": "50.00000 g", "expanded_uncertainty": "0.030 mg", "k": 2},
                    {"nominal": "100 g", "value": "100.00000 g", "expanded_uncertainty": "0.050 mg", "k": 2},
                    {"nominal": "200 g", "value": "200.0000 g", "expanded_uncertainty": "0.10 mg", "k": 2},
                    {"nominal": "500 g", "value": "500.0000 g", "expanded_uncertainty": "0.25 mg", "k": 2}]}))
            .send()
            .await
            .unwrap(),
        "calibration",
    )
    .await;
    // Receipt with a new instrument registered on the spot.
    let receipt = ok(
        tech.post(api("/api/v1/receipts"))
            .json(&json!({"organisation_id": org["organisation_id"], "language": "vi",
                "items": [{"service": "periodic", "condition_on_arrival": "Bình thường",
                   "instrument": {"category": "analytical-balance", "serial": "B049837261", "maker": "Mettler Toledo", "model": "ME204",
                                  "measuring_range": "Max = 220 g; Min = 10 mg", "accuracy_class": "I"}}]}))
            .send()
            .await
            .unwrap(),
        "receipt",
    )
    .await;
    let run = receipt["runs"][0]["run_id"].as_str().unwrap().to_owned();
    let view = ok(
        tech.put(api(&format!("/api/v1/runs/{run}/setup")))
            .json(&json!({"procedure_id": "dlvn-16-2021-nawi-verification",
                "params": {"max": "220 g", "e": "1 mg", "d": "0.1 mg", "class": "I"},
                "standards": [weights], "devices": [{"device_id": "balance-1"}], "stamp_number": "LS-26-000777"}))
            .send()
            .await
            .unwrap(),
        "setup",
    )
    .await;
    ok(
        tech.put(api(&format!("/api/v1/runs/{run}/environment")))
            .json(&json!({"values": [{"quantity": "temperature", "value": 23.1, "unit": "°C"}, {"quantity": "humidity", "value": 61.0, "unit": "%RH"}]}))
            .send()
            .await
            .unwrap(),
        "environment",
    )
    .await;
    for step in ["external", "technical"] {
        ok(
            tech.post(api(&format!("/api/v1/runs/{run}/steps/{step}")))
                .json(&json!({"passed": true}))
                .send()
                .await
                .unwrap(),
            step,
        )
        .await;
    }
    // The weighing test from the live balance: load, wait for a stable indication, capture.
    let stdin = sim.0.stdin.as_mut().unwrap();
    for p in view["points"].as_array().unwrap() {
        let id = p["point_id"].as_str().unwrap();
        let nominal = p["nominal"].as_f64().unwrap();
        for _ in 0..p["repeats"].as_u64().unwrap() {
            let before = chrono::Utc::now();
            writeln!(stdin, "load {nominal} g").unwrap();
            stdin.flush().unwrap();
            // As at the bench: wait for the stable sign, press Capture; if the indication
            // moved again in between, the server says so and the person presses again.
            let mut tries = 0;
            let a = loop {
                stable_near(&store, nominal, before).await;
                let resp = tech
                    .post(api(&format!("/api/v1/runs/{run}/points/{id}/capture")))
                    .json(&json!({"device_id": "balance-1"}))
                    .send()
                    .await
                    .unwrap();
                if resp.status() == reqwest::StatusCode::CONFLICT && tries < 20 {
                    let why = resp.text().await.unwrap();
                    assert!(
                        why.contains("not stable") || why.contains("already attached"),
                        "{why}"
                    );
                    tries += 1;
                    tokio::time::sleep(Duration::from_millis(150)).await;
                    continue;
                }
                break ok(resp, &format!("capture {id}")).await;
            };
            assert!(a["reading_id"].as_str().is_some(), "{a}");
        }
    }
    let submitted = ok(
        tech.post(api(&format!("/api/v1/runs/{run}/submit")))
            .json(&json!({}))
            .send()
            .await
            .unwrap(),
        "submit",
    )
    .await;
    assert_eq!(submitted["outcome"], "pass", "{submitted}");

    let reviewer = signed_in_client(addr, "soatxet", PASSWORD).await;
    ok(
        reviewer
            .post(api(&format!("/api/v1/runs/{run}/approve")))
            .json(&json!({}))
            .send()
            .await
            .unwrap(),
        "approve",
    )
    .await;
    let qm = signed_in_client(addr, "phutrach", PASSWORD).await;
    let cert = ok(
        qm.post(api(&format!("/api/v1/runs/{run}/sign")))
            .json(&json!({"password": PASSWORD}))
            .send()
            .await
            .unwrap(),
        "sign",
    )
    .await;
    let number = cert["number"].as_str().unwrap().to_owned();
    let id = cert["certificate_id"].as_str().unwrap().to_owned();

    // The PDF, read back.
    let pdf = tech
        .get(api(&format!("/api/v1/certificates/{id}/pdf")))
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.status(), 200);
    let pdf_path = dir.path().join("certificate.pdf");
    std::fs::write(&pdf_path, pdf.bytes().await.unwrap()).unwrap();
    let text = Command::new("pdftotext")
        .arg("-layout")
        .arg(&pdf_path)
        .arg("-")
        .output()
        .unwrap();
    assert!(text.status.success());
    let text = String::from_utf8_lossy(&text.stdout);
    for expected in [
        "GIẤY CHỨNG NHẬN KIỂM ĐỊNH",
        number.as_str(),
        "B049837261",
        "Công ty CP Dược phẩm Kỳ Lừa",
        "ĐLVN 16:2021",
        "QC-E2-01",
        "LS-26-000777",
        "Hoàng Văn Đức",
    ] {
        assert!(
            text.contains(expected),
            "`{expected}` not in the PDF:\n{text}"
        );
    }

    // The DCC, valid against the schema.
    let xml = tech
        .get(api(&format!("/api/v1/certificates/{id}/dcc.xml")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let xml_path = dir.path().join("dcc.xml");
    std::fs::write(&xml_path, &xml).unwrap();
    let schemas = schema_dir();
    let lint = Command::new("xmllint")
        .env("XML_CATALOG_FILES", schemas.join("catalog.xml"))
        .args(["--nonet", "--noout", "--schema"])
        .arg(schemas.join("dcc-3.1.2.xsd"))
        .arg(&xml_path)
        .output()
        .unwrap();
    assert!(
        lint.status.success(),
        "{}",
        String::from_utf8_lossy(&lint.stderr)
    );

    // The public page the QR code points to, without signing in.
    // The QR code carries the configured public address; this server listens elsewhere.
    let printed = cert["verify_url"].as_str().unwrap();
    assert!(printed.starts_with("http://127.0.0.1:8080/v/"), "{printed}");
    let verify_url = format!("{url}{}", &printed[printed.find("/v/").unwrap()..]);
    let public = reqwest::get(&verify_url).await.unwrap();
    assert_eq!(public.status(), 200);
    let html = public.text().await.unwrap();
    assert!(
        html.contains("data-state=\"valid\"") && html.contains("data-signature=\"valid\""),
        "{html}"
    );

    // The CLI's check, by number and from the signed file.
    let signed = tech
        .get(api(&format!("/api/v1/certificates/{id}/signed.json")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let signed_path = dir.path().join("signed.json");
    std::fs::write(&signed_path, &signed).unwrap();
    for target in [number.clone(), signed_path.display().to_string()] {
        let out = Command::new(binary("tdc-server"))
            .args(["certificate", "verify", &target])
            .env("TDC_SERVER__DATABASE__URL", &db_url)
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && said.contains("signature valid"),
            "{target}: {said}"
        );
    }
    let forged = signed.replace("Kỳ Lừa", "Kỳ Lừa Mới");
    std::fs::write(&signed_path, forged).unwrap();
    let out = Command::new(binary("tdc-server"))
        .args(["certificate", "verify"])
        .arg(&signed_path)
        .env("TDC_SERVER__DATABASE__URL", &db_url)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // An amendment supersedes it.
    let amended = ok(
        qm.post(api(&format!("/api/v1/certificates/{id}/amend")))
            .json(&json!({"password": PASSWORD, "reason": "Khách hàng đề nghị sửa địa chỉ", "changes": {"owner_address": "Lô C2, KCN Đồng Bành, Chi Lăng, Lạng Sơn"}}))
            .send()
            .await
            .unwrap(),
        "amend",
    )
    .await;
    assert_eq!(amended["supersedes"], number.as_str());
    let html = reqwest::get(&verify_url)
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("data-state=\"superseded\""), "{html}");
    assert!(html.contains(amended["number"].as_str().unwrap()));
    store.close().await;
    writeln!(sim.0.stdin.as_mut().unwrap(), "quit").ok();
}
