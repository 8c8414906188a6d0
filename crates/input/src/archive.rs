//! Scanning the entries of an archive file (a jar, a wheel, a tarball) with
//! keyhound-archive: each entry is an input of its own, `archive!/entry`.

use std::io::{Read, Seek};
use std::path::{Path, PathBuf};

use keyhound_archive::{image, Limits, Problem, Visit};
use keyhound_core::{Cancel, Scanner, Scratch};
use keyhound_report::Source;

use crate::walk::{stopped_by, Event};

/// The entries of an archive scanned without anything to report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Clean {
    /// Entries.
    pub entries: u64,
    /// Their decompressed bytes.
    pub bytes: u64,
}

/// Scans every entry of the archive `input`, found at `container`: an
/// [`Event::Scanned`] for each entry with findings, an [`Event::Unreadable`] for each
/// [`Problem`] (an encrypted or damaged entry, a limit reached), through `send` once the
/// archive is read. Entries with nothing to report are only counted, in what it returns.
/// In a `docker save` tarball, a file that a later layer deletes says which layer.
#[allow(clippy::too_many_arguments)]
pub fn scan_archive<R: Read + Seek>(
    container: &Source,
    input: R,
    limits: Limits,
    scanner: &Scanner,
    scratch: &mut Scratch,
    buffer: &mut Vec<u8>,
    cancel: &Cancel,
    send: &mut dyn FnMut(Event),
) -> Clean {
    let walk = |visit: &mut Visitor<'_>, problem: &mut dyn FnMut(Problem)| {
        keyhound_archive::walk(input, limits, cancel, visit, problem);
    };
    scan_entries(container, walk, scanner, scratch, buffer, send)
}

/// Scans a stream that cannot seek (standard input): when it starts like an archive, its
/// entries one by one, as [`scan_archive`] does (the event returned then counts the clean
/// entries); else the stream itself, as [`scan_stream`](crate::scan_stream) does. At most
/// `max` bytes are read.
#[allow(clippy::too_many_arguments)]
pub fn scan_stream_or_archive(
    source: Source,
    reader: impl Read,
    max: u64,
    archives: Option<Limits>,
    scanner: &Scanner,
    scratch: &mut Scratch,
    buffer: &mut Vec<u8>,
    cancel: &Cancel,
    send: &mut dyn FnMut(Event),
) -> Event {
    let mut reader = reader;
    let mut head = Vec::with_capacity(keyhound_archive::SNIFF_LEN);
    if let Err(err) = (&mut reader)
        .take(keyhound_archive::SNIFF_LEN as u64)
        .read_to_end(&mut head)
    {
        return Event::Unreadable {
            path: Some(source.path().into_owned()),
            error: err.to_string(),
        };
    }
    let is_archive = keyhound_archive::Format::sniff(&head).is_some();
    let whole = std::io::Cursor::new(head).chain(reader);
    match archives.filter(|_| is_archive) {
        Some(limits) => {
            // An archive past `max` is cut there, and its damage named.
            let mut input = whole.take(max);
            let walk = |visit: &mut Visitor<'_>, problem: &mut dyn FnMut(Problem)| {
                keyhound_archive::walk_stream(&mut input, limits, cancel, visit, problem);
            };
            let clean = scan_entries(&source, walk, scanner, scratch, buffer, send);
            Event::Counted {
                files: clean.entries,
                bytes: clean.bytes,
                symlinks: 0,
            }
        }
        None => crate::walk::scan_stream(source, whole, max, scanner, scratch, buffer),
    }
}

/// Whether `dir` is an OCI image layout (it holds an `oci-layout` file).
pub fn is_oci_layout(dir: &Path) -> bool {
    dir.join("oci-layout").is_file()
}

