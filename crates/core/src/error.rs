//! The library's error type: what went wrong building a rule set; and [`redact`], which
//! keeps secret-shaped values out of any error message.

use std::borrow::Cow;
use std::fmt;

/// An error from building a [`RuleSet`](crate::RuleSet): a rule file that does not parse,
/// or a rule that does not compile or fails its lint. The message names the source and the
/// rule id involved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
}

/// What kind of [`Error`] it is.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The rule file is not valid TOML or does not have the rule file's shape.
    Parse {
        /// Where the rules came from (a file name, `builtin:aws.toml`).
        source: String,
        /// 1-based line of the problem, when known.
        line: Option<usize>,
    },
    /// A rule is wrong: bad id, regex, anchor, severity, example.
    Rule {
        /// Where the rules came from.
        source: String,
        /// The rule's id.
        rule_id: String,
        /// 1-based line of the rule's `id` in its file, when known.
        line: Option<usize>,
    },
}

impl Error {
    /// A parse error; `message` (a parser's, which may quote a value) is [`redact`]ed.
    pub(crate) fn parse(source: &str, line: Option<usize>, message: &str) -> Error {
        Error {
            kind: ErrorKind::Parse {
                source: source.to_string(),
                line,
            },
            message: redact(message).into_owned(),
        }
    }

    /// A rule error; the id (which may be anything when it is malformed) and the message
    /// (which may quote a field) are [`redact`]ed.
    pub(crate) fn rule(source: &str, rule_id: &str, message: impl Into<String>) -> Error {
        Error {
            kind: ErrorKind::Rule {
                source: source.to_string(),
                rule_id: redact(rule_id).into_owned(),
                line: None,
            },
            message: redact(&message.into()).into_owned(),
        }
    }

    /// The same error, located at the line of `id = "<rule id>"` in `text` (the file the
    /// rule came from), when it can be found there.
    pub(crate) fn at_rule_line(mut self, text: &str) -> Error {
        if let ErrorKind::Rule { rule_id, line, .. } = &mut self.kind {
            *line = text
                .lines()
                .position(|l| {
                    let l = l.trim_start();
                    l.starts_with("id") && l.contains(&format!("\"{rule_id}\""))
                        || l.contains(&format!("'{rule_id}'"))
                })
                .map(|i| i + 1);
        }
        self
    }

    /// What kind of error this is.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// The message without the location prefix.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::Parse {
                source,
                line: Some(line),
            } => {
                write!(f, "{source}:{line}: {}", self.message)
            }
            ErrorKind::Parse { source, line: None } => write!(f, "{source}: {}", self.message),
            ErrorKind::Rule {
                source,
                rule_id,
                line: Some(line),
            } => write!(f, "{source}:{line}: rule {rule_id}: {}", self.message),
            ErrorKind::Rule {
                source,
                rule_id,
                line: None,
            } => write!(f, "{source}: rule {rule_id}: {}", self.message),
        }
    }
}

impl std::error::Error for Error {}

/// Runs this long or longer of base64-ish characters are masked by [`redact`]: shorter
/// than any AWS key id (20), secret (40) or token, longer than the words of a message.
pub const REDACT_RUN: usize = 16;

/// `text` with every secret-shaped run masked: a run of [`REDACT_RUN`] or more characters
/// from `A-Z a-z 0-9 + / % \` (base64, with URL and JSON escapes) keeps its first 4
/// characters and loses the rest. Parsers (TOML, serde, regex, globs, URLs) quote the
/// offending value in their messages; every message keyhound shows from one goes through
/// here, so a key pasted into the wrong field is never printed back.
///
/// ```
/// use keyhound_core::redact;
///
/// let message = "invalid type: string \"R9oUz3yBJb2fM+Xq0sLtV7hnKe4WdYa1pCgI/6Tw\", expected u64";
/// assert_eq!(redact(message), "invalid type: string \"R9oU…\", expected u64");
/// assert_eq!(redact("unknown field `max_file_sizes`"), "unknown field `max_file_sizes`");
/// ```
pub fn redact(text: &str) -> Cow<'_, str> {
    fn in_run(c: char) -> bool {
        c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '%' | '\\')
    }
    let mut out = String::new();
    // The unmasked text not yet copied starts here.
    let mut copied = 0;
    let mut run_start = None;
    let chars = text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')));
    for (at, c) in chars {
        match (in_run(c), run_start) {
            (true, None) => run_start = Some(at),
            (false, Some(start)) => {
                run_start = None;
                if text[start..at].len() >= REDACT_RUN {
                    // Every run character is ASCII: byte 4 is a character boundary.
                    out.push_str(&text[copied..start + 4]);
                    out.push('…');
                    copied = at;
                }
            }
            _ => {}
        }
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}
