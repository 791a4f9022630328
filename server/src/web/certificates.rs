//! `/certificates` and `/nonconformities`: issued documents with their state today, whether
//! their signature verifies and their files; amending and revoking them (quality manager,
//! with the password again); nonconformities with the certificates they may affect and the
//! impact assessment.
//!
//! Reading is plain HTML. Amending, revoking and assessing go through the JSON API from
//! `static/bench.js` (the same rules, the same audit), which shows the API's problems next to
//! the fields they name.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::NaiveDate;
use serde::Deserialize;
use uuid::Uuid;

use super::i18n::{Lang, Text, fill, today};
use super::page::{Ctx, PageError, query, render};
use super::views::{Badge, HistoryRow, Pager};
use crate::http::AppState;
use crate::http::certificates::certificate_view;
use crate::http::session::Permission;
use crate::store::certificates::{Affected, Certificate, CertificateQuery, Nonconformity};
use crate::store::registry::PageRequest;

/// Rows per page of the lists.
const PER_PAGE: i64 = 25;

/// A certificate's state as an icon and a word.
#[must_use]
pub fn state_badge(t: &Text, state: &str) -> Badge {
    let (class, icon) = match state {
        "valid" => ("badge-ok", "✔"),
        "expired" => ("badge-warn", "◷"),
        "superseded" => ("badge-muted", "↻"),
        "revoked" => ("badge-bad", "✖"),
        _ => ("badge-info", "•"),
    };
    Badge {
        class,
        icon,
        label: t.certificate_state(state),
    }
}

/// What a certificate prints about the instrument and its owner, read from the signed content.
#[derive(Debug, Default)]
struct Printed {
    instrument: String,
    serial: String,
    maker: String,
    model: String,
    range: String,
    owner: String,
    address: String,
}

impl Printed {
    fn of(lang: Lang, c: &Certificate) -> Self {
        let v: serde_json::Value = serde_json::from_str(&c.content).unwrap_or_default();
        let text = |ptr: &str| {
            v.pointer(ptr)
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let name_vi = text("/instrument/name/vi");
        let name_en = text("/instrument/name/en");
        Self {
            instrument: if lang == Lang::En && !name_en.is_empty() {
                name_en
            } else {
                name_vi
            },
            serial: text("/instrument/serial"),
            maker: text("/instrument/manufacturer"),
            model: text("/instrument/model"),
            range: text("/instrument/measuring_range"),
            owner: text("/owner/name"),
            address: text("/owner/address"),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    number: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    page: String,
}

#[derive(Debug)]
struct Row {
    id: String,
    number: String,
    kind: String,
    instrument: String,
    serial: String,
    owner: String,
    issued_on: String,
    valid_until: String,
    badge: Badge,
}

#[derive(Template)]
#[template(path = "certificates.html")]
struct ListPage<'a> {
    c: &'a Ctx,
    q: &'a ListQuery,
    statuses: Vec<(&'static str, &'static str)>,
    rows: Vec<Row>,
    pager: Pager,
    searched: bool,
}

/// `GET /certificates`: by number (its beginning) and state.
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    ctx.require(Permission::Read)?;
    let (lang, t) = (ctx.lang, ctx.t);
    let page = q.page.trim().parse::<i64>().unwrap_or(1).max(1);
    let status = match q.status.as_str() {
        s @ ("issued" | "superseded" | "revoked") => Some(s.to_owned()),
        _ => None,
    };
    let found = state
        .store
        .list_certificates(&CertificateQuery {
            instrument_id: None,
            status,
            number: Some(q.number.trim().to_owned()).filter(|n| !n.is_empty()),
            page: PageRequest {
                page,
                per_page: PER_PAGE,
            },
        })
        .await?;
    let day = today();
    let rows = found
        .items
        .iter()
        .map(|c| {
            let p = Printed::of(lang, c);
            Row {
                id: c.certificate_id.to_string(),
                number: c.number.clone(),
                kind: t.certificate_kind(&c.kind).to_owned(),
                instrument: p.instrument,
                serial: p.serial,
                owner: p.owner,
                issued_on: lang.date(c.issued_on),
                valid_until: c.valid_until.map_or_else(|| "—".into(), |d| lang.date(d)),
                badge: state_badge(t, crate::http::certificates::state_of(c, day)),
            }
        })
        .collect();
    let base = query(&[("number", q.number.trim()), ("status", &q.status)]);
    render(&ListPage {
        c: &ctx,
        statuses: vec![
            ("", t.cert_any),
            ("issued", t.status_issued),
            ("superseded", t.state_superseded),
            ("revoked", t.state_revoked),
        ],
        rows,
        pager: Pager::new(t, "/certificates", &base, page, found.has_more),
        searched: !base.is_empty(),
        q: &q,
    })
}

#[derive(Template)]
#[template(path = "certificate.html")]
struct ShowPage<'a> {
    c: &'a Ctx,
    cert: Certificate,
    id: String,
    kind: String,
    badge: Badge,
    signature: Badge,
    signature_text: String,
    printed: Printed,
    facts: Vec<(&'static str, String)>,
    verify_url: String,
    public_path: String,
    record: bool,
    supersedes: Option<(String, String)>,
    superseded_by: Option<(String, String)>,
    revoked: Option<String>,
    history: Vec<HistoryRow>,
    messages: String,
}

impl ShowPage<'_> {
    fn may_change(&self) -> bool {
        self.c.can_sign() && self.cert.status == "issued"
    }
}

