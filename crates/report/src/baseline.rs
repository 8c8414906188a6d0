//! Baselines: the findings a repository already has, written once and tracked, so that a
//! scan reports only new ones.
//!
//! The file is JSON, deterministic and merge-friendly: entries sorted by path, rule and
//! fingerprint, one per line, no timestamps, no secrets. An entry is keyed on what does not
//! change when lines move: the path, the rule and the finding's fingerprint (a hash of rule
//! and secret). Not even key ids are written, so a scan of the baseline finds nothing.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use keyhound_core::redact;
use serde::Deserialize;

use crate::model::{Entry, Report};

/// The file name `keyhound baseline` writes.
pub const FILE_NAME: &str = ".keyhound-baseline.json";

/// Bumped on incompatible changes to the file.
const VERSION: u32 = 1;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    version: u32,
    tool: String,
    entries: Vec<Entry>,
}

/// The findings a repository already has.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Baseline {
    entries: BTreeSet<Entry>,
}

/// Why a baseline could not be read or written. Its message names the file and never
/// quotes a value from it.
#[derive(Debug)]
pub struct BaselineError {
    /// The baseline file.
    pub path: PathBuf,
    /// What went wrong.
    pub kind: BaselineErrorKind,
}

/// What went wrong with a baseline file.
#[derive(Debug)]
pub enum BaselineErrorKind {
    /// It could not be read.
    Read(std::io::Error),
    /// It could not be written.
    Write(std::io::Error),
    /// It is not JSON of the baseline's shape.
    Syntax {
        /// The line the parser stopped at.
        line: usize,
        /// What the parser said.
        message: String,
    },
    /// It is a baseline of another version.
    Version {
        /// The version it says.
        version: u32,
    },
    /// It is not keyhound's: its `tool` is another (not quoted: it could be anything).
    Tool,
    /// An entry's fingerprint is not 64 lower-case hex digits.
    Fingerprint {
        /// The entry's position, from 1.
        entry: usize,
    },
}

impl fmt::Display for BaselineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path.display();
        match &self.kind {
            BaselineErrorKind::Read(err) => write!(f, "reading the baseline {path}: {err}"),
            BaselineErrorKind::Write(err) => write!(f, "writing the baseline {path}: {err}"),
            BaselineErrorKind::Syntax { line, message } => {
                write!(f, "{path}:{line}: not a keyhound baseline: {message}")
            }
            BaselineErrorKind::Version { version } => write!(
                f,
                "{path}: baseline version {version} is not keyhound's version {VERSION}"
            ),
            BaselineErrorKind::Tool => {
                write!(
                    f,
                    "{path}: tool: not a keyhound baseline (tool is not \"keyhound\")"
                )
            }
            BaselineErrorKind::Fingerprint { entry } => write!(
                f,
                "{path}: entry {entry}: the fingerprint is not 64 lower-case hex digits"
            ),
        }
    }
}

impl std::error::Error for BaselineError {}

impl Baseline {
    /// The baseline of every finding in `report`.
    pub fn of(report: &Report) -> Baseline {
        let entries = report
            .findings()
            .map(|(group, f)| Entry {
                path: group.source.display(),
                rule: f.rule_id.to_string(),
                fingerprint: f.fingerprint.to_hex(),
                kind: f.kind.as_str().to_string(),
            })
            .collect();
        Baseline { entries }
    }