/// Scans an OCI image layout directory as one image, as [`scan_archive`] scans an OCI
/// image tarball: every file under it, each layer opened, and a file a later layer
/// deletes naming that layer. A layer's entries are reported at the layer's file
/// (`DIR/blobs/sha256/HEX!/PATH`).
#[allow(clippy::too_many_arguments)]
pub fn scan_oci_layout(
    dir: &Path,
    limits: Limits,
    scanner: &Scanner,
    scratch: &mut Scratch,
    buffer: &mut Vec<u8>,
    cancel: &Cancel,
    send: &mut dyn FnMut(Event),
) -> Clean {
    let mut files = Vec::new();
    let mut unlisted = Vec::new();
    list_files(dir, "", 0, &mut files, &mut unlisted);
    files.sort();
    let walk = |visit: &mut Visitor<'_>, problem: &mut dyn FnMut(Problem)| {
        let entries = files.iter().map(|name| {
            let file = std::fs::File::open(dir.join(name));
            (name.clone(), file.map(|f| Box::new(f) as Box<dyn Read>))
        });
        keyhound_archive::walk_entries(entries, limits, cancel, visit, problem);
    };
    let container = Source::Path(dir.to_path_buf());
    for (path, error) in unlisted {
        send(Event::Unreadable {
            path: Some(path),
            error,
        });
    }
    // Each entry stands at its own file of the layout, not at the directory.
    let mut relocated = |event: Event| send(relocate(dir, event));
    scan_entries(&container, walk, scanner, scratch, buffer, &mut relocated)
}

/// The files under `dir/prefix`, as `/`-separated paths from `dir`; directories that
/// cannot be listed in `unlisted`. A layout is `blobs/ALGORITHM/HEX` and a few files:
/// nothing deeper than 4 levels is listed.
fn list_files(
    dir: &Path,
    prefix: &str,
    depth: usize,
    files: &mut Vec<String>,
    unlisted: &mut Vec<(PathBuf, String)>,
) {
    let here = dir.join(prefix);
    let entries = match std::fs::read_dir(&here) {
        Ok(entries) => entries,
        Err(err) => return unlisted.push((here, err.to_string())),
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        match entry.file_type() {
            Ok(kind) if kind.is_file() => files.push(path),
            Ok(kind) if kind.is_dir() && depth < 4 => {
                list_files(dir, &path, depth + 1, files, unlisted)
            }
            _ => {}
        }
    }
}

/// An event of an OCI layout walked as one archive, moved to the layout's files: entry
/// `blobs/sha256/HEX!/PATH` of `DIR` becomes entry `PATH` of the file `DIR/blobs/sha256/HEX`.
fn relocate(dir: &Path, event: Event) -> Event {
    let at = |entry: &str| match entry.split_once("!/") {
        Some((file, inner)) => (Source::Path(dir.join(file)), Some(inner.to_string())),
        None => (Source::Path(dir.join(entry)), None),
    };
    match event {
        Event::Scanned {
            source: Source::Archive {
                entry, deleted_by, ..
            },
            bytes,
            findings,
            suppressed,
            stopped,
            grew,
        } => {
            let source = match at(&entry) {
                (file, Some(inner)) => Source::Archive {
                    container: Box::new(file),
                    entry: inner,
                    deleted_by,
                },
                (file, None) => file,
            };
            Event::Scanned {
                source,
                bytes,
                findings,
                suppressed,
                stopped,
                grew,
            }
        }
        Event::Unreadable {
            path: Some(path),
            error,
        } => {
            // `DIR!/ENTRY` as the walk named it.
            let shown = path.to_string_lossy().into_owned();
            let prefix = format!("{}!/", dir.to_string_lossy());
            let path = match shown.strip_prefix(&prefix) {
                Some(entry) => match at(entry) {
                    (file, Some(inner)) => {
                        PathBuf::from(format!("{}!/{inner}", file.path().to_string_lossy()))
                    }
                    (file, None) => file.path().into_owned(),
                },
                None => path,
            };
            Event::Unreadable {
                path: Some(path),
                error,
            }
        }
        other => other,
    }
}

/// What an archive walk hands each entry to.
type Visitor<'v> = dyn FnMut(&str, &mut dyn Read) -> std::io::Result<Visit> + 'v;

