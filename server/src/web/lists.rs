//! `/dossiers` and `/samples`: the import dossiers and the laboratory's samples, searchable,
//! with what is overdue. Reading only; registration, results and approvals go through the
//! JSON API (`/api/v1/dossiers`, `/api/v1/samples`) with the same rules.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

use super::i18n::{Lang, today};
use super::page::{Ctx, PageError, query, render};
use super::views::Pager;
use crate::http::AppState;
use crate::http::session::Permission;
use crate::store::dossiers::DossierQuery;
use crate::store::registry::PageRequest;
use crate::store::samples::SampleQuery;

const PER_PAGE: i64 = 25;

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    overdue: String,
    #[serde(default)]
    page: String,
}

#[derive(Template)]
#[template(path = "dossiers.html")]
struct DossiersPage<'a> {
    c: &'a Ctx,
    q: &'a ListQuery,
    /// Number, importer, goods, channel, registered, status, next deadline, overdue.
    rows: Vec<([String; 8], bool)>,
    pager: Pager,
}

fn status_word(lang: Lang, status: &str) -> String {
    let (vi, en) = match status {
        "registered" => ("Đã tiếp nhận", "Registered"),
        "confirmed" => ("Đã xác nhận đăng ký", "Registration confirmed"),
        "complete" => ("Đủ hồ sơ", "File complete"),
        "awaiting_testing" => ("Chờ thử nghiệm", "Awaiting testing"),
        "decided" => ("Đã thông báo kết quả", "Result notified"),
        "cancelled" => ("Đã hủy", "Cancelled"),
        "received" => ("Đã nhận mẫu", "Received"),
        "testing" => ("Đang thử nghiệm", "Under test"),
        "submitted" => ("Chờ duyệt", "Awaiting review"),
        "reported" => ("Đã trả kết quả", "Reported"),
        "disposed" => ("Đã hủy mẫu", "Disposed"),
        other => (other, other),
    };
    if lang == Lang::En { en } else { vi }.to_owned()
}

/// `GET /dossiers?q=&overdue=1`.
pub async fn dossiers(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    ctx.require(Permission::Read)?;
    let lang = ctx.lang;
    let page = q.page.trim().parse::<i64>().unwrap_or(1).max(1);
    let day = today();
    let found = state
        .store
        .list_dossiers(&DossierQuery {
            q: Some(q.q.trim().to_owned()).filter(|s| !s.is_empty()),
            overdue_on: (!q.overdue.is_empty()).then_some(day),
            page: PageRequest {
                page,
                per_page: PER_PAGE,
            },
            ..DossierQuery::default()
        })
        .await?;
    let mut rows = Vec::with_capacity(found.items.len());
    for d in &found.items {
        let steps = state
            .store
            .dossier(d.import_dossier_id)
            .await?
            .map(|(_, s)| s)
            .unwrap_or_default();
        let next = steps
            .iter()
            .filter(|s| s.done_on.is_none())
            .filter_map(|s| s.due_on)
            .min();
        let goods: Vec<crate::dossier::GoodsItem> =
            serde_json::from_str(&d.goods).unwrap_or_default();
        let (ch_vi, ch_en) = crate::dossier::channel_names(&d.channel);
        rows.push((
            [
                d.number.clone(),
                format!("{} ({})", d.importer_name, d.importer_tax_code),
                goods
                    .first()
                    .map(|g| format!("{} – HS {}", g.name, g.hs_code))
                    .unwrap_or_default(),
                if lang == Lang::En { ch_en } else { ch_vi }.to_owned(),
                lang.date(d.registered_on),
                status_word(lang, &d.status),
                next.map_or_else(|| "—".into(), |n| lang.date(n)),
                d.import_dossier_id.to_string(),
            ],
            next.is_some_and(|n| n < day),
        ));
    }
    let base = query(&[("q", q.q.trim()), ("overdue", &q.overdue)]);
    render(&DossiersPage {
        c: &ctx,
        rows,
        pager: Pager::new(ctx.t, "/dossiers", &base, page, found.has_more),
        q: &q,
    })
}

#[derive(Template)]
#[template(path = "samples.html")]
struct SamplesPage<'a> {
    c: &'a Ctx,
    q: &'a ListQuery,
    /// Code, name, type, customer, received, due, location, status, id; overdue.
    rows: Vec<([String; 9], bool)>,
    pager: Pager,
}

