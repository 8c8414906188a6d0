//! Opening a repository so that nothing in it can run a program.
//!
//! keyhound reads objects, refs and the index; it never checks out, diffs with attributes,
//! refreshes the index or runs hooks, so filters, textconv, fsmonitor, hooks and credential
//! helpers are never consulted. On top of that the repository is opened with gix's
//! isolated options: no system, global or environment configuration is read.

use std::path::{Path, PathBuf};

/// A repository could not be opened.
#[derive(Debug, thiserror::Error)]
#[error("{path}: not a git repository (or not readable): {source}")]
pub struct OpenError {
    /// Where we looked.
    pub path: PathBuf,
    /// What gix said.
    #[source]
    pub source: Box<dyn std::error::Error + Send + Sync>,
}

/// Opens the repository at `path` or above it, isolated. `GIT_DIR`, when set (as git does
/// for hooks in worktrees), names the repository directly.
pub fn open(path: &Path) -> Result<gix::Repository, OpenError> {
    let fail = |source: Box<dyn std::error::Error + Send + Sync>| OpenError {
        path: path.to_path_buf(),
        source,
    };
    if let Some(git_dir) = std::env::var_os("GIT_DIR").filter(|d| !d.is_empty()) {
        return gix::open_opts(PathBuf::from(git_dir), options()).map_err(|e| fail(Box::new(e)));
    }
    let (found, _trust) = gix::discover::upwards(path).map_err(|e| fail(Box::new(e)))?;
    let (git_dir, _work_dir) = found.into_repository_and_work_tree_directories();
    gix::open_opts(git_dir, options()).map_err(|e| fail(Box::new(e)))
}

fn options() -> gix::open::Options {
    // Trust is irrelevant here: isolated permissions read no configuration that could name
    // a program, and we call nothing that would run one.
    gix::open::Options::isolated()
}
