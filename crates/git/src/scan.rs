//! Reading the blobs a source selected and scanning them in parallel, one thread-local
//! repository handle and one scanner scratch per worker.

use std::collections::HashSet;
use std::io::Read;
use std::ops::ControlFlow;
use std::sync::{Arc, Mutex};

use gix::objs::tree::EntryMode;
use gix::odb::Header;
use gix::ObjectId;
use keyhound_archive::{Limits, Visit};
use keyhound_core::{Allowance, Ended, Finding, Fingerprint, InlineAllowances, Scanner, Scratch};

use crate::object::{read, CommitInfo, ObjectProblem};
use crate::tree::{Context, Problem};
use keyhound_core::Cancel;

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
    /// When the blob is an archive (a jar, a zip, a tarball): the entry the finding is in,
    /// `!/` between nested archives. Lines and columns are then the entry's.
    pub entry: Option<String>,
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
    /// What the scan worked around (replace refs, grafts): said, but not a problem.
    pub notices: Vec<crate::Notice>,
    /// The scan was cancelled ([`ScanOptions::cancel`]) and stopped before the end: what
    /// it found until then is here, and the scan is incomplete.
    pub cancelled: bool,
}

impl Outcome {
    /// Whether everything was scanned: nothing unreadable, not cancelled. (Entries not
    /// scanned on purpose, in `not_scanned`, do not make a scan incomplete.)
    pub fn is_complete(&self) -> bool {
        self.problems.is_empty() && !self.cancelled
    }
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
    /// Told how many blobs there are to read, then of each one read, and of each finding.
    pub progress: Option<Arc<dyn Progress>>,
    /// Stops the scan when set: it returns soon after, [`Outcome::cancelled`].
    pub cancel: Cancel,
    /// Open blobs that are archives (a jar, a zip, a tarball, told by their content) and
    /// scan their entries, within these limits; `None` scans them as bytes.
    pub archives: Option<keyhound_archive::Limits>,
}

