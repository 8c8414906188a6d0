//! `.keyhound.toml`: custom rules (same schema as the built-ins), disabled rules, path and
//! value allowlists, the size limit and the example-key policy.
//!
//! It is found at the scan root (the repository's work tree for git scans), or named with
//! `--config`; `--no-config` ignores any repository-local file, so a pull request cannot
//! switch detection off in CI. Everything a configuration suppresses is counted in the
//! summary: disabled rules, and findings dropped by each allowlist (the configuration file
//! itself, whose rules carry examples, counts as allowlisted by path).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context};
use globset::{Glob, GlobSet, GlobSetBuilder};
use keyhound_core::{RuleSet, Severity};
use regex::{Regex, RegexBuilder};
use serde::Deserialize;

use crate::args::OutputArgs;
use crate::report::{display_path, Report};

/// The configuration file name looked for at the scan root.
pub const FILE_NAME: &str = ".keyhound.toml";

/// What to do with AWS documentation's example keys.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExamplePolicy {
    /// Report them as `example` (info), without failing the scan. The default.
    #[default]
    Report,
    /// Report them and fail the scan, like any finding.
    Fail,
    /// Leave them out of the report (counted in the summary).
    Ignore,
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
    examples: Option<ExamplePolicy>,
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
pub struct Config {
    /// The file it came from.
    pub source: Option<PathBuf>,
    /// The rules to scan with: built-ins, custom rules, minus disabled ones.
    pub rules: RuleSet,
    /// Rule ids the configuration disabled.
    pub disabled: Vec<String>,
    paths: Option<GlobSet>,
    values: HashSet<String>,
    value_patterns: Vec<Regex>,
    /// `max_file_size`, if set.
    pub max_file_size: Option<u64>,
    /// The example-key policy.
    pub examples: ExamplePolicy,
}

impl Config {
    /// The built-in rules and nothing else.
    pub fn defaults() -> Config {
        Config {
            source: None,
            rules: RuleSet::builtin(),
            disabled: Vec::new(),
            paths: None,
            values: HashSet::new(),
            value_patterns: Vec::new(),
            max_file_size: None,
            examples: ExamplePolicy::Report,
        }
    }

    /// The configuration for a scan rooted at `root`, as `output` asks: `--no-config`
    /// ignores repository files (an explicit `--config` still counts), `--config FILE`
    /// must exist, otherwise `root/.keyhound.toml` is used when present.
    pub fn for_scan(output: &OutputArgs, root: &Path) -> anyhow::Result<Config> {
        Config::resolve(output.config.as_deref(), output.no_config, root)
    }

    /// As [`Config::for_scan`], from the two flags.
    pub fn resolve(config: Option<&Path>, no_config: bool, root: &Path) -> anyhow::Result<Config> {
        match (config, no_config) {
            (Some(path), _) => Config::load(path),
            (None, true) => Ok(Config::defaults()),
            (None, false) => {
                let path = root.join(FILE_NAME);
                if path.is_file() {
                    Config::load(&path)
                } else {
                    Ok(Config::defaults())
                }
            }
        }
    }

    /// Reads and checks a configuration file. Every error names the file and line.
    pub fn load(path: &Path) -> anyhow::Result<Config> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the configuration {}", path.display()))?;
        let name = path.display().to_string();
        let line_of = |needle: &str| {
            text.lines()
                .position(|l| l.contains(needle))
                .map_or(1, |i| i + 1)
        };
        let file: File = toml::from_str(&text).map_err(|err| {
            let line = err
                .span()
                .map_or(1, |span| 1 + text[..span.start].matches('\n').count());
            anyhow!("{name}:{line}: {}", err.message().trim())
        })?;
        let _ = &file.rules; // Parsed (strictly) by keyhound-core below.

        let mut builder = RuleSet::builder();
        builder.add_config_toml(&name, &text);
        for id in &file.disable {
            builder.disable(id);
        }
        let rules = builder.build().map_err(|err| match err.kind() {
            keyhound_core::ErrorKind::Rule { rule_id, .. }
                if rule_id == "disable" || file.disable.contains(rule_id) =>
            {
                anyhow!(
                    "{name}:{}: disable: no rule {rule_id:?} (see `keyhound rules list`)",
                    line_of("disable")
                )
            }
            _ => anyhow!("{err}"),
        })?;

