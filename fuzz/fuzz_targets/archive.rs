//! Archives as keyhound-archive opens them: any bytes are walked without a panic, within
//! the limits (decompressed bytes never run past the budget by more than one read), and
//! a seekable input and a stream of the same bytes give the same entries and problems.
#![no_main]

use std::io::{Cursor, Read};

use keyhound_archive::{walk, walk_stream, Limits, Problem, Visit};
use keyhound_core::Cancel;
use libfuzzer_sys::fuzz_target;

const LIMITS: Limits = Limits {
    max_bytes: 8 << 20,
    max_ratio: 1_100,
    max_entries: 1_000,
    max_depth: 4,
    max_buffered: 1 << 20,
};

/// Each entry's path and length, and each problem, as displayed.
fn walked(data: &[u8], seekable: bool) -> (Vec<(String, usize)>, Vec<String>, u64) {
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    let mut visit = |path: &str, content: &mut dyn Read| {
        let mut bytes = Vec::new();
        content.read_to_end(&mut bytes)?;
        entries.push((path.to_string(), bytes.len()));
        Ok(Visit::Continue)
    };
    let mut problem = |problem: Problem| problems.push(format!("{}: {problem}", problem.entry()));
    let cancel = Cancel::new();
    let summary = if seekable {
        walk(Cursor::new(data), LIMITS, &cancel, &mut visit, &mut problem)
    } else {
        walk_stream(&mut Cursor::new(data), LIMITS, &cancel, &mut visit, &mut problem)
    };
    (entries, problems, summary.bytes)
}

fuzz_target!(|data: &[u8]| {
    let (entries, problems, bytes) = walked(data, true);
    // One read past the budget at most (a decoder's read fills at most 64 KiB here).
    assert!(bytes <= LIMITS.max_bytes + (1 << 20), "{bytes}");
    assert!(entries.len() as u64 <= LIMITS.max_entries);
    let (stream_entries, stream_problems, _) = walked(data, false);
    assert_eq!(entries, stream_entries);
    assert_eq!(problems, stream_problems);
});
