//! Signing in and out, the language switch and the password change.
//!
//! Sign-in goes through the same throttled check as the API ([`session::sign_in`]) and never
//! says whether the username or the password was wrong. After it the browser goes back to
//! the page it came from, when that is a path of this site.

use askama::Template;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use serde::Deserialize;

use super::i18n::{LANG_COOKIE, Lang, fill};
use super::page::{Ctx, Errors, PageError, form, local_target, render, render_status, see_other};
use crate::http::session::{
    self, PasswordChange, Permission, SESSION_COOKIE, SignInError, cookie, session_cookie,
};
use crate::http::{AppError, AppState};

#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    /// Set after signing out, to say so.
    bye: Option<String>,
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    c: &'a Ctx,
    next: String,
    username: String,
    error: Option<String>,
    notice: Option<&'a str>,
}

/// `GET /login`.
pub async fn login_form(ctx: Ctx, Query(q): Query<LoginQuery>) -> Result<Response, PageError> {
    let next = local_target(q.next.as_deref());
    if ctx.user.is_some() {
        return Ok(see_other(&next));
    }
    let notice = if q.bye.is_some() {
        Some(ctx.t.signed_out)
    } else if next == "/" {
        None
    } else {
        Some(ctx.t.login_required)
    };
    render(&LoginPage {
        c: &ctx,
        next,
        username: String::new(),
        error: None,
        notice,
    })
}

#[derive(Debug, Deserialize)]
struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

/// `POST /login`: signs in and goes on to `next`.
pub async fn login(
    State(state): State<AppState>,
    ctx: Ctx,
    req: Request,
) -> Result<Response, PageError> {
    // A sign-in posted from another site would sign the browser into someone else's account
    // (login CSRF); browsers say where a request comes from.
    if req
        .headers()
        .get("sec-fetch-site")
        .is_some_and(|v| v == "cross-site")
    {
        return Err(PageError::BadRequest(ctx.t.login_cross_site.to_owned()));
    }
    let ip = session::peer(req.extensions());
    let previous = cookie(req.headers(), SESSION_COOKIE).map(ToOwned::to_owned);
    let f: LoginForm = form(req).await?;
    let next = local_target(f.next.as_deref());
    let (status, error) = match session::sign_in(&state, ip, &f.username, &f.password).await {
        Ok((token, ..)) => {
            // Signing in again (perhaps as someone else) ends the session the browser had.
            if let Some(old) = previous {
                state.store.end_session(&old).await?;
            }
            let mut r = see_other(&next);
            r.headers_mut()
                .insert(header::SET_COOKIE, session_cookie(&state, Some(&token)));
            return Ok(r);
        }
        Err(SignInError::Refused) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            ctx.t.login_refused.to_owned(),
        ),
        Err(SignInError::Throttled(wait)) => (
            StatusCode::TOO_MANY_REQUESTS,
            fill(ctx.t.login_throttled, wait.as_secs().div_ceil(60).max(1)),
        ),
        Err(SignInError::Other(e)) => return Err(PageError::Internal(e.into())),
    };
    render_status(
        status,
        &LoginPage {
            c: &ctx,
            next,
            username: f.username,
            error: Some(error),
            notice: None,
        },
    )
}

/// `POST /logout`: ends the session (the CSRF guard has checked the form).
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        state.store.end_session(token).await?;
    }
    let mut r = see_other("/login?bye=1");
    r.headers_mut()
        .insert(header::SET_COOKIE, session_cookie(&state, None));
    Ok(r)
}

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// `GET /lang/{vi|en}?next=…`: remembers the language for a year and goes back.
pub async fn set_lang(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<NextQuery>,
) -> Result<Response, PageError> {
    let lang = Lang::parse(&code).ok_or(PageError::NotFound)?;
    let secure = if state.settings.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let value = format!(
        "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax{secure}",
        lang.code()
    );
    let mut r = see_other(&local_target(q.next.as_deref()));
    r.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&value).map_err(|e| PageError::Internal(e.into()))?,
    );
    Ok(r)
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage<'a> {
    c: &'a Ctx,
    /// `(field, label, autocomplete)`.
    fields: [(&'static str, &'static str, &'static str); 3],
    errors: Errors,
    done: bool,
}

fn password_fields(c: &Ctx) -> [(&'static str, &'static str, &'static str); 3] {
    [
        ("current_password", c.t.current_password, "current-password"),
        ("new_password", c.t.new_password, "new-password"),
        ("confirm_password", c.t.confirm_password, "new-password"),
    ]
}

/// `GET /account/password`.
pub async fn password_form(ctx: Ctx) -> Result<Response, PageError> {
    ctx.require(Permission::Read)?;
    render(&PasswordPage {
        c: &ctx,
        fields: password_fields(&ctx),
        errors: Errors::default(),
        done: false,
    })
}

// The fields are named as the form (and the API's `PasswordChange`) names them.
#[allow(clippy::struct_field_names)]
#[derive(Debug, Deserialize)]
struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

/// `POST /account/password`: every other session of the person ends; this one goes on with a
/// new cookie.
pub async fn change_password(
    State(state): State<AppState>,
    ctx: Ctx,
    req: Request,
) -> Result<Response, PageError> {
    let caller = ctx.require(Permission::Read)?.clone();
    let f: PasswordForm = form(req).await?;
    let t = ctx.t;
    let mut errors = Errors::default();
    if f.current_password.is_empty() {
        errors.add("current_password", t.err_required);
    }
    if f.new_password.chars().count() < 10 {
        errors.add("new_password", t.err_password_short);
    } else if f.new_password != f.confirm_password {
        errors.add("confirm_password", t.err_password_mismatch);
    }
    if !errors.any() {
        let change = PasswordChange {
            current_password: f.current_password,
            new_password: f.new_password,
        };
        match session::change_password(&state, &caller, &change).await {
            Ok((token, csrf)) => {
                // The page that answers carries the new session's token in its forms.
                let mut c = ctx.clone();
                if let Some(u) = c.user.as_mut() {
                    u.csrf_token = csrf;
                }
                let mut r = render(&PasswordPage {
                    fields: password_fields(&c),
                    c: &c,
                    errors,
                    done: true,
                })?;
                r.headers_mut()
                    .insert(header::SET_COOKIE, session_cookie(&state, Some(&token)));
                return Ok(r);
            }
            Err(AppError::Invalid(p)) => {
                for problem in p.iter() {
                    let message = match problem.path.as_str() {
                        "current_password" => t.err_password_current.to_owned(),
                        "new_password" if problem.message.starts_with("must differ") => {
                            t.err_password_same.to_owned()
                        }
                        _ => t.problem(&problem.message),
                    };
                    errors.add(&problem.path, message);
                }
            }
            Err(e) => return Err(PageError::Internal(e.into())),
        }
    }
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &PasswordPage {
            c: &ctx,
            fields: password_fields(&ctx),
            errors,
            done: false,
        },
    )
}
