//! keyhound-config reads `.keyhound.toml`: custom rules (same schema as the built-ins),
//! disabled rules, path and value allowlists, the size limit and the example-key policy.
//!
//! A scan looks for the file at its root (the repository's work tree for git scans), or
//! is given one; an embedder that scans untrusted trees (CI on a pull request) passes
//! `no_config` so the tree cannot switch detection off. Everything a configuration
//! suppresses is counted in the report's stats: disabled rules, and findings dropped by
//! each allowlist (the configuration file itself, whose rules carry examples, counts as
//! allowlisted by path).
//!
//! [`scan_root`] says where a scan of several paths looks for the file. [`SourceFilter`]
//! applies a configuration, inline suppressions and a baseline to one source at a time,
//! for a report written as the scan goes. [`parse_size`] and [`parse_duration`] read
//! sizes and durations as flags give them.
//!
//! ```
//! use keyhound_config::Config;
//!
//! let dir = tempfile::tempdir()?;
//! std::fs::write(
//!     dir.path().join(".keyhound.toml"),
//!     "max_file_size = \"1M\"\n[allowlist]\nvalues = [\"AKIAQWZ7RNE3OSJHKV4D\"]\n",
//! )?;
//! let config = Config::resolve(None, false, dir.path())?;
//! assert_eq!(config.max_file_size, Some(1 << 20));
//! assert_eq!(config.file_size_limit(None), 1 << 20);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

mod duration;
mod root;
mod sources;

pub use duration::{parse_duration, DurationError, MAX_DURATION, MIN_DURATION};
pub use root::scan_root;
pub use sources::SourceFilter;

use std::path::{Path, PathBuf};

use globset::{Glob, GlobSetBuilder};
use keyhound_core::{redact, regex_problem, RuleSet, Scanner, DEFAULT_MAX_FINDINGS};
pub use keyhound_report::ExamplePolicy;
use keyhound_report::{Allowlist, Report};
use regex::{Regex, RegexBuilder};
use serde::Deserialize;

/// The configuration file name looked for at the scan root.
pub const FILE_NAME: &str = ".keyhound.toml";

/// `examples = "report" | "fail" | "ignore"` in the file.
#[derive(Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
enum ExamplesFile {
    Report,
    Fail,
    Ignore,
}

