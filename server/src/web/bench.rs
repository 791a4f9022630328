//! The bench work flow in pages: the work list (`/runs`), receiving instruments
//! (`/receipts/new`, `/receipts/{id}` with printable labels), the bench page of one run
//! (`/runs/{id}`) and one stored reading with its raw data (`/readings/{id}`).
//!
//! The bench page is built from the same [`RunView`] the JSON API serves, so the page and the
//! API cannot disagree. What the page changes (set-up, conditions, checks, values, review,
//! signature) goes through the JSON API from `static/bench.js`, which sends the session's
//! CSRF token and shows the API's problems next to the control they name; live readings
//! arrive over Server-Sent Events as on the device page. Receiving instruments is a plain
//! form: it works without JavaScript, keeps everything typed when something is wrong, and
//! names each wrong field.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use calibration_profiles::conformity::Outcome;
use calibration_profiles::profile::ProcedureProfile;
use calibration_profiles::profile::procedure::StepKind;
use calibration_profiles::run::{self as engine, RunEvaluation, Service};
use calibration_profiles::units::Quantity;
use serde::Deserialize;
use uuid::Uuid;

use super::i18n::{Lang, Text, fill, today};
use super::page::{Ctx, PageError, encode, render, render_status, see_other};
use super::views::{self, Badge, Pager, categories, parse_day};
use crate::http::AppState;
use crate::http::bench::{PointView, RunView, run_view};
use crate::http::session::{Permission, allows};
use crate::store::bench::{
    LANGUAGES, Receipt, ReceiptInput, ReceiptItem, Run, RunQuery, RunReading, SERVICES, status,
};
use crate::store::registry::{Instrument, InstrumentInput, InstrumentQuery, PageRequest};
use crate::store::{Store, StoreError};

/// Rows per page of the work list.
const PER_PAGE: i64 = 25;
/// Runs of each state the "in progress" tab shows (it merges three states).
const ACTIVE_CAP: i64 = 200;
/// Customers offered in the receipt form before the filter narrows them.
const CUSTOMERS: i64 = 200;

/// What the viewer's role may do in the bench work flow (for menus and buttons).
impl Ctx {
    fn allowed(&self, p: Permission) -> bool {
        self.user.as_ref().is_some_and(|c| allows(c.role, p))
    }

    /// Receive instruments, run and submit work.
    #[must_use]
    pub fn can_bench(&self) -> bool {
        self.allowed(Permission::Bench)
    }

    /// Approve or return submitted work.
    #[must_use]
    pub fn can_review(&self) -> bool {
        self.allowed(Permission::Review)
    }

    /// Sign, amend and revoke certificates; assess nonconformities.
    #[must_use]
    pub fn can_sign(&self) -> bool {
        self.allowed(Permission::Sign)
    }

    /// Whether the work list belongs in the person's menu.
    #[must_use]
    pub fn works_on_runs(&self) -> bool {
        self.can_bench() || self.can_review()
    }

    fn username(&self) -> &str {
        self.user.as_ref().map_or("", |c| c.user.username.as_str())
    }
}

/// A run's state as an icon and a word.
#[must_use]
pub fn run_badge(t: &Text, s: &str) -> Badge {
    let (class, icon) = match s {
        status::IN_PROGRESS => ("badge-info", "▶"),
        status::SUBMITTED => ("badge-warn", "◔"),
        status::RETURNED => ("badge-bad", "↩"),
        status::APPROVED => ("badge-warn", "✍"),
        status::ISSUED => ("badge-ok", "✔"),
        status::CANCELLED => ("badge-muted", "–"),
        _ => ("badge-muted", "•"),
    };
    Badge {
        class,
        icon,
        label: t.run_status(s),
    }
}

/// A verdict as an icon and a word.
#[must_use]
pub fn outcome_badge(t: &Text, o: Outcome) -> Badge {
    let (class, icon) = match o {
        Outcome::Pass => ("badge-ok", "✔"),
        Outcome::ConditionalPass => ("badge-warn", "✔"),
        Outcome::ConditionalFail => ("badge-warn", "✖"),
        Outcome::Fail => ("badge-bad", "✖"),
    };
    Badge {
        class,
        icon,
        label: t.outcome(o),
    }
}

fn service_of(s: &str) -> Service {
    match s {
        "initial" => Service::Initial,
        "periodic" => Service::Periodic,
        "after_repair" => Service::AfterRepair,
        _ => Service::Calibration,
    }
}

fn bilingual(lang: Lang, b: &calibration_profiles::mpe::Bilingual) -> String {
    match lang {
        Lang::Vi => b.vi.clone(),
        Lang::En => b.en.clone(),
    }
}

/// A number with `decimals` places, a decimal comma in Vietnamese (where the dot groups
/// thousands); `None`: as short as it goes.
fn number(lang: Lang, v: f64, decimals: Option<usize>) -> String {
    let text = if let Some(d) = decimals {
        crate::issue::format_number(v, d, false)
    } else {
        let v = if v == 0.0 { 0.0 } else { v };
        format!("{v}")
    };
    match lang {
        Lang::Vi => text.replace('.', ","),
        Lang::En => text,
    }
}

/// The decimals of a run's values: those of its resolution `d` (or `e`) in the procedure's
/// unit, as the certificate prints them.
fn run_decimals(profile: &ProcedureProfile, params: &BTreeMap<String, String>) -> Option<usize> {
    crate::issue::resolution_decimals(profile.unit, params)
}

// ---------------------------------------------------------------------------------------
// The work list.

/// The tabs of the work list: key, the states it shows.
const TABS: [(&str, &[&str]); 5] = [
    (
        "active",
        &[status::RECEIVED, status::IN_PROGRESS, status::RETURNED],
    ),
    ("review", &[status::SUBMITTED]),
    ("sign", &[status::APPROVED]),
    ("issued", &[status::ISSUED]),
    ("cancelled", &[status::CANCELLED]),
];

#[derive(Debug, Default, Deserialize)]
pub struct RunsQuery {
    #[serde(default)]
    tab: String,
    #[serde(default)]
    page: String,
}

#[derive(Debug)]
struct Tab {
    label: &'static str,
    href: String,
    current: bool,
}

#[derive(Debug)]
struct RunRow {
    id: String,
    receipt: String,
    receipt_id: String,
    serial: String,
    category: String,
    customer: String,
    service: String,
    procedure: String,
    updated: String,
    badge: Badge,
}

impl RunRow {
    fn of(lang: Lang, r: &Run) -> Self {
        let t = lang.text();
        Self {
            id: r.run_id.to_string(),
            receipt: r.receipt_number.clone(),
            receipt_id: r.receipt_id.to_string(),
            serial: r.serial.clone(),
            category: views::category_name(lang, &r.category),
            customer: r.organisation_name.clone(),
            service: t.service(&r.service).to_owned(),
            procedure: r
                .procedure_id
                .as_deref()
                .and_then(engine::procedure)
                .map(|p| p.document.clone())
                .unwrap_or_default(),
            updated: lang.datetime(r.updated_at),
            badge: run_badge(t, &r.status),
        }
    }
}

#[derive(Template)]
#[template(path = "runs.html")]
struct RunsPage<'a> {
    c: &'a Ctx,
    tabs: Vec<Tab>,
    rows: Vec<RunRow>,
    pager: Option<Pager>,
    capped: Option<String>,
}

