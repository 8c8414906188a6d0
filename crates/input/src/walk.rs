//! Finding the files to scan and reading them: a parallel walk with the `ignore` crate,
//! one scanner scratch per thread, every skipped or unreadable input reported as an event.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Sender};

use ignore::{WalkBuilder, WalkState};
use keyhound_core::{inline_allowance, Allowance, Finding, Scanner, Scratch};
use keyhound_report::{display_path, ReportBuilder, Source};

/// What the walk tells as it goes.
#[derive(Debug)]
pub enum Event {
    /// An input was read and scanned.
    Scanned {
        /// What it was.
        source: Source,
        /// Its length.
        bytes: u64,
        /// What was found.
        findings: Vec<Finding>,
        /// Findings an inline comment allowed, with the marker.
        suppressed: Vec<(Finding, Allowance)>,
    },
    /// An input was larger than the limit and not scanned.
    TooLarge {
        /// Its path.
        path: PathBuf,
        /// Its size, or how much was read of it before the limit.
        bytes: u64,
    },
    /// A file or directory could not be read: the scan is incomplete.
    Unreadable {
        /// Its path, when the error names one.
        path: Option<PathBuf>,
        /// Why.
        error: String,
    },
    /// Something worth saying that does not make the scan incomplete (a symlink loop).
    Warning {
        /// What.
        message: String,
    },
    /// Files scanned without findings, and symbolic links not followed, by one thread.
    Counted {
        /// Files.
        files: u64,
        /// Their bytes.
        bytes: u64,
        /// Symbolic links not followed.
        symlinks: u64,
    },
    /// A FIFO, socket or device: not content, and opening one could block the scan.
    SpecialSkipped {
        /// Its path.
        path: PathBuf,
    },
}

/// How to walk.
#[derive(Clone, Debug)]
pub struct WalkOptions {
    /// Honour `.gitignore` and other ignore files.
    pub gitignore: bool,
    /// Honour `.keyhoundignore` files. An audit does not: an audited host must not be
    /// able to hide files from its own audit.
    pub keyhoundignore: bool,
    /// Follow symbolic links (loops are detected, told as warnings, not followed again).
    pub follow_symlinks: bool,
    /// Files larger than this are not scanned (told as [`Event::TooLarge`]).
    pub max_file_size: u64,
    /// Walking and scanning threads; 0 means one per CPU.
    pub threads: usize,
}

impl Default for WalkOptions {
    /// Every file, `.keyhoundignore` honoured, no size limit, one thread per CPU.
    fn default() -> WalkOptions {
        WalkOptions {
            gitignore: false,
            keyhoundignore: true,
            follow_symlinks: false,
            max_file_size: u64::MAX,
            threads: 0,
        }
    }
}

impl WalkOptions {
    /// The number of threads to use: as set, or one per CPU when 0.
    pub fn thread_count(&self) -> usize {
        match self.threads {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        }
    }
}

/// Walks and scans `paths` in parallel into `builder`, telling `on_event` every event
/// first (from the calling thread, in the order they arrive: a caller names skipped and
/// unreadable inputs as they happen). Call [`ReportBuilder::sort`] at the end.
pub fn scan_paths(
    builder: &mut ReportBuilder,
    paths: &[PathBuf],
    options: &WalkOptions,
    scanner: &Scanner,
    mut on_event: impl FnMut(&Event),
) {
    let (sender, receiver) = mpsc::channel();
    std::thread::scope(|scope| {
        scope.spawn(move || walk(paths, options, scanner, &sender));
        for event in receiver {
            on_event(&event);
            record(builder, event);
        }
    });
}

/// Counts one event in `builder`.
pub fn record(builder: &mut ReportBuilder, event: Event) {
    match event {
        Event::Scanned {
            source,
            bytes,
            findings,
            suppressed,
        } => builder.scanned(source, bytes, findings, suppressed),
        Event::TooLarge { path, bytes } => builder.too_large(display_path(&path), bytes),
        Event::Unreadable { path, error } => {
            builder.unreadable(path.as_deref().map(display_path).unwrap_or_default(), error)
        }
        Event::Warning { .. } => {}
        Event::Counted {
            files,
            bytes,
            symlinks,
        } => builder.counted(files, bytes, symlinks),
        Event::SpecialSkipped { .. } => builder.special_skipped(),
    }
}

