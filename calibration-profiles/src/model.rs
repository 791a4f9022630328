//! Measurement models written as text, e.g. `m_x = m_s + dm_d + dm + dm_c + dB` or the three
//! outputs `R = V/I*cos(phi)`, `X = V/I*sin(phi)`, `Z = V/I` of GUM H.2.
//!
//! The grammar is small on purpose: numbers, names (letters including Greek, digits, `_`),
//! `+ - * / ^` (`**` too), parentheses and the functions `sqrt exp ln log10 sin cos tan pow abs`.
//! An output may use outputs defined before it. Parsing returns every problem with the column
//! where it starts; evaluation is generic over [`Scalar`], so the same tree is evaluated on plain
//! numbers (Monte Carlo) and on [`crate::uncertainty::Dual`] numbers (exact sensitivity
//! coefficients by automatic differentiation).

use std::collections::HashMap;
use std::fmt;

/// A syntax or naming problem in a model, with the 1-based column it was found at.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message} (column {column})")]
pub struct ModelError {
    pub message: String,
    pub column: usize,
    /// Which equation (0-based) the problem is in, when the model has several.
    pub equation: usize,
}

/// The functions a model may call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    Sqrt,
    Exp,
    Ln,
    Log10,
    Sin,
    Cos,
    Tan,
    Pow,
    Abs,
}

impl Func {
    fn from_name(name: &str) -> Option<(Self, usize)> {
        Some(match name {
            "sqrt" => (Self::Sqrt, 1),
            "exp" => (Self::Exp, 1),
            "ln" => (Self::Ln, 1),
            "log10" => (Self::Log10, 1),
            "sin" => (Self::Sin, 1),
            "cos" => (Self::Cos, 1),
            "tan" => (Self::Tan, 1),
            "pow" => (Self::Pow, 2),
            "abs" => (Self::Abs, 1),
            _ => return None,
        })
    }
}

/// A parsed expression. Names refer to slots resolved by [`Model::bind`].
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Num(f64),
    Name(String),
    Neg(Box<Expr>),
    Add(Box<Expr>, Box<Expr>),
    Sub(Box<Expr>, Box<Expr>),
    Mul(Box<Expr>, Box<Expr>),
    Div(Box<Expr>, Box<Expr>),
    Pow(Box<Expr>, Box<Expr>),
    Call(Func, Vec<Expr>),
}

impl Expr {
    fn names<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Expr::Num(_) => {}
            Expr::Name(n) => {
                if !out.contains(&n.as_str()) {
                    out.push(n);
                }
            }
            Expr::Neg(a) => a.names(out),
            Expr::Add(a, b)
            | Expr::Sub(a, b)
            | Expr::Mul(a, b)
            | Expr::Div(a, b)
            | Expr::Pow(a, b) => {
                a.names(out);
                b.names(out);
            }
            Expr::Call(_, args) => args.iter().for_each(|a| a.names(out)),
        }
    }
}

/// Numbers a model can be evaluated on.
pub trait Scalar: Clone {
    fn constant(v: f64) -> Self;
    fn value(&self) -> f64;
    #[must_use]
    fn add(&self, o: &Self) -> Self;
    #[must_use]
    fn sub(&self, o: &Self) -> Self;
    #[must_use]
    fn mul(&self, o: &Self) -> Self;
    #[must_use]
    fn div(&self, o: &Self) -> Self;
    #[must_use]
    fn neg(&self) -> Self;
    #[must_use]
    fn pow(&self, o: &Self) -> Self;
    #[must_use]
    fn apply(&self, f: Func) -> Self;
}

impl Scalar for f64 {
    fn constant(v: f64) -> Self {
        v
    }
    fn value(&self) -> f64 {
        *self
    }
    fn add(&self, o: &Self) -> Self {
        self + o
    }
    fn sub(&self, o: &Self) -> Self {
        self - o
    }
    fn mul(&self, o: &Self) -> Self {
        self * o
    }
    fn div(&self, o: &Self) -> Self {
        self / o
    }
    fn neg(&self) -> Self {
        -self
    }
    fn pow(&self, o: &Self) -> Self {
        self.powf(*o)
    }
    fn apply(&self, f: Func) -> Self {
        match f {
            Func::Sqrt => self.sqrt(),
            Func::Exp => self.exp(),
            Func::Ln => self.ln(),
            Func::Log10 => self.log10(),
            Func::Sin => self.sin(),
            Func::Cos => self.cos(),
            Func::Tan => self.tan(),
            Func::Abs => self.abs(),
            // Two-argument functions are evaluated through `pow`.
            Func::Pow => f64::NAN,
        }
    }
}

