//! `git history`: every blob reachable from every ref (branches, tags, remotes, the stash,
//! a detached HEAD), each read and scanned once, each attributed to the first commit in
//! topological order that holds it.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use gix::odb::Header;
use gix::ObjectId;
use keyhound_core::Scanner;

use crate::object::{commit, Commit, ObjectProblem};
use crate::scan::{scan_produced, Outcome, ScanOptions, Target};
use crate::tree::{self, Problem};

/// Scans the whole history of `repo`. With `all_objects`, blobs that no ref reaches
/// (dangling, in the reflog only, left by a rebase) are scanned too.
pub fn history(
    repo: &gix::Repository,
    scanner: &Scanner,
    options: &ScanOptions,
    all_objects: bool,
) -> Outcome {
    let mut problems = Vec::new();
    let tips = tips(repo, &mut problems);
    let commits = commits_from(repo, &tips, &mut problems);
    let mut outcome = Outcome {
        commits: commits.len() as u64,
        ..Outcome::default()
    };
    // Blobs are scanned on other threads while the walk goes on finding them.
    let walk = |emit: &mut dyn FnMut(Target)| {
        // Object ids are hashes already: the sets use them as they are.
        let mut seen_trees = gix::hashtable::HashSet::default();
        let mut seen_blobs = gix::hashtable::HashSet::default();
        for commit in topological(&commits) {
            let info = Arc::new(commit.info.clone());
            tree::walk(repo, commit.tree, &mut seen_trees, &mut problems, |leaf| {
                if seen_blobs.insert(leaf.id) {
                    let entry = leaf.to_entry();
                    emit(Target {
                        blob: entry.id,
                        mode: entry.mode,
                        path: entry.path,
                        commit: Some(info.clone()),
                        previous: Vec::new(),
                    });
                }
            });
        }
        if all_objects {
            unreachable_blobs(repo, &seen_blobs, &mut problems)
                .into_iter()
                .for_each(emit);
        }
    };
    scan_produced(repo, scanner, options, &mut outcome, walk);
    problems.append(&mut outcome.problems);
    outcome.problems = problems;
    outcome
}

/// Every ref's target (peeled), plus HEAD.
fn tips(repo: &gix::Repository, problems: &mut Vec<Problem>) -> Vec<ObjectId> {
    let mut tips = Vec::new();
    match repo
        .references()
        .and_then(|platform| platform.all().map(|iter| iter.collect::<Vec<_>>()))
    {
        Ok(references) => {
            for reference in references {
                match reference {
                    Ok(mut reference) => match reference.peel_to_id() {
                        Ok(id) => tips.push(id.detach()),
                        Err(err) => problems.push(Problem {
                            id: String::new(),
                            context: reference.name().as_bstr().to_string(),
                            problem: ObjectProblem::Corrupt(err.to_string()),
                        }),
                    },
                    Err(err) => problems.push(Problem {
                        id: String::new(),
                        context: "refs".into(),
                        problem: ObjectProblem::Corrupt(err.to_string()),
                    }),
                }
            }
        }
        Err(err) => problems.push(Problem {
            id: String::new(),
            context: "refs".into(),
            problem: ObjectProblem::Corrupt(err.to_string()),
        }),
    }
    if let Ok(head) = repo.head_id() {
        tips.push(head.detach());
    }
    tips.sort();
    tips.dedup();
    tips
}

/// The commits reachable from `tips` (tips that are not commits are skipped). Parents
/// missing at a shallow clone's edge are expected; any other missing commit is a problem.
pub(crate) fn commits_from(
    repo: &gix::Repository,
    tips: &[ObjectId],
    problems: &mut Vec<Problem>,
) -> HashMap<ObjectId, Commit> {
    let shallow: HashSet<ObjectId> = shallow_edge(repo);
    let mut commits = HashMap::new();
    let mut buf = Vec::new();
    let mut stack: Vec<(ObjectId, bool)> = tips.iter().map(|&id| (id, true)).collect();
    while let Some((id, is_tip)) = stack.pop() {
        if commits.contains_key(&id) {
            continue;
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
                id: id.to_string(),
                context: "commit".into(),
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

/// Commits ordered parents first (ties by id, so the order is stable).
fn topological(commits: &HashMap<ObjectId, Commit>) -> Vec<&Commit> {
    let mut ids: Vec<&ObjectId> = commits.keys().collect();
    ids.sort();
    let mut done: HashSet<ObjectId> = HashSet::new();
    let mut order = Vec::with_capacity(commits.len());
    for &root in &ids {
        let mut stack = vec![(*root, false)];
        while let Some((id, parents_done)) = stack.pop() {
            if done.contains(&id) {
                continue;
            }
            let Some(commit) = commits.get(&id) else {
                continue;
            };
            if parents_done {
                done.insert(id);
                order.push(commit);
            } else {
                stack.push((id, true));
                stack.extend(
                    commit
                        .parents
                        .iter()
                        .filter(|p| !done.contains(*p))
                        .map(|&p| (p, false)),
                );
            }
        }
    }
    order
}

/// Blobs in the object database that no commit reached.
fn unreachable_blobs(
    repo: &gix::Repository,
    seen: &gix::hashtable::HashSet<ObjectId>,
    problems: &mut Vec<Problem>,
) -> Vec<Target> {
    let mut targets = Vec::new();
    let mut listed = HashSet::new();
    let all = match repo.objects.iter() {
        Ok(all) => all,
        Err(err) => {
            problems.push(Problem {
                id: String::new(),
                context: "object database".into(),
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
                    id: String::new(),
                    context: "object database".into(),
                    problem: ObjectProblem::Corrupt(err.to_string()),
                });
                continue;
            }
        };
        if seen.contains(&id) || !listed.insert(id) {
            continue;
        }
        match repo.objects.try_header(&id) {
            Ok(Some(header)) if header.kind() == gix::object::Kind::Blob => targets.push(Target {
                blob: id,
                mode: gix::objs::tree::EntryKind::Blob.into(),
                path: b"(unreachable)".to_vec(),
                commit: None,
                previous: Vec::new(),
            }),
            Ok(_) => {}
            Err(err) => problems.push(Problem {
                id: id.to_string(),
                context: "object database".into(),
                problem: ObjectProblem::Corrupt(err.to_string()),
            }),
        }
    }
    targets
}
