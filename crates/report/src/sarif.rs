//! SARIF 2.1.0, the format GitHub code scanning (and most SARIF viewers) read.
//!
//! One log, one run: `tool.driver` lists every rule of the rule set and the pairing rule,
//! and each finding is one result located at its primary part (the key id of a pair). No
//! secret is ever written: messages show the redacted value (unless `--show-secrets`),
//! and there is no `snippet`. GitHub takes at most 25,000 results a run, so the highest
//! severities are kept and what was left out is counted in `run.properties`.
//!
//! As in the JSON reporter, the serde structs are private: the Rust types can change
//! without changing the wire format.

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::Path;

use keyhound_core::{Finding, Part, RuleSet, Severity, Verification};
use serde::Serialize;

use crate::json::{verification_record, VerificationRecord};
use crate::model::{Report, SourceFindings};
use crate::text::{part_label, path_bytes, provenance, utc_date};

/// What `$schema` says: the address GitHub's documentation and most tools use.
pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// GitHub code scanning rejects a run with more results than this.
pub const MAX_RESULTS: usize = 25_000;

/// Where every rule is explained.
const HELP_URI: &str = concat!(env!("CARGO_PKG_REPOSITORY"), "/blob/main/docs/RULES.md");

/// The `uriBaseId` of relative paths: the directory the scan ran from (for `git`
/// commands, the repository's root).
const SRCROOT: &str = "%SRCROOT%";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    column_kind: &'static str,
    results: Results<'a>,
    properties: RunProperties,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RunProperties {
    /// Findings the scan reported (suppressed ones listed with `--show-suppressed` too).
    total_findings: usize,
    /// Findings left out to stay within [`MAX_RESULTS`].
    dropped_findings: usize,
    max_results: usize,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: Vec<RuleDescriptor<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RuleDescriptor<'a> {
    id: &'a str,
    name: String,
    short_description: Text<'a>,
    full_description: Text<'a>,
    help_uri: &'static str,
    help: Help<'a>,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Text<'a> {
    text: &'a str,
}

#[derive(Serialize)]
struct Help<'a> {
    text: &'a str,
    markdown: &'a str,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: [&'static str; 3],
    #[serde(rename = "security-severity")]
    security_severity: &'static str,
    precision: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Message,
    locations: [Location; 1],
    /// The other parts of a pair: the secret, the session token.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location>,
    partial_fingerprints: Fingerprints,
    /// Only with `--show-suppressed`: the inline comment that allowed the finding.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<Suppression>,
    properties: ResultProperties<'a>,
}

#[derive(Serialize)]
struct Message {
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Message>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
}

#[derive(Serialize)]
struct Fingerprints {
    #[serde(rename = "primaryLocationLineHash")]
    primary_location_line_hash: String,
    #[serde(rename = "keyhound/v1")]
    keyhound_v1: String,
}

#[derive(Serialize)]
struct Suppression {
    kind: &'static str,
    justification: String,
}

#[derive(Serialize)]
struct ResultProperties<'a> {
    kind: &'static str,
    severity: &'static str,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    example: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    binary: bool,
    /// The canary-token service, when the key is a canary.
    #[serde(skip_serializing_if = "Option::is_none")]
    canary: Option<&'a str>,
    encoding: &'a str,
    /// Git scans only.
    #[serde(skip_serializing_if = "Option::is_none")]
    commit: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    author: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    blob: Option<&'a str>,
    /// With `--verify`, for credentials: what STS said.
    #[serde(skip_serializing_if = "Option::is_none")]
    verification: Option<VerificationRecord<'a>>,
    /// Archive entries only: the entry's path inside the located archive.
    #[serde(rename = "archiveEntry", skip_serializing_if = "Option::is_none")]
    archive_entry: Option<String>,
}

/// What [`write()`] left out.
pub struct Written {
    /// Findings in the report (suppressed ones included when they are listed).
    pub total: usize,
    /// Findings not written, to stay within [`MAX_RESULTS`].
    pub dropped: usize,
}

/// One rule as SARIF describes it: id, name, descriptions, remediation, severity.
struct RuleInfo<'r> {
    id: &'r str,
    name: &'r str,
    description: &'r str,
    remediation: &'r str,
    severity: Severity,
}

