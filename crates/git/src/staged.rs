//! `git staged`: the pre-commit scan. What the index (the commit about to be made) adds
//! compared with HEAD's tree, read from the index file git names in `GIT_INDEX_FILE`
//! (so `git commit -a` and `git commit <path>` are covered), never from the work tree.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use gix::objs::tree::EntryMode;
use gix::ObjectId;
use keyhound_core::Scanner;

use crate::error::Cause;
use crate::object::ObjectProblem;
use crate::open::OpenOptions;
use crate::scan::{scan_targets, Outcome, ScanOptions, Target};
use crate::tree::{self, Context, Problem};
use keyhound_core::Cancel;

/// The index, or the HEAD it is compared with, could not be read. The message says the
/// cause once (there is no `source()`).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IndexError {
    /// The index file could not be read.
    #[error("cannot read the index {path}: {cause}")]
    Index {
        /// The index file.
        path: PathBuf,
        /// What gix said.
        cause: Cause,
    },
    /// HEAD could not be read.
    #[error("cannot read the index {path}: HEAD: {cause}")]
    Head {
        /// The index file.
        path: PathBuf,
        /// What gix said.
        cause: Cause,
    },
    /// HEAD's commit has no readable tree.
    #[error("cannot read the index {path}: HEAD's tree: {cause}")]
    HeadTree {
        /// The index file.
        path: PathBuf,
        /// What gix said.
        cause: Cause,
    },
}

impl IndexError {
    /// The index file.
    pub fn path(&self) -> &Path {
        match self {
            IndexError::Index { path, .. }
            | IndexError::Head { path, .. }
            | IndexError::HeadTree { path, .. } => path,
        }
    }
}

/// How to compare the index with HEAD.
#[derive(Clone, Debug, Default)]
pub struct StagedOptions {
    /// Scan every staged file in full, renamed ones too, instead of only what is new.
    pub whole_files: bool,
    /// Only the staged changes at these paths (relative to the top of the work tree,
    /// `/`-separated), when given; every staged change when `None`. The pre-commit
    /// framework passes a commit's files and splits a long list among several runs of the
    /// hook: each run then reports its own files' findings, and none twice.
    pub only_paths: Option<HashSet<Vec<u8>>>,
}

/// The index file to read: the repository's (`repo.index_path()`), or with
/// [`OpenOptions::from_environment`], `GIT_INDEX_FILE` when git set it (relative to the
/// current directory, as git means it), which `git commit -a` and `git commit <path>` do.
pub fn index_path(repo: &gix::Repository, options: OpenOptions) -> PathBuf {
    let named = options
        .from_environment
        .then(|| std::env::var_os("GIT_INDEX_FILE"))
        .flatten()
        .filter(|p| !p.is_empty());
    match named {
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

/// `files` (relative to the current directory) as paths from the top of `repo`'s work
/// tree, `/`-separated, as the index names them: for [`StagedOptions::only_paths`], with
/// the files the pre-commit framework passes.
pub fn work_tree_paths(
    repo: &gix::Repository,
    files: &[PathBuf],
) -> Result<HashSet<Vec<u8>>, WorkTreePathError> {
    let top = repo.workdir().ok_or(WorkTreePathError::NoWorkTree)?;
    let top = std::fs::canonicalize(top).map_err(|err| WorkTreePathError::Unreadable {
        path: top.to_path_buf(),
        error: err.to_string(),
    })?;
    let here = std::env::current_dir()
        .and_then(std::fs::canonicalize)
        .map_err(|err| WorkTreePathError::Unreadable {
            path: PathBuf::from("."),
            error: err.to_string(),
        })?;
    files
        .iter()
        .map(|file| {
            let full = lexically_normal(&here.join(file));
            let outside = || WorkTreePathError::Outside {
                file: file.clone(),
                top: top.clone(),
            };
            let inside = full.strip_prefix(&top).map_err(|_| outside())?;
            let bytes = gix::path::into_bstr(inside).map_err(|_| outside())?;
            Ok(gix::path::to_unix_separators_on_windows(bytes).to_vec())
        })
        .collect()
}

/// Why [`work_tree_paths`] could not name a file as the index does.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WorkTreePathError {
    /// The repository is bare.
    #[error("files were given, but the repository has no work tree")]
    NoWorkTree,
    /// The work tree or the current directory could not be read.
    #[error("cannot read {}: {error}", path.display())]
    Unreadable {
        /// Which.
        path: PathBuf,
        /// Why.
        error: String,
    },
    /// The file is not inside the work tree.
    #[error("{} is outside the work tree {}", file.display(), top.display())]
    Outside {
        /// The file, as given.
        file: PathBuf,
        /// The work tree.
        top: PathBuf,
    },
}

/// `path` with `.` dropped and each `..` taking off the component before it, without
/// reading the file system (a staged file may be gone from the work tree).
fn lexically_normal(path: &Path) -> PathBuf {
    let mut normal = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                normal.pop();
            }
            other => normal.push(other),
        }
    }
    normal
}

