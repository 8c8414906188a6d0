//! Scanning inputs of any size with bounded memory: a reader is scanned in overlapping
//! windows, and each finding is reported by the one window that owns its start.
//!
//! Every window is the owned stretch plus a margin on both sides, wider than anything the
//! scanner looks at around a match (pairing distance, assignment context, base64 regions),
//! so a finding near a window edge is judged with the same context as in a whole-input
//! scan. Offsets, lines and columns are those of the whole input.

use std::cell::RefCell;
use std::io::Read;
use std::ops::ControlFlow;

use crate::allow::{Allowance, InlineAllowances};
use crate::finding::{Finding, Span};
use crate::location::characters;
use crate::scanner::{Ended, Scanner, Scratch};

/// Bytes each window owns by default.
pub const DEFAULT_WINDOW: usize = 8 << 20;
/// Context kept on each side of the owned stretch: more than the widest region the
/// scanner decodes around a match (64 KiB), so edges never change a result.
pub const MARGIN: usize = 256 << 10;

/// The bytes a streamed finding was found in, for looking around it (inline allowance
/// markers on its line or the line before).
pub struct Window<'a> {
    offset: usize,
    /// Lines read for markers so far: each line of the window is read once.
    allowances: RefCell<InlineAllowances<'a>>,
}

impl Window<'_> {
    /// The inline marker that suppresses `finding` (a finding from this window, with
    /// whole-input offsets), as [`crate::inline_allowance`] says for a whole input.
    pub fn inline_allowance(&self, finding: &Finding) -> Option<Allowance> {
        self.allowances
            .borrow_mut()
            .of_shifted(finding, self.offset)
    }
}

/// What [`Scanner::stream`] read and how it ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Streamed {
    /// Bytes read from the reader.
    pub bytes: u64,
    /// Whether every byte was scanned, and if not why not.
    pub ended: Ended,
}

/// Where the window starts within the whole input, for translating window-local findings.
#[derive(Default)]
struct Origin {
    /// Input offset of the window's first byte.
    offset: usize,
    /// Newlines before it.
    lines: usize,
    /// Characters between the last newline before it and it: the column of its first byte,
    /// minus one.
    column: usize,
}

impl Origin {
    /// Moves the origin forward over `skipped`, the bytes leaving the window.
    fn advance(&mut self, skipped: &[u8]) {
        self.offset += skipped.len();
        match memchr::memrchr(b'\n', skipped) {
            Some(last) => {
                self.lines += memchr::memchr_iter(b'\n', skipped).count();
                self.column = characters(&skipped[last + 1..]);
            }
            None => self.column += characters(skipped),
        }
    }

    fn place(&self, finding: &mut Finding) {
        let shift = |span: Span| Span::new(span.start + self.offset, span.end + self.offset);
        let (line, column) = self.position(finding.line, finding.column);
        finding.line = line;
        finding.column = column;
        finding.span = shift(finding.span);
        for part in &mut finding.parts {
            let (line, column) = self.position(part.line, part.column);
            part.line = line;
            part.column = column;
            part.span = shift(part.span);
        }
    }

    fn position(&self, line: usize, column: usize) -> (usize, usize) {
        let column = if line == 1 {
            column + self.column
        } else {
            column
        };
        (line + self.lines, column)
    }
}