/// `GET /runs`: the work list, one tab per stage.
pub async fn list_runs(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<RunsQuery>,
) -> Result<Response, PageError> {
    ctx.require(Permission::Read)?;
    let (lang, t) = (ctx.lang, ctx.t);
    let (key, states) = TABS
        .iter()
        .find(|(k, _)| *k == q.tab)
        .copied()
        .unwrap_or(TABS[0]);
    let labels = [
        t.run_in_progress,
        t.run_submitted,
        t.run_approved,
        t.run_issued,
        t.run_cancelled,
    ];
    let tabs = TABS
        .iter()
        .zip(labels)
        .map(|((k, _), label)| Tab {
            label,
            href: format!("/runs?tab={k}"),
            current: *k == key,
        })
        .collect();
    let page = q.page.trim().parse::<i64>().unwrap_or(1).max(1);
    let (runs, pager, capped) = if let [only] = states {
        let found = state
            .store
            .list_runs(&RunQuery {
                status: Some((*only).to_owned()),
                page: PageRequest {
                    page,
                    per_page: PER_PAGE,
                },
                ..RunQuery::default()
            })
            .await?;
        let pager = Pager::new(t, "/runs", &format!("tab={key}"), page, found.has_more);
        (found.items, Some(pager), None)
    } else {
        let mut all = Vec::new();
        let mut more = false;
        for s in states {
            let found = state
                .store
                .list_runs(&RunQuery {
                    status: Some((*s).to_owned()),
                    page: PageRequest {
                        page: 1,
                        per_page: ACTIVE_CAP,
                    },
                    ..RunQuery::default()
                })
                .await?;
            more |= found.has_more;
            all.extend(found.items);
        }
        all.sort_by_key(|r| std::cmp::Reverse(r.updated_at));
        (all, None, more.then(|| fill(t.runs_capped, ACTIVE_CAP)))
    };
    render(&RunsPage {
        c: &ctx,
        tabs,
        rows: runs.iter().map(|r| RunRow::of(lang, r)).collect(),
        pager,
        capped,
    })
}

// ---------------------------------------------------------------------------------------
// The bench page.

/// A procedure the run may follow.
#[derive(Debug)]
struct ProcedureChoice {
    id: String,
    label: String,
    selected: bool,
}

/// An instrument parameter a procedure requires.
#[derive(Debug)]
struct ParamField {
    name: String,
    label: String,
    value: String,
    hint: String,
    /// Ids of the procedures that require it, space-separated (the script shows only the
    /// chosen procedure's).
    procedures: String,
}

#[derive(Debug)]
struct StandardChoice {
    id: String,
    code: String,
    name: String,
    badge: Badge,
    checked: bool,
    usable: bool,
    note: String,
}

#[derive(Debug)]
struct DeviceChoice {
    id: String,
    unit: String,
    badge: Badge,
    checked: bool,
}

#[derive(Debug)]
struct EnvRow {
    quantity: String,
    label: String,
    unit: String,
    value: String,
    limits: String,
    badge: Badge,
}

#[derive(Debug)]
struct CheckRow {
    id: String,
    title: String,
    /// `pass`, `fail` or empty (not recorded).
    state: &'static str,
}

#[derive(Debug)]
struct StepBlock {
    id: String,
    title: String,
    checks: Vec<CheckRow>,
    /// `pass`, `fail` or empty, for a step without checks.
    state: &'static str,
    note: String,
    recorded: Option<String>,
    badge: Option<Badge>,
}

#[derive(Debug)]
struct ValueRow {
    id: String,
    text: String,
    phase: String,
    manual: Option<String>,
    reading: Option<String>,
    discarded: Option<String>,
    by: String,
    at: String,
}

#[derive(Debug)]
struct PointRow {
    id: String,
    title: String,
    nominal: String,
    repeats: u32,
    taken: usize,
    values: Vec<ValueRow>,
    is_next: bool,
    /// A verification point with all its values takes no more (discard one to retake it).
    full: bool,
    badge: Option<Badge>,
}

#[derive(Debug)]
struct PointGroup {
    title: String,
    points: Vec<PointRow>,
}

#[derive(Debug)]
struct LivePanel {
    device: String,
    /// The label of its Capture button.
    capture: String,
    channel: String,
    stream: String,
    unit: String,
}

#[derive(Debug)]
struct EvalRow {
    point: String,
    nominal: String,
    indication: String,
    reference: String,
    error: String,
    mpe: String,
    u: String,
    k: String,
    badge: Option<Badge>,
    note: String,
}

#[derive(Debug)]
struct EvalView {
    rows: Vec<EvalRow>,
    outcome: Option<Badge>,
    missing: String,
    problems: Vec<(String, String)>,
}

#[derive(Debug)]
struct EventRow {
    when: String,
    actor: String,
    action: String,
    comment: String,
}

#[derive(Template)]
#[template(path = "run.html")]
struct RunPage<'a> {
    c: &'a Ctx,
    run: Run,
    id: String,
    category: String,
    service: String,
    badge: Badge,
    editable: bool,
    verification: bool,
    procedure: Option<String>,
    procedures: Vec<ProcedureChoice>,
    params: Vec<ParamField>,
    param_problems: Option<String>,
    standards: Vec<StandardChoice>,
    devices: Vec<DeviceChoice>,
    place: String,
    stamp: String,
    unit: String,
    environment: Vec<EnvRow>,
    steps: Vec<StepBlock>,
    stopped: Option<String>,
    groups: Vec<PointGroup>,
    live: Vec<LivePanel>,
    /// The evaluation as found, then after adjustment (with its heading).
    evaluations: Vec<(Option<String>, EvalView)>,
    /// The error chart's address, when some point has an MPE to draw.
    chart: Option<String>,
    events: Vec<EventRow>,
    returned: Option<String>,
    certificates: Vec<(String, String)>,
    own_work: bool,
    messages: String,
}

impl RunPage<'_> {
    fn may_submit(&self) -> bool {
        self.c.can_bench() && self.editable && self.procedure.is_some()
    }

    fn may_approve(&self) -> bool {
        self.c.can_review() && self.run.status == status::SUBMITTED && !self.own_work
    }

    fn may_return(&self) -> bool {
        self.c.can_review()
            && (self.run.status == status::SUBMITTED || self.run.status == status::APPROVED)
    }

    fn may_sign(&self) -> bool {
        self.c.can_sign() && self.run.status == status::APPROVED
    }

    fn may_cancel(&self) -> bool {
        self.c.can_bench() && self.editable
    }

    fn may_edit(&self) -> bool {
        self.c.can_bench() && self.editable
    }

    fn may_capture(&self) -> bool {
        self.may_edit() && self.stopped.is_none()
    }

    fn has_actions(&self) -> bool {
        self.may_submit()
            || self.may_approve()
            || self.may_return()
            || self.may_sign()
            || self.may_cancel()
    }
}

/// `GET /runs/{id}`: the bench page.
pub async fn show_run(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    ctx.require(Permission::Read)?;
    let id = Uuid::parse_str(&id).map_err(|_| PageError::NotFound)?;
    let view = run_view(&state, id).await?;
    let page = run_page(&state, &ctx, view).await?;
    render(&page)
}