/// A measurement model: one or more named output equations.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub outputs: Vec<(String, Expr)>,
}

impl Model {
    /// Parses one equation `y = expr`, or several separated by newlines or `;`.
    ///
    /// ```
    /// use calibration_profiles::model::Model;
    /// let m = Model::parse("R = V/I*cos(phi); X = V/I*sin(phi)").unwrap();
    /// assert_eq!(m.output_names(), vec!["R", "X"]);
    /// assert_eq!(m.input_names(), vec!["V", "I", "phi"]);
    /// let e = Model::parse("y = a + * b").unwrap_err();
    /// assert_eq!(e[0].column, 9);
    /// ```
    pub fn parse(text: &str) -> Result<Self, Vec<ModelError>> {
        let mut outputs = Vec::new();
        let mut errors = Vec::new();
        for (equation, line) in text
            .split(['\n', ';'])
            .filter(|l| !l.trim().is_empty())
            .enumerate()
        {
            match parse_equation(line) {
                Ok((name, expr)) => outputs.push((name, expr)),
                Err(mut e) => {
                    e.equation = equation;
                    errors.push(e);
                }
            }
        }
        if outputs.is_empty() && errors.is_empty() {
            errors.push(ModelError {
                message: "the model is empty: write an equation such as `y = a + b`".into(),
                column: 1,
                equation: 0,
            });
        }
        let mut seen: Vec<&str> = Vec::new();
        for (i, (name, _)) in outputs.iter().enumerate() {
            if seen.contains(&name.as_str()) {
                errors.push(ModelError {
                    message: format!("output `{name}` is defined twice"),
                    column: 1,
                    equation: i,
                });
            }
            seen.push(name);
        }
        if errors.is_empty() {
            Ok(Self { outputs })
        } else {
            Err(errors)
        }
    }

    /// Parses the right-hand side of one output whose name is given apart (the `models` map of
    /// the calculator input). A leading `name =` is accepted when it repeats that name.
    pub fn parse_named(name: &str, text: &str) -> Result<(String, Expr), ModelError> {
        let trimmed = text.trim_start();
        let (lhs, rhs) = split_assignment(trimmed);
        if let Some(lhs) = lhs
            && lhs != name
        {
            return Err(ModelError {
                message: format!("the equation defines `{lhs}` but is listed as `{name}`"),
                column: 1,
                equation: 0,
            });
        }
        let offset = text[..text.len() - rhs.len()].chars().count();
        let expr = Parser::start(rhs, offset).parse_all()?;
        Ok((name.to_owned(), expr))
    }

    #[must_use]
    pub fn output_names(&self) -> Vec<&str> {
        self.outputs.iter().map(|(n, _)| n.as_str()).collect()
    }

    /// Names used by the equations that are not outputs defined earlier, in order of first use.
    #[must_use]
    pub fn input_names(&self) -> Vec<&str> {
        let mut names = Vec::new();
        for (_, e) in &self.outputs {
            e.names(&mut names);
        }
        let outputs = self.output_names();
        names.retain(|n| !outputs.contains(n));
        names
    }

