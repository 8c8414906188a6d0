//! `git history`: every blob reachable from every ref (branches, tags, remotes, the stash,
//! a detached HEAD), each read and scanned once, each attributed to the first commit in
//! topological order that holds it.
//!
//! Commits are read as stored (replace refs and grafts are not applied, see
//! [`crate::open`]); what replace refs point at is scanned as any ref's target is: a
//! replacement commit as history, a replacement blob or tree as content at the ref's name
//! (`refs/replace/<id>`, or `refs/replace/<id>:<path>` in a tree). Commits that only
//! `info/grafts` names are scanned too.
//!
//! Two things happen at once: the walk (this thread) compares each commit's tree with its
//! first parent's to find the blobs each commit introduces, while the packs' blobs are
//! scanned on the other threads in the packs' own delta order ([`crate::pack`]). Then the
//! findings are attributed, and blobs no pack held (loose objects, alternates) are read
//! and scanned the ordinary way.

use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher;
use std::rc::Rc;
use std::sync::Arc;

use gix::objs::tree::EntryMode;
use gix::odb::Header;
use gix::ObjectId;
use keyhound_core::Scanner;

use crate::graph::{Graph, Rewrites};
use crate::object::{commit, read, CommitInfo, ObjectProblem, ReadObject};
use crate::pack::{Coverage, PackReader, PackScan, Packs, Report};
use crate::range::{resolve, RangeEnd, RangeError};
use crate::scan::{
    panic_message, scan_targets, Found, GitFinding, NotScanned, NotScannedReason, Outcome,
    Progress, ScanOptions, Target,
};
use crate::tree::{self, Context, Problem};
use keyhound_core::Cancel;

/// Scans the whole history of `repo`. With `all_objects`, blobs that no ref reaches
/// (dangling, in the reflog only, left by a rebase) are scanned too.
pub fn history(
    repo: &gix::Repository,
    scanner: &Scanner,
    options: &ScanOptions,
    all_objects: bool,
) -> Outcome {
    // Objects as stored, whatever handle the caller passed.
    let stored = crate::open::stored(repo);
    let repo = &stored;
    let mut problems = Vec::new();
    let rewrites = Rewrites::read(repo);
    let mut tips = tips(repo, &mut problems);
    tips.extend(
        rewrites
            .graft_tips(repo)
            .into_iter()
            .map(|id| (id, "info/grafts".to_string())),
    );
    walk_and_scan(
        repo,
        tips,
        problems,
        rewrites,
        scanner,
        options,
        all_objects,
    )
}

/// Scans the history reachable from `revisions` only (`HEAD`, a branch, a commit id),
/// not from every ref: what a checkout of them holds and ever held, without the other
/// branches a clone fetched. Each blob is attributed as [`history`] does.
///
/// A revision that names nothing is an error, told apart as [`crate::range`] does: a
/// shallow clone ([`RangeError::Missing`]), an object id absent from a full clone
/// ([`RangeError::Absent`]), any other name ([`RangeError::Revision`], a usage error).
pub fn history_of(
    repo: &gix::Repository,
    revisions: &[&str],
    scanner: &Scanner,
    options: &ScanOptions,
) -> Result<Outcome, RangeError> {
    let stored = crate::open::stored(repo);
    let repo = &stored;
    let mut tips = Vec::new();
    for spec in revisions {
        tips.push((resolve(repo, RangeEnd::Head, spec)?, (*spec).to_string()));
    }
    let rewrites = Rewrites::read(repo);
    Ok(walk_and_scan(
        repo,
        tips,
        Vec::new(),
        rewrites,
        scanner,
        options,
        false,
    ))
}

