//! The library's error type: what went wrong building a rule set.

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
    pub(crate) fn parse(source: &str, line: Option<usize>, message: impl Into<String>) -> Error {
        Error {
            kind: ErrorKind::Parse {
                source: source.to_string(),
                line,
            },
            message: message.into(),
        }
    }

    pub(crate) fn rule(source: &str, rule_id: &str, message: impl Into<String>) -> Error {
        Error {
            kind: ErrorKind::Rule {
                source: source.to_string(),
                rule_id: rule_id.to_string(),
                line: None,
            },
            message: message.into(),
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