/// Scans what the index adds compared with HEAD.
pub fn staged(
    repo: &gix::Repository,
    index: &Path,
    scanner: &Scanner,
    options: &ScanOptions,
    staged: &StagedOptions,
) -> Result<Outcome, IndexError> {
    let path = || index.to_path_buf();
    let file = gix::index::File::at(index, repo.object_hash(), false, Default::default()).map_err(
        |e| IndexError::Index {
            path: path(),
            cause: Cause::new(e),
        },
    )?;
    let mut outcome = Outcome::default();

    // HEAD's tree; none before the first commit.
    let head_tree = match repo.head() {
        Ok(head) if head.is_unborn() => None,
        Ok(mut head) => match head.peel_to_commit() {
            Ok(commit) => match commit.tree_id() {
                Ok(id) => Some(id.detach()),
                Err(err) => {
                    return Err(IndexError::HeadTree {
                        path: path(),
                        cause: Cause::new(err),
                    })
                }
            },
            Err(err) => {
                outcome.problems.push(Problem {
                    id: None,
                    context: Context::Head,
                    problem: ObjectProblem::Corrupt(err.to_string()),
                });
                None
            }
        },
        Err(err) => {
            return Err(IndexError::Head {
                path: path(),
                cause: Cause::new(err),
            })
        }
    };
    // Merge the sorted index with HEAD's tree, directory by directory, skipping every
    // directory whose cached tree id (the index's TREE extension) still equals HEAD's: a
    // one-file change reads the trees on that file's path, not the whole repository.
    let entries: Vec<&gix::index::Entry> = file
        .entries()
        .iter()
        .filter(|e| e.stage() == gix::index::entry::Stage::Unconflicted)
        .collect();
    let mut walk = Compare {
        repo,
        file: &file,
        entries: &entries,
        whole_files: staged.whole_files,
        cancel: &options.cancel,
        changed: Vec::new(),
        removed: HashSet::new(),
        problems: &mut outcome.problems,
    };
    walk.directory(b"", 0..entries.len(), head_tree, file.tree());
    let Compare {
        changed, removed, ..
    } = walk;

    let mut targets = Vec::new();
    for (path, id, mode, before) in changed {
        if staged
            .only_paths
            .as_ref()
            .is_some_and(|only| !only.contains(&path))
        {
            continue;
        }
        // A staged path holding a blob whose HEAD path is gone is a rename, not new content.
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

/// A changed index entry: path, blob, mode, and the blob HEAD had at that path.
type Changed = (Vec<u8>, ObjectId, EntryMode, Option<ObjectId>);

/// The merge of the index with HEAD's tree.
struct Compare<'a> {
    repo: &'a gix::Repository,
    file: &'a gix::index::File,
    entries: &'a [&'a gix::index::Entry],
    whole_files: bool,
    cancel: &'a Cancel,
    changed: Vec<Changed>,
    /// Blobs HEAD has at paths the index no longer has.
    removed: HashSet<ObjectId>,
    problems: &'a mut Vec<Problem>,
}

impl Compare<'_> {
    fn path(&self, i: usize) -> &[u8] {
        self.entries[i].path(self.file)
    }

    /// Compares index entries `range` (all under `prefix`) with HEAD's tree `head` there.
    fn directory(
        &mut self,
        prefix: &[u8],
        range: std::ops::Range<usize>,
        head: Option<ObjectId>,
        cached: Option<&gix::index::extension::Tree>,
    ) {
        let unchanged = cached.is_some_and(|c| c.num_entries.is_some() && Some(c.id) == head);
        if (unchanged && !self.whole_files) || self.cancel.is_cancelled() {
            return;
        }
        let mut head_children: HashMap<Vec<u8>, (EntryMode, ObjectId)> = match head {
            Some(id) => match tree::entries(self.repo, &id) {
                Ok(list) => list
                    .into_iter()
                    .map(|(name, mode, id)| (name, (mode, id)))
                    .collect(),
                Err(problem) => {
                    self.problems.push(Problem {
                        id: Some(id),
                        context: Context::Path(prefix.to_vec()),
                        problem,
                    });
                    HashMap::new()
                }
            },
            None => HashMap::new(),
        };
        let mut i = range.start;
        while i < range.end {
            let rest = &self.path(i)[prefix.len()..];
            match rest.iter().position(|&b| b == b'/') {
                None => {
                    let entry = self.entries[i];
                    let before = head_children.remove(rest);
                    if let Some(mode) = entry.mode.to_tree_entry_mode() {
                        let before_blob = before.filter(|(m, _)| !m.is_tree());
                        let same = before_blob.is_some_and(|(m, id)| id == entry.id && m == mode);
                        if !same || self.whole_files {
                            let path = self.path(i).to_vec();
                            self.changed.push((
                                path,
                                entry.id,
                                mode,
                                before_blob.map(|(_, id)| id),
                            ));
                        }
                    }
                    if let Some((_, id)) = before.filter(|(m, _)| m.is_tree()) {
                        self.remove_tree(id);
                    }
                    i += 1;
                }
                Some(slash) => {
                    let name = rest[..slash].to_vec();
                    let dir = self.path(i)[..prefix.len() + slash + 1].to_vec();
                    let end = i + self.entries[i..range.end]
                        .partition_point(|e| e.path(self.file).starts_with(&dir));
                    let head_child = match head_children.remove(&name) {
                        Some((mode, id)) if mode.is_tree() => Some(id),
                        Some((_, id)) => {
                            // A file became a directory.
                            self.removed.insert(id);
                            None
                        }
                        None => None,
                    };
                    let child_cache = cached.and_then(|c| {
                        c.children
                            .iter()
                            .find(|t| t.name.as_slice() == name.as_slice())
                    });
                    self.directory(&dir, i..end, head_child, child_cache);
                    i = end;
                }
            }
        }
        // What HEAD has here that the index does not: removed (or renamed away).
        for (mode, id) in head_children.into_values() {
            if mode.is_tree() {
                self.remove_tree(id);
            } else {
                self.removed.insert(id);
            }
        }
    }

    /// Records every blob under a directory HEAD had and the index no longer has.
    fn remove_tree(&mut self, id: ObjectId) {
        let removed = &mut self.removed;
        let mut seen = gix::hashtable::HashSet::default();
        tree::walk(self.repo, id, &mut seen, self.problems, |leaf| {
            removed.insert(leaf.id);
        });
    }
}