/// The walk from `tips` and the scan of what it reaches (see the module docs).
fn walk_and_scan(
    repo: &gix::Repository,
    mut tips: Vec<(ObjectId, String)>,
    mut problems: Vec<Problem>,
    rewrites: Rewrites,
    scanner: &Scanner,
    options: &ScanOptions,
    all_objects: bool,
) -> Outcome {
    // Each tip once, named by the first of its names.
    tips.sort();
    tips.dedup_by_key(|(id, _)| *id);
    let tip_ids: Vec<ObjectId> = tips.iter().map(|(id, _)| *id).collect();
    let objects = repo.objects.store_ref().path().to_owned();
    let hash = repo.object_hash();
    // The walk keeps this thread busy: the packs get the other threads asked for.
    let pack_options = ScanOptions {
        threads: options.thread_count().saturating_sub(1).max(1),
        ..options.clone()
    };
    let cancel = &options.cancel;
    let packs = Packs::open(&objects, hash, cancel);
    let mut authors = Authors::new(repo);
    // Findings in packed blobs travel to this thread, which knows (once the walk met it)
    // the commit and path that introduced each blob, and tells them as they come.
    let (found, arriving) = std::sync::mpsc::channel();
    let mut stream = options.progress.as_deref().map(|progress| Stream {
        progress,
        arriving,
        pending: HashMap::new(),
        told: HashSet::new(),
    });
    let found = stream.is_some().then_some(found);
    let (graph, introduced, mut packs) = std::thread::scope(|scope| {
        let packs = &packs;
        // The sender goes with the pack scan: the stream ends when the scan does.
        let scan = scope.spawn(move || packs.scan_blobs(scanner, &pack_options, found));
        let mut objects = PackedFirst {
            repo,
            packs: PackReader::new(packs, WALK_CACHE_BYTES),
        };
        let graph = Graph::read(repo, &mut objects, &tip_ids, &mut problems, cancel);
        let introduced = Introduced::walk(
            &mut objects,
            &graph,
            &tips,
            &mut problems,
            cancel,
            |so_far, new| {
                if let Some(stream) = &mut stream {
                    stream.walked(so_far, new, &graph, &mut authors);
                }
            },
        );
        if let Some(stream) = &mut stream {
            stream.rest(&introduced, &graph, &mut authors);
        }
        let scan = scan.join().unwrap_or_else(|panic| {
            // Its workers catch their panics: this one stopped the pack scan itself. What
            // was marked scanned may have lost its findings: the scan is incomplete.
            problems.push(Problem::thread_stopped(panic_message(&*panic)));
            PackScan::nothing(packs)
        });
        (graph, introduced, scan)
    });
    problems.extend(packs.stopped.drain(..).map(Problem::thread_stopped));
    let mut outcome = Outcome {
        commits: graph.len() as u64,
        notices: rewrites.notices(Some(&graph)),
        ..Outcome::default()
    };
    let mut unread = attribute(
        &introduced,
        &graph,
        &mut packs,
        &mut authors,
        cancel,
        &mut outcome,
    );
    if cancel.is_cancelled() {
        // Only what was scanned is reported: reading the rest is not prompt.
        unread.clear();
    } else if all_objects {
        unreachable_packed_blobs(&introduced, &mut packs, options, &mut outcome);
        unread.extend(unreachable_loose_blobs(
            repo,
            &introduced,
            &packs,
            &mut problems,
        ));
    }
    // What no pack held is read through gix, after what the packs held; the progress
    // bar's total so far is every blob the packs hold.
    let already = packs.blobs;
    let options = ScanOptions {
        progress: options
            .progress
            .clone()
            .map(|inner| Arc::new(Continued { inner, already }) as Arc<dyn Progress>),
        ..options.clone()
    };
    scan_targets(repo, unread, scanner, &options, &mut outcome);
    problems.append(&mut outcome.problems);
    outcome.problems = problems;
    outcome
}

/// A blob (or a submodule or symbolic link entry) first met in history: the commit that
/// introduced it and its path there.
struct Introduction {
    id: ObjectId,
    /// The commit's place in the graph, or [`NO_COMMIT`].
    commit: u32,
    path: u32,
    mode: EntryMode,
}

/// The commit of an entry that a ref to a blob or a tree reaches, not a commit.
const NO_COMMIT: u32 = u32::MAX;

/// What the walk found: every entry history introduces, in the order it met them.
struct Introduced {
    entries: Vec<Introduction>,
    /// Each distinct path once.
    paths: Vec<Rc<[u8]>>,
    /// The places in `entries`, found by id (the ids themselves are only in `entries`).
    seen: gix::hashtable::hash_table::HashTable<u32>,
    hasher: gix::hashtable::hash::Builder,
}

