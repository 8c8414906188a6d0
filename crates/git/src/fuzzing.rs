//! Entry points for the fuzz targets in `fuzz/` (cargo feature `fuzzing`): thin wrappers
//! over the parsers this crate keeps private, so that hostile bytes reach them without a
//! repository around them. Not a stable API.

#![doc(hidden)]

use std::collections::HashMap;
use std::path::Path;

use gix::object::Kind;
use gix::ObjectId;
use keyhound_core::{Cancel, Scanner};

use crate::object::{ObjectProblem, ReadObject};
use crate::pack::{Coverage, PackReader, Packs};
use crate::scan::ScanOptions;
use crate::tree::{self, Problem};

/// Builds the object git delta `delta` describes from `base` into `out`, as pack reading
/// does: the result's size (nothing is built over `limit`), or `None` for a delta that
/// cannot be used.
pub fn apply_delta(base: &[u8], delta: &[u8], limit: u64, out: &mut Vec<u8>) -> Option<u64> {
    crate::pack::apply_delta(base, delta, limit, out).ok()
}

/// Tree objects held in memory, by id: what [`walk_changes`] reads.
pub type Trees = HashMap<ObjectId, Vec<u8>>;

impl ReadObject for &Trees {
    fn read_object<'b>(
        &mut self,
        id: &ObjectId,
        _kind: Kind,
        buf: &'b mut Vec<u8>,
    ) -> Result<&'b [u8], ObjectProblem> {
        let data = self.get(id).ok_or(ObjectProblem::Missing)?;
        buf.clear();
        buf.extend_from_slice(data);
        Ok(buf)
    }
}

/// What the history walk sees a commit change: the non-tree entries under tree `new`
/// that are not the same entry under `old`, each with its full path and id, and the
/// problems (missing or malformed trees) the walk reported.
pub fn walk_changes(
    trees: &Trees,
    old: Option<ObjectId>,
    new: ObjectId,
) -> (Vec<(Vec<u8>, ObjectId)>, Vec<Problem>) {
    let mut visited = Vec::new();
    let mut problems = Vec::new();
    tree::walk_changes(&mut &*trees, old, new, &mut problems, |leaf| {
        visited.push((leaf.to_entry().path, leaf.id));
    });
    (visited, problems)
}

/// What [`read_packs`] saw.
#[derive(Debug)]
pub struct PackSummary {
    /// The objects the pack indexes list, in their order.
    pub ids: Vec<ObjectId>,
    /// The blobs the delta trees hold, as progress is told.
    pub blobs: u64,
    /// Blobs scanned from the packs, each with its size.
    pub scanned: Vec<(ObjectId, u64)>,
    /// Scanned blobs that coverage (what the history walk asks) does not know as scanned.
    pub uncovered: usize,
    /// Objects the pack reader read as trees.
    pub trees: usize,
    /// Objects the pack reader read as commits.
    pub commits: usize,
    /// What each scanning thread that panicked said.
    pub stopped: Vec<String>,
}

/// Opens the packs of the object directory `objects` as `history` does (SHA-1), scans
/// every blob they hold with `scanner` on one thread, and reads every object their
/// indexes list as a tree and as a commit with the pack reader.
pub fn read_packs(objects: &Path, scanner: &Scanner, max_blob_size: u64) -> PackSummary {
    let packs = Packs::open(objects, gix::hash::Kind::Sha1, &Cancel::default());
    let options = ScanOptions {
        max_blob_size,
        threads: 1,
        ..ScanOptions::default()
    };
    let scan = packs.scan_blobs(scanner, &options, None);
    let scanned: Vec<(ObjectId, u64)> = scan.scanned().collect();
    let uncovered = scanned
        .iter()
        .filter(|(id, _)| !matches!(scan.coverage(id), Coverage::Scanned(_)))
        .count();
    let ids: Vec<ObjectId> = packs.ids().collect();
    let (mut trees, mut commits) = (0, 0);
    let mut reader = PackReader::new(&packs, 1 << 20);
    let mut buf = Vec::new();
    for id in &ids {
        trees += usize::from(reader.read(id, Kind::Tree, &mut buf).is_some());
        commits += usize::from(reader.read(id, Kind::Commit, &mut buf).is_some());
    }
    PackSummary {
        ids,
        blobs: scan.blobs,
        scanned,
        uncovered,
        trees,
        commits,
        stopped: scan.stopped.clone(),
    }
}
