//! `/instruments`: search, one instrument with its history, and registering a new one.
//!
//! The owner is typed as a tax code or a name (a select of every organisation would not
//! scale to the province's thousands) and resolved here: a tax code or a single match is
//! taken, several matches ask the person to choose.

use askama::Template;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use uuid::Uuid;

use super::i18n::{Lang, Text, fill, today};
use super::page::{Ctx, Errors, PageError, form, query, render, render_status, see_other};
use super::views::{
    self, Badge, FormField, HistoryRow, Input, Pager, attach_errors, categories, parse_day,
};
use crate::http::AppState;
use crate::http::session::Permission;
use crate::store::registry::{
    Instrument, InstrumentInput, InstrumentQuery, Organisation, PageRequest, is_tax_code,
};
use crate::store::{Store, StoreError};

/// Rows per page of the list.
const PER_PAGE: i64 = 25;

/// The list's query: everything optional and read leniently (a page is not an API).
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    serial: String,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    owner_id: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    due_within_days: String,
    #[serde(default)]
    overdue: String,
    #[serde(default)]
    include_retired: String,
    #[serde(default)]
    page: String,
}

#[derive(Debug)]
struct Row {
    id: String,
    serial: String,
    category: String,
    maker_model: String,
    owner: String,
    owner_id: String,
    status: String,
    due: String,
    badge: Badge,
}

impl Row {
    fn of(lang: Lang, i: Instrument) -> Self {
        let t = lang.text();
        let maker_model = [i.maker.as_deref(), i.model.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" · ");
        Self {
            id: i.instrument_id.to_string(),
            category: views::category_name(lang, &i.category),
            maker_model,
            owner: i.owner_name.unwrap_or_default(),
            owner_id: i.owner_id.map(|u| u.to_string()).unwrap_or_default(),
            status: t.instrument_status(&i.status).to_owned(),
            due: i.next_due_on.map(|d| lang.date(d)).unwrap_or_default(),
            badge: views::due_badge(t, i.next_due_on, today()),
            serial: i.serial,
        }
    }
}

#[derive(Template)]
#[template(path = "instruments.html")]
struct ListPage<'a> {
    c: &'a Ctx,
    q: &'a ListQuery,
    /// The owner as shown in the form (the chosen organisation's name).
    owner_text: String,
    categories: Vec<(String, String)>,
    rows: Vec<Row>,
    pager: Pager,
    /// Organisations to choose from when the owner text matched several.
    owner_choices: Vec<(String, String)>,
    notice: Option<String>,
    due_error: Option<&'static str>,
    searched: bool,
}

/// How the owner text of a search or form was understood.
enum OwnerMatch {
    None,
    One(Organisation),
    Several(Vec<Organisation>),
}

/// A tax code, or a name: one match (or one exact name among several) is the owner.
async fn resolve_owner(store: &Store, text: &str) -> Result<OwnerMatch, StoreError> {
    let text = text.trim();
    if is_tax_code(text)
        && let Some(o) = store.organisation_by_tax_code(text).await?
    {
        return Ok(OwnerMatch::One(o));
    }
    let mut found = store
        .list_organisations(
            Some(text),
            false,
            PageRequest {
                page: 1,
                per_page: 20,
            },
        )
        .await?
        .items;
    let key = crate::store::registry::search_key(text);
    let exact: Vec<&Organisation> = found
        .iter()
        .filter(|o| crate::store::registry::search_key(&o.name) == key)
        .collect();
    Ok(match (found.len(), exact.len()) {
        (0, _) => OwnerMatch::None,
        (1, _) => OwnerMatch::One(found.remove(0)),
        (_, 1) => OwnerMatch::One(exact[0].clone()),
        _ => OwnerMatch::Several(found),
    })
}

