//! keyhound's own reports, recognised by their content wherever they sit: a JSON, JSON
//! Lines, SARIF or GitLab report or a baseline left in a tree names every key id it
//! found, in full, so scanning the tree again would report each key once more per report
//! (three reports, one key: eighteen findings).
//!
//! What is set aside is only what such a report holds of its own accord: lone key ids. A
//! finding that shows a secret or token is kept wherever it sits, so a file made to look
//! like a report cannot hide a usable credential, and a report written with
//! `--show-secrets` (a leak in its own right) is still reported.

use keyhound_core::{Allowance, Finding, Kind};
use regex::bytes::Regex;
use std::sync::OnceLock;

/// The marker set-aside findings carry as their [`Allowance`]: they are counted and
/// listed (`--show-suppressed`) with the inline suppressions.
pub const MARKER: &str = "keyhound report";

/// How much of a file's start is looked at.
pub const PREFIX: usize = 4096;

/// The formats keyhound writes that name key ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OwnReport {
    /// `--format json`.
    Json,
    /// `--format jsonl`.
    JsonLines,
    /// `--format sarif`.
    Sarif,
    /// `--format gitlab`.
    GitLab,
    /// A baseline (`keyhound baseline`, `--write-baseline`).
    Baseline,
}

impl OwnReport {
    /// The format's name, for notes.
    pub fn name(self) -> &'static str {
        match self {
            OwnReport::Json => "JSON report",
            OwnReport::JsonLines => "JSON Lines report",
            OwnReport::Sarif => "SARIF report",
            OwnReport::GitLab => "GitLab report",
            OwnReport::Baseline => "baseline",
        }
    }
}

/// Which of keyhound's reports `start` (the first [`PREFIX`] bytes of a file, or all of
/// a shorter one) begins, if any: each is told by the fields keyhound writes first.
pub fn recognise(start: &[u8]) -> Option<OwnReport> {
    static SIGNATURES: OnceLock<Vec<(OwnReport, Regex)>> = OnceLock::new();
    let signatures = SIGNATURES.get_or_init(|| {
        [
            (
                OwnReport::Json,
                r#"\A\s*\{\s*"version"\s*:\s*\d+\s*,\s*"tool"\s*:\s*\{\s*"name"\s*:\s*"keyhound""#,
            ),
            (
                OwnReport::Baseline,
                r#"\A\s*\{\s*"version"\s*:\s*\d+\s*,\s*"tool"\s*:\s*"keyhound"\s*,\s*"entries""#,
            ),
            (
                OwnReport::JsonLines,
                r#"\A\{"type":"(?:finding|suppressed)","path":"(?:[^"\\]|\\.)*","line":\d+,"column":\d+,"rule":""#,
            ),
            (
                OwnReport::Sarif,
                r#"\A\s*\{\s*"\$schema"\s*:\s*"[^"]*sarif[^"]*"\s*,\s*"version"\s*:\s*"2\.1\.0"\s*,\s*"runs"\s*:\s*\[\s*\{\s*"tool"\s*:\s*\{\s*"driver"\s*:\s*\{\s*"name"\s*:\s*"keyhound""#,
            ),
            (
                OwnReport::GitLab,
                r#"\A\s*\{\s*"version"\s*:\s*"[^"]*"\s*,\s*"schema"\s*:\s*"[^"]*"\s*,\s*"scan"\s*:\s*\{\s*"type"\s*:\s*"secret_detection"\s*,\s*"scanner"\s*:\s*\{\s*"id"\s*:\s*"keyhound""#,
            ),
        ]
        .into_iter()
        .map(|(format, pattern)| (format, Regex::new(pattern).expect("a valid signature")))
        .collect()
    });
    let start = &start[..start.len().min(PREFIX)];
    signatures
        .iter()
        .find(|(_, signature)| signature.is_match(start))
        .map(|(format, _)| *format)
}

/// Moves the findings a keyhound report holds of its own accord (lone key ids) from
/// `findings` to `suppressed`, marked [`MARKER`]; returns how many moved. Findings that
/// show a secret or a token stay.
pub fn set_aside(findings: &mut Vec<Finding>, suppressed: &mut Vec<(Finding, Allowance)>) -> usize {
    let before = findings.len();
    let mut kept = Vec::with_capacity(findings.len());
    for finding in findings.drain(..) {
        if finding
            .parts
            .iter()
            .all(|part| part.kind == Kind::AccessKeyId)
        {
            let line = finding.line;
            suppressed.push((
                finding,
                Allowance {
                    marker: MARKER,
                    line,
                },
            ));
        } else {
            kept.push(finding);
        }
    }
    *findings = kept;
    before - findings.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{write, Format, ReportBuilder, Source, WriteOptions};
    use keyhound_core::{RuleSet, Scanner};

    const CREDENTIALS: &str = "aws_access_key_id = AKIATDL6PABMCTNRC77F\n\
        aws_secret_access_key = 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\n";

    /// Every format keyhound writes of a scan of `CREDENTIALS`.
    fn written(show_secrets: bool) -> Vec<(Format, Vec<u8>)> {
        let findings = Scanner::default().scan(CREDENTIALS.as_bytes());
        let mut builder = ReportBuilder::new();
        builder.scanned(
            Source::Path("deploy/aws.ini".into()),
            CREDENTIALS.len() as u64,
            findings,
            Vec::new(),
        );
        let report = builder.build();
        let options = WriteOptions {
            show_secrets,
            color: false,
        };
        [Format::Json, Format::Jsonl, Format::Sarif, Format::Gitlab]
            .into_iter()
            .map(|format| {
                let mut out = Vec::new();
                write(&mut out, &report, &RuleSet::builtin(), format, options).expect("written");
                (format, out)
            })
            .collect()
    }

    #[test]
    fn every_report_format_is_recognised_and_only_key_ids_are_set_aside() {
        for (format, text) in written(false) {
            assert!(recognise(&text).is_some(), "{format:?}");
            let mut findings = Scanner::default().scan(&text);
            assert!(
                !findings.is_empty(),
                "{format:?}: the report names the key id"
            );
            let mut suppressed = Vec::new();
            let moved = set_aside(&mut findings, &mut suppressed);
            assert_eq!(moved, suppressed.len());
            assert!(findings.is_empty(), "{format:?}: {findings:?}");
        }
    }

    #[test]
    fn a_report_that_shows_secrets_still_reports_them() {
        // (GitLab's format never shows a secret.)
        for (format, text) in written(true)
            .into_iter()
            .filter(|(f, _)| *f != Format::Gitlab)
        {
            assert!(recognise(&text).is_some(), "{format:?}");
            let mut findings = Scanner::default().scan(&text);
            set_aside(&mut findings, &mut Vec::new());
            assert!(
                findings
                    .iter()
                    .any(|f| f.part(Kind::SecretAccessKey).is_some()),
                "{format:?}: a full secret is a leak wherever it sits"
            );
        }
    }

    #[test]
    fn a_baseline_is_recognised_and_other_json_is_not() {
        let baseline = "{\n  \"version\": 1,\n  \"tool\": \"keyhound\",\n  \"entries\": [";
        assert_eq!(recognise(baseline.as_bytes()), Some(OwnReport::Baseline));
        for other in [
            "{\"version\": 1, \"tool\": {\"name\": \"gitleaks\"}, \"findings\": []}",
            "{\"type\":\"finding\",\"key\":\"AKIATDL6PABMCTNRC77F\"}",
            "aws_access_key_id = AKIATDL6PABMCTNRC77F",
            "",
        ] {
            assert_eq!(recognise(other.as_bytes()), None, "{other}");
        }
    }
}
