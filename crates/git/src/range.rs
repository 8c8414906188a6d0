//! `git range BASE..HEAD`: what the commits of a pull request add, commit by commit,
//! including commits that arrive through a merge's second parent.
//!
//! Commits are read as stored (replace refs and grafts are not applied, see
//! [`crate::open`]): a root commit in the range, one stored without parents, adds every
//! file it holds, whatever a replace ref or a graft would give it as parents.

use std::collections::HashSet;
use std::sync::Arc;

use gix::ObjectId;
use keyhound_core::Scanner;

use crate::error::Cause;
use crate::graph::{commits_from, shallow_edge, Rewrites};
use crate::object::commit;
use crate::scan::{scan_targets, Outcome, ScanOptions, Target};
use crate::tree::{self, Context, Problem};

/// A range that cannot be scanned. The message says the cause once (there is no
/// `source()`).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RangeError {
    /// Not of the form `BASE..HEAD`.
    #[error("{0:?} is not a range: use BASE..HEAD (commit ids, branches or tags)")]
    Syntax(String),
    /// A revision that names nothing in this repository, in a repository that is not a
    /// shallow clone: a branch, tag or expression that does not resolve (a typo, `HEAD~1`
    /// of a root commit). A usage error: fetching cannot help.
    #[error("{spec:?} is not a revision in this repository: {cause}")]
    Revision {
        /// What was asked for.
        spec: String,
        /// What gix said.
        cause: Cause,
    },
    /// A full object id that is not in this repository, which is not a shallow clone: a
    /// commit rewritten away by a force-push, or one never fetched.
    #[error("range {end} {spec} is not in this repository (rewritten by a force-push, or never fetched): {cause}")]
    Absent {
        /// Which end.
        end: RangeEnd,
        /// The object id asked for.
        spec: String,
        /// What gix said (or why the commit could not be read).
        cause: Cause,
    },
    /// An end of the range is not in this shallow clone (`.git/shallow` exists).
    #[error("range {end} not present in this shallow clone: {spec}: {cause}. Fetch the full history (fetch-depth: 0, GIT_DEPTH: 0) or deepen it (git fetch --deepen=N) so that it contains {spec}")]
    Missing {
        /// Which end.
        end: RangeEnd,
        /// What was asked for.
        spec: String,
        /// What gix said (or why the commit could not be read).
        cause: Cause,
    },
    /// The range reaches past the edge of a shallow clone.
    #[error("range base not present (shallow): the commits between {base} and {head} go beyond this shallow clone's history. Fetch with fetch-depth: 0, or deepen it (git fetch --deepen=N)")]
    Shallow {
        /// The base asked for.
        base: String,
        /// The head asked for.
        head: String,
    },
}

/// An end of a range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RangeEnd {
    /// `BASE`, the commits already there.
    Base,
    /// `HEAD`, the commits added.
    Head,
}

impl std::fmt::Display for RangeEnd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            RangeEnd::Base => "base",
            RangeEnd::Head => "head",
        })
    }
}

/// Scans what the commits in `spec` (`BASE..HEAD`) add.
pub fn range(
    repo: &gix::Repository,
    spec: &str,
    scanner: &Scanner,
    options: &ScanOptions,
) -> Result<Outcome, RangeError> {
    // Objects as stored, whatever handle the caller passed.
    let stored = crate::open::stored(repo);
    let repo = &stored;
    let (base_spec, head_spec) = spec
        .split_once("..")
        .filter(|(b, h)| !b.is_empty() && !h.is_empty() && !h.starts_with('.'))
        .ok_or_else(|| RangeError::Syntax(spec.to_string()))?;
    let base = resolve(repo, RangeEnd::Base, base_spec)?;
    let head = resolve(repo, RangeEnd::Head, head_spec)?;
    let mut buf = Vec::new();
    if let Err(problem) = commit(repo, &base, &mut buf) {
        return Err(missing(
            repo,
            RangeEnd::Base,
            base_spec,
            Cause::new(problem),
        ));
    }
    scan_new_commits(
        repo,
        &[base],
        head,
        (base_spec, head_spec),
        scanner,
        options,
    )
}

/// Scans what `head_spec` has that no remote-tracking branch (`refs/remotes/*`) has: the
/// commits a push of a new branch would publish.
pub fn range_not_remotes(
    repo: &gix::Repository,
    head_spec: &str,
    scanner: &Scanner,
    options: &ScanOptions,
) -> Result<Outcome, RangeError> {
    not_remotes(repo, head_spec, scanner, options, false)
}

/// Like [`range_not_remotes`], but remote-tracking branches that point at `head_spec`'s
/// commit itself do not count. In CI the pushed branch has already been fetched as one of
/// them (`origin/<branch>` is the commit being checked): this is what the push brought
/// that no *other* remote branch has, for when the commit before the push is gone (a
/// force-push).
pub fn range_not_other_remotes(
    repo: &gix::Repository,
    head_spec: &str,
    scanner: &Scanner,
    options: &ScanOptions,
) -> Result<Outcome, RangeError> {
    not_remotes(repo, head_spec, scanner, options, true)
}

fn not_remotes(
    repo: &gix::Repository,
    head_spec: &str,
    scanner: &Scanner,
    options: &ScanOptions,
    skip_head: bool,
) -> Result<Outcome, RangeError> {
    let stored = crate::open::stored(repo);
    let repo = &stored;
    let head = resolve(repo, RangeEnd::Head, head_spec)?;
    let mut bases = Vec::new();
    if let Ok(platform) = repo.references() {
        if let Ok(remotes) = platform.remote_branches() {
            for mut reference in remotes.flatten() {
                if let Ok(id) = reference.peel_to_id() {
                    if !(skip_head && id == head) {
                        bases.push(id.detach());
                    }
                }
            }
        }
    }
    scan_new_commits(
        repo,
        &bases,
        head,
        ("refs/remotes/*", head_spec),
        scanner,
        options,
    )
}