async fn run_page<'a>(
    state: &AppState,
    ctx: &'a Ctx,
    view: RunView,
) -> Result<RunPage<'a>, PageError> {
    let (lang, t) = (ctx.lang, ctx.t);
    let run = &view.run;
    let profile = run.procedure_id.as_deref().and_then(engine::procedure);
    let service = service_of(&run.service);
    let mut candidates = engine::procedures_for(&run.category, service);
    if let Some(p) = profile
        && !candidates.iter().any(|c| c.id == p.id)
    {
        candidates.insert(0, p);
    }
    let chosen = profile.or_else(|| candidates.first().copied());
    let instrument = state.store.instrument(run.instrument_id).await?;
    let procedures = candidates
        .iter()
        .map(|p| ProcedureChoice {
            id: p.id.clone(),
            label: format!("{} – {}", p.document, bilingual(lang, &p.title)),
            selected: chosen.is_some_and(|c| c.id == p.id),
        })
        .collect();
    let params = param_fields(t, &candidates, &view.params, instrument.as_ref());
    let standards = standard_choices(&state.store, t, lang, &view).await?;
    let devices = device_choices(&state.store, t, &view).await?;
    let unit = profile
        .map(|p| p.unit.symbol().to_owned())
        .unwrap_or_default();
    let decimals = profile.and_then(|p| run_decimals(p, &view.params));
    let live = live_panels(&state.store, t, &view).await?;
    let editable = run.editable();
    let next = if editable && run.stopped_step.is_none() {
        next_point(&view.points)
    } else {
        None
    };
    let (environment, steps, groups) = match profile {
        Some(p) => (
            environment_rows(lang, p, &view),
            step_blocks(t, lang, p, &view),
            point_groups(
                lang,
                p,
                &view,
                run.is_verification(),
                decimals,
                next.as_deref(),
            ),
        ),
        None => (Vec::new(), Vec::new(), Vec::new()),
    };
    let stopped = run.stopped_step.as_ref().map(|s| {
        let title = profile
            .and_then(|p| p.steps.iter().find(|x| &x.id == s))
            .map_or_else(|| s.clone(), |x| bilingual(lang, &x.title));
        let reason = run.stop_reason.clone().unwrap_or_default();
        if reason.is_empty() {
            fill(t.stopped_at, title)
        } else {
            format!("{}: {reason}", fill(t.stopped_at, title))
        }
    });
    let evaluation = profile
        .zip(view.evaluation.as_ref())
        .map(|(p, e)| eval_view(lang, p, e, decimals));
    let as_left = profile
        .zip(view.as_left.as_ref())
        .map(|(p, e)| eval_view(lang, p, e, decimals));
    let chart = evaluation
        .as_ref()
        .is_some_and(|e| e.rows.iter().any(|r| !r.mpe.is_empty()))
        .then(|| {
            // The run's last change in the address: a new value draws a new chart.
            format!(
                "/api/v1/runs/{}/chart.svg?v={}",
                run.run_id,
                run.updated_at.timestamp_millis()
            )
        });
    let evaluations: Vec<(Option<String>, EvalView)> = evaluation
        .map(|e| (None, e))
        .into_iter()
        .chain(as_left.map(|e| (Some(t.evaluation_as_left.to_owned()), e)))
        .collect();
    let events: Vec<EventRow> = view
        .events
        .iter()
        .map(|e| EventRow {
            when: lang.datetime(e.at),
            actor: e.actor.strip_prefix("user:").unwrap_or(&e.actor).to_owned(),
            action: t.action(&e.action).to_owned(),
            comment: e.comment.clone(),
        })
        .collect();
    let returned = (run.status == status::RETURNED)
        .then(|| view.events.iter().rev().find(|e| e.action == "return"))
        .flatten()
        .map(|e| fill(t.returned_with, &e.comment));
    let certificates = if run.status == status::ISSUED {
        certificate_links(&state.store, t, run).await?
    } else {
        Vec::new()
    };
    let param_problems = (profile.is_some() && !view.param_problems.is_empty()).then(|| {
        let list = view
            .param_problems
            .iter()
            .map(|(path, message)| format!("{path}: {}", t.problem(message)))
            .collect::<Vec<_>>()
            .join("; ");
        fill(t.param_problems, list)
    });
    Ok(RunPage {
        c: ctx,
        id: run.run_id.to_string(),
        category: views::category_name(lang, &run.category),
        service: t.service(&run.service).to_owned(),
        badge: run_badge(t, &run.status),
        editable,
        verification: run.is_verification(),
        procedure: profile.map(|p| format!("{} – {}", p.document, bilingual(lang, &p.title))),
        procedures,
        params,
        param_problems,
        standards,
        devices,
        place: view.setup.place.clone().unwrap_or_default(),
        stamp: run.stamp_number.clone().unwrap_or_default(),
        unit,
        environment,
        steps,
        stopped,
        groups,
        live,
        evaluations,
        chart,
        events,
        returned,
        certificates,
        own_work: run.performed_by.as_deref() == Some(ctx.username()),
        messages: api_messages(t),
        run: view.run,
    })
}

/// The certificates issued for a run: `(id, number)`, newest first.
async fn run_certificates(store: &Store, run: &Run) -> Result<Vec<(String, String)>, PageError> {
    let found = store
        .list_certificates(&crate::store::certificates::CertificateQuery {
            instrument_id: Some(run.instrument_id),
            page: PageRequest {
                page: 1,
                per_page: 200,
            },
            ..Default::default()
        })
        .await?;
    Ok(found
        .items
        .into_iter()
        .filter(|c| c.run_id == run.run_id)
        .map(|c| (c.certificate_id.to_string(), c.number))
        .collect())
}

/// `(id, "See certificate …")` of the certificates issued for a run.
async fn certificate_links(
    store: &Store,
    t: &Text,
    run: &Run,
) -> Result<Vec<(String, String)>, PageError> {
    Ok(run_certificates(store, run)
        .await?
        .into_iter()
        .map(|(id, number)| (id, fill(t.see_certificate, number)))
        .collect())
}

/// The label of an instrument parameter.
fn param_label(t: &Text, name: &str) -> String {
    match name {
        "max" => t.param_max.to_owned(),
        "e" => t.verification_interval.to_owned(),
        "d" => t.resolution.to_owned(),
        "class" => t.accuracy_class.to_owned(),
        other => other.to_owned(),
    }
}

/// The capacity written in a measuring range such as "Max = 220 g; Min = 10 mg", or the
/// range itself when it is one quantity.
fn max_of_range(range: &str) -> Option<String> {
    let lower = range.to_lowercase();
    if let Some(at) = lower.find("max") {
        let rest = range[at + 3..].trim_start();
        let rest = rest
            .strip_prefix('=')
            .or_else(|| rest.strip_prefix(':'))
            .unwrap_or(rest);
        let value = rest.split([';', ',']).next().unwrap_or_default().trim();
        if Quantity::parse(value).is_ok() {
            return Some(value.to_owned());
        }
    }
    Quantity::parse(range.trim())
        .is_ok()
        .then(|| range.trim().to_owned())
}

