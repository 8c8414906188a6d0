//! Reading commits and trees from the packs, for the history walk.

use gix::odb::pack::cache::lru::MemoryCappedHashmap;
use gix::odb::pack::cache::DecodeEntry;
use gix::ObjectId;

use super::delta::apply_delta;
use super::{inflate_into, Packs, NONE};

/// The largest tree or commit the walk decodes from a pack itself (larger ones, real or
/// claimed by a corrupt header, are left to gix).
const MAX_OBJECT: u64 = 256 << 20;

/// How many tree locations a [`PackReader`] remembers before it starts over.
const LOCATED: usize = 1 << 14;

/// Reads commits and trees from the packs for the history walk, caching every object
/// decoded on the way down a delta chain. gix caches only the object asked for, so
/// reading the versions of a tree in the order opposite to the pack's (git makes the
/// newest version the base, fast-import the oldest) walks the whole chain again for
/// every version; here a chain is walked once, whichever way history is read.
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