/// Scans the entries `walk` hands over, from the archive at `container`.
fn scan_entries(
    container: &Source,
    walk: impl FnOnce(&mut Visitor<'_>, &mut dyn FnMut(Problem)),
    scanner: &Scanner,
    scratch: &mut Scratch,
    buffer: &mut Vec<u8>,
    send: &mut dyn FnMut(Event),
) -> Clean {
    let mut clean = Clean::default();
    let mut problems = Vec::new();
    // Held to the end: a later layer's whiteout and the manifest come after the file.
    let mut scanned = Vec::new();
    let mut whiteouts = Vec::new();
    let mut manifest = None;
    let mut oci_manifests = Vec::new();
    let mut visit = |entry: &str, content: &mut dyn Read| {
        if entry
            .rsplit('/')
            .next()
            .is_some_and(|name| name.starts_with(".wh."))
        {
            whiteouts.push(entry.to_string());
        }
        let mut captured;
        let content: &mut dyn Read = if entry == "manifest.json" {
            // Its start read first to learn the layers' order; scanned whole all the same.
            let mut bytes = Vec::new();
            (&mut *content).take(MAX_MANIFEST).read_to_end(&mut bytes)?;
            manifest = Some(bytes.clone());
            captured = std::io::Cursor::new(bytes).chain(content);
            &mut captured
        } else if entry.starts_with("blobs/") && !entry.contains("!/") {
            // An OCI image archive's own JSON blobs: one may be an image manifest.
            let mut head = Vec::new();
            (&mut *content).take(MAX_MANIFEST).read_to_end(&mut head)?;
            if image::may_be_oci_manifest(&head) {
                oci_manifests.push(head.clone());
            }
            captured = std::io::Cursor::new(head).chain(content);
            &mut captured
        } else {
            content
        };
        let mut findings = Vec::new();
        let mut suppressed = Vec::new();
        let read = scanner.stream(content, scratch, buffer, |finding, window| {
            match window.inline_allowance(&finding) {
                Some(allowance) => suppressed.push((finding, allowance)),
                None => findings.push(finding),
            }
            std::ops::ControlFlow::Continue(())
        });
        let (bytes, stopped, failed) = match read {
            Ok(streamed) => (streamed.bytes, stopped_by(streamed.ended, scanner), None),
            // What was found before the entry broke off is still reported.
            Err(err) => (0, None, Some(err)),
        };
        if findings.is_empty() && suppressed.is_empty() && stopped.is_none() {
            if failed.is_none() {
                clean.entries += 1;
                clean.bytes += bytes;
            }
        } else {
            scanned.push((entry.to_string(), bytes, findings, suppressed, stopped));
        }
        match failed {
            Some(err) => Err(err),
            None => Ok(Visit::Continue),
        }
    };
    walk(&mut visit, &mut |problem| problems.push(problem));
    let layers = manifest
        .as_deref()
        .and_then(image::layer_order)
        .or_else(|| image::oci_layer_order(&oci_manifests));
    for (entry, bytes, findings, suppressed, stopped) in scanned {
        let deleted_by = layers
            .as_deref()
            .and_then(|layers| image::deleted_by(layers, &whiteouts, &entry))
            .map(str::to_string);
        send(Event::Scanned {
            source: Source::Archive {
                container: Box::new(container.clone()),
                entry,
                deleted_by,
            },
            bytes,
            findings,
            suppressed,
            stopped,
            grew: false,
        });
    }
    for problem in problems {
        send(unreadable(container, &problem));
    }
    clean
}

/// The most of a `manifest.json` read to learn an image's layers.
const MAX_MANIFEST: u64 = 1 << 20;

/// A problem as an unreadable input: the entry (or the archive) and what kept it from
/// being read.
fn unreadable(container: &Source, problem: &Problem) -> Event {
    let at = Source::Archive {
        container: Box::new(container.clone()),
        entry: problem.entry().to_string(),
        deleted_by: None,
    };
    Event::Unreadable {
        path: Some(at.path().into_owned()),
        error: problem.to_string(),
    }
}
