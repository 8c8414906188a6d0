//! Reporters: the human report, JSON and JSON Lines. They all read the same [`Report`] and
//! all redact secrets unless `--show-secrets` was given.

pub mod gitlab;
pub mod human;
pub mod json;
pub mod sarif;

use std::path::{Path, PathBuf};
use std::time::Duration;

use keyhound_core::{Finding, Severity};
use serde::Serialize;

use crate::verify::Verification;

/// Everything a scan produced, in a deterministic order (paths sorted, findings in file
/// order).
#[derive(Default)]
pub struct Report {
    /// Files with findings, sorted by path.
    pub files: Vec<FileFindings>,
    /// Counters and the names of inputs that were skipped or unreadable.
    pub stats: Stats,
    /// What STS said about each credential, with `--verify`.
    pub verification: Option<crate::verify::Verifications>,
}

/// The findings of one file (or one git blob at one path).
pub struct FileFindings {
    pub path: PathBuf,
    pub findings: Vec<Finding>,
    /// Findings an inline comment allowed (listed only with `--show-suppressed`).
    pub suppressed: Vec<(Finding, keyhound_core::Allowance)>,
    /// Where the blob came from, for git scans.
    pub git: Option<GitMeta>,
}

/// The git origin of a blob.
pub struct GitMeta {
    /// The blob id, hex.
    pub blob: String,
    /// The commit that introduced it (none for the index and unreachable objects).
    pub commit: Option<std::sync::Arc<keyhound_git::CommitInfo>>,
}

/// Counters of a scan.
#[derive(Default)]
pub struct Stats {
    pub files: u64,
    pub bytes: u64,
    pub findings: u64,
    /// Findings that are AWS documentation examples.
    pub examples: u64,
    /// Inputs that could not be read, with why.
    pub unreadable: Vec<(String, String)>,
    /// Files over the size limit, with their size.
    pub too_large: Vec<(String, u64)>,
    /// Symbolic links not followed.
    pub symlinks_skipped: u64,
    /// FIFOs, sockets and devices not read.
    pub special_skipped: u64,
    /// Findings suppressed by inline comments.
    pub suppressed: u64,
    /// The configuration file in effect.
    pub config: Option<String>,
    /// Rules the configuration disabled.
    pub rules_disabled: Vec<String>,
    /// Findings dropped by the configuration's path allowlist.
    pub allowlisted_paths: u64,
    /// Findings dropped by the configuration's value allowlist.
    pub allowlisted_values: u64,
    /// Example-key findings dropped by `examples = "ignore"`.
    pub examples_ignored: u64,
    /// Example keys fail the scan (`examples = "fail"` in the configuration).
    pub examples_fail: bool,
    /// Findings left out because the baseline knows them.
    pub baselined: u64,
    /// Baseline entries that matched no finding.
    pub baseline_stale: Vec<crate::baseline::Entry>,
    /// `env --all-processes`: processes whose environment could not be read, with why.
    /// Counted and named, but not an incomplete scan: a non-root audit always has some.
    pub processes_unreadable: Vec<(String, String)>,
    /// Git scans: commits visited and distinct blobs scanned.
    pub git: Option<GitStats>,
    pub elapsed: Duration,
}

/// What a git scan counts on top of files and bytes.
#[derive(Default)]
pub struct GitStats {
    pub commits: u64,
    pub blobs: u64,
    /// Entries deliberately not scanned: `(path, object id, reason)`.
    pub not_scanned: Vec<(String, String, &'static str)>,
}

impl Report {
    /// Drops the suppressed findings (their count stays in the stats), and the files left
    /// with nothing to report.
    pub fn forget_suppressed(&mut self) {
        for file in &mut self.files {
            file.suppressed.clear();
        }
        self.files.retain(|file| !file.findings.is_empty());
    }

    /// What `--verify` found out about `finding`, if it was verified (or skipped).
    pub fn verification_of(&self, finding: &Finding) -> Option<&Verification> {
        self.verification.as_ref()?.of(finding)
    }