impl Introduced {
    /// Walks the commits parents first, each compared with its first parent: what it
    /// changed and no earlier commit held, it introduced. A commit without a parent in
    /// the graph (a root, a shallow clone's edge) introduces everything it holds that is
    /// new.
    ///
    /// Then the tips that are not commits (`graph.other_tips`, named in `tips`) introduce
    /// what is new in them, at no commit: a blob at the ref's name, a tree's entries at
    /// `name:path`.
    ///
    /// After each commit (and each other tip), `walked` is given what was found so far
    /// and the place of the first entry that commit introduced.
    fn walk(
        trees: &mut impl ReadObject,
        graph: &Graph,
        tips: &[(ObjectId, String)],
        problems: &mut Vec<Problem>,
        cancel: &Cancel,
        mut walked: impl FnMut(&Introduced, usize),
    ) -> Introduced {
        let mut found = Introduced {
            entries: Vec::new(),
            paths: Vec::new(),
            seen: Default::default(),
            hasher: Default::default(),
        };
        let mut path_ids: HashMap<Rc<[u8]>, u32> = HashMap::new();
        for &commit in graph.topological() {
            if cancel.is_cancelled() {
                break;
            }
            let old = graph
                .parents(commit)
                .first()
                .map(|&parent| graph.trees[parent as usize]);
            let new = graph.trees[commit as usize];
            let first = found.entries.len();
            tree::walk_changes(trees, old, new, problems, |leaf| {
                found.meet(&mut path_ids, commit, b"", leaf);
            });
            walked(&found, first);
        }
        for &(id, kind) in &graph.other_tips {
            if cancel.is_cancelled() {
                break;
            }
            let name = tips
                .binary_search_by_key(&id, |(tip, _)| *tip)
                .map_or("(ref)", |at| tips[at].1.as_str());
            let first = found.entries.len();
            match kind {
                "blob" => {
                    let leaf = tree::Leaf {
                        prefix: b"",
                        name: name.as_bytes(),
                        id,
                        mode: gix::objs::tree::EntryKind::Blob.into(),
                    };
                    found.meet(&mut path_ids, NO_COMMIT, b"", &leaf);
                }
                "tree" => {
                    let prefix = format!("{name}:");
                    tree::walk_changes(trees, None, id, problems, |leaf| {
                        found.meet(&mut path_ids, NO_COMMIT, prefix.as_bytes(), leaf);
                    });
                }
                _ => {}
            }
            walked(&found, first);
        }
        found
    }

    /// Where entry `id` is in `entries`, if history holds it.
    fn place(&self, id: &gix::oid) -> Option<u32> {
        self.seen
            .find(self.hasher.hash_one(id), |&place| {
                self.entries[place as usize].id == id
            })
            .copied()
    }

    /// Records `leaf`, met in `commit` at `prefix` and its path, unless an earlier commit
    /// introduced it.
    fn meet(
        &mut self,
        path_ids: &mut HashMap<Rc<[u8]>, u32>,
        commit: u32,
        prefix: &[u8],
        leaf: &tree::Leaf<'_>,
    ) {
        if self.place(&leaf.id).is_some() {
            return;
        }
        let place = self.entries.len() as u32;
        let (entries, hasher) = (&self.entries, &self.hasher);
        let hash = |id: &gix::oid| hasher.hash_one(id);
        self.seen.insert_unique(hash(&leaf.id), place, |&place| {
            hash(&entries[place as usize].id)
        });
        let mut path = leaf.to_entry().path;
        if !prefix.is_empty() {
            path.splice(0..0, prefix.iter().copied());
        }
        let path = match path_ids.get(path.as_slice()) {
            Some(&path) => path,
            None => {
                let shared: Rc<[u8]> = path.into();
                let place = self.paths.len() as u32;
                self.paths.push(shared.clone());
                path_ids.insert(shared, place);
                place
            }
        };
        self.entries.push(Introduction {
            id: leaf.id,
            commit,
            path,
            mode: leaf.mode,
        });
    }
}

/// Decoded trees the walk keeps: each version of a directory is usually a delta on the
/// version before or after it, which is then still here.
const WALK_CACHE_BYTES: usize = 16 << 20;

/// The walk's commits and trees: from the packs where they are, else through gix (loose
/// objects, alternates, and anything the packs' reader cannot decode, which gix then
/// explains).
struct PackedFirst<'r, 'p> {
    repo: &'r gix::Repository,
    packs: PackReader<'p>,
}

impl ReadObject for PackedFirst<'_, '_> {
    fn read_object<'b>(
        &mut self,
        id: &ObjectId,
        kind: gix::object::Kind,
        buf: &'b mut Vec<u8>,
    ) -> Result<&'b [u8], ObjectProblem> {
        if self.packs.read(id, kind, buf).is_some() {
            return Ok(buf.as_slice());
        }
        read(self.repo, id, kind, buf)
    }
}

