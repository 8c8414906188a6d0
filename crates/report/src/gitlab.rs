//! GitLab's secret-detection report (`gl-secret-detection-report.json`), schema version
//! [`SCHEMA_VERSION`] of GitLab's `secret-detection-report-format.json`.
//!
//! GitLab CI collects it with `artifacts: reports: secret_detection:` and shows its
//! vulnerabilities in the merge request and the vulnerability report. Each finding is one
//! vulnerability with a stable `id` (a hash of the finding's fingerprint and path, so two
//! runs over the same findings give the same ids), the rule as its identifier, and the
//! commit that introduced it (`0000000` for files that are not git blobs, as GitLab's own
//! analyzer writes for a plain directory). `raw_source_code_extract` is never written:
//! that field is "an unsanitized excerpt", the secret itself. Descriptions name the key id
//! and the secret redacted, always, even with `--show-secrets`: the report is uploaded to
//! GitLab and kept as a job artifact.
//!
//! As in the other reporters, the serde structs are private: the Rust types can change
//! without changing the wire format.

use std::collections::HashMap;
use std::io::{self, Write};

use keyhound_core::{Finding, Fingerprint, RuleSet, Severity, Verification};
use serde::Serialize;

use crate::model::{Report, SourceFindings};
use crate::text::{part_label, provenance, utc_date};

/// The version of GitLab's report schema this report conforms to.
pub const SCHEMA_VERSION: &str = "15.0.7";

/// Where that schema is published.
const SCHEMA_URI: &str = "https://gitlab.com/gitlab-org/security-products/security-report-schemas/-/raw/v15.0.7/dist/secret-detection-report-format.json";

/// The `sha` of a location that is not in a git commit (a file scan, the index).
pub const NO_COMMIT: &str = "0000000";

/// The identifier type of keyhound's rules.
const IDENTIFIER_TYPE: &str = "keyhound_rule_id";

/// Where every rule is explained.
const HELP_URI: &str = concat!(env!("CARGO_PKG_REPOSITORY"), "/blob/main/docs/RULES.md");

/// The schema's limits on `name` and `solution` (in characters).
const MAX_NAME: usize = 255;
const MAX_SOLUTION: usize = 7000;

#[derive(Serialize)]
struct Document<'a> {
    version: &'static str,
    schema: &'static str,
    scan: Scan<'a>,
    vulnerabilities: Vulnerabilities<'a>,
}

/// Every finding of a report, then its suppressed ones, in report order.
fn entries(
    report: &Report,
) -> impl Iterator<Item = (&SourceFindings, &Finding, Option<&keyhound_core::Allowance>)> {
    report.sources.iter().flat_map(|file| {
        let findings = file.findings.iter().map(move |f| (file, f, None));
        let suppressed = file
            .suppressed
            .iter()
            .map(move |(f, allowance)| (file, f, Some(allowance)));
        findings.chain(suppressed)
    })
}

/// The rank of each entry (in [`entries`] order) among the entries with the same
/// fingerprint and path before it: ids hash the fingerprint and the path, and the same
/// secret twice in one file is told apart by its rank there, in report order (which is
/// deterministic). Found by sorting: 40 bytes per finding while it runs, then 4.
fn ranks(report: &Report) -> Vec<u32> {
    let mut paths: HashMap<String, u32> = HashMap::new();
    let mut keyed: Vec<(u32, Fingerprint, u32)> = Vec::new();
    for file in &report.sources {
        let next = paths.len() as u32;
        let path = *paths.entry(file.source.display()).or_insert(next);
        let findings = file.findings.iter();
        let suppressed = file.suppressed.iter().map(|(f, _)| f);
        for finding in findings.chain(suppressed) {
            keyed.push((path, finding.fingerprint, keyed.len() as u32));
        }
    }
    keyed.sort_unstable();
    let mut ranks = vec![0u32; keyed.len()];
    for (i, &(path, fingerprint, ordinal)) in keyed.iter().enumerate() {
        if let Some(&(previous_path, previous, previous_ordinal)) =
            i.checked_sub(1).map(|i| &keyed[i])
        {
            if previous_path == path && previous == fingerprint {
                ranks[ordinal as usize] = ranks[previous_ordinal as usize] + 1;
            }
        }
    }
    ranks
}

