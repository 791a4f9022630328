//! Small pieces several pages show: status badges (an icon and a word, never colour alone),
//! category names, paging links and history rows.

use calibration_profiles::cycles::cycles;
use chrono::NaiveDate;

use super::i18n::{Lang, Text, fill, today};
use crate::store::audit::Entry;
use crate::store::dashboard::COUNT_CAP;
use crate::store::standards::Status;

/// A status shown as an icon and a word; `class` adds the colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Badge {
    pub class: &'static str,
    pub icon: &'static str,
    pub label: &'static str,
}

/// Days ahead within which a due date is "due soon".
pub const DUE_SOON_DAYS: i64 = 30;

/// Where an instrument stands against its verification due date on `today`.
#[must_use]
pub fn due_badge(t: &Text, next_due: Option<NaiveDate>, today: NaiveDate) -> Badge {
    match next_due {
        None => Badge {
            class: "badge-muted",
            icon: "–",
            label: t.due_none,
        },
        Some(d) if d < today => Badge {
            class: "badge-bad",
            icon: "✖",
            label: t.due_overdue,
        },
        Some(d) if (d - today).num_days() <= DUE_SOON_DAYS => Badge {
            class: "badge-warn",
            icon: "⚠",
            label: t.due_soon,
        },
        Some(_) => Badge {
            class: "badge-ok",
            icon: "✔",
            label: t.due_ok,
        },
    }
}

#[must_use]
pub fn standard_badge(t: &Text, s: Status) -> Badge {
    let (class, icon) = match s {
        Status::Valid => ("badge-ok", "✔"),
        Status::Expiring => ("badge-warn", "⚠"),
        Status::Expired | Status::Failed => ("badge-bad", "✖"),
        Status::Quarantined => ("badge-bad", "⊘"),
        Status::Retired => ("badge-muted", "–"),
    };
    Badge {
        class,
        icon,
        label: t.standard_status(s),
    }
}

#[must_use]
pub fn online_badge(t: &Text, online: bool) -> Badge {
    if online {
        Badge {
            class: "badge-ok",
            icon: "●",
            label: t.online,
        }
    } else {
        Badge {
            class: "badge-muted",
            icon: "○",
            label: t.offline,
        }
    }
}

#[must_use]
pub fn pass_badge(t: &Text, passed: bool) -> Badge {
    if passed {
        Badge {
            class: "badge-ok",
            icon: "✔",
            label: t.result_pass,
        }
    } else {
        Badge {
            class: "badge-bad",
            icon: "✖",
            label: t.result_fail,
        }
    }
}

/// The categories of the statutory list, `(code, name)`, with the names in force today.
#[must_use]
pub fn categories(lang: Lang) -> Vec<(String, String)> {
    let day = today();
    let mut out: Vec<(String, String)> = Vec::new();
    for c in &cycles().cycle {
        if out.iter().any(|(code, _)| *code == c.category) {
            continue;
        }
        let current = cycles().in_force(&c.category, day).unwrap_or(c);
        let name = match lang {
            Lang::Vi => current.name.vi.clone(),
            Lang::En => current.name.en.clone(),
        };
        out.push((current.category.clone(), name));
    }
    out
}

/// The name of a category code, or the code when the list does not know it.
#[must_use]
pub fn category_name(lang: Lang, code: &str) -> String {
    let c = cycles()
        .in_force(code, today())
        .or_else(|| cycles().cycle.iter().find(|c| c.category == code));
    match (c, lang) {
        (Some(c), Lang::Vi) => c.name.vi.clone(),
        (Some(c), Lang::En) => c.name.en.clone(),
        (None, _) => code.to_owned(),
    }
}

/// A capped count from the dashboard queries: "over 10.000" past the cap.
#[must_use]
pub fn capped_count(lang: Lang, n: i64) -> String {
    if n > COUNT_CAP {
        fill(lang.text().more_than, lang.count(COUNT_CAP))
    } else {
        lang.count(n)
    }
}