/// The authors of commits, read when a finding needs one.
struct Authors<'r> {
    repo: &'r gix::Repository,
    read: HashMap<u32, Arc<CommitInfo>>,
    buf: Vec<u8>,
}

impl<'r> Authors<'r> {
    fn new(repo: &'r gix::Repository) -> Self {
        Authors {
            repo,
            read: HashMap::new(),
            buf: Vec::new(),
        }
    }

    /// Commit `i`'s id, author and date (the id alone if it cannot be read again); none
    /// for [`NO_COMMIT`].
    fn of(&mut self, graph: &Graph, i: u32) -> Option<Arc<CommitInfo>> {
        let id = *graph.ids.get(i as usize)?;
        let (repo, buf) = (self.repo, &mut self.buf);
        self.read
            .entry(i)
            .or_insert_with(|| {
                Arc::new(match commit(repo, &id, buf) {
                    Ok(commit) => commit.info,
                    Err(_) => CommitInfo {
                        id,
                        author: String::new(),
                        email: String::new(),
                        time: 0,
                    },
                })
            })
            .clone()
            .into()
    }
}

/// Adds what the packs' scan found to `outcome`, each finding with the commit and path
/// that introduced its blob, and returns the entries no pack held, to be read.
fn attribute(
    introduced: &Introduced,
    graph: &Graph,
    packs: &mut PackScan<'_>,
    authors: &mut Authors<'_>,
    cancel: &Cancel,
    outcome: &mut Outcome,
) -> Vec<Target> {
    let mut unread = Vec::new();
    let sizes = packs.scanned_sizes(|id| introduced.place(id), introduced.entries.len());
    for (entry, &size) in introduced.entries.iter().zip(&sizes) {
        let path = &introduced.paths[entry.path as usize];
        // Submodules and symbolic links are never read: the ordinary path lists them.
        let coverage = if entry.mode.is_commit() || entry.mode.is_link() {
            Coverage::No
        } else if matches!(packs.reports.get(&entry.id), Some(Report::NotScanned(_))) {
            Coverage::Reported
        } else if size != 0 {
            Coverage::Scanned(u64::from(size - 1))
        } else {
            Coverage::No
        };
        match coverage {
            // Cancelled: not read, so its author is not needed (nor read, which takes time).
            Coverage::No if cancel.is_cancelled() => {}
            Coverage::No => unread.push(Target {
                blob: entry.id,
                mode: entry.mode,
                path: path.to_vec(),
                commit: authors.of(graph, entry.commit),
                previous: Vec::new(),
            }),
            Coverage::Scanned(bytes) => {
                outcome.blobs += 1;
                outcome.bytes += bytes;
                if let Some(Report::Findings(content)) = packs.reports.remove(&entry.id) {
                    let commit = authors.of(graph, entry.commit);
                    outcome.problems.extend(content.problems(&entry.id, path));
                    let (findings, suppressed) = content.located(&entry.id, path, commit.as_ref());
                    outcome.findings.extend(findings);
                    outcome.suppressed.extend(suppressed);
                }
            }
            Coverage::Reported => {
                if let Some(Report::NotScanned(reason)) = packs.reports.remove(&entry.id) {
                    outcome.not_scanned.push(NotScanned {
                        path: path.to_vec(),
                        id: entry.id,
                        reason,
                    });
                }
            }
        }
    }
    unread
}

/// The path unreachable blobs are listed under.
const UNREACHABLE: &[u8] = b"(unreachable)";

/// Adds the blobs the packs held that history does not reach, in id order.
fn unreachable_packed_blobs(
    introduced: &Introduced,
    packs: &mut PackScan<'_>,
    options: &ScanOptions,
    outcome: &mut Outcome,
) {
    let mut scanned: Vec<(ObjectId, u64)> = packs
        .scanned()
        .filter(|(id, _)| introduced.place(id).is_none())
        .collect();
    scanned.sort();
    scanned.dedup_by_key(|(id, _)| *id);
    for (id, bytes) in scanned {
        outcome.blobs += 1;
        outcome.bytes += bytes;
        if let Some(Report::Findings(content)) = packs.reports.remove(&id) {
            outcome.problems.extend(content.problems(&id, UNREACHABLE));
            let (findings, suppressed) = content.located(&id, UNREACHABLE, None);
            if let Some(progress) = &options.progress {
                findings.iter().for_each(|found| progress.found(found));
            }
            outcome.findings.extend(findings);
            outcome.suppressed.extend(suppressed);
        }
    }
    let mut not_scanned: Vec<(ObjectId, NotScannedReason)> = packs
        .reports
        .iter()
        .filter(|(id, _)| introduced.place(id).is_none())
        .filter_map(|(id, report)| match report {
            Report::NotScanned(reason) => Some((*id, *reason)),
            Report::Findings(_) => None,
        })
        .collect();
    not_scanned.sort_by_key(|(id, _)| *id);
    outcome
        .not_scanned
        .extend(not_scanned.into_iter().map(|(id, reason)| NotScanned {
            path: UNREACHABLE.to_vec(),
            id,
            reason,
        }));
}