fn rule_infos(rules: &RuleSet) -> Vec<RuleInfo<'_>> {
    let mut infos: Vec<RuleInfo<'_>> = rules
        .rules()
        .iter()
        .map(|rule| RuleInfo {
            id: rule.id(),
            name: rule.name(),
            description: rule.description(),
            remediation: rule.remediation(),
            severity: rule.severity(),
        })
        .collect();
    if let Some(pairing) = rules.pairing() {
        infos.push(RuleInfo {
            id: pairing.rule_id(),
            name: pairing.name(),
            description: pairing.description(),
            remediation: pairing.remediation(),
            severity: pairing.severity(),
        });
    }
    infos
}

fn descriptor<'r>(info: &RuleInfo<'r>) -> RuleDescriptor<'r> {
    RuleDescriptor {
        id: info.id,
        name: pascal_case(info.id),
        short_description: Text { text: info.name },
        full_description: Text {
            text: info.description,
        },
        help_uri: HELP_URI,
        help: Help {
            text: info.remediation,
            markdown: info.remediation,
        },
        default_configuration: Configuration {
            level: level(info.severity),
        },
        properties: RuleProperties {
            tags: ["security", "secret", "aws"],
            security_severity: security_severity(info.severity),
            precision: "high",
        },
    }
}

/// `aws-access-key-id` → `AwsAccessKeyId`.
fn pascal_case(id: &str) -> String {
    id.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            let first = chars.next().map(|c| c.to_ascii_uppercase());
            first.into_iter().chain(chars).collect::<String>()
        })
        .collect()
}

/// SARIF's level: what fails a build is an error, a session token a warning.
fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub's `security-severity` (critical is over 9.0, high 7.0 to 8.9, medium 4.0 to 6.9,
/// low under 4.0).
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

/// Writes one SARIF log. Findings are ordered highest severity first (then in report
/// order), and at most [`MAX_RESULTS`] are written; the caller warns when some were left
/// out ([`Written::dropped`]).
pub fn write(
    out: &mut dyn Write,
    report: &Report,
    rules: &RuleSet,
    show_secrets: bool,
) -> io::Result<Written> {
    let infos = rule_infos(rules);
    let index: HashMap<&str, usize> = infos
        .iter()
        .enumerate()
        .map(|(i, info)| (info.id, i))
        .collect();

    // Results go highest severity first; suppressed findings last, keys STS called live
    // first, equal ranks in report order. There are few ranks, so the results are
    // chosen by counting each rank and then walking the report once per rank needed: no
    // list of every finding is built.
    let mut per_rank = [0usize; RANKS];
    for entry in entries(report) {
        per_rank[entry.rank()] += 1;
    }
    let total: usize = per_rank.iter().sum();
    let dropped = total.saturating_sub(MAX_RESULTS);
    let results = Results {
        report,
        infos: &infos,
        index: &index,
        per_rank,
        show_secrets,
    };
    let log = Log {
        schema: SCHEMA_URI,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "keyhound",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: env!("CARGO_PKG_REPOSITORY"),
                    rules: infos.iter().map(descriptor).collect(),
                },
            },
            column_kind: "unicodeCodePoints",
            results,
            properties: RunProperties {
                total_findings: total,
                dropped_findings: dropped,
                max_results: MAX_RESULTS,
            },
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)?;
    Ok(Written { total, dropped })
}

struct Entry<'a> {
    file: &'a SourceFindings,
    finding: &'a Finding,
    suppressed: Option<&'a keyhound_core::Allowance>,
    verification: Option<&'a Verification>,
}

/// How many ranks [`Entry::rank`] gives: suppressed or not, live or not, five severities.
const RANKS: usize = 2 * 2 * 5;

impl Entry<'_> {
    /// Where the entry goes among the results: lower first.
    fn rank(&self) -> usize {
        let live = matches!(self.verification, Some(Verification::Live { .. }));
        let severity = Severity::Critical as usize - self.finding.severity as usize;
        usize::from(self.suppressed.is_some()) * 10 + usize::from(!live) * 5 + severity
    }
}

/// Every finding of `report` with the file it is in and, when suppressed, why: each
/// file's findings, then its suppressed ones, in report order.
fn entries(report: &Report) -> impl Iterator<Item = Entry<'_>> {
    report.sources.iter().flat_map(move |file| {
        let findings = file.findings.iter().map(move |finding| Entry {
            file,
            finding,
            suppressed: None,
            verification: report.verification_of(finding),
        });
        let suppressed = file
            .suppressed
            .iter()
            .map(move |(finding, allowance)| Entry {
                file,
                finding,
                suppressed: Some(allowance),
                verification: None,
            });
        findings.chain(suppressed)
    })
}

