//! Finding an object id in a pack index.

use std::cmp::Ordering;

use gix::odb::pack::index;

use super::resident::Mapped;

/// Interpolation steps [`find`] takes before it falls back to a binary search.
const INTERPOLATIONS: usize = 6;

/// The first eight bytes of an id, as a number in the index's order.
fn prefix(id: &gix::oid) -> u64 {
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&id.as_bytes()[..8]);
    u64::from_be_bytes(bytes)
}

/// Finds `id` in a pack index. Object ids are hashes, spread evenly, so where an id sits
/// in the sorted table can be computed from its first bytes: a few interpolation steps
/// land next to it, touching three or four cache lines where a binary search of a large
/// index touches twenty. A binary search finishes the range that is left, which also
/// bounds the cost for ids crafted to cluster.
pub(super) fn find(index: &index::File<Mapped>, id: &gix::oid) -> Option<u32> {
    let key = prefix(id);
    let at = |i: u32| prefix(index.oid_at_index(i));
    let (mut lo, mut hi) = (0u32, index.num_objects());
    for _ in 0..INTERPOLATIONS {
        if hi - lo <= 8 {
            break;
        }
        let (first, last) = (at(lo), at(hi - 1));
        if key < first || key > last {
            return None;
        }
        if first == last {
            break;
        }
        let span = u128::from(hi - 1 - lo);
        let guess = lo + (u128::from(key - first) * span / u128::from(last - first)) as u32;
        match at(guess).cmp(&key) {
            Ordering::Less => lo = guess + 1,
            Ordering::Greater => hi = guess,
            Ordering::Equal => break,
        }
    }
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        match index.oid_at_index(mid).cmp(id) {
            Ordering::Less => lo = mid + 1,
            Ordering::Greater => hi = mid,
            Ordering::Equal => return Some(mid),
        }
    }
    None
}
