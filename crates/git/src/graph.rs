//! The commit graph: which commits a set of tips reaches, and an order that puts every
//! commit after its parents.
//!
//! Commits are read as stored: replace refs (`refs/replace/*`) and `info/grafts` are
//! never applied (see [`crate::open`]), so parents are the ones each commit's id
//! vouches for. A loop can then only come from a forged or corrupt object database (a
//! pack index that names one commit's data by another's id); it is still never
//! followed: the edge that closes it is dropped and named as a problem. What replace
//! refs and grafts would make of history, loops included, is said in a [`Notice`].

use std::collections::{HashMap, HashSet};
use std::io::Read;

use gix::ObjectId;

use crate::object::{commit, Commit, ObjectProblem, ReadObject};
use crate::tree::{Context, Problem};
use keyhound_core::Cancel;

/// The commits reachable from some tips, kept small: ids, trees and parents only (a
/// history of 200,000 commits with author names and messages would cost tens of MB more;
/// authors are read again for the few commits that introduce a finding).
pub(crate) struct Graph {
    /// Commit ids, in the order they were read.
    pub(crate) ids: Vec<ObjectId>,
    /// Each commit's root tree.
    pub(crate) trees: Vec<ObjectId>,
    /// The parents of commit `i` (those in the graph) are
    /// `parents[parent_starts[i]..parent_starts[i + 1]]`, first parent first.
    parent_starts: Vec<u32>,
    parents: Vec<u32>,
    /// Commits ordered parents first.
    order: Vec<u32>,
    /// Tips that are not commits (a ref to a tree or a blob: a replaced blob, a tag of a
    /// file), with their kind: their content is reachable all the same.
    pub(crate) other_tips: Vec<(ObjectId, &'static str)>,
}

impl Graph {
    /// Reads the commits reachable from `tips` (tips that are not commits are listed in
    /// `other_tips`). Parents missing at a shallow clone's edge are expected; any other
    /// missing commit is a problem, and so is a parent that leads back to its child (the
    /// loop is broken there). Cancelled, it holds the commits read until then.
    pub(crate) fn read(
        repo: &gix::Repository,
        objects: &mut impl ReadObject,
        tips: &[ObjectId],
        problems: &mut Vec<Problem>,
        cancel: &Cancel,
    ) -> Graph {
        let shallow = shallow_edge(repo);
        let mut index: gix::hashtable::HashMap<ObjectId, u32> = Default::default();
        let (mut ids, mut trees, mut parent_ids, mut parent_ends) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut buf = Vec::new();
        let mut other_tips = Vec::new();
        let mut stack: Vec<(ObjectId, bool)> = tips.iter().map(|&id| (id, true)).collect();
        while let Some((id, is_tip)) = stack.pop() {
            if index.contains_key(&id) {
                continue;
            }
            if cancel.is_cancelled() {
                break;
            }
            match links(objects, &id, &mut buf) {
                Ok((tree, parents)) => {
                    index.insert(id, ids.len() as u32);
                    ids.push(id);
                    trees.push(tree);
                    if !shallow.contains(&id) {
                        stack.extend(parents.iter().map(|&p| (p, false)));
                        parent_ids.extend(parents);
                    }
                    parent_ends.push(parent_ids.len());
                }
                // A ref may point at a tree or a blob (a tag of a file, a replaced blob):
                // not history, but content all the same.
                Err(ObjectProblem::WrongKind(kind)) if is_tip => {
                    if !other_tips.iter().any(|&(other, _)| other == id) {
                        other_tips.push((id, kind));
                    }
                }
                Err(problem) => problems.push(Problem {
                    id: Some(id),
                    context: Context::Commit,
                    problem,
                }),
            }
        }
        // Parents that could not be read are left out: their commits start over.
        let mut parent_starts = Vec::with_capacity(ids.len() + 1);
        let mut parents = Vec::with_capacity(parent_ids.len());
        let mut start = 0;
        parent_starts.push(0);
        for end in parent_ends {
            parents.extend(parent_ids[start..end].iter().filter_map(|p| index.get(p)));
            parent_starts.push(parents.len() as u32);
            start = end;
        }
        let mut graph = Graph {
            ids,
            trees,
            parent_starts,
            parents,
            order: Vec::new(),
            other_tips,
        };
        graph.break_loops(problems);
        graph
    }