/// The parameters every candidate procedure requires, prefilled from the run or else from
/// the instrument's record.
fn param_fields(
    t: &Text,
    candidates: &[&ProcedureProfile],
    params: &BTreeMap<String, String>,
    instrument: Option<&Instrument>,
) -> Vec<ParamField> {
    let mut out: Vec<ParamField> = Vec::new();
    for p in candidates {
        for name in &p.requires {
            if let Some(f) = out.iter_mut().find(|f| &f.name == name) {
                f.procedures.push(' ');
                f.procedures.push_str(&p.id);
                continue;
            }
            let from_instrument = instrument.and_then(|i| match name.as_str() {
                "max" => i.measuring_range.as_deref().and_then(max_of_range),
                "e" => i.verification_interval.clone(),
                "d" => i.resolution.clone(),
                "class" => i.accuracy_class.clone(),
                _ => None,
            });
            let value = params
                .get(name)
                .cloned()
                .or(from_instrument)
                .unwrap_or_default();
            let hint = match name.as_str() {
                "class" => String::new(),
                "max" => fill(t.param_hint, format!("220 {}", p.unit.symbol())),
                _ => fill(t.param_hint, format!("0.1 {}", p.unit.symbol())),
            };
            out.push(ParamField {
                name: name.clone(),
                label: param_label(t, name),
                value,
                hint,
                procedures: p.id.clone(),
            });
        }
    }
    out
}

/// Every standard in service with its status today; unusable ones are offered disabled with
/// the reason, unless a live override allows them.
async fn standard_choices(
    store: &Store,
    t: &Text,
    lang: Lang,
    view: &RunView,
) -> Result<Vec<StandardChoice>, PageError> {
    let day = today();
    let list = store
        .list_standards(
            None,
            false,
            PageRequest {
                page: 1,
                per_page: 200,
            },
        )
        .await?;
    let mut out = Vec::with_capacity(list.items.len());
    for s in list.items {
        let u = store
            .standard_usability(s.measurement_standard_id, day)
            .await?;
        let note = match (&u.override_granted, u.usable) {
            (Some(o), _) => format!(
                "{} — {}",
                fill(t.override_until, lang.date(o.valid_until)),
                o.reason
            ),
            (None, false) => fill(t.not_usable, t.standard_status(u.status)),
            (None, true) => s
                .due_on
                .map(|d| format!("{}: {}", t.valid_until, lang.date(d)))
                .unwrap_or_default(),
        };
        out.push(StandardChoice {
            id: s.measurement_standard_id.to_string(),
            checked: view
                .setup
                .standards
                .iter()
                .any(|p| p.measurement_standard_id == s.measurement_standard_id),
            badge: views::standard_badge(t, u.status),
            usable: u.usable,
            note,
            code: s.code,
            name: s.name,
        });
    }
    Ok(out)
}

async fn device_choices(
    store: &Store,
    t: &Text,
    view: &RunView,
) -> Result<Vec<DeviceChoice>, PageError> {
    let now = chrono::Utc::now();
    Ok(store
        .list_devices()
        .await?
        .into_iter()
        .map(|d| DeviceChoice {
            checked: view
                .setup
                .devices
                .iter()
                .any(|p| p.device_id == d.device_id),
            badge: views::online_badge(t, d.online(now)),
            unit: d.last_unit,
            id: d.device_id,
        })
        .collect())
}

async fn live_panels(store: &Store, t: &Text, view: &RunView) -> Result<Vec<LivePanel>, PageError> {
    let several = view.setup.devices.len() > 1;
    let mut out = Vec::with_capacity(view.setup.devices.len());
    for d in &view.setup.devices {
        let unit = store
            .device(&d.device_id)
            .await?
            .map(|x| x.last_unit)
            .unwrap_or_default();
        out.push(LivePanel {
            stream: format!("/api/v1/devices/{}/readings/stream", encode(&d.device_id)),
            channel: d.channel.clone().unwrap_or_default(),
            capture: if several {
                fill(t.capture_from, &d.device_id)
            } else {
                t.capture.to_owned()
            },
            device: d.device_id.clone(),
            unit,
        });
    }
    Ok(out)
}

fn environment_rows(lang: Lang, p: &ProcedureProfile, view: &RunView) -> Vec<EnvRow> {
    let t = lang.text();
    p.environment
        .iter()
        .map(|c| {
            let quantity = crate::bench::kind_name(c.quantity);
            let unit = c
                .min
                .as_ref()
                .or(c.max.as_ref())
                .map(|q| q.unit.symbol().to_owned())
                .unwrap_or_default();
            let value = view
                .environment
                .iter()
                .find(|e| e.quantity == quantity)
                .map(|e| number(lang, e.value, None))
                .unwrap_or_default();
            let limits = match (&c.min, &c.max) {
                (Some(a), Some(b)) => format!("{a} … {b}"),
                (Some(a), None) => format!("≥ {a}"),
                (None, Some(b)) => format!("≤ {b}"),
                (None, None) => "—".to_owned(),
            };
            let within = view
                .environment_checks
                .iter()
                .find(|e| e.quantity == quantity)
                .and_then(|e| e.within);
            let badge = match within {
                Some(true) => Badge {
                    class: "badge-ok",
                    icon: "✔",
                    label: t.within_limits,
                },
                Some(false) => Badge {
                    class: "badge-bad",
                    icon: "✖",
                    label: t.outside_limits,
                },
                None => Badge {
                    class: "badge-muted",
                    icon: "–",
                    label: t.not_recorded,
                },
            };
            EnvRow {
                label: t.quantity(&quantity).to_owned(),
                quantity,
                unit,
                value,
                limits,
                badge,
            }
        })
        .collect()
}

fn step_blocks(t: &Text, lang: Lang, p: &ProcedureProfile, view: &RunView) -> Vec<StepBlock> {
    p.steps
        .iter()
        .filter(|s| s.kind != StepKind::MetrologicalCheck)
        .map(|s| {
            let record = view
                .steps
                .iter()
                .find(|v| v.step_id == s.id)
                .and_then(|v| v.record.as_ref());
            let state_of = |ok: Option<bool>| match ok {
                Some(true) => "pass",
                Some(false) => "fail",
                None => "",
            };
            StepBlock {
                id: s.id.clone(),
                title: bilingual(lang, &s.title),
                checks: s
                    .checks
                    .iter()
                    .map(|c| CheckRow {
                        id: c.id.clone(),
                        title: bilingual(lang, &c.title),
                        // A step recorded as passed without its items passed every one.
                        state: state_of(record.and_then(|r| {
                            r.items.get(&c.id).copied().or(r.passed.then_some(true))
                        })),
                    })
                    .collect(),
                state: state_of(record.map(|r| r.passed)),
                note: record.map(|r| r.note.clone()).unwrap_or_default(),
                recorded: record.map(|r| {
                    fill(
                        t.step_recorded,
                        format!("{} · {}", r.by, lang.datetime(r.at)),
                    )
                }),
                badge: record.map(|r| views::pass_badge(t, r.passed)),
            }
        })
        .collect()
}

/// The first point still missing values (the one the shortcut captures).
fn next_point(points: &[PointView]) -> Option<String> {
    points
        .iter()
        .find(|p| {
            let taken = p
                .values
                .iter()
                .filter(|v| v.phase == "as_found" && v.discarded_at.is_none())
                .count();
            taken < usize::try_from(p.repeats).unwrap_or(usize::MAX)
        })
        .map(|p| p.point_id.clone())
}

