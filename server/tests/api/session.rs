//! Sign-in, sessions, password change, CSRF and throttling.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::json;
use server::store::users::Role;

use crate::{App, PASSWORD};

#[tokio::test]
async fn signing_in_sets_an_httponly_samesite_cookie_and_says_who_and_what() {
    let app = App::new().await;
    app.add_user("lan", Role::Reviewer).await;
    let a = app
        .call(
            Method::POST,
            "/api/v1/session",
            None,
            Some(json!({"username": "lan", "password": PASSWORD})),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.json);
    let cookie = a.headers["set-cookie"].to_str().unwrap();
    assert!(cookie.starts_with("tdc_session="), "{cookie}");
    for attr in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=36000"] {
        assert!(cookie.contains(attr), "{attr} missing in {cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain http: no Secure flag");
    assert_eq!(a.json["role"], "reviewer");
    assert_eq!(a.json["full_name"], "Trần Thị lan");
    let perms: Vec<&str> = a.json["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert!(perms.contains(&"read_audit") && !perms.contains(&"administer"));
    let login = app.login("lan", PASSWORD).await.unwrap();
    let me = app.get("/api/v1/session", &login).await;
    assert_eq!(me.json["username"], "lan");
}

#[tokio::test]
async fn cookies_are_secure_behind_https() {
    let mut cfg = server::config::Config::default();
    cfg.http.public_url = "https://tdc.langson.gov.vn".into();
    let app = App::with_config(&cfg).await;
    app.add_user("lan", Role::Reviewer).await;
    let a = app
        .call(
            Method::POST,
            "/api/v1/session",
            None,
            Some(json!({"username": "lan", "password": PASSWORD})),
        )
        .await;
    assert!(
        a.headers["set-cookie"]
            .to_str()
            .unwrap()
            .contains("; Secure")
    );
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_user_get_the_same_answer() {
    let app = App::new().await;
    app.add_user("lan", Role::Technician).await;
    let wrong = app.login("lan", "not the password").await.unwrap_err();
    let unknown = app.login("nobody", PASSWORD).await.unwrap_err();
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.json, unknown.json);
    let bad = app
        .call(
            Method::POST,
            "/api/v1/session",
            None,
            Some(json!({"username": "lan"})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.field(), "password");
}

#[tokio::test]
async fn repeated_failures_lock_the_username_even_for_the_right_password() {
    let app = App::new().await;
    app.add_user("lan", Role::Technician).await;
    for _ in 0..5 {
        assert_eq!(
            app.login("lan", "guess-guess-guess")
                .await
                .unwrap_err()
                .status,
            StatusCode::UNAUTHORIZED
        );
    }
    let locked = app.login("LAN", PASSWORD).await.unwrap_err();
    assert_eq!(
        locked.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        locked.json
    );
    // Another user is not affected.
    app.add_user("minh", Role::Technician).await;
    app.login("minh", PASSWORD).await.unwrap();
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let app = App::new().await;
    let login = app.login_as(Role::Technician).await;
    let out = app
        .call(Method::DELETE, "/api/v1/session", Some(&login), None)
        .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert!(
        out.headers["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    assert_eq!(
        app.get("/api/v1/instruments", &login).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn an_expired_session_is_refused() {
    let app = App::new().await;
    let login = app.login_as(Role::Technician).await;
    app.store()
        .exec_admin("UPDATE user_session SET expires_at = '2000-01-01T00:00:00+00:00'")
        .await
        .unwrap();
    let a = app.get("/api/v1/instruments", &login).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert!(
        a.json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("sign in again")
    );
}

#[tokio::test]
async fn a_password_change_ends_every_other_session() {
    let app = App::new().await;
    let first = app.login_as(Role::Inspector).await;
    let second = app.login("inspector", PASSWORD).await.unwrap();
    let wrong = app
        .put(
            "/api/v1/session/password",
            &first,
            json!({"current_password": "nope-nope-nope", "new_password": "một mật khẩu mới"}),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong.field(), "current_password");
    let short = app
        .put(
            "/api/v1/session/password",
            &first,
            json!({"current_password": PASSWORD, "new_password": "ngắn"}),
        )
        .await;
    assert_eq!(short.field(), "new_password");
    let ok = app
        .put(
            "/api/v1/session/password",
            &first,
            json!({"current_password": PASSWORD, "new_password": "một mật khẩu mới"}),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.json);
    let cookie = ok.headers["set-cookie"].to_str().unwrap();
    let renewed = crate::Login {
        cookie: cookie.split(';').next().unwrap().to_owned(),
        csrf: ok.json["csrf_token"].as_str().unwrap().to_owned(),
    };
    for old in [&first, &second] {
        assert_eq!(
            app.get("/api/v1/session", old).await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        app.get("/api/v1/session", &renewed).await.status,
        StatusCode::OK
    );
    assert!(app.login("inspector", PASSWORD).await.is_err());
    app.login("inspector", "một mật khẩu mới").await.unwrap();
}

#[tokio::test]
async fn a_state_change_without_the_csrf_token_is_refused() {
    let app = App::new().await;
    let login = app.login_as(Role::Technician).await;
    let body = json!({"name": "Chợ Đông Kinh"}).to_string();
    for header in [None, Some("wrong-token")] {
        let mut req = Request::post("/api/v1/organisations")
            .header("cookie", &login.cookie)
            .header("content-type", "application/json");
        if let Some(h) = header {
            req = req.header("x-csrf-token", h);
        }
        let a = app.send(req.body(Body::from(body.clone())).unwrap()).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.json);
        assert!(
            a.json["error"]["message"]
                .as_str()
                .unwrap()
                .contains("CSRF")
        );
    }
    // A form carrying the token passes the guard (and then meets the JSON endpoint's parser).
    let form = format!("csrf={}&name=x", login.csrf);
    let a = app
        .send(
            Request::post("/api/v1/organisations")
                .header("cookie", &login.cookie)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from(form))
                .unwrap(),
        )
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.json);
    let none = app.list_organisations_count(&login).await;
    assert_eq!(none, 0, "nothing was created by the refused requests");
}

impl App {
    async fn list_organisations_count(&self, login: &crate::Login) -> usize {
        self.get("/api/v1/organisations", login).await.json["items"]
            .as_array()
            .unwrap()
            .len()
    }
}

#[tokio::test]
async fn a_disabled_user_is_signed_out_at_once() {
    let app = App::new().await;
    let admin = app.login_as(Role::Admin).await;
    let tech = app.login_as(Role::Technician).await;
    let a = app
        .call(
            Method::POST,
            "/api/v1/users/technician/disable",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(a.status, StatusCode::NO_CONTENT, "{}", a.json);
    assert_eq!(
        app.get("/api/v1/session", &tech).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert!(app.login("technician", PASSWORD).await.is_err());
    let own = app
        .call(
            Method::POST,
            "/api/v1/users/admin/disable",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(own.status, StatusCode::CONFLICT);
}
