//! The pages through the router (`oneshot`, no socket): signing in and out, the language
//! switch, permissions page by page, forms with their messages, CSRF and the headers every
//! page carries. Each test gets a fresh in-memory SQLite database.

#![allow(clippy::missing_panics_doc)]

mod backends;
mod bench;
mod forms;
mod pages;
mod session;

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use server::http::{AppState, router};
use server::store::Store;
use server::store::users::{NewUser, Role};
use tower::ServiceExt;

/// The password every test user has.
pub const PASSWORD: &str = "mật-khẩu-đủ-dài";

/// The application over a fresh in-memory database.
#[derive(Debug, Clone)]
pub struct App {
    pub state: AppState,
}

/// A browser's cookies after signing in: the session and the chosen language, and the CSRF
/// token read from a page.
#[derive(Debug, Clone, Default)]
pub struct Browser {
    pub session: Option<String>,
    pub lang: Option<String>,
    pub csrf: String,
}

impl Browser {
    fn cookie_header(&self) -> Option<String> {
        let parts: Vec<&str> = [self.session.as_deref(), self.lang.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        (!parts.is_empty()).then(|| parts.join("; "))
    }

    /// Keeps the cookies a response sets.
    pub fn keep_cookies(&mut self, page: &Page) {
        for v in page.headers.get_all("set-cookie") {
            let pair = v.to_str().unwrap().split(';').next().unwrap().to_owned();
            if pair.starts_with("tdc_session=") {
                self.session = (pair != "tdc_session=").then_some(pair);
            } else if pair.starts_with("tdc_lang=") {
                self.lang = Some(pair);
            }
        }
    }
}

/// A response, read whole as text.
#[derive(Debug)]
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub html: String,
}

impl Page {
    /// Where a redirect points.
    #[must_use]
    pub fn location(&self) -> &str {
        self.headers
            .get("location")
            .map(|v| v.to_str().unwrap())
            .unwrap_or_default()
    }

    /// The value of the hidden `csrf` field of the page's forms.
    #[must_use]
    pub fn csrf(&self) -> String {
        let marker = r#"name="csrf" value=""#;
        let start = self.html.find(marker).expect("a form with a csrf field") + marker.len();
        self.html[start..].split('"').next().unwrap().to_owned()
    }

    /// The text of the element with `id` up to its closing tag (enough to see what is next
    /// to a field).
    #[must_use]
    pub fn around(&self, needle: &str, after: usize) -> &str {
        let start = self
            .html
            .find(needle)
            .unwrap_or_else(|| panic!("`{needle}` is not on the page"));
        let end = (start + after).min(self.html.len());
        let end = (end..self.html.len())
            .find(|i| self.html.is_char_boundary(*i))
            .unwrap_or(self.html.len());
        &self.html[start..end]
    }
}

impl App {
    pub async fn new() -> Self {
        let store = Store::open("sqlite::memory:").await.unwrap();
        Self {
            state: AppState::new(store),
        }
    }

    #[must_use]
    pub fn store(&self) -> &Store {
        &self.state.store
    }

    /// Creates a user with [`PASSWORD`], full name "Trần Thị <username>".
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

    /// Signs in through the form as a new user of `role` named after it (`read-only` …).
    pub async fn browser_as(&self, role: Role) -> Browser {
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
        let mut b = Browser::default();
        let p = self
            .post_form(
                "/login",
                &mut b,
                &[("username", &name), ("password", PASSWORD), ("next", "/")],
            )
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
        b.keep_cookies(&p);
        b.csrf = self.get("/account/password", &b).await.csrf();
        b
    }

    pub async fn send(&self, req: Request<Body>) -> Page {
        let resp = router(self.state.clone()).oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        Page {
            status,
            headers,
            html: String::from_utf8(bytes.to_vec()).expect("pages are UTF-8"),
        }
    }

    pub async fn get(&self, path: &str, b: &Browser) -> Page {
        let mut req = Request::builder().method(Method::GET).uri(path);
        if let Some(c) = b.cookie_header() {
            req = req.header("cookie", c);
        }
        self.send(req.body(Body::empty()).unwrap()).await
    }

    /// Posts a form as a browser does (the fields as given: add `csrf` yourself, or use
    /// [`App::submit`]).
    pub async fn post_form(&self, path: &str, b: &mut Browser, fields: &[(&str, &str)]) -> Page {
        let body = serde_urlencoded::to_string(fields).unwrap();
        let mut req = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header("content-type", "application/x-www-form-urlencoded");
        if let Some(c) = b.cookie_header() {
            req = req.header("cookie", c);
        }
        self.send(req.body(Body::from(body)).unwrap()).await
    }

    /// Posts a form with the browser's CSRF token, as the pages' forms do.
    pub async fn submit(&self, path: &str, b: &mut Browser, fields: &[(&str, &str)]) -> Page {
        let csrf = b.csrf.clone();
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_form(path, b, &all).await
    }
}
