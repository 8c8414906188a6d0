//! keyhound-git scans git repositories for AWS credentials with keyhound-core: the whole
//! history, the commits of a range (a pull request), or the index about to be committed.
//!
//! * [`open`]: opens a repository isolated: its configuration can never make keyhound
//!   run a program (no fsmonitor, textconv, filters, hooks or credential helpers are
//!   ever consulted: only objects, refs and the index are read).
//! * [`history`]: every blob reachable from every ref, scanned once, attributed to the
//!   commit that introduced it.
//! * [`range`]: what the commits in `BASE..HEAD` add, per commit.
//! * [`staged`]: what the index adds compared with HEAD, for a pre-commit hook.
//!
//! Each returns an [`Outcome`]: findings with their path, blob and commit, counts, what
//! was deliberately not scanned (submodules, LFS pointers, oversized blobs) and every
//! object that could not be read. A scan with problems is incomplete, but it still scans
//! everything it can.
//!
//! "Adds" means: a finding in a changed blob whose fingerprint (rule and secret) was not
//! already in the blob it replaced. Moving lines or reformatting a file that already held
//! a key does not report it again; a pure rename is not new content.
//!
//! ```no_run
//! use keyhound_core::Scanner;
//! use keyhound_git::{open, staged, index_path, ScanOptions, StagedOptions};
//!
//! let repo = open(std::path::Path::new("."))?;
//! let options = ScanOptions::default();
//! let outcome = staged(&repo, &index_path(&repo, Default::default()), &Scanner::default(), &options, StagedOptions::default())?;
//! for found in &outcome.findings {
//!     let path = String::from_utf8_lossy(&found.path);
//!     println!("{path}:{} {}", found.finding.line, found.finding.kind);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]

mod cancel;
mod error;
mod graph;
mod history;
mod object;
mod open;
mod pack;
mod range;
mod report;
mod scan;
mod staged;
#[cfg(test)]
mod testing;
mod tree;

pub use cancel::Cancel;
pub use error::Cause;
/// gix's object id: blobs, commits and problems are named by one.
pub use gix::ObjectId;
/// gix's repository, which [`open`] returns and every scan takes: an embedder needs no
/// dependency on gix of its own.
pub use gix::Repository;
pub use history::history;
pub use object::{CommitInfo, ObjectProblem};
pub use open::{open, open_with, OpenError, OpenOptions};
pub use range::{range, range_not_remotes, RangeEnd, RangeError};
pub use report::CANCELLED;
pub use scan::{
    GitFinding, NotScanned, NotScannedReason, Outcome, Progress, ScanOptions, DEFAULT_MAX_BLOB_SIZE,
};
pub use staged::{index_path, staged, IndexError, StagedOptions};
pub use tree::{Context, Problem};
