//! Scanner equivalence: for any bytes, `Scanner::scan` (the prefilter), the exhaustive
//! reference (every position tried) and the streaming reader (fed in chunks of sizes taken
//! from the input, and across window edges) find the same findings.
#![no_main]

use std::io::Read;
use std::ops::ControlFlow;
use std::sync::OnceLock;

use keyhound_core::{Finding, Scanner, Scratch};
use libfuzzer_sys::fuzz_target;

/// Context the streaming reader keeps on each side of a window (`stream::MARGIN`).
const MARGIN: usize = 256 << 10;

fn scanner() -> &'static Scanner {
    static SCANNER: OnceLock<Scanner> = OnceLock::new();
    SCANNER.get_or_init(Scanner::default)
}

/// A reader handing out `data` in chunks of the sizes `sizes` cycles through (short reads,
/// as pipes and sockets give).
struct Chunked<'a> {
    data: &'a [u8],
    sizes: &'a [u8],
    next: usize,
}

impl Read for Chunked<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let size = match self.sizes {
            [] => buf.len(),
            sizes => usize::from(sizes[self.next % sizes.len()]) * 61 + 1,
        };
        self.next += 1;
        let n = size.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

fn streamed(data: &[u8], sizes: &[u8], window: usize) -> Vec<Finding> {
    let mut findings = Vec::new();
    let reader = Chunked {
        data,
        sizes,
        next: 0,
    };
    let read = scanner()
        .scan_reader_in_windows(
            reader,
            window,
            &mut Scratch::new(),
            &mut Vec::new(),
            |finding, _| {
                findings.push(finding);
                ControlFlow::Continue(())
            },
        )
        .expect("an in-memory reader does not fail");
    assert_eq!(read, data.len() as u64, "every byte is read");
    findings
}

/// Findings in one order whatever order they came in.
fn sorted(mut findings: Vec<Finding>) -> Vec<Finding> {
    findings.sort_by(|a, b| {
        (
            a.span.start,
            a.span.end,
            a.rule_id.as_str(),
            a.secret().expose(),
        )
            .cmp(&(
                b.span.start,
                b.span.end,
                b.rule_id.as_str(),
                b.secret().expose(),
            ))
    });
    findings
}

fn assert_same(what: &str, left: Vec<Finding>, right: Vec<Finding>) {
    let (left, right) = (sorted(left), sorted(right));
    assert_eq!(left.len(), right.len(), "{what}: how many");
    for (l, r) in left.iter().zip(&right) {
        assert_eq!((l.kind, l.span), (r.kind, r.span), "{what}");
        assert!(
            l.secret().expose() == r.secret().expose(),
            "{what}: secret at {:?}",
            l.span
        );
        assert!(l == r, "{what}: finding at {:?}", l.span);
    }
}

fuzz_target!(|input: &[u8]| {
    // Two control bytes, then up to 8 chunk sizes, then the data.
    let &[mode, shift, ref rest @ ..] = input else {
        return;
    };
    let (sizes, data) = rest.split_at(rest.len().min(usize::from(mode & 7)));
    let scanner = scanner();
    let whole = scanner.scan(data);
    assert_same(
        "scan vs exhaustive",
        whole.clone(),
        scanner.scan_exhaustive(data),
    );
    // One window holds all of a small input: only the chunking differs.
    assert_same("scan vs chunked", whole, streamed(data, sizes, 8 << 20));

    // Window edges inside the data: text padding before it, so that a window ends in the
    // data and the next one starts in the padding (lines and columns carried over). A
    // window's encoding is judged from its first bytes, as a file's is, so the data is made
    // text that no window start can take for UTF-16, binary or a byte-order mark.
    if mode & 0x80 != 0 && !data.is_empty() {
        let mut padded = Vec::with_capacity(MARGIN + 64 + data.len());
        while padded.len() < MARGIN {
            padded.extend_from_slice("filler line, nothing here \u{e9}\n".as_bytes());
        }
        // An unfinished last line: the data's first line starts at a column past 1.
        padded.extend(std::iter::repeat_n(b'-', usize::from(shift & 63)));
        let start = padded.len();
        padded.extend(data.iter().map(|&b| match b {
            0 | 0xEF | 0xFE | 0xFF => b' ',
            b => b,
        }));
        let edge = start + usize::from(shift) * data.len() / 256;
        assert_same(
            "padded scan vs windows",
            scanner.scan(&padded),
            streamed(&padded, sizes, edge),
        );
    }
});