/// `GET /samples?q=&overdue=1`.
pub async fn samples(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    ctx.require(Permission::Read)?;
    let lang = ctx.lang;
    let page = q.page.trim().parse::<i64>().unwrap_or(1).max(1);
    let day = today();
    let found = state
        .store
        .list_samples(&SampleQuery {
            q: Some(q.q.trim().to_owned()).filter(|s| !s.is_empty()),
            overdue_on: (!q.overdue.is_empty()).then_some(day),
            page: PageRequest {
                page,
                per_page: PER_PAGE,
            },
            ..SampleQuery::default()
        })
        .await?;
    let rows = found
        .items
        .iter()
        .map(|s| {
            let (vi, en) = crate::sample::sample_type_names(&s.sample_type);
            let open = matches!(s.status.as_str(), "received" | "testing" | "submitted");
            (
                [
                    s.code.clone(),
                    s.name.clone(),
                    if lang == Lang::En { en } else { vi },
                    s.requester_name.clone(),
                    lang.date(s.received_on),
                    s.due_on.map_or_else(|| "—".into(), |d| lang.date(d)),
                    format!("{} · {}", s.location, s.holder),
                    status_word(lang, &s.status),
                    s.sample_id.to_string(),
                ],
                open && s.due_on.is_some_and(|d| d < day),
            )
        })
        .collect();
    let base = query(&[("q", q.q.trim()), ("overdue", &q.overdue)]);
    render(&SamplesPage {
        c: &ctx,
        rows,
        pager: Pager::new(ctx.t, "/samples", &base, page, found.has_more),
        q: &q,
    })
}

/// A record as listed on its subject's page.
#[derive(Debug)]
struct RecordLink {
    title: String,
    number: String,
    issued_on: String,
    status: String,
    pdf: String,
    public: String,
}

