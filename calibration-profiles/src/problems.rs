//! Problems found in an input, each with the path of the offending field
//! (`points[2].mpe`) and, for text formats, its line — so a quality manager editing a profile
//! sees every problem at once, not the first one.
//!
//! TOML documents are read in two passes. The structural pass deserializes the raw serde types
//! (unknown fields denied); each error is recorded with its path, the offending node is pruned
//! and the pass repeats, so several structural problems are reported together. The semantic pass
//! (`TryFrom` raw → domain) then adds every rule violation. Lines come from a span map of the
//! document.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// One problem: where, what, and the line in the source text when known.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    pub path: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
}

impl Problem {
    /// `file:line: path: message`, the form editors and terminals link to the line.
    #[must_use]
    pub fn located(&self, file: &str) -> String {
        let line = self.line.map(|l| format!("{l}:")).unwrap_or_default();
        format!("{file}:{line} {}: {}", self.path, self.message)
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.message)?;
        } else {
            write!(f, "{}: {}", self.path, self.message)?;
        }
        if let Some(l) = self.line {
            write!(f, " (line {l})")?;
        }
        Ok(())
    }
}

/// A list of problems; empty means valid.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct Problems(pub Vec<Problem>);

impl Problems {
    /// Records a problem at `path`.
    pub fn at(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(Problem {
            path: path.into(),
            message: message.into(),
            line: None,
        });
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Problem> {
        self.0.iter()
    }

    /// `Ok(value)` when no problem was recorded.
    pub fn into_result<T>(self, value: T) -> Result<T, Problems> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }

    /// Fills in line numbers from the source text's span map.
    #[must_use]
    pub fn with_lines(mut self, map: &SourceMap<'_>) -> Self {
        for p in &mut self.0 {
            if p.line.is_none() {
                p.line = map.line_of(&p.path);
            }
        }
        self
    }
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Problems {}

/// Joins a parent path and a key: `join("points[2]", "mpe")` = `points[2].mpe`.
#[must_use]
pub fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_owned()
    } else {
        format!("{parent}.{key}")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Key(String),
    Index(usize),
}

fn parse_path(path: &str) -> Vec<Seg> {
    let mut out = Vec::new();
    for part in path.split('.').filter(|s| !s.is_empty()) {
        let (key, rest) = part.split_once('[').map_or((part, ""), |(k, r)| (k, r));
        if !key.is_empty() {
            out.push(Seg::Key(key.to_owned()));
        }
        for idx in rest.split('[') {
            if let Ok(i) = idx.trim_end_matches(']').parse() {
                out.push(Seg::Index(i));
            }
        }
    }
    out
}

fn render_path(segs: &[Seg]) -> String {
    let mut s = String::new();
    for seg in segs {
        match seg {
            Seg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Seg::Index(i) => {
                s.push('[');
                s.push_str(&i.to_string());
                s.push(']');
            }
        }
    }
    s
}

/// Maps field paths of a TOML document to line numbers.
pub struct SourceMap<'a> {
    text: &'a str,
    root: Option<Spanned<DeTable<'a>>>,
}

impl fmt::Debug for SourceMap<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SourceMap").finish_non_exhaustive()
    }
}

impl<'a> SourceMap<'a> {
    #[must_use]
    pub fn new(text: &'a str) -> Self {
        Self {
            text,
            root: DeTable::parse(text).ok(),
        }
    }

    /// 1-based line of a byte offset.
    #[must_use]
    pub fn line_at(&self, offset: usize) -> usize {
        self.text[..offset.min(self.text.len())]
            .bytes()
            .filter(|b| *b == b'\n')
            .count()
            + 1
    }

    /// Line of the deepest existing node along `path` (the field itself, or the table that
    /// misses it).
    #[must_use]
    pub fn line_of(&self, path: &str) -> Option<usize> {
        let root = self.root.as_ref()?;
        let mut span = None;
        let mut table: Option<&DeTable<'_>> = Some(root.get_ref());
        let mut array: Option<&[Spanned<DeValue<'_>>]> = None;
        for seg in parse_path(path) {
            let next: Option<&Spanned<DeValue<'_>>> = match seg {
                Seg::Key(k) => table.and_then(|t| {
                    t.iter()
                        .find(|(key, _)| key.get_ref().as_ref() == k)
                        .map(|(key, v)| {
                            // The key's own span points at the line a person reads.
                            span = Some(key.span());
                            v
                        })
                }),
                Seg::Index(i) => array
                    .and_then(|a| a.get(i))
                    .inspect(|v| span = Some(v.span())),
            };
            let Some(v) = next else { break };
            table = v.get_ref().as_table();
            array = v.get_ref().as_array().map(|a| &a[..]);
        }
        // Nothing along the path exists: the field is missing from the document itself.
        Some(span.map_or(1, |s| self.line_at(s.start)))
    }

    /// Path of the deepest node whose span contains `offset`.
    #[must_use]
    pub fn path_at(&self, offset: usize) -> String {
        let Some(root) = self.root.as_ref() else {
            return String::new();
        };
        let mut segs = Vec::new();
        walk_to(root.get_ref(), offset, &mut segs);
        render_path(&segs)
    }
}