impl Default for ScanOptions {
    /// Blobs up to 64 MiB, one thread per CPU, no progress, archives opened within the
    /// default limits.
    fn default() -> ScanOptions {
        ScanOptions {
            max_blob_size: DEFAULT_MAX_BLOB_SIZE,
            threads: 0,
            progress: None,
            cancel: Cancel::default(),
            archives: Some(keyhound_archive::Limits::default()),
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
            .field("cancelled", &self.cancel.is_cancelled())
            .finish()
    }
}

/// Receives a scan's progress (a progress bar, say) and its findings as they are found.
/// Methods are called from the scanning threads, concurrently: keep them cheap.
///
/// Every blob [`discovered`](Progress::discovered) counts is told
/// [`blob_done`](Progress::blob_done) once, scanned or not, so when a scan completes the
/// count of `blob_done` calls is the last total `discovered` said. (A cancelled scan, or
/// one whose thread stopped, ends short of it.)
pub trait Progress: Send + Sync {
    /// How many blobs (tree or index entries: submodules and symbolic links count) there
    /// are to handle so far. The total grows while history is still being walked, as
    /// scanning starts before the walk ends; it is told from one thread at a time.
    fn discovered(&self, blobs: u64);
    /// One blob is done: `bytes` of it were scanned, 0 when it was not (a submodule, a
    /// symbolic link, an LFS pointer, a blob over the size limit or unreadable).
    fn blob_done(&self, bytes: u64);
    /// A finding, as soon as its path and commit are known: a range or the index tell it
    /// when its blob is scanned; history when its blob is scanned and the walk has met
    /// the commit that introduced it. Findings an inline comment allows are not told, and
    /// the order is the threads', not the outcome's. Does nothing unless implemented.
    fn found(&self, finding: &GitFinding) {
        let _ = finding;
    }
    /// The scan is over (told once, when the last blob is done).
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
                problems,
            } => {
                self.blobs += 1;
                self.bytes += bytes;
                if findings.is_empty() && suppressed.is_empty() && problems.is_empty() {
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
        /// Why the blob was not scanned to its end (the findings cap), and what kept
        /// parts of an archive blob from being read.
        problems: Vec<Problem>,
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
    // Held by the workers alone: if every one of them stops (a panic), the receiver goes
    // with them and sending fails, where it would otherwise wait for ever.
    let receiver = Arc::new(Mutex::new(receiver));
    let (mut tallies, stopped) = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let (receiver, sync) = (Arc::clone(&receiver), &sync);
                scope.spawn(move || {
                    let mut repo = sync.to_thread_local();
                    crate::open::bound_caches(&mut repo);
                    let mut worker = Worker {
                        repo: &repo,
                        scanner,
                        options,
                        scratch: Scratch::new(),
                        buf: Vec::new(),
                        old: Vec::new(),
                    };
                    let mut tally = Tally::default();
                    // A poisoned lock means another worker panicked while receiving.
                    while let Some(batch) = receiver.lock().ok().and_then(|r| r.recv().ok()) {
                        #[cfg(test)]
                        test_hooks::worker_dies(&batch);
                        for (index, target) in batch {
                            // Cancelled: the rest is received (the sender is not kept
                            // waiting) but not scanned.
                            if !options.cancel.is_cancelled() {
                                tally.add(index, worker.scan(&target));
                            }
                        }
                    }
                    tally
                })
            })
            .collect();
        drop(receiver);
        let mut batch = Vec::with_capacity(BATCH);
        let mut produced = 0;
        let send = |batch: Vec<(usize, Target)>, produced: usize| {
            if let Some(progress) = &options.progress {
                progress.discovered(produced as u64);
            }
            // Fails only when every worker is gone: what is left is not scanned, and the
            // scan is incomplete (each stopped worker is a problem).
            sender.send(batch).is_ok()
        };
        let mut open = true;
        produce(&mut |target| {
            if !open || options.cancel.is_cancelled() {
                return;
            }
            batch.push((produced, target));
            produced += 1;
            if batch.len() == BATCH {
                open = send(
                    std::mem::replace(&mut batch, Vec::with_capacity(BATCH)),
                    produced,
                );
            }
        });
        if open {
            send(batch, produced);
        }
        drop(sender);
        let (mut tallies, mut stopped) = (Vec::new(), Vec::new());
        for worker in workers {
            match worker.join() {
                Ok(tally) => tallies.push(tally),
                Err(panic) => stopped.push(panic_message(&*panic)),
            }
        }
        (tallies, stopped)
    });
    if let Some(progress) = &options.progress {
        progress.finish();
    }
    outcome
        .problems
        .extend(stopped.into_iter().map(Problem::thread_stopped));
    outcome.cancelled |= options.cancel.is_cancelled();
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
                problems,
                ..
            } => {
                outcome.findings.extend(findings);
                outcome.suppressed.extend(suppressed);
                outcome.problems.extend(problems);
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

/// One scanning thread: its repository handle, and buffers reused from blob to blob.
struct Worker<'a> {
    repo: &'a gix::Repository,
    scanner: &'a Scanner,
    options: &'a ScanOptions,
    scratch: Scratch,
    buf: Vec<u8>,
    old: Vec<u8>,
}

impl Worker<'_> {
    /// Scans one target. A panic (a bug) costs that blob, as a problem: the others are
    /// still scanned.
    fn scan(&mut self, target: &Target) -> Scanned {
        let scanned = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            scan_one(
                self.repo,
                target,
                self.scanner,
                self.options,
                &mut self.scratch,
                &mut self.buf,
                &mut self.old,
            )
        }));
        let scanned = scanned.unwrap_or_else(|panic| {
            // What the panic left in the scratch space is not to be trusted.
            self.scratch = Scratch::new();
            Scanned::Problem(Problem {
                id: Some(target.blob),
                context: Context::Path(target.path.clone()),
                problem: ObjectProblem::Panicked(panic_message(&*panic)),
            })
        });
        if let Some(progress) = &self.options.progress {
            let bytes = match &scanned {
                Scanned::Findings {
                    bytes, findings, ..
                } => {
                    findings.iter().for_each(|found| progress.found(found));
                    *bytes
                }
                _ => 0,
            };
            progress.blob_done(bytes);
        }
        scanned
    }
}

