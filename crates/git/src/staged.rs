//! `git staged`: the pre-commit scan. What the index (the commit about to be made) adds
//! compared with HEAD's tree, read from the index file git names in `GIT_INDEX_FILE`
//! (so `git commit -a` and `git commit <path>` are covered), never from the work tree.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use gix::ObjectId;
use keyhound_core::Scanner;

use crate::object::ObjectProblem;
use crate::scan::{scan_targets, Outcome, ScanOptions, Target};
use crate::tree::{self, Problem};

/// The index could not be read.
#[derive(Debug, thiserror::Error)]
#[error("cannot read the index {path}: {reason}")]
pub struct IndexError {
    /// The index file.
    pub path: PathBuf,
    /// Why.
    pub reason: String,
}

/// How to compare the index with HEAD.
#[derive(Clone, Copy, Debug, Default)]
pub struct StagedOptions {
    /// Scan every staged file in full, renamed ones too, instead of only what is new.
    pub whole_files: bool,
}

/// The index file to read: `GIT_INDEX_FILE` when git set it (relative to the current
/// directory, as git means it), else the repository's.
pub fn index_path(repo: &gix::Repository) -> PathBuf {
    match std::env::var_os("GIT_INDEX_FILE").filter(|p| !p.is_empty()) {
        Some(path) => {
            let path = PathBuf::from(path);
            if path.is_absolute() || path.exists() {
                path
            } else {
                repo.workdir().map_or(path.clone(), |dir| dir.join(&path))
            }
        }
        None => repo.index_path(),
    }
}

/// Scans what the index adds compared with HEAD.
pub fn staged(
    repo: &gix::Repository,
    index: &Path,
    scanner: &Scanner,
    options: &ScanOptions,
    staged: StagedOptions,
) -> Result<Outcome, IndexError> {
    let fail = |reason: String| IndexError {
        path: index.to_path_buf(),
        reason,
    };
    let file = gix::index::File::at(index, repo.object_hash(), false, Default::default())
        .map_err(|e| fail(e.to_string()))?;
    let mut outcome = Outcome::default();

    // HEAD's tree; none before the first commit.
    let head_tree = match repo.head() {
        Ok(head) if head.is_unborn() => None,
        Ok(mut head) => match head.peel_to_commit() {
            Ok(commit) => match commit.tree_id() {
                Ok(id) => Some(id.detach()),
                Err(err) => return Err(fail(format!("HEAD's tree: {err}"))),
            },
            Err(err) => {
                outcome.problems.push(Problem {
                    id: String::new(),
                    context: "HEAD".into(),
                    problem: ObjectProblem::Corrupt(err.to_string()),
                });
                None
            }
        },
        Err(err) => return Err(fail(format!("HEAD: {err}"))),
    };
    let head_entries = head_tree
        .map(|t| tree::flatten(repo, t, &mut outcome.problems))
        .unwrap_or_default();

    let mut staged_paths = HashSet::new();
    let mut changed = Vec::new();
    for entry in file.entries() {
        if entry.stage() != gix::index::entry::Stage::Unconflicted {
            continue;
        }
        let path = entry.path(&file).to_vec();
        staged_paths.insert(path.clone());
        let mode = match entry.mode.to_tree_entry_mode() {
            Some(mode) => mode,
            None => continue,
        };
        let before = head_entries.get(&path);
        if before.is_some_and(|b| b.id == entry.id && b.mode == mode) && !staged.whole_files {
            continue;
        }
        changed.push((path, entry.id, mode, before.map(|b| b.id)));
    }
    // Blobs whose HEAD path is gone from the index: a staged path holding one of them is a
    // rename, not new content.
    let removed: HashSet<ObjectId> = head_entries
        .iter()
        .filter(|(path, _)| !staged_paths.contains(*path))
        .map(|(_, e)| e.id)
        .collect();

    let mut targets = Vec::new();
    for (path, id, mode, before) in changed {
        if !staged.whole_files && before.is_none() && removed.contains(&id) {
            continue;
        }
        let previous = if staged.whole_files {
            Vec::new()
        } else {
            before.into_iter().collect()
        };
        targets.push(Target {
            blob: id,
            mode,
            path,
            commit: None,
            previous,
        });
    }
    scan_targets(repo, targets, scanner, options, &mut outcome);
    Ok(outcome)
}