/// Findings in packed blobs, told to progress as soon as the walk has met the commit that
/// introduced their blob (the first to hold it, which no later commit changes).
struct Stream<'p> {
    progress: &'p dyn Progress,
    /// What the packs' scan found: a blob and its findings.
    arriving: std::sync::mpsc::Receiver<(ObjectId, Vec<Found>)>,
    /// Findings in blobs the walk has not met yet.
    pending: HashMap<ObjectId, Vec<Found>>,
    /// Blobs whose findings were told (a blob in two packs is scanned twice).
    told: HashSet<ObjectId>,
}

impl Stream<'_> {
    /// After each commit of the walk: tells the findings of the blobs it introduced that
    /// had already arrived, then those that arrived since, for blobs already met.
    fn walked(
        &mut self,
        introduced: &Introduced,
        first_new: usize,
        graph: &Graph,
        authors: &mut Authors<'_>,
    ) {
        if !self.pending.is_empty() {
            for place in first_new..introduced.entries.len() {
                let id = introduced.entries[place].id;
                if let Some(findings) = self.pending.remove(&id) {
                    self.tell(introduced, place as u32, findings, graph, authors);
                }
            }
        }
        while let Ok((id, findings)) = self.arriving.try_recv() {
            self.arrived(introduced, id, findings, graph, authors);
        }
    }

    /// After the walk: tells what the packs find until their scan ends. Findings in blobs
    /// no commit reaches stay pending (`all_objects` tells them).
    fn rest(&mut self, introduced: &Introduced, graph: &Graph, authors: &mut Authors<'_>) {
        let pending: Vec<(ObjectId, Vec<Found>)> = self.pending.drain().collect();
        for (id, findings) in pending {
            self.arrived(introduced, id, findings, graph, authors);
        }
        while let Ok((id, findings)) = self.arriving.recv() {
            self.arrived(introduced, id, findings, graph, authors);
        }
    }

    fn arrived(
        &mut self,
        introduced: &Introduced,
        id: ObjectId,
        findings: Vec<Found>,
        graph: &Graph,
        authors: &mut Authors<'_>,
    ) {
        if self.told.contains(&id) {
            return;
        }
        match introduced.place(&id) {
            Some(place) => self.tell(introduced, place, findings, graph, authors),
            None => {
                self.pending.insert(id, findings);
            }
        }
    }

    fn tell(
        &mut self,
        introduced: &Introduced,
        place: u32,
        findings: Vec<Found>,
        graph: &Graph,
        authors: &mut Authors<'_>,
    ) {
        let entry = &introduced.entries[place as usize];
        if !self.told.insert(entry.id) {
            return;
        }
        let commit = authors.of(graph, entry.commit);
        let path = &introduced.paths[entry.path as usize];
        for found in findings {
            self.progress.found(&GitFinding {
                finding: found.finding,
                path: path.to_vec(),
                blob: entry.id,
                commit: commit.clone(),
                entry: found.entry.map(|entry| entry.to_string()),
            });
        }
    }
}

/// Progress of the blobs read after the packs: counted on from where the packs ended.
struct Continued {
    inner: Arc<dyn Progress>,
    already: u64,
}

impl Progress for Continued {
    fn discovered(&self, blobs: u64) {
        self.inner.discovered(self.already + blobs);
    }
    fn blob_done(&self, bytes: u64) {
        self.inner.blob_done(bytes);
    }
    fn found(&self, finding: &GitFinding) {
        self.inner.found(finding);
    }
    fn finish(&self) {
        self.inner.finish();
    }
}