    /// Resolves every name against the given input names, giving a model that evaluates by
    /// index. Unknown names and outputs used before they are defined are reported.
    pub fn bind(&self, inputs: &[&str]) -> Result<BoundModel, Vec<ModelError>> {
        let mut slots: HashMap<&str, usize> =
            inputs.iter().enumerate().map(|(i, n)| (*n, i)).collect();
        let mut errors = Vec::new();
        let mut outputs = Vec::new();
        for (eq, (name, expr)) in self.outputs.iter().enumerate() {
            if inputs.contains(&name.as_str()) {
                errors.push(ModelError {
                    message: format!("`{name}` is both an input quantity and an output"),
                    column: 1,
                    equation: eq,
                });
                continue;
            }
            match bind_expr(expr, &slots) {
                Ok(b) => outputs.push((name.clone(), b)),
                Err(unknown) => errors.push(ModelError {
                    message: if self.output_names()[eq..].contains(&unknown.as_str()) {
                        format!(
                            "`{unknown}` is an output defined later; define it before it is used"
                        )
                    } else {
                        format!("unknown quantity `{unknown}`: declare it among the quantities")
                    },
                    column: 1,
                    equation: eq,
                }),
            }
            slots.insert(name, inputs.len() + eq);
        }
        if errors.is_empty() {
            Ok(BoundModel {
                n_inputs: inputs.len(),
                outputs,
            })
        } else {
            Err(errors)
        }
    }
}

/// Splits `name = rhs` when the text starts with an identifier followed by `=`.
fn split_assignment(text: &str) -> (Option<&str>, &str) {
    if let Some(pos) = text.find('=') {
        let lhs = text[..pos].trim();
        if !lhs.is_empty()
            && lhs.chars().all(is_ident_char)
            && lhs.chars().next().is_some_and(is_ident_start)
        {
            return (Some(lhs), &text[pos + 1..]);
        }
    }
    (None, text)
}

fn parse_equation(line: &str) -> Result<(String, Expr), ModelError> {
    let (lhs, rhs) = split_assignment(line);
    let Some(name) = lhs else {
        let col = line.chars().take_while(|c| c.is_whitespace()).count() + 1;
        return Err(ModelError {
            message: "an equation must start with the output's name and `=`, e.g. `y = a + b`"
                .into(),
            column: col,
            equation: 0,
        });
    };
    let offset = line[..line.len() - rhs.len()].chars().count();
    let expr = Parser::start(rhs, offset).parse_all()?;
    Ok((name.to_owned(), expr))
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    Ident(String),
    Op(char),
    LParen,
    RParen,
    Comma,
    End,
}

impl fmt::Display for Tok {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tok::Num(n) => write!(f, "number {n}"),
            Tok::Ident(s) => write!(f, "`{s}`"),
            Tok::Op(c) => write!(f, "`{c}`"),
            Tok::LParen => f.write_str("`(`"),
            Tok::RParen => f.write_str("`)`"),
            Tok::Comma => f.write_str("`,`"),
            Tok::End => f.write_str("the end of the equation"),
        }
    }
}

struct Parser {
    toks: Vec<(Tok, usize)>,
    pos: usize,
}