fn walk_to(table: &DeTable<'_>, offset: usize, segs: &mut Vec<Seg>) {
    let exact = table
        .iter()
        .find(|(k, v)| v.span().contains(&offset) || k.span().contains(&offset));
    // The body of a `[section]` is not inside its value's span: the section whose header is
    // the nearest one before the offset holds it.
    let chosen = exact.or_else(|| {
        table
            .iter()
            .filter(|(k, v)| {
                k.span().start <= offset && (v.get_ref().is_table() || v.get_ref().is_array())
            })
            .max_by_key(|(k, _)| k.span().start)
    });
    if let Some((k, v)) = chosen {
        segs.push(Seg::Key(k.get_ref().to_string()));
        descend(v.get_ref(), offset, segs);
    }
}

fn descend(v: &DeValue<'_>, offset: usize, segs: &mut Vec<Seg>) {
    if let Some(t) = v.as_table() {
        walk_to(t, offset, segs);
    } else if let Some(a) = v.as_array() {
        for (i, e) in a.iter().enumerate() {
            if e.span().contains(&offset) {
                segs.push(Seg::Index(i));
                descend(e.get_ref(), offset, segs);
                return;
            }
        }
    }
}

/// Deserializes a TOML document into `T`, collecting every structural problem.
///
/// On a failure the offending node is removed and deserialization retried (at most 100
/// times), so the problems of several fields and array elements come back together.
pub fn from_toml<T: DeserializeOwned>(text: &str) -> Result<T, Problems> {
    let map = SourceMap::new(text);
    let mut value: toml::Table = match text.parse() {
        Ok(v) => v,
        Err(e) => {
            let e: toml::de::Error = e;
            let line = e.span().map(|s| map.line_at(s.start));
            let path = e.span().map(|s| map.path_at(s.start)).unwrap_or_default();
            return Err(Problems(vec![Problem {
                path,
                message: format!("not valid TOML: {}", e.message().trim()),
                line,
            }]));
        }
    };
    let mut problems = Problems::default();
    // Original indices removed from each array, to report paths of the untouched document.
    let mut removed: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut reported: Vec<String> = Vec::new();
    for _ in 0..100 {
        let attempt = toml::Value::Table(value.clone());
        match serde_path_to_error::deserialize::<_, T>(attempt) {
            Ok(v) => {
                return if problems.is_empty() {
                    Ok(v)
                } else {
                    Err(problems.with_lines(&map))
                };
            }
            Err(e) => {
                let current: Vec<Seg> = parse_path(&e.path().to_string());
                let original = to_original(&current, &removed);
                let mut message = e.inner().to_string();
                // serde reports a missing field at the table that lacks it; name the field.
                let mut path = render_path(&original);
                if let Some(field) = message
                    .strip_prefix("missing field `")
                    .and_then(|m| m.split('`').next())
                {
                    path = join(&path, field);
                    "required field is missing".clone_into(&mut message);
                }
                // A field pruned after its own problem now shows up as missing: already said.
                if !reported.contains(&path) {
                    let line = map.line_of(&path);
                    problems.0.push(Problem {
                        path: path.clone(),
                        message: clean_message(&message),
                        line,
                    });
                    reported.push(path);
                }
                if current.is_empty() || !prune(&mut value, &current, &mut removed, &original) {
                    return Err(problems);
                }
            }
        }
    }
    Err(problems)
}

/// Deserializes JSON into `T`; a problem names the field's path and the line.
pub fn from_json<T: DeserializeOwned>(text: &str) -> Result<T, Problems> {
    // Good input takes the direct path; only a failure is read again to learn where it failed
    // (tracking the path costs as much as the parse itself, on every batch of readings).
    if let Ok(v) = serde_json::from_str(text) {
        return Ok(v);
    }
    let de = &mut serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize::<_, T>(&mut *de).map_err(|e| {
        let inner = e.inner();
        let mut path = e.path().to_string();
        if path == "." {
            path.clear();
        }
        let mut message = inner.to_string();
        // serde_json appends " at line L column C"; keep the line separately.
        if let Some(pos) = message.rfind(" at line ") {
            message.truncate(pos);
        }
        if let Some(field) = message
            .strip_prefix("missing field `")
            .and_then(|m| m.split('`').next())
        {
            path = join(&path, field);
            "required field is missing".clone_into(&mut message);
        }
        if inner.is_syntax() || inner.is_eof() {
            message = format!("not valid JSON: {message}");
        }
        Problems(vec![Problem {
            path,
            message: clean_message(&message),
            line: Some(inner.line()),
        }])
    })?;
    de.end().map_err(|e| {
        Problems(vec![Problem {
            path: String::new(),
            message: "not valid JSON: text after the end of the document".into(),
            line: Some(e.line()),
        }])
    })?;
    Ok(value)
}