fn record_links(lang: Lang, records: &[crate::store::records::Record]) -> Vec<RecordLink> {
    records
        .iter()
        .map(|r| {
            let (vi, en) = tdc_certificate::RecordKind::parse(&r.kind)
                .map_or(("", ""), tdc_certificate::RecordKind::titles);
            RecordLink {
                title: if lang == Lang::En { en } else { vi }.to_owned(),
                number: r.number.clone(),
                issued_on: lang.date(r.issued_on),
                status: match (lang, r.status.as_str()) {
                    (Lang::En, s) => s.to_owned(),
                    (_, "issued") => "Đã ban hành".into(),
                    (_, "superseded") => "Đã được thay thế".into(),
                    (_, "revoked") => "Đã thu hồi".into(),
                    (_, s) => s.to_owned(),
                },
                pdf: format!("/api/v1/records/{}/pdf", r.record_id),
                public: format!("/v/{}", r.token),
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "dossier.html")]
struct DossierPage<'a> {
    c: &'a Ctx,
    d: crate::store::dossiers::Dossier,
    facts: Vec<(&'static str, String)>,
    goods: Vec<crate::dossier::GoodsItem>,
    /// Step name, deadline, done on, late.
    steps: Vec<(String, String, String, bool)>,
    records: Vec<RecordLink>,
}

/// `GET /dossiers/{id}`.
pub async fn dossier(
    State(state): State<AppState>,
    ctx: Ctx,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<Response, PageError> {
    ctx.require(Permission::Read)?;
    let lang = ctx.lang;
    let t = ctx.t;
    let id = uuid::Uuid::parse_str(&id).map_err(|_| PageError::NotFound)?;
    let (d, steps) = state.store.dossier(id).await?.ok_or(PageError::NotFound)?;
    let regime = calibration_profiles::import_regime::Regimes::shipped().get(&d.regime);
    let day = today();
    let steps = steps
        .iter()
        .filter(|s| s.step != "register")
        .map(|s| {
            let name = regime
                .and_then(|r| r.step.iter().find(|x| x.step.as_str() == s.step))
                .map_or_else(
                    || s.step.clone(),
                    |x| {
                        if lang == Lang::En {
                            x.name.en.clone()
                        } else {
                            x.name.vi.clone()
                        }
                    },
                );
            let late = match (s.due_on, s.done_on) {
                (Some(due), Some(done)) => done > due,
                (Some(due), None) => due < day,
                _ => false,
            };
            (
                name,
                s.due_on.map_or_else(|| "—".into(), |x| lang.date(x)),
                s.done_on.map_or_else(|| "—".into(), |x| lang.date(x)),
                late,
            )
        })
        .collect();
    let (ch_vi, ch_en) = crate::dossier::channel_names(&d.channel);
    let outcome = d
        .outcome
        .as_deref()
        .and_then(|o| regime?.outcome.iter().find(|x| x.code == o))
        .map(|o| {
            if lang == Lang::En {
                o.text.en.clone()
            } else {
                o.text.vi.clone()
            }
        });
    let facts = vec![
        (
            t.importer,
            format!("{} — {}", d.importer_name, d.importer_tax_code),
        ),
        (
            t.reports_channel,
            if lang == Lang::En { ch_en } else { ch_vi }.to_owned(),
        ),
        (t.registered_on, lang.date(d.registered_on)),
        (
            t.regime,
            regime.map_or_else(
                || d.regime.clone(),
                |r| {
                    format!(
                        "{} — {}",
                        r.code,
                        if lang == Lang::En {
                            &r.name.en
                        } else {
                            &r.name.vi
                        }
                    )
                },
            ),
        ),
        (t.regulation, d.regulation.clone()),
        (t.dossier_status, status_word(lang, &d.status)),
        (t.outcome, outcome.unwrap_or_else(|| "—".into())),
    ];
    let goods = serde_json::from_str(&d.goods).unwrap_or_default();
    let records = record_links(lang, &state.store.records_of("import_dossier", id).await?);
    render(&DossierPage {
        c: &ctx,
        d,
        facts,
        goods,
        steps,
        records,
    })
}

#[derive(Template)]
#[template(path = "sample.html")]
struct SamplePage<'a> {
    c: &'a Ctx,
    s: crate::store::samples::Sample,
    facts: Vec<(&'static str, String)>,
    /// Characteristic, method, analyst, result, U, limit, assessment, nonconforming.
    tests: Vec<([String; 7], bool)>,
    /// When, action, from → to, where, condition, by.
    custody: Vec<[String; 6]>,
    portions: Vec<(String, String, String)>,
    records: Vec<RecordLink>,
}

/// `GET /samples/{id}`.
pub async fn sample(
    State(state): State<AppState>,
    ctx: Ctx,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<Response, PageError> {
    ctx.require(Permission::Read)?;
    let lang = ctx.lang;
    let t = ctx.t;
    let id = uuid::Uuid::parse_str(&id).map_err(|_| PageError::NotFound)?;
    let (s, tests) = state.store.sample(id).await?.ok_or(PageError::NotFound)?;
    let (type_vi, type_en) = crate::sample::sample_type_names(&s.sample_type);
    let facts = vec![
        (t.sample_code, s.code.clone()),
        (
            t.reports_sample_type,
            if lang == Lang::En { type_en } else { type_vi },
        ),
        (t.customer, s.requester_name.clone()),
        (t.received_on, lang.date(s.received_on)),
        (
            t.sample_due_on,
            s.due_on.map_or_else(|| "—".into(), |d| lang.date(d)),
        ),
        (t.sample_location, format!("{} · {}", s.location, s.holder)),
        (t.dossier_status, status_word(lang, &s.status)),
        (
            t.regulation,
            s.specification.clone().unwrap_or_else(|| "—".into()),
        ),
    ];
    let verdict = |c: Option<&str>| {
        let (vi, en) = c
            .and_then(|c| match c {
                "conforms" => Some(calibration_profiles::lims::Conformity::Conforms),
                "does_not_conform" => Some(calibration_profiles::lims::Conformity::DoesNotConform),
                "indeterminate" => Some(calibration_profiles::lims::Conformity::Indeterminate),
                _ => None,
            })
            .map_or(("—", "—"), calibration_profiles::lims::Conformity::label);
        if lang == Lang::En { en } else { vi }.to_owned()
    };
    let tests = tests
        .iter()
        .map(|x| {
            (
                [
                    x.characteristic.clone(),
                    x.method_id.clone(),
                    if x.analyst.is_empty() {
                        "—".into()
                    } else {
                        x.analyst.clone()
                    },
                    x.reported
                        .clone()
                        .map_or_else(|| "—".into(), |r| format!("{r} {}", x.unit)),
                    x.expanded_uncertainty
                        .clone()
                        .map_or_else(|| "—".into(), |u| format!("± {u}")),
                    x.limit_text.clone().unwrap_or_else(|| "—".into()),
                    verdict(x.conformity.as_deref()),
                ],
                x.conformity.as_deref() == Some("does_not_conform"),
            )
        })
        .collect();
    let custody = state
        .store
        .custody_of(id)
        .await?
        .iter()
        .map(|c| {
            [
                lang.datetime(c.at),
                c.action.clone(),
                format!("{} → {}", c.from_holder, c.to_holder),
                c.location.clone(),
                c.condition.clone(),
                c.recorded_by.clone(),
            ]
        })
        .collect();
    let portions = state
        .store
        .portions_of(id)
        .await?
        .iter()
        .map(|p| {
            (
                p.sample_id.to_string(),
                p.code.clone(),
                format!("{} — {}", p.quantity, p.location),
            )
        })
        .collect();
    let records = record_links(lang, &state.store.records_of("sample", id).await?);
    render(&SamplePage {
        c: &ctx,
        s,
        facts,
        tests,
        custody,
        portions,
        records,
    })
}

#[derive(Template)]
#[template(path = "dossier_import.html")]
struct ImportPage<'a> {
    c: &'a Ctx,
}

/// `GET /dossiers/import`: the upload form (the import itself is `POST /api/v1/dossiers/import`).
pub async fn import_form(ctx: Ctx) -> Result<Response, PageError> {
    ctx.require(Permission::Dossiers)?;
    render(&ImportPage { c: &ctx })
}