    /// Orders the commits parents first, dropping each parent link that closes a loop
    /// (one problem per link dropped), so that the walk compares every commit with a
    /// parent already walked, or with nothing.
    fn break_loops(&mut self, problems: &mut Vec<Problem>) {
        let mut dropped: Vec<(u32, usize)> = Vec::new();
        self.order = parents_first(
            &self.starts(),
            self.len(),
            |i| self.parents(i),
            |child, position, _| dropped.push((child, position)),
        );
        if dropped.is_empty() {
            return;
        }
        dropped.sort_unstable();
        for &(child, position) in &dropped {
            let parent = self.parents(child)[position];
            problems.push(Problem {
                id: Some(self.ids[child as usize]),
                context: Context::Commit,
                problem: ObjectProblem::Corrupt(format!(
                    "its parent {} leads back to it: a loop, which only a forged or corrupt \
                     object database holds; that parent link is not followed",
                    self.ids[parent as usize]
                )),
            });
        }
        let mut parent_starts = Vec::with_capacity(self.parent_starts.len());
        let mut parents = Vec::with_capacity(self.parents.len() - dropped.len());
        let mut dropped = dropped.into_iter().peekable();
        parent_starts.push(0);
        for child in 0..self.len() as u32 {
            for (position, &parent) in self.parents(child).iter().enumerate() {
                if dropped.next_if_eq(&(child, position)).is_none() {
                    parents.push(parent);
                }
            }
            parent_starts.push(parents.len() as u32);
        }
        self.parent_starts = parent_starts;
        self.parents = parents;
    }

    /// Every commit, by id: where depth-first walks start (ids, so the order is stable).
    fn starts(&self) -> Vec<u32> {
        let mut starts: Vec<u32> = (0..self.len() as u32).collect();
        starts.sort_by_key(|&i| self.ids[i as usize]);
        starts
    }

    /// How many commits.
    pub(crate) fn len(&self) -> usize {
        self.ids.len()
    }

    /// The parents of commit `i`, first parent first.
    pub(crate) fn parents(&self, i: u32) -> &[u32] {
        let i = i as usize;
        &self.parents[self.parent_starts[i] as usize..self.parent_starts[i + 1] as usize]
    }

    /// Commits ordered parents first (ties by id, so the order is stable).
    pub(crate) fn topological(&self) -> &[u32] {
        &self.order
    }
}

/// Orders nodes `0..len` parents first: depth-first from each of `starts` in turn, a
/// node's parents last to first. A parent still on the walk's path closes a loop: it is
/// not followed, and `looped(child, position, path)` is told (the parent is
/// `parents(child)[position]`, and `path` runs from the walk's start to `child`).
/// Time and memory are linear in the nodes and links, whatever the shape.
fn parents_first<'a>(
    starts: &[u32],
    len: usize,
    parents: impl Fn(u32) -> &'a [u32],
    mut looped: impl FnMut(u32, usize, &[u32]),
) -> Vec<u32> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        New,
        OnPath,
        Done,
    }
    let mut state = vec![State::New; len];
    let mut order = Vec::with_capacity(len);
    // The walk's path, and for each node on it how many of its parents are left.
    let mut path: Vec<u32> = Vec::new();
    let mut left: Vec<usize> = Vec::new();
    for &start in starts {
        if state[start as usize] != State::New {
            continue;
        }
        state[start as usize] = State::OnPath;
        path.push(start);
        left.push(parents(start).len());
        while let (Some(&node), Some(remaining)) = (path.last(), left.last_mut()) {
            if *remaining == 0 {
                state[node as usize] = State::Done;
                order.push(node);
                path.pop();
                left.pop();
                continue;
            }
            *remaining -= 1;
            let position = *remaining;
            let parent = parents(node)[position];
            match state[parent as usize] {
                State::New => {
                    state[parent as usize] = State::OnPath;
                    path.push(parent);
                    left.push(parents(parent).len());
                }
                State::OnPath => looped(node, position, &path),
                State::Done => {}
            }
        }
    }
    order
}