impl From<ExamplesFile> for ExamplePolicy {
    fn from(policy: ExamplesFile) -> ExamplePolicy {
        match policy {
            ExamplesFile::Report => ExamplePolicy::Report,
            ExamplesFile::Fail => ExamplePolicy::Fail,
            ExamplesFile::Ignore => ExamplePolicy::Ignore,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    /// Custom rules, read by keyhound-core.
    #[serde(default)]
    rules: Vec<toml::Value>,
    #[serde(default)]
    disable: Vec<String>,
    #[serde(default)]
    allowlist: AllowlistFile,
    max_file_size: Option<toml::Value>,
    max_findings: Option<toml::Value>,
    examples: Option<ExamplesFile>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AllowlistFile {
    #[serde(default)]
    paths: Vec<String>,
    #[serde(default)]
    values: Vec<String>,
    #[serde(default)]
    value_patterns: Vec<String>,
}

/// A loaded configuration, or the defaults.
#[derive(Clone, Debug)]
pub struct Config {
    /// The file it came from.
    pub source: Option<PathBuf>,
    /// The rules to scan with: built-ins, custom rules, minus disabled ones.
    pub rules: RuleSet,
    /// Rule ids the configuration disabled.
    pub disabled: Vec<String>,
    /// What the configuration leaves out of reports (its own file included).
    pub allowlist: Allowlist,
    /// `max_file_size`, if set.
    pub max_file_size: Option<u64>,
    /// `max_findings`, if set: the most findings one input may hold before the rest of
    /// it is left unscanned (and the scan reported incomplete). At most
    /// [`DEFAULT_MAX_FINDINGS`]: a configuration can lower the cap, never raise it.
    pub max_findings: Option<usize>,
    /// The example-key policy.
    pub examples: ExamplePolicy,
}

/// Why a configuration could not be used. Its message names the file and, where it can,
/// the line and the field; it never quotes a secret-shaped value (what parsers say is
/// passed through [`keyhound_core::redact`]).
#[derive(Debug)]
pub struct ConfigError {
    /// The configuration file.
    pub path: PathBuf,
    /// The line the problem is on, from 1, when known.
    pub line: Option<usize>,
    /// What is wrong.
    pub kind: ConfigErrorKind,
}

/// What is wrong with a configuration file.
#[derive(Debug)]
pub enum ConfigErrorKind {
    /// It could not be read.
    Read(std::io::Error),
    /// It is not TOML of the configuration's shape.
    Syntax(String),
    /// A custom rule is wrong.
    Rule(Box<keyhound_core::Error>),
    /// `disable` names a rule that does not exist.
    UnknownRule(String),
    /// An `allowlist.paths` glob is invalid.
    Glob(String),
    /// An `allowlist.value_patterns` regex is invalid.
    Regex(String),
    /// `max_file_size` is not a size.
    Size(String),
    /// `max_findings` is not a count from 1 to [`DEFAULT_MAX_FINDINGS`].
    MaxFindings(String),
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let path = self.path.display();
        match (&self.kind, self.line) {
            (ConfigErrorKind::Read(err), _) => {
                return write!(f, "reading the configuration {path}: {err}")
            }
            (ConfigErrorKind::Rule(err), _) => return write!(f, "{err}"),
            (_, Some(line)) => write!(f, "{path}:{line}: ")?,
            (_, None) => write!(f, "{path}: ")?,
        }
        match &self.kind {
            ConfigErrorKind::Syntax(message) => write!(f, "{message}"),
            ConfigErrorKind::UnknownRule(id) => {
                write!(f, "disable: no rule {id:?} (see `keyhound rules list`)")
            }
            ConfigErrorKind::Glob(message) => write!(f, "allowlist.paths: {message}"),
            ConfigErrorKind::Regex(message) => {
                write!(f, "allowlist.value_patterns: invalid regex: {message}")
            }
            ConfigErrorKind::Size(message) => write!(f, "max_file_size: {message}"),
            ConfigErrorKind::MaxFindings(message) => write!(f, "max_findings: {message}"),
            ConfigErrorKind::Read(_) | ConfigErrorKind::Rule(_) => Ok(()),
        }
    }
}

impl std::error::Error for ConfigError {}

impl Default for Config {
    /// The built-in rules and nothing else.
    fn default() -> Config {
        Config {
            source: None,
            rules: RuleSet::builtin(),
            disabled: Vec::new(),
            allowlist: Allowlist::default(),
            max_file_size: None,
            max_findings: None,
            examples: ExamplePolicy::Report,
        }
    }
}

impl Config {
    /// The configuration for a scan rooted at `root`: `config` when given (it must
    /// exist), else nothing when `no_config` (the scanned tree is not trusted), else
    /// `root/.keyhound.toml` when present, else the defaults.
    pub fn resolve(
        config: Option<&Path>,
        no_config: bool,
        root: &Path,
    ) -> Result<Config, ConfigError> {
        match (config, no_config) {
            (Some(path), _) => Config::load(path),
            (None, true) => Ok(Config::default()),
            (None, false) => {
                let path = root.join(FILE_NAME);
                if path.is_file() {
                    Config::load(&path)
                } else {
                    Ok(Config::default())
                }
            }
        }
    }

    /// Reads and checks a configuration file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let error = |line: Option<usize>, kind| ConfigError {
            path: path.to_path_buf(),
            line,
            kind,
        };
        let text =
            std::fs::read_to_string(path).map_err(|err| error(None, ConfigErrorKind::Read(err)))?;
        let name = path.display().to_string();
        let line_of = |needle: &str| {
            Some(
                text.lines()
                    .position(|l| l.contains(needle))
                    .map_or(1, |i| i + 1),
            )
        };
        let file: File = toml::from_str(&text).map_err(|err| {
            // Counted in bytes: an offset inside a character cannot panic.
            let line = err.span().map_or(1, |span| {
                let before = &text.as_bytes()[..span.start.min(text.len())];
                1 + before.iter().filter(|&&b| b == b'\n').count()
            });
            let message = redact(err.message().trim()).into_owned();
            error(Some(line), ConfigErrorKind::Syntax(message))
        })?;
        let _ = &file.rules; // Parsed (strictly) by keyhound-core below.

        let mut builder = RuleSet::builder();
        builder.add_config_toml(&name, &text);
        for id in &file.disable {
            builder.disable(id);
        }
        let rules = builder.build().map_err(|err| match err.kind() {
            // The builder names `disable` as the source of an unknown disabled rule.
            keyhound_core::ErrorKind::Rule {
                source, rule_id, ..
            } if source == "disable" => error(
                line_of("disable"),
                ConfigErrorKind::UnknownRule(rule_id.clone()),
            ),
            _ => error(None, ConfigErrorKind::Rule(Box::new(err))),
        })?;

        let paths =
            if file.allowlist.paths.is_empty() {
                None
            } else {
                let mut set = GlobSetBuilder::new();
                for glob in &file.allowlist.paths {
                    let glob = Glob::new(glob).map_err(|e| {
                        error(
                            line_of(glob),
                            ConfigErrorKind::Glob(redact(&e.to_string()).into()),
                        )
                    })?;
                    set.add(glob);
                }
                Some(set.build().map_err(|e| {
                    error(None, ConfigErrorKind::Glob(redact(&e.to_string()).into()))
                })?)
            };
        let value_patterns = file
            .allowlist
            .value_patterns
            .iter()
            .map(|pattern| {
                RegexBuilder::new(pattern)
                    .size_limit(1 << 20)
                    .dfa_size_limit(1 << 20)
                    .nest_limit(64)
                    .build()
                    .map_err(|e| {
                        let message = redact(&regex_problem(&e)).into_owned();
                        error(line_of(pattern), ConfigErrorKind::Regex(message))
                    })
            })
            .collect::<Result<Vec<Regex>, ConfigError>>()?;
        let size_error = |message: String| {
            let message = redact(&message).into_owned();
            error(line_of("max_file_size"), ConfigErrorKind::Size(message))
        };
        let max_file_size = match &file.max_file_size {
            None => None,
            Some(toml::Value::Integer(n)) if *n >= 0 => Some(*n as u64),
            Some(toml::Value::String(s)) => Some(parse_size(s).map_err(size_error)?),
            Some(other) => {
                return Err(size_error(format!(
                    "expected a size such as 67108864 or \"64M\", found a {}",
                    other.type_str()
                )))
            }
        };
        let max_findings = match &file.max_findings {
            None => None,
            Some(toml::Value::Integer(n)) if (1..=DEFAULT_MAX_FINDINGS as i64).contains(n) => {
                Some(*n as usize)
            }
            Some(other) => {
                // Not quoted: a value in a hostile file could be anything.
                return Err(error(
                    line_of("max_findings"),
                    ConfigErrorKind::MaxFindings(format!(
                        "expected a whole number from 1 to {DEFAULT_MAX_FINDINGS}, found {}",
                        match other {
                            toml::Value::Integer(_) => "one out of that range",
                            other => other.type_str(),
                        }
                    )),
                ));
            }
        };
        let examples = file.examples.map(ExamplePolicy::from).unwrap_or_default();
        Ok(Config {
            source: Some(path.to_path_buf()),
            rules,
            disabled: file.disable,
            allowlist: Allowlist {
                paths,
                values: file.allowlist.values.into_iter().collect(),
                value_patterns,
                examples,
                own_file: Some(path.to_path_buf()),
            },
            max_file_size,
            max_findings,
            examples,
        })
    }

