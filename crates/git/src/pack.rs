//! Scanning every blob of a repository's pack files once, by walking each pack's delta
//! tree from the bases to the deltas on them (as `git index-pack` does) instead of reading
//! object by object.
//!
//! In a pack most blobs are deltas against another version of the same file, in chains up
//! to 50 deep. Read one at a time in history order, a blob costs the walk down its chain
//! again unless the version it needs is still cached, and a cache holding a recent version
//! of every file costs more memory than a scan may use. Walked from each base outwards,
//! every blob is inflated once and every delta applied once, in any history.
//!
//! Only blobs are decoded; trees and commits are the history walk's. Whatever this cannot
//! decode (a delta whose base is in another pack, a corrupt entry, an object over the size
//! limit that other blobs are deltas of) is simply not marked scanned: the caller reads
//! those blobs through gix, which reports what is wrong with them.

use std::cmp::Ordering as Order;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use gix::odb::pack::cache::lru::MemoryCappedHashmap;
use gix::odb::pack::cache::DecodeEntry;
use gix::odb::pack::data::entry::Header;
use gix::odb::pack::{data, index};
use gix::ObjectId;
use keyhound_core::{Scanner, Scratch};

use crate::scan::{scan_content, Content, ScanOptions};

/// No base: a full object, or a delta whose base could not be found.
const NONE: u32 = u32::MAX;

/// What scanning a packed blob found that is worth reporting.
pub(crate) enum Report {
    /// The blob was scanned and holds findings (some perhaps allowed inline).
    Findings(Content),
    /// The blob was deliberately not scanned: `too-large`, `lfs-pointer`.
    NotScanned(&'static str),
}

/// A file mapped read-only, shared with [`Resident`], which releases its pages.
#[derive(Clone)]
struct Mapped(Arc<memmap2::Mmap>);

impl std::ops::Deref for Mapped {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl Mapped {
    fn open(path: &Path) -> std::io::Result<Mapped> {
        let file = std::fs::File::open(path)?;
        // SAFETY: mapped read-only. Like git and gix, this relies on pack files never
        // being changed in place (git writes new packs under new names).
        let map = unsafe { memmap2::Mmap::map(&file)? };
        Ok(Mapped(Arc::new(map)))
    }
}

/// Pack bytes read between two looks at how much of the mappings is resident.
const CHECK_EVERY: u64 = 8 << 20;

/// How much file-backed memory the mappings may add to what was resident when the packs
/// were opened before their pages are released.
const RESIDENT_BUDGET_KB: u64 = 32 << 10;

/// Keeps the resident memory of the pack mappings bounded. Every page of a mapping the
/// scan has read counts as the process's memory until the kernel is told otherwise (and a
/// read maps the pages around it too), so a 500 MB pack would cost 500 MB of resident
/// memory by the end of a scan. Every [`CHECK_EVERY`] bytes read, the resident
/// file-backed memory is looked at; over [`RESIDENT_BUDGET_KB`], the mappings' pages are
/// released: they stay in the page cache, and reading them again maps them back without
/// going to the disk.
struct Resident {
    maps: Vec<Mapped>,
    read: AtomicU64,
    /// Resident file-backed memory before the packs were read (the program, other
    /// mappings), in kB.
    baseline_kb: u64,
}

impl Resident {
    /// Counts `bytes` more read from the mappings.
    fn read(&self, bytes: u64) {
        if self.read.fetch_add(bytes, Ordering::Relaxed) + bytes >= CHECK_EVERY {
            self.read.store(0, Ordering::Relaxed);
            if file_backed_kb().is_none_or(|kb| kb > self.baseline_kb + RESIDENT_BUDGET_KB) {
                self.release();
            }
        }
    }

