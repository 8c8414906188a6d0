//! Reading the blobs a source selected and scanning them in parallel, one thread-local
//! repository handle and one scanner scratch per worker.

use std::collections::HashSet;
use std::ops::ControlFlow;
use std::sync::{Arc, Mutex};

use gix::objs::tree::EntryMode;
use gix::odb::Header;
use gix::ObjectId;
use keyhound_core::{inline_allowance, Allowance, Finding, Fingerprint, Scanner, Scratch};

use crate::object::{read, CommitInfo};
use crate::tree::{Context, Problem};

/// A blob to scan, where it was found, and what it replaced.
#[derive(Clone, Debug)]
pub(crate) struct Target {
    pub(crate) blob: ObjectId,
    pub(crate) mode: EntryMode,
    pub(crate) path: Vec<u8>,
    pub(crate) commit: Option<Arc<CommitInfo>>,
    /// The blobs this one replaced (the same path in the parents, or in HEAD): findings
    /// they already had are not new.
    pub(crate) previous: Vec<ObjectId>,
}

/// A finding in a blob, with where the blob was found.
#[derive(Clone, Debug)]
pub struct GitFinding {
    /// What was found; lines and columns are those of the blob.
    pub finding: Finding,
    /// The path of the blob in the tree (or the index), `/`-separated, as git stores it:
    /// bytes, not always UTF-8 (`String::from_utf8_lossy` shows it). Blobs no commit
    /// reaches (`all_objects`) are at `(unreachable)`.
    pub path: Vec<u8>,
    /// The blob's id.
    pub blob: ObjectId,
    /// The commit that introduced it; `None` for the index and unreachable objects.
    pub commit: Option<Arc<CommitInfo>>,
}

/// An entry that was deliberately not scanned, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotScanned {
    /// Its path, as git stores it (bytes, like [`GitFinding::path`]).
    pub path: Vec<u8>,
    /// Its id.
    pub id: ObjectId,
    /// Why it was not scanned.
    pub reason: NotScannedReason,
}

/// Why an entry was not scanned. Its `Display` is the word reports write: `submodule`,
/// `lfs-pointer`, `too-large`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NotScannedReason {
    /// A submodule (a gitlink: a commit of another repository, not content of this one).
    Submodule,
    /// A Git LFS pointer: the file itself is stored elsewhere.
    LfsPointer,
    /// Larger than [`ScanOptions::max_blob_size`].
    TooLarge {
        /// The blob's size in bytes.
        size: u64,
    },
}

impl std::fmt::Display for NotScannedReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            NotScannedReason::Submodule => "submodule",
            NotScannedReason::LfsPointer => "lfs-pointer",
            NotScannedReason::TooLarge { .. } => "too-large",
        })
    }
}

/// What a git scan found and how far it got.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    /// Findings, in a stable order (path, then position).
    pub findings: Vec<GitFinding>,
    /// Findings an inline comment allowed, with the marker.
    pub suppressed: Vec<(GitFinding, Allowance)>,
    /// Commits visited.
    pub commits: u64,
    /// Distinct blobs read and scanned.
    pub blobs: u64,
    /// Bytes scanned.
    pub bytes: u64,
    /// Symbolic links (never followed, never scanned).
    pub symlinks: u64,
    /// Submodules, LFS pointers and blobs over the size limit.
    pub not_scanned: Vec<NotScanned>,
    /// Objects that could not be read: the scan is incomplete when this is not empty.
    pub problems: Vec<Problem>,
}

/// The default size limit for a blob: 64 MiB. Larger blobs are listed as not scanned.
pub const DEFAULT_MAX_BLOB_SIZE: u64 = 64 << 20;

/// Options shared by every git scan. [`ScanOptions::default`] scans blobs up to
/// [`DEFAULT_MAX_BLOB_SIZE`] on one thread per CPU, without progress.
#[derive(Clone)]
pub struct ScanOptions {
    /// Blobs larger than this are listed as not scanned.
    pub max_blob_size: u64,
    /// Worker threads; 0 means one per CPU (see [`ScanOptions::thread_count`]).
    pub threads: usize,
    /// Told how many blobs there are to read, then of each one read.
    pub progress: Option<Arc<dyn Progress>>,
}

impl Default for ScanOptions {
    /// Blobs up to 64 MiB, one thread per CPU, no progress.
    fn default() -> ScanOptions {
        ScanOptions {
            max_blob_size: DEFAULT_MAX_BLOB_SIZE,
            threads: 0,
            progress: None,
        }
    }
}

impl ScanOptions {
    /// The number of threads to use: as set, or one per CPU when 0.
    pub fn thread_count(&self) -> usize {
        match self.threads {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        }
    }
}

impl std::fmt::Debug for ScanOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScanOptions")
            .field("max_blob_size", &self.max_blob_size)
            .field("threads", &self.threads)
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