/// `GET /instruments`.
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    ctx.require(Permission::Read)?;
    let (lang, t) = (ctx.lang, ctx.t);
    let page = q.page.trim().parse::<i64>().unwrap_or(1).max(1);
    let mut notice = None;
    let mut owner_choices = Vec::new();
    let mut owner_text = q.owner.trim().to_owned();
    let mut owner_id = None;
    let mut searchable = true;
    if let Ok(id) = Uuid::parse_str(q.owner_id.trim()) {
        owner_id = Some(id);
        if let Some(o) = state.store.organisation(id).await? {
            owner_text = o.name;
        }
    } else if !owner_text.is_empty() {
        match resolve_owner(&state.store, &owner_text).await? {
            OwnerMatch::None => {
                notice = Some(fill(t.owner_none_found, &owner_text));
                searchable = false;
            }
            OwnerMatch::One(o) => {
                owner_id = Some(o.organisation_id);
                owner_text = o.name;
            }
            OwnerMatch::Several(list) => {
                let base = query(&[
                    ("serial", &q.serial),
                    ("category", &q.category),
                    ("due_within_days", &q.due_within_days),
                    ("include_retired", &q.include_retired),
                ]);
                owner_choices = list
                    .into_iter()
                    .map(|o| {
                        let href = format!(
                            "/instruments?{}",
                            query(&[("owner_id", &o.organisation_id.to_string())])
                                + if base.is_empty() { "" } else { "&" }
                                + &base
                        );
                        let label = match &o.tax_code {
                            Some(tax) => format!("{} ({tax})", o.name),
                            None => o.name,
                        };
                        (href, label)
                    })
                    .collect();
                searchable = false;
            }
        }
    }
    let day = today();
    let mut due_error = None;
    let due_before = if q.overdue == "1" {
        notice = notice.or_else(|| Some(t.overdue_only.to_owned()));
        day.pred_opt()
    } else if q.due_within_days.trim().is_empty() {
        None
    } else if let Ok(d) = q.due_within_days.trim().parse::<u32>() {
        Some(day + chrono::Days::new(u64::from(d)))
    } else {
        due_error = Some(t.err_due_days);
        None
    };
    let include_retired = !q.include_retired.is_empty();
    let (rows, has_more) = if searchable {
        let found = state
            .store
            .search_instruments(&InstrumentQuery {
                serial: Some(q.serial.trim().to_owned()).filter(|s| !s.is_empty()),
                owner_id,
                category: Some(q.category.trim().to_owned()).filter(|s| !s.is_empty()),
                due_before,
                include_retired,
                page: PageRequest {
                    page,
                    per_page: PER_PAGE,
                },
            })
            .await?;
        (
            found.items.into_iter().map(|i| Row::of(lang, i)).collect(),
            found.has_more,
        )
    } else {
        (Vec::new(), false)
    };
    let owner_id_text = owner_id.map(|u| u.to_string()).unwrap_or_default();
    let base = query(&[
        ("serial", q.serial.trim()),
        ("owner_id", &owner_id_text),
        ("category", &q.category),
        ("due_within_days", q.due_within_days.trim()),
        ("overdue", &q.overdue),
        ("include_retired", &q.include_retired),
    ]);
    let searched = !base.is_empty() || !q.owner.trim().is_empty();
    let mut cats = vec![(String::new(), t.any_category.to_owned())];
    cats.extend(categories(lang));
    render(&ListPage {
        c: &ctx,
        q: &q,
        owner_text,
        categories: cats,
        rows,
        pager: Pager::new(t, "/instruments", &base, page, has_more),
        owner_choices,
        notice,
        due_error,
        searched,
    })
}

/// One row of the details list: label and value.
type Fact = (&'static str, String);

#[derive(Template)]
#[template(path = "instrument.html")]
struct ShowPage<'a> {
    c: &'a Ctx,
    i: Instrument,
    category: String,
    status: String,
    badge: Badge,
    due: String,
    facts: Vec<Fact>,
    history: Vec<HistoryRow>,
}

/// `GET /instruments/{id}`.
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    ctx.require(Permission::Read)?;
    let (lang, t) = (ctx.lang, ctx.t);
    let id = Uuid::parse_str(&id).map_err(|_| PageError::NotFound)?;
    let i = state
        .store
        .instrument(id)
        .await?
        .ok_or(PageError::NotFound)?;
    let history = state
        .store
        .history("instrument", &id.to_string())
        .await?
        .iter()
        .rev()
        .map(|e| HistoryRow::of(lang, e))
        .collect();
    let dash = |v: &Option<String>| {
        v.clone()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "—".into())
    };
    let result = match i.last_result.as_deref() {
        Some("pass") => t.result_pass.to_owned(),
        Some("fail") => t.result_fail.to_owned(),
        other => other.unwrap_or("—").to_owned(),
    };
    let facts = vec![
        (t.maker, dash(&i.maker)),
        (t.model, dash(&i.model)),
        (t.measuring_range, dash(&i.measuring_range)),
        (t.resolution, dash(&i.resolution)),
        (t.verification_interval, dash(&i.verification_interval)),
        (t.accuracy_class, dash(&i.accuracy_class)),
        (t.location, dash(&i.location)),
        (t.last_result, result),
        (
            t.last_verified_on,
            i.last_verified_on
                .map_or_else(|| "—".into(), |d| lang.date(d)),
        ),
        (t.created_at, lang.datetime(i.created_at)),
        (t.updated_at, lang.datetime(i.updated_at)),
    ];
    render(&ShowPage {
        c: &ctx,
        category: views::category_name(lang, &i.category),
        status: t.instrument_status(&i.status).to_owned(),
        badge: views::due_badge(t, i.next_due_on, today()),
        due: i.next_due_on.map_or_else(|| "—".into(), |d| lang.date(d)),
        facts,
        history,
        i,
    })
}

/// The registration form as typed.
#[derive(Debug, Default, Deserialize)]
pub struct InstrumentForm {
    #[serde(default)]
    category: String,
    #[serde(default)]
    serial: String,
    #[serde(default)]
    maker: String,
    #[serde(default)]
    model: String,
    #[serde(default)]
    measuring_range: String,
    #[serde(default)]
    resolution: String,
    #[serde(default)]
    verification_interval: String,
    #[serde(default)]
    accuracy_class: String,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    location: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    last_verified_on: String,
    #[serde(default)]
    next_due_on: String,
    /// Set by links from an organisation's page.
    #[serde(default)]
    owner_id: String,
}