    fn release(&self) {
        #[cfg(unix)]
        for map in &self.maps {
            // SAFETY: the mapping is shared and read-only: dropping its pages from this
            // process changes nothing anyone reads, the next access maps the same bytes
            // back. A failure only means the pages stay resident.
            let _ = unsafe { map.0.unchecked_advise(memmap2::UncheckedAdvice::DontNeed) };
        }
    }
}

/// This process's resident file-backed memory, where the system says (Linux).
fn file_backed_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("RssFile:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// What a search of a pack index is counted as, for [`Resident`]: the pages a binary
/// search touches.
const INDEX_SEARCH_BYTES: u64 = 4 * PAGE;

/// Reading any part of a page makes all of it resident.
const PAGE: u64 = 4096;

/// One pack file, its index, and its delta tree.
struct Pack {
    index: index::File<Mapped>,
    data: data::File<Mapped>,
    tree: DeltaTree,
    /// Per index position: 0 when the object was not scanned from this pack, else its size
    /// plus one (saturating: sizes only feed the byte count).
    scanned: Vec<AtomicU32>,
}

/// Every pack of a repository, opened, its delta trees built.
pub(crate) struct Packs {
    packs: Vec<Pack>,
    resident: Resident,
}

/// What scanning the packs' blobs found.
pub(crate) struct PackScan<'p> {
    packs: &'p Packs,
    /// The blobs with findings, and those deliberately not scanned.
    pub(crate) reports: HashMap<ObjectId, Report>,
}

/// Whether a blob was read from a pack.
pub(crate) enum Coverage {
    /// Scanned, `bytes` long (its findings, if any, are in `reports`).
    Scanned(u64),
    /// Listed in `reports` as not scanned.
    Reported,
    /// Not read here: the caller must read it.
    No,
}

impl PackScan<'_> {
    /// Whether blob `id` was read from one of the packs.
    pub(crate) fn coverage(&self, id: &ObjectId) -> Coverage {
        if matches!(self.reports.get(id), Some(Report::NotScanned(_))) {
            return Coverage::Reported;
        }
        for pack in &self.packs.packs {
            if let Some(position) = find(&pack.index, id) {
                let marker = pack.scanned[position as usize].load(Ordering::Relaxed);
                if marker != 0 {
                    return Coverage::Scanned(u64::from(marker - 1));
                }
            }
        }
        Coverage::No
    }

    /// For the blobs `place_of` gives a place to (`0..places`): each one's size plus one if a
    /// pack scanned it, else 0. One pass over each index in its order, which costs less
    /// than searching the index for every id.
    pub(crate) fn scanned_sizes(
        &self,
        place_of: impl Fn(&gix::oid) -> Option<u32>,
        places: usize,
    ) -> Vec<u32> {
        let mut sizes = vec![0u32; places];
        for pack in &self.packs.packs {
            for (position, marker) in pack.scanned.iter().enumerate() {
                let marker = marker.load(Ordering::Relaxed);
                if marker == 0 {
                    continue;
                }
                let id = pack.index.oid_at_index(position as u32);
                if let Some(place) = place_of(id) {
                    let size = &mut sizes[place as usize];
                    if *size == 0 {
                        *size = marker;
                    }
                }
            }
        }
        sizes
    }

    /// Every blob scanned from a pack, with its size: for `--all-objects`.
    pub(crate) fn scanned(&self) -> impl Iterator<Item = (ObjectId, u64)> + '_ {
        self.packs.packs.iter().flat_map(|pack| {
            pack.scanned
                .iter()
                .enumerate()
                .filter_map(move |(position, marker)| {
                    let marker = marker.load(Ordering::Relaxed);
                    (marker != 0).then(|| {
                        let id = pack.index.oid_at_index(position as u32).to_owned();
                        (id, u64::from(marker - 1))
                    })
                })
        })
    }
}

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
fn find(index: &index::File<Mapped>, id: &gix::oid) -> Option<u32> {
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
            Order::Less => lo = guess + 1,
            Order::Greater => hi = guess,
            Order::Equal => break,
        }
    }
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        match index.oid_at_index(mid).cmp(id) {
            Order::Less => lo = mid + 1,
            Order::Greater => hi = mid,
            Order::Equal => return Some(mid),
        }
    }
    None
}

/// The pack index files in `objects/pack`, each with its data file.
fn pack_files(objects: &Path) -> Vec<(PathBuf, PathBuf)> {
    let Ok(dir) = std::fs::read_dir(objects.join("pack")) else {
        return Vec::new();
    };
    let mut packs: Vec<(PathBuf, PathBuf)> = dir
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "idx"))
        .map(|idx| (idx.clone(), idx.with_extension("pack")))
        .filter(|(_, pack)| pack.is_file())
        .collect();
    packs.sort();
    packs
}