/// The name of the ignore file keyhound always honours.
pub const KEYHOUND_IGNORE: &str = ".keyhoundignore";

/// Walks `paths` in parallel, scanning every file, and sends one event per file with
/// findings (or problem) to `events`, and each thread's count of the rest.
pub fn walk(paths: &[PathBuf], options: &WalkOptions, scanner: &Scanner, events: &Sender<Event>) {
    let Some((first, rest)) = paths.split_first() else {
        return;
    };
    let mut builder = WalkBuilder::new(first);
    for path in rest {
        builder.add(path);
    }
    builder
        .standard_filters(false)
        .hidden(false)
        .parents(true)
        .follow_links(options.follow_symlinks)
        .threads(options.thread_count())
        .filter_entry(|entry| {
            !(entry.file_name() == ".git" && entry.file_type().is_some_and(|t| t.is_dir()))
        });
    if options.keyhoundignore {
        builder.add_custom_ignore_filename(KEYHOUND_IGNORE);
    }
    if options.gitignore {
        builder
            .git_ignore(true)
            .git_global(true)
            .git_exclude(true)
            .ignore(true)
            .parents(true)
            .require_git(false);
    }
    builder.build_parallel().run(|| {
        let mut worker = Worker {
            events: events.clone(),
            scanner: scanner.clone(),
            scratch: Scratch::new(),
            buffer: Vec::new(),
            max: options.max_file_size,
            clean_files: 0,
            clean_bytes: 0,
            symlinks: 0,
        };
        Box::new(move |entry| worker.visit(entry))
    });
}

/// One walking thread's state. Files without findings are only counted, and the counts
/// are sent once when the thread ends: waking the collector for every file costs more
/// than scanning most of them.
struct Worker {
    events: Sender<Event>,
    scanner: Scanner,
    scratch: Scratch,
    buffer: Vec<u8>,
    max: u64,
    clean_files: u64,
    clean_bytes: u64,
    symlinks: u64,
}

impl Worker {
    fn visit(&mut self, entry: Result<ignore::DirEntry, ignore::Error>) -> WalkState {
        let event = match entry {
            Err(err) => classify_walk_error(err),
            Ok(entry) => match entry.file_type() {
                Some(t) if t.is_dir() => return WalkState::Continue,
                Some(t) if t.is_symlink() => {
                    self.symlinks += 1;
                    return WalkState::Continue;
                }
                Some(t) if t.is_file() => {
                    let event = scan_file(
                        entry.path(),
                        self.max,
                        &self.scanner,
                        &mut self.scratch,
                        &mut self.buffer,
                    );
                    match event {
                        Event::Scanned {
                            bytes,
                            ref findings,
                            ref suppressed,
                            ..
                        } if findings.is_empty() && suppressed.is_empty() => {
                            self.clean_files += 1;
                            self.clean_bytes += bytes;
                            return WalkState::Continue;
                        }
                        event => event,
                    }
                }
                _ => Event::SpecialSkipped {
                    path: entry.into_path(),
                },
            },
        };
        if self.events.send(event).is_err() {
            return WalkState::Quit;
        }
        WalkState::Continue
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let counted = Event::Counted {
            files: self.clean_files,
            bytes: self.clean_bytes,
            symlinks: self.symlinks,
        };
        // The collector outlives the walk; if it is gone there is nobody left to tell.
        let _ = self.events.send(counted);
    }
}