fn value_row(lang: Lang, v: &RunReading) -> ValueRow {
    let t = lang.text();
    ValueRow {
        id: v.run_reading_id.to_string(),
        text: v.value_text.clone(),
        phase: if v.phase == "as_left" {
            t.phase_as_left.to_owned()
        } else {
            String::new()
        },
        manual: v.manual_reason.clone(),
        reading: v.reading_id.map(|r| format!("/readings/{r}")),
        discarded: v
            .discarded_at
            .map(|_| v.discard_reason.clone().unwrap_or_default()),
        by: v
            .captured_by
            .strip_prefix("user:")
            .unwrap_or(&v.captured_by)
            .to_owned(),
        at: lang.datetime_seconds(v.captured_at),
    }
}

fn point_groups(
    lang: Lang,
    p: &ProcedureProfile,
    view: &RunView,
    verification: bool,
    decimals: Option<usize>,
    next: Option<&str>,
) -> Vec<PointGroup> {
    let unit = p.unit.symbol();
    let outcome_of = |id: &str| {
        view.evaluation
            .as_ref()
            .and_then(|e| e.points.iter().find(|r| r.point_id == id))
            .and_then(|r| r.outcome)
    };
    let mut groups: Vec<PointGroup> = Vec::new();
    for step in p
        .steps
        .iter()
        .filter(|s| s.kind == StepKind::MetrologicalCheck)
    {
        let points: Vec<PointRow> = p
            .points
            .iter()
            .filter(|pt| p.step_of(pt).is_some_and(|s| s.id == step.id))
            .filter_map(|pt| view.points.iter().find(|v| v.point_id == pt.id))
            .map(|v| {
                let title = match lang {
                    Lang::Vi => v.title_vi.clone(),
                    Lang::En => v.title_en.clone(),
                }
                .unwrap_or_else(|| v.point_id.clone());
                let taken = v
                    .values
                    .iter()
                    .filter(|x| x.phase == "as_found" && x.discarded_at.is_none())
                    .count();
                PointRow {
                    full: verification && taken >= usize::try_from(v.repeats).unwrap_or(usize::MAX),
                    taken,
                    id: v.point_id.clone(),
                    title,
                    nominal: v.nominal.map_or_else(
                        || "—".to_owned(),
                        |n| format!("{} {unit}", number(lang, n, decimals)),
                    ),
                    repeats: v.repeats,
                    values: v.values.iter().map(|x| value_row(lang, x)).collect(),
                    is_next: next == Some(v.point_id.as_str()),
                    badge: outcome_of(&v.point_id).map(|o| outcome_badge(lang.text(), o)),
                }
            })
            .collect();
        if !points.is_empty() {
            groups.push(PointGroup {
                title: bilingual(lang, &step.title),
                points,
            });
        }
    }
    groups
}

fn eval_view(
    lang: Lang,
    p: &ProcedureProfile,
    e: &RunEvaluation,
    decimals: Option<usize>,
) -> EvalView {
    let t = lang.text();
    let title = |id: &str| {
        p.points
            .iter()
            .find(|x| x.id == id)
            .and_then(|x| x.title.as_ref())
            .map_or_else(|| id.to_owned(), |b| bilingual(lang, b))
    };
    let rows = e
        .points
        .iter()
        .map(|r| {
            let (u, u_decimals) = crate::issue::round_uncertainty(r.expanded_uncertainty);
            let dec = decimals.map(|d| d.max(u_decimals));
            let note = r.decision_withheld.clone().unwrap_or_else(|| {
                r.spread
                    .map(|s| format!("max − min = {}", number(lang, s, dec)))
                    .unwrap_or_default()
            });
            EvalRow {
                point: title(&r.point_id),
                nominal: number(lang, r.nominal, decimals),
                indication: number(lang, r.indication, dec),
                reference: number(lang, r.reference, dec),
                error: number(lang, r.error, dec),
                mpe: r
                    .mpe
                    .as_ref()
                    .map(|m| format!("± {}", number(lang, m.mpe, dec)))
                    .unwrap_or_default(),
                u: number(lang, u, Some(u_decimals)),
                k: number(lang, r.coverage_factor, Some(2)),
                badge: r.outcome.map(|o| outcome_badge(t, o)),
                note,
            }
        })
        .collect();
    EvalView {
        rows,
        outcome: e.outcome.map(|o| outcome_badge(t, o)),
        missing: if e.missing.is_empty() {
            String::new()
        } else {
            fill(
                t.missing_points,
                e.missing
                    .iter()
                    .map(|m| title(m))
                    .collect::<Vec<_>>()
                    .join(", "),
            )
        },
        problems: e
            .problems
            .iter()
            .map(|(point, why)| (title(point), why.clone()))
            .collect(),
    }
}

/// The API's messages in the page's language, for the script: `[[part of the English
/// message, text to show], …]`, the first match wins.
pub(super) fn api_messages(t: &Text) -> String {
    let pairs: [(&str, &str); 35] = [
        ("required field is missing", t.err_required),
        ("is required", t.err_required),
        ("must be a number", t.api_number),
        ("not stable", t.api_not_stable),
        ("has sent no reading", t.api_no_reading),
        ("is the device still sending", t.api_old_reading),
        ("discard one to take it again", t.api_point_full),
        ("ends at the first failed step", t.api_point_failed),
        ("stopped at a failed step", t.api_stopped),
        ("was stopped at step", t.api_stopped),
        ("can no longer be changed", t.api_not_editable),
        ("no more values can be attached", t.api_not_editable),
        ("say what was found", t.api_step_note),
        ("the step cannot pass", t.api_step_cannot_pass),
        ("grants an override", t.api_standard_unusable),
        ("no reference standard was picked", t.api_no_standard),
        ("has no or too few values", t.api_too_few),
        ("not recorded", t.api_not_recorded),
        ("outside the procedure's limits", t.api_outside),
        ("needs the stamp", t.api_stamp),
        ("verifier card", t.api_card),
        ("is not your password", t.api_password),
        ("no signing key", t.api_no_signer),
        ("cannot review it", t.api_own_review),
        ("nothing would change", t.api_no_change),
        ("must not be empty", t.api_not_empty),
        ("before closing", t.api_close_needs),
        ("is not one of the run's devices", t.api_wrong_device),
        ("no bridge has reported", t.api_unknown_device),
        ("does not apply to", t.api_not_applicable),
        ("is not a class of the mpe table", t.api_class),
        ("give it in a unit such as", t.api_unit),
        ("cannot be converted", t.api_unit),
        ("is not a quantity", t.err_quantity),
        ("must be greater than 0", t.api_positive),
    ];
    serde_json::to_string(&pairs[..]).unwrap_or_else(|_| "[]".to_owned())
}

// ---------------------------------------------------------------------------------------
// One reading with its raw data.

#[derive(Template)]
#[template(path = "reading.html")]
struct ReadingPage<'a> {
    c: &'a Ctx,
    id: String,
    device: String,
    bridge: String,
    channel: String,
    value: String,
    unit: String,
    badge: Badge,
    captured_at: String,
    received_at: String,
    raw: String,
}

