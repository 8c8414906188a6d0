//! keyhound's archive reader. CIS AWS 1.18 warns that keys compiled into applications are
//! the least likely to be rotated, and applications ship as archives: jars, wars and ears,
//! Python wheels and eggs, Lambda zips, npm tarballs, `.tar.gz` releases, container image
//! layers. This crate opens them by content ([`Format::sniff`], never by name), nested to
//! a depth, and hands each entry's decompressed content to a visitor as a reader, with
//! its path: `srv/app.war!/WEB-INF/lib/cfg.jar!/application.properties`.
//!
//! Nothing is written to disk, and memory stays bounded whatever the archive: entries are
//! streamed, only a zip nested inside a stream is held in memory (up to
//! [`Limits::max_buffered`]), and every archive is read within [`Limits`] on its
//! decompressed bytes, its entries' compression ratio (zip bombs), its entry count and its
//! nesting. Reaching a limit, an encrypted entry, an unsupported compression method and
//! damage are each a [`Problem`] naming the entry: never a silent skip.
//!
//! ```
//! use std::io::{Cursor, Read, Write};
//!
//! // A zip holding one file, made here with the `zip` crate's writer.
//! let mut bytes = Vec::new();
//! let mut writer = zip::ZipWriter::new(Cursor::new(&mut bytes));
//! writer.start_file("conf/app.properties", zip::write::SimpleFileOptions::default())?;
//! writer.write_all(b"aws.accessKeyId=AKIAQWZ7RNE3OSJHKV4D\n")?;
//! writer.finish()?;
//!
//! let mut seen = Vec::new();
//! let walked = keyhound_archive::walk(
//!     Cursor::new(&bytes),
//!     keyhound_archive::Limits::default(),
//!     &keyhound_core::Cancel::new(),
//!     &mut |path, content| {
//!         let mut text = String::new();
//!         content.read_to_string(&mut text)?;
//!         seen.push((path.to_string(), text));
//!         Ok(keyhound_archive::Visit::Continue)
//!     },
//!     &mut |problem| panic!("{problem}"),
//! );
//! assert_eq!(walked.entries, 1);
//! assert_eq!(seen[0].0, "conf/app.properties");
//! assert!(seen[0].1.contains("AKIA"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]

mod format;
pub mod image;
mod limits;
mod walk;

use std::fmt;
use std::io::{self, Read, Seek};

use keyhound_core::Cancel;

pub use format::{Format, SNIFF_LEN};
pub use limits::{Limit, Limits, RATIO_FLOOR};

/// What the visitor wants after an entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Visit {
    /// Go on with the next entry.
    Continue,
    /// Stop the walk here (the caller had enough: a findings cap, a cancelled scan).
    Stop,
}

/// Something about an archive that keeps part of it from being read. Each one names the
/// entry (`""`: the archive itself) and makes a scan incomplete.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// The entry is encrypted: its content was not read.
    Encrypted {
        /// The entry's path.
        entry: String,
    },
    /// The entry is compressed with a method keyhound does not read.
    Unsupported {
        /// The entry's path.
        entry: String,
        /// What the zip reader said of it.
        what: String,
    },
    /// The archive or the entry is damaged: it was read as far as it could be.
    Corrupt {
        /// The entry's path.
        entry: String,
        /// What the reader said.
        error: String,
    },
    /// The entry could not be opened (a file of a directory walked as an image layout).
    Unreadable {
        /// The entry's path.
        entry: String,
        /// Why.
        error: String,
    },
    /// A limit was reached at the entry: the archive was read no further.
    Limit {
        /// The entry's path.
        entry: String,
        /// Which limit.
        limit: Limit,
    },
}

impl Problem {
    /// The entry the problem is about (`""` for the archive itself).
    pub fn entry(&self) -> &str {
        match self {
            Problem::Encrypted { entry }
            | Problem::Unsupported { entry, .. }
            | Problem::Corrupt { entry, .. }
            | Problem::Unreadable { entry, .. }
            | Problem::Limit { entry, .. } => entry,
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Encrypted { .. } => write!(f, "encrypted: its content was not read"),
            Problem::Unsupported { what, .. } => write!(f, "not read: {what}"),
            Problem::Corrupt { error, .. } => write!(f, "damaged archive: {error}"),
            Problem::Unreadable { error, .. } => write!(f, "cannot be opened: {error}"),
            Problem::Limit { limit, .. } => write!(f, "archive limit reached: {limit}"),
        }
    }
}

/// What a walk read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Walked {
    /// Entries listed, nested ones included.
    pub entries: u64,
    /// Bytes decompressed.
    pub bytes: u64,
}

/// Walks the archive `input` (a file, or bytes in a `Cursor`): each entry's content goes
/// to `visit` with its path, archives inside it are walked in turn, and whatever could not
/// be read goes to `problem`. Content that is no archive at all is handed to `visit` whole,
/// at path `""`; a compressed stream's content stands at its stream's path (`""` for
/// `notes.txt.gz` itself). `visit` returning an error means the entry could not be read to
/// its end (reported as damage, or as the limit a reader hit).
///
/// Stops early when `cancel` is set or `visit` says [`Visit::Stop`].
pub fn walk<R: Read + Seek>(
    input: R,
    limits: Limits,
    cancel: &Cancel,
    visit: &mut dyn FnMut(&str, &mut dyn Read) -> io::Result<Visit>,
    problem: &mut dyn FnMut(Problem),
) -> Walked {
    let mut walker = walk::Walker::new(limits, cancel, visit, problem);
    walker.top(input);
    walker.walked()
}

/// Walks `entries` as the entries of one archive (the files of an OCI image layout
/// directory, say): each one's content, opened when it is an archive itself, goes to
/// `visit` at its name; one that cannot be opened is a [`Problem::Unreadable`].
pub fn walk_entries<'r>(
    entries: impl IntoIterator<Item = (String, io::Result<Box<dyn Read + 'r>>)>,
    limits: Limits,
    cancel: &Cancel,
    visit: &mut dyn FnMut(&str, &mut dyn Read) -> io::Result<Visit>,
    problem: &mut dyn FnMut(Problem),
) -> Walked {
    let mut walker = walk::Walker::new(limits, cancel, visit, problem);
    for (name, reader) in entries {
        if walker.stopped() || cancel.is_cancelled() {
            break;
        }
        match reader {
            Ok(mut reader) => walker.content(&name, &mut *reader, 0),
            Err(err) => walker.report(Problem::Unreadable {
                entry: name,
                error: err.to_string(),
            }),
        }
    }
    walker.walked()
}

/// [`walk`] for a stream that cannot seek (standard input, a pipe): a zip in it is read
/// into memory first, up to [`Limits::max_buffered`].
pub fn walk_stream(
    input: &mut dyn Read,
    limits: Limits,
    cancel: &Cancel,
    visit: &mut dyn FnMut(&str, &mut dyn Read) -> io::Result<Visit>,
    problem: &mut dyn FnMut(Problem),
) -> Walked {
    let mut walker = walk::Walker::new(limits, cancel, visit, problem);
    walker.content("", input, 0);
    walker.walked()
}

/// The README's example, compiled as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
