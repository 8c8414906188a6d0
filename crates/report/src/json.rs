//! JSON and JSON Lines reports.
//!
//! The schema (version 1) is documented in `docs/formats.md`; the serde structs here are private
//! so that the Rust types can change without changing the wire format.

use std::io::{self, Write};

use keyhound_core::{Finding, Shown};
use serde::Serialize;

use keyhound_core::Verification;

use crate::model::{Entry, Report, SourceFindings};
use crate::text::utc_date;

/// Bumped only on incompatible changes to the JSON shape.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    tool: Tool,
    findings: Records<'a>,
    /// Only with `--show-suppressed`.
    #[serde(skip_serializing_if = "Records::is_empty")]
    suppressed: Records<'a>,
    stats: StatsRecord<'a>,
}

/// The findings (or the suppressed findings) of a report, serialised one record at a
/// time as the serialiser asks: no list of records is built, so writing a report takes
/// no memory per finding.
struct Records<'a> {
    report: &'a Report,
    show_secrets: bool,
    suppressed: bool,
}

impl Records<'_> {
    fn is_empty(&self) -> bool {
        if self.suppressed {
            self.report.sources.iter().all(|s| s.suppressed.is_empty())
        } else {
            self.report.sources.iter().all(|s| s.findings.is_empty())
        }
    }
}

impl Serialize for Records<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.suppressed {
            serializer.collect_seq(suppressed_records(self.report, self.show_secrets))
        } else {
            serializer.collect_seq(records(self.report, self.show_secrets))
        }
    }
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

/// A finding as the report writes it: where it is, keyhound-core's own serialisation of
/// the finding (one form for the library and the binary), and what the report adds.
#[derive(Serialize)]
struct FindingRecord<'a> {
    path: String,
    /// Archive entries only: the archive's own path, and the entry inside it (`path` is
    /// both, joined by `!/`).
    #[serde(skip_serializing_if = "Option::is_none")]
    archive: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    entry: Option<String>,
    /// Container images only: the later layer that deletes the file (a whiteout).
    #[serde(skip_serializing_if = "Option::is_none")]
    deleted_by: Option<&'a str>,
    #[serde(flatten)]
    finding: Shown<'a>,
    /// Git scans only: the blob, and the commit that introduced it.
    #[serde(skip_serializing_if = "Option::is_none")]
    blob: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    commit: Option<CommitRecord<'a>>,
    /// For suppressed findings: the marker and its line.
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressed_by: Option<SuppressedBy>,
    /// With `--verify`, for credentials: what STS said.
    #[serde(skip_serializing_if = "Option::is_none")]
    verification: Option<VerificationRecord<'a>>,
}

#[derive(Serialize)]
struct SuppressedBy {
    marker: &'static str,
    line: usize,
}

#[derive(Serialize)]
struct CommitRecord<'a> {
    id: &'a str,
    author: &'a str,
    email: &'a str,
    date: String,
}

#[derive(Serialize)]
struct StatsRecord<'a> {
    files: u64,
    bytes: u64,
    findings: u64,
    examples: u64,
    unreadable: Vec<Named<'a>>,
    too_large: Vec<SizedRecord<'a>>,
    symlinks_skipped: u64,
    special_skipped: u64,
    suppressed: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    config: Option<ConfigRecord<'a>>,
    baselined: u64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    baseline_stale: Vec<&'a Entry>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    processes_unreadable: Vec<Named<'a>>,
    elapsed_ms: u128,
    #[serde(skip_serializing_if = "Option::is_none")]
    git: Option<GitStatsRecord<'a>>,
    /// With `--verify`: the endpoint, and distinct credentials by state.
    #[serde(skip_serializing_if = "Option::is_none")]
    verification: Option<VerificationStats<'a>>,
}

#[derive(Serialize)]
struct VerificationStats<'a> {
    endpoint: &'a str,
    live: usize,
    invalid: usize,
    unknown: usize,
    skipped: usize,
}

#[derive(Serialize)]
struct GitStatsRecord<'a> {
    commits: u64,
    blobs: u64,
    not_scanned: Vec<NotScanned<'a>>,
}

#[derive(Serialize)]
struct NotScanned<'a> {
    path: &'a str,
    id: &'a str,
    reason: &'a str,
}

#[derive(Serialize)]
struct ConfigRecord<'a> {
    file: &'a str,
    rules_disabled: &'a [String],
    allowlisted_paths: u64,
    allowlisted_values: u64,
    examples_ignored: u64,
}

