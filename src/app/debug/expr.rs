//! The `--where` language of `find`: a small recursive-descent parser and
//! its evaluation against a state just before and just after an event.
//!
//! ```text
//! expr    := and ("or" and)*
//! and     := unary ("and" unary)*
//! unary   := "not" unary | primary
//! primary := "(" expr ")" | "changed" "(" PATH ")" | operand [op operand]
//! op      := "=" | "==" | "!=" | "<" | "<=" | ">" | ">="
//! operand := PATH | NUMBER | STRING | "true" | "false" | "null"
//! ```
//!
//! A path absent from the state reads as `null`. `=`/`!=` compare JSON
//! values (numbers by value); `<`… compare two numbers, two strings or two
//! booleans, and are false for anything else. A lone operand holds when it
//! is `true`. `changed(PATH)` holds when the value at PATH differs before
//! and after the event (appearing or disappearing is a change).

use std::borrow::Cow;

use serde_json::Value;

use super::path::{Path, State};

mod lex;

use lex::{Tok, Token};

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl Op {
    /// As written.
    #[must_use]
    pub fn symbol(self) -> &'static str {
        match self {
            Self::Eq => "=",
            Self::Ne => "!=",
            Self::Lt => "<",
            Self::Le => "<=",
            Self::Gt => ">",
            Self::Ge => ">=",
        }
    }
}

/// A value in an expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// The value at a dotted path of the state.
    Path(Path),
    /// A literal.
    Lit(Value),
}

/// A parsed expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// `a or b`
    Or(Box<Expr>, Box<Expr>),
    /// `a and b`
    And(Box<Expr>, Box<Expr>),
    /// `not a`
    Not(Box<Expr>),
    /// `a op b`
    Cmp(Operand, Op, Operand),
    /// A lone operand: holds when it is `true`.
    Is(Operand),
    /// `changed(PATH)`
    Changed(Path),
}

/// Why an expression did not parse, and where (a character column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExprError {
    /// What was wrong.
    pub message: String,
    /// Column (in characters) of the offending token.
    pub column: usize,
}

impl ExprError {
    /// The message line, the expression, and a caret under the bad token.
    #[must_use]
    pub fn render(&self, source: &str) -> String {
        let shown = source.replace(['\n', '\r', '\t'], " ");
        format!("bad expression: {}\n  {shown}\n  {}^", self.message, " ".repeat(self.column))
    }
}

impl Expr {
    /// Parses `source`.
    ///
    /// # Errors
    /// [`ExprError`] at the first token that does not fit the grammar.
    pub fn parse(source: &str) -> Result<Self, ExprError> {
        let tokens = lex::tokens(source)?;
        let mut p = Parser { tokens, at: 0 };
        let e = p.or()?;
        match p.peek() {
            Token { tok: Tok::End, .. } => Ok(e),
            t => Err(ExprError { message: format!("unexpected {}", t.tok.describe()), column: t.column }),
        }
    }

    /// Whether the expression holds for a state that was `before` and is
    /// `after` (`null` where there was none): JSON states, or read-model
    /// rows read in place ([`State`]).
    #[must_use]
    pub fn holds<S: State + ?Sized>(&self, before: &S, after: &S) -> bool {
        match self {
            Self::Or(a, b) => a.holds(before, after) || b.holds(before, after),
            Self::And(a, b) => a.holds(before, after) && b.holds(before, after),
            Self::Not(a) => !a.holds(before, after),
            Self::Cmp(a, op, b) => compare(&value(a, after), *op, &value(b, after)),
            Self::Is(a) => *value(a, after) == Value::Bool(true),
            Self::Changed(p) => before.at(p) != after.at(p),
        }
    }

    /// Whether the expression reads the state before the event
    /// (`changed(…)`): if not, it holds for a row that did not change
    /// exactly when it holds for the row after.
    #[must_use]
    pub fn reads_before(&self) -> bool {
        match self {
            Self::Or(a, b) | Self::And(a, b) => a.reads_before() || b.reads_before(),
            Self::Not(a) => a.reads_before(),
            Self::Cmp(..) | Self::Is(_) => false,
            Self::Changed(_) => true,
        }
    }