/// Receives progress from a scan's reading threads (a progress bar, say).
pub trait Progress: Send + Sync {
    /// How many blobs there are to read so far: the total grows while history is still
    /// being walked, as scanning starts before the walk ends.
    fn discovered(&self, blobs: u64);
    /// One blob of `bytes` bytes was read and scanned.
    fn blob_done(&self, bytes: u64);
    /// Reading is over.
    fn finish(&self) {}
}

/// The first line of a Git LFS pointer file.
const LFS_POINTER: &[u8] = b"version https://git-lfs.github.com/spec/v1";

/// What one scanning thread saw: counts for every blob, and the results worth listing
/// (findings, blobs not scanned, problems) with the index of their target.
#[derive(Default)]
struct Tally {
    blobs: u64,
    bytes: u64,
    symlinks: u64,
    listed: Vec<(usize, Scanned)>,
}

impl Tally {
    fn add(&mut self, index: usize, scanned: Scanned) {
        match &scanned {
            Scanned::Findings {
                bytes,
                findings,
                suppressed,
            } => {
                self.blobs += 1;
                self.bytes += bytes;
                if findings.is_empty() && suppressed.is_empty() {
                    return;
                }
            }
            Scanned::Symlink => {
                self.symlinks += 1;
                return;
            }
            Scanned::NotScanned(_) | Scanned::Problem(_) => {}
        }
        self.listed.push((index, scanned));
    }
}

enum Scanned {
    Findings {
        bytes: u64,
        findings: Vec<GitFinding>,
        suppressed: Vec<(GitFinding, Allowance)>,
    },
    NotScanned(NotScanned),
    Symlink,
    Problem(Problem),
}

/// Scans `targets`, adding to `outcome`.
pub(crate) fn scan_targets(
    repo: &gix::Repository,
    targets: Vec<Target>,
    scanner: &Scanner,
    options: &ScanOptions,
    outcome: &mut Outcome,
) {
    scan_produced(repo, scanner, options, outcome, |emit| {
        targets.into_iter().for_each(emit);
    });
}

/// Targets travel to the scanning threads in batches: one channel message per blob would
/// cost more than scanning most blobs.
const BATCH: usize = 256;

/// Scans the targets `produce` hands to its callback, on `options.threads` threads that
/// start while `produce` is still running (walking history), adding to `outcome`. The
/// outcome lists things in the order they were produced, whatever the threads did.
pub(crate) fn scan_produced(
    repo: &gix::Repository,
    scanner: &Scanner,
    options: &ScanOptions,
    outcome: &mut Outcome,
    produce: impl FnOnce(&mut dyn FnMut(Target)),
) {
    let sync = repo.clone().into_sync();
    let threads = options.thread_count();
    let (sender, receiver) = std::sync::mpsc::sync_channel::<Vec<(usize, Target)>>(threads * 4);
    let receiver = Mutex::new(receiver);
    let mut tallies = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut repo = sync.to_thread_local();
                    crate::open::bound_caches(&mut repo);
                    let (mut scratch, mut buf, mut old) = (Scratch::new(), Vec::new(), Vec::new());
                    let mut tally = Tally::default();
                    // A poisoned lock means another worker panicked: that panic is re-raised.
                    while let Some(batch) = receiver.lock().ok().and_then(|r| r.recv().ok()) {
                        for (index, target) in batch {
                            let scanned = scan_one(
                                &repo,
                                &target,
                                scanner,
                                options,
                                &mut scratch,
                                &mut buf,
                                &mut old,
                            );
                            tally.add(index, scanned);
                        }
                    }
                    tally
                })
            })
            .collect();
        let mut batch = Vec::with_capacity(BATCH);
        let mut produced = 0;
        let send = |batch: Vec<(usize, Target)>, produced: usize| {
            if let Some(progress) = &options.progress {
                progress.discovered(produced as u64);
            }
            // Only fails when every worker is gone, which only a panic does.
            let _ = sender.send(batch);
        };
        produce(&mut |target| {
            batch.push((produced, target));
            produced += 1;
            if batch.len() == BATCH {
                send(
                    std::mem::replace(&mut batch, Vec::with_capacity(BATCH)),
                    produced,
                );
            }
        });
        send(batch, produced);
        drop(sender);
        workers
            .into_iter()
            .map(|worker| {
                worker
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect::<Vec<Tally>>()
    });
    if let Some(progress) = &options.progress {
        progress.finish();
    }
    let mut listed: Vec<(usize, Scanned)> = Vec::new();
    for tally in &mut tallies {
        outcome.blobs += tally.blobs;
        outcome.bytes += tally.bytes;
        outcome.symlinks += tally.symlinks;
        listed.append(&mut tally.listed);
    }
    listed.sort_by_key(|(index, _)| *index);
    for (_, scanned) in listed {
        match scanned {
            Scanned::Findings {
                findings,
                suppressed,
                ..
            } => {
                outcome.findings.extend(findings);
                outcome.suppressed.extend(suppressed);
            }
            Scanned::NotScanned(entry) => outcome.not_scanned.push(entry),
            Scanned::Symlink => {}
            Scanned::Problem(problem) => outcome.problems.push(problem),
        }
    }
    outcome.findings.sort_by(|a, b| {
        (&a.path, a.finding.span.start, &a.blob).cmp(&(&b.path, b.finding.span.start, &b.blob))
    });
}