/// What a panic said.
pub(crate) fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(message) = panic.downcast_ref::<&str>() {
        (*message).to_string()
    } else if let Some(message) = panic.downcast_ref::<String>() {
        message.clone()
    } else {
        "(no message)".to_string()
    }
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
    let Some(mut content) = scan_content(data, scanner, scratch, options.archives) else {
        return not_scanned(NotScannedReason::LfsPointer);
    };
    let bytes = data.len() as u64;
    if !content.is_empty() && !target.previous.is_empty() {
        let known = previous_fingerprints(repo, &target.previous, scanner, options, scratch, old);
        content.forget(|finding| known.contains(&finding.fingerprint));
    }
    let stopped = (content.ended == Ended::TooManyFindings).then(|| Problem {
        id: Some(target.blob),
        context: Context::Path(target.path.clone()),
        problem: ObjectProblem::TooManyFindings {
            limit: scanner.max_findings(),
        },
    });
    let problems = content.problems(&target.blob, &target.path);
    let (findings, suppressed) =
        content.located(&target.blob, &target.path, target.commit.as_ref());
    Scanned::Findings {
        bytes,
        findings,
        suppressed,
        problems: stopped.into_iter().chain(problems).collect(),
    }
}

/// What scanning a blob's content found, before it is known where the blob was.
#[derive(Debug)]
pub(crate) struct Content {
    findings: Vec<Found>,
    suppressed: Vec<(Found, Allowance)>,
    /// Whether the scan reached the blob's end (or stopped at the findings cap).
    pub(crate) ended: Ended,
    /// What kept part of an archive blob from being read.
    archive_problems: Vec<keyhound_archive::Problem>,
}

/// A finding of a blob, and the archive entry it is in when the blob is an archive.
#[derive(Clone, Debug)]
pub(crate) struct Found {
    pub(crate) finding: Finding,
    pub(crate) entry: Option<Arc<str>>,
}

impl Found {
    fn plain(finding: Finding) -> Found {
        Found {
            finding,
            entry: None,
        }
    }
}

impl Content {
    /// The findings no inline comment allows.
    pub(crate) fn findings(&self) -> &[Found] {
        &self.findings
    }

    /// Nothing found, not even an allowed finding, and nothing that kept an archive from
    /// being read.
    pub(crate) fn is_empty(&self) -> bool {
        self.findings.is_empty() && self.suppressed.is_empty() && self.archive_problems.is_empty()
    }

    /// Drops the findings `known` says are not new.
    fn forget(&mut self, known: impl Fn(&Finding) -> bool) {
        self.findings.retain(|found| !known(&found.finding));
        self.suppressed.retain(|(found, _)| !known(&found.finding));
    }

    /// What kept part of the archive blob `blob` at `path` from being read, as problems
    /// of the scan (each makes it incomplete).
    pub(crate) fn problems(&self, blob: &ObjectId, path: &[u8]) -> Vec<Problem> {
        self.archive_problems
            .iter()
            .map(|problem| Problem {
                id: Some(*blob),
                context: Context::Path(path.to_vec()),
                problem: ObjectProblem::Archive {
                    entry: problem.entry().to_string(),
                    problem: problem.to_string(),
                },
            })
            .collect()
    }