/// The vulnerabilities, serialised one at a time as the serialiser asks.
struct Vulnerabilities<'a> {
    report: &'a Report,
    infos: &'a HashMap<&'a str, RuleInfo<'a>>,
    ranks: &'a [u32],
}

impl Serialize for Vulnerabilities<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let report = self.report;
        let all = entries(report).zip(self.ranks);
        serializer.collect_seq(all.map(|((file, finding, allowance), &rank)| {
            let path = file.source.display();
            let id = vulnerability_id(&finding.fingerprint.to_hex(), &path, rank as usize);
            let mut vulnerability = vulnerability(file, finding, &path, id, self.infos);
            if let Some(verification) = report.verification_of(finding) {
                vulnerability
                    .description
                    .push_str(&verification_sentence(verification));
            }
            if let Some(allowance) = allowance {
                vulnerability.flags.push(Flag {
                    kind: "flagged-as-likely-false-positive",
                    origin: "keyhound",
                    description: format!(
                        "allowed by an inline `{}` comment on line {}",
                        allowance.marker, allowance.line
                    ),
                });
            }
            vulnerability
        }))
    }
}

#[derive(Serialize)]
struct Scan<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    scanner: Tool,
    analyzer: Tool,
    start_time: String,
    end_time: String,
    status: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    messages: Vec<Message>,
    primary_identifiers: Vec<Identifier<'a>>,
}

#[derive(Clone, Serialize)]
struct Tool {
    id: &'static str,
    name: &'static str,
    version: &'static str,
    url: &'static str,
    vendor: Vendor,
}

#[derive(Clone, Serialize)]
struct Vendor {
    name: &'static str,
}

#[derive(Serialize)]
struct Message {
    level: &'static str,
    value: String,
}

#[derive(Clone, Serialize)]
struct Identifier<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    name: String,
    value: &'a str,
    url: &'static str,
}

#[derive(Serialize)]
struct Vulnerability<'a> {
    id: String,
    /// Not in schema 15 (which allows it); GitLab's own analyzer still writes it.
    category: &'static str,
    name: String,
    description: String,
    severity: &'static str,
    solution: String,
    /// Not in schema 15 either; kept for the readers of older reports.
    scanner: ScannerRef,
    identifiers: [Identifier<'a>; 1],
    location: Location<'a>,
    /// Only with `--show-suppressed`: the inline comment that allowed the finding.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    flags: Vec<Flag>,
}

#[derive(Serialize)]
struct ScannerRef {
    id: &'static str,
    name: &'static str,
}

#[derive(Serialize)]
struct Location<'a> {
    file: String,
    start_line: usize,
    end_line: usize,
    commit: Commit<'a>,
}

#[derive(Serialize)]
struct Commit<'a> {
    sha: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    author: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date: Option<String>,
}

#[derive(Serialize)]
struct Flag {
    #[serde(rename = "type")]
    kind: &'static str,
    origin: &'static str,
    description: String,
}

/// One rule as the report describes it.
struct RuleInfo<'r> {
    name: &'r str,
    remediation: &'r str,
}

fn rule_infos(rules: &RuleSet) -> (Vec<&str>, HashMap<&str, RuleInfo<'_>>) {
    let mut ids = Vec::new();
    let mut infos = HashMap::new();
    for rule in rules.rules() {
        ids.push(rule.id());
        infos.insert(
            rule.id(),
            RuleInfo {
                name: rule.name(),
                remediation: rule.remediation(),
            },
        );
    }
    if let Some(pairing) = rules.pairing() {
        ids.push(pairing.rule_id());
        infos.insert(
            pairing.rule_id(),
            RuleInfo {
                name: pairing.name(),
                remediation: pairing.remediation(),
            },
        );
    }
    (ids, infos)
}

fn tool() -> Tool {
    Tool {
        id: "keyhound",
        name: "keyhound",
        version: env!("CARGO_PKG_VERSION"),
        url: env!("CARGO_PKG_REPOSITORY"),
        vendor: Vendor { name: "keyhound" },
    }
}