/// The commit (or other object) `spec` names.
pub(crate) fn resolve(
    repo: &gix::Repository,
    end: RangeEnd,
    spec: &str,
) -> Result<ObjectId, RangeError> {
    let id = repo
        .rev_parse_single(spec)
        .map_err(|err| missing(repo, end, spec, Cause::new(err)))?;
    let id = id.detach();
    // A full object id resolves whether or not the object is there.
    if !repo.has_object(id) {
        let cause = Cause::new(crate::object::ObjectProblem::Missing);
        return Err(missing(repo, end, spec, cause));
    }
    Ok(id)
}

/// Why `spec` could not be used: a shallow clone may lack it (exit 3, fetch more), a
/// full clone lacks an object id only when history was rewritten or not fetched, and
/// anything else names nothing (a usage error).
fn missing(repo: &gix::Repository, end: RangeEnd, spec: &str, cause: Cause) -> RangeError {
    let spec = spec.to_string();
    // `.git/shallow` (gix reads it): unreadable counts as shallow, the cautious advice.
    if repo.is_shallow().unwrap_or(true) {
        RangeError::Missing { end, spec, cause }
    } else if is_object_id(&spec) {
        RangeError::Absent { end, spec, cause }
    } else {
        RangeError::Revision { spec, cause }
    }
}

/// A full object id in hex (SHA-1 or SHA-256), as CI systems pass commits.
pub(crate) fn is_object_id(spec: &str) -> bool {
    matches!(spec.len(), 40 | 64) && spec.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Scans what the commits reachable from `head` but not from `bases` add.
fn scan_new_commits(
    repo: &gix::Repository,
    bases: &[ObjectId],
    head: ObjectId,
    (base_spec, head_spec): (&str, &str),
    scanner: &Scanner,
    options: &ScanOptions,
) -> Result<Outcome, RangeError> {
    let mut outcome = Outcome {
        notices: Rewrites::read(repo).notices(None),
        ..Outcome::default()
    };
    let mut buf = Vec::new();
    let cancel = &options.cancel;
    let excluded: HashSet<ObjectId> = commits_from(repo, bases, &mut Vec::new(), cancel)
        .into_keys()
        .collect();
    let shallow = shallow_edge(repo);

    // The commits reachable from head but not from base.
    let mut in_range = Vec::new();
    let mut seen = HashSet::new();
    let mut stack = vec![head];
    while let Some(id) = stack.pop() {
        if excluded.contains(&id) || !seen.insert(id) || cancel.is_cancelled() {
            continue;
        }
        match commit(repo, &id, &mut buf) {
            Ok(commit) => {
                if shallow.contains(&id) {
                    return Err(RangeError::Shallow {
                        base: base_spec.to_string(),
                        head: head_spec.to_string(),
                    });
                }
                stack.extend(commit.parents.iter().copied());
                in_range.push(commit);
            }
            Err(problem) => outcome.problems.push(Problem {
                id: Some(id),
                context: Context::CommitInRange,
                problem,
            }),
        }
    }
    outcome.commits = in_range.len() as u64;
    in_range.sort_by(|a, b| a.info.time.cmp(&b.info.time).then(a.id.cmp(&b.id)));

    let mut targets = Vec::new();
    for commit in in_range.iter().take_while(|_| !cancel.is_cancelled()) {
        let info = Arc::new(commit.info.clone());
        let first_parent_tree = commit
            .parents
            .first()
            .and_then(|p| tree_of(repo, p, &mut buf, &mut outcome.problems));
        let other_parent_trees: Vec<ObjectId> = commit
            .parents
            .iter()
            .skip(1)
            .filter_map(|p| tree_of(repo, p, &mut buf, &mut outcome.problems))
            .collect();
        let changes = tree::diff(repo, first_parent_tree, commit.tree, &mut outcome.problems);
        let removed: HashSet<ObjectId> = changes
            .iter()
            .filter(|c| c.new.is_none())
            .filter_map(|c| c.old.as_ref().map(|e| e.id))
            .collect();
        for change in changes {
            let Some(new) = change.new else { continue };
            let mut previous: Vec<ObjectId> = change.old.iter().map(|e| e.id).collect();
            // A merge adds only what differs from every parent: the rest came in with the
            // merged commits, which are in the range themselves.
            let mut in_other_parent = false;
            for &other in &other_parent_trees {
                if let Some(entry) = tree::lookup(repo, other, &change.path, &mut outcome.problems)
                {
                    in_other_parent |= entry.id == new.id;
                    previous.push(entry.id);
                }
            }
            let renamed = change.old.is_none() && removed.contains(&new.id);
            if in_other_parent || renamed {
                continue;
            }
            targets.push(Target {
                blob: new.id,
                mode: new.mode,
                path: change.path,
                commit: Some(info.clone()),
                previous,
            });
        }
    }
    scan_targets(repo, targets, scanner, options, &mut outcome);
    Ok(outcome)
}

fn tree_of(
    repo: &gix::Repository,
    id: &ObjectId,
    buf: &mut Vec<u8>,
    problems: &mut Vec<Problem>,
) -> Option<ObjectId> {
    match commit(repo, id, buf) {
        Ok(commit) => Some(commit.tree),
        Err(problem) => {
            problems.push(Problem {
                id: Some(*id),
                context: Context::ParentCommit,
                problem,
            });
            None
        }
    }
}
