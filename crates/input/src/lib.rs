//! keyhound-input reads what keyhound scans and hands it to keyhound-core: files and
//! directories walked in parallel, standard input and other streams, and environment
//! variables.
//!
//! * [`scan_paths`] walks files and directories with the `ignore` crate (every file by
//!   default, git-ignored ones too; `.keyhoundignore` honoured; `.gitignore` on request),
//!   one scanner scratch per thread, files over 8 MiB streamed in bounded memory, and
//!   tells every problem as an [`Event`]: nothing is skipped silently.
//!   [`scan_paths_with`] takes a [`Control`] too: a [`Cancel`] flag that stops the walk
//!   from another thread (the result says [`Walked::cancelled`], and an event without a
//!   path makes the report incomplete), and a [`Progress`] told of every file found and
//!   done. [`WalkOptions::default`] scans every file, on one thread per CPU.
//! * [`scan_stream`] scans any reader (standard input, a pipe) in bounded memory.
//! * [`env`](mod@env) reads this process's environment and every readable process's.
//!
//! Results go into a [`keyhound_report::ReportBuilder`].
//!
//! ```
//! use keyhound_core::Scanner;
//! use keyhound_input::{scan_paths, WalkOptions};
//! use keyhound_report::ReportBuilder;
//!
//! let dir = tempfile::tempdir()?;
//! std::fs::write(dir.path().join("app.env"), "AWS_ACCESS_KEY_ID=AKIAQWZ7RNE3OSJHKV4D\n")?;
//! let mut builder = ReportBuilder::new();
//! scan_paths(&mut builder, &[dir.path().to_path_buf()], &WalkOptions::default(), &Scanner::default(), |_| {});
//! builder.sort();
//! let report = builder.build();
//! assert_eq!(report.stats.files, 1);
//! assert_eq!(report.sources[0].findings[0].key_id(), Some("AKIAQWZ7RNE3OSJHKV4D"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

pub use keyhound_core::Cancel;

mod archive;
pub mod env;
mod inputs;
mod walk;

pub use archive::{is_oci_layout, scan_archive, scan_oci_layout, scan_stream_or_archive, Clean};
pub use inputs::scan_inputs;
pub use keyhound_archive::{Limit, Limits};
pub use keyhound_core::too_many_findings;
pub use walk::{
    record, record_to, scan_bytes, scan_file, scan_paths, scan_paths_with, scan_stream, walk,
    walk_with, Control, Event, Progress, WalkOptions, Walked, CANCELLED, KEYHOUND_IGNORE,
};