    /// The entries, sorted.
    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter()
    }

    /// How many entries it has.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it has none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The file's text: two baselines of the same findings give the same bytes.
    pub fn render(&self) -> String {
        let mut text =
            format!("{{\n  \"version\": {VERSION},\n  \"tool\": \"keyhound\",\n  \"entries\": [");
        let lines: Vec<String> = self
            .entries
            .iter()
            .map(|entry| {
                format!(
                    "\n    {}",
                    serde_json::to_string(entry).expect("entries serialize")
                )
            })
            .collect();
        text.push_str(&lines.join(","));
        text.push_str(if lines.is_empty() {
            "]\n}\n"
        } else {
            "\n  ]\n}\n"
        });
        text
    }

    /// Writes the file to `path`.
    pub fn write(&self, path: &Path) -> Result<(), BaselineError> {
        std::fs::write(path, self.render()).map_err(|err| BaselineError {
            path: path.to_path_buf(),
            kind: BaselineErrorKind::Write(err),
        })
    }

    /// Reads a baseline file.
    pub fn load(path: &Path) -> Result<Baseline, BaselineError> {
        let text = std::fs::read_to_string(path).map_err(|err| BaselineError {
            path: path.to_path_buf(),
            kind: BaselineErrorKind::Read(err),
        })?;
        Baseline::parse(path, &text)
    }

    /// Reads a baseline's text; `path` names it in errors.
    pub fn parse(path: &Path, text: &str) -> Result<Baseline, BaselineError> {
        let error = |kind| BaselineError {
            path: path.to_path_buf(),
            kind,
        };
        let file: File = serde_json::from_str(text).map_err(|err| {
            // serde quotes the offending value or key: mask whatever looks like a secret.
            error(BaselineErrorKind::Syntax {
                line: err.line(),
                message: redact(&err.to_string()).into_owned(),
            })
        })?;
        if file.version != VERSION {
            return Err(error(BaselineErrorKind::Version {
                version: file.version,
            }));
        }
        if file.tool != "keyhound" {
            return Err(error(BaselineErrorKind::Tool));
        }
        let hex =
            |s: &str| s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if let Some(i) = file.entries.iter().position(|e| !hex(&e.fingerprint)) {
            return Err(error(BaselineErrorKind::Fingerprint { entry: i + 1 }));
        }
        Ok(Baseline {
            entries: file.entries.into_iter().collect(),
        })
    }

    /// Removes the findings this baseline knows from `report`, counting them
    /// ([`Stats::baselined`](crate::Stats::baselined)), and records the entries that
    /// matched nothing ([`Stats::baseline_stale`](crate::Stats::baseline_stale): the leak
    /// was removed, or the file moved).
    pub fn apply(&self, report: &mut Report) {
        let index: HashMap<(&str, &str, &str), usize> = self
            .entries
            .iter()
            .enumerate()
            .map(|(i, e)| {
                (
                    (e.path.as_str(), e.rule.as_str(), e.fingerprint.as_str()),
                    i,
                )
            })
            .collect();
        // Which entries matched a finding, by position: no ordered set of entries to keep.
        let mut matched = vec![false; self.entries.len()];
        let mut baselined = 0;
        for group in &mut report.sources {
            let path = group.source.display();
            group.findings.retain(|f| {
                let fingerprint = f.fingerprint.to_hex();
                match index.get(&(path.as_str(), f.rule_id.as_str(), fingerprint.as_str())) {
                    Some(&entry) => {
                        matched[entry] = true;
                        baselined += 1;
                        false
                    }
                    None => true,
                }
            });
        }
        report.recount();
        report.stats.baselined = baselined;
        report.stats.baseline_stale = self
            .entries
            .iter()
            .zip(&matched)
            .filter(|(_, &matched)| !matched)
            .map(|(e, _)| e.clone())
            .collect();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_checked_on_load() {
        let text = r#"{"version": 1, "tool": "keyhound", "entries": [
            {"path": "a", "rule": "r", "fingerprint": "abcdefghijké0123", "kind": "credential"}]}"#;
        let err = Baseline::parse(Path::new("b.json"), text).unwrap_err();
        assert!(matches!(
            err.kind,
            BaselineErrorKind::Fingerprint { entry: 1 }
        ));
        assert_eq!(
            err.to_string(),
            "b.json: entry 1: the fingerprint is not 64 lower-case hex digits"
        );
    }

    #[test]
    fn an_empty_baseline_round_trips() {
        let empty = Baseline::default();
        let text = empty.render();
        assert_eq!(Baseline::parse(Path::new("b"), &text).unwrap(), empty);
    }
}