    /// Every path the expression reads, in order of appearance, once each.
    #[must_use]
    pub fn paths(&self) -> Vec<&Path> {
        fn walk<'e>(e: &'e Expr, out: &mut Vec<&'e Path>) {
            let mut add = |o: &'e Operand| {
                if let Operand::Path(p) = o
                    && !out.contains(&p)
                {
                    out.push(p);
                }
            };
            match e {
                Expr::Or(a, b) | Expr::And(a, b) => {
                    walk(a, out);
                    walk(b, out);
                }
                Expr::Not(a) => walk(a, out),
                Expr::Cmp(a, _, b) => {
                    add(a);
                    add(b);
                }
                Expr::Is(a) => add(a),
                Expr::Changed(p) => {
                    if !out.contains(&p) {
                        out.push(p);
                    }
                }
            }
        }
        let mut out = Vec::new();
        walk(self, &mut out);
        out
    }
}

fn value<'v, S: State + ?Sized>(o: &'v Operand, state: &'v S) -> Cow<'v, Value> {
    match o {
        Operand::Path(p) => state.at(p).unwrap_or(Cow::Owned(Value::Null)),
        Operand::Lit(v) => Cow::Borrowed(v),
    }
}

/// Two JSON values equal, numbers by value (`1 = 1.0`).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => x == y,
            _ => x.as_f64() == y.as_f64(),
        },
        _ => a == b,
    }
}

fn compare(a: &Value, op: Op, b: &Value) -> bool {
    use std::cmp::Ordering;
    let ord: Option<Ordering> = match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => Some(x.cmp(&y)),
            _ => x.as_f64().zip(y.as_f64()).and_then(|(x, y)| x.partial_cmp(&y)),
        },
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        _ => None,
    };
    match op {
        Op::Eq => same(a, b),
        Op::Ne => !same(a, b),
        Op::Lt => ord == Some(Ordering::Less),
        Op::Le => matches!(ord, Some(Ordering::Less | Ordering::Equal)),
        Op::Gt => ord == Some(Ordering::Greater),
        Op::Ge => matches!(ord, Some(Ordering::Greater | Ordering::Equal)),
    }
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> &Token {
        // The lexer always ends with `End`.
        &self.tokens[self.at.min(self.tokens.len() - 1)]
    }

    fn next(&mut self) -> Token {
        let t = self.peek().clone();
        if self.at < self.tokens.len() - 1 {
            self.at += 1;
        }
        t
    }

    fn expect(&mut self, want: &Tok, what: &str) -> Result<(), ExprError> {
        let t = self.next();
        if &t.tok == want {
            return Ok(());
        }
        Err(ExprError { message: format!("expected {what}, found {}", t.tok.describe()), column: t.column })
    }

    fn or(&mut self) -> Result<Expr, ExprError> {
        let mut e = self.and()?;
        while self.peek().tok == Tok::Or {
            self.next();
            e = Expr::Or(Box::new(e), Box::new(self.and()?));
        }
        Ok(e)
    }

    fn and(&mut self) -> Result<Expr, ExprError> {
        let mut e = self.unary()?;
        while self.peek().tok == Tok::And {
            self.next();
            e = Expr::And(Box::new(e), Box::new(self.unary()?));
        }
        Ok(e)
    }

    fn unary(&mut self) -> Result<Expr, ExprError> {
        if self.peek().tok == Tok::Not {
            self.next();
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, ExprError> {
        match self.peek().tok {
            Tok::Open => {
                self.next();
                let e = self.or()?;
                self.expect(&Tok::Close, "`)`")?;
                Ok(e)
            }
            Tok::Changed => {
                self.next();
                self.expect(&Tok::Open, "`(` after `changed`")?;
                let t = self.next();
                let Tok::Path(p) = t.tok else {
                    return Err(ExprError {
                        message: format!("expected a path in `changed(…)`, found {}", t.tok.describe()),
                        column: t.column,
                    });
                };
                self.expect(&Tok::Close, "`)`")?;
                Ok(Expr::Changed(p))
            }
            _ => {
                let a = self.operand()?;
                let Tok::Op(op) = self.peek().tok else { return Ok(Expr::Is(a)) };
                self.next();
                Ok(Expr::Cmp(a, op, self.operand()?))
            }
        }
    }

    fn operand(&mut self) -> Result<Operand, ExprError> {
        let t = self.next();
        match t.tok {
            Tok::Path(p) => Ok(Operand::Path(p)),
            Tok::Lit(v) => Ok(Operand::Lit(v)),
            other => {
                Err(ExprError { message: format!("expected a value, found {}", other.describe()), column: t.column })
            }
        }
    }
}

#[cfg(test)]
mod tests;