/// `GET /certificates/{id}`.
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    ctx.require(Permission::Read)?;
    let (lang, t) = (ctx.lang, ctx.t);
    let id = Uuid::parse_str(&id).map_err(|_| PageError::NotFound)?;
    let c = state
        .store
        .certificate(id)
        .await?
        .ok_or(PageError::NotFound)?;
    let view = certificate_view(&state, c).await?;
    let cert = view.certificate;
    let printed = Printed::of(lang, &cert);
    let dash = |d: Option<NaiveDate>| d.map_or_else(|| "—".into(), |d| lang.date(d));
    let facts = vec![
        (t.issued_on, lang.date(cert.issued_on)),
        (t.performed_on, lang.date(cert.performed_on)),
        (t.valid_until, dash(cert.valid_until)),
        (
            t.stamp_number,
            cert.stamp_number.clone().unwrap_or_else(|| "—".into()),
        ),
        (t.signed_by, cert.signed_by.clone()),
    ];
    let link =
        |id: Option<Uuid>, number: Option<String>| id.zip(number).map(|(i, n)| (i.to_string(), n));
    let history = state
        .store
        .history("certificate", &cert.certificate_id.to_string())
        .await?
        .iter()
        .rev()
        .map(|e| HistoryRow::of(lang, e))
        .collect();
    let signature = if view.signature_valid {
        Badge {
            class: "badge-ok",
            icon: "✔",
            label: t.yes,
        }
    } else {
        Badge {
            class: "badge-bad",
            icon: "✖",
            label: t.no,
        }
    };
    render(&ShowPage {
        c: &ctx,
        id: cert.certificate_id.to_string(),
        kind: t.certificate_kind(&cert.kind).to_owned(),
        badge: state_badge(t, &view.state),
        signature_text: if view.signature_valid {
            fill(t.signature_ok, &cert.key_id)
        } else {
            t.signature_bad.to_owned()
        },
        signature,
        printed,
        facts,
        public_path: format!("/v/{}", cert.token),
        verify_url: view.verify_url,
        record: cert.kind != "calibration_certificate",
        supersedes: link(cert.supersedes_id, view.supersedes),
        superseded_by: link(cert.superseded_by_id, view.superseded_by),
        revoked: cert.revoked_at.map(|at| {
            format!(
                "{} · {} · {}",
                lang.datetime(at),
                cert.revoked_by
                    .as_deref()
                    .map(|b| b.strip_prefix("user:").unwrap_or(b))
                    .unwrap_or_default(),
                cert.revoke_reason.clone().unwrap_or_default()
            )
        }),
        history,
        messages: super::bench::api_messages(t),
        cert,
    })
}

// ---------------------------------------------------------------------------------------
// Nonconformities.

/// An open or closed record as an icon and a word.
fn nc_badge(t: &Text, status: &str) -> Badge {
    if status == "closed" {
        Badge {
            class: "badge-ok",
            icon: "✔",
            label: t.nc_closed,
        }
    } else {
        Badge {
            class: "badge-bad",
            icon: "⚠",
            label: t.nc_open,
        }
    }
}

#[derive(Debug)]
struct NcRow {
    id: String,
    standard: String,
    trigger: String,
    since: String,
    opened: String,
    affected: usize,
    badge: Badge,
}

#[derive(Template)]
#[template(path = "nonconformities.html")]
struct NcListPage<'a> {
    c: &'a Ctx,
    rows: Vec<NcRow>,
    pager: Pager,
}

