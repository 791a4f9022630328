//! `/users` (administrators): the people who sign in, and a form to add one.

use askama::Template;
use axum::extract::{Query, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::i18n::{Text, fill};
use super::page::{Ctx, Errors, PageError, encode, form, render, render_status, see_other};
use super::views::{FormField, Input, attach_errors};
use crate::http::AppState;
use crate::http::session::Permission;
use crate::store::StoreError;
use crate::store::users::{NewUser, Role};

#[derive(Debug)]
struct Row {
    username: String,
    full_name: String,
    role: String,
    active: bool,
    card: String,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage<'a> {
    c: &'a Ctx,
    rows: Vec<Row>,
    fields: Vec<FormField>,
    errors: Errors,
    notice: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct UsersQuery {
    /// The username just created, to say so.
    #[serde(default)]
    created: String,
}

#[derive(Debug, Default, Deserialize)]
struct NewUserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    full_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
}

fn fields(t: &Text, f: &NewUserForm) -> Vec<FormField> {
    let mut roles = vec![(String::new(), t.choose.to_owned())];
    roles.extend(
        Role::ALL
            .into_iter()
            .map(|r| (r.as_str().to_owned(), t.role(r).to_owned())),
    );
    vec![
        FormField::text("username", t.username, &f.username)
            .required()
            .hint(t.err_username),
        FormField::text("full_name", t.full_name, &f.full_name).required(),
        FormField::text("role", t.role, &f.role)
            .required()
            .input(Input::Select(roles)),
        FormField::text("password", t.initial_password, "")
            .required()
            .input(Input::Password)
            .autocomplete("new-password"),
    ]
}

async fn page<'a>(
    state: &AppState,
    ctx: &'a Ctx,
    form: &NewUserForm,
    errors: Errors,
    notice: Option<String>,
) -> Result<UsersPage<'a>, PageError> {
    let t = ctx.t;
    let rows = state
        .store
        .list_users()
        .await?
        .into_iter()
        .map(|u| Row {
            role: u
                .role()
                .map_or_else(|| u.role.clone(), |r| t.role(r).to_owned()),
            active: !u.disabled,
            card: match (&u.verifier_card_no, u.verifier_card_expires_on) {
                (Some(no), Some(until)) => {
                    format!("{no} ({} {})", t.valid_until, ctx.lang.date(until))
                }
                (Some(no), None) => no.clone(),
                _ => "—".to_owned(),
            },
            username: u.username,
            full_name: u.full_name,
        })
        .collect();
    let mut fields = fields(t, form);
    attach_errors(&mut fields, &errors);
    Ok(UsersPage {
        c: ctx,
        rows,
        fields,
        errors,
        notice,
    })
}

/// `GET /users`.
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<UsersQuery>,
) -> Result<Response, PageError> {
    ctx.require(Permission::Administer)?;
    let notice = (!q.created.is_empty()).then(|| fill(ctx.t.user_created, &q.created));
    render(
        &page(
            &state,
            &ctx,
            &NewUserForm::default(),
            Errors::default(),
            notice,
        )
        .await?,
    )
}

/// Usernames: letters, digits, `.`, `_`, `-`; 2 to 50 characters (the API's rule).
fn valid_username(u: &str) -> bool {
    (2..=50).contains(&u.len())
        && u.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// `POST /users`: adds a person, or shows the form again with the messages.
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    req: Request,
) -> Result<Response, PageError> {
    let caller = ctx.require(Permission::Administer)?.clone();
    let f: NewUserForm = form(req).await?;
    let t = ctx.t;
    let mut errors = Errors::default();
    let username = f.username.trim();
    if !valid_username(username) {
        errors.add("username", t.err_username);
    }
    let full_name = f.full_name.trim();
    if full_name.is_empty() {
        errors.add("full_name", t.err_required);
    } else if full_name.chars().count() > 200 {
        errors.add("full_name", fill(t.err_too_long, 200));
    }
    let role = Role::parse(&f.role);
    if role.is_none() {
        errors.add("role", t.err_role);
    }
    if f.password.chars().count() < 10 {
        errors.add("password", t.err_password_short);
    }
    if let (false, Some(role)) = (errors.any(), role) {
        let password = f.password.clone();
        let hash = tokio::task::spawn_blocking(move || crate::auth::hash_password(&password))
            .await
            .map_err(|e| PageError::Internal(e.into()))?
            .map_err(|e| PageError::Internal(e.into()))?;
        let new = NewUser {
            username: username.to_owned(),
            full_name: full_name.to_owned(),
            role,
            password_hash: hash,
        };
        match state.store.create_user(&caller.actor(), &new).await {
            Ok(u) => {
                return Ok(see_other(&format!(
                    "/users?created={}",
                    encode(&u.username)
                )));
            }
            Err(StoreError::Conflict(_)) => errors.add("username", t.err_username_taken),
            Err(e) => return Err(e.into()),
        }
    }
    let p = page(&state, &ctx, &f, errors, None).await?;
    render_status(StatusCode::UNPROCESSABLE_ENTITY, &p)
}