impl Packs {
    /// Opens the packs of the object directory `objects`. A pack that cannot be opened is
    /// left out: its objects are read through gix instead.
    pub(crate) fn open(objects: &Path, hash: gix::hash::Kind) -> Packs {
        let files: Vec<(PathBuf, Mapped, PathBuf, Mapped)> = pack_files(objects)
            .into_iter()
            .filter_map(|(idx, pack)| {
                let (index_map, data_map) = (Mapped::open(&idx).ok()?, Mapped::open(&pack).ok()?);
                Some((idx, index_map, pack, data_map))
            })
            .collect();
        let resident = Resident {
            maps: files
                .iter()
                .flat_map(|(_, index, _, data)| [index.clone(), data.clone()])
                .collect(),
            read: AtomicU64::new(0),
            baseline_kb: file_backed_kb().unwrap_or(0),
        };
        let packs = files
            .into_iter()
            .filter_map(|(idx, index_map, pack, data_map)| {
                let index = index::File::from_data(index_map, idx, hash).ok()?;
                let data = data::File::from_data(data_map, pack, hash).ok()?;
                let tree = DeltaTree::build(&index, &data, &resident);
                let scanned = (0..index.num_objects())
                    .map(|_| AtomicU32::new(0))
                    .collect();
                Some(Pack {
                    index,
                    data,
                    tree,
                    scanned,
                })
            })
            .collect();
        Packs { packs, resident }
    }

    /// Scans every blob in the packs on `options.threads` threads.
    pub(crate) fn scan_blobs(&self, scanner: &Scanner, options: &ScanOptions) -> PackScan<'_> {
        if let Some(progress) = &options.progress {
            progress.discovered(self.packs.iter().map(|p| p.tree.blob_count()).sum());
        }
        let mut reports = HashMap::new();
        for pack in &self.packs {
            let next_root = AtomicUsize::new(0);
            let found = std::thread::scope(|scope| {
                let workers: Vec<_> = (0..options.threads.max(1))
                    .map(|_| {
                        scope.spawn(|| {
                            let mut worker = Worker::new(pack, &self.resident, scanner, options);
                            loop {
                                let next = next_root.fetch_add(1, Ordering::Relaxed);
                                let Some(&root) = pack.tree.blob_roots.get(next) else {
                                    break;
                                };
                                worker.scan_from(root);
                            }
                            worker.reports
                        })
                    })
                    .collect();
                workers
                    .into_iter()
                    .flat_map(|worker| {
                        worker
                            .join()
                            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                    })
                    .collect::<Vec<_>>()
            });
            reports.extend(found);
        }
        PackScan {
            packs: self,
            reports,
        }
    }

    /// Where object `id` is: its pack and its node in that pack's delta tree.
    fn locate(&self, id: &ObjectId) -> Option<(usize, u32)> {
        self.packs.iter().enumerate().find_map(|(p, pack)| {
            self.resident.read(INDEX_SEARCH_BYTES);
            let position = find(&pack.index, id)?;
            Some((p, pack.tree.node_of[position as usize]))
        })
    }
}

/// A pack's objects in offset order, each with the object it is a delta of.
struct DeltaTree {
    /// Pack offsets, ascending.
    offsets: Vec<u64>,
    /// The index position of each object.
    positions: Vec<u32>,
    /// The object at each index position.
    node_of: Vec<u32>,
    /// The object each object is a delta of ([`NONE`] for a full object).
    base: Vec<u32>,
    /// The deltas of object `i` are `children[starts[i]..starts[i + 1]]`.
    starts: Vec<u32>,
    children: Vec<u32>,
    /// Full (non-delta) blobs: where decoding starts.
    blob_roots: Vec<u32>,
}