impl Parser {
    /// `offset` is the byte offset of `text` inside the full line, so columns point at the
    /// line the person wrote.
    fn start(text: &str, offset: usize) -> ParserInit<'_> {
        ParserInit { text, offset }
    }

    fn peek(&self) -> &Tok {
        &self.toks[self.pos].0
    }

    fn col(&self) -> usize {
        self.toks[self.pos].1
    }

    fn next(&mut self) -> Tok {
        let t = self.toks[self.pos].0.clone();
        if self.pos + 1 < self.toks.len() {
            self.pos += 1;
        }
        t
    }

    fn err<T>(&self, message: String) -> Result<T, ModelError> {
        Err(ModelError {
            message,
            column: self.col(),
            equation: 0,
        })
    }

    fn expr(&mut self) -> Result<Expr, ModelError> {
        let mut lhs = self.term()?;
        loop {
            match self.peek() {
                Tok::Op('+') => {
                    self.next();
                    lhs = Expr::Add(Box::new(lhs), Box::new(self.term()?));
                }
                Tok::Op('-') => {
                    self.next();
                    lhs = Expr::Sub(Box::new(lhs), Box::new(self.term()?));
                }
                _ => return Ok(lhs),
            }
        }
    }

    fn term(&mut self) -> Result<Expr, ModelError> {
        let mut lhs = self.unary()?;
        loop {
            match self.peek() {
                Tok::Op('*') => {
                    self.next();
                    lhs = Expr::Mul(Box::new(lhs), Box::new(self.unary()?));
                }
                Tok::Op('/') => {
                    self.next();
                    lhs = Expr::Div(Box::new(lhs), Box::new(self.unary()?));
                }
                _ => return Ok(lhs),
            }
        }
    }

    fn unary(&mut self) -> Result<Expr, ModelError> {
        match self.peek() {
            Tok::Op('-') => {
                self.next();
                Ok(Expr::Neg(Box::new(self.unary()?)))
            }
            Tok::Op('+') => {
                self.next();
                self.unary()
            }
            _ => self.power(),
        }
    }

    fn power(&mut self) -> Result<Expr, ModelError> {
        let base = self.primary()?;
        if self.peek() == &Tok::Op('^') {
            self.next();
            // Right-associative, and binds tighter than a leading minus: -x^2 = -(x^2).
            let exp = self.unary()?;
            return Ok(Expr::Pow(Box::new(base), Box::new(exp)));
        }
        Ok(base)
    }

    fn primary(&mut self) -> Result<Expr, ModelError> {
        let col = self.col();
        match self.next() {
            Tok::Num(v) => Ok(Expr::Num(v)),
            Tok::Ident(name) => {
                if self.peek() == &Tok::LParen {
                    let Some((func, arity)) = Func::from_name(&name) else {
                        return Err(ModelError {
                            message: format!(
                                "unknown function `{name}`: use sqrt, exp, ln, log10, sin, cos, tan, pow or abs"
                            ),
                            column: col,
                            equation: 0,
                        });
                    };
                    self.next();
                    let mut args = vec![self.expr()?];
                    while self.peek() == &Tok::Comma {
                        self.next();
                        args.push(self.expr()?);
                    }
                    if self.peek() != &Tok::RParen {
                        return self.err(format!("expected `)` but found {}", self.peek()));
                    }
                    self.next();
                    if args.len() != arity {
                        return Err(ModelError {
                            message: format!(
                                "`{name}` takes {arity} argument{}, got {}",
                                if arity == 1 { "" } else { "s" },
                                args.len()
                            ),
                            column: col,
                            equation: 0,
                        });
                    }
                    if func == Func::Pow {
                        let mut it = args.into_iter();
                        let (Some(a), Some(b)) = (it.next(), it.next()) else {
                            unreachable!("arity checked above")
                        };
                        return Ok(Expr::Pow(Box::new(a), Box::new(b)));
                    }
                    Ok(Expr::Call(func, args))
                } else {
                    Ok(Expr::Name(name))
                }
            }
            Tok::LParen => {
                let e = self.expr()?;
                if self.peek() != &Tok::RParen {
                    return self.err(format!("expected `)` but found {}", self.peek()));
                }
                self.next();
                Ok(e)
            }
            other => Err(ModelError {
                message: format!("expected a number, a name or `(` but found {other}"),
                column: col,
                equation: 0,
            }),
        }
    }
}

struct ParserInit<'a> {
    text: &'a str,
    offset: usize,
}

impl ParserInit<'_> {
    fn parse_all(self) -> Result<Expr, ModelError> {
        let toks = tokenize(self.text, self.offset)?;
        let mut p = Parser { toks, pos: 0 };
        if p.peek() == &Tok::End {
            return p.err("the right-hand side is empty".into());
        }
        let e = p.expr()?;
        if p.peek() != &Tok::End {
            return p.err(format!(
                "unexpected {} after a complete expression",
                p.peek()
            ));
        }
        Ok(e)
    }
}