/// Reads and scans one file, within the size limit; `buffer` is reused between files.
pub fn scan_file(
    path: &Path,
    max: u64,
    scanner: &Scanner,
    scratch: &mut Scratch,
    buffer: &mut Vec<u8>,
) -> Event {
    let unreadable = |err: std::io::Error| Event::Unreadable {
        path: Some(path.to_path_buf()),
        error: err.to_string(),
    };
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(err) => return unreadable(err),
    };
    let size = match file.metadata() {
        Ok(meta) => meta.len(),
        Err(err) => return unreadable(err),
    };
    if size > max {
        return Event::TooLarge {
            path: path.to_path_buf(),
            bytes: size,
        };
    }
    if size > READ_WHOLE_UP_TO {
        return scan_stream(
            Source::Path(path.to_path_buf()),
            file,
            max,
            scanner,
            scratch,
            buffer,
        );
    }
    // Read at most one byte past the limit: a file that grew since stat is caught too.
    buffer.clear();
    if let Err(err) = file.take(max.saturating_add(1)).read_to_end(buffer) {
        return unreadable(err);
    }
    if buffer.len() as u64 > max {
        return Event::TooLarge {
            path: path.to_path_buf(),
            bytes: buffer.len() as u64,
        };
    }
    let event = scan_bytes(Source::Path(path.to_path_buf()), buffer, scanner, scratch);
    // Keep the buffer for the next file, unless this one made it huge.
    if buffer.capacity() > 16 << 20 {
        *buffer = Vec::new();
    }
    event
}

/// Files up to this size are read whole; larger ones are streamed in windows, so memory
/// stays bounded whatever a file's size.
const READ_WHOLE_UP_TO: u64 = 8 << 20;

/// Streams `reader` (a large file, standard input) through the scanner in windows, up to
/// `max` bytes; `buffer` holds one window.
pub fn scan_stream(
    source: Source,
    reader: impl Read,
    max: u64,
    scanner: &Scanner,
    scratch: &mut Scratch,
    buffer: &mut Vec<u8>,
) -> Event {
    let mut findings = Vec::new();
    let mut suppressed = Vec::new();
    // One byte past the limit tells an input over it (a file that grew, a long pipe).
    let limited = reader.take(max.saturating_add(1));
    let read = scanner.scan_reader(limited, scratch, buffer, |finding, window| {
        match window.inline_allowance(&finding) {
            Some(allowance) => suppressed.push((finding, allowance)),
            None => findings.push(finding),
        }
        std::ops::ControlFlow::Continue(())
    });
    match read {
        Err(err) => Event::Unreadable {
            path: Some(source.path().into_owned()),
            error: err.to_string(),
        },
        Ok(bytes) if bytes > max => Event::TooLarge {
            path: source.path().into_owned(),
            bytes,
        },
        Ok(bytes) => Event::Scanned {
            source,
            bytes,
            findings,
            suppressed,
        },
    }
}

/// Scans bytes already in memory.
pub fn scan_bytes(source: Source, bytes: &[u8], scanner: &Scanner, scratch: &mut Scratch) -> Event {
    let mut findings = Vec::new();
    let mut suppressed = Vec::new();
    scanner.scan_with(bytes, scratch, |finding| {
        match inline_allowance(bytes, &finding) {
            Some(allowance) => suppressed.push((finding, allowance)),
            None => findings.push(finding),
        }
        std::ops::ControlFlow::Continue(())
    });
    Event::Scanned {
        source,
        bytes: bytes.len() as u64,
        findings,
        suppressed,
    }
}

/// Symlink loops are warnings; everything else the walker could not read is incomplete.
fn classify_walk_error(err: ignore::Error) -> Event {
    fn innermost(err: &ignore::Error) -> (&ignore::Error, Option<&Path>) {
        match err {
            ignore::Error::WithPath { path, err } => (innermost(err).0, Some(path.as_path())),
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
                innermost(err)
            }
            other => (other, None),
        }
    }
    let (inner, path) = innermost(&err);
    match inner {
        ignore::Error::Loop { child, .. } => Event::Warning {
            message: format!("symlink loop at {}: not followed again", child.display()),
        },
        _ => Event::Unreadable {
            path: path.map(Path::to_path_buf),
            error: inner.to_string(),
        },
    }
}
