//! Signing in and out, the language switch, CSRF on forms, and what every page response
//! carries.

use axum::http::StatusCode;
use server::store::users::Role;

use crate::{App, Browser, PASSWORD};

#[tokio::test]
async fn anonymous_visitors_are_sent_to_sign_in_with_the_page_they_wanted() {
    let app = App::new().await;
    for path in [
        "/",
        "/instruments?serial=AB%201",
        "/standards",
        "/audit",
        "/users",
    ] {
        let p = app.get(path, &Browser::default()).await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{path}");
        let next: String = form_urlencoded::byte_serialize(path.as_bytes()).collect();
        assert_eq!(p.location(), format!("/login?next={next}"), "{path}");
    }
    let p = app
        .get(
            "/login?next=%2Finstruments%3Fserial%3DAB%25201",
            &Browser::default(),
        )
        .await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.html.contains("Vui lòng đăng nhập để tiếp tục."));
    assert!(
        p.html
            .contains(r#"name="next" value="/instruments?serial=AB%201""#)
    );
}

#[tokio::test]
async fn signing_in_through_the_form_sets_the_cookie_and_goes_back_to_the_page() {
    let app = App::new().await;
    app.add_user("lan", Role::Technician).await;
    let mut b = Browser::default();
    let p = app
        .post_form(
            "/login",
            &mut b,
            &[
                ("username", "lan"),
                ("password", PASSWORD),
                ("next", "/standards"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
    assert_eq!(p.location(), "/standards");
    let cookie = p.headers["set-cookie"].to_str().unwrap();
    assert!(cookie.starts_with("tdc_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    b.keep_cookies(&p);
    let home = app.get("/", &b).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.html.contains("Trần Thị lan"));
    // Signed in, the sign-in page moves on.
    assert_eq!(app.get("/login", &b).await.location(), "/");
}

#[tokio::test]
async fn a_sign_in_posted_from_another_site_is_refused() {
    let app = App::new().await;
    app.add_user("lan", Role::Technician).await;
    let body = serde_urlencoded::to_string([("username", "lan"), ("password", PASSWORD)]).unwrap();
    let p = app
        .send(
            axum::http::Request::post("/login")
                .header("content-type", "application/x-www-form-urlencoded")
                .header("sec-fetch-site", "cross-site")
                .body(axum::body::Body::from(body))
                .unwrap(),
        )
        .await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    assert!(p.headers.get("set-cookie").is_none());
    assert!(
        p.html
            .contains("Chỉ đăng nhập được từ trang đăng nhập của hệ thống.")
    );
}

#[tokio::test]
async fn a_next_page_elsewhere_is_not_followed() {
    let app = App::new().await;
    app.add_user("lan", Role::Technician).await;
    for next in [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
    ] {
        let p = app
            .post_form(
                "/login",
                &mut Browser::default(),
                &[("username", "lan"), ("password", PASSWORD), ("next", next)],
            )
            .await;
        assert_eq!(p.location(), "/", "{next}");
    }
}

#[tokio::test]
async fn a_wrong_password_is_refused_in_vietnamese_without_saying_which_was_wrong() {
    let app = App::new().await;
    app.add_user("lan", Role::Technician).await;
    let wrong_password = app
        .post_form(
            "/login",
            &mut Browser::default(),
            &[("username", "lan"), ("password", "not the password")],
        )
        .await;
    let no_such_user = app
        .post_form(
            "/login",
            &mut Browser::default(),
            &[("username", "nobody"), ("password", PASSWORD)],
        )
        .await;
    for p in [&wrong_password, &no_such_user] {
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(p.headers.get("set-cookie").is_none());
        assert!(
            p.html.contains("Sai tên đăng nhập hoặc mật khẩu."),
            "{}",
            p.html
        );
    }
    // The username typed is kept; the password is not.
    assert!(
        wrong_password
            .html
            .contains(r#"name="username" value="lan""#)
    );
    assert!(!wrong_password.html.contains("not the password"));
}

#[tokio::test]
async fn repeated_failures_are_throttled_with_a_wait_in_minutes() {
    let app = App::new().await;
    app.add_user("lan", Role::Technician).await;
    let attempts = app.state.settings.login_attempts;
    for _ in 0..attempts {
        app.post_form(
            "/login",
            &mut Browser::default(),
            &[("username", "lan"), ("password", "wrong wrong")],
        )
        .await;
    }
    let p = app
        .post_form(
            "/login",
            &mut Browser::default(),
            &[("username", "lan"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(p.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(p.html.contains("Đăng nhập sai quá nhiều lần"), "{}", p.html);
    assert!(p.html.contains(" phút."));
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let app = App::new().await;
    let mut b = app.browser_as(Role::Technician).await;
    let p = app.submit("/logout", &mut b, &[]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(p.location(), "/login?bye=1");
    let old = b.clone();
    b.keep_cookies(&p);
    assert!(b.session.is_none(), "the cookie is cleared");
    // The old cookie no longer opens a page.
    assert_eq!(app.get("/", &old).await.location(), "/login?next=%2F");
    let bye = app.get("/login?bye=1", &b).await;
    assert!(bye.html.contains("Bạn đã đăng xuất."));
}

#[tokio::test]
async fn a_form_without_its_csrf_token_is_refused() {
    let app = App::new().await;
    let mut b = app.browser_as(Role::Technician).await;
    let p = app
        .post_form(
            "/instruments/new",
            &mut b,
            &[("category", "taximeter"), ("serial", "X-1")],
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let p = app
        .post_form("/logout", &mut b, &[("csrf", "forged")])
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert_eq!(app.store().count_instruments().await.unwrap(), 0);
    // The session still works: the forged sign-out did nothing.
    assert_eq!(app.get("/", &b).await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_language_switch_sticks_and_comes_back_to_the_page() {
    let app = App::new().await;
    let mut b = app.browser_as(Role::Technician).await;
    let vi = app.get("/instruments", &b).await;
    assert!(vi.html.contains(r#"<html lang="vi">"#));
    assert!(vi.html.contains("Phương tiện đo"));
    assert!(vi.html.contains(r#"href="/lang/en?next=%2Finstruments""#));
    let p = app.get("/lang/en?next=%2Finstruments", &b).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(p.location(), "/instruments");
    let cookie = p.headers["set-cookie"].to_str().unwrap();
    assert!(
        cookie.starts_with("tdc_lang=en;") && cookie.contains("Max-Age="),
        "{cookie}"
    );
    b.keep_cookies(&p);
    for path in ["/instruments", "/", "/standards"] {
        let en = app.get(path, &b).await;
        assert!(en.html.contains(r#"<html lang="en">"#), "{path}");
        assert!(!en.html.contains("Phương tiện đo"), "{path}");
    }
    let en = app.get("/instruments", &b).await;
    assert!(en.html.contains("Measuring instruments"));
    assert!(en.html.contains("Serial number"));
    // Back to Vietnamese; an unknown language is no page; a foreign next is not followed.
    b.keep_cookies(&app.get("/lang/vi?next=/", &b).await);
    assert!(app.get("/", &b).await.html.contains("Tổng quan"));
    assert_eq!(app.get("/lang/fr", &b).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get("/lang/en?next=//evil.example", &b).await.location(),
        "/"
    );
}

#[tokio::test]
async fn the_sign_in_page_is_in_english_when_chosen() {
    let app = App::new().await;
    let b = Browser {
        lang: Some("tdc_lang=en".into()),
        ..Browser::default()
    };
    let p = app.get("/login", &b).await;
    assert!(p.html.contains("Sign in") && p.html.contains("Username"));
    let p = app
        .post_form(
            "/login",
            &mut b.clone(),
            &[("username", "nobody"), ("password", "whatever")],
        )
        .await;
    assert!(p.html.contains("Wrong username or password."));
}

#[tokio::test]
async fn pages_are_utf8_with_correct_diacritics_and_strict_security_headers() {
    let app = App::new().await;
    crate::pages::seed(&app).await;
    let b = app.browser_as(Role::Admin).await;
    let anonymous = Browser::default();
    for (path, who) in [
        ("/", &b),
        ("/instruments", &b),
        ("/audit", &b),
        ("/login", &anonymous),
        ("/instruments/0190a0b4-0000-7000-8000-000000000000", &b),
    ] {
        let p = app.get(path, who).await;
        assert_eq!(
            p.headers["content-type"], "text/html; charset=utf-8",
            "{path}"
        );
        let csp = p.headers["content-security-policy"].to_str().unwrap();
        assert!(csp.starts_with("default-src 'self'"), "{path}: {csp}");
        assert_eq!(p.headers["x-frame-options"], "DENY", "{path}");
        assert_eq!(p.headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(p.headers["referrer-policy"], "same-origin", "{path}");
        assert!(p.html.contains(r#"<meta charset="utf-8">"#), "{path}");
        // No inline script or style that the policy would block.
        assert!(!p.html.contains("<script>"), "{path}");
        assert!(!p.html.contains(" style="), "{path}");
        assert!(!p.html.contains("onclick="), "{path}");
    }
    let home = app.get("/", &b).await;
    for word in [
        "Phương tiện đo",
        "Chuẩn đo lường",
        "Đơn vị",
        "Thiết bị",
        "Người dùng",
        "Nhật ký hệ thống",
        "Đăng xuất",
        "Sắp đến hạn",
        "Đang trực tuyến",
    ] {
        assert!(home.html.contains(word), "{word}");
    }
    // Precomposed (NFC) characters: "ươ" is two code points, not base letters plus marks.
    assert!(
        home.html
            .contains("Ph\u{1b0}\u{1a1}ng ti\u{1ec7}n \u{111}o")
    );
    let missing = app
        .get("/instruments/0190a0b4-0000-7000-8000-000000000000", &b)
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.html.contains("Không tìm thấy"));
}

#[tokio::test]
async fn static_files_are_versioned_typed_and_cached_for_long() {
    let app = App::new().await;
    let b = app.browser_as(Role::Technician).await;
    let home = app.get("/", &b).await;
    let start = home.html.find("/static/").unwrap();
    let css = home.html[start..].split('"').next().unwrap();
    assert!(css.ends_with("/app.css"), "{css}");
    let p = app.get(css, &Browser::default()).await;
    assert_eq!(p.status, StatusCode::OK);
    assert_eq!(p.headers["content-type"], "text/css; charset=utf-8");
    assert!(
        p.headers["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age=31536000")
    );
    let js = css.replace("app.css", "live.js");
    let p = app.get(&js, &Browser::default()).await;
    assert_eq!(p.headers["content-type"], "text/javascript; charset=utf-8");
    assert!(p.html.contains("EventSource"));
    let svg = css.replace("app.css", "favicon.svg");
    assert_eq!(
        app.get(&svg, &Browser::default()).await.headers["content-type"],
        "image/svg+xml"
    );
    // An old version still gets the file, but not for a year.
    let p = app.get("/static/0000/app.css", &Browser::default()).await;
    assert_eq!(p.status, StatusCode::OK);
    assert_eq!(p.headers["cache-control"], "no-cache");
    assert_eq!(
        app.get("/static/0000/secret.txt", &Browser::default())
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}