/// One audit entry as a history row.
#[derive(Debug, Clone)]
pub struct HistoryRow {
    pub id: i64,
    pub when: String,
    /// The person, without the `user:` prefix of the trail.
    pub actor: String,
    pub entity: String,
    pub entity_id: String,
    /// The record's page, for the kinds that have one.
    pub link: Option<String>,
    pub action: String,
    pub reason: String,
    /// The fields whose value changed (all of them at creation).
    pub changed: String,
}

impl HistoryRow {
    #[must_use]
    pub fn of(lang: Lang, e: &Entry) -> Self {
        let t = lang.text();
        Self {
            id: e.audit_entry_id,
            when: lang.datetime(e.at),
            actor: e.actor.strip_prefix("user:").unwrap_or(&e.actor).to_owned(),
            entity: t.entity(&e.entity).to_owned(),
            entity_id: e.entity_id.clone(),
            link: match e.entity.as_str() {
                "instrument" => Some(format!("/instruments/{}", e.entity_id)),
                "organisation" => Some(format!("/organisations/{}", e.entity_id)),
                "measurement_standard" => Some(format!("/standards/{}", e.entity_id)),
                _ => None,
            },
            action: t.action(&e.action).to_owned(),
            reason: e.reason.clone().unwrap_or_default(),
            changed: changed_fields(e.before.as_deref(), e.after.as_deref())
                .iter()
                .map(|k| t.field(k))
                .collect::<Vec<_>>()
                .join(", "),
        }
    }
}

/// The top-level keys whose values differ between two JSON objects (the time stamps and
/// ids every change touches are left out).
#[must_use]
pub fn changed_fields(before: Option<&str>, after: Option<&str>) -> Vec<String> {
    let parse = |s: Option<&str>| {
        s.and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok())
            .and_then(|v| v.as_object().cloned())
            .unwrap_or_default()
    };
    let (b, a) = (parse(before), parse(after));
    let mut keys: Vec<&String> = b.keys().chain(a.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| !matches!(k.as_str(), "updated_at" | "created_at") && !k.ends_with("_id"))
        .filter(|k| {
            let (x, y) = (b.get(*k), a.get(*k));
            x != y
                && !(x.is_none_or(serde_json::Value::is_null)
                    && y.is_none_or(serde_json::Value::is_null))
        })
        .cloned()
        .collect()
}

/// Previous and next links of a paged list.
#[derive(Debug, Clone)]
pub struct Pager {
    pub prev: Option<String>,
    pub next: Option<String>,
    /// "Trang 2".
    pub label: String,
    pub prev_label: &'static str,
    pub next_label: &'static str,
}

impl Pager {
    /// Links to `base?…&page=n` for the neighbours of `page`; `query` is the list's query
    /// without the page.
    #[must_use]
    pub fn new(t: &Text, base: &str, query: &str, page: i64, has_more: bool) -> Self {
        let link = |n: i64| {
            if query.is_empty() {
                format!("{base}?page={n}")
            } else {
                format!("{base}?{query}&page={n}")
            }
        };
        Self {
            prev: (page > 1).then(|| link(page - 1)),
            next: has_more.then(|| link(page + 1)),
            label: fill(t.page_n, page),
            prev_label: t.previous_page,
            next_label: t.next_page,
        }
    }
}

/// How a form field is entered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Text,
    Date,
    Password,
    /// `(value, label)` choices; the empty value is "not chosen".
    Select(Vec<(String, String)>),
}

/// One field of a form, with what the person typed and the message about it.
#[derive(Debug, Clone)]
pub struct FormField {
    pub name: &'static str,
    pub label: &'static str,
    pub input: Input,
    pub value: String,
    pub required: bool,
    pub hint: Option<String>,
    pub error: Option<String>,
    /// The browser's autofill hint.
    pub autocomplete: &'static str,
}