/// `GET /readings/{id}`: a stored reading as the device sent it.
pub async fn show_reading(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    ctx.require(Permission::Read)?;
    let (lang, t) = (ctx.lang, ctx.t);
    let id = Uuid::parse_str(&id).map_err(|_| PageError::NotFound)?;
    let r = state.store.reading(id).await?.ok_or(PageError::NotFound)?;
    let raw = serde_json::from_str::<serde_json::Value>(&r.raw)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| r.raw.clone());
    render(&ReadingPage {
        c: &ctx,
        id: r.reading_id.to_string(),
        badge: if r.stable {
            Badge {
                class: "badge-ok",
                icon: "✔",
                label: t.stable,
            }
        } else {
            Badge {
                class: "badge-warn",
                icon: "∼",
                label: t.unstable,
            }
        },
        captured_at: lang.datetime_seconds(r.captured_at),
        received_at: lang.datetime_seconds(r.received_at),
        device: r.device_id,
        bridge: r.bridge_id,
        channel: r.channel,
        value: r.value_text,
        unit: r.unit,
        raw,
    })
}

// ---------------------------------------------------------------------------------------
// Receiving instruments.

/// One instrument of the receipt form, as typed.
#[derive(Debug, Clone, Default)]
struct ItemForm {
    /// `existing` (find it by serial) or `new` (register it now).
    mode: String,
    find: String,
    instrument_id: String,
    category: String,
    serial: String,
    maker: String,
    model: String,
    service: String,
    condition: String,
    accessories: String,
}

/// The receipt form as typed.
#[derive(Debug, Clone, Default)]
struct ReceiptForm {
    organisation_id: String,
    customer_q: String,
    agreed_due_on: String,
    language: String,
    contact: String,
    notes: String,
    items: Vec<ItemForm>,
    /// What the button pressed asks: `save`, `add`, `remove-N` or `customer`.
    op: String,
}

/// Instruments a receipt form may hold.
const MAX_ITEMS: usize = 100;

impl ReceiptForm {
    /// Reads the fields; `items[N].field` names one instrument's fields.
    fn of(pairs: Vec<(String, String)>) -> Self {
        let mut f = Self::default();
        for (k, v) in pairs {
            if let Some(rest) = k.strip_prefix("items[") {
                let Some((n, field)) = rest.split_once("].") else {
                    continue;
                };
                let Ok(n) = n.parse::<usize>() else {
                    continue;
                };
                if n >= MAX_ITEMS {
                    continue;
                }
                if f.items.len() <= n {
                    f.items.resize_with(n + 1, ItemForm::default);
                }
                let item = &mut f.items[n];
                let slot = match field {
                    "mode" => &mut item.mode,
                    "find" => &mut item.find,
                    "instrument_id" => &mut item.instrument_id,
                    "instrument.category" => &mut item.category,
                    "instrument.serial" => &mut item.serial,
                    "instrument.maker" => &mut item.maker,
                    "instrument.model" => &mut item.model,
                    "service" => &mut item.service,
                    "condition_on_arrival" => &mut item.condition,
                    "accessories" => &mut item.accessories,
                    _ => continue,
                };
                *slot = v;
                continue;
            }
            let slot = match k.as_str() {
                "organisation_id" => &mut f.organisation_id,
                "customer_q" => &mut f.customer_q,
                "agreed_due_on" => &mut f.agreed_due_on,
                "language" => &mut f.language,
                "contact" => &mut f.contact,
                "notes" => &mut f.notes,
                "op" => &mut f.op,
                _ => continue,
            };
            *slot = v;
        }
        if f.items.is_empty() {
            f.items.push(ItemForm::default());
        }
        f
    }
}

/// How the serial typed for a registered instrument was understood.
#[derive(Debug, Default)]
struct Found {
    instrument: Option<Instrument>,
    /// Candidates to choose from when the serial matched several (or only by its start).
    choices: Vec<Instrument>,
}

/// Finds the instrument an item names: the one picked among the candidates, or the only
/// instrument with that serial (the customer's own when several share it).
async fn find_instrument(
    store: &Store,
    item: &ItemForm,
    customer: Option<Uuid>,
) -> Result<Found, StoreError> {
    let text = item.find.trim();
    if text.is_empty() {
        return Ok(Found::default());
    }
    let search = |serial: String| InstrumentQuery {
        serial: Some(serial),
        page: PageRequest {
            page: 1,
            per_page: 20,
        },
        ..InstrumentQuery::default()
    };
    let mut found = store
        .search_instruments(&search(text.to_owned()))
        .await?
        .items;
    if found.is_empty() && text.to_uppercase() != text {
        found = store
            .search_instruments(&search(text.to_uppercase()))
            .await?
            .items;
    }
    if let Ok(id) = Uuid::parse_str(item.instrument_id.trim())
        && let Some(i) = found.iter().find(|i| i.instrument_id == id)
    {
        return Ok(Found {
            instrument: Some(i.clone()),
            choices: found,
        });
    }
    let exact: Vec<&Instrument> = found
        .iter()
        .filter(|i| i.serial.to_lowercase() == text.to_lowercase())
        .collect();
    let own: Vec<&Instrument> = exact
        .iter()
        .copied()
        .filter(|i| customer.is_some() && i.owner_id == customer)
        .collect();
    let one = match (exact.as_slice(), own.as_slice()) {
        ([only], _) | (_, [only]) => Some((*only).clone()),
        _ => None,
    };
    Ok(Found {
        instrument: one,
        choices: found,
    })
}

/// Messages of the receipt form by field path (`items[1].service`), in the page's language;
/// a field keeps its first message.
#[derive(Debug, Clone, Default)]
struct Messages(Vec<(String, String)>);

impl Messages {
    fn add(&mut self, field: &str, message: impl Into<String>) {
        if !self.0.iter().any(|(f, _)| f == field) {
            self.0.push((field.to_owned(), message.into()));
        }
    }

    fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }

    fn any(&self) -> bool {
        !self.0.is_empty()
    }
}

/// One instrument of the form as shown, with its messages by field.
#[derive(Debug)]
struct ItemView {
    n: usize,
    title: String,
    f: ItemForm,
    is_new: bool,
    matched: Option<String>,
    choices: Vec<(String, String)>,
    errors: BTreeMap<String, String>,
}

impl ItemView {
    fn err(&self, field: &str) -> Option<&str> {
        self.errors.get(field).map(String::as_str)
    }

    fn has_err(&self, field: &str) -> bool {
        self.errors.contains_key(field)
    }
}

#[derive(Template)]
#[template(path = "receipt_new.html")]
struct ReceiptNewPage<'a> {
    c: &'a Ctx,
    f: ReceiptForm,
    customers: Vec<(String, String)>,
    items: Vec<ItemView>,
    categories: Vec<(String, String)>,
    services: Vec<(String, String)>,
    languages: Vec<(String, String)>,
    errors: Messages,
    /// Messages the form has no field for.
    general: Vec<String>,
}

impl ReceiptNewPage<'_> {
    fn err(&self, field: &str) -> Option<&str> {
        self.errors.get(field)
    }
}

/// `(id, label)` of the customers the select offers: those matching the filter (all when
/// empty), the chosen one kept.
async fn customer_options(
    store: &Store,
    filter: &str,
    chosen: Option<Uuid>,
) -> Result<Vec<(String, String)>, StoreError> {
    let filter = filter.trim();
    let list = store
        .list_organisations(
            Some(filter).filter(|f| !f.is_empty()),
            false,
            PageRequest {
                page: 1,
                per_page: CUSTOMERS,
            },
        )
        .await?
        .items;
    let label = |o: &crate::store::registry::Organisation| match &o.tax_code {
        Some(tax) => format!("{} ({tax})", o.name),
        None => o.name.clone(),
    };
    let mut out: Vec<(String, String)> = list
        .iter()
        .map(|o| (o.organisation_id.to_string(), label(o)))
        .collect();
    if let Some(id) = chosen
        && !list.iter().any(|o| o.organisation_id == id)
        && let Some(o) = store.organisation(id).await?
    {
        out.insert(0, (id.to_string(), label(&o)));
    }
    Ok(out)
}

