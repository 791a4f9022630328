//! The HTTP API through the router (`oneshot`, no socket): sessions, CSRF, the registry,
//! standards, the role-by-endpoint matrix, live readings and metrics. Each test gets a fresh
//! in-memory SQLite database; the store's behaviour on PostgreSQL is covered by the contract
//! tests (`tests/store`).

#![allow(clippy::missing_panics_doc)]

mod bench;
mod demo;
mod dossiers;
mod live;
mod matrix;
mod openapi;
mod registry;
mod reports;
mod samples;
mod session;
mod standards;

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use server::http::{AppState, router};
use server::store::Store;
use server::store::users::{NewUser, Role};
use tower::ServiceExt;

/// The password every test user has.
pub const PASSWORD: &str = "mật-khẩu-đủ-dài";

/// A signed-in user's cookie and CSRF token.
#[derive(Debug, Clone)]
pub struct Login {
    pub cookie: String,
    pub csrf: String,
}

/// The application over a fresh in-memory database.
#[derive(Debug, Clone)]
pub struct App {
    pub state: AppState,
}

/// A response, read whole.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub json: Value,
}

impl Answer {
    /// The `field` of the first problem of an error answer.
    #[must_use]
    pub fn field(&self) -> &str {
        self.json["error"]["field"].as_str().unwrap_or_default()
    }

    /// Every problem's field.
    #[must_use]
    pub fn fields(&self) -> Vec<String> {
        self.json["error"]["problems"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|p| p["field"].as_str().unwrap_or_default().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl App {
    pub async fn new() -> Self {
        Self::with_config(&server::config::Config::default()).await
    }

    pub async fn with_config(cfg: &server::config::Config) -> Self {
        let store = Store::open("sqlite::memory:").await.unwrap();
        let ring = server::signing::KeyRing::ephemeral(&store).await.unwrap();
        Self {
            state: AppState::with_config(store, cfg).with_signer(ring),
        }
    }

    #[must_use]
    pub fn store(&self) -> &Store {
        &self.state.store
    }

    /// Creates a user with [`PASSWORD`].
    pub async fn add_user(&self, username: &str, role: Role) {
        self.store()
            .create_user(
                "test",
                &NewUser {
                    username: username.into(),
                    full_name: format!("Trần Thị {username}"),
                    role,
                    password_hash: server::auth::hash_password(PASSWORD).unwrap(),
                },
            )
            .await
            .unwrap();
    }

    /// Creates a user of `role` named after it and signs in.
    pub async fn login_as(&self, role: Role) -> Login {
        let name = role.as_str().replace('_', "-");
        if self
            .store()
            .user_by_username(&name)
            .await
            .unwrap()
            .is_none()
        {
            self.add_user(&name, role).await;
        }
        self.login(&name, PASSWORD).await.unwrap()
    }

    pub async fn login(&self, username: &str, password: &str) -> Result<Login, Answer> {
        let a = self
            .call(
                Method::POST,
                "/api/v1/session",
                None,
                Some(serde_json::json!({"username": username, "password": password})),
            )
            .await;
        if a.status != StatusCode::OK {
            return Err(a);
        }
        let cookie = a.headers["set-cookie"]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        Ok(Login {
            cookie,
            csrf: a.json["csrf_token"].as_str().unwrap().to_owned(),
        })
    }

    /// Sends a request with the login's cookie and CSRF header.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        login: Option<&Login>,
        body: Option<Value>,
    ) -> Answer {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(l) = login {
            req = req
                .header("cookie", &l.cookie)
                .header("x-csrf-token", &l.csrf);
        }
        let req = match body {
            Some(b) => req
                .header("content-type", "application/json")
                .body(Body::from(b.to_string())),
            None => req.body(Body::empty()),
        }
        .unwrap();
        self.send(req).await
    }

    pub async fn send(&self, req: Request<Body>) -> Answer {
        let resp = router(self.state.clone()).oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        let json = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        Answer {
            status,
            headers,
            json,
        }
    }

    pub async fn get(&self, path: &str, login: &Login) -> Answer {
        self.call(Method::GET, path, Some(login), None).await
    }

    pub async fn post(&self, path: &str, login: &Login, body: Value) -> Answer {
        self.call(Method::POST, path, Some(login), Some(body)).await
    }

    pub async fn put(&self, path: &str, login: &Login, body: Value) -> Answer {
        self.call(Method::PUT, path, Some(login), Some(body)).await
    }
}