/// A commit's tree and parents, without decoding the rest.
fn links(
    objects: &mut impl ReadObject,
    id: &ObjectId,
    buf: &mut Vec<u8>,
) -> Result<(ObjectId, Vec<ObjectId>), ObjectProblem> {
    let data = objects.read_object(id, gix::object::Kind::Commit, buf)?;
    let decoded = gix::objs::CommitRefIter::from_bytes(data, id.kind());
    let tree = decoded
        .clone()
        .tree_id()
        .map_err(|e| ObjectProblem::Corrupt(e.to_string()))?;
    Ok((tree, decoded.parent_ids().collect()))
}

/// The commits reachable from `tips`, decoded whole (for a range, where they are few).
/// Cancelled, those read until then.
pub(crate) fn commits_from(
    repo: &gix::Repository,
    tips: &[ObjectId],
    problems: &mut Vec<Problem>,
    cancel: &Cancel,
) -> HashMap<ObjectId, Commit> {
    let shallow: HashSet<ObjectId> = shallow_edge(repo);
    let mut commits = HashMap::new();
    let mut buf = Vec::new();
    let mut stack: Vec<(ObjectId, bool)> = tips.iter().map(|&id| (id, true)).collect();
    while let Some((id, is_tip)) = stack.pop() {
        if commits.contains_key(&id) {
            continue;
        }
        if cancel.is_cancelled() {
            break;
        }
        match commit(repo, &id, &mut buf) {
            Ok(commit) => {
                if !shallow.contains(&id) {
                    stack.extend(commit.parents.iter().map(|&p| (p, false)));
                }
                commits.insert(id, commit);
            }
            // A ref may point at a tree or a blob (a tag of a file): not history.
            Err(ObjectProblem::WrongKind(_)) if is_tip => {}
            Err(problem) => problems.push(Problem {
                id: Some(id),
                context: Context::Commit,
                problem,
            }),
        }
    }
    commits
}

/// The commits of a shallow clone whose parents are absent by design.
pub(crate) fn shallow_edge(repo: &gix::Repository) -> HashSet<ObjectId> {
    match repo.shallow_commits() {
        Ok(Some(commits)) => commits.iter().copied().collect(),
        _ => HashSet::new(),
    }
}

/// What a scan worked around and says so, without being a problem: everything was still
/// scanned. The binary prints each on stderr.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Notice {
    /// The repository has replace refs (`refs/replace/*`). They are not applied: each
    /// commit is scanned with the tree and parents it was stored with, and each
    /// replacement is scanned too, as the object its ref points at (a replacement commit
    /// is a commit of history, a replacement blob or tree is content at the ref's name).
    ReplaceRefs {
        /// How many.
        count: usize,
        /// Replaced commits through which, applied, they would make history a loop (a
        /// few are named, not all): the loop is never followed.
        loops: Vec<ObjectId>,
    },
    /// The repository has an `info/grafts` file. It is not applied either: parents are the
    /// ones stored, and the commits it names are scanned too.
    Grafts {
        /// How many grafts (lines) it holds.
        count: usize,
        /// Grafted commits through which, applied, it would make history a loop.
        loops: Vec<ObjectId>,
    },
}

