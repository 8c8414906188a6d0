//! Allowlists: the findings a configuration leaves out, each counted in the stats.

use std::collections::HashSet;
use std::path::PathBuf;

use globset::GlobSet;
use keyhound_core::Severity;
use regex::Regex;

use crate::model::Report;

/// What to do with AWS documentation's example keys.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ExamplePolicy {
    /// Report them as `example` (info), without failing the scan. The default.
    #[default]
    Report,
    /// Report them and fail the scan, like any finding.
    Fail,
    /// Leave them out of the report (counted in the summary).
    Ignore,
}

impl std::str::FromStr for ExamplePolicy {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "report" => Ok(ExamplePolicy::Report),
            "fail" => Ok(ExamplePolicy::Fail),
            "ignore" => Ok(ExamplePolicy::Ignore),
            _ => Err("expected \"report\", \"fail\" or \"ignore\"".into()),
        }
    }
}

/// Findings to leave out of a report: by the path of their source, by value, and example
/// keys under [`ExamplePolicy::Ignore`].
#[derive(Clone, Debug, Default)]
pub struct Allowlist {
    /// Sources whose displayed path matches are left out whole.
    pub paths: Option<GlobSet>,
    /// Findings with a part of exactly one of these values are left out.
    pub values: HashSet<String>,
    /// Findings with a part matching one of these are left out.
    pub value_patterns: Vec<Regex>,
    /// What to do with example keys.
    pub examples: ExamplePolicy,
    /// A file left out whole: the configuration file itself, whose custom rules carry
    /// examples (compared canonicalised).
    pub own_file: Option<PathBuf>,
}

impl Allowlist {
    /// Drops the findings this allowlist leaves out from `report`, counting each in
    /// [`Stats::allowlisted_paths`](crate::Stats::allowlisted_paths),
    /// [`Stats::allowlisted_values`](crate::Stats::allowlisted_values) and
    /// [`Stats::examples_ignored`](crate::Stats::examples_ignored), then recounts.
    pub fn apply(&self, report: &mut Report) {
        let own_file = self.own_file.as_ref().and_then(|p| p.canonicalize().ok());
        let stats = &mut report.stats;
        for group in &mut report.sources {
            let path = group.source.display();
            // Git paths are relative to the work tree, where git scans run.
            let is_own_file =
                own_file.is_some() && group.source.path().canonicalize().ok() == own_file;
            let path_allowed =
                is_own_file || self.paths.as_ref().is_some_and(|set| set.is_match(&path));
            group.findings.retain(|finding| {
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
        report.recount();
    }
}
