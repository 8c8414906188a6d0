//! Building a report from what a scan tells, one input at a time.

use std::collections::HashMap;

use keyhound_core::{Allowance, Finding};

use crate::model::{GitOrigin, Report, Source, SourceFindings, Stats};

/// A git finding's group: the blob's path, id and commit, and the archive entry.
type GitGroup = (Vec<u8>, String, Option<String>, Option<String>);

/// Gathers a scan's results into a [`Report`]: findings by source, and every counter.
///
/// ```
/// use keyhound_core::Scanner;
/// use keyhound_report::{ReportBuilder, Source};
///
/// let text = b"aws_access_key_id = AKIAQWZ7RNE3OSJHKV4D\n";
/// let mut builder = ReportBuilder::new();
/// builder.scanned(Source::Stdin, text.len() as u64, Scanner::default().scan(text), Vec::new());
/// let report = builder.build();
/// assert_eq!(report.stats.files, 1);
/// assert_eq!(report.sources[0].source.display(), "<stdin>");
/// ```
#[derive(Default)]
pub struct ReportBuilder {
    report: Report,
    /// Git groups by (path, blob, commit), so each blob at a path in a commit is one group.
    git_groups: HashMap<GitGroup, usize>,
}

impl ReportBuilder {
    /// An empty report.
    pub fn new() -> ReportBuilder {
        ReportBuilder::default()
    }

    /// The counters, for what the other methods do not count.
    pub fn stats_mut(&mut self) -> &mut Stats {
        &mut self.report.stats
    }

    /// One input read and scanned: `bytes` long, with its findings and the findings an
    /// inline comment suppressed.
    pub fn scanned(
        &mut self,
        source: Source,
        bytes: u64,
        findings: Vec<Finding>,
        suppressed: Vec<(Finding, Allowance)>,
    ) {
        let stats = &mut self.report.stats;
        stats.files += 1;
        stats.bytes += bytes;
        stats.findings += findings.len() as u64;
        stats.examples += findings.iter().filter(|f| f.example).count() as u64;
        stats.suppressed += suppressed.len() as u64;
        if !findings.is_empty() || !suppressed.is_empty() {
            self.report.sources.push(SourceFindings {
                source,
                findings,
                suppressed,
            });
        }
    }

    /// Inputs scanned without findings, counted in bulk, and symbolic links not followed.
    pub fn counted(&mut self, files: u64, bytes: u64, symlinks: u64) {
        let stats = &mut self.report.stats;
        stats.files += files;
        stats.bytes += bytes;
        stats.symlinks_skipped += symlinks;
    }

    /// An input over the size limit, not scanned.
    pub fn too_large(&mut self, path: String, bytes: u64) {
        self.report.stats.too_large.push((path, bytes));
    }

    /// An input that could not be read: the scan is incomplete.
    pub fn unreadable(&mut self, path: String, error: String) {
        self.report.stats.unreadable.push((path, error));
    }

    /// A FIFO, socket or device, not read.
    pub fn special_skipped(&mut self) {
        self.report.stats.special_skipped += 1;
    }

    /// A process whose environment could not be read (not an incomplete scan).
    pub fn process_unreadable(&mut self, name: String, error: String) {
        self.report.stats.processes_unreadable.push((name, error));
    }

    /// A finding in a git blob (suppressed when `allowance` is given), grouped with the
    /// other findings of the same blob at the same path in the same commit. Counters are
    /// the caller's: a git scan counts blobs, not files.
    pub fn git_finding(
        &mut self,
        origin: GitOrigin,
        finding: Finding,
        allowance: Option<Allowance>,
    ) {
        self.git_entry_finding(origin, None, finding, allowance);
    }

    /// [`ReportBuilder::git_finding`] for a blob that is an archive: the finding is in
    /// `entry` (`!/` between nested archives), its source a [`Source::Archive`] holding
    /// the blob. With `entry` `None`, the blob's own finding.
    pub fn git_entry_finding(
        &mut self,
        origin: GitOrigin,
        entry: Option<String>,
        finding: Finding,
        allowance: Option<Allowance>,
    ) {
        let key = (
            origin.path.clone(),
            origin.blob.clone(),
            origin.commit.as_ref().map(|c| c.id.clone()),
            entry.clone(),
        );
        let sources = &mut self.report.sources;
        let index = *self.git_groups.entry(key).or_insert_with(|| {
            let source = match entry {
                Some(entry) => Source::Archive {
                    container: Box::new(Source::Git(origin)),
                    entry,
                    deleted_by: None,
                },
                None => Source::Git(origin),
            };
            sources.push(SourceFindings {
                source,
                findings: Vec::new(),
                suppressed: Vec::new(),
            });
            sources.len() - 1
        });
        let group = &mut sources[index];
        match allowance {
            Some(allowance) => group.suppressed.push((finding, allowance)),
            None => group.findings.push(finding),
        }
    }

    /// Sorts the sources by path, and the too-large and unreadable lists.
    pub fn sort(&mut self) {
        let report = &mut self.report;
        report
            .sources
            .sort_by(|a, b| a.source.path().cmp(&b.source.path()));
        report.stats.too_large.sort();
        report.stats.unreadable.sort();
    }

    /// The report.
    pub fn build(self) -> Report {
        self.report
    }
}

impl From<Report> for ReportBuilder {
    /// Goes on building `report` (its git findings are not grouped with new ones).
    fn from(report: Report) -> ReportBuilder {
        ReportBuilder {
            report,
            git_groups: HashMap::new(),
        }
    }
}