#[derive(Serialize)]
struct Named<'a> {
    path: &'a str,
    error: &'a str,
}

#[derive(Serialize)]
struct SizedRecord<'a> {
    path: &'a str,
    bytes: u64,
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
enum Line<'a> {
    Finding(FindingRecord<'a>),
    /// Only with `--show-suppressed`.
    Suppressed(FindingRecord<'a>),
    Summary {
        version: u32,
        tool: Tool,
        stats: StatsRecord<'a>,
    },
}

fn tool() -> Tool {
    Tool {
        name: "keyhound",
        version: env!("CARGO_PKG_VERSION"),
    }
}

fn finding_record<'a>(
    file: &'a SourceFindings,
    finding: &'a Finding,
    verification: Option<&'a Verification>,
    show_secrets: bool,
) -> FindingRecord<'a> {
    let git = file.source.git();
    let entry = file.source.archive_entry();
    FindingRecord {
        path: file.source.display(),
        archive: entry.as_ref().map(|_| file.source.outermost().display()),
        entry,
        deleted_by: file.source.deleted_by(),
        finding: finding.shown(show_secrets),
        blob: git.map(|g| g.blob.as_str()),
        commit: git.and_then(|g| g.commit.as_deref()).map(|c| CommitRecord {
            id: &c.id,
            author: &c.author,
            email: &c.email,
            date: utc_date(c.time),
        }),
        suppressed_by: None,
        verification: verification.map(verification_record),
    }
}

fn stats_record(report: &Report) -> StatsRecord<'_> {
    let stats = &report.stats;
    StatsRecord {
        files: stats.files,
        bytes: stats.bytes,
        findings: stats.findings,
        examples: stats.examples,
        unreadable: stats
            .unreadable
            .iter()
            .map(|(path, error)| Named { path, error })
            .collect(),
        too_large: stats
            .too_large
            .iter()
            .map(|(path, bytes)| SizedRecord {
                path,
                bytes: *bytes,
            })
            .collect(),
        symlinks_skipped: stats.symlinks_skipped,
        special_skipped: stats.special_skipped,
        suppressed: stats.suppressed,
        config: stats.config.as_deref().map(|file| ConfigRecord {
            file,
            rules_disabled: &stats.rules_disabled,
            allowlisted_paths: stats.allowlisted_paths,
            allowlisted_values: stats.allowlisted_values,
            examples_ignored: stats.examples_ignored,
        }),
        baselined: stats.baselined,
        baseline_stale: stats.baseline_stale.iter().collect(),
        processes_unreadable: stats
            .processes_unreadable
            .iter()
            .map(|(path, error)| Named { path, error })
            .collect(),
        elapsed_ms: stats.elapsed.as_millis(),
        git: stats.git.as_ref().map(|git| GitStatsRecord {
            commits: git.commits,
            blobs: git.blobs,
            not_scanned: git
                .not_scanned
                .iter()
                .map(|entry| NotScanned {
                    path: &entry.path,
                    id: &entry.id,
                    reason: &entry.reason,
                })
                .collect(),
        }),
        verification: report.verification.as_ref().map(|verified| {
            let counts = verified.counts();
            VerificationStats {
                endpoint: &verified.endpoint,
                live: counts.live,
                invalid: counts.invalid,
                unknown: counts.unknown,
                skipped: counts.skipped,
            }
        }),
    }
}

/// Records of the suppressed findings (present only with `--show-suppressed`).
fn suppressed_records(
    report: &Report,
    show_secrets: bool,
) -> impl Iterator<Item = FindingRecord<'_>> {
    report.sources.iter().flat_map(move |file| {
        file.suppressed
            .iter()
            .map(move |(finding, allowance)| FindingRecord {
                suppressed_by: Some(SuppressedBy {
                    marker: allowance.marker,
                    line: allowance.line,
                }),
                ..finding_record(file, finding, None, show_secrets)
            })
    })
}

fn records(report: &Report, show_secrets: bool) -> impl Iterator<Item = FindingRecord<'_>> {
    report.sources.iter().flat_map(move |file| {
        file.findings
            .iter()
            .map(move |f| finding_record(file, f, report.verification_of(f), show_secrets))
    })
}

/// One finding of `report` as the JSON document writes it, for reports that embed
/// findings (`audit`).
pub fn finding_json(
    report: &Report,
    file: &SourceFindings,
    finding: &Finding,
    show_secrets: bool,
) -> serde_json::Value {
    let record = finding_record(file, finding, report.verification_of(finding), show_secrets);
    serde_json::to_value(record).expect("a finding record always serialises")
}