fn identifier<'a>(rule_id: &'a str, name: &str) -> Identifier<'a> {
    Identifier {
        kind: IDENTIFIER_TYPE,
        name: truncate(&format!("keyhound rule {rule_id}: {name}"), MAX_NAME),
        value: rule_id,
        url: HELP_URI,
    }
}

/// GitLab's severity names.
fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "Critical",
        Severity::High => "High",
        Severity::Medium => "Medium",
        Severity::Low => "Low",
        Severity::Info => "Info",
    }
}

/// `YYYY-MM-DDTHH:MM:SS`, UTC with no zone, as the schema's pattern wants.
fn zoneless(seconds: i64) -> String {
    let mut date = utc_date(seconds);
    date.pop(); // the `Z`
    date
}

/// Writes one report. The scan ended now and took `report.stats.elapsed`; it is a
/// `failure` when an input could not be read (the exit code is then 3).
pub fn write(out: &mut dyn Write, report: &Report, rules: &RuleSet) -> io::Result<()> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let started = now - report.stats.elapsed.as_secs() as i64;
    let (ids, infos) = rule_infos(rules);

    let mut messages: Vec<Message> = report
        .stats
        .unreadable
        .iter()
        .map(|(path, error)| Message {
            level: "warn",
            value: format!("{path}: not scanned: {error}"),
        })
        .collect();
    messages.extend(report.stats.too_large.iter().map(|(path, bytes)| Message {
        level: "info",
        value: format!("{path}: skipped, {bytes} bytes is over --max-file-size"),
    }));

    let ranks = ranks(report);
    let vulnerabilities = Vulnerabilities {
        report,
        infos: &infos,
        ranks: &ranks,
    };

    let document = Document {
        version: SCHEMA_VERSION,
        schema: SCHEMA_URI,
        scan: Scan {
            kind: "secret_detection",
            scanner: tool(),
            analyzer: tool(),
            start_time: zoneless(started),
            end_time: zoneless(now),
            status: if report.stats.unreadable.is_empty() {
                "success"
            } else {
                "failure"
            },
            messages,
            primary_identifiers: ids
                .iter()
                .map(|id| identifier(id, infos[id].name))
                .collect(),
        },
        vulnerabilities,
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)
}

/// A UUID-shaped id (version 8, "custom") from a SHA-256 of the finding's fingerprint,
/// its path and its rank among equal findings in that file.
fn vulnerability_id(fingerprint: &str, path: &str, rank: usize) -> String {
    let hash = Fingerprint::of(
        "keyhound-gitlab-id\0",
        &format!("{fingerprint}\0{path}\0{rank}"),
    )
    .to_hex();
    let hex = hash.as_bytes();
    let text = |range: std::ops::Range<usize>| std::str::from_utf8(&hex[range]).unwrap_or("");
    // The variant nibble is one of 8, 9, a, b.
    let variant = b"89ab"[usize::from(hex[16] % 4)] as char;
    format!(
        "{}-{}-8{}-{variant}{}-{}",
        text(0..8),
        text(8..12),
        text(13..16),
        text(17..20),
        text(20..32)
    )
}

fn vulnerability<'a>(
    file: &'a SourceFindings,
    finding: &'a Finding,
    path: &str,
    id: String,
    infos: &HashMap<&str, RuleInfo<'_>>,
) -> Vulnerability<'a> {
    let info = infos.get(finding.rule_id.as_str());
    let rule_name = info.map_or(finding.kind.as_str(), |info| info.name);
    let commit = file.source.git().and_then(|git| git.commit.as_deref());
    let name = if finding.example {
        "AWS documentation example key".to_string()
    } else {
        truncate(rule_name, MAX_NAME)
    };
    let solution = if finding.example {
        "AWS documentation's example key: nothing to rotate. Replace it with a placeholder \
         if the scan should stay silent."
            .to_string()
    } else {
        truncate(info.map_or("", |info| info.remediation), MAX_SOLUTION)
    };
    let lines = finding.parts.iter().map(|part| part.line);
    Vulnerability {
        id,
        category: "secret_detection",
        name,
        description: description(finding, rule_name, commit.map(|c| c.id.as_str())),
        severity: severity(finding.severity),
        solution,
        scanner: ScannerRef {
            id: "keyhound",
            name: "keyhound",
        },
        identifiers: [identifier(&finding.rule_id, rule_name)],
        location: Location {
            file: path.to_string(),
            start_line: lines.clone().min().unwrap_or(finding.line),
            end_line: lines.max().unwrap_or(finding.line),
            commit: Commit {
                sha: commit.map_or(NO_COMMIT, |c| c.id.as_str()),
                author: commit.map(|c| c.author.as_str()),
                date: commit.map(|c| utc_date(c.time)),
            },
        },
        flags: Vec::new(),
    }
}

