//! keyhound-git scans git repositories for AWS credentials with keyhound-core: the whole
//! history, the commits of a range (a pull request), or the index about to be committed.
//! Repositories are read with gix (gitoxide); [`Repository`] and [`ObjectId`] are gix's,
//! re-exported, so an embedder needs no gix dependency of its own.
//!
//! # Example
//!
//! A repository where a key was committed, then deleted: history still holds it.
//!
//! ```
//! use std::process::Command;
//! use keyhound_core::Scanner;
//! use keyhound_git::{history, open, range, ScanOptions};
//!
//! let dir = tempfile::tempdir()?;
//! let git = |args: &[&str]| -> std::io::Result<()> {
//!     let status = Command::new("git")
//!         .args(["-c", "user.name=Dev", "-c", "user.email=dev@example.com"])
//!         .args(args)
//!         .current_dir(dir.path())
//!         .env_remove("GIT_DIR")
//!         .status()?;
//!     assert!(status.success(), "git {args:?}");
//!     Ok(())
//! };
//! git(&["init", "-q"])?;
//! std::fs::write(
//!     dir.path().join("deploy.sh"),
//!     "export AWS_ACCESS_KEY_ID=AKIATDL6PABMCTNRC77F\n\
//!      export AWS_SECRET_ACCESS_KEY=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\n",
//! )?;
//! git(&["add", "deploy.sh"])?;
//! git(&["commit", "-q", "-m", "deploy script"])?;
//! git(&["rm", "-q", "deploy.sh"])?;
//! git(&["commit", "-q", "-m", "oops"])?;
//!
//! let repo = open(dir.path())?;
//! let scanner = Scanner::default();
//! // Blobs up to 64 MiB, one thread per CPU, no progress, never cancelled.
//! let options = ScanOptions::default();
//! let outcome = history(&repo, &scanner, &options, false);
//! assert!(outcome.is_complete());
//! assert_eq!((outcome.commits, outcome.blobs), (2, 1));
//! let found = &outcome.findings[0];
//! assert_eq!(found.path, b"deploy.sh"); // bytes, as git stores paths
//! assert_eq!(found.finding.key_id(), Some("AKIATDL6PABMCTNRC77F"));
//! let commit = found.commit.as_ref().expect("history names the commit");
//! assert_eq!(commit.author, "Dev");
//!
//! // The commit that deleted it adds nothing.
//! let last = range(&repo, "HEAD~1..HEAD", &scanner, &options)?;
//! assert!(last.findings.is_empty());
//!
//! // The report every keyhound format writes (JSON here).
//! let report = outcome.into_report();
//! let mut json = Vec::new();
//! keyhound_report::json::write_json(&mut json, &report, false)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Opening a repository
//!
//! [`open`] finds the repository at a path or in a directory above it and opens it
//! isolated: no system, global or environment configuration is read, and its own
//! configuration can never make keyhound run a program (no fsmonitor, textconv, filters,
//! hooks or credential helpers are ever consulted: only objects, refs and the index are
//! read). [`open_with`] takes [`OpenOptions`]: with `from_environment`, `GIT_DIR` names
//! the repository and [`index_path`] reads `GIT_INDEX_FILE`, as git sets them for hooks.
//! Nothing reads the environment otherwise.
//!
//! Objects are read as stored, whatever handle is passed to a scan: replace refs
//! (`refs/replace/*`) and `info/grafts` are never applied (gix's own `open` applies
//! replace refs; keyhound's scans do not). Either can make history a loop or hide content
//! behind other content, so each commit is scanned with the parents it was stored with,
//! and what replace refs point at is scanned as any ref's target is: a replacement commit
//! as history, a replacement blob or tree at the ref's name (`refs/replace/<id>`,
//! `refs/replace/<id>:<path>`); commits only `info/grafts` names are scanned too. A root
//! commit is a root: in a range, every file it holds is added. A loop of stored parents
//! (only a forged or corrupt object database holds one) is broken, never followed, and
//! named as a problem.
//!
//! # Scans
//!
//! * [`history`]: every blob reachable from every ref (branches, tags, remotes, the stash,
//!   a detached HEAD), scanned once, attributed to the first commit (parents first) that
//!   holds it; with `all_objects`, blobs no ref reaches too, at the path `(unreachable)`.
//! * [`range`]: what the commits in `BASE..HEAD` add, commit by commit, merged commits
//!   too; [`range_not_remotes`]: what a branch has that no remote-tracking branch has.
//! * [`staged`]: what the index (at [`index_path`]) adds compared with HEAD, for a
//!   pre-commit hook; [`StagedOptions::whole_files`] scans every staged file whole.
//! * [`PreCommitPush`]: what the pre-commit framework's pre-push stage names, scanned
//!   as a range or a new branch.
//!
//! "Adds" means: a finding in a changed blob whose fingerprint (rule and secret) was not
//! already in the blob it replaced. Moving lines or reformatting a file that already held
//! a key does not report it again; a pure rename is not new content.
//!
//! # Options, progress, cancellation
//!
//! [`ScanOptions`]: the size limit (blobs over it are listed, not scanned), the threads
//! (0, the default, is one per CPU), a [`Progress`] and a [`Cancel`] flag.
//!
//! * [`Progress`] is told how many blobs there are so far
//!   ([`discovered`](Progress::discovered)), then of each one done
//!   ([`blob_done`](Progress::blob_done), scanned or not, so the totals add up),
//!   of each finding as soon as its path and commit are known
//!   ([`found`](Progress::found)), and of the end ([`finish`](Progress::finish)).
//! * [`Cancel::cancel`], from any thread, stops the scan soon: it returns what it found
//!   until then, [`Outcome::cancelled`] set.
//!
//! ```
//! use std::sync::{Arc, Mutex};
//! use keyhound_git::{Cancel, GitFinding, Progress, ScanOptions};
//!
//! /// Prints each finding as it is found, and stops the scan at the first one.
//! struct FirstOnly {
//!     cancel: Cancel,
//!     seen: Mutex<Vec<String>>,
//! }
//!
//! impl Progress for FirstOnly {
//!     fn discovered(&self, _blobs: u64) {}
//!     fn blob_done(&self, _bytes: u64) {}
//!     fn found(&self, found: &GitFinding) {
//!         let path = String::from_utf8_lossy(&found.path).into_owned();
//!         self.seen.lock().unwrap().push(path);
//!         self.cancel.cancel();
//!     }
//! }
//!
//! let cancel = Cancel::new();
//! let options = ScanOptions {
//!     progress: Some(Arc::new(FirstOnly { cancel: cancel.clone(), seen: Mutex::default() })),
//!     cancel,
//!     ..ScanOptions::default()
//! };
//! assert_eq!(options.max_blob_size, keyhound_git::DEFAULT_MAX_BLOB_SIZE);
//! assert!(options.thread_count() >= 1);
//! ```
//!
//! # Outcome
//!
//! Each scan returns an [`Outcome`]:
//!
//! * `findings` ([`GitFinding`]: the finding, the blob's path as bytes, its id, the
//!   [`CommitInfo`] that introduced it), in a stable order, and those an inline comment
//!   allowed (`suppressed`);
//! * counts: commits, blobs, bytes, symbolic links (never followed);
//! * `not_scanned`: entries skipped on purpose ([`NotScanned`], whose
//!   [`NotScannedReason`] is a submodule, an LFS pointer or a blob over the size limit,
//!   with its size);
//! * `problems`: every object that could not be read ([`Problem`]: its id, the
//!   [`Context`] that needed it, a path when it cost one, and the [`ObjectProblem`]);
//!   a panic while scanning a blob (a bug) is a problem too, never a hang;
//! * `notices` ([`Notice`]): what the scan worked around without missing anything
//!   (replace refs, grafts, and the loops they would make if applied);
//! * `cancelled`.
//!
//! A scan with problems, or cancelled, is incomplete ([`Outcome::is_complete`]), but it
//! still scans everything it can. [`Outcome::into_report`] makes the
//! `keyhound_report::Report` every keyhound format writes; problems and a cancellation
//! ([`CANCELLED`]) are its unreadable inputs, which make the report incomplete.
//! An [`Outcome`], a [`GitFinding`], a [`CommitInfo`] and a [`NotScanned`] also
//! serialise with serde in the words of keyhound's JSON report (a finding is the
//! report's finding object, secrets redacted), and a finding reads back as a
//! `keyhound_core::Finding`.
//!
//! # Hooks
//!
//! [`hooks`] installs hook scripts where git runs them ([`hooks::hooks_dir`], which
//! honours `core.hooksPath`), made to name the program that installed them, never
//! replacing another hook unless told to.
//!
//! # Errors
//!
//! What stops a scan before it starts is an error, one type per operation:
//! [`OpenError`] (no repository), [`RangeError`] (not a range, an end not present,
//! [`RangeEnd`]; a shallow clone), [`IndexError`] (the index or HEAD unreadable) and
//! [`hooks::HookError`] (a hook not written).
//! Each message says its cause once, and there is no `source()`: print it with `{}` or
//! anyhow's `{:#}` alike. The cause is a [`Cause`] field, whose
//! [`get_ref`](Cause::get_ref) is gix's error (in a [`hooks::HookError`], an
//! `std::io::Error`).

#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]

/// The README's example, compiled as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

mod error;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
mod graph;
mod history;
pub mod hooks;
mod object;
mod open;
mod pack;
mod push;
mod range;
mod report;
mod scan;
mod serial;
mod staged;
#[cfg(test)]
mod testing;
mod tree;

pub use error::Cause;
/// gix's object id: blobs, commits and problems are named by one.
pub use gix::ObjectId;
/// gix's repository, which [`open`] returns and every scan takes: an embedder needs no
/// dependency on gix of its own.
pub use gix::Repository;
pub use graph::Notice;
pub use history::{history, history_of};
pub use keyhound_core::Cancel;
pub use object::{CommitInfo, ObjectProblem};
pub use open::{open, open_with, OpenError, OpenOptions};
pub use push::PreCommitPush;
pub use range::{range, range_not_other_remotes, range_not_remotes, RangeEnd, RangeError};
pub use report::CANCELLED;
pub use scan::{
    GitFinding, NotScanned, NotScannedReason, Outcome, Progress, ScanOptions, DEFAULT_MAX_BLOB_SIZE,
};
pub use staged::{
    index_path, staged, work_tree_paths, IndexError, StagedOptions, WorkTreePathError,
};
pub use tree::{Context, Problem};