    /// The findings and the allowed ones, each with the blob's id, path and commit.
    pub(crate) fn located(
        self,
        blob: &ObjectId,
        path: &[u8],
        commit: Option<&Arc<CommitInfo>>,
    ) -> (Vec<GitFinding>, Vec<(GitFinding, Allowance)>) {
        let found = |found: Found| GitFinding {
            finding: found.finding,
            path: path.to_vec(),
            blob: *blob,
            commit: commit.cloned(),
            entry: found.entry.map(|entry| entry.to_string()),
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
/// Findings an inline comment allows are kept apart. A blob that is an archive has its
/// entries scanned, with `archives` the limits (`None`: read as bytes).
pub(crate) fn scan_content(
    data: &[u8],
    scanner: &Scanner,
    scratch: &mut Scratch,
    archives: Option<Limits>,
) -> Option<Content> {
    if data.starts_with(LFS_POINTER) && data.len() < 1024 {
        return None;
    }
    #[cfg(test)]
    test_hooks::scanning(data);
    let head = &data[..data.len().min(keyhound_archive::SNIFF_LEN)];
    if let Some(limits) = archives.filter(|_| keyhound_archive::Format::sniff(head).is_some()) {
        return Some(scan_archive(data, scanner, scratch, limits));
    }
    let (mut findings, mut suppressed) = (Vec::new(), Vec::new());
    let mut allowances = InlineAllowances::new(data);
    let ended = scanner.scan_with(data, scratch, |finding| {
        match allowances.of(&finding) {
            Some(allowance) => suppressed.push((finding, allowance)),
            None => findings.push(finding),
        }
        ControlFlow::Continue(())
    });
    // A keyhound report committed to the repository is not a new leak of every key id
    // it lists (keyhound_report::own).
    if !findings.is_empty() && keyhound_report::own::recognise(data).is_some() {
        keyhound_report::own::set_aside(&mut findings, &mut suppressed);
    }
    Some(Content {
        findings: findings.into_iter().map(Found::plain).collect(),
        suppressed: suppressed
            .into_iter()
            .map(|(finding, allowance)| (Found::plain(finding), allowance))
            .collect(),
        ended,
        archive_problems: Vec::new(),
    })
}

/// Scans the entries of an archive blob (a jar, a zip, a tarball) with keyhound-archive:
/// each finding carries its entry.
fn scan_archive(data: &[u8], scanner: &Scanner, scratch: &mut Scratch, limits: Limits) -> Content {
    let mut content = Content {
        findings: Vec::new(),
        suppressed: Vec::new(),
        ended: Ended::Complete,
        archive_problems: Vec::new(),
    };
    let mut buffer = Vec::new();
    let mut visit = |path: &str, entry: &mut dyn Read| {
        let entry_name: Arc<str> = Arc::from(path);
        let found = |finding| Found {
            finding,
            entry: Some(Arc::clone(&entry_name)),
        };
        let streamed = scanner.stream(entry, scratch, &mut buffer, |finding, window| {
            match window.inline_allowance(&finding) {
                Some(allowance) => content.suppressed.push((found(finding), allowance)),
                None => content.findings.push(found(finding)),
            }
            ControlFlow::Continue(())
        })?;
        if streamed.ended == Ended::TooManyFindings {
            content.ended = Ended::TooManyFindings;
            return Ok(Visit::Stop);
        }
        Ok(Visit::Continue)
    };
    let mut problems = Vec::new();
    // An archive blob is in memory already; the limits bound what it expands to.
    keyhound_archive::walk(
        std::io::Cursor::new(data),
        limits,
        &Cancel::default(),
        &mut visit,
        &mut |problem| problems.push(problem),
    );
    content.archive_problems = problems;
    content
}

/// Fingerprints of what the replaced blobs already held. A replaced blob that cannot be
/// read holds nothing known, so everything in the new one counts as new.
fn previous_fingerprints(
    repo: &gix::Repository,
    previous: &[ObjectId],
    scanner: &Scanner,
    options: &ScanOptions,
    scratch: &mut Scratch,
    buf: &mut Vec<u8>,
) -> HashSet<Fingerprint> {
    let mut known = HashSet::new();
    for id in previous {
        if let Ok(data) = read(repo, id, gix::object::Kind::Blob, buf) {
            if let Some(content) = scan_content(data, scanner, scratch, options.archives) {
                let found = content
                    .findings
                    .iter()
                    .chain(content.suppressed.iter().map(|(f, _)| f));
                known.extend(found.map(|found| found.finding.fingerprint));
            }
        }
    }
    known
}

/// Panics on purpose, to test that a panic never hangs a scan nor passes silently.
#[cfg(test)]
pub(crate) mod test_hooks {
    use super::Target;

    /// A blob starting with this panics as it is scanned.
    pub(crate) const PANIC: &[u8] = b"keyhound-test: panic while scanning";
    /// A batch holding a path ending with this stops the worker thread that receives it.
    pub(crate) const WORKER_DIES: &[u8] = b"keyhound-test-worker-dies";

    pub(crate) fn scanning(data: &[u8]) {
        if data.starts_with(PANIC) {
            panic!("test: a blob that panics");
        }
    }

    pub(crate) fn worker_dies(batch: &[(usize, Target)]) {
        if batch.iter().any(|(_, t)| t.path.ends_with(WORKER_DIES)) {
            panic!("test: a worker thread that stops");
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;
    use std::time::Duration;

    use super::test_hooks::{PANIC, WORKER_DIES};
    use super::*;
    use crate::testing::{commit, file, git, init, CREDENTIALS};
    use crate::StagedOptions;

    /// Runs `scan` on a thread of its own, failing (instead of hanging) if it takes more
    /// than a minute.
    fn within_a_minute<T: Send + 'static>(scan: impl FnOnce() -> T + Send + 'static) -> T {
        let (done, result) = mpsc::channel();
        std::thread::spawn(move || done.send(scan()).expect("the test waits"));
        result
            .recv_timeout(Duration::from_secs(60))
            .expect("the scan ended instead of hanging")
    }

    fn panicked_at(outcome: &Outcome) -> Vec<(Option<Vec<u8>>, bool)> {
        outcome
            .problems
            .iter()
            .filter(|p| matches!(p.problem, ObjectProblem::Panicked(_)))
            .map(|p| (p.path().map(<[u8]>::to_vec), p.id.is_some()))
            .collect()
    }

    /// A blob whose scan panics is a problem naming it; every other blob is scanned, in
    /// history (packed, then loose), a range and the index.
    #[test]
    fn a_panic_while_scanning_costs_that_blob_only() {
        let dir = init();
        let root = dir.path();
        let mut poison = PANIC.to_vec();
        poison.extend_from_slice(b" and more\n");
        commit(
            root,
            &[
                file("a/poison.txt", &poison),
                file("b/creds.ini", CREDENTIALS),
            ],
            "two",
        );
        let repo = crate::open(root).expect("opens");
        let scanner = Scanner::default();
        let options = ScanOptions {
            threads: 2,
            ..ScanOptions::default()
        };
        let expected = vec![(Some(b"a/poison.txt".to_vec()), true)];
        let check = |outcome: &Outcome| {
            assert_eq!(panicked_at(outcome), expected, "{:?}", outcome.problems);
            assert_eq!(outcome.problems.len(), 1, "{:?}", outcome.problems);
            assert_eq!(outcome.findings.len(), 1);
            assert_eq!(outcome.findings[0].path, b"b/creds.ini");
        };
        check(&crate::history(&repo, &scanner, &options, false));
        git(root, &["repack", "-q", "-a", "-d"]);
        let repo = crate::open(root).expect("opens");
        check(&crate::history(&repo, &scanner, &options, false));
        check(&crate::range(&repo, "HEAD~1..HEAD", &scanner, &options).expect("a range"));
        git(
            root,
            &["rm", "-q", "--cached", "a/poison.txt", "b/creds.ini"],
        );
        git(root, &["add", "a/poison.txt", "b/creds.ini"]);
        let whole = StagedOptions {
            whole_files: true,
            ..StagedOptions::default()
        };
        let index = repo.index_path();
        check(&crate::staged(&repo, &index, &scanner, &options, &whole).expect("an index"));
    }

    /// A worker thread that stops while the scan still has blobs to send it: the scan used
    /// to wait for ever on the full channel. It now ends, incomplete.
    #[test]
    fn a_stopped_worker_ends_the_scan_incomplete_instead_of_hanging() {
        let dir = init();
        let root = dir.path();
        let mut files = vec![file("creds.ini", CREDENTIALS)];
        files.push(file(std::str::from_utf8(WORKER_DIES).unwrap(), "x\n"));
        // Far more than the channel holds: 4 batches of 256 per thread.
        files.extend((0..3000).map(|i| file(&format!("many/{i}.txt"), format!("{i}\n"))));
        commit(root, &files, "many");
        let path = root.to_path_buf();
        let outcome = within_a_minute(move || {
            let repo = crate::open(&path).expect("opens");
            let options = ScanOptions {
                threads: 1,
                ..ScanOptions::default()
            };
            crate::range(&repo, "HEAD~1..HEAD", &Scanner::default(), &options).expect("a range")
        });
        let stopped: Vec<&Problem> = outcome
            .problems
            .iter()
            .filter(|p| p.context == Context::Thread)
            .collect();
        assert_eq!(stopped.len(), 1, "{:?}", outcome.problems);
        assert!(matches!(stopped[0].problem, ObjectProblem::Panicked(_)));
        assert!(stopped[0].id.is_none());
        assert_eq!(
            stopped[0].to_string(),
            "scanning thread: panicked: test: a worker thread that stops"
        );
        assert!(outcome.blobs < 3002, "{}", outcome.blobs);
    }
}