impl DeltaTree {
    fn build(
        index: &index::File<Mapped>,
        data: &data::File<Mapped>,
        resident: &Resident,
    ) -> DeltaTree {
        let mut order: Vec<(u64, u32)> = (0..index.num_objects())
            .map(|position| (index.pack_offset_at_index(position), position))
            .collect();
        order.sort_unstable();
        let (offsets, positions): (Vec<u64>, Vec<u32>) = order.into_iter().unzip();
        let at = |offset: u64| offsets.binary_search(&offset).ok().map(|i| i as u32);
        let mut base = vec![NONE; offsets.len()];
        let mut blob_roots = Vec::new();
        for (i, &offset) in offsets.iter().enumerate() {
            // Every header is read, in the order of the file.
            let next = offsets
                .get(i + 1)
                .copied()
                .unwrap_or(data.pack_end() as u64);
            resident.read(next.saturating_sub(offset));
            let Ok(entry) = data.entry(offset) else {
                continue;
            };
            base[i] = match entry.header {
                Header::Blob => {
                    blob_roots.push(i as u32);
                    NONE
                }
                Header::OfsDelta { base_distance } => entry
                    .checked_base_pack_offset(base_distance)
                    .and_then(at)
                    .unwrap_or(NONE),
                Header::RefDelta { base_id } => {
                    resident.read(INDEX_SEARCH_BYTES);
                    find(index, &base_id)
                        .and_then(|position| at(index.pack_offset_at_index(position)))
                        .unwrap_or(NONE)
                }
                Header::Commit | Header::Tree | Header::Tag => NONE,
            };
        }
        // Children lists in one array (compressed sparse rows): a count per base, then
        // each delta placed in its base's slot.
        let mut starts = vec![0u32; offsets.len() + 1];
        for &b in base.iter().filter(|&&b| b != NONE) {
            starts[b as usize + 1] += 1;
        }
        for i in 1..starts.len() {
            starts[i] += starts[i - 1];
        }
        let mut fill = starts.clone();
        let mut children = vec![0u32; starts[offsets.len()] as usize];
        for (i, &b) in base.iter().enumerate().filter(|(_, &b)| b != NONE) {
            children[fill[b as usize] as usize] = i as u32;
            fill[b as usize] += 1;
        }
        let mut node_of = vec![0u32; positions.len()];
        for (node, &position) in positions.iter().enumerate() {
            node_of[position as usize] = node as u32;
        }
        DeltaTree {
            offsets,
            positions,
            node_of,
            base,
            starts,
            children,
            blob_roots,
        }
    }

    /// The memory reading object `node` makes resident: the bytes it takes in the pack,
    /// and at least a page.
    fn span(&self, node: u32, data: &data::File<Mapped>) -> u64 {
        let end = self
            .offsets
            .get(node as usize + 1)
            .copied()
            .unwrap_or(data.pack_end() as u64);
        end.saturating_sub(self.offsets[node as usize]).max(PAGE)
    }

    fn children(&self, node: u32) -> &[u32] {
        let node = node as usize;
        &self.children[self.starts[node] as usize..self.starts[node + 1] as usize]
    }

    /// How many objects are blobs: the full blobs and every delta under them. Deltas form
    /// a forest (a delta has one base), so the walk ends even in a corrupt pack.
    fn blob_count(&self) -> u64 {
        let mut count = 0;
        let mut stack = self.blob_roots.clone();
        while let Some(node) = stack.pop() {
            count += 1;
            stack.extend_from_slice(self.children(node));
        }
        count
    }
}

/// One scanning thread's state: buffers reused from blob to blob.
struct Worker<'a> {
    pack: &'a Pack,
    resident: &'a Resident,
    scanner: &'a Scanner,
    options: &'a ScanOptions,
    scratch: Scratch,
    inflate: gix::zlib::Inflate,
    /// The decoded object at each depth of the delta tree being walked.
    levels: Vec<Vec<u8>>,
    delta: Vec<u8>,
    reports: Vec<(ObjectId, Report)>,
}

/// Why an object could not be decoded here; it is then read through gix instead.
struct Undecodable;

impl<'a> Worker<'a> {
    fn new(
        pack: &'a Pack,
        resident: &'a Resident,
        scanner: &'a Scanner,
        options: &'a ScanOptions,
    ) -> Self {
        Worker {
            pack,
            resident,
            scanner,
            options,
            scratch: Scratch::new(),
            inflate: gix::zlib::Inflate::default(),
            levels: Vec::new(),
            delta: Vec::new(),
            reports: Vec::new(),
        }
    }

    /// Decodes and scans the full blob `root` and every delta built on it, depth first, so
    /// that each delta's base is still decoded one level up.
    fn scan_from(&mut self, root: u32) {
        let mut stack = vec![(root, 0usize)];
        while let Some((node, depth)) = stack.pop() {
            let deltas = self.pack.tree.children(node);
            let Ok(size) = self.decode(node, depth, !deltas.is_empty()) else {
                // Neither this object nor the deltas on it can be decoded here.
                continue;
            };
            let position = self.pack.tree.positions[node as usize];
            let id = self.pack.index.oid_at_index(position).to_owned();
            if size > self.options.max_blob_size {
                self.reports.push((id, Report::NotScanned("too-large")));
            } else {
                self.scan(id, position, depth);
            }
            stack.extend(deltas.iter().map(|&delta| (delta, depth + 1)));
        }
    }