/// The stats object of `report` as the JSON document writes it.
pub fn stats_json(report: &Report) -> serde_json::Value {
    serde_json::to_value(stats_record(report)).expect("a stats record always serialises")
}

/// Writes one JSON document.
pub fn write_json(out: &mut dyn Write, report: &Report, show_secrets: bool) -> io::Result<()> {
    let document = Document {
        version: SCHEMA_VERSION,
        tool: tool(),
        findings: Records {
            report,
            show_secrets,
            suppressed: false,
        },
        suppressed: Records {
            report,
            show_secrets,
            suppressed: true,
        },
        stats: stats_record(report),
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)
}

/// Writes one line per finding, then a summary line.
pub fn write_jsonl(out: &mut dyn Write, report: &Report, show_secrets: bool) -> io::Result<()> {
    for file in &report.sources {
        for finding in &file.findings {
            let verification = report.verification_of(finding);
            write_line(out, file, finding, verification, show_secrets)?;
        }
    }
    for file in &report.sources {
        write_suppressed_lines(out, file, show_secrets)?;
    }
    write_summary_line(out, report)
}

/// One `{"type":"finding",…}` line.
pub(crate) fn write_line(
    out: &mut dyn Write,
    file: &SourceFindings,
    finding: &Finding,
    verification: Option<&Verification>,
    show_secrets: bool,
) -> io::Result<()> {
    let record = finding_record(file, finding, verification, show_secrets);
    serde_json::to_writer(&mut *out, &Line::Finding(record))?;
    writeln!(out)
}

/// The `{"type":"suppressed",…}` lines of `file`.
pub(crate) fn write_suppressed_lines(
    out: &mut dyn Write,
    file: &SourceFindings,
    show_secrets: bool,
) -> io::Result<()> {
    for (finding, allowance) in &file.suppressed {
        let record = FindingRecord {
            suppressed_by: Some(SuppressedBy {
                marker: allowance.marker,
                line: allowance.line,
            }),
            ..finding_record(file, finding, None, show_secrets)
        };
        serde_json::to_writer(&mut *out, &Line::Suppressed(record))?;
        writeln!(out)?;
    }
    Ok(())
}

/// The `{"type":"summary",…}` line: `report`'s stats.
pub(crate) fn write_summary_line(out: &mut dyn Write, report: &Report) -> io::Result<()> {
    let summary = Line::Summary {
        version: SCHEMA_VERSION,
        tool: tool(),
        stats: stats_record(report),
    };
    serde_json::to_writer(&mut *out, &summary)?;
    writeln!(out)
}

/// A verification as JSON and SARIF write it: `status`, then what that status carries.
#[derive(Serialize)]
pub(crate) struct VerificationRecord<'a> {
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    account: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    arn: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
}

/// The record of one verification.
pub(crate) fn verification_record(verification: &Verification) -> VerificationRecord<'_> {
    let mut record = VerificationRecord {
        status: verification.status(),
        account: None,
        arn: None,
        user_id: None,
        code: None,
        reason: None,
    };
    match verification {
        Verification::Live {
            account,
            arn,
            user_id,
        } => {
            record.account = Some(account);
            record.arn = Some(arn);
            record.user_id = Some(user_id);
        }
        Verification::Invalid { code, meaning } => {
            record.code = Some(code);
            record.reason = Some(meaning);
        }
        Verification::Unknown { reason } | Verification::Skipped { reason } => {
            record.reason = Some(reason);
        }
    }
    record
}

#[cfg(test)]
mod tests {
    use keyhound_core::{Finding, Scanner};

    use crate::{ReportBuilder, Source};

    #[test]
    fn the_documents_findings_read_back_as_the_scanners() {
        let text = b"aws_access_key_id = AKIAQWZ7RNE3OSJHKV4D\n\
                     aws_secret_access_key = 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\n\
                     other = AKIAFJXNMR6TZAPCKW37\n";
        let findings = Scanner::default().scan(text);
        assert_eq!(findings.len(), 2);
        let mut builder = ReportBuilder::new();
        builder.scanned(Source::Stdin, 1, findings.clone(), Vec::new());
        let report = builder.build();
        let mut out = Vec::new();
        super::write_json(&mut out, &report, true).unwrap();
        let document: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let back: Vec<Finding> = serde_json::from_value(document["findings"].clone()).unwrap();
        assert_eq!(back, findings);
        assert_eq!(document["findings"][0]["path"], "<stdin>");
    }
}
