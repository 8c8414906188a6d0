//! Git tree parsing, as the history walk compares a commit's tree with its parent's: any
//! trees (named by their SHA-1, as git names them, so subtrees link as in a repository)
//! are walked without a panic, and no blob entry that gix's own parser lists in the new
//! tree, and that the old tree does not hold, is passed over unless the walk reports the
//! new tree as a problem.
#![no_main]

use gix_object::TreeRefIter;
use keyhound_git::fuzzing::{walk_changes, Trees};
use keyhound_git::ObjectId;
use libfuzzer_sys::fuzz_target;

/// At most this many trees per input: the walk visits every path, and a few trees whose
/// entries repeat a subtree already name exponentially many.
const MAX_TREES: usize = 12;

/// The non-tree entries gix lists at the top of `tree`, up to its first malformed one;
/// and whether it lists all of it.
fn blobs(tree: &[u8]) -> (Vec<(Vec<u8>, ObjectId)>, bool) {
    let mut whole = true;
    let entries = TreeRefIter::from_bytes(tree, gix_hash::Kind::Sha1)
        .map_while(|entry| entry.map_err(|_| whole = false).ok())
        .filter(|entry| !entry.mode.is_tree())
        .map(|entry| (entry.filename.to_vec(), entry.oid.to_owned()))
        .collect();
    (entries, whole)
}

fuzz_target!(|input: &[u8]| {
    // Trees, each its length (2 bytes, little-endian) then its bytes.
    let mut order = Vec::new();
    let mut trees = Trees::new();
    let mut rest = input;
    while let Some((length, tail)) = rest.split_first_chunk::<2>() {
        if order.len() == MAX_TREES {
            break;
        }
        let (tree, tail) = tail.split_at(tail.len().min(usize::from(u16::from_le_bytes(*length))));
        rest = tail;
        let id = gix_object::compute_hash(gix_hash::Kind::Sha1, gix_object::Kind::Tree, tree)
            .expect("SHA-1 of bytes in memory");
        trees.insert(id, tree.to_vec());
        order.push(id);
    }
    let Some(&new) = order.first() else {
        return;
    };
    // A root commit (everything is new), then each tree against the one before it.
    let mut pairs = vec![(None, new)];
    pairs.extend(order.windows(2).map(|pair| (Some(pair[0]), pair[1])));
    for (old, new) in pairs {
        let (visited, problems) = walk_changes(&trees, old, new);
        if problems.iter().any(|problem| problem.id == Some(new)) {
            continue;
        }
        // Only where gix reads the old tree whole is it known what it holds.
        let (held, whole) = old.map_or((Vec::new(), true), |old| blobs(&trees[&old]));
        if !whole {
            continue;
        }
        for entry in blobs(&trees[&new]).0 {
            if !held.contains(&entry) {
                assert!(
                    visited.contains(&entry),
                    "new entry {:?} {} passed over",
                    String::from_utf8_lossy(&entry.0),
                    entry.1
                );
            }
        }
    }
});
