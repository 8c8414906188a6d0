//! The commit graph: which commits a set of tips reaches, and an order that puts every
//! commit after its parents.

use std::collections::{HashMap, HashSet};

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
}

impl Graph {
    /// Reads the commits reachable from `tips` (tips that are not commits are skipped).
    /// Parents missing at a shallow clone's edge are expected; any other missing commit is
    /// a problem. Cancelled, it holds the commits read until then.
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
                // A ref may point at a tree or a blob (a tag of a file): not history.
                Err(ObjectProblem::WrongKind(_)) if is_tip => {}
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
        Graph {
            ids,
            trees,
            parent_starts,
            parents,
        }
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
    pub(crate) fn topological(&self) -> Vec<u32> {
        let mut roots: Vec<u32> = (0..self.len() as u32).collect();
        roots.sort_by_key(|&i| self.ids[i as usize]);
        let mut done = vec![false; self.len()];
        let mut order = Vec::with_capacity(self.len());
        for root in roots {
            let mut stack = vec![(root, false)];
            while let Some((i, parents_done)) = stack.pop() {
                if done[i as usize] {
                    continue;
                }
                if parents_done {
                    done[i as usize] = true;
                    order.push(i);
                } else {
                    stack.push((i, true));
                    stack.extend(
                        self.parents(i)
                            .iter()
                            .filter(|&&p| !done[p as usize])
                            .map(|&p| (p, false)),
                    );
                }
            }
        }
        order
    }
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
