//! Git delta application: any base and delta either build an object of the size the
//! delta announces (made only of the base's bytes and the delta's inserts) or are refused;
//! nothing over the limit is built.
#![no_main]

use keyhound_git::fuzzing::apply_delta;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    // The limit (a byte, in 64-byte units), the base's length (2 bytes, little-endian),
    // the base, then the delta.
    let &[limit, low, high, ref rest @ ..] = input else {
        return;
    };
    let base_length = usize::from(u16::from_le_bytes([low, high]));
    let (base, delta) = rest.split_at(rest.len().min(base_length));
    let limit = u64::from(limit) * 64;
    let mut out = vec![0xAA; 7];
    match apply_delta(base, delta, limit, &mut out) {
        Some(size) if size > limit => assert!(out.is_empty(), "built over the limit"),
        Some(size) => {
            assert_eq!(out.len() as u64, size, "the announced size");
            // Each instruction (a byte at least) copies from the base or inserts up to 127.
            assert!(size <= delta.len() as u64 * base.len().max(127) as u64);
            // The limit only decides whether to build, never what is built.
            let mut again = Vec::new();
            assert_eq!(apply_delta(base, delta, u64::MAX, &mut again), Some(size));
            assert!(again == out, "the same object under any limit");
        }
        None => {}
    }
});