fn instrument_label(lang: Lang, i: &Instrument) -> String {
    let mut parts = vec![i.serial.clone(), views::category_name(lang, &i.category)];
    parts.extend(
        [i.maker.as_deref(), i.model.as_deref()]
            .into_iter()
            .flatten()
            .map(ToOwned::to_owned),
    );
    if let Some(o) = &i.owner_name {
        parts.push(o.clone());
    }
    parts.join(" · ")
}

/// The field of the form a problem path names (`items[2].instrument.serial` → item 2, the
/// new instrument's serial).
fn item_field(path: &str) -> Option<(usize, &'static str)> {
    let rest = path.strip_prefix("items[")?;
    let (n, field) = rest.split_once(']')?;
    let n = n.parse().ok()?;
    let field = field.strip_prefix('.').unwrap_or(field);
    let name = match field {
        "service" => "service",
        "condition_on_arrival" => "condition",
        "accessories" => "accessories",
        "instrument.category" => "category",
        "instrument.maker" => "maker",
        "instrument.model" => "model",
        f if f.starts_with("instrument.") => "serial",
        _ => "find",
    };
    Some((n, name))
}

async fn receipt_form_page<'a>(
    state: &AppState,
    ctx: &'a Ctx,
    f: ReceiptForm,
    found: Vec<Found>,
    errors: Messages,
    general: Vec<String>,
) -> Result<ReceiptNewPage<'a>, PageError> {
    let (lang, t) = (ctx.lang, ctx.t);
    let chosen = Uuid::parse_str(f.organisation_id.trim()).ok();
    let customers = customer_options(&state.store, &f.customer_q, chosen).await?;
    let mut items: Vec<ItemView> = f
        .items
        .iter()
        .cloned()
        .zip(
            found
                .into_iter()
                .chain(std::iter::repeat_with(Found::default)),
        )
        .enumerate()
        .map(|(n, (item, found))| ItemView {
            n,
            title: fill(t.instrument_n, n + 1),
            is_new: item.mode == "new",
            matched: found
                .instrument
                .as_ref()
                .filter(|_| found.choices.len() <= 1)
                .map(|i| fill(t.matched, instrument_label(lang, i))),
            choices: if found.choices.len() > 1 {
                found
                    .choices
                    .iter()
                    .map(|i| (i.instrument_id.to_string(), instrument_label(lang, i)))
                    .collect()
            } else {
                Vec::new()
            },
            f: ItemForm {
                instrument_id: found
                    .instrument
                    .map(|i| i.instrument_id.to_string())
                    .unwrap_or_default(),
                ..item
            },
            errors: BTreeMap::new(),
        })
        .collect();
    let mut general = general;
    for (path, message) in &errors.0 {
        if let Some((n, field)) = item_field(path) {
            if let Some(item) = items.get_mut(n) {
                item.errors
                    .entry(field.to_owned())
                    .or_insert(message.clone());
            }
        } else if !matches!(
            path.as_str(),
            "organisation_id" | "agreed_due_on" | "language" | "contact" | "notes"
        ) {
            general.push(message.clone());
        }
    }
    let mut cats = vec![(String::new(), t.choose.to_owned())];
    cats.extend(categories(lang));
    Ok(ReceiptNewPage {
        c: ctx,
        customers,
        categories: cats,
        services: SERVICES
            .iter()
            .map(|s| ((*s).to_owned(), t.service(s).to_owned()))
            .collect(),
        languages: LANGUAGES
            .iter()
            .map(|l| ((*l).to_owned(), t.certificate_language(l).to_owned()))
            .collect(),
        items,
        f,
        errors,
        general,
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct NewReceiptQuery {
    #[serde(default)]
    organisation_id: String,
    #[serde(default)]
    customer_q: String,
}

/// `GET /receipts/new`.
pub async fn new_receipt(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<NewReceiptQuery>,
) -> Result<Response, PageError> {
    ctx.require(Permission::Bench)?;
    let f = ReceiptForm {
        organisation_id: q.organisation_id,
        customer_q: q.customer_q,
        language: "vi".into(),
        items: vec![ItemForm {
            mode: "existing".into(),
            service: "periodic".into(),
            ..ItemForm::default()
        }],
        ..ReceiptForm::default()
    };
    let page =
        receipt_form_page(&state, &ctx, f, Vec::new(), Messages::default(), Vec::new()).await?;
    render(&page)
}

/// `POST /receipts/new`: records the receipt and one run per instrument, or shows the form
/// again with what was typed and a message next to each wrong field. The buttons "check, add
/// a row", "remove this row" and the customer filter show the form again without saving.
pub async fn create_receipt(
    State(state): State<AppState>,
    ctx: Ctx,
    req: Request,
) -> Result<Response, PageError> {
    let caller = ctx.require(Permission::Bench)?.clone();
    let t = ctx.t;
    let pairs: Vec<(String, String)> = super::page::form(req).await?;
    let mut f = ReceiptForm::of(pairs);
    if let Some(n) =
        f.op.strip_prefix("remove-")
            .and_then(|n| n.parse::<usize>().ok())
        && n < f.items.len()
        && f.items.len() > 1
    {
        f.items.remove(n);
    }
    let customer = Uuid::parse_str(f.organisation_id.trim()).ok();
    let mut found = Vec::with_capacity(f.items.len());
    for item in &f.items {
        found.push(if item.mode == "new" {
            Found::default()
        } else {
            find_instrument(&state.store, item, customer).await?
        });
    }
    if f.op != "save" {
        if f.op == "add" && f.items.len() < MAX_ITEMS {
            let last = f.items.last().cloned().unwrap_or_default();
            f.items.push(ItemForm {
                mode: "existing".into(),
                service: last.service,
                ..ItemForm::default()
            });
        }
        let page =
            receipt_form_page(&state, &ctx, f, found, Messages::default(), Vec::new()).await?;
        return render(&page);
    }
    let mut errors = Messages::default();
    if customer.is_none() {
        errors.add("organisation_id", t.err_pick_customer);
    }
    let agreed_due_on = parse_day(&f.agreed_due_on).unwrap_or_else(|()| {
        errors.add("agreed_due_on", t.err_date);
        None
    });
    let some = |s: &str| Some(s.trim().to_owned()).filter(|v| !v.is_empty());
    let mut items = Vec::with_capacity(f.items.len());
    for (n, (item, found)) in f.items.iter().zip(&found).enumerate() {
        let (instrument_id, instrument) = if item.mode == "new" {
            let new = InstrumentInput {
                category: item.category.trim().to_owned(),
                serial: item.serial.trim().to_owned(),
                maker: some(&item.maker),
                model: some(&item.model),
                ..InstrumentInput::default()
            };
            (None, Some(new))
        } else {
            let field = format!("items[{n}].find");
            match (&found.instrument, item.find.trim().is_empty()) {
                (Some(i), _) => (Some(i.instrument_id), None),
                (None, true) => {
                    errors.add(&field, t.err_required);
                    (None, None)
                }
                (None, false) if found.choices.is_empty() => {
                    errors.add(&field, t.err_no_instrument);
                    (None, None)
                }
                (None, false) => {
                    errors.add(&field, t.err_several_instruments);
                    (None, None)
                }
            }
        };
        items.push(ReceiptItem {
            instrument_id,
            instrument,
            service: item.service.trim().to_owned(),
            condition_on_arrival: some(&item.condition),
            accessories: some(&item.accessories),
        });
    }
    let input = ReceiptInput {
        organisation_id: customer.unwrap_or_else(Uuid::nil),
        received_on: None,
        agreed_due_on,
        language: some(&f.language),
        contact: some(&f.contact),
        notes: some(&f.notes),
        items,
    };
    let day = today();
    if let Err(problems) = input.validate(day) {
        for p in problems.iter() {
            // An item already marked (no instrument found) keeps its own message.
            if !(p.path.ends_with(".instrument_id") && errors.any()) {
                errors.add(&p.path, t.problem(&p.message));
            }
        }
    }
    if !errors.any() {
        let pattern = state.settings.certificates.receipt_number.clone();
        let saved = state
            .store
            .create_receipt(&caller.actor(), &input, day, move |year, seq| {
                crate::config::format_number(&pattern, year, seq)
                    .unwrap_or_else(|_| format!("{seq}/{year}"))
            })
            .await;
        match saved {
            Ok((receipt, _)) => return Ok(see_other(&format!("/receipts/{}", receipt.receipt_id))),
            Err(StoreError::NotFound(what)) => {
                let (path, _) = what.split_once(':').unwrap_or(("", &what));
                let message = if path.ends_with("instrument_id") {
                    t.err_no_instrument
                } else {
                    t.err_owner_missing
                };
                errors.add(path, message);
            }
            Err(StoreError::State(what)) => {
                let (path, message) = what.split_once(':').unwrap_or(("", &what));
                errors.add(path, t.problem(message.trim()));
            }
            Err(StoreError::Conflict(what)) => {
                let (path, _) = what.split_once(':').unwrap_or(("", &what));
                errors.add(&format!("{path}.serial"), t.err_instrument_exists);
            }
            Err(e) => return Err(e.into()),
        }
    }
    let page = receipt_form_page(&state, &ctx, f, found, errors, Vec::new()).await?;
    render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

/// A run of a receipt with its label.
#[derive(Debug)]
struct LabelRow {
    run: RunRow,
    url: String,
    qr: String,
}

#[derive(Template)]
#[template(path = "receipt.html")]
struct ReceiptPage<'a> {
    c: &'a Ctx,
    r: Receipt,
    received_on: String,
    agreed_due_on: String,
    language: String,
    created: String,
    labels: Vec<LabelRow>,
}

/// The QR code of a URL as inline SVG (without the XML prolog, which HTML does not take).
fn qr(url: &str) -> String {
    let svg = tdc_certificate::qr_svg(url).unwrap_or_default();
    match svg.find("<svg") {
        Some(at) => svg[at..].to_owned(),
        None => String::new(),
    }
}

/// `GET /receipts/{id}`: the receipt, its runs and a label with a QR code for each.
pub async fn show_receipt(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    ctx.require(Permission::Read)?;
    let (lang, t) = (ctx.lang, ctx.t);
    let id = Uuid::parse_str(&id).map_err(|_| PageError::NotFound)?;
    let r = state.store.receipt(id).await?.ok_or(PageError::NotFound)?;
    let runs = state
        .store
        .list_runs(&RunQuery {
            receipt_id: Some(id),
            page: PageRequest {
                page: 1,
                per_page: 200,
            },
            ..RunQuery::default()
        })
        .await?
        .items;
    let base = state.settings.public_url.trim_end_matches('/').to_owned();
    let mut labels: Vec<LabelRow> = runs
        .iter()
        .map(|run| {
            let url = format!("{base}/runs/{}", run.run_id);
            LabelRow {
                qr: qr(&url),
                run: RunRow::of(lang, run),
                url,
            }
        })
        .collect();
    labels.sort_by(|a, b| a.run.serial.cmp(&b.run.serial));
    render(&ReceiptPage {
        c: &ctx,
        received_on: lang.date(r.received_on),
        agreed_due_on: r.agreed_due_on.map_or_else(|| "—".into(), |d| lang.date(d)),
        language: t.certificate_language(&r.language).to_owned(),
        created: format!(
            "{} · {}",
            r.created_by.strip_prefix("user:").unwrap_or(&r.created_by),
            lang.datetime(r.created_at)
        ),
        labels,
        r,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::i18n::{EN, VI};

    #[test]
    fn the_capacity_is_read_from_the_measuring_range() {
        assert_eq!(
            max_of_range("Max = 220 g; Min = 10 mg").as_deref(),
            Some("220 g")
        );
        assert_eq!(
            max_of_range("max: 30 kg, e = 10 g").as_deref(),
            Some("30 kg")
        );
        assert_eq!(max_of_range("600 kPa").as_deref(), Some("600 kPa"));
        assert_eq!(max_of_range("0 … 10 bar"), None);
    }

    #[test]
    fn problem_paths_name_the_fields_of_the_receipt_form() {
        assert_eq!(
            item_field("items[2].instrument.serial"),
            Some((2, "serial"))
        );
        assert_eq!(item_field("items[0].service"), Some((0, "service")));
        assert_eq!(item_field("items[1].instrument_id"), Some((1, "find")));
        assert_eq!(
            item_field("items[3].instrument.owner_id"),
            Some((3, "serial"))
        );
        assert_eq!(item_field("organisation_id"), None);
    }

    #[test]
    fn the_receipt_form_reads_its_rows_in_any_order_and_within_bounds() {
        let pairs = [
            ("items[1].service", "calibration"),
            ("organisation_id", "x"),
            ("items[0].find", "B1"),
            ("items[1].instrument.serial", "S-2"),
            ("items[100].service", "periodic"),
            ("items[a].service", "periodic"),
            ("op", "save"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()));
        let f = ReceiptForm::of(pairs.to_vec());
        assert_eq!(f.items.len(), 2, "row 100 is past the limit");
        assert_eq!(f.items[0].find, "B1");
        assert_eq!(f.items[1].service, "calibration");
        assert_eq!(f.items[1].serial, "S-2");
        assert_eq!((f.organisation_id.as_str(), f.op.as_str()), ("x", "save"));
        assert_eq!(ReceiptForm::of(Vec::new()).items.len(), 1, "one empty row");
    }

    #[test]
    fn numbers_take_a_decimal_comma_in_vietnamese() {
        assert_eq!(number(Lang::Vi, 55.0, Some(4)), "55,0000");
        assert_eq!(number(Lang::En, 55.0, Some(4)), "55.0000");
        assert_eq!(number(Lang::Vi, 0.02, None), "0,02");
        assert_eq!(number(Lang::En, -0.0, Some(2)), "0.00");
    }

    #[test]
    fn the_script_gets_every_api_message_pattern_in_lower_case() {
        for t in [&VI, &EN] {
            let pairs: Vec<(String, String)> = serde_json::from_str(&api_messages(t)).unwrap();
            assert!(pairs.len() > 30);
            for (pattern, text) in pairs {
                assert_eq!(
                    pattern,
                    pattern.to_lowercase(),
                    "the script lowers the message"
                );
                assert!(!text.is_empty());
            }
        }
    }
}
