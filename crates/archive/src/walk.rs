//! Reading an archive entry by entry, into archives nested in it, one entry's content at a
//! time: nothing is written to disk, and only a zip nested in a stream is held in memory.

use std::io::{self, Cursor, Read, Seek, SeekFrom};
use std::rc::Rc;

use keyhound_core::Cancel;

use crate::format::{Format, SNIFF_LEN};
use crate::limits::{Budget, Compressed, Counted, Inflated, Limit, Limits};
use crate::{Problem, Visit, Walked};

/// What the walk hands each entry's content to, and tells each problem to.
pub(crate) struct Walker<'a> {
    budget: Rc<Budget>,
    cancel: &'a Cancel,
    visit: &'a mut dyn FnMut(&str, &mut dyn Read) -> io::Result<Visit>,
    problem: &'a mut dyn FnMut(Problem),
    stopped: bool,
}

impl<'a> Walker<'a> {
    pub(crate) fn new(
        limits: Limits,
        cancel: &'a Cancel,
        visit: &'a mut dyn FnMut(&str, &mut dyn Read) -> io::Result<Visit>,
        problem: &'a mut dyn FnMut(Problem),
    ) -> Walker<'a> {
        Walker {
            budget: Rc::new(Budget::new(limits)),
            cancel,
            visit,
            problem,
            stopped: false,
        }
    }

    /// Whether the walk was told to stop, or reached a limit.
    pub(crate) fn stopped(&self) -> bool {
        self.stopped
    }

    pub(crate) fn walked(&self) -> Walked {
        Walked {
            entries: self.budget.entries.get(),
            bytes: self.budget.bytes.get(),
        }
    }

    /// The top of a seekable input: a zip is read in place, anything else as a stream.
    pub(crate) fn top<R: Read + Seek>(&mut self, mut input: R) {
        let head = match read_head(&mut input).and_then(|head| {
            input.seek(SeekFrom::Start(0))?;
            Ok(head)
        }) {
            Ok(head) => head,
            Err(err) => return self.failed("", err),
        };
        match Format::sniff(&head) {
            Some(Format::Zip) => self.zip("", input, 1),
            _ => self.content("", &mut input, 0),
        }
    }

    /// The content at `path` (`""` for the input itself), inside `depth` layers: opened
    /// when it is an archive or a compressed stream, else handed to the visitor.
    pub(crate) fn content(&mut self, path: &str, reader: &mut dyn Read, depth: u32) {
        let head = match read_head(reader) {
            Ok(head) => head,
            Err(err) => return self.failed(path, err),
        };
        let mut whole = Cursor::new(head).chain(reader);
        let Some(format) = Format::sniff(whole.get_ref().0.get_ref()) else {
            return self.leaf(path, &mut whole);
        };
        let max_depth = self.budget.limits.max_depth;
        if depth >= max_depth {
            return self.limit(path, Limit::Depth(max_depth));
        }
        match format {
            Format::Zip => self.buffered_zip(path, &mut whole, depth + 1),
            Format::Tar => self.tar(path, &mut whole, depth + 1),
            Format::Gzip => {
                let counted = Counted::new(whole);
                let count = counted.count.clone();
                let decoder = flate2::read::MultiGzDecoder::new(counted);
                self.stream(path, decoder, Compressed::Counted(count), depth + 1);
            }
            Format::Bzip2 => {
                let counted = Counted::new(whole);
                let count = counted.count.clone();
                let decoder = bzip2::read::MultiBzDecoder::new(counted);
                self.stream(path, decoder, Compressed::Counted(count), depth + 1);
            }
            Format::Xz => {
                let counted = Counted::new(whole);
                let count = counted.count.clone();
                // A hostile header may ask for a dictionary of gigabytes: xz -9 needs 64 MiB.
                let decoder = lzma_rust2::XzReader::new_mem_limit(counted, true, 65 << 10);
                self.stream(path, decoder, Compressed::Counted(count), depth + 1);
            }
            Format::Zstd => {
                let counted = Counted::new(whole);
                let count = counted.count.clone();
                match ruzstd::decoding::StreamingDecoder::new(counted) {
                    Ok(decoder) => {
                        self.stream(path, decoder, Compressed::Counted(count), depth + 1)
                    }
                    Err(err) => self.corrupt(path, err.to_string()),
                }
            }
        }
    }

    /// A compressed stream: its content, decompressed, stands at the same path.
    fn stream(&mut self, path: &str, decoder: impl Read, compressed: Compressed, depth: u32) {
        let mut inflated = Inflated::new(decoder, compressed, Rc::clone(&self.budget));
        self.content(path, &mut inflated, depth);
    }

    fn tar(&mut self, path: &str, reader: &mut dyn Read, depth: u32) {
        let mut archive = tar::Archive::new(reader);
        let entries = match archive.entries() {
            Ok(entries) => entries,
            Err(err) => return self.failed(path, err),
        };
        for entry in entries {
            if self.should_stop() || !self.count_entry(path) {
                return;
            }
            let mut entry = match entry {
                Ok(entry) => entry,
                // A tar is a stream: past a damaged header nothing can be trusted.
                Err(err) => return self.failed(path, err),
            };
            let kind = entry.header().entry_type();
            if !(kind.is_file() || kind.is_contiguous()) {
                // Directories, links and devices carry no content.
                continue;
            }
            let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            let inner = join(path, &name);
            self.content(&inner, &mut entry, depth);
        }
    }

    /// A zip inside a stream (a tar, a compressed stream, another zip): read into memory,
    /// up to [`Limits::max_buffered`], to be opened from its end.
    fn buffered_zip(&mut self, path: &str, reader: &mut dyn Read, depth: u32) {
        let max = self.budget.limits.max_buffered;
        let mut bytes = Vec::new();
        match reader.take(max.saturating_add(1)).read_to_end(&mut bytes) {
            Ok(_) if bytes.len() as u64 > max => self.limit(path, Limit::Buffered(max)),
            Ok(_) => self.zip(path, Cursor::new(bytes), depth),
            Err(err) => self.failed(path, err),
        }
    }

    fn zip<R: Read + Seek>(&mut self, path: &str, input: R, depth: u32) {
        let mut archive = match zip::ZipArchive::new(input) {
            Ok(archive) => archive,
            Err(err) => return self.corrupt(path, err.to_string()),
        };
        for index in 0..archive.len() {
            if self.should_stop() || !self.count_entry(path) {
                return;
            }
            let (name, encrypted, is_dir, compressed, method) = match archive.by_index_raw(index) {
                Ok(file) => (
                    file.name().to_string(),
                    file.encrypted(),
                    file.is_dir(),
                    file.compressed_size(),
                    file.compression(),
                ),
                Err(err) => {
                    self.corrupt(&join(path, &format!("(entry {index})")), err.to_string());
                    continue;
                }
            };
            if is_dir {
                continue;
            }
            let inner = join(path, &name);
            if encrypted {
                (self.problem)(Problem::Encrypted { entry: inner });
                continue;
            }
            if method == zip::CompressionMethod::ZSTD {
                // The zip reader's zstd needs the C libzstd: its raw bytes go to ruzstd.
                let decoded = archive
                    .by_index_raw(index)
                    .map_err(|err| err.to_string())
                    .and_then(|raw| {
                        ruzstd::decoding::StreamingDecoder::new(raw).map_err(|err| err.to_string())
                    });
                match decoded {
                    Ok(decoder) => {
                        let budget = Rc::clone(&self.budget);
                        let mut inflated =
                            Inflated::new(decoder, Compressed::Known(compressed), budget);
                        self.content(&inner, &mut inflated, depth);
                    }
                    Err(error) => self.corrupt(&inner, error),
                }
                continue;
            }
            match archive.by_index(index) {
                Ok(file) => {
                    let budget = Rc::clone(&self.budget);
                    let mut inflated = Inflated::new(file, Compressed::Known(compressed), budget);
                    self.content(&inner, &mut inflated, depth);
                }
                Err(zip::result::ZipError::UnsupportedArchive(what)) => {
                    (self.problem)(Problem::Unsupported {
                        entry: inner,
                        what: what.to_string(),
                    })
                }
                Err(err) => self.corrupt(&inner, err.to_string()),
            }
        }
    }

    fn leaf(&mut self, path: &str, reader: &mut dyn Read) {
        match (self.visit)(path, reader) {
            Ok(Visit::Continue) => {}
            Ok(Visit::Stop) => self.stopped = true,
            Err(err) => self.failed(path, err),
        }
    }

    fn should_stop(&mut self) -> bool {
        if self.cancel.is_cancelled() {
            self.stopped = true;
        }
        self.stopped
    }

    /// Counts an entry of the archive at `path`; false, with the limit reported, past
    /// [`Limits::max_entries`].
    fn count_entry(&mut self, path: &str) -> bool {
        let entries = self.budget.entries.get() + 1;
        self.budget.entries.set(entries);
        let max = self.budget.limits.max_entries;
        if entries > max {
            self.limit(path, Limit::Entries(max));
            return false;
        }
        true
    }

    /// A read at `path` failed: a limit a reader hit, or damage.
    fn failed(&mut self, path: &str, err: io::Error) {
        match self.budget.tripped.take() {
            Some(limit) => self.limit(path, limit),
            None => self.corrupt(path, err.to_string()),
        }
    }

    /// Tells `problem` as the walk's own.
    pub(crate) fn report(&mut self, problem: Problem) {
        (self.problem)(problem);
    }

    fn corrupt(&mut self, path: &str, error: String) {
        (self.problem)(Problem::Corrupt {
            entry: path.to_string(),
            error,
        });
    }

    /// A limit ends the archive's walk: what is past it is not read.
    fn limit(&mut self, path: &str, limit: Limit) {
        (self.problem)(Problem::Limit {
            entry: path.to_string(),
            limit,
        });
        self.stopped = true;
    }
}

/// Up to [`SNIFF_LEN`] first bytes of `reader` (fewer only at its end).
fn read_head(reader: &mut dyn Read) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(SNIFF_LEN);
    reader.take(SNIFF_LEN as u64).read_to_end(&mut head)?;
    Ok(head)
}

/// The path of entry `name` inside the archive at `path` (`""`: the input itself).
fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}!/{name}")
    }
}