        let paths = if file.allowlist.paths.is_empty() {
            None
        } else {
            let mut set = GlobSetBuilder::new();
            for glob in &file.allowlist.paths {
                let glob = Glob::new(glob)
                    .map_err(|e| anyhow!("{name}:{}: allowlist.paths: {e}", line_of(glob)))?;
                set.add(glob);
            }
            Some(
                set.build()
                    .map_err(|e| anyhow!("{name}: allowlist.paths: {e}"))?,
            )
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
                        anyhow!(
                            "{name}:{}: allowlist.value_patterns: invalid regex: {e}",
                            line_of(pattern)
                        )
                    })
            })
            .collect::<anyhow::Result<Vec<Regex>>>()?;
        let max_file_size =
            match &file.max_file_size {
                None => None,
                Some(toml::Value::Integer(n)) if *n >= 0 => Some(*n as u64),
                Some(toml::Value::String(s)) => Some(crate::args::parse_size(s).map_err(|e| {
                    anyhow!("{name}:{}: max_file_size: {e}", line_of("max_file_size"))
                })?),
                Some(other) => {
                    return Err(anyhow!(
                "{name}:{}: max_file_size: expected a size such as 67108864 or \"64M\", found a {}",
                line_of("max_file_size"),
                other.type_str()
            ))
                }
            };
        Ok(Config {
            source: Some(path.to_path_buf()),
            rules,
            disabled: file.disable,
            paths,
            values: file.allowlist.values.into_iter().collect(),
            value_patterns,
            max_file_size,
            examples: file.examples.unwrap_or_default(),
        })
    }

    /// The size limit for files and standard input: the flag when given, else the
    /// configuration's, else none (large files are streamed in bounded memory).
    pub fn max_file_size(&self, output: &OutputArgs) -> u64 {
        output
            .max_file_size
            .or(self.max_file_size)
            .unwrap_or(u64::MAX)
    }

    /// The size limit for git blobs, which are inflated whole into memory: the flag when
    /// given, else the configuration's, else 64 MiB.
    pub fn max_blob_size(&self, output: &OutputArgs) -> u64 {
        output
            .max_file_size
            .or(self.max_file_size)
            .unwrap_or(64 << 20)
    }

    /// Whether example keys fail the scan.
    pub fn fail_on_examples(&self, output: &OutputArgs) -> bool {
        output.fail_on_examples || self.examples == ExamplePolicy::Fail
    }

    /// Drops the findings the allowlists and the example policy leave out, counting each.
    pub fn apply(&self, report: &mut Report) {
        let stats = &mut report.stats;
        stats.config = self.source.as_ref().map(|p| p.display().to_string());
        stats.rules_disabled = self.disabled.clone();
        // The configuration's own rules carry examples: the file itself is allowlisted.
        let own_file = self.source.as_ref().and_then(|p| p.canonicalize().ok());
        for file in &mut report.files {
            let path = display_path(&file.path);
            let is_own_file = own_file.is_some() && file.path.canonicalize().ok() == own_file;
            let path_allowed =
                is_own_file || self.paths.as_ref().is_some_and(|set| set.is_match(&path));
            file.findings.retain(|finding| {
                if path_allowed {
                    stats.allowlisted_paths += 1;
                    return false;
                }
                let value_allowed = finding.parts.iter().any(|part| {
                    let value = part.value.expose();
                    self.values.contains(value)
                        || self.value_patterns.iter().any(|re| re.is_match(value))
                });
                if value_allowed {
                    stats.allowlisted_values += 1;
                    return false;
                }
                if self.examples == ExamplePolicy::Ignore
                    && finding.example
                    && finding.severity == Severity::Info
                {
                    stats.examples_ignored += 1;
                    return false;
                }
                true
            });
        }
        report
            .files
            .retain(|file| !file.findings.is_empty() || !file.suppressed.is_empty());
        stats.findings = report.files.iter().map(|f| f.findings.len() as u64).sum();
        stats.examples = report
            .files
            .iter()
            .flat_map(|f| &f.findings)
            .filter(|f| f.example)
            .count() as u64;
    }
}
