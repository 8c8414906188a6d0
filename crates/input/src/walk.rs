//! Finding the files to scan and reading them: a parallel walk with the `ignore` crate,
//! one scanner scratch per thread, every skipped or unreadable input reported as an event.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Sender};
use std::sync::Arc;

use ignore::{WalkBuilder, WalkState};
use keyhound_archive::{Format, Limits, SNIFF_LEN};
use keyhound_core::{
    too_many_findings, Allowance, Cancel, Ended, Finding, InlineAllowances, Scanner, Scratch,
};
use keyhound_report::{display_path, own, ReportBuilder, Source, SourceFindings};

use crate::archive::{is_oci_layout, scan_archive, scan_oci_layout, Clean};

/// What the walk tells as it goes.
#[derive(Debug)]
pub enum Event {
    /// An input was read and scanned.
    Scanned {
        /// What it was.
        source: Source,
        /// The bytes scanned: its length, or the length it had when it was opened.
        bytes: u64,
        /// What was found.
        findings: Vec<Finding>,
        /// Findings an inline comment allowed, with the marker.
        suppressed: Vec<(Finding, Allowance)>,
        /// Why the scan stopped before the end, when it did ([`too_many_findings`]): the
        /// input is then not completely scanned, and [`record`] lists it as unreadable
        /// with this reason, which makes the report incomplete.
        stopped: Option<String>,
        /// The file grew while it was read: only the `bytes` it had when it was opened
        /// were scanned (growth is noted, not chased: a log written faster than it is
        /// read would never end). It still counts as scanned.
        grew: bool,
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
    /// Open archives (told by their content: zip-family, tar, gzip, bzip2, xz, zstd) and
    /// scan their entries, within these limits; `None` scans an archive's bytes as they
    /// are.
    pub archives: Option<Limits>,
}

impl Default for WalkOptions {
    /// Every file, `.keyhoundignore` honoured, no size limit, one thread per CPU,
    /// archives opened within the default limits.
    fn default() -> WalkOptions {
        WalkOptions {
            gitignore: false,
            keyhoundignore: true,
            follow_symlinks: false,
            max_file_size: u64::MAX,
            threads: 0,
            archives: Some(Limits::default()),
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

/// Receives a walk's progress (a progress bar, say). Methods are called from the walking
/// threads, concurrently: keep them cheap.
///
/// Every regular file the walk meets is counted by [`files_found`](Progress::files_found)
/// and told [`file_done`](Progress::file_done) once, scanned or not, so when a walk
/// completes the `file_done` calls add up to the files found. (A cancelled walk ends
/// short of it.) Directories, symbolic links not followed and special files are not
/// counted; findings and problems are [`Event`]s.
pub trait Progress: Send + Sync {
    /// `count` more files were found: add them up (the walk lists directories while it
    /// scans, on many threads, so the total grows until the end).
    fn files_found(&self, count: u64);
    /// One file is done: `bytes` of it were scanned, 0 when it was not (over the size
    /// limit, or unreadable).
    fn file_done(&self, bytes: u64);
    /// The walk is over (told once, after the last file).
    fn finish(&self) {}
}

/// What a caller can do to a walk besides choosing its [`WalkOptions`]: cancel it, and
/// watch it. The default does neither.
#[derive(Clone, Default)]
pub struct Control {
    /// Stops the walk when set.
    pub cancel: Cancel,
    /// Told of every file found and done.
    pub progress: Option<Arc<dyn Progress>>,
}

impl std::fmt::Debug for Control {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Control")
            .field("cancel", &self.cancel)
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

/// How a walk ended.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Walked {
    /// It was cancelled ([`Control::cancel`]) before the end: not everything was scanned,
    /// and an [`Event::Unreadable`] without a path, saying [`CANCELLED`], makes the
    /// report incomplete.
    pub cancelled: bool,
}

/// What the event of a cancelled walk says.
pub const CANCELLED: &str = "the scan was cancelled before the end: not everything was scanned";

/// Walks and scans `paths` in parallel into `builder`, telling `on_event` every event
/// first (from the calling thread, in the order they arrive: a caller names skipped and
/// unreadable inputs as they happen). Call [`ReportBuilder::sort`] at the end.
/// [`scan_paths_with`] can also be cancelled, and tells progress.
pub fn scan_paths(
    builder: &mut ReportBuilder,
    paths: &[PathBuf],
    options: &WalkOptions,
    scanner: &Scanner,
    on_event: impl FnMut(&Event),
) {
    scan_paths_with(
        builder,
        paths,
        options,
        scanner,
        &Control::default(),
        on_event,
    );
}

/// [`scan_paths`], cancelled by `control.cancel` and telling `control.progress`.
pub fn scan_paths_with(
    builder: &mut ReportBuilder,
    paths: &[PathBuf],
    options: &WalkOptions,
    scanner: &Scanner,
    control: &Control,
    mut on_event: impl FnMut(&Event),
) -> Walked {
    let (sender, receiver) = mpsc::channel();
    std::thread::scope(|scope| {
        let walk = scope.spawn(move || walk_with(paths, options, scanner, control, &sender));
        for event in receiver {
            on_event(&event);
            record(builder, event);
        }
        walk.join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

/// Counts one event in `builder`.
pub fn record(builder: &mut ReportBuilder, event: Event) {
    match event {
        Event::Scanned {
            source,
            bytes,
            findings,
            suppressed,
            stopped,
            grew: _,
        } => {
            let shown = source.display();
            builder.scanned(source, bytes, findings, suppressed);
            if let Some(reason) = stopped {
                builder.unreadable(shown, reason);
            }
        }
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

/// [`record`], except that a source scanned to its end goes to `sink` as it is: counted in
/// `builder` as one file of its bytes, with its suppressed findings, and its findings
/// left for the sink to count. For a report written as the scan goes.
pub fn record_to(builder: &mut ReportBuilder, event: Event, sink: &mut dyn FnMut(SourceFindings)) {
    match event {
        Event::Scanned {
            source,
            bytes,
            findings,
            suppressed,
            stopped: None,
            ..
        } => {
            builder.counted(1, bytes, 0);
            builder.stats_mut().suppressed += suppressed.len() as u64;
            sink(SourceFindings {
                source,
                findings,
                suppressed,
            });
        }
        event => record(builder, event),
    }
}

/// The name of the ignore file keyhound always honours.
pub const KEYHOUND_IGNORE: &str = ".keyhoundignore";

/// Walks `paths` in parallel, scanning every file, and sends one event per file with
/// findings (or problem) to `events`, and each thread's count of the rest.
pub fn walk(paths: &[PathBuf], options: &WalkOptions, scanner: &Scanner, events: &Sender<Event>) {
    walk_with(paths, options, scanner, &Control::default(), events);
}

/// [`walk`], cancelled by `control.cancel` (then the last event sent is an
/// [`Event::Unreadable`] without a path, saying [`CANCELLED`]) and telling
/// `control.progress`.
pub fn walk_with(
    paths: &[PathBuf],
    options: &WalkOptions,
    scanner: &Scanner,
    control: &Control,
    events: &Sender<Event>,
) -> Walked {
    let walked = walk_paths(paths, options, scanner, control, events);
    if let Some(progress) = &control.progress {
        progress.finish();
    }
    if walked.cancelled {
        // Nobody left to tell only if the receiver is gone.
        let _ = events.send(Event::Unreadable {
            path: None,
            error: CANCELLED.to_string(),
        });
    }
    walked
}

fn walk_paths(
    paths: &[PathBuf],
    options: &WalkOptions,
    scanner: &Scanner,
    control: &Control,
    events: &Sender<Event>,
) -> Walked {
    let cancelled = || Walked {
        cancelled: control.cancel.is_cancelled(),
    };
    let Some((first, rest)) = paths.split_first() else {
        return cancelled();
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
            archives: options.archives,
            control: control.clone(),
            clean_files: 0,
            clean_bytes: 0,
            symlinks: 0,
        };
        Box::new(move |entry| worker.visit(entry))
    });
    cancelled()
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
    archives: Option<Limits>,
    control: Control,
    clean_files: u64,
    clean_bytes: u64,
    symlinks: u64,
}

impl Worker {
    fn visit(&mut self, entry: Result<ignore::DirEntry, ignore::Error>) -> WalkState {
        if self.control.cancel.is_cancelled() {
            return WalkState::Quit;
        }
        let event = match entry {
            Err(err) => classify_walk_error(err),
            Ok(entry) => match entry.file_type() {
                Some(t) if t.is_dir() => match self.archives {
                    // An OCI image layout is one image: read as such, not file by file.
                    Some(limits) if is_oci_layout(entry.path()) => {
                        let events = &self.events;
                        let clean = scan_oci_layout(
                            entry.path(),
                            limits,
                            &self.scanner,
                            &mut self.scratch,
                            &mut self.buffer,
                            &self.control.cancel,
                            &mut |event| {
                                let _ = events.send(event);
                            },
                        );
                        self.clean_files += clean.entries;
                        self.clean_bytes += clean.bytes;
                        return WalkState::Skip;
                    }
                    _ => return WalkState::Continue,
                },
                Some(t) if t.is_symlink() => {
                    self.symlinks += 1;
                    return WalkState::Continue;
                }
                Some(t) if t.is_file() => {
                    let progress = self.control.progress.as_deref();
                    if let Some(progress) = progress {
                        progress.files_found(1);
                    }
                    let events = &self.events;
                    let event = read_and_scan(
                        entry.path(),
                        Reading {
                            max: self.max,
                            archives: self.archives,
                            cancel: &self.control.cancel,
                        },
                        &self.scanner,
                        &mut self.scratch,
                        &mut self.buffer,
                        &mut |event| {
                            // The collector outlives the walk; the send that matters, the
                            // file's own event, tells when it is gone.
                            let _ = events.send(event);
                        },
                    );
                    if let Some(progress) = progress {
                        progress.file_done(match &event {
                            Event::Scanned { bytes, .. } => *bytes,
                            _ => 0,
                        });
                    }
                    match event {
                        Event::Scanned {
                            bytes,
                            ref findings,
                            ref suppressed,
                            ref stopped,
                            grew: false,
                            ..
                        } if findings.is_empty() && suppressed.is_empty() && stopped.is_none() => {
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
    let reading = Reading {
        max,
        archives: None,
        cancel: &Cancel::default(),
    };
    read_and_scan(path, reading, scanner, scratch, buffer, &mut |_| {})
}

/// How one file is read.
#[derive(Clone, Copy)]
struct Reading<'c> {
    /// Files larger than this are not scanned.
    max: u64,
    /// Whether archives are opened, and within what limits.
    archives: Option<Limits>,
    cancel: &'c Cancel,
}

/// Reads a file too large to read whole, until cancelled (an error then).
struct Cancellable<'c, R> {
    inner: R,
    cancel: &'c Cancel,
}

impl<R: Read> Read for Cancellable<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.cancel.is_cancelled() {
            return Err(std::io::Error::other("cancelled"));
        }
        self.inner.read(buf)
    }
}

/// [`scan_file`]; a file streamed in windows stops at the next window when `cancel` is
/// set (unreadable: cancelled).
/// Reads and scans the file at `path`. An archive's entries are scanned one by one: those
/// with findings and the archive's problems go to `send`, and the event returned counts
/// the clean entries.
fn read_and_scan(
    path: &Path,
    reading: Reading<'_>,
    scanner: &Scanner,
    scratch: &mut Scratch,
    buffer: &mut Vec<u8>,
    send: &mut dyn FnMut(Event),
) -> Event {
    let Reading {
        max,
        archives,
        cancel,
    } = reading;
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
    #[cfg(test)]
    test_hooks::opened(path);
    // Read up to the length the file had when it was opened, and no further: a file
    // written to as fast as it is read would otherwise never end. A file that says it is
    // empty may be a kernel's (procfs, sysfs, which report no size): read some of it.
    let limit = if size == 0 { UNSIZED_READ } else { size };
    let mut file = file;
    if let Some(limits) = archives.filter(|_| limit > READ_WHOLE_UP_TO) {
        match is_archive(&mut file) {
            Ok(true) => {
                let source = Source::Path(path.to_path_buf());
                let clean = scan_archive(
                    &source, file, limits, scanner, scratch, buffer, cancel, send,
                );
                return counted(clean);
            }
            Ok(false) => {}
            Err(err) => return unreadable(err),
        }
    }
    let mut event = if limit > READ_WHOLE_UP_TO {
        let reader = Cancellable {
            inner: (&mut file).take(limit),
            cancel,
        };
        scan_stream(
            Source::Path(path.to_path_buf()),
            reader,
            u64::MAX,
            scanner,
            scratch,
            buffer,
        )
    } else {
        buffer.clear();
        if let Err(err) = (&mut file).take(limit).read_to_end(buffer) {
            return unreadable(err);
        }
        let head = &buffer[..buffer.len().min(SNIFF_LEN)];
        if let Some(limits) = archives.filter(|_| Format::sniff(head).is_some()) {
            // The archive's bytes stay where they are; entries are read through a buffer
            // of their own.
            let bytes = std::mem::take(buffer);
            let source = Source::Path(path.to_path_buf());
            let input = std::io::Cursor::new(&bytes[..]);
            let clean = scan_archive(
                &source, input, limits, scanner, scratch, buffer, cancel, send,
            );
            *buffer = bytes;
            return counted(clean);
        }
        let mut event = scan_bytes(Source::Path(path.to_path_buf()), buffer, scanner, scratch);
        set_aside_if_own_report(&mut event, buffer);
        // Keep the buffer for the next file, unless this one made it huge.
        if buffer.capacity() > 16 << 20 {
            *buffer = Vec::new();
        }
        event
    };
    if let Event::Scanned {
        grew,
        bytes,
        stopped: None,
        ..
    } = &mut event
    {
        // More to read past what was scanned: it grew (a byte is enough to tell).
        *grew = *bytes == limit && matches!(file.read(&mut [0u8]), Ok(1));
    }
    // A streamed file's first window is gone: its start is read again (after the growth
    // check, which reads on from where the scan stopped), if it matters.
    if limit > READ_WHOLE_UP_TO && has_findings(&event) {
        use std::io::{Seek, SeekFrom};
        let mut start = Vec::with_capacity(own::PREFIX);
        let read = file
            .seek(SeekFrom::Start(0))
            .and_then(|_| (&mut file).take(own::PREFIX as u64).read_to_end(&mut start));
        if read.is_ok() {
            set_aside_if_own_report(&mut event, &start);
        }
    }
    event
}

/// Whether the file starts like an archive; it is read again from its start after.
fn is_archive(file: &mut std::fs::File) -> std::io::Result<bool> {
    use std::io::{Seek, SeekFrom};
    let mut head = Vec::with_capacity(SNIFF_LEN);
    file.take(SNIFF_LEN as u64).read_to_end(&mut head)?;
    file.seek(SeekFrom::Start(0))?;
    Ok(Format::sniff(&head).is_some())
}

/// An archive's clean entries, as the walk counts clean files.
fn counted(clean: Clean) -> Event {
    Event::Counted {
        files: clean.entries,
        bytes: clean.bytes,
        symlinks: 0,
    }
}

/// Whether `event` is a scan that found something.
fn has_findings(event: &Event) -> bool {
    matches!(event, Event::Scanned { findings, .. } if !findings.is_empty())
}

/// When `start` (the file's first bytes) shows one of keyhound's own reports, moves the
/// key ids it names to `suppressed` ([`keyhound_report::own`]): a report left in the tree
/// is not a new leak of every key it lists.
fn set_aside_if_own_report(event: &mut Event, start: &[u8]) {
    if let Event::Scanned {
        findings,
        suppressed,
        ..
    } = event
    {
        if !findings.is_empty() && own::recognise(start).is_some() {
            own::set_aside(findings, suppressed);
        }
    }
}

/// How much of a file that reports no size is read.
const UNSIZED_READ: u64 = 1 << 20;

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
    let read = scanner.stream(limited, scratch, buffer, |finding, window| {
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
        Ok(streamed) if streamed.bytes > max => Event::TooLarge {
            path: source.path().into_owned(),
            bytes: streamed.bytes,
        },
        Ok(streamed) => Event::Scanned {
            source,
            bytes: streamed.bytes,
            findings,
            suppressed,
            stopped: stopped_by(streamed.ended, scanner),
            grew: false,
        },
    }
}

/// Scans bytes already in memory.
pub fn scan_bytes(source: Source, bytes: &[u8], scanner: &Scanner, scratch: &mut Scratch) -> Event {
    let mut findings = Vec::new();
    let mut suppressed = Vec::new();
    let mut allowances = InlineAllowances::new(bytes);
    let ended = scanner.scan_with(bytes, scratch, |finding| {
        match allowances.of(&finding) {
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
        stopped: stopped_by(ended, scanner),
        grew: false,
    }
}

/// Why an input is not completely scanned, when a scan ending `ended` says it is not.
pub(crate) fn stopped_by(ended: Ended, scanner: &Scanner) -> Option<String> {
    (ended == Ended::TooManyFindings).then(|| too_many_findings(scanner.max_findings()))
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

/// Grows files on purpose, to test that growth is noted and not chased.
#[cfg(test)]
pub(crate) mod test_hooks {
    use std::io::Write;
    use std::path::Path;

    /// A file whose name ends with this grows by [`GROWTH`] as soon as it is opened.
    pub(crate) const GROWS: &str = ".grows-when-opened";
    /// What it grows by: a key id past the length it was opened with.
    pub(crate) const GROWTH: &[u8] = b"\nlater = AKIAQWZ7RNE3OSJHKV4D\n";

    pub(crate) fn opened(path: &Path) {
        if path.to_string_lossy().ends_with(GROWS) {
            let mut file = std::fs::OpenOptions::new()
                .append(true)
                .open(path)
                .expect("the test file opens to append");
            file.write_all(GROWTH).expect("the test file grows");
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU64, Ordering};

    use super::*;

    const KEY: &str = "aws_access_key_id = AKIATDL6PABMCTNRC77F\n\
        aws_secret_access_key = 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\n";

    #[test]
    fn a_report_of_keyhounds_is_set_aside_whether_read_whole_or_streamed() {
        let dir = tempfile::tempdir().expect("temp dir");
        let header = "{\n  \"version\": 1,\n  \"tool\": {\n    \"name\": \"keyhound\"";
        let entry = "\n    {\"key_id\": \"AKIATDL6PABMCTNRC77F\"},";
        // Under and over the size read whole: the streamed one's start is read again.
        for entries in [10, (READ_WHOLE_UP_TO as usize / entry.len()) + 10] {
            let path = dir.path().join(format!("report-{entries}.json"));
            std::fs::write(&path, format!("{header}{}", entry.repeat(entries))).expect("written");
            let event = scan_file(
                &path,
                u64::MAX,
                &Scanner::default(),
                &mut Scratch::new(),
                &mut Vec::new(),
            );
            let Event::Scanned {
                findings,
                suppressed,
                grew,
                ..
            } = event
            else {
                panic!("{event:?}");
            };
            assert!(findings.is_empty(), "{entries}: {}", findings.len());
            assert_eq!(suppressed.len(), entries);
            assert!(suppressed.iter().all(|(_, a)| a.marker == own::MARKER));
            assert!(!grew, "reading the start again is not growth");
        }
    }

    /// A directory of `files` small files, every 100th holding a key, one file over 5000
    /// bytes, and a symbolic link.
    fn tree(files: usize) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("temp dir");
        for i in 0..files {
            let sub = dir.path().join(format!("d{}", i % 7));
            std::fs::create_dir_all(&sub).expect("directory");
            let text = if i % 100 == 0 {
                format!("# {i}\n{KEY}")
            } else {
                format!("line {i}\n")
            };
            std::fs::write(sub.join(format!("{i}.txt")), text).expect("written");
        }
        std::fs::write(dir.path().join("big.bin"), "z".repeat(6000)).expect("written");
        #[cfg(unix)]
        std::os::unix::fs::symlink("big.bin", dir.path().join("link")).expect("symlink");
        dir
    }

    /// What a walk told its progress; cancels it at the `cancel_at`th file done.
    #[derive(Default)]
    struct Recorder {
        found: AtomicU64,
        done: AtomicU64,
        bytes: AtomicU64,
        finished: AtomicU64,
        cancel: Cancel,
        cancel_at: Option<u64>,
    }

    impl Progress for Recorder {
        fn files_found(&self, count: u64) {
            self.found.fetch_add(count, Ordering::SeqCst);
        }
        fn file_done(&self, bytes: u64) {
            let done = self.done.fetch_add(1, Ordering::SeqCst) + 1;
            self.bytes.fetch_add(bytes, Ordering::SeqCst);
            if self.cancel_at == Some(done) {
                self.cancel.cancel();
            }
        }
        fn finish(&self) {
            self.finished.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn scan(
        dir: &Path,
        recorder: &Arc<Recorder>,
    ) -> (Walked, keyhound_report::Report, Vec<String>) {
        let options = WalkOptions {
            max_file_size: 5000,
            threads: 2,
            ..WalkOptions::default()
        };
        let control = Control {
            cancel: recorder.cancel.clone(),
            progress: Some(recorder.clone()),
        };
        let mut builder = ReportBuilder::new();
        let mut unreadable = Vec::new();
        let walked = scan_paths_with(
            &mut builder,
            &[dir.to_path_buf()],
            &options,
            &Scanner::default(),
            &control,
            |event| {
                if let Event::Unreadable { error, .. } = event {
                    unreadable.push(error.clone());
                }
            },
        );
        (walked, builder.build(), unreadable)
    }

    /// Every file found is done once, the bytes are the report's, and the walk finishes
    /// once.
    #[test]
    fn progress_totals_add_up() {
        let dir = tree(500);
        let recorder = Arc::new(Recorder::default());
        let (walked, report, unreadable) = scan(dir.path(), &recorder);
        assert!(!walked.cancelled);
        assert!(unreadable.is_empty(), "{unreadable:?}");
        assert!(!report.is_incomplete());
        let found = recorder.found.load(Ordering::SeqCst);
        assert_eq!(found, 501);
        assert_eq!(recorder.done.load(Ordering::SeqCst), found);
        assert_eq!(
            report.stats.files + report.stats.too_large.len() as u64,
            found
        );
        assert_eq!(recorder.bytes.load(Ordering::SeqCst), report.stats.bytes);
        assert_eq!(recorder.finished.load(Ordering::SeqCst), 1);
        assert_eq!(report.stats.findings, 5);
    }

    /// A walk cancelled before it starts, or at its first file, stops soon, says so, and
    /// its report is incomplete.
    #[test]
    fn a_cancelled_walk_stops_soon_and_says_so() {
        let dir = tree(3000);
        for cancel_at in [None, Some(1)] {
            let recorder = Arc::new(Recorder {
                cancel_at,
                ..Recorder::default()
            });
            if cancel_at.is_none() {
                recorder.cancel.cancel();
            }
            let (walked, report, unreadable) = scan(dir.path(), &recorder);
            assert!(walked.cancelled, "{cancel_at:?}");
            assert_eq!(unreadable, vec![CANCELLED.to_string()], "{cancel_at:?}");
            assert!(report.is_incomplete());
            // Each thread finishes the file in hand (and the walk's queue drains).
            let done = recorder.done.load(Ordering::SeqCst);
            assert!(done <= 10, "{cancel_at:?}: {done} files done");
            assert!(report.stats.files <= 10, "{}", report.stats.files);
            assert_eq!(recorder.finished.load(Ordering::SeqCst), 1);
        }
    }

    /// A file that grows between open and read is read up to the length it was opened
    /// with, and says it grew; whole or streamed, it counts as scanned.
    #[test]
    fn a_file_that_grows_is_read_to_its_length_at_open_and_says_so() {
        use test_hooks::{GROWS, GROWTH};
        let dir = tempfile::tempdir().expect("temp dir");
        for (name, filler) in [("small", 100), ("large", READ_WHOLE_UP_TO as usize + 10)] {
            let path = dir.path().join(format!("{name}{GROWS}"));
            let mut text = format!("{KEY}\n").into_bytes();
            text.resize(text.len() + filler, b'.');
            std::fs::write(&path, &text).expect("written");
            let event = scan_file(
                &path,
                u64::MAX,
                &Scanner::default(),
                &mut Scratch::new(),
                &mut Vec::new(),
            );
            let Event::Scanned {
                bytes,
                findings,
                stopped,
                grew,
                ..
            } = event
            else {
                panic!("{name}: {event:?}");
            };
            assert_eq!(bytes, text.len() as u64, "{name}");
            assert!(grew, "{name}");
            assert_eq!(stopped, None, "{name}");
            // The pair before is found; the key id written after the open is not read.
            assert_eq!(findings.len(), 1, "{name}: {findings:?}");
            let size = std::fs::metadata(&path).expect("metadata").len();
            assert_eq!(size, (text.len() + GROWTH.len()) as u64, "{name}");
        }
        // A file that does not grow does not say so.
        let still = dir.path().join("still.txt");
        std::fs::write(&still, KEY).expect("written");
        let event = scan_file(
            &still,
            u64::MAX,
            &Scanner::default(),
            &mut Scratch::new(),
            &mut Vec::new(),
        );
        assert!(
            matches!(event, Event::Scanned { grew: false, .. }),
            "{event:?}"
        );
    }

    /// A file another thread keeps appending to: the scan ends, and finds the key that was
    /// there when it was opened.
    #[test]
    fn a_file_appended_to_all_along_is_scanned_to_an_end() {
        use std::sync::atomic::AtomicBool;
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("busy.log");
        std::fs::write(&path, KEY).expect("written");
        let stop = Arc::new(AtomicBool::new(false));
        let writer = {
            let (path, stop) = (path.clone(), stop.clone());
            std::thread::spawn(move || {
                use std::io::Write;
                let mut file = std::fs::OpenOptions::new()
                    .append(true)
                    .open(path)
                    .expect("opens to append");
                let chunk = vec![b'x'; 1 << 16];
                let mut written = 0u64;
                // Up to 1 GiB: far more than the scan reads, if it chased the growth.
                while !stop.load(Ordering::SeqCst) && written < 1 << 30 {
                    file.write_all(&chunk).expect("appended");
                    written += chunk.len() as u64;
                }
            })
        };
        // Let it grow past the whole-read size first, so the streamed path is the one
        // racing the writer.
        while std::fs::metadata(&path).expect("metadata").len() < READ_WHOLE_UP_TO + 1 {
            std::thread::yield_now();
        }
        let event = scan_file(
            &path,
            u64::MAX,
            &Scanner::default(),
            &mut Scratch::new(),
            &mut Vec::new(),
        );
        stop.store(true, Ordering::SeqCst);
        writer.join().expect("the writer ends");
        let Event::Scanned {
            bytes, findings, ..
        } = event
        else {
            panic!("{event:?}");
        };
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert!(bytes < std::fs::metadata(&path).expect("metadata").len());
    }

    /// An input over the findings budget stops there, and the report lists it as not
    /// completely scanned, with the reason.
    #[test]
    fn an_input_over_the_findings_budget_makes_the_report_incomplete() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("many.txt");
        let ids = [
            "AKIAQWZ7RNE3OSJHKV4D",
            "AKIAT4GQ6YHJEWZ2MNB5",
            "AKIA3JDPW7QLMZ2RKXN6",
        ];
        std::fs::write(&path, ids.map(|id| format!("id = {id}\n")).concat()).expect("written");
        for (max, incomplete) in [(3, false), (2, true)] {
            let scanner = Scanner::default().with_max_findings(max);
            let event = scan_file(
                &path,
                u64::MAX,
                &scanner,
                &mut Scratch::new(),
                &mut Vec::new(),
            );
            let mut builder = ReportBuilder::new();
            record(&mut builder, event);
            let report = builder.build();
            assert_eq!(report.stats.findings, max as u64);
            assert_eq!(report.is_incomplete(), incomplete, "{max}");
            if incomplete {
                let (name, why) = &report.stats.unreadable[0];
                assert!(name.ends_with("many.txt"), "{name}");
                assert_eq!(why, &too_many_findings(2));
            }
        }
    }

    /// A file streamed in windows stops when cancelled, named unreadable.
    #[test]
    fn a_large_file_stops_when_cancelled() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("large.log");
        std::fs::write(&path, vec![b'a'; (READ_WHOLE_UP_TO + 1) as usize]).expect("written");
        let cancel = Cancel::new();
        cancel.cancel();
        let (scanner, mut scratch) = (Scanner::default(), Scratch::new());
        let reading = Reading {
            max: u64::MAX,
            archives: None,
            cancel: &cancel,
        };
        let event = read_and_scan(
            &path,
            reading,
            &scanner,
            &mut scratch,
            &mut Vec::new(),
            &mut |_| {},
        );
        assert!(
            matches!(&event, Event::Unreadable { error, .. } if error.contains("cancelled")),
            "{event:?}"
        );
        let event = scan_file(&path, u64::MAX, &scanner, &mut scratch, &mut Vec::new());
        assert!(matches!(event, Event::Scanned { .. }), "{event:?}");
    }

    #[test]
    fn record_to_hands_over_whole_sources_and_records_the_rest() {
        let scanned = |stopped: Option<&str>| Event::Scanned {
            source: Source::Path("a.env".into()),
            bytes: KEY.len() as u64,
            findings: Scanner::default().scan(KEY.as_bytes()),
            suppressed: Vec::new(),
            stopped: stopped.map(str::to_string),
            grew: false,
        };
        let mut builder = ReportBuilder::new();
        let mut handed = Vec::new();
        let mut sink = |source: SourceFindings| handed.push(source);
        record_to(&mut builder, scanned(None), &mut sink);
        // One stopped early is recorded as it is: with its findings, and unreadable.
        record_to(&mut builder, scanned(Some("too many findings")), &mut sink);
        let report = builder.build();
        assert_eq!(handed.len(), 1);
        assert!(!handed[0].findings.is_empty());
        assert_eq!(report.stats.files, 2);
        assert_eq!(report.sources.len(), 1);
        assert_eq!(report.stats.unreadable.len(), 1);
    }
}
