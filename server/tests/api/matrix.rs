//! The role-by-endpoint matrix: every endpoint of the API called by every role, by an
//! anonymous client and by a bridge's device token. The expectations below are written from
//! the rules, not read from the server's own table: a role that may act must never get
//! 401/403; a role that may not must get 403; without a session, 401.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use server::store::users::Role;

use crate::App;

const T: Role = Role::Technician;
const I: Role = Role::Inspector;
const R: Role = Role::Reviewer;
const Q: Role = Role::QualityManager;
const A: Role = Role::Admin;
const O: Role = Role::ReadOnly;
const EVERYONE: &[Role] = &[T, I, R, Q, A, O];
const EDITORS: &[Role] = &[T, I, R, Q, A];
const STANDARD_KEEPERS: &[Role] = &[T, R, Q, A];
const AUDITORS: &[Role] = &[R, Q, A, O];
const QM: &[Role] = &[Q];
const BENCH: &[Role] = &[T, R, Q];
const REVIEWERS: &[Role] = &[R, Q];
const ADMIN: &[Role] = &[A];
const DOSSIER_STAFF: &[Role] = &[I, R, Q];

/// Who may call an endpoint.
#[derive(Debug, Clone, Copy)]
enum Who {
    Public,
    Device,
    Roles(&'static [Role]),
}

const ID: &str = "0192f0c4-0000-7000-8000-000000000000";

/// Method and route template of every endpoint the matrix covers.
pub fn endpoint_templates() -> Vec<(Method, &'static str)> {
    endpoint_list()
        .into_iter()
        .map(|(m, p, _)| (m, p))
        .collect()
}

// One table of every endpoint, read top to bottom like the API document.
#[allow(clippy::too_many_lines)]
fn endpoint_list() -> Vec<(Method, &'static str, Who)> {
    use Who::{Device, Public, Roles};
    let g = Method::GET;
    let p = Method::POST;
    let u = Method::PUT;
    let list: Vec<(Method, &str, Who)> = vec![
        (p.clone(), "/api/v1/readings", Device),
        (g.clone(), "/api/v1/session", Roles(EVERYONE)),
        (u.clone(), "/api/v1/session/password", Roles(EVERYONE)),
        (p.clone(), "/api/v1/calc/uncertainty", Roles(EVERYONE)),
        (p.clone(), "/api/v1/calc/regression", Roles(EVERYONE)),
        (p.clone(), "/api/v1/calc/mpe", Roles(EVERYONE)),
        (p.clone(), "/api/v1/calc/decide", Roles(EVERYONE)),
        (g.clone(), "/api/v1/categories", Roles(EVERYONE)),
        (g.clone(), "/api/v1/organisations", Roles(EVERYONE)),
        (p.clone(), "/api/v1/organisations", Roles(EDITORS)),
        (g.clone(), "/api/v1/organisations/{id}", Roles(EVERYONE)),
        (u.clone(), "/api/v1/organisations/{id}", Roles(EDITORS)),
        (
            p.clone(),
            "/api/v1/organisations/{id}/retire",
            Roles(EDITORS),
        ),
        (g.clone(), "/api/v1/instruments", Roles(EVERYONE)),
        (p.clone(), "/api/v1/instruments", Roles(EDITORS)),
        (g.clone(), "/api/v1/instruments/{id}", Roles(EVERYONE)),
        (u.clone(), "/api/v1/instruments/{id}", Roles(EDITORS)),
        (p.clone(), "/api/v1/instruments/{id}/retire", Roles(EDITORS)),
        (
            g.clone(),
            "/api/v1/instruments/{id}/history",
            Roles(EVERYONE),
        ),
        (g.clone(), "/api/v1/standards", Roles(EVERYONE)),
        (p.clone(), "/api/v1/standards", Roles(STANDARD_KEEPERS)),
        (g.clone(), "/api/v1/standards/{id}", Roles(EVERYONE)),
        (u.clone(), "/api/v1/standards/{id}", Roles(STANDARD_KEEPERS)),
        (
            g.clone(),
            "/api/v1/standards/{id}/calibrations",
            Roles(EVERYONE),
        ),
        (
            p.clone(),
            "/api/v1/standards/{id}/calibrations",
            Roles(STANDARD_KEEPERS),
        ),
        (g.clone(), "/api/v1/standards/{id}/checks", Roles(EVERYONE)),
        (
            p.clone(),
            "/api/v1/standards/{id}/checks",
            Roles(STANDARD_KEEPERS),
        ),
        (
            p.clone(),
            "/api/v1/standards/{id}/condition",
            Roles(STANDARD_KEEPERS),
        ),
        (p.clone(), "/api/v1/standards/{id}/override", Roles(QM)),
        (
            g.clone(),
            "/api/v1/standards/{id}/usability",
            Roles(EVERYONE),
        ),
        (
            p.clone(),
            "/api/v1/standards/{id}/retire",
            Roles(STANDARD_KEEPERS),
        ),
        (g.clone(), "/api/v1/devices", Roles(EVERYONE)),
        (g.clone(), "/api/v1/devices/{id}", Roles(EVERYONE)),
        (g.clone(), "/api/v1/devices/{id}/readings", Roles(EVERYONE)),
        (
            g.clone(),
            "/api/v1/devices/{id}/readings/stream",
            Roles(EVERYONE),
        ),
        (g.clone(), "/api/v1/readings/{id}", Roles(EVERYONE)),
        (g.clone(), "/api/v1/bridges", Roles(EVERYONE)),
        (p.clone(), "/api/v1/bridges/{id}/tokens", Roles(ADMIN)),
        (p.clone(), "/api/v1/bridges/{id}/revoke", Roles(ADMIN)),
        (g.clone(), "/api/v1/users", Roles(ADMIN)),
        (p.clone(), "/api/v1/users", Roles(ADMIN)),
        (u.clone(), "/api/v1/users/{username}", Roles(ADMIN)),
        (p.clone(), "/api/v1/users/{username}/disable", Roles(ADMIN)),
        (u.clone(), "/api/v1/users/{username}/password", Roles(ADMIN)),
        (g.clone(), "/api/v1/audit", Roles(AUDITORS)),
        (g.clone(), "/api/v1/audit/verify", Roles(AUDITORS)),
        (g.clone(), "/api/v1/receipts", Roles(EVERYONE)),
        (p.clone(), "/api/v1/receipts", Roles(BENCH)),
        (g.clone(), "/api/v1/receipts/{id}", Roles(EVERYONE)),
        (g.clone(), "/api/v1/procedures", Roles(EVERYONE)),
        (g.clone(), "/api/v1/procedures/{id}", Roles(EVERYONE)),
        (g.clone(), "/api/v1/runs", Roles(EVERYONE)),
        (g.clone(), "/api/v1/runs/{id}", Roles(EVERYONE)),
        (u.clone(), "/api/v1/runs/{id}/setup", Roles(BENCH)),
        (u.clone(), "/api/v1/runs/{id}/environment", Roles(BENCH)),
        (p.clone(), "/api/v1/runs/{id}/steps/{step}", Roles(BENCH)),
        (
            p.clone(),
            "/api/v1/runs/{id}/points/{point}/capture",
            Roles(BENCH),
        ),
        (
            p.clone(),
            "/api/v1/runs/{id}/points/{point}/manual",
            Roles(BENCH),
        ),
        (
            p.clone(),
            "/api/v1/runs/{id}/values/{value}/discard",
            Roles(BENCH),
        ),
        (g.clone(), "/api/v1/runs/{id}/chart.svg", Roles(EVERYONE)),
        (p.clone(), "/api/v1/runs/{id}/submit", Roles(BENCH)),
        (p.clone(), "/api/v1/runs/{id}/return", Roles(REVIEWERS)),
        (p.clone(), "/api/v1/runs/{id}/approve", Roles(REVIEWERS)),
        (p.clone(), "/api/v1/runs/{id}/cancel", Roles(BENCH)),
        (p.clone(), "/api/v1/runs/{id}/sign", Roles(QM)),
        (g.clone(), "/api/v1/certificates", Roles(EVERYONE)),
        (g.clone(), "/api/v1/certificates/{id}", Roles(EVERYONE)),
        (g.clone(), "/api/v1/certificates/{id}/pdf", Roles(EVERYONE)),
        (
            g.clone(),
            "/api/v1/certificates/{id}/record.pdf",
            Roles(EVERYONE),
        ),
        (
            g.clone(),
            "/api/v1/certificates/{id}/dcc.xml",
            Roles(EVERYONE),
        ),
        (
            g.clone(),
            "/api/v1/certificates/{id}/signed.json",
            Roles(EVERYONE),
        ),
        (p.clone(), "/api/v1/certificates/{id}/amend", Roles(QM)),
        (p.clone(), "/api/v1/certificates/{id}/revoke", Roles(QM)),
        (g.clone(), "/api/v1/nonconformities", Roles(EVERYONE)),
        (g.clone(), "/api/v1/nonconformities/{id}", Roles(EVERYONE)),
        (u.clone(), "/api/v1/nonconformities/{id}", Roles(QM)),
        (g.clone(), "/api/v1/due", Roles(EVERYONE)),
        (g.clone(), "/api/v1/calendar", Roles(EVERYONE)),
        (
            g.clone(),
            "/api/v1/calendar/add-working-days",
            Roles(EVERYONE),
        ),
        (u.clone(), "/api/v1/calendar/years/{year}", Roles(ADMIN)),
        (u.clone(), "/api/v1/calendar/days/{day}", Roles(ADMIN)),
        (Method::DELETE, "/api/v1/calendar/days/{day}", Roles(ADMIN)),
        (g.clone(), "/api/v1/import-regimes", Roles(EVERYONE)),
        (g.clone(), "/api/v1/dossiers", Roles(EVERYONE)),
        (p.clone(), "/api/v1/dossiers", Roles(DOSSIER_STAFF)),
        (p.clone(), "/api/v1/dossiers/import", Roles(DOSSIER_STAFF)),
        (g.clone(), "/api/v1/dossiers/{id}", Roles(EVERYONE)),
        (
            p.clone(),
            "/api/v1/dossiers/{id}/confirm",
            Roles(DOSSIER_STAFF),
        ),
        (
            p.clone(),
            "/api/v1/dossiers/{id}/documents",
            Roles(DOSSIER_STAFF),
        ),
        (
            p.clone(),
            "/api/v1/dossiers/{id}/clearance",
            Roles(DOSSIER_STAFF),
        ),
        (
            p.clone(),
            "/api/v1/dossiers/{id}/certificate",
            Roles(DOSSIER_STAFF),
        ),
        (p.clone(), "/api/v1/dossiers/{id}/notice", Roles(QM)),
        (
            p.clone(),
            "/api/v1/dossiers/{id}/sampling",
            Roles(DOSSIER_STAFF),
        ),
        (g.clone(), "/api/v1/records/{id}", Roles(EVERYONE)),
        (g.clone(), "/api/v1/records/{id}/pdf", Roles(EVERYONE)),
        (p.clone(), "/api/v1/records/{id}/revoke", Roles(QM)),
        (p.clone(), "/api/v1/records/{id}/amend", Roles(QM)),
        (g.clone(), "/api/v1/samples", Roles(EVERYONE)),
        (p.clone(), "/api/v1/samples", Roles(BENCH)),
        (g.clone(), "/api/v1/samples/{id}", Roles(EVERYONE)),
        (g.clone(), "/api/v1/samples/{id}/label.svg", Roles(EVERYONE)),
        (p.clone(), "/api/v1/samples/{id}/split", Roles(BENCH)),
        (p.clone(), "/api/v1/samples/{id}/custody", Roles(BENCH)),
        (p.clone(), "/api/v1/samples/{id}/dispose", Roles(BENCH)),
        (p.clone(), "/api/v1/samples/{id}/tests", Roles(BENCH)),
        (
            p.clone(),
            "/api/v1/samples/{id}/tests/{test}/result",
            Roles(BENCH),
        ),
        (p.clone(), "/api/v1/samples/{id}/submit", Roles(BENCH)),
        (p.clone(), "/api/v1/samples/{id}/return", Roles(REVIEWERS)),
        (p.clone(), "/api/v1/samples/{id}/approve", Roles(REVIEWERS)),
        (g.clone(), "/api/v1/surveys", Roles(EVERYONE)),
        (p.clone(), "/api/v1/surveys", Roles(BENCH)),
        (g.clone(), "/api/v1/surveys/{id}", Roles(EVERYONE)),
        (g.clone(), "/api/v1/reports/yearly", Roles(EVERYONE)),
        (g.clone(), "/api/v1/reports/yearly.xlsx", Roles(EVERYONE)),
        (g.clone(), "/api/v1/openapi.json", Public),
        (p.clone(), "/api/v1/session", Public),
        // Last: it ends the session it is called with.
        (Method::DELETE, "/api/v1/session", Public),
    ];
    list
}

fn endpoints() -> Vec<(Method, String, Who)> {
    endpoint_list()
        .into_iter()
        .map(|(m, p, w)| {
            let path = p
                .replace("{id}", ID)
                .replace("{username}", "nobody")
                .replace("{step}", "external")
                .replace("{point}", "min")
                .replace("{value}", ID)
                .replace("{year}", "2026")
                .replace("{test}", ID)
                .replace("{day}", "2026-02-16");
            (m, path, w)
        })
        .collect()
}

fn request(
    method: &Method,
    path: &str,
    cookie: Option<(&str, &str)>,
    bearer: Option<&str>,
) -> Request<Body> {
    let mut req = Request::builder().method(method.clone()).uri(path);
    if let Some((c, csrf)) = cookie {
        req = req.header("cookie", c).header("x-csrf-token", csrf);
    }
    if let Some(t) = bearer {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let body = if *method == Method::GET || *method == Method::DELETE {
        Body::empty()
    } else {
        req = req.header("content-type", "application/json");
        Body::from("{}")
    };
    req.body(body).unwrap()
}

#[tokio::test]
async fn every_role_gets_exactly_the_endpoints_it_may_use() {
    let app = App::new().await;
    let token = app
        .store()
        .create_device_token("test", "bench-1", "")
        .await
        .unwrap();
    let mut failures = Vec::new();
    for role in Role::ALL {
        let login = app.login_as(role).await;
        for (method, path, who) in endpoints() {
            let a = app
                .send(request(
                    &method,
                    &path,
                    Some((&login.cookie, &login.csrf)),
                    None,
                ))
                .await;
            let denied = matches!(a.status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN);
            let ok = match who {
                Who::Public => !denied,
                // A session cookie is no device token.
                Who::Device => a.status == StatusCode::UNAUTHORIZED,
                Who::Roles(roles) if roles.contains(&role) => !denied,
                Who::Roles(_) => a.status == StatusCode::FORBIDDEN,
            };
            if !ok {
                failures.push(format!("{role:?} {method} {path}: {} {}", a.status, a.json));
            }
        }
    }
    for (method, path, who) in endpoints() {
        let anonymous = app.send(request(&method, &path, None, None)).await;
        let device = app.send(request(&method, &path, None, Some(&token))).await;
        let (anon_ok, device_ok) = match who {
            Who::Public => (
                anonymous.status != StatusCode::UNAUTHORIZED,
                device.status != StatusCode::UNAUTHORIZED,
            ),
            Who::Device => (
                anonymous.status == StatusCode::UNAUTHORIZED,
                // `{}` is not a batch: refused as malformed, after the token was accepted.
                device.status == StatusCode::BAD_REQUEST,
            ),
            Who::Roles(_) => (
                anonymous.status == StatusCode::UNAUTHORIZED,
                device.status == StatusCode::UNAUTHORIZED,
            ),
        };
        if !anon_ok {
            failures.push(format!("anonymous {method} {path}: {}", anonymous.status));
        }
        if !device_ok {
            failures.push(format!("device token {method} {path}: {}", device.status));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn an_endpoint_without_an_access_rule_is_refused() {
    use server::http::session::rule;
    // Every route the router knows has a rule: a route added without one would be refused
    // by the matrix above, and unknown paths answer 404 without reaching any handler.
    assert!(rule(&Method::GET, "/api/v1/not-a-route").is_none());
    let app = App::new().await;
    let login = app.login_as(Role::Admin).await;
    let a = app.get("/api/v1/not-a-route", &login).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert_eq!(a.json["error"]["code"], "not_found");
    // Outside the API, a lost visitor gets a page, not JSON.
    let page = app.get("/not-a-page", &login).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(
        page.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"),
        "{:?}",
        page.headers
    );
}