/// Splits into tokens with 1-based character columns relative to the whole line.
fn tokenize(text: &str, offset: usize) -> Result<Vec<(Tok, usize)>, ModelError> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    // Columns count characters, not bytes, so "δθ" reports sensible positions.
    let base_col = offset + 1;
    let col_of = |byte: usize| base_col + text[..byte].chars().count();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let (b, c) = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let col = col_of(b);
        if c.is_ascii_digit()
            || (c == '.' && chars.get(i + 1).is_some_and(|(_, d)| d.is_ascii_digit()))
        {
            let start = b;
            let mut j = i;
            while j < chars.len() && (chars[j].1.is_ascii_digit() || chars[j].1 == '.') {
                j += 1;
            }
            if j < chars.len() && (chars[j].1 == 'e' || chars[j].1 == 'E') {
                let mut k = j + 1;
                if k < chars.len() && (chars[k].1 == '+' || chars[k].1 == '-') {
                    k += 1;
                }
                let digits = k;
                while k < chars.len() && chars[k].1.is_ascii_digit() {
                    k += 1;
                }
                if k > digits {
                    j = k;
                }
            }
            let end = chars.get(j).map_or(text.len(), |(b, _)| *b);
            let lit = &text[start..end];
            let v: f64 = lit.parse().map_err(|_| ModelError {
                message: format!("`{lit}` is not a number"),
                column: col,
                equation: 0,
            })?;
            toks.push((Tok::Num(v), col));
            i = j;
        } else if is_ident_start(c) {
            let start = b;
            let mut j = i;
            while j < chars.len() && is_ident_char(chars[j].1) {
                j += 1;
            }
            let end = chars.get(j).map_or(text.len(), |(b, _)| *b);
            toks.push((Tok::Ident(text[start..end].to_owned()), col));
            i = j;
        } else {
            let tok = match c {
                '+' | '-' | '/' | '^' => Tok::Op(c),
                '*' if chars.get(i + 1).is_some_and(|(_, d)| *d == '*') => {
                    i += 1;
                    Tok::Op('^')
                }
                '*' | '·' | '×' => Tok::Op('*'),
                '(' => Tok::LParen,
                ')' => Tok::RParen,
                ',' => Tok::Comma,
                _ => {
                    return Err(ModelError {
                        message: format!("unexpected character `{c}`"),
                        column: col,
                        equation: 0,
                    });
                }
            };
            toks.push((tok, col));
            i += 1;
        }
    }
    toks.push((Tok::End, col_of(text.len())));
    Ok(toks)
}

/// An expression whose names are slot indices: inputs first, then outputs in order.
#[derive(Debug, Clone, PartialEq)]
enum Bound {
    Num(f64),
    Slot(usize),
    Neg(Box<Bound>),
    Add(Box<Bound>, Box<Bound>),
    Sub(Box<Bound>, Box<Bound>),
    Mul(Box<Bound>, Box<Bound>),
    Div(Box<Bound>, Box<Bound>),
    Pow(Box<Bound>, Box<Bound>),
    Call(Func, Box<Bound>),
}

fn bind_expr(e: &Expr, slots: &HashMap<&str, usize>) -> Result<Bound, String> {
    let b = |x: &Expr| bind_expr(x, slots).map(Box::new);
    Ok(match e {
        Expr::Num(v) => Bound::Num(*v),
        Expr::Name(n) => Bound::Slot(*slots.get(n.as_str()).ok_or_else(|| n.clone())?),
        Expr::Neg(a) => Bound::Neg(b(a)?),
        Expr::Add(x, y) => Bound::Add(b(x)?, b(y)?),
        Expr::Sub(x, y) => Bound::Sub(b(x)?, b(y)?),
        Expr::Mul(x, y) => Bound::Mul(b(x)?, b(y)?),
        Expr::Div(x, y) => Bound::Div(b(x)?, b(y)?),
        Expr::Pow(x, y) => Bound::Pow(b(x)?, b(y)?),
        Expr::Call(f, args) => Bound::Call(*f, b(&args[0])?),
    })
}

/// A model ready to evaluate: names resolved to input positions.
#[derive(Debug, Clone, PartialEq)]
pub struct BoundModel {
    n_inputs: usize,
    outputs: Vec<(String, Bound)>,
}

impl BoundModel {
    #[must_use]
    pub fn output_names(&self) -> Vec<&str> {
        self.outputs.iter().map(|(n, _)| n.as_str()).collect()
    }

    /// Evaluates every output on the given inputs (in the order given to [`Model::bind`]).
    ///
    /// # Panics
    /// If `inputs` does not have one value per bound input name (a programming error).
    pub fn eval<S: Scalar>(&self, inputs: &[S]) -> Vec<S> {
        assert_eq!(
            inputs.len(),
            self.n_inputs,
            "invariant: one value per input"
        );
        let mut slots: Vec<S> = inputs.to_vec();
        for (_, e) in &self.outputs {
            let v = eval(e, &slots);
            slots.push(v);
        }
        slots.split_off(self.n_inputs)
    }
}

