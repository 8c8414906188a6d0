//! The report model: findings grouped by where they were found, and the counters of the
//! scan that found them.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use keyhound_core::{Allowance, Finding, Severity, Verification, Verifications};
use serde::{Deserialize, Serialize};

use crate::text::{display_path, path_of_bytes};

/// Where a group of findings was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A file, as the walk named it (relative to where the scan ran, or absolute).
    Path(PathBuf),
    /// Standard input.
    Stdin,
    /// The environment variables of the scanning process.
    Environment,
    /// The environment of another process (`/proc/<pid>/environ`).
    Process {
        /// The process id.
        pid: u32,
        /// Its command name (`/proc/<pid>/comm`), possibly empty.
        command: String,
    },
    /// A git blob at a path of a commit's tree or of the index.
    Git(GitOrigin),
    /// An entry of an archive (a jar, a wheel, a tarball, an image layer) found in
    /// another source: reports write `container!/entry`, with `!/` between nested archives
    /// too (`app.tar.gz!/srv/app.war!/WEB-INF/lib/cfg.jar!/application.properties`).
    Archive {
        /// The file, blob or stream the archive is.
        container: Box<Source>,
        /// The entry's path inside it, `!/` between nested archives; empty for the
        /// content of a compressed file that is no archive (`notes.txt.gz`).
        entry: String,
        /// In a container image: the later layer that deletes this file (a whiteout). The
        /// file still ships in the image, in the layer that added it.
        deleted_by: Option<String>,
    },
    /// A part of a cloud resource's configuration, read through its API (the account
    /// audit): an instance's user data, a Lambda function's environment.
    Cloud {
        /// The resource's ARN.
        resource: String,
        /// Which part of it, as the API names it (`userData`, `environment`); lines and
        /// columns of its findings count in that part's text.
        part: String,
    },
}

/// Where a git blob came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GitOrigin {
    /// The path in the repository, `/`-separated, as git stores it (bytes: not always
    /// UTF-8).
    pub path: Vec<u8>,
    /// The blob id, hex.
    pub blob: String,
    /// The commit that introduced it (none for the index and unreachable objects).
    pub commit: Option<Arc<Commit>>,
}

/// A commit, as reports show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Commit {
    /// The commit id, hex.
    pub id: String,
    /// The author's name.
    pub author: String,
    /// The author's e-mail.
    pub email: String,
    /// The author date, seconds since the Unix epoch.
    pub time: i64,
}

impl Source {
    /// The path reports write for this source: the file's own path, the blob's path in
    /// its repository, or a label (`<stdin>`, `<env>`, `/proc/<pid>/environ (<command>)`,
    /// `<arn>#<part>`).
    pub fn path(&self) -> Cow<'_, Path> {
        match self {
            Source::Path(path) => Cow::Borrowed(path),
            Source::Stdin => Cow::Borrowed(Path::new("<stdin>")),
            Source::Environment => Cow::Borrowed(Path::new("<env>")),
            Source::Process { pid, command } => {
                Cow::Owned(PathBuf::from(format!("/proc/{pid}/environ ({command})")))
            }
            Source::Git(origin) => path_of_bytes(&origin.path),
            Source::Cloud { resource, part } => {
                Cow::Owned(PathBuf::from(format!("{resource}#{part}")))
            }
            Source::Archive {
                container, entry, ..
            } if entry.is_empty() => container.path(),
            Source::Archive {
                container, entry, ..
            } => {
                let mut path = container.path().into_owned().into_os_string();
                path.push("!/");
                path.push(entry);
                Cow::Owned(PathBuf::from(path))
            }
        }
    }

    /// For an archive's entry, its path inside the outermost archive (`!/` between nested
    /// archives; empty for a compressed file's content); `None` for any other source.
    /// Lines and columns of its findings count in the entry, not in the archive's file.
    pub fn archive_entry(&self) -> Option<String> {
        match self {
            Source::Archive {
                container, entry, ..
            } => Some(match container.archive_entry() {
                Some(outer) if entry.is_empty() => outer,
                Some(outer) => format!("{outer}!/{entry}"),
                None => entry.clone(),
            }),
            _ => None,
        }
    }

    /// In a container image, the later layer that deletes this entry (see
    /// [`Source::Archive`]).
    pub fn deleted_by(&self) -> Option<&str> {
        match self {
            Source::Archive { deleted_by, .. } => deleted_by.as_deref(),
            _ => None,
        }
    }

    /// The source that holds this one: the outermost archive's file, blob or stream, or
    /// the source itself when it is no archive entry.
    pub fn outermost(&self) -> &Source {
        match self {
            Source::Archive { container, .. } => container.outermost(),
            other => other,
        }
    }

    /// [`Source::path`] for display: invalid UTF-8 as `\xNN`, control characters escaped
    /// (a file name cannot inject terminal escapes or CI annotations), no leading `./`.
    pub fn display(&self) -> String {
        display_path(&self.path())
    }

    /// For a cloud resource's part, the resource's ARN and the part.
    pub fn cloud(&self) -> Option<(&str, &str)> {
        match self {
            Source::Cloud { resource, part } => Some((resource, part)),
            _ => None,
        }
    }

    /// The git origin, for git sources.
    pub fn git(&self) -> Option<&GitOrigin> {
        match self.outermost() {
            Source::Git(origin) => Some(origin),
            _ => None,
        }
    }
}

