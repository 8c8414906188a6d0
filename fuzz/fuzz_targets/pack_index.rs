//! Pack and pack-index parsing: any `.idx` and `.pack` pair is opened, its delta trees
//! built, every blob scanned and every listed object read as a tree and as a commit, as
//! `keyhound git history` does, without a panic; in an index whose ids are in order, every
//! blob scanned is one the history walk then knows as scanned.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use keyhound_core::Scanner;
use keyhound_git::fuzzing::read_packs;
use libfuzzer_sys::fuzz_target;

/// An object directory of this process, rewritten for every input.
fn objects() -> &'static PathBuf {
    static DIR: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, objects) = DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let objects = dir.path().join("objects");
        std::fs::create_dir_all(objects.join("pack")).expect("objects/pack");
        (dir, objects)
    });
    objects
}

fn scanner() -> &'static Scanner {
    static SCANNER: OnceLock<Scanner> = OnceLock::new();
    SCANNER.get_or_init(Scanner::default)
}

fuzz_target!(|input: &[u8]| {
    // The index's length (4 bytes, little-endian), the index, then the pack.
    let Some((length, rest)) = input.split_first_chunk::<4>() else {
        return;
    };
    let (index, pack) = rest.split_at(rest.len().min(u32::from_le_bytes(*length) as usize));
    let name = objects().join("pack/pack-0000000000000000000000000000000000000000");
    std::fs::write(name.with_extension("idx"), index).expect("write the index");
    std::fs::write(name.with_extension("pack"), pack).expect("write the pack");
    let summary = read_packs(objects(), scanner(), 1 << 20);
    assert!(
        summary.stopped.is_empty(),
        "a scanning thread panicked: {:?}",
        summary.stopped
    );
    // An index that does not list its ids in order is corrupt: searching it may miss a
    // blob, which the history walk then reads through gix, which reports it.
    if summary.ids.windows(2).all(|pair| pair[0] < pair[1]) {
        assert_eq!(
            summary.uncovered, 0,
            "blobs scanned but unknown to the history walk"
        );
    }
    assert!(summary.scanned.len() as u64 <= summary.blobs);
    assert!(summary.blobs as usize <= summary.ids.len());
});