impl std::fmt::Display for Notice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (count, loops) = match self {
            Notice::ReplaceRefs { count, loops } => {
                let s = if *count == 1 { "" } else { "s" };
                write!(
                    f,
                    "{count} replace ref{s} (refs/replace/*) not applied: commits are scanned \
                     with the parents they were stored with, and the replacements as well"
                )?;
                (*count, loops)
            }
            Notice::Grafts { count, loops } => {
                let s = if *count == 1 { "" } else { "s" };
                write!(
                    f,
                    "{count} graft{s} (info/grafts) not applied: commits are scanned with the \
                     parents they were stored with, and the commits it names as well"
                )?;
                (*count, loops)
            }
        };
        if let Some((first, rest)) = loops.split_first() {
            let them = if count == 1 { "it" } else { "they" };
            write!(
                f,
                "; applied, {them} would make history a loop (through commit {first}"
            )?;
            for id in rest {
                write!(f, ", {id}")?;
            }
            f.write_str("): the loop is broken, never followed")?;
        }
        Ok(())
    }
}

/// How many looped commits a notice names at most (hostile input can hold millions).
const LOOPS_NAMED: usize = 8;

/// `info/grafts` is read up to this size; what is beyond is not applied anyway.
const GRAFTS_LIMIT: u64 = 16 << 20;

/// What replace refs and grafts would do to history if they were applied (they are not).
#[derive(Default)]
pub(crate) struct Rewrites {
    /// Replace refs: the object replaced, its replacement.
    replaced: Vec<(ObjectId, ObjectId)>,
    /// Grafts: a commit, and the parents the graft gives it.
    grafts: Vec<(ObjectId, Vec<ObjectId>)>,
}

impl Rewrites {
    /// Reads the replace refs and `info/grafts` of `repo`. What cannot be read or parsed
    /// rewrites nothing: it is left out.
    pub(crate) fn read(repo: &gix::Repository) -> Rewrites {
        let mut rewrites = Rewrites::default();
        if let Ok(platform) = repo.references() {
            if let Ok(refs) = platform.prefixed("refs/replace/") {
                for reference in refs.flatten() {
                    let name = reference.name().as_bstr();
                    let replaced = name
                        .strip_prefix(b"refs/replace/")
                        .and_then(|hex| ObjectId::from_hex(hex).ok());
                    if let (Some(replaced), Some(by)) = (replaced, reference.target().try_id()) {
                        rewrites.replaced.push((replaced, by.to_owned()));
                    }
                }
            }
        }
        let path = repo.common_dir().join("info").join("grafts");
        let mut text = Vec::new();
        if let Ok(file) = std::fs::File::open(path) {
            // Unreadable: nothing is grafted.
            let _ = file.take(GRAFTS_LIMIT).read_to_end(&mut text);
        }
        for line in text.split(|&b| b == b'\n') {
            if line.first() == Some(&b'#') {
                continue;
            }
            let ids: Option<Vec<ObjectId>> = line
                .split(|b| b.is_ascii_whitespace())
                .filter(|word| !word.is_empty())
                .map(|word| ObjectId::from_hex(word).ok())
                .collect();
            if let Some((commit, parents)) = ids.as_deref().and_then(<[_]>::split_first) {
                rewrites.grafts.push((*commit, parents.to_vec()));
            }
        }
        rewrites
    }

    /// Commits only grafts reach, to be scanned as tips: those the object database has.
    pub(crate) fn graft_tips(&self, repo: &gix::Repository) -> Vec<ObjectId> {
        let mut tips: Vec<ObjectId> = self
            .grafts
            .iter()
            .flat_map(|(commit, parents)| std::iter::once(commit).chain(parents))
            .filter(|id| repo.has_object(id))
            .copied()
            .collect();
        tips.sort();
        tips.dedup();
        tips
    }