/// The results, serialised one at a time: rank by rank, each rank in report order, up
/// to [`MAX_RESULTS`].
struct Results<'a> {
    report: &'a Report,
    infos: &'a [RuleInfo<'a>],
    index: &'a HashMap<&'a str, usize>,
    per_rank: [usize; RANKS],
    show_secrets: bool,
}

impl Serialize for Results<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut left = MAX_RESULTS;
        let mut ranks = Vec::new();
        for (rank, &count) in self.per_rank.iter().enumerate() {
            if count > 0 && left > 0 {
                ranks.push(rank);
                left = left.saturating_sub(count);
            }
        }
        let results = ranks
            .into_iter()
            .flat_map(|rank| entries(self.report).filter(move |e| e.rank() == rank))
            .take(MAX_RESULTS)
            .map(|entry| result(&entry, self.infos, self.index, self.show_secrets));
        serializer.collect_seq(results)
    }
}

fn result<'a>(
    entry: &Entry<'a>,
    infos: &[RuleInfo<'_>],
    index: &HashMap<&str, usize>,
    show_secrets: bool,
) -> SarifResult<'a> {
    let Entry {
        file,
        finding,
        suppressed,
        verification,
    } = *entry;
    // An archive's entry is located at the start of the archive's file (the file a
    // code-scanning service can show, which wants a line): the entry, with its line and
    // column, is in the message and in the `archiveEntry` property.
    let entry = file.source.archive_entry();
    let artifact = match file.source.cloud() {
        // A cloud resource is located at its ARN, an absolute URI of scheme `arn`.
        Some((resource, _)) => ArtifactLocation {
            uri: arn_uri(resource),
            uri_base_id: None,
        },
        None => artifact_location(&file.source.outermost().path()),
    };
    let region = |part: &Part| match entry {
        Some(_) => Region {
            start_line: 1,
            start_column: 1,
            end_line: 1,
            end_column: 2,
        },
        None => region(part, finding),
    };
    let rule_index = index.get(finding.rule_id.as_str()).copied();
    let info = rule_index.map(|i| &infos[i]);
    let git = file.source.git();
    let commit = git.and_then(|g| g.commit.as_deref());

    let primary = &finding.parts[0];
    let related_locations = finding.parts[1..]
        .iter()
        .enumerate()
        .map(|(i, part)| Location {
            id: Some(i + 1),
            physical_location: PhysicalLocation {
                artifact_location: artifact.clone(),
                region: region(part),
            },
            message: Some(Message {
                text: format!(
                    "{} ({})",
                    part_label(part.kind),
                    part.shown_value(show_secrets)
                ),
            }),
        })
        .collect();

    SarifResult {
        rule_id: &finding.rule_id,
        rule_index,
        level: level(finding.severity),
        message: Message {
            text: message(
                finding,
                info,
                commit.map(|c| c.id.as_str()),
                verification,
                show_secrets,
            ) + &entry.as_deref().map_or(String::new(), |entry| {
                format!(
                    " In archive entry {entry}, line {}, column {}.",
                    primary.line, primary.column
                )
            }) + &file.source.deleted_by().map_or(String::new(), |layer| {
                format!(" Deleted by the later layer {layer}: still in the image.")
            }),
        },
        locations: [Location {
            id: None,
            physical_location: PhysicalLocation {
                artifact_location: artifact,
                region: region(primary),
            },
            message: None,
        }],
        related_locations,
        partial_fingerprints: Fingerprints {
            primary_location_line_hash: finding.fingerprint.to_hex(),
            keyhound_v1: finding.fingerprint.to_hex(),
        },
        suppressions: suppressed
            .map(|allowance| Suppression {
                kind: "inSource",
                justification: format!("{} on line {}", allowance.marker, allowance.line),
            })
            .into_iter()
            .collect(),
        properties: ResultProperties {
            kind: finding.kind.as_str(),
            severity: finding.severity.as_str(),
            example: finding.example,
            binary: finding.binary,
            canary: finding.canary(),
            encoding: finding.encoding,
            commit: commit.map(|c| c.id.as_str()),
            author: commit.map(|c| c.author.as_str()),
            email: commit.map(|c| c.email.as_str()),
            date: commit.map(|c| utc_date(c.time)),
            blob: git.map(|g| g.blob.as_str()),
            verification: verification.map(verification_record),
            archive_entry: entry,
        },
    }
}

