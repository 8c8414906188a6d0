//! Reading a repository's pack files directly, for `git history`.
//!
//! Blobs: every blob of every pack is scanned once, by walking each pack's delta tree
//! from the bases to the deltas on them (as `git index-pack` does) instead of reading
//! object by object. In a pack most blobs are deltas against another version of the same
//! file, in chains up to 50 deep. Read one at a time in history order, a blob costs the
//! walk down its chain again unless the version it needs is still cached, and a cache
//! holding a recent version of every file costs more memory than a scan may use. Walked
//! from each base outwards, every blob is inflated once and every delta applied once.
//!
//! Commits and trees: [`PackReader`] reads them for the history walk ([`reader`]).
//!
//! Whatever cannot be decoded here (a delta whose base is in another pack, a corrupt
//! entry, an object over the size limit that other objects are deltas of) is simply not
//! marked scanned, or not read: the caller reads it through gix, which reports what is
//! wrong with it. The packs are mapped by keyhound, which keeps their resident memory
//! bounded ([`resident`]); ids are found in pack indexes by [`lookup`]; git's delta format
//! is applied by [`delta`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};

use gix::odb::pack::data::entry::Header;
use gix::odb::pack::{data, index};
use gix::ObjectId;
use keyhound_core::{Scanner, Scratch};

use crate::scan::{panic_message, scan_content, Content, NotScannedReason, ScanOptions};
use keyhound_core::Cancel;

mod delta;
mod lookup;
mod reader;
mod resident;

pub(crate) use delta::{apply_delta, Undecodable};
use lookup::find;
pub(crate) use reader::PackReader;
use resident::{file_backed_kb, Mapped, Resident, INDEX_SEARCH_BYTES, PAGE};

/// No base: a full object, or a delta whose base could not be found.
const NONE: u32 = u32::MAX;

/// Where a pack scan sends the findings of a blob (those no inline comment allows), as it
/// finds them.
pub(crate) type Found = std::sync::mpsc::Sender<(ObjectId, Vec<crate::scan::Found>)>;

/// What scanning a packed blob found that is worth reporting.
pub(crate) enum Report {
    /// The blob was scanned and holds findings (some perhaps allowed inline).
    Findings(Content),
    /// The blob was deliberately not scanned: too large, or an LFS pointer.
    NotScanned(NotScannedReason),
}

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
    /// How many blobs the packs hold (reachable or not): what progress was told.
    pub(crate) blobs: u64,
    /// What each scanning thread that stopped (a panic) said: what it held is not marked
    /// scanned, and is read again the ordinary way.
    pub(crate) stopped: Vec<String>,
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

impl<'p> PackScan<'p> {
    /// A scan of nothing, for when the scan itself stopped.
    pub(crate) fn nothing(packs: &'p Packs) -> PackScan<'p> {
        PackScan {
            packs,
            reports: HashMap::new(),
            blobs: 0,
            stopped: Vec::new(),
        }
    }

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
    pub(crate) fn open(objects: &Path, hash: gix::hash::Kind, cancel: &Cancel) -> Packs {
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
                let tree = DeltaTree::build(&index, &data, &resident, cancel);
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

    /// Scans every blob in the packs on `options.threads` threads, sending the findings of
    /// each blob that has some to `found` as they are found.
    pub(crate) fn scan_blobs(
        &self,
        scanner: &Scanner,
        options: &ScanOptions,
        found: Option<Found>,
    ) -> PackScan<'_> {
        let blobs = self.packs.iter().map(|p| p.tree.blob_count()).sum();
        if let Some(progress) = &options.progress {
            progress.discovered(blobs);
        }
        let mut reports = HashMap::new();
        let mut stopped = Vec::new();
        for pack in &self.packs {
            let next_root = AtomicUsize::new(0);
            let joined = std::thread::scope(|scope| {
                let workers: Vec<_> = (0..options.thread_count())
                    .map(|_| {
                        scope.spawn(|| {
                            let found = found.clone();
                            let mut worker =
                                Worker::new(pack, &self.resident, scanner, options, found);
                            loop {
                                let next = next_root.fetch_add(1, Ordering::Relaxed);
                                let Some(&root) = pack.tree.blob_roots.get(next) else {
                                    break;
                                };
                                if options.cancel.is_cancelled() {
                                    break;
                                }
                                worker.scan_tree(root);
                            }
                            worker.reports
                        })
                    })
                    .collect();
                workers
                    .into_iter()
                    .map(|worker| worker.join())
                    .collect::<Vec<_>>()
            });
            for worker in joined {
                match worker {
                    Ok(found) => reports.extend(found),
                    Err(panic) => stopped.push(panic_message(&*panic)),
                }
            }
        }
        PackScan {
            packs: self,
            reports,
            blobs,
            stopped,
        }
    }

    /// Every object id the pack indexes list, for the fuzz targets.
    #[cfg(feature = "fuzzing")]
    pub(crate) fn ids(&self) -> impl Iterator<Item = ObjectId> + '_ {
        self.packs.iter().flat_map(|pack| {
            (0..pack.index.num_objects())
                .map(|position| pack.index.oid_at_index(position).to_owned())
        })
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
    /// Cancelled, the objects not reached yet are left out (nothing is scanned then).
    fn build(
        index: &index::File<Mapped>,
        data: &data::File<Mapped>,
        resident: &Resident,
        cancel: &Cancel,
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
            if i % 4096 == 0 && cancel.is_cancelled() {
                break;
            }
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

    /// How many objects are blobs: the full blobs and every delta under them.
    fn blob_count(&self) -> u64 {
        self.blob_roots
            .iter()
            .map(|&root| self.subtree_size(root))
            .sum()
    }

    /// How many objects `node` and the deltas under it are. Deltas form a forest (a delta
    /// has one base, and a full object none), so the walk ends even in a corrupt pack.
    fn subtree_size(&self, node: u32) -> u64 {
        let mut count = 0;
        let mut stack = vec![node];
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
    /// Where findings go as they are found, when progress wants them.
    found: Option<Found>,
    /// How many objects of the delta tree being walked progress was told of.
    told: u64,
}

impl<'a> Worker<'a> {
    fn new(
        pack: &'a Pack,
        resident: &'a Resident,
        scanner: &'a Scanner,
        options: &'a ScanOptions,
        found: Option<Found>,
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
            found,
            told: 0,
        }
    }

    /// Scans the delta tree from `root` ([`Worker::scan_from`]). A panic (a bug) costs the
    /// rest of it, which is then read through gix like a blob no pack holds: progress is
    /// told it is done here, as it will be discovered again there.
    fn scan_tree(&mut self, root: u32) {
        self.told = 0;
        let scanned =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.scan_from(root)));
        if scanned.is_err() {
            self.scratch = Scratch::new();
            let rest = self.pack.tree.subtree_size(root).saturating_sub(self.told);
            self.skipped(rest);
        }
    }