    /// A scanner of these rules with this configuration's findings cap.
    pub fn scanner(&self) -> Scanner {
        Scanner::new(self.rules.clone())
            .with_max_findings(self.max_findings.unwrap_or(DEFAULT_MAX_FINDINGS))
    }

    /// The size limit for files and standard input: `flag` when given, else the
    /// configuration's, else none (large files are streamed in bounded memory).
    pub fn file_size_limit(&self, flag: Option<u64>) -> u64 {
        flag.or(self.max_file_size).unwrap_or(u64::MAX)
    }

    /// The size limit for git blobs, which are inflated whole into memory: `flag` when
    /// given, else the configuration's, else 64 MiB.
    pub fn blob_size_limit(&self, flag: Option<u64>) -> u64 {
        flag.or(self.max_file_size)
            .unwrap_or(DEFAULT_BLOB_SIZE_LIMIT)
    }

    /// Whether example keys fail the scan: `flag`, or the `fail` policy.
    pub fn fail_on_examples(&self, flag: bool) -> bool {
        flag || self.examples == ExamplePolicy::Fail
    }

    /// Records the configuration in `report`'s stats and drops the findings its
    /// allowlists and example policy leave out, counting each.
    pub fn apply(&self, report: &mut Report) {
        report.stats.config = self.source.as_ref().map(|p| p.display().to_string());
        report.stats.rules_disabled = self.disabled.clone();
        self.allowlist.apply(report);
    }
}

/// The size limit for git blobs when none is set: they are inflated whole.
pub const DEFAULT_BLOB_SIZE_LIMIT: u64 = 64 << 20;

/// Parses `123`, `64K`, `64M`, `2G` (powers of 1024).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (digits, multiplier) = match text.char_indices().last() {
        Some((i, 'k' | 'K')) => (&text[..i], 1u64 << 10),
        Some((i, 'm' | 'M')) => (&text[..i], 1 << 20),
        Some((i, 'g' | 'G')) => (&text[..i], 1 << 30),
        _ => (text, 1),
    };
    let number: u64 = digits
        .parse()
        .map_err(|_| format!("{text:?} is not a size (examples: 1048576, 512K, 64M, 2G)"))?;
    number
        .checked_mul(multiplier)
        .ok_or_else(|| format!("{text:?} is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_size("64M"), Ok(64 << 20));
        assert_eq!(parse_size("512k"), Ok(512 << 10));
        assert_eq!(parse_size("100"), Ok(100));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("99999999999G").is_err());
    }

    #[test]
    fn a_bad_custom_rule_is_not_taken_for_an_unknown_disabled_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.toml");
        std::fs::write(
            &path,
            "disable = [\"mine\"]\n[[rules]]\nid = \"mine\"\nname = \"x\"\nkind = \"access-key-id\"\nregex = \"(\"\n",
        )
        .unwrap();
        let err = Config::load(&path).unwrap_err();
        assert!(matches!(err.kind, ConfigErrorKind::Rule(_)), "{err}");
        std::fs::write(&path, "disable = [\"no-such-rule\"]\n").unwrap();
        let err = Config::load(&path).unwrap_err();
        assert!(
            matches!(&err.kind, ConfigErrorKind::UnknownRule(id) if id == "no-such-rule"),
            "{err}"
        );
        assert_eq!(err.line, Some(1));
    }
}