/// Removes the node at `path` from the document; false when nothing could be removed.
fn prune(
    root: &mut toml::Table,
    path: &[Seg],
    removed: &mut BTreeMap<String, Vec<usize>>,
    original: &[Seg],
) -> bool {
    let Some((last, parents)) = path.split_last() else {
        return false;
    };
    let mut node: &mut toml::Value = match parents.first() {
        Some(Seg::Key(k)) => match root.get_mut(k) {
            Some(v) => v,
            None => return false,
        },
        Some(Seg::Index(_)) => return false,
        None => {
            return match last {
                Seg::Key(k) => root.remove(k).is_some(),
                Seg::Index(_) => false,
            };
        }
    };
    for seg in &parents[1..] {
        let next = match (seg, node) {
            (Seg::Key(k), toml::Value::Table(t)) => t.get_mut(k),
            (Seg::Index(i), toml::Value::Array(a)) => a.get_mut(*i),
            _ => None,
        };
        match next {
            Some(n) => node = n,
            None => return false,
        }
    }
    match (last, node) {
        (Seg::Key(k), toml::Value::Table(t)) => t.remove(k).is_some(),
        (Seg::Index(i), toml::Value::Array(a)) if *i < a.len() => {
            a.remove(*i);
            let array_path = render_path(&original[..original.len() - 1]);
            if let Some(Seg::Index(orig)) = original.last() {
                removed.entry(array_path).or_default().push(*orig);
            }
            true
        }
        _ => false,
    }
}

/// Maps a path in the pruned document back to the original document's indices.
fn to_original(current: &[Seg], removed: &BTreeMap<String, Vec<usize>>) -> Vec<Seg> {
    let mut out: Vec<Seg> = Vec::with_capacity(current.len());
    for seg in current {
        match seg {
            Seg::Index(c) => {
                let key = render_path(&out);
                let mut idx = *c;
                if let Some(rs) = removed.get(&key) {
                    let mut rs = rs.clone();
                    rs.sort_unstable();
                    for r in rs {
                        if r <= idx {
                            idx += 1;
                        }
                    }
                }
                out.push(Seg::Index(idx));
            }
            Seg::Key(k) => out.push(Seg::Key(k.clone())),
        }
    }
    out
}

/// serde's messages name Rust-side things ("struct RawPoint"); keep the part a person needs.
fn clean_message(m: &str) -> String {
    let m = m.trim();
    let m = m.split(" for key `").next().unwrap_or(m);
    // toml appends the key path on its own line; the path is already reported separately.
    let m = m.split("\nin `").next().unwrap_or(m).trim_end();
    m.replace("invalid type: ", "wrong type: ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Doc {
        name: String,
        points: Vec<Point>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Point {
        nominal: String,
        repeats: u32,
    }

    #[test]
    fn json_problems_name_the_field_and_trailing_text_is_refused() {
        let ok: Doc =
            from_json(r#"{"name": "x", "points": [{"nominal": "1 g", "repeats": 2}]}"#).unwrap();
        assert_eq!(ok.points.len(), 1);
        let p = from_json::<Doc>(
            "{\"name\": \"x\",\n \"points\": [{\"nominal\": \"1 g\", \"repeats\": -2}]}",
        )
        .unwrap_err();
        assert_eq!(
            p.iter().next().map(|p| (p.path.as_str(), p.line)),
            Some(("points[0].repeats", Some(2))),
            "{p}"
        );
        let p = from_json::<Doc>(r#"{"name": "x", "points": []} {"again": 1}"#).unwrap_err();
        assert!(p.to_string().contains("text after the end"), "{p}");
    }

    #[test]
    fn reports_every_structural_problem_with_its_line() {
        let text = "name = \"x\"\ncolour = 1\n\n[[points]]\nnominal = \"1 g\"\nrepeats = -1\n\n[[points]]\nnominal = \"2 g\"\n\n[[points]]\nnominal = \"3 g\"\nrepeats = 3\nextra = true\n";
        let p = from_toml::<Doc>(text).unwrap_err();
        let got: Vec<(String, Option<usize>)> =
            p.iter().map(|p| (p.path.clone(), p.line)).collect();
        assert_eq!(
            got,
            vec![
                ("colour".to_owned(), Some(2)),
                ("points[0].repeats".to_owned(), Some(6)),
                ("points[1].repeats".to_owned(), Some(8)),
                ("points[2].extra".to_owned(), Some(14)),
            ],
            "{p}"
        );
        assert!(p.0[2].message.contains("required field is missing"));
    }

    #[test]
    fn a_syntax_error_names_its_line() {
        let p = from_toml::<Doc>("name = \"x\"\npoints = [\n").unwrap_err();
        assert_eq!(p.len(), 1);
        assert!(p.0[0].message.starts_with("not valid TOML"));
        assert!(p.0[0].line.is_some());
    }

    #[test]
    fn finds_lines_of_nested_paths() {
        let text = "a = 1\n[b]\nc = [ { d = 1 }, { d = 2 } ]\n";
        let m = SourceMap::new(text);
        assert_eq!(m.line_of("b.c[1].d"), Some(3));
        assert_eq!(m.line_of("b.missing"), Some(2));
        assert_eq!(m.path_at(text.find("d = 2").unwrap()), "b.c[1].d");
    }
}