    /// Findings that fail the scan: all but examples, unless examples count too.
    pub fn failing_findings(&self, fail_on_examples: bool) -> usize {
        self.files
            .iter()
            .flat_map(|file| &file.findings)
            .filter(|f| fail_on_examples || f.severity > Severity::Info)
            .count()
    }
}

/// A path for display: invalid UTF-8 bytes become `\xNN`, control characters are escaped
/// (a file name cannot inject terminal escapes or CI annotations), `./` is dropped.
pub fn display_path(path: &Path) -> String {
    escape_bytes(&path_bytes(path).1)
}

/// A reported path without its leading `./`, and its bytes (on Windows, with `/`
/// separators).
pub fn path_bytes(path: &Path) -> (&Path, Vec<u8>) {
    let path = path
        .strip_prefix(".")
        .ok()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(path);
    #[cfg(unix)]
    let bytes = std::os::unix::ffi::OsStrExt::as_bytes(path.as_os_str()).to_vec();
    #[cfg(not(unix))]
    let bytes = path.to_string_lossy().replace('\\', "/").into_bytes();
    (path, bytes)
}

/// Text from a repository (an author name) for display: control characters escaped.
pub fn escape(text: &str) -> String {
    escape_bytes(text.as_bytes())
}

fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c.is_control() {
                out.extend(c.escape_default());
            } else {
                out.push(c);
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

/// Seconds since the Unix epoch as `YYYY-MM-DDTHH:MM:SSZ` (UTC).
pub fn utc_date(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let rest = seconds.rem_euclid(86_400);
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// A part's value as every report shows it: key ids in full (identifiers an
/// administrator needs to deactivate the key), secrets and tokens redacted unless asked.
pub fn part_value(part: &keyhound_core::Part, show_secrets: bool) -> String {
    match part.kind {
        keyhound_core::Kind::AccessKeyId => part.value.expose().to_string(),
        _ => shown(&part.value, show_secrets),
    }
}

/// What a part is, in words (`key id`, `secret`, `session token`).
pub fn part_label(kind: keyhound_core::Kind) -> &'static str {
    match kind {
        keyhound_core::Kind::AccessKeyId => "key id",
        keyhound_core::Kind::SecretAccessKey => "secret",
        _ => "session token",
    }
}

/// The sentences saying what a finding's key is and where its text came from: a canary,
/// a binary, an encoding, a commit (`commit` as the report wants it written).
pub fn provenance(finding: &Finding, commit: Option<&str>) -> String {
    let mut text = String::new();
    if let Some(service) = finding.canary {
        text.push_str(&format!(
            " This is a canary token of {service}: planted to catch whoever uses it, so \
             keyhound never verifies it."
        ));
    }
    if finding.binary {
        text.push_str(" Found in a binary file.");
    }
    if finding.encoding != "utf-8" {
        text.push_str(&format!(" Decoded from {}.", finding.encoding));
    }
    if let Some(commit) = commit {
        text.push_str(&format!(" Added in commit {commit}."));
    }
    text
}

/// A secret for display: in full only when asked.
pub fn shown(secret: &keyhound_core::Secret, show_secrets: bool) -> String {
    if show_secrets {
        secret.expose().to_string()
    } else {
        secret.redacted()
    }
}

/// A verification as JSON and SARIF write it: `status`, then what that status carries.
#[derive(Serialize)]
pub struct VerificationRecord<'a> {
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
pub fn verification_record(verification: &Verification) -> VerificationRecord<'_> {
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
    use super::display_path;
    use std::path::Path;

    #[test]
    fn dates_are_utc() {
        assert_eq!(super::utc_date(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::utc_date(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(super::utc_date(951_782_400), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn paths_are_escaped() {
        assert_eq!(display_path(Path::new("./a/b.txt")), "a/b.txt");
        assert_eq!(
            display_path(Path::new("a\x1b]8;;x\r.txt")),
            "a\\u{1b}]8;;x\\r.txt"
        );
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            let odd = std::ffi::OsStr::from_bytes(b"caf\xe9.env");
            assert_eq!(display_path(Path::new(odd)), "caf\\xe9.env");
        }
    }
}
