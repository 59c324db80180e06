//! Tokens of the `--where` language, each with its character column.

use serde_json::Value;

use super::{ExprError, Op};
use crate::app::debug::path::Path;

/// A token's kind.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    Path(Path),
    Lit(Value),
    Op(Op),
    And,
    Or,
    Not,
    Changed,
    Open,
    Close,
    End,
}

impl Tok {
    pub(super) fn describe(&self) -> String {
        match self {
            Self::Path(p) => format!("`{p}`"),
            Self::Lit(v) => format!("`{v}`"),
            Self::Op(op) => format!("`{}`", op.symbol()),
            Self::And => "`and`".into(),
            Self::Or => "`or`".into(),
            Self::Not => "`not`".into(),
            Self::Changed => "`changed`".into(),
            Self::Open => "`(`".into(),
            Self::Close => "`)`".into(),
            Self::End => "the end of the expression".into(),
        }
    }
}

/// A token and the column (in characters) it starts at.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Token {
    pub tok: Tok,
    pub column: usize,
}

fn err(message: impl Into<String>, column: usize) -> ExprError {
    ExprError { message: message.into(), column }
}

/// The tokens of `source`, ending with [`Tok::End`].
pub(super) fn tokens(source: &str) -> Result<Vec<Token>, ExprError> {
    let chars: Vec<char> = source.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        let tok = match c {
            c if c.is_whitespace() => {
                i += 1;
                continue;
            }
            '(' => {
                i += 1;
                Tok::Open
            }
            ')' => {
                i += 1;
                Tok::Close
            }
            '=' | '!' | '<' | '>' => {
                let two = chars.get(i + 1) == Some(&'=');
                i += if two { 2 } else { 1 };
                Tok::Op(match (c, two) {
                    ('=', _) => Op::Eq,
                    ('!', true) => Op::Ne,
                    ('<', false) => Op::Lt,
                    ('<', true) => Op::Le,
                    ('>', false) => Op::Gt,
                    ('>', true) => Op::Ge,
                    _ => return Err(err("`!` must be followed by `=` (use `not` to negate)", start)),
                })
            }
            '"' => {
                let (s, end) = string(&chars, i)?;
                i = end;
                Tok::Lit(Value::String(s))
            }
            c if c.is_ascii_digit() || (c == '-' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) => {
                i += 1;
                while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                    i += 1;
                }
                let text: String = chars[start..i].iter().collect();
                let n: serde_json::Number =
                    text.parse().map_err(|_| err(format!("`{text}` is not a number"), start))?;
                Tok::Lit(Value::Number(n))
            }
            c if c.is_alphabetic() || c == '_' => {
                while i < chars.len() && (chars[i].is_alphanumeric() || matches!(chars[i], '_' | '.' | '-')) {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                match word.as_str() {
                    "and" => Tok::And,
                    "or" => Tok::Or,
                    "not" => Tok::Not,
                    "changed" => Tok::Changed,
                    "true" => Tok::Lit(Value::Bool(true)),
                    "false" => Tok::Lit(Value::Bool(false)),
                    "null" => Tok::Lit(Value::Null),
                    _ => Tok::Path(Path::parse(&word).map_err(|m| err(m, start))?),
                }
            }
            other => return Err(err(format!("unexpected character `{}`", other.escape_debug()), start)),
        };
        out.push(Token { tok, column: start });
    }
    out.push(Token { tok: Tok::End, column: chars.len() });
    Ok(out)
}

/// A `"…"` string starting at `chars[at]` (escapes: `\"`, `\\`, `\n`, `\t`);
/// returns it and the index after its closing quote.
fn string(chars: &[char], at: usize) -> Result<(String, usize), ExprError> {
    let mut s = String::new();
    let mut i = at + 1;
    while i < chars.len() {
        match chars[i] {
            '"' => return Ok((s, i + 1)),
            '\\' => {
                let escaped = match chars.get(i + 1) {
                    Some('"') => '"',
                    Some('\\') => '\\',
                    Some('n') => '\n',
                    Some('t') => '\t',
                    _ => return Err(err("unknown escape in a string (use \\\" \\\\ \\n \\t)", i)),
                };
                s.push(escaped);
                i += 2;
            }
            c => {
                s.push(c);
                i += 1;
            }
        }
    }
    Err(err("unterminated string", at))
}