    /// Decodes `node` into `levels[depth]` (its base is at `depth - 1`), returning its
    /// size. An object over the size limit is only decoded when `needed` as a base.
    fn decode(&mut self, node: u32, depth: usize, needed: bool) -> Result<u64, Undecodable> {
        let limit = self.options.max_blob_size;
        let entry = self
            .pack
            .data
            .entry(self.pack.tree.offsets[node as usize])
            .map_err(|_| Undecodable)?;
        self.resident
            .read(self.pack.tree.span(node, &self.pack.data));
        if self.levels.len() <= depth {
            self.levels.resize_with(depth + 1, Vec::new);
        }
        if depth == 0 {
            let size = entry.decompressed_size;
            if size > limit {
                return if needed { Err(Undecodable) } else { Ok(size) };
            }
            inflate_into(
                &self.pack.data,
                &entry,
                &mut self.inflate,
                &mut self.levels[0],
            )?;
            return Ok(size);
        }
        // A delta's instructions are at most a little larger than what they build.
        if entry.decompressed_size > limit.saturating_mul(2).saturating_add(1 << 20) {
            return Err(Undecodable);
        }
        inflate_into(&self.pack.data, &entry, &mut self.inflate, &mut self.delta)?;
        let (bases, rest) = self.levels.split_at_mut(depth);
        let size = apply_delta(&bases[depth - 1], &self.delta, limit, &mut rest[0])?;
        if size > limit && needed {
            return Err(Undecodable);
        }
        Ok(size)
    }

    fn scan(&mut self, id: ObjectId, position: u32, depth: usize) {
        let data = &self.levels[depth];
        let Some(content) = scan_content(data, self.scanner, &mut self.scratch) else {
            self.reports.push((id, Report::NotScanned("lfs-pointer")));
            return;
        };
        if let Some(progress) = &self.options.progress {
            progress.blob_done(data.len() as u64);
        }
        let marker = u32::try_from(data.len()).unwrap_or(u32::MAX - 1) + 1;
        self.pack.scanned[position as usize].store(marker, Ordering::Relaxed);
        if !content.is_empty() {
            self.reports.push((id, Report::Findings(content)));
        }
    }
}

/// The largest tree or commit the walk decodes from a pack itself (larger ones, real or
/// claimed by a corrupt header, are left to gix).
const MAX_OBJECT: u64 = 256 << 20;

/// How many tree locations a [`PackReader`] remembers before it starts over.
const LOCATED: usize = 1 << 14;

/// Reads commits and trees from the packs for the history walk, caching every object
/// decoded on the way down a delta chain. gix caches only the object asked for, so reading the versions
/// of a tree in the order opposite to the pack's (git makes the newest version the base,
/// fast-import the oldest) walks the whole chain again for every version; here a chain
/// is walked once, whichever way history is read.
pub(crate) struct PackReader<'p> {
    packs: &'p Packs,
    cache: MemoryCappedHashmap,
    /// Where recently read trees are: a commit's old trees are its parent's new ones,
    /// found here without a search of the pack index.
    located: gix::hashtable::HashMap<ObjectId, (usize, u32)>,
    inflate: gix::zlib::Inflate,
    chain: Vec<u32>,
    delta: Vec<u8>,
    spare: Vec<u8>,
}

impl<'p> PackReader<'p> {
    /// A reader holding up to `cache_bytes` of decoded trees.
    pub(crate) fn new(packs: &'p Packs, cache_bytes: usize) -> Self {
        PackReader {
            packs,
            cache: MemoryCappedHashmap::new(cache_bytes),
            located: Default::default(),
            inflate: gix::zlib::Inflate::default(),
            chain: Vec::new(),
            delta: Vec::new(),
            spare: Vec::new(),
        }
    }