    /// What to tell of them; with `graph`, which loops they would make.
    pub(crate) fn notices(&self, graph: Option<&Graph>) -> Vec<Notice> {
        let loops = graph.map(|graph| self.loops(graph)).unwrap_or_default();
        let (mut replaced_loops, mut grafted_loops) = (Vec::new(), Vec::new());
        for id in loops {
            if self.grafts.iter().any(|(commit, _)| *commit == id) {
                grafted_loops.push(id);
            } else {
                replaced_loops.push(id);
            }
        }
        let mut notices = Vec::new();
        if !self.replaced.is_empty() {
            notices.push(Notice::ReplaceRefs {
                count: self.replaced.len(),
                loops: replaced_loops,
            });
        }
        if !self.grafts.is_empty() {
            notices.push(Notice::Grafts {
                count: self.grafts.len(),
                loops: grafted_loops,
            });
        }
        notices
    }

    /// The rewritten commits that loops of history, rewritten, go through (a few).
    fn loops(&self, graph: &Graph) -> Vec<ObjectId> {
        if self.replaced.is_empty() && self.grafts.is_empty() {
            return Vec::new();
        }
        let place: HashMap<ObjectId, u32> = graph
            .ids
            .iter()
            .enumerate()
            .map(|(i, &id)| (id, i as u32))
            .collect();
        // Each rewritten commit's parents as git would see them: a replaced commit has its
        // replacement's parents, a grafted one the graft's (grafts win). Parents the graph
        // does not hold cannot lead back into it.
        let mut rewritten: HashMap<u32, Vec<u32>> = HashMap::new();
        for (replaced, by) in &self.replaced {
            if let (Some(&from), Some(&to)) = (place.get(replaced), place.get(by)) {
                rewritten.insert(from, graph.parents(to).to_vec());
            }
        }
        for (commit, parents) in &self.grafts {
            if let Some(&at) = place.get(commit) {
                let parents = parents.iter().filter_map(|p| place.get(p).copied());
                rewritten.insert(at, parents.collect());
            }
        }
        let mut named: Vec<ObjectId> = Vec::new();
        let mut seen = 0;
        parents_first(
            &graph.starts(),
            graph.len(),
            |i| {
                rewritten
                    .get(&i)
                    .map_or_else(|| graph.parents(i), Vec::as_slice)
            },
            |child, position, path| {
                // Naming costs a look along the path: only for the first few loops.
                if seen >= LOOPS_NAMED {
                    return;
                }
                seen += 1;
                let parents = rewritten
                    .get(&child)
                    .map_or_else(|| graph.parents(child), Vec::as_slice);
                let parent = parents[position];
                let from = path.iter().rposition(|&n| n == parent).unwrap_or(0);
                if let Some(&commit) = path[from..].iter().find(|n| rewritten.contains_key(n)) {
                    let id = graph.ids[commit as usize];
                    if !named.contains(&id) {
                        named.push(id);
                    }
                }
            },
        );
        named
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Commits held in memory, as a forged object database could hand them out: each id
    /// names whatever data the test says, so parents can loop.
    struct Forged(HashMap<ObjectId, Vec<u8>>);

    impl ReadObject for Forged {
        fn read_object<'b>(
            &mut self,
            id: &ObjectId,
            _kind: gix::object::Kind,
            buf: &'b mut Vec<u8>,
        ) -> Result<&'b [u8], ObjectProblem> {
            let data = self.0.get(id).ok_or(ObjectProblem::Missing)?;
            buf.clear();
            buf.extend_from_slice(data);
            Ok(buf.as_slice())
        }
    }

    /// Commit `n`'s id: scattered, as real ids are (gix's tables hash an id's first bytes).
    fn id(n: u32) -> ObjectId {
        let mut x = u64::from(n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        x ^= x >> 29;
        let hex = format!("{x:016x}{:016x}{n:08x}", x.rotate_left(17));
        ObjectId::from_hex(hex.as_bytes()).expect("40 hex digits")
    }

    /// Commits `n` → its parents, all with the same (absent, never read) tree.
    fn forged(links: &[(u32, &[u32])]) -> Forged {
        let tree = id(0xffff_ffff);
        let commits = links.iter().map(|&(n, parents)| {
            let mut data = format!("tree {tree}\n");
            for &p in parents {
                data.push_str(&format!("parent {}\n", id(p)));
            }
            data.push_str("author t <t@example.com> 0 +0000\n");
            data.push_str("committer t <t@example.com> 0 +0000\n\nforged\n");
            (id(n), data.into_bytes())
        });
        Forged(commits.collect())
    }

    fn read(objects: &mut Forged, tips: &[u32]) -> (Graph, Vec<Problem>) {
        let dir = crate::testing::init();
        let repo = crate::open(dir.path()).expect("opens");
        let tips: Vec<ObjectId> = tips.iter().map(|&n| id(n)).collect();
        let mut problems = Vec::new();
        let graph = Graph::read(&repo, objects, &tips, &mut problems, &Cancel::new());
        (graph, problems)
    }

    /// Every commit comes after the parents it kept.
    fn assert_parents_first(graph: &Graph) {
        let order = graph.topological();
        assert_eq!(order.len(), graph.len(), "each commit once");
        let mut at = vec![usize::MAX; graph.len()];
        for (place, &i) in order.iter().enumerate() {
            at[i as usize] = place;
        }
        for i in 0..graph.len() as u32 {
            for &p in graph.parents(i) {
                assert!(at[p as usize] < at[i as usize], "parent {p} before {i}");
            }
        }
    }

    #[test]
    fn a_loop_of_stored_parents_is_broken_and_named() {
        // 1 ← 2 ← 3, and 1's parent is 3: a loop; 4 is a tip on top of 3.
        let mut objects = forged(&[(1, &[3]), (2, &[1]), (3, &[2]), (4, &[3])]);
        let (graph, problems) = read(&mut objects, &[4]);
        assert_eq!(graph.len(), 4);
        assert_parents_first(&graph);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].context, Context::Commit);
        assert!(
            problems[0].to_string().contains("leads back to it"),
            "{}",
            problems[0]
        );
        let links: usize = (0..4).map(|i| graph.parents(i).len()).sum();
        assert_eq!(links, 3, "one link of four dropped");
    }

    #[test]
    fn a_commit_that_is_its_own_parent_becomes_a_root() {
        let mut objects = forged(&[(1, &[1, 1]), (2, &[1])]);
        let (graph, problems) = read(&mut objects, &[2]);
        assert_eq!(graph.len(), 2);
        assert_parents_first(&graph);
        assert_eq!(problems.len(), 2, "both links to itself: {problems:?}");
        let one = graph.ids.iter().position(|&i| i == id(1)).expect("read") as u32;
        assert!(graph.parents(one).is_empty());
    }

    #[test]
    fn a_long_loop_with_many_merges_is_ordered_in_linear_memory() {
        // 20,000 commits in a ring, each also merging the one two back: the old order
        // pushed parents again and again around the ring and never ended.
        let n = 20_000u32;
        let ring: Vec<(u32, [u32; 2])> = (0..n)
            .map(|i| (i + 1, [(i + n - 1) % n + 1, (i + n - 2) % n + 1]))
            .collect();
        let links: Vec<(u32, &[u32])> = ring.iter().map(|(i, p)| (*i, &p[..])).collect();
        let mut objects = forged(&links);
        let (graph, problems) = read(&mut objects, &[1]);
        assert_eq!(graph.len(), n as usize);
        assert_parents_first(&graph);
        assert!(!problems.is_empty());
        assert!(problems.len() <= 2 * n as usize);
    }

    #[test]
    fn an_acyclic_graph_keeps_every_link() {
        // A merge: 4 has parents 2 and 3, both on 1.
        let mut objects = forged(&[(1, &[]), (2, &[1]), (3, &[1]), (4, &[2, 3])]);
        let (graph, problems) = read(&mut objects, &[4]);
        assert!(problems.is_empty(), "{problems:?}");
        assert_parents_first(&graph);
        let links: usize = (0..4).map(|i| graph.parents(i).len()).sum();
        assert_eq!(links, 4);
    }
}