#[derive(Debug, Default, Deserialize)]
pub struct NcQuery {
    #[serde(default)]
    page: String,
}

fn affected_of(n: &Nonconformity) -> Vec<Affected> {
    serde_json::from_str(&n.affected).unwrap_or_default()
}

/// `GET /nonconformities`: open ones first.
pub async fn list_nonconformities(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<NcQuery>,
) -> Result<Response, PageError> {
    ctx.require(Permission::Read)?;
    let (lang, t) = (ctx.lang, ctx.t);
    let page = q.page.trim().parse::<i64>().unwrap_or(1).max(1);
    let found = state
        .store
        .list_nonconformities(
            None,
            PageRequest {
                page,
                per_page: PER_PAGE,
            },
        )
        .await?;
    let mut codes: HashMap<Uuid, String> = HashMap::new();
    let mut rows = Vec::with_capacity(found.items.len());
    for n in &found.items {
        if let Entry::Vacant(slot) = codes.entry(n.measurement_standard_id) {
            let code = state
                .store
                .standard(n.measurement_standard_id)
                .await?
                .map(|s| s.code)
                .unwrap_or_default();
            slot.insert(code);
        }
        let code = codes
            .get(&n.measurement_standard_id)
            .cloned()
            .unwrap_or_default();
        rows.push(NcRow {
            id: n.nonconformity_id.to_string(),
            standard: code,
            trigger: n.trigger.clone(),
            since: n.since.map_or_else(|| "—".into(), |d| lang.date(d)),
            opened: lang.datetime(n.opened_at),
            affected: affected_of(n).len(),
            badge: nc_badge(t, &n.status),
        });
    }
    render(&NcListPage {
        c: &ctx,
        rows,
        pager: Pager::new(t, "/nonconformities", "", page, found.has_more),
    })
}

#[derive(Debug)]
struct AffectedRow {
    id: String,
    number: String,
    instrument_id: String,
    performed_on: String,
    badge: Badge,
}

#[derive(Template)]
#[template(path = "nonconformity.html")]
struct NcPage<'a> {
    c: &'a Ctx,
    n: Nonconformity,
    id: String,
    standard_id: String,
    standard: String,
    since: String,
    opened: String,
    closed: Option<String>,
    badge: Badge,
    affected: Vec<AffectedRow>,
    history: Vec<HistoryRow>,
    messages: String,
}

/// `GET /nonconformities/{id}`.
pub async fn show_nonconformity(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    ctx.require(Permission::Read)?;
    let (lang, t) = (ctx.lang, ctx.t);
    let id = Uuid::parse_str(&id).map_err(|_| PageError::NotFound)?;
    let n = state
        .store
        .nonconformity(id)
        .await?
        .ok_or(PageError::NotFound)?;
    let standard = state
        .store
        .standard(n.measurement_standard_id)
        .await?
        .map(|s| format!("{} {}", s.code, s.name))
        .unwrap_or_default();
    let day = today();
    let mut affected = Vec::new();
    for a in affected_of(&n) {
        // The certificate's state now, not when the record was opened.
        let badge = match state.store.certificate(a.certificate_id).await? {
            Some(c) => state_badge(t, crate::http::certificates::state_of(&c, day)),
            None => state_badge(t, &a.status),
        };
        affected.push(AffectedRow {
            id: a.certificate_id.to_string(),
            number: a.number,
            instrument_id: a.instrument_id.to_string(),
            performed_on: lang.date(a.performed_on),
            badge,
        });
    }
    let history = state
        .store
        .history("nonconformity", &id.to_string())
        .await?
        .iter()
        .rev()
        .map(|e| HistoryRow::of(lang, e))
        .collect();
    render(&NcPage {
        c: &ctx,
        id: id.to_string(),
        standard_id: n.measurement_standard_id.to_string(),
        standard,
        since: n.since.map_or_else(|| "—".into(), |d| lang.date(d)),
        opened: format!(
            "{} · {}",
            lang.datetime(n.opened_at),
            n.opened_by.strip_prefix("user:").unwrap_or(&n.opened_by)
        ),
        closed: n.closed_at.map(|at| {
            let by = n.closed_by.as_deref().unwrap_or_default();
            t.nc_closed_by
                .replacen("{}", by.strip_prefix("user:").unwrap_or(by), 1)
                .replacen("{}", &lang.datetime(at), 1)
        }),
        badge: nc_badge(t, &n.status),
        affected,
        history,
        messages: super::bench::api_messages(t),
        n,
    })
}