    /// Reads object `id` into `out`. `None` when no pack holds it as a `kind` this reader
    /// can decode: the caller then asks gix, which says what is wrong, if anything.
    pub(crate) fn read(
        &mut self,
        id: &ObjectId,
        kind: gix::object::Kind,
        out: &mut Vec<u8>,
    ) -> Option<()> {
        let (p, node) = match self.located.get(id) {
            Some(&found) => found,
            None => {
                let found = self.packs.locate(id)?;
                if self.located.len() >= LOCATED {
                    self.located.clear();
                }
                self.located.insert(*id, found);
                found
            }
        };
        let pack = &self.packs.packs[p];
        let key = |node: u32| (p as u32, pack.tree.offsets[node as usize]);
        // Up the chain to an object already decoded, or to the full object at its end.
        self.chain.clear();
        let mut cursor = node;
        let mut found = loop {
            let (pack_id, offset) = key(cursor);
            if let Some((kind, _)) = self.cache.get(pack_id, offset, out) {
                break Some(kind);
            }
            self.chain.push(cursor);
            let base = pack.tree.base[cursor as usize];
            if base == NONE || self.chain.len() > pack.tree.offsets.len() {
                break None;
            }
            cursor = base;
        };
        if found.is_none() {
            let root = self.chain.pop()?;
            let entry = pack.data.entry(pack.tree.offsets[root as usize]).ok()?;
            self.packs.resident.read(pack.tree.span(root, &pack.data));
            if entry.decompressed_size > MAX_OBJECT {
                return None;
            }
            // A delta whose base is missing has no kind: not decodable here.
            let root_kind = entry.header.as_kind()?;
            inflate_into(&pack.data, &entry, &mut self.inflate, out).ok()?;
            let (pack_id, offset) = key(root);
            self.cache.put(pack_id, offset, out, root_kind, 0);
            found = Some(root_kind);
        }
        if found != Some(kind) {
            return None;
        }
        // Down the chain, each delta applied to the object before it.
        while let Some(node) = self.chain.pop() {
            let entry = pack.data.entry(pack.tree.offsets[node as usize]).ok()?;
            self.packs.resident.read(pack.tree.span(node, &pack.data));
            if entry.decompressed_size > MAX_OBJECT {
                return None;
            }
            inflate_into(&pack.data, &entry, &mut self.inflate, &mut self.delta).ok()?;
            match apply_delta(out, &self.delta, MAX_OBJECT, &mut self.spare) {
                Ok(size) if size <= MAX_OBJECT => std::mem::swap(out, &mut self.spare),
                _ => return None,
            }
            let (pack_id, offset) = key(node);
            self.cache.put(pack_id, offset, out, kind, 0);
        }
        Some(())
    }
}

/// Inflates a pack entry's data into `out`.
fn inflate_into(
    data: &data::File<Mapped>,
    entry: &data::Entry,
    inflate: &mut gix::zlib::Inflate,
    out: &mut Vec<u8>,
) -> Result<(), Undecodable> {
    let size = usize::try_from(entry.decompressed_size).map_err(|_| Undecodable)?;
    out.clear();
    out.try_reserve_exact(size).map_err(|_| Undecodable)?;
    out.resize(size, 0);
    data.decompress_entry(entry, inflate, out)
        .map(|_| ())
        .map_err(|_| Undecodable)
}

/// Builds the object `delta` describes from `base` into `out` (git's delta format: the
/// base's size, the result's size, then copy and insert instructions). Returns the
/// result's size; over `limit`, nothing is built.
fn apply_delta(
    base: &[u8],
    delta: &[u8],
    limit: u64,
    out: &mut Vec<u8>,
) -> Result<u64, Undecodable> {
    let (base_size, delta) = varint(delta)?;
    let (size, mut delta) = varint(delta)?;
    if base_size != base.len() as u64 {
        return Err(Undecodable);
    }
    out.clear();
    if size > limit {
        return Ok(size);
    }
    let size_usize = usize::try_from(size).map_err(|_| Undecodable)?;
    out.try_reserve_exact(size_usize).map_err(|_| Undecodable)?;
    while let Some((&op, rest)) = delta.split_first() {
        delta = rest;
        let chunk = if op & 0x80 != 0 {
            // Copy from the base: the bits say which offset and size bytes follow.
            let mut field = |bits: u8, shift_from: u8| -> Result<usize, Undecodable> {
                let mut value = 0usize;
                for i in 0..bits {
                    if op & (1 << (shift_from + i)) != 0 {
                        let (&byte, rest) = delta.split_first().ok_or(Undecodable)?;
                        delta = rest;
                        value |= usize::from(byte) << (8 * i);
                    }
                }
                Ok(value)
            };
            let offset = field(4, 0)?;
            let length = match field(3, 4)? {
                0 => 0x10000,
                length => length,
            };
            offset
                .checked_add(length)
                .and_then(|end| base.get(offset..end))
                .ok_or(Undecodable)?
        } else if op != 0 {
            // Insert the next `op` bytes.
            let (insert, rest) = delta.split_at_checked(usize::from(op)).ok_or(Undecodable)?;
            delta = rest;
            insert
        } else {
            return Err(Undecodable);
        };
        if out.len() + chunk.len() > size_usize {
            return Err(Undecodable);
        }
        out.extend_from_slice(chunk);
    }
    if out.len() == size_usize {
        Ok(size)
    } else {
        Err(Undecodable)
    }
}

