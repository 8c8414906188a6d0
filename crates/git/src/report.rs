//! A git outcome as a keyhound-report [`Report`], which every writer takes.

use std::collections::HashMap;
use std::sync::Arc;

use keyhound_report::{Commit, GitOrigin, GitStats, NotScanned, Report, ReportBuilder};

use crate::scan::Outcome;

/// How a report lists a cancelled scan among its unreadable inputs: name, reason.
pub const CANCELLED: (&str, &str) = (
    "(cancelled)",
    "the scan was cancelled before the end: not everything was scanned",
);

impl Outcome {
    /// The name and reason of every object that could not be read, as a report lists them
    /// ([`Problem::name`](crate::Problem::name), and the problem), and of the
    /// cancellation ([`CANCELLED`]) if the scan was cancelled.
    pub fn unreadable(&self) -> Vec<(String, String)> {
        let cancelled = self
            .cancelled
            .then(|| (CANCELLED.0.to_string(), CANCELLED.1.to_string()));
        self.problems
            .iter()
            .map(|problem| (problem.name(), problem.problem.to_string()))
            .chain(cancelled)
            .collect()
    }

    /// The report of this outcome: findings grouped by blob, path and commit in the
    /// outcome's order, blobs counted as files, problems (and a cancellation) as
    /// unreadable inputs (the scan is then incomplete), entries not scanned in the git
    /// stats.
    pub fn into_report(self) -> Report {
        let mut builder = ReportBuilder::new();
        let unreadable = self.unreadable();
        let stats = builder.stats_mut();
        stats.files = self.blobs;
        stats.bytes = self.bytes;
        stats.findings = self.findings.len() as u64;
        stats.examples = self.findings.iter().filter(|f| f.finding.example).count() as u64;
        stats.symlinks_skipped = self.symlinks;
        stats.unreadable = unreadable;
        stats.suppressed = self.suppressed.len() as u64;
        stats.git = Some(GitStats {
            commits: self.commits,
            blobs: self.blobs,
            not_scanned: self
                .not_scanned
                .iter()
                .map(|entry| NotScanned {
                    path: String::from_utf8_lossy(&entry.path).into_owned(),
                    id: entry.id.to_string(),
                    reason: entry.reason.to_string(),
                })
                .collect(),
        });

        // Each commit once, shared by its findings.
        let mut commits: HashMap<gix::ObjectId, Arc<Commit>> = HashMap::new();
        let suppressed = self
            .suppressed
            .into_iter()
            .map(|(found, allowance)| (found, Some(allowance)));
        let findings = self.findings.into_iter().map(|found| (found, None));
        for (found, allowance) in findings.chain(suppressed) {
            let commit = found.commit.as_ref().map(|info| {
                let commit = commits.entry(info.id).or_insert_with(|| {
                    Arc::new(Commit {
                        id: info.id.to_string(),
                        author: info.author.clone(),
                        email: info.email.clone(),
                        time: info.time,
                    })
                });
                Arc::clone(commit)
            });
            let origin = GitOrigin {
                path: found.path,
                blob: found.blob.to_string(),
                commit,
            };
            builder.git_entry_finding(origin, found.entry, found.finding, allowance);
        }
        builder.build()
    }
}