/// The findings of one source (a file, or a git blob at one path in one commit).
#[derive(Clone, Debug)]
pub struct SourceFindings {
    /// Where they were found.
    pub source: Source,
    /// The findings, in the order of the text.
    pub findings: Vec<Finding>,
    /// Findings an inline comment allowed (listed only when asked), with the marker.
    pub suppressed: Vec<(Finding, Allowance)>,
}

/// Everything a scan produced, in a deterministic order (sources sorted by path, findings
/// in text order). Build one with [`ReportBuilder`](crate::ReportBuilder).
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Sources with findings.
    pub sources: Vec<SourceFindings>,
    /// Counters and the names of inputs that were skipped or unreadable.
    pub stats: Stats,
    /// What a verifier said about each credential, when one was asked.
    pub verification: Option<Verifications>,
}

/// Counters of a scan.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    /// Files (or blobs, or environments) scanned.
    pub files: u64,
    /// Bytes scanned.
    pub bytes: u64,
    /// Findings reported.
    pub findings: u64,
    /// Findings that are AWS documentation examples.
    pub examples: u64,
    /// Inputs that could not be read: (path, why). Any makes the scan incomplete.
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
    /// Findings dropped by the path allowlist.
    pub allowlisted_paths: u64,
    /// Findings dropped by the value allowlist.
    pub allowlisted_values: u64,
    /// Example-key findings dropped by the `ignore` example policy.
    pub examples_ignored: u64,
    /// Example keys fail the scan.
    pub examples_fail: bool,
    /// Findings left out because the baseline knows them.
    pub baselined: u64,
    /// Baseline entries that matched no finding.
    pub baseline_stale: Vec<Entry>,
    /// Processes whose environment could not be read, with why. Counted and named, but
    /// not an incomplete scan: a non-root audit always has some.
    pub processes_unreadable: Vec<(String, String)>,
    /// Git scans: commits visited, blobs scanned, entries not scanned.
    pub git: Option<GitStats>,
    /// How long the scan took.
    pub elapsed: Duration,
}

/// What a git scan counts on top of files and bytes.
#[derive(Clone, Debug, Default)]
pub struct GitStats {
    /// Commits visited.
    pub commits: u64,
    /// Distinct blobs scanned.
    pub blobs: u64,
    /// Entries deliberately not scanned (submodules, LFS pointers, oversized blobs).
    pub not_scanned: Vec<NotScanned>,
}

/// A git entry deliberately not scanned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotScanned {
    /// Its path.
    pub path: String,
    /// Its object id, hex.
    pub id: String,
    /// Why it was not scanned.
    pub reason: String,
}

