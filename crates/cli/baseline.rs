//! Baselines: the findings a repository already has, written once and tracked, so that a
//! scan reports only new ones.
//!
//! The file is JSON, deterministic and merge-friendly: entries sorted by path, rule and
//! fingerprint, one per line, no timestamps, no secrets. An entry is keyed on what does not
//! change when lines move: the path, the rule and the finding's fingerprint (a hash of rule
//! and secret). Not even key ids are written, so a scan of the baseline finds nothing.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};

use crate::report::{display_path, Report};

/// The file name `keyhound baseline` writes.
pub const FILE_NAME: &str = ".keyhound-baseline.json";

/// Bumped on incompatible changes to the file.
const VERSION: u32 = 1;

/// One known finding.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub path: String,
    pub rule: String,
    pub fingerprint: String,
    pub kind: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    version: u32,
    tool: String,
    entries: Vec<Entry>,
}

/// The entries of every finding in `report`.
fn entries_of(report: &Report) -> BTreeSet<Entry> {
    report
        .files
        .iter()
        .flat_map(|file| {
            let path = display_path(&file.path);
            file.findings.iter().map(move |f| Entry {
                path: path.clone(),
                rule: f.rule_id.to_string(),
                fingerprint: f.fingerprint.to_hex(),
                kind: f.kind.as_str().to_string(),
            })
        })
        .collect()
}

/// The baseline text for `report`: two runs over the same findings give the same bytes.
pub fn render(report: &Report) -> String {
    let entries = entries_of(report);
    let mut text =
        format!("{{\n  \"version\": {VERSION},\n  \"tool\": \"keyhound\",\n  \"entries\": [");
    let lines: Vec<String> = entries
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

/// Writes the baseline of `report` to `path`.
pub fn write(path: &Path, report: &Report) -> anyhow::Result<()> {
    std::fs::write(path, render(report))
        .with_context(|| format!("writing the baseline {}", path.display()))
}

/// Reads a baseline file; a malformed one is an error naming the file and line.
pub fn load(path: &Path) -> anyhow::Result<BTreeSet<Entry>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the baseline {}", path.display()))?;
    let file: File = serde_json::from_str(&text).map_err(|err| {
        anyhow::anyhow!(
            "{}:{}: not a keyhound baseline: {err}",
            path.display(),
            err.line()
        )
    })?;
    if file.version != VERSION || file.tool != "keyhound" {
        bail!(
            "{}: baseline version {} of {:?} is not keyhound's version {VERSION}",
            path.display(),
            file.version,
            file.tool
        );
    }
    Ok(file.entries.into_iter().collect())
}

/// Removes the findings the baseline knows from `report`, counting them, and records the
/// baseline entries that matched nothing (stale: the leak was removed, or the file moved).
pub fn apply(report: &mut Report, baseline: &BTreeSet<Entry>) {
    let mut matched = BTreeSet::new();
    let mut baselined = 0;
    for file in &mut report.files {
        let path = display_path(&file.path);
        file.findings.retain(|f| {
            let key = (path.as_str(), f.rule_id, f.fingerprint.to_hex());
            let hit = baseline
                .iter()
                .find(|e| e.path == key.0 && e.rule == key.1 && e.fingerprint == key.2);
            match hit {
                Some(entry) => {
                    matched.insert(entry.clone());
                    baselined += 1;
                    false
                }
                None => true,
            }
        });
    }
    report
        .files
        .retain(|file| !file.findings.is_empty() || !file.suppressed.is_empty());
    report.stats.findings = report.files.iter().map(|f| f.findings.len() as u64).sum();
    report.stats.examples = report
        .files
        .iter()
        .flat_map(|f| &f.findings)
        .filter(|f| f.example)
        .count() as u64;
    report.stats.baselined = baselined;
    report.stats.baseline_stale = baseline.difference(&matched).cloned().collect();
    for entry in &report.stats.baseline_stale {
        eprintln!(
            "keyhound: baseline entry no longer found (prune it): {} {} {}",
            entry.path,
            entry.rule,
            &entry.fingerprint[..12.min(entry.fingerprint.len())]
        );
    }
}

/// Applies `--write-baseline` and `--baseline` to a finished report, in that order.
pub fn handle(report: &mut Report, output: &crate::args::OutputArgs) -> anyhow::Result<()> {
    if let Some(path) = &output.write_baseline {
        write(path, report)?;
    }
    if let Some(path) = &output.baseline {
        let baseline = load(path)?;
        apply(report, &baseline);
    }
    Ok(())
}