fn scan_one(
    repo: &gix::Repository,
    target: &Target,
    scanner: &Scanner,
    options: &ScanOptions,
    scratch: &mut Scratch,
    buf: &mut Vec<u8>,
    old: &mut Vec<u8>,
) -> Scanned {
    let not_scanned = |reason| {
        Scanned::NotScanned(NotScanned {
            path: target.path.clone(),
            id: target.blob,
            reason,
        })
    };
    if target.mode.is_commit() {
        return not_scanned(NotScannedReason::Submodule);
    }
    if target.mode.is_link() {
        return Scanned::Symlink;
    }
    if let Ok(Some(header)) = repo.objects.try_header(&target.blob) {
        if header.size() > options.max_blob_size {
            return not_scanned(NotScannedReason::TooLarge {
                size: header.size(),
            });
        }
    }
    let data = match read(repo, &target.blob, gix::object::Kind::Blob, buf) {
        Ok(data) => data,
        Err(problem) => {
            return Scanned::Problem(Problem {
                id: Some(target.blob),
                context: Context::Path(target.path.clone()),
                problem,
            })
        }
    };
    let Some(mut content) = scan_content(data, scanner, scratch) else {
        return not_scanned(NotScannedReason::LfsPointer);
    };
    let bytes = data.len() as u64;
    if let Some(progress) = &options.progress {
        progress.blob_done(bytes);
    }
    if !content.is_empty() && !target.previous.is_empty() {
        let known = previous_fingerprints(repo, &target.previous, scanner, scratch, old);
        content.forget(|finding| known.contains(&finding.fingerprint));
    }
    let (findings, suppressed) =
        content.located(&target.blob, &target.path, target.commit.as_ref());
    Scanned::Findings {
        bytes,
        findings,
        suppressed,
    }
}

/// What scanning a blob's content found, before it is known where the blob was.
#[derive(Debug, Default)]
pub(crate) struct Content {
    findings: Vec<Finding>,
    suppressed: Vec<(Finding, Allowance)>,
}

impl Content {
    /// Nothing found, not even an allowed finding.
    pub(crate) fn is_empty(&self) -> bool {
        self.findings.is_empty() && self.suppressed.is_empty()
    }

    /// Drops the findings `known` says are not new.
    fn forget(&mut self, known: impl Fn(&Finding) -> bool) {
        self.findings.retain(|finding| !known(finding));
        self.suppressed.retain(|(finding, _)| !known(finding));
    }

    /// The findings and the allowed ones, each with the blob's id, path and commit.
    pub(crate) fn located(
        self,
        blob: &ObjectId,
        path: &[u8],
        commit: Option<&Arc<CommitInfo>>,
    ) -> (Vec<GitFinding>, Vec<(GitFinding, Allowance)>) {
        let found = |finding| GitFinding {
            finding,
            path: path.to_vec(),
            blob: *blob,
            commit: commit.cloned(),
        };
        let findings = self.findings.into_iter().map(found).collect();
        let suppressed = self
            .suppressed
            .into_iter()
            .map(|(finding, allowance)| (found(finding), allowance))
            .collect();
        (findings, suppressed)
    }
}

/// Scans a blob's content: `None` for a Git LFS pointer (the file itself is elsewhere).
/// Findings an inline comment allows are kept apart.
pub(crate) fn scan_content(
    data: &[u8],
    scanner: &Scanner,
    scratch: &mut Scratch,
) -> Option<Content> {
    if data.starts_with(LFS_POINTER) && data.len() < 1024 {
        return None;
    }
    let mut content = Content::default();
    scanner.scan_with(data, scratch, |finding| {
        match inline_allowance(data, &finding) {
            Some(allowance) => content.suppressed.push((finding, allowance)),
            None => content.findings.push(finding),
        }
        ControlFlow::Continue(())
    });
    Some(content)
}

/// Fingerprints of what the replaced blobs already held. A replaced blob that cannot be
/// read holds nothing known, so everything in the new one counts as new.
fn previous_fingerprints(
    repo: &gix::Repository,
    previous: &[ObjectId],
    scanner: &Scanner,
    scratch: &mut Scratch,
    buf: &mut Vec<u8>,
) -> HashSet<Fingerprint> {
    let mut known = HashSet::new();
    for id in previous {
        if let Ok(data) = read(repo, id, gix::object::Kind::Blob, buf) {
            scanner.scan_with(data, scratch, |finding| {
                known.insert(finding.fingerprint);
                ControlFlow::Continue(())
            });
        }
    }
    known
}