impl Scanner {
    /// Scans everything `reader` yields, in windows of a few megabytes: memory stays
    /// bounded whatever the input's size. Findings come in input order, with whole-input
    /// offsets, lines and columns, each with the [`Window`] it was found in. `buffer` is
    /// reused across calls. Returns the number of bytes read. Like [`Scanner::scan_with`],
    /// it stops after [`Scanner::max_findings`] findings if there are more:
    /// [`Scanner::stream`] says whether it did.
    pub fn scan_reader<R, F>(
        &self,
        reader: R,
        scratch: &mut Scratch,
        buffer: &mut Vec<u8>,
        on_finding: F,
    ) -> std::io::Result<u64>
    where
        R: Read,
        F: FnMut(Finding, &Window<'_>) -> ControlFlow<()>,
    {
        self.stream(reader, scratch, buffer, on_finding)
            .map(|streamed| streamed.bytes)
    }

    /// [`Scanner::scan_reader`], also saying how the scan ended: whether every byte was
    /// scanned, or the callback stopped it, or the input held more than
    /// [`Scanner::max_findings`] findings.
    pub fn stream<R, F>(
        &self,
        reader: R,
        scratch: &mut Scratch,
        buffer: &mut Vec<u8>,
        on_finding: F,
    ) -> std::io::Result<Streamed>
    where
        R: Read,
        F: FnMut(Finding, &Window<'_>) -> ControlFlow<()>,
    {
        self.stream_in_windows(reader, DEFAULT_WINDOW, scratch, buffer, on_finding)
    }

    /// [`Scanner::scan_reader`] with windows owning `window` bytes each (rounded up to an
    /// even number, so UTF-16 stays aligned), for tests of the window edges.
    #[doc(hidden)]
    pub fn scan_reader_in_windows<R, F>(
        &self,
        reader: R,
        window: usize,
        scratch: &mut Scratch,
        buffer: &mut Vec<u8>,
        on_finding: F,
    ) -> std::io::Result<u64>
    where
        R: Read,
        F: FnMut(Finding, &Window<'_>) -> ControlFlow<()>,
    {
        self.stream_in_windows(reader, window, scratch, buffer, on_finding)
            .map(|streamed| streamed.bytes)
    }

    /// [`Scanner::stream`] in windows owning `window` bytes each, for tests.
    #[doc(hidden)]
    pub fn stream_in_windows<R, F>(
        &self,
        mut reader: R,
        window: usize,
        scratch: &mut Scratch,
        buffer: &mut Vec<u8>,
        mut on_finding: F,
    ) -> std::io::Result<Streamed>
    where
        R: Read,
        F: FnMut(Finding, &Window<'_>) -> ControlFlow<()>,
    {
        let window = window.max(2).next_multiple_of(2);
        buffer.clear();
        let mut origin = Origin::default();
        // Input offset of the first byte the current window owns.
        let mut owned_from = 0usize;
        let mut read = 0u64;
        // Findings handed over so far: the budget is the whole input's, not a window's.
        let mut handed = 0usize;
        loop {
            let wanted = owned_from - origin.offset + window + MARGIN;
            let at_end = fill(&mut reader, buffer, wanted, &mut read)?;
            let owned = owned_from - origin.offset..if at_end {
                buffer.len()
            } else {
                owned_from - origin.offset + window
            };
            let view = Window {
                offset: origin.offset,
                allowances: RefCell::new(InlineAllowances::new(buffer)),
            };
            let mut ended = None;
            let scanned = self.scan_with(buffer, scratch, |mut finding| {
                if !owned.contains(&finding.span.start) {
                    return ControlFlow::Continue(());
                }
                if handed == self.max_findings() {
                    ended = Some(Ended::TooManyFindings);
                    return ControlFlow::Break(());
                }
                handed += 1;
                origin.place(&mut finding);
                let flow = on_finding(finding, &view);
                if flow.is_break() {
                    ended = Some(Ended::Stopped);
                }
                flow
            });
            // A window over the budget (its margins' findings count too: they are the
            // input's, owned by the next window) is an input over it.
            let ended = ended.or((scanned == Ended::TooManyFindings).then_some(scanned));
            if let Some(ended) = ended {
                return Ok(Streamed { bytes: read, ended });
            }
            if at_end {
                return Ok(Streamed {
                    bytes: read,
                    ended: Ended::Complete,
                });
            }
            owned_from += window;
            let keep_from = owned_from - MARGIN.min(owned_from) - origin.offset;
            origin.advance(&buffer[..keep_from]);
            buffer.drain(..keep_from);
        }
    }
}

/// Reads until `buffer` holds `wanted` bytes or the input ends; true at the end.
fn fill<R: Read>(
    reader: &mut R,
    buffer: &mut Vec<u8>,
    wanted: usize,
    read: &mut u64,
) -> std::io::Result<bool> {
    let missing = wanted.saturating_sub(buffer.len());
    if missing == 0 {
        return Ok(false);
    }
    buffer.reserve_exact(missing);
    // `read_to_end` retries interrupted reads and does not zero the spare capacity.
    let n = reader.by_ref().take(missing as u64).read_to_end(buffer)?;
    *read += n as u64;
    Ok(n < missing)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "AKIAQWZ7RNE3OSJHKV4D";
    const SECRET: &str = "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";

    fn streamed(input: &[u8], window: usize) -> Vec<Finding> {
        let mut findings = Vec::new();
        Scanner::default()
            .scan_reader_in_windows(
                input,
                window,
                &mut Scratch::new(),
                &mut Vec::new(),
                |f, _| {
                    findings.push(f);
                    ControlFlow::Continue(())
                },
            )
            .unwrap();
        findings
    }

    #[test]
    fn a_pair_across_a_window_edge_is_found_once_where_it_is() {
        let mut text = String::new();
        while text.len() < 3 * MARGIN {
            text.push_str("filler line, nothing to see here é\n");
        }
        let key_line = text.lines().count() + 1;
        text.push_str(&format!(
            "aws_access_key_id = {ID}\naws_secret_access_key = {SECRET}\n"
        ));
        text.push_str(&text.clone());
        let whole = Scanner::default().scan(text.as_bytes());
        assert_eq!(whole.len(), 2);
        assert_eq!(whole[0].line, key_line);
        // Window edges at every few bytes around the pair, and far from it.
        let at = text.find(ID).unwrap();
        for window in [at - 10, at + 4, at + 30, at + 64, MARGIN, 4 << 20] {
            assert_eq!(streamed(text.as_bytes(), window), whole, "window {window}");
        }
    }

    #[test]
    fn an_empty_input_reads_nothing() {
        assert!(streamed(b"", 16).is_empty());
    }

    #[test]
    fn a_reader_error_is_returned() {
        struct Broken;
        impl Read for Broken {
            fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
                Err(std::io::Error::other("disk on fire"))
            }
        }
        let err = Scanner::default()
            .scan_reader(Broken, &mut Scratch::new(), &mut Vec::new(), |_, _| {
                ControlFlow::Continue(())
            })
            .unwrap_err();
        assert_eq!(err.to_string(), "disk on fire");
    }
}