    /// Decodes and scans the full blob `root` and every delta built on it, depth first, so
    /// that each delta's base is still decoded one level up. Progress is told of each
    /// object once, scanned or not.
    fn scan_from(&mut self, root: u32) {
        let mut stack = vec![(root, 0usize)];
        while let Some((node, depth)) = stack.pop() {
            if self.options.cancel.is_cancelled() {
                return;
            }
            let deltas = self.pack.tree.children(node);
            let Ok(size) = self.decode(node, depth, !deltas.is_empty()) else {
                // Neither this object nor the deltas on it can be decoded here: they are
                // read through gix.
                self.skipped(self.pack.tree.subtree_size(node));
                continue;
            };
            let position = self.pack.tree.positions[node as usize];
            let id = self.pack.index.oid_at_index(position).to_owned();
            if size > self.options.max_blob_size {
                self.reports
                    .push((id, Report::NotScanned(NotScannedReason::TooLarge { size })));
                self.done(0);
            } else {
                self.scan(id, position, depth);
            }
            stack.extend(deltas.iter().map(|&delta| (delta, depth + 1)));
        }
    }

    /// Tells progress one object is done, `bytes` of it scanned.
    fn done(&mut self, bytes: u64) {
        self.told += 1;
        if let Some(progress) = &self.options.progress {
            progress.blob_done(bytes);
        }
    }

    /// Tells progress `count` objects are done without being scanned here.
    fn skipped(&mut self, count: u64) {
        if self.options.progress.is_some() {
            (0..count).for_each(|_| self.done(0));
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
        let archives = self.options.archives;
        let Some(content) = scan_content(data, self.scanner, &mut self.scratch, archives) else {
            self.reports
                .push((id, Report::NotScanned(NotScannedReason::LfsPointer)));
            self.done(0);
            return;
        };
        let bytes = data.len() as u64;
        if let Some(found) = self
            .found
            .as_ref()
            .filter(|_| !content.findings().is_empty())
        {
            // The history walk gives them a path and a commit; gone only when it is.
            let _ = found.send((id, content.findings().to_vec()));
        }
        if !content.is_empty() {
            self.reports.push((id, Report::Findings(content)));
        }
        // Marked only once its findings are kept.
        let marker = u32::try_from(bytes).unwrap_or(u32::MAX - 1) + 1;
        self.pack.scanned[position as usize].store(marker, Ordering::Relaxed);
        self.done(bytes);
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
        let packs = Packs::open(
            repo.objects.store_ref().path(),
            repo.object_hash(),
            &Cancel::default(),
        );
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
        let packs = Packs::open(
            repo.objects.store_ref().path(),
            repo.object_hash(),
            &Cancel::default(),
        );
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
            ..ScanOptions::default()
        };
        let packs = Packs::open(
            repo.objects.store_ref().path(),
            repo.object_hash(),
            &Cancel::default(),
        );
        let scan = packs.scan_blobs(&Scanner::default(), &options, None);
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
}