impl Report {
    /// Every reported finding with its source, in report order.
    pub fn findings(&self) -> impl Iterator<Item = (&SourceFindings, &Finding)> {
        self.sources
            .iter()
            .flat_map(|group| group.findings.iter().map(move |finding| (group, finding)))
    }

    /// Drops the suppressed findings (their count stays in the stats), and the sources
    /// left with nothing to report.
    pub fn forget_suppressed(&mut self) {
        for group in &mut self.sources {
            group.suppressed.clear();
        }
        self.sources.retain(|group| !group.findings.is_empty());
    }

    /// Makes the paths of the sources under `base` relative to it (for a baseline used
    /// from `base`); other sources keep theirs.
    pub fn strip_path_prefix(&mut self, base: &Path) {
        for group in &mut self.sources {
            if let Source::Path(path) = &group.source {
                if let Ok(relative) = path.strip_prefix(base) {
                    group.source = Source::Path(relative.to_path_buf());
                }
            }
        }
    }

    /// Keeps only the sources `keep` accepts (a caller's own report file, say, is not a
    /// finding), and recounts.
    pub fn retain_sources(&mut self, mut keep: impl FnMut(&SourceFindings) -> bool) {
        // What a source left out had suppressed is not counted either.
        let mut dropped = 0;
        self.sources.retain(|group| {
            let kept = keep(group);
            if !kept {
                dropped += group.suppressed.len() as u64;
            }
            kept
        });
        self.stats.suppressed = self.stats.suppressed.saturating_sub(dropped);
        self.recount();
    }

    /// What the verifier found out about `finding`, if it was verified (or skipped).
    pub fn verification_of(&self, finding: &Finding) -> Option<&Verification> {
        self.verification.as_ref()?.of(finding)
    }

    /// Findings that fail the scan: all but examples, unless examples count too (asked
    /// here, or [`Stats::examples_fail`]).
    pub fn failing_findings(&self, fail_on_examples: bool) -> usize {
        let examples_fail = fail_on_examples || self.stats.examples_fail;
        self.findings()
            .filter(|(_, f)| examples_fail || f.severity > Severity::Info)
            .count()
    }

    /// Whether an input could not be read: the scan is incomplete.
    pub fn is_incomplete(&self) -> bool {
        !self.stats.unreadable.is_empty()
    }

    /// Recounts the findings and examples after findings were dropped, and drops the
    /// sources left with nothing to list.
    pub(crate) fn recount(&mut self) {
        self.sources
            .retain(|group| !group.findings.is_empty() || !group.suppressed.is_empty());
        self.stats.findings = self.findings().count() as u64;
        self.stats.examples = self.findings().filter(|(_, f)| f.example).count() as u64;
    }
}

/// One known finding of a [`Baseline`](crate::Baseline).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The path of the finding's source, as reports show it.
    pub path: String,
    /// The rule id.
    pub rule: String,
    /// The finding's fingerprint: 64 lower-case hex digits.
    pub fingerprint: String,
    /// The finding's kind (`credential`, `access-key-id`, …).
    pub kind: String,
}

impl Entry {
    /// The first 12 digits of the fingerprint, enough to tell entries apart in a message.
    pub fn short_fingerprint(&self) -> &str {
        self.fingerprint.get(..12).unwrap_or(&self.fingerprint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_under_the_base_become_relative_and_others_stay() {
        let group = |source: Source| SourceFindings {
            source,
            findings: Vec::new(),
            suppressed: Vec::new(),
        };
        let mut report = Report::default();
        report
            .sources
            .push(group(Source::Path("repo/src/a.env".into())));
        report
            .sources
            .push(group(Source::Path("elsewhere/b.env".into())));
        report.sources.push(group(Source::Stdin));
        report.strip_path_prefix(Path::new("repo"));
        let shown: Vec<String> = report.sources.iter().map(|g| g.source.display()).collect();
        assert_eq!(shown, ["src/a.env", "elsewhere/b.env", "<stdin>"]);
    }
}