fn eval<S: Scalar>(e: &Bound, slots: &[S]) -> S {
    match e {
        Bound::Num(v) => S::constant(*v),
        Bound::Slot(i) => slots[*i].clone(),
        Bound::Neg(a) => eval(a, slots).neg(),
        Bound::Add(a, b) => eval(a, slots).add(&eval(b, slots)),
        Bound::Sub(a, b) => eval(a, slots).sub(&eval(b, slots)),
        Bound::Mul(a, b) => eval(a, slots).mul(&eval(b, slots)),
        Bound::Div(a, b) => eval(a, slots).div(&eval(b, slots)),
        Bound::Pow(a, b) => eval(a, slots).pow(&eval(b, slots)),
        Bound::Call(f, a) => eval(a, slots).apply(*f),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval1(text: &str, names: &[&str], values: &[f64]) -> f64 {
        let m = Model::parse(text).unwrap();
        m.bind(names).unwrap().eval(values)[0]
    }

    #[test]
    fn follows_the_usual_precedence() {
        assert_eq!(eval1("y = 2 + 3 * 4", &[], &[]), 14.0);
        assert_eq!(eval1("y = -2^2", &[], &[]), -4.0);
        assert_eq!(eval1("y = 2^3^2", &[], &[]), 512.0);
        assert_eq!(eval1("y = 2**3", &[], &[]), 8.0);
        assert_eq!(eval1("y = (a - b) / 2", &["a", "b"], &[5.0, 1.0]), 2.0);
        assert!((eval1("y = pow(a, 0.5) + log10(100)", &["a"], &[9.0]) - 5.0).abs() < 1e-12);
    }

    #[test]
    fn accepts_greek_names_and_exponents() {
        let v = eval1(
            "l = ls*(1 - α*θ) + 1.5e-3",
            &["ls", "α", "θ"],
            &[10.0, 0.1, 1.0],
        );
        assert!((v - 9.0015).abs() < 1e-12);
    }

    #[test]
    fn later_outputs_may_use_earlier_ones() {
        let m = Model::parse("a = x * 2\nb = a + 1").unwrap();
        assert_eq!(m.input_names(), vec!["x"]);
        assert_eq!(m.bind(&["x"]).unwrap().eval(&[3.0]), vec![6.0, 7.0]);
    }

    #[test]
    fn names_an_unknown_quantity() {
        let m = Model::parse("y = a + b").unwrap();
        let e = m.bind(&["a"]).unwrap_err();
        assert!(e[0].message.contains("unknown quantity `b`"), "{e:?}");
    }

    #[test]
    fn an_output_used_before_it_is_defined_is_an_error() {
        let m = Model::parse("a = b + x\nb = x").unwrap();
        let e = m.bind(&["x"]).unwrap_err();
        assert!(e[0].message.contains("defined later"), "{e:?}");
    }

    #[test]
    fn reports_columns_of_syntax_errors() {
        let e = Model::parse("y = sqrt(a").unwrap_err();
        assert_eq!(e[0].column, 11);
        let e = Model::parse("y = foo(a)").unwrap_err();
        assert!(e[0].message.contains("unknown function `foo`"));
        assert_eq!(e[0].column, 5);
        let e = Model::parse("a + b").unwrap_err();
        assert!(e[0].message.contains("must start with the output's name"));
        let e = Model::parse("y = a $ b").unwrap_err();
        assert_eq!(
            (e[0].column, e[0].message.as_str()),
            (7, "unexpected character `$`")
        );
        let e = Model::parse("y = pow(a)").unwrap_err();
        assert!(e[0].message.contains("takes 2 arguments"));
    }

    #[test]
    fn reports_every_broken_equation() {
        let e = Model::parse("y = a +\nz = )").unwrap_err();
        assert_eq!(e.len(), 2);
        assert_eq!(e[1].equation, 1);
    }

    #[test]
    fn named_equations_must_agree_with_their_key() {
        assert!(Model::parse_named("R", "R = V/I").is_ok());
        assert!(Model::parse_named("R", "V/I").is_ok());
        assert!(Model::parse_named("R", "X = V/I").is_err());
    }
}
