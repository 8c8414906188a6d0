//! Opening a repository so that nothing in it can run a program.
//!
//! keyhound reads objects, refs and the index; it never checks out, diffs with attributes,
//! refreshes the index or runs hooks, so filters, textconv, fsmonitor, hooks and credential
//! helpers are never consulted. On top of that the repository is opened with gix's
//! isolated options: no system, global or environment configuration is read.

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

/// Opens the repository at `path` or above it, isolated. `GIT_DIR`, when set (as git does
/// for hooks in worktrees), names the repository directly.
pub fn open(path: &Path) -> Result<gix::Repository, OpenError> {
    let git_dir = match std::env::var_os("GIT_DIR").filter(|d| !d.is_empty()) {
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
    let mut repo = gix::open_opts(&git_dir, options()).map_err(|e| OpenError::Open {
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
pub(crate) fn bound_caches(repo: &mut gix::Repository) {
    repo.objects.set_pack_cache(|| {
        Box::new(gix::odb::pack::cache::lru::MemoryCappedHashmap::new(
            PACK_CACHE_BYTES,
        ))
    });
}

fn options() -> gix::open::Options {
    // Trust is irrelevant here: isolated permissions read no configuration that could name
    // a program, and we call nothing that would run one.
    gix::open::Options::isolated()
}