/// Every ref's target (peeled), plus HEAD, each with the ref's name.
fn tips(repo: &gix::Repository, problems: &mut Vec<Problem>) -> Vec<(ObjectId, String)> {
    let mut tips = Vec::new();
    match repo
        .references()
        .and_then(|platform| platform.all().map(|iter| iter.collect::<Vec<_>>()))
    {
        Ok(references) => {
            for reference in references {
                match reference {
                    Ok(mut reference) => match reference.peel_to_id() {
                        Ok(id) => tips.push((id.detach(), reference.name().as_bstr().to_string())),
                        Err(err) => problems.push(Problem {
                            id: None,
                            context: Context::Ref(reference.name().as_bstr().to_string()),
                            problem: ObjectProblem::Corrupt(err.to_string()),
                        }),
                    },
                    Err(err) => problems.push(Problem {
                        id: None,
                        context: Context::Refs,
                        problem: ObjectProblem::Corrupt(err.to_string()),
                    }),
                }
            }
        }
        Err(err) => problems.push(Problem {
            id: None,
            context: Context::Refs,
            problem: ObjectProblem::Corrupt(err.to_string()),
        }),
    }
    if let Ok(head) = repo.head_id() {
        tips.push((head.detach(), "HEAD".to_string()));
    }
    tips
}

/// Blobs in the object database that no commit reached and no pack's scan read.
fn unreachable_loose_blobs(
    repo: &gix::Repository,
    introduced: &Introduced,
    packs: &PackScan<'_>,
    problems: &mut Vec<Problem>,
) -> Vec<Target> {
    let mut targets = Vec::new();
    let mut listed = HashSet::new();
    let all = match repo.objects.iter() {
        Ok(all) => all,
        Err(err) => {
            problems.push(Problem {
                id: None,
                context: Context::ObjectDatabase,
                problem: ObjectProblem::Corrupt(err.to_string()),
            });
            return targets;
        }
    };
    for id in all {
        let id = match id {
            Ok(id) => id,
            Err(err) => {
                problems.push(Problem {
                    id: None,
                    context: Context::ObjectDatabase,
                    problem: ObjectProblem::Corrupt(err.to_string()),
                });
                continue;
            }
        };
        if introduced.place(&id).is_some()
            || !matches!(packs.coverage(&id), Coverage::No)
            || !listed.insert(id)
        {
            continue;
        }
        match repo.objects.try_header(&id) {
            Ok(Some(header)) if header.kind() == gix::object::Kind::Blob => targets.push(Target {
                blob: id,
                mode: gix::objs::tree::EntryKind::Blob.into(),
                path: UNREACHABLE.to_vec(),
                commit: None,
                previous: Vec::new(),
            }),
            Ok(_) => {}
            Err(err) => problems.push(Problem {
                id: Some(id),
                context: Context::ObjectDatabase,
                problem: ObjectProblem::Corrupt(err.to_string()),
            }),
        }
    }
    targets
}

#[cfg(test)]
mod tests {
    use crate::testing::{commit, file, git, init, CREDENTIALS};
    use crate::ScanOptions;
    use keyhound_core::Scanner;

    /// An embedder's handle, opened by gix itself, applies replace refs on every read: a
    /// scan reads the objects as stored all the same, so a replace ref that grafts the
    /// root onto the tip makes no loop (it used to grow memory until killed).
    #[test]
    fn a_handle_that_applies_replace_refs_reads_objects_as_stored() {
        let dir = init();
        let root = git(dir.path(), &["rev-parse", "HEAD"]).trim().to_string();
        commit(dir.path(), &[file("credentials", CREDENTIALS)], "key");
        commit(dir.path(), &[file("notes", "more\n")], "tip");
        git(dir.path(), &["replace", "--graft", &root, "HEAD"]);
        let repo = gix::open(dir.path()).expect("gix opens it");
        let root_id = gix::ObjectId::from_hex(root.as_bytes()).expect("hex");
        let parents = |repo: &gix::Repository| {
            let commit = repo.find_commit(root_id).expect("a commit");
            commit.parent_ids().count()
        };
        assert_eq!(parents(&repo), 1, "gix applies the replace ref");
        let scanner = Scanner::default();
        let options = ScanOptions::default();
        let outcome = crate::history(&repo, &scanner, &options, false);
        assert!(outcome.problems.is_empty(), "{:?}", outcome.problems);
        assert_eq!(outcome.commits, 4);
        assert_eq!(outcome.findings.len(), 1);
        assert_eq!(outcome.findings[0].path, b"credentials");
        let range = crate::range_not_remotes(&repo, "HEAD", &scanner, &options).expect("scans");
        assert_eq!(range.commits, 3);
        assert_eq!(range.findings.len(), 1);
        assert_eq!(parents(&repo), 1, "the caller's handle is left as it was");
    }
}