/// GitLab renders descriptions as Markdown: values go in code spans they cannot leave.
fn code(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    if text.starts_with('`') || text.ends_with('`') {
        format!("{fence} {text} {fence}")
    } else {
        format!("{fence}{text}{fence}")
    }
}

/// `AWS credential (key ID + secret): key id `AKIA…` (line 2), secret `2a/f…(36 more)`
/// (line 3), account `123456789012`. Added in commit `abc…`.`
fn description(finding: &Finding, rule_name: &str, commit: Option<&str>) -> String {
    let heading = if finding.example {
        "AWS documentation example key"
    } else {
        rule_name
    };
    let parts: Vec<String> = finding
        .parts
        .iter()
        .map(|part| {
            format!(
                "{} {} (line {}, column {})",
                part_label(part.kind),
                // Always redacted: the report is uploaded and kept as an artifact.
                code(&part.shown_value(false)),
                part.line,
                part.column
            )
        })
        .collect();
    let mut text = format!("{heading}: {}", parts.join(", "));
    if let Some(account) = finding.account_id() {
        text.push_str(&format!(", AWS account {}", code(&account)));
    }
    text.push('.');
    text.push_str(&provenance(finding, commit.map(code).as_deref()));
    if finding.example {
        text.push_str(" It does not fail the scan.");
    }
    text.push_str(&format!(
        " Fingerprint {}.",
        code(&finding.fingerprint.to_hex())
    ));
    text
}

/// ` STS verification: live, account `…`, ARN `…`.`: values in code spans, since an answer
/// is text from the network.
fn verification_sentence(verification: &Verification) -> String {
    let detail = match verification {
        Verification::Live {
            account,
            arn,
            user_id,
        } => format!(
            "live, account {}, ARN {}, user id {}",
            code(account),
            code(arn),
            code(user_id)
        ),
        Verification::Invalid {
            code: name,
            meaning,
        } => {
            format!("invalid ({}): {meaning}", code(name))
        }
        Verification::Unknown { reason } => format!("unknown: {}", code(reason)),
        Verification::Skipped { reason } => format!("not verified: {reason}"),
    };
    format!(" STS verification: {detail}.")
}

/// `text` cut to at most `max` characters (the schema counts characters).
fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => {
            let mut cut: String = text[..end].chars().take(max - 1).collect();
            cut.push('…');
            cut
        }
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_uuid_shaped_and_stable() {
        let a = vulnerability_id("ab", "x/.env", 0);
        assert_eq!(a, vulnerability_id("ab", "x/.env", 0));
        assert_ne!(a, vulnerability_id("ab", "x/.env", 1));
        assert_ne!(a, vulnerability_id("ab", "y/.env", 0));
        let groups: Vec<usize> = a.split('-').map(str::len).collect();
        assert_eq!(groups, [8, 4, 4, 4, 12], "{a}");
        assert!(a.chars().all(|c| c == '-' || c.is_ascii_hexdigit()), "{a}");
        assert_eq!(&a[14..15], "8", "version 8: {a}");
        assert!("89ab".contains(&a[19..20]), "RFC 4122 variant: {a}");
    }

    #[test]
    fn times_have_no_zone() {
        assert_eq!(zoneless(1_700_000_000), "2023-11-14T22:13:20");
    }

    #[test]
    fn code_spans_cannot_be_left() {
        assert_eq!(code("AKIA"), "`AKIA`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x"), "`` `x ``");
    }

    #[test]
    fn long_text_is_cut_to_the_limit() {
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(truncate("abcd", 3), "ab…");
        assert_eq!(truncate("ééééé", 4).chars().count(), 4);
    }
}