impl FormField {
    #[must_use]
    pub fn text(name: &'static str, label: &'static str, value: &str) -> Self {
        Self {
            name,
            label,
            input: Input::Text,
            value: value.to_owned(),
            required: false,
            hint: None,
            error: None,
            autocomplete: "off",
        }
    }

    #[must_use]
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    #[must_use]
    pub fn input(mut self, input: Input) -> Self {
        self.input = input;
        self
    }

    #[must_use]
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    #[must_use]
    pub fn autocomplete(mut self, v: &'static str) -> Self {
        self.autocomplete = v;
        self
    }

    #[must_use]
    pub fn is_select(&self) -> bool {
        matches!(self.input, Input::Select(_))
    }

    /// The choices of a select (none for other inputs).
    #[must_use]
    pub fn options(&self) -> &[(String, String)] {
        match &self.input {
            Input::Select(o) => o,
            _ => &[],
        }
    }

    /// The `type` of an `<input>`.
    #[must_use]
    pub fn input_type(&self) -> &'static str {
        match self.input {
            Input::Date => "date",
            Input::Password => "password",
            Input::Text | Input::Select(_) => "text",
        }
    }
}

/// Sets each field's message from the form's errors.
pub fn attach_errors(fields: &mut [FormField], errors: &super::page::Errors) {
    for f in fields {
        f.error = errors.get(f.name).map(ToOwned::to_owned);
    }
}

/// A day typed as `yyyy-mm-dd` (what a date input sends) or `dd/mm/yyyy`; blank is none.
pub fn parse_day(text: &str) -> Result<Option<NaiveDate>, ()> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(t, "%d/%m/%Y"))
        .map(Some)
        .map_err(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::i18n::VI;

    #[test]
    fn due_dates_are_overdue_soon_or_in_date() {
        let today = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        let day = |d: u32| NaiveDate::from_ymd_opt(2026, 6, d);
        assert_eq!(
            due_badge(&VI, NaiveDate::from_ymd_opt(2026, 5, 31), today).label,
            "Quá hạn"
        );
        assert_eq!(due_badge(&VI, day(1), today).label, "Sắp đến hạn");
        assert_eq!(due_badge(&VI, day(30), today).label, "Sắp đến hạn");
        assert_eq!(
            due_badge(&VI, NaiveDate::from_ymd_opt(2026, 8, 1), today).label,
            "Còn hạn"
        );
        assert_eq!(due_badge(&VI, None, today).label, "Chưa có hạn");
    }

    #[test]
    fn history_names_the_changed_fields() {
        assert_eq!(
            changed_fields(
                Some(r#"{"serial":"A","location":null,"updated_at":"x","owner_id":null}"#),
                Some(r#"{"serial":"B","location":null,"updated_at":"y","owner_id":"z"}"#)
            ),
            ["serial"]
        );
        assert_eq!(
            changed_fields(None, Some(r#"{"serial":"B","maker":null}"#)),
            ["serial"]
        );
    }

    #[test]
    fn days_are_read_in_either_order() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 31);
        assert_eq!(parse_day("2026-12-31"), Ok(d));
        assert_eq!(parse_day("31/12/2026"), Ok(d));
        assert_eq!(parse_day(" "), Ok(None));
        assert_eq!(parse_day("31.12.2026"), Err(()));
        assert_eq!(parse_day("2026-02-30"), Err(()));
    }

    #[test]
    fn pagers_link_to_the_neighbours_keeping_the_query() {
        let p = Pager::new(&VI, "/instruments", "serial=A", 2, true);
        assert_eq!(p.prev.as_deref(), Some("/instruments?serial=A&page=1"));
        assert_eq!(p.next.as_deref(), Some("/instruments?serial=A&page=3"));
        let p = Pager::new(&VI, "/organisations", "", 1, false);
        assert_eq!((p.prev, p.next), (None, None));
    }

    #[test]
    fn counts_past_the_cap_say_so() {
        assert_eq!(capped_count(Lang::Vi, COUNT_CAP + 1), "hơn 10.000");
        assert_eq!(capped_count(Lang::En, 12), "12");
    }
}