/// A size in a delta's header: little-endian groups of 7 bits, the high bit saying more
/// follow.
fn varint(bytes: &[u8]) -> Result<(u64, &[u8]), Undecodable> {
    let mut value = 0u64;
    for (i, &byte) in bytes.iter().enumerate() {
        let shift = 7 * i as u32;
        if shift >= 64 {
            break;
        }
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok((value, &bytes[i + 1..]));
        }
    }
    Err(Undecodable)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn git(dir: &Path, args: &[&str]) -> String {
        let out = Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Trees read from the packs are the bytes gix reads, in either order of history and
    /// whatever the cache holds; what is not a tree is left to gix.
    #[test]
    fn trees_read_from_the_packs_are_what_gix_reads() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        git(root, &["init", "-q"]);
        for version in 0..60 {
            let sub = root.join(format!("dir{}", version % 4));
            std::fs::create_dir_all(&sub).unwrap();
            std::fs::write(
                sub.join(format!("f{}.txt", version % 9)),
                format!("{version}\n"),
            )
            .unwrap();
            std::fs::write(
                root.join(format!("top{}.txt", version % 5)),
                format!("{version}\n"),
            )
            .unwrap();
            git(root, &["add", "-A"]);
            git(root, &["commit", "-q", "-m", &format!("v{version}")]);
        }
        git(root, &["repack", "-q", "-a", "-d", "-f", "--depth=20"]);
        let repo = crate::open(root).unwrap();
        let packs = Packs::open(repo.objects.store_ref().path(), repo.object_hash());
        let listing = git(root, &["cat-file", "--batch-all-objects", "--batch-check"]);
        let ids = |kind: &str| -> Vec<ObjectId> {
            listing
                .lines()
                .filter(|line| line.split(' ').nth(1) == Some(kind))
                .map(|line| ObjectId::from_hex(&line.as_bytes()[..40]).unwrap())
                .collect()
        };
        let mut trees = ids("tree");
        assert!(trees.len() > 100, "{}", trees.len());
        for cache in [1 << 20, 1] {
            for reversed in [false, true] {
                if reversed {
                    trees.reverse();
                }
                let mut reader = PackReader::new(&packs, cache);
                for id in &trees {
                    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
                    assert!(
                        reader
                            .read(id, gix::object::Kind::Tree, &mut ours)
                            .is_some(),
                        "{id}"
                    );
                    let expected =
                        crate::object::read(&repo, id, gix::object::Kind::Tree, &mut theirs)
                            .unwrap();
                    assert_eq!(ours, expected, "{id}");
                }
            }
        }
        let mut reader = PackReader::new(&packs, 1 << 20);
        for id in ids("blob").iter().chain(&ids("commit")) {
            let mut buf = Vec::new();
            let read = reader.read(id, gix::object::Kind::Tree, &mut buf);
            assert!(read.is_none(), "{id} is not a tree");
        }
        // Commits are read as commits.
        for id in ids("commit") {
            let mut buf = Vec::new();
            assert!(
                reader
                    .read(&id, gix::object::Kind::Commit, &mut buf)
                    .is_some(),
                "{id}"
            );
        }
    }

    /// The interpolating search finds every id the index holds, where gix finds it, and
    /// nothing for ids it does not hold.
    #[test]
    fn interpolation_finds_what_binary_search_finds() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        git(root, &["init", "-q"]);
        for i in 0..300 {
            std::fs::write(root.join(format!("f{i}")), format!("{i}\n")).unwrap();
        }
        git(root, &["add", "-A"]);
        git(root, &["commit", "-q", "-m", "many"]);
        git(root, &["repack", "-q", "-a", "-d"]);
        let repo = crate::open(root).unwrap();
        let packs = Packs::open(repo.objects.store_ref().path(), repo.object_hash());
        let index = &packs.packs[0].index;
        assert!(index.num_objects() > 300);
        for position in 0..index.num_objects() {
            let id = index.oid_at_index(position).to_owned();
            assert_eq!(find(index, &id), Some(position));
            let mut absent = id;
            absent.as_mut_slice()[19] ^= 1;
            assert_eq!(find(index, &absent), index.lookup(absent));
        }
        for edge in [[0u8; 20], [0xff; 20]] {
            assert_eq!(find(index, &ObjectId::from_bytes_or_panic(&edge)), None);
        }
    }

    /// Every blob of a packed repository is read from the pack, with its true size, and
    /// the blob holding a key is reported: nothing is left to the slower path.
    #[test]
    fn every_packed_blob_is_scanned_from_the_pack() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        git(root, &["init", "-q"]);
        let mut lines: Vec<String> = (0..300).map(|i| format!("line {i} of a file\n")).collect();
        for version in 0..40 {
            lines[version * 7] = format!("changed in version {version}\n");
            if version == 25 {
                lines[200] = "aws_access_key_id = AKIATDL6PABMCTNRC77F\n\
                    aws_secret_access_key = 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\n"
                    .into();
            }
            std::fs::write(root.join("file.txt"), lines.concat()).unwrap();
            std::fs::write(
                root.join(format!("other{}.txt", version % 3)),
                format!("{version}\n"),
            )
            .unwrap();
            git(root, &["add", "-A"]);
            git(root, &["commit", "-q", "-m", &format!("v{version}")]);
        }
        git(root, &["repack", "-q", "-a", "-d", "-f"]);
        let repo = crate::open(root).unwrap();
        let options = ScanOptions {
            max_blob_size: 1 << 20,
            threads: 2,
            progress: None,
        };
        let packs = Packs::open(repo.objects.store_ref().path(), repo.object_hash());
        let scan = packs.scan_blobs(&Scanner::default(), &options);
        let listing = git(root, &["cat-file", "--batch-all-objects", "--batch-check"]);
        let blobs: Vec<(ObjectId, u64)> = listing
            .lines()
            .filter_map(|line| {
                let mut fields = line.split(' ');
                let (id, kind, size) = (fields.next()?, fields.next()?, fields.next()?);
                (kind == "blob").then(|| {
                    (
                        ObjectId::from_hex(id.as_bytes()).unwrap(),
                        size.parse().unwrap(),
                    )
                })
            })
            .collect();
        assert!(blobs.len() > 40, "{}", blobs.len());
        for (id, size) in &blobs {
            match scan.coverage(id) {
                Coverage::Scanned(bytes) => assert_eq!(bytes, *size, "{id}"),
                _ => panic!("{id} was not scanned from the pack"),
            }
        }
        let with_findings = scan
            .reports
            .values()
            .filter(|report| matches!(report, Report::Findings(content) if !content.is_empty()))
            .count();
        // The key is in versions 25 to 39 of file.txt: 15 blobs.
        assert_eq!(with_findings, 15);
        assert_eq!(scan.scanned().count(), blobs.len());
    }

    #[test]
    fn deltas_copy_and_insert() {
        let base = b"hello, delta world";
        // base 18, result 12: copy 5 bytes from 0, insert "!!", copy 5 from 13.
        let delta = [18, 12, 0x91, 0, 5, 2, b'!', b'!', 0x91, 13, 5];
        let mut out = Vec::new();
        assert_eq!(apply_delta(base, &delta, 1 << 20, &mut out).ok(), Some(12));
        assert_eq!(out, b"hello!!world");
    }

    #[test]
    fn malformed_deltas_are_refused() {
        let base = b"0123456789";
        let mut out = Vec::new();
        for delta in [
            &[11, 3, 0x91, 0, 3][..], // wrong base size
            &[10, 3, 0x91, 8, 3][..], // copy past the base's end
            &[10, 3, 5, b'a'][..],    // insert past the delta's end
            &[10, 3, 0][..],          // reserved opcode
            &[10, 4, 0x91, 0, 3][..], // result shorter than announced
            &[10, 2, 0x91, 0, 3][..], // result longer than announced
            &[10][..],                // truncated header
            &[0xff; 12][..],          // endless size
        ] {
            assert!(
                apply_delta(base, delta, 1 << 20, &mut out).is_err(),
                "{delta:?}"
            );
        }
    }

    #[test]
    fn results_over_the_limit_are_not_built() {
        let mut out = Vec::new();
        assert_eq!(
            apply_delta(b"ab", &[2, 100, 0x91, 0, 2], 10, &mut out).ok(),
            Some(100)
        );
        assert!(out.is_empty());
    }
}