#[derive(Template)]
#[template(path = "instrument_new.html")]
struct NewPage<'a> {
    c: &'a Ctx,
    fields: Vec<FormField>,
    errors: Errors,
}

fn form_fields(t: &Text, lang: Lang, f: &InstrumentForm) -> Vec<FormField> {
    let mut cats = vec![(String::new(), t.choose.to_owned())];
    cats.extend(categories(lang));
    let statuses = vec![
        ("in_use".to_owned(), t.status_in_use.to_owned()),
        ("out_of_use".to_owned(), t.status_out_of_use.to_owned()),
    ];
    vec![
        FormField::text("category", t.category, &f.category)
            .required()
            .input(Input::Select(cats)),
        FormField::text("serial", t.serial, &f.serial).required(),
        FormField::text("maker", t.maker, &f.maker),
        FormField::text("model", t.model, &f.model),
        FormField::text("measuring_range", t.measuring_range, &f.measuring_range),
        FormField::text("resolution", t.resolution, &f.resolution).hint(fill(t.example, "0.1 g")),
        FormField::text(
            "verification_interval",
            t.verification_interval,
            &f.verification_interval,
        )
        .hint(fill(t.example, "1 g")),
        FormField::text("accuracy_class", t.accuracy_class, &f.accuracy_class),
        FormField::text("owner", t.owner, &f.owner).hint(t.owner_hint),
        FormField::text("location", t.location, &f.location),
        FormField::text("status", t.status, &f.status).input(Input::Select(statuses)),
        FormField::text("last_verified_on", t.last_verified_on, &f.last_verified_on)
            .input(Input::Date),
        FormField::text("next_due_on", t.next_due_on, &f.next_due_on).input(Input::Date),
    ]
}

/// `GET /instruments/new`.
pub async fn new_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(mut f): Query<InstrumentForm>,
) -> Result<Response, PageError> {
    ctx.require(Permission::EditRegistry)?;
    if let Ok(id) = Uuid::parse_str(f.owner_id.trim())
        && let Some(o) = state.store.organisation(id).await?
    {
        f.owner = o.tax_code.unwrap_or(o.name);
    }
    render(&NewPage {
        c: &ctx,
        fields: form_fields(ctx.t, ctx.lang, &f),
        errors: Errors::default(),
    })
}

/// `POST /instruments/new`: registers the instrument, or shows the form again with a
/// message next to each wrong field and what was typed kept.
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    req: Request,
) -> Result<Response, PageError> {
    let caller = ctx.require(Permission::EditRegistry)?.clone();
    let f: InstrumentForm = form(req).await?;
    let t = ctx.t;
    let mut errors = Errors::default();
    let mut day = |field: &str, text: &str| {
        parse_day(text).unwrap_or_else(|()| {
            errors.add(field, t.err_date);
            None
        })
    };
    let last_verified_on = day("last_verified_on", &f.last_verified_on);
    let next_due_on = day("next_due_on", &f.next_due_on);
    let owner_id = if f.owner.trim().is_empty() {
        None
    } else {
        match resolve_owner(&state.store, &f.owner).await? {
            OwnerMatch::One(o) => Some(o.organisation_id),
            OwnerMatch::None => {
                errors.add("owner", t.err_owner_missing);
                None
            }
            OwnerMatch::Several(_) => {
                errors.add("owner", t.err_owner_ambiguous);
                None
            }
        }
    };
    let some = |s: &str| Some(s.trim().to_owned()).filter(|v| !v.is_empty());
    let input = InstrumentInput {
        category: f.category.trim().to_owned(),
        serial: f.serial.trim().to_owned(),
        maker: some(&f.maker),
        model: some(&f.model),
        measuring_range: some(&f.measuring_range),
        resolution: some(&f.resolution),
        verification_interval: some(&f.verification_interval),
        accuracy_class: some(&f.accuracy_class),
        owner_id,
        location: some(&f.location),
        status: some(&f.status),
        last_verified_on,
        next_due_on,
    };
    if let Err(p) = input.validate() {
        errors.add_problems(t, &p);
    }
    if !errors.any() {
        match state.store.create_instrument(&caller.actor(), &input).await {
            Ok(created) => {
                return Ok(see_other(&format!(
                    "/instruments/{}",
                    created.instrument_id
                )));
            }
            // The owner was retired or removed between the lookup and the insert.
            Err(StoreError::NotFound(_)) => errors.add("owner", t.err_owner_missing),
            Err(e) => return Err(e.into()),
        }
    }
    let mut fields = form_fields(t, ctx.lang, &f);
    attach_errors(&mut fields, &errors);
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &NewPage {
            c: &ctx,
            fields,
            errors,
        },
    )
}
