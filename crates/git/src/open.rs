//! Opening a repository so that nothing in it can run a program.
//!
//! keyhound reads objects, refs and the index; it never checks out, diffs with attributes,
//! refreshes the index or runs hooks, so filters, textconv, fsmonitor, hooks and credential
//! helpers are never consulted. On top of that the repository is opened with gix's
//! isolated options: no system, global or environment configuration is read, and the
//! environment names the repository (`GIT_DIR`) only when the caller asks for it.
//!
//! Objects are read as stored: replace refs (`refs/replace/*`) are not applied, whatever
//! `core.useReplaceRefs` or `GIT_NO_REPLACE_OBJECTS` say, and `info/grafts` is never read
//! as grafts. A replace ref or a graft can make history a loop, or hide content behind
//! other content; keyhound scans what is stored and, besides, what the replace refs point
//! at (they are refs like any other) and the commits grafts name.

use std::path::{Path, PathBuf};

use crate::error::Cause;

/// A repository could not be opened. The message says the cause once (there is no
/// `source()`).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpenError {
    /// No repository at the path or in a directory above it (or it could not be read).
    #[error("{path}: not a git repository (or not readable): {cause}")]
    NotFound {
        /// Where we looked.
        path: PathBuf,
        /// What gix said.
        cause: Cause,
    },
    /// A repository was found (or named by `GIT_DIR`) but could not be opened.
    #[error("{path}: not a git repository (or not readable): {cause}")]
    Open {
        /// Where we looked.
        path: PathBuf,
        /// The repository's git directory.
        git_dir: PathBuf,
        /// What gix said.
        cause: Cause,
    },
}

impl OpenError {
    /// Where we looked.
    pub fn path(&self) -> &Path {
        match self {
            OpenError::NotFound { path, .. } | OpenError::Open { path, .. } => path,
        }
    }
}

/// How to open a repository.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OpenOptions {
    /// Read the environment as git does for a hook: `GIT_DIR`, when set, names the
    /// repository (instead of looking at the path and above it), and
    /// [`index_path`](crate::index_path) reads `GIT_INDEX_FILE`. Off by default: what an
    /// embedder scans does not depend on its environment.
    pub from_environment: bool,
}

/// Opens the repository at `path` or in a directory above it, isolated (see the module
/// docs), ignoring `GIT_DIR`: [`open_with`] reads it on request.
pub fn open(path: &Path) -> Result<gix::Repository, OpenError> {
    open_with(path, OpenOptions::default())
}

/// Opens the repository at `path` or in a directory above it, isolated; with
/// [`OpenOptions::from_environment`], the one `GIT_DIR` names when it is set (as git does
/// for hooks, in worktrees too).
pub fn open_with(path: &Path, options: OpenOptions) -> Result<gix::Repository, OpenError> {
    let named = options
        .from_environment
        .then(|| std::env::var_os("GIT_DIR"))
        .flatten()
        .filter(|d| !d.is_empty());
    let git_dir = match named {
        Some(git_dir) => PathBuf::from(git_dir),
        None => {
            let (found, _trust) =
                gix::discover::upwards(path).map_err(|e| OpenError::NotFound {
                    path: path.to_path_buf(),
                    cause: Cause::new(e),
                })?;
            found.into_repository_and_work_tree_directories().0
        }
    };
    let mut repo = gix::open_opts(&git_dir, isolated()).map_err(|e| OpenError::Open {
        path: path.to_path_buf(),
        git_dir: git_dir.clone(),
        cause: Cause::new(e),
    })?;
    bound_caches(&mut repo);
    Ok(repo)
}

/// Memory for decoded delta bases, per repository handle (one per thread).
const PACK_CACHE_BYTES: usize = 8 << 20;

/// Gives `repo` a small hash-map cache of delta bases. gix's default (a 64-slot list
/// searched linearly, up to 96 MiB per handle, and a scan holds one handle per thread)
/// cost more in lookups than it saved: when `git history` still read every object
/// through gix, its walk ran twice as fast with this one, in about the same memory.
/// (History now reads packs itself, see `pack.rs`; ranges, the index and loose objects
/// are read through gix.)
///
/// Every handle keyhound makes passes here, so it also makes the handle read objects as
/// stored: gix otherwise applies replace refs on every read.
pub(crate) fn bound_caches(repo: &mut gix::Repository) {
    repo.objects.ignore_replacements = true;
    repo.objects.set_pack_cache(|| {
        Box::new(gix::odb::pack::cache::lru::MemoryCappedHashmap::new(
            PACK_CACHE_BYTES,
        ))
    });
}

/// A handle on `repo` that reads objects as stored, whatever handle an embedder passed
/// (gix's own `open` applies replace refs).
pub(crate) fn stored(repo: &gix::Repository) -> gix::Repository {
    let mut repo = repo.clone();
    bound_caches(&mut repo);
    repo
}

fn isolated() -> gix::open::Options {
    // Trust is irrelevant here: isolated permissions read no configuration that could name
    // a program, and we call nothing that would run one.
    gix::open::Options::isolated()
}