/// `AWS credential (key ID + secret): key id AKIA…, secret 2a/f…(36 more), account
/// 123456789012. Deactivate …`
fn message(
    finding: &Finding,
    info: Option<&RuleInfo<'_>>,
    commit: Option<&str>,
    verification: Option<&Verification>,
    show_secrets: bool,
) -> String {
    let heading = if finding.example {
        "AWS documentation example key"
    } else {
        info.map_or(finding.kind.as_str(), |info| info.name)
    };
    let mut text = format!("{heading}: ");
    let parts: Vec<String> = finding
        .parts
        .iter()
        .map(|part| {
            format!(
                "{} {}",
                part_label(part.kind),
                part.shown_value(show_secrets)
            )
        })
        .collect();
    text.push_str(&parts.join(", "));
    if let Some(account) = finding.account_id() {
        text.push_str(&format!(", account {account}"));
    }
    text.push('.');
    if let Some(verification) = verification {
        text.push_str(&format!(" STS verification: {}.", verification.describe()));
    }
    text.push_str(&provenance(finding, commit));
    if finding.example {
        text.push_str(" It does not fail the scan.");
    } else if let Some(info) = info {
        text.push(' ');
        text.push_str(info.remediation);
    }
    text
}

/// A part's region. Columns count characters, as `columnKind` says; the end is one past
/// the part's last character. Parts are on one line: a key id, a secret and a token are
/// runs of base64 characters, so their width is their length in bytes, halved when the
/// whole input was UTF-16 (its columns count decoded characters, its spans count bytes).
fn region(part: &Part, finding: &Finding) -> Region {
    let utf16_text = !finding.binary && finding.encoding.starts_with("utf-16");
    let width = if utf16_text {
        part.span.len() / 2
    } else {
        part.span.len()
    };
    Region {
        start_line: part.line,
        start_column: part.column,
        end_line: part.line,
        end_column: part.column + width.max(1),
    }
}

/// A path as a SARIF artifact location: relative paths (and git paths, relative to the
/// repository's root) percent-encoded against `%SRCROOT%`; absolute ones as `file://` URIs.
fn artifact_location(path: &Path) -> ArtifactLocation {
    let (path, bytes) = path_bytes(path);
    if path.is_absolute() {
        // `/tmp/x` → `file:///tmp/x`; `C:/x` → `file:///C:/x`.
        let drive = bytes.get(1) == Some(&b':');
        let mut uri = String::from(if drive { "file:///" } else { "file://" });
        if drive {
            uri.push(bytes[0] as char);
            uri.push(':');
            uri.push_str(&percent_encode(&bytes[2..]));
        } else {
            uri.push_str(&percent_encode(&bytes));
        }
        ArtifactLocation {
            uri,
            uri_base_id: None,
        }
    } else {
        ArtifactLocation {
            uri: percent_encode(&bytes),
            uri_base_id: Some(SRCROOT),
        }
    }
}

/// An ARN as a URI: `:` and `/` stay (they are its structure), everything else as
/// [`percent_encode`] writes it.
pub fn arn_uri(arn: &str) -> String {
    arn.split(':')
        .map(|piece| percent_encode(piece.as_bytes()))
        .collect::<Vec<_>>()
        .join(":")
}

/// RFC 3986 percent-encoding of a path: unreserved characters and `/` stay, every other
/// byte (spaces, `#`, `%`, `?`, each byte of a non-ASCII character, invalid UTF-8) becomes
/// `%XX`.
pub fn percent_encode(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 15)] as char);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_percent_encoded() {
        assert_eq!(
            percent_encode("a b/#1/100%/é~x-y_z.txt".as_bytes()),
            "a%20b/%231/100%25/%C3%A9~x-y_z.txt"
        );
        assert_eq!(percent_encode(b"caf\xe9"), "caf%E9");
        let relative = artifact_location(Path::new("./dir/a b.env"));
        assert_eq!(relative.uri, "dir/a%20b.env");
        assert_eq!(relative.uri_base_id, Some(SRCROOT));
        #[cfg(unix)]
        {
            let absolute = artifact_location(Path::new("/tmp/x y/#.env"));
            assert_eq!(absolute.uri, "file:///tmp/x%20y/%23.env");
            assert_eq!(absolute.uri_base_id, None);
        }
    }

    #[test]
    fn rule_names_and_levels() {
        assert_eq!(pascal_case("aws-access-key-id"), "AwsAccessKeyId");
        assert_eq!(pascal_case("aws-credential"), "AwsCredential");
        assert_eq!(level(Severity::Critical), "error");
        assert_eq!(level(Severity::Medium), "warning");
        assert_eq!(level(Severity::Info), "note");
    }
}
