//! Trees: listing the blobs under a tree (skipping subtrees already seen) and the changes
//! between two trees (skipping subtrees that did not change). Never a blob diff: what a
//! change adds is decided by scanning, not by diffing lines.

use std::cmp::Ordering;
use std::collections::HashMap;

use gix::objs::tree::EntryMode;
use gix::ObjectId;

use gix::object::Kind;

use crate::object::{read, ObjectProblem, ReadObject};

/// An entry of a tree, with its full path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) path: Vec<u8>,
    pub(crate) id: ObjectId,
    pub(crate) mode: EntryMode,
}

/// An object that could not be read, and what needed it. Its `Display` is
/// `<id> (<context>): <problem>`, or `<context>: <problem>` without an id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The object, when one is known (a list of refs or of objects that cannot be read
    /// names none).
    pub id: Option<ObjectId>,
    /// What needed it: a path, a ref, a commit.
    pub context: Context,
    /// What went wrong.
    pub problem: ObjectProblem,
}

impl Problem {
    /// The path the problem cost, when it is a blob's or a tree's (an empty path is the
    /// root tree): bytes, as git stores paths.
    pub fn path(&self) -> Option<&[u8]> {
        match &self.context {
            Context::Path(path) => Some(path),
            _ => None,
        }
    }

    /// How reports name the unreadable object: `<id> (<context>)`, or `<context>` alone.
    pub fn name(&self) -> String {
        match self.id {
            Some(id) => format!("{id} ({})", self.context),
            None => self.context.to_string(),
        }
    }
}

impl Problem {
    /// A scanning thread stopped by a panic (a bug) saying `message`.
    pub(crate) fn thread_stopped(message: String) -> Problem {
        Problem {
            id: None,
            context: Context::Thread,
            problem: ObjectProblem::Panicked(message),
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.name(), self.problem)
    }
}

/// What needed an object that could not be read. Its `Display` is what reports write:
/// the path, the ref's name, or `commit`, `commit in range`, `parent commit`, `refs`,
/// `HEAD`, `object database`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Context {
    /// A blob, or a tree, at this path (in a commit's tree or in the index), as git
    /// stores it; empty for a root tree.
    Path(Vec<u8>),
    /// A ref (its full name) whose target could not be read.
    Ref(String),
    /// The list of refs.
    Refs,
    /// A commit of the history.
    Commit,
    /// A commit of the range.
    CommitInRange,
    /// A parent of a commit in the range.
    ParentCommit,
    /// HEAD, for the staged scan.
    Head,
    /// The listing of every object (`all_objects`).
    ObjectDatabase,
    /// A scanning thread, which stopped ([`ObjectProblem::Panicked`]): what it held is
    /// not scanned.
    Thread,
}

impl std::fmt::Display for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Context::Path(path) => f.write_str(&String::from_utf8_lossy(path)),
            Context::Ref(name) => f.write_str(name),
            Context::Refs => f.write_str("refs"),
            Context::Commit => f.write_str("commit"),
            Context::CommitInRange => f.write_str("commit in range"),
            Context::ParentCommit => f.write_str("parent commit"),
            Context::Head => f.write_str("HEAD"),
            Context::ObjectDatabase => f.write_str("object database"),
            Context::Thread => f.write_str("scanning thread"),
        }
    }
}

/// The entries of one tree object: name, mode, id.
pub(crate) fn entries(
    repo: &gix::Repository,
    id: &ObjectId,
) -> Result<Vec<(Vec<u8>, EntryMode, ObjectId)>, ObjectProblem> {
    entries_with(repo, id, &mut Vec::new())
}

fn entries_with(
    repo: &gix::Repository,
    id: &ObjectId,
    buf: &mut Vec<u8>,
) -> Result<Vec<(Vec<u8>, EntryMode, ObjectId)>, ObjectProblem> {
    let data = read(repo, id, gix::object::Kind::Tree, buf)?;
    gix::objs::TreeRefIter::from_bytes(data, id.kind())
        .map(|entry| {
            entry
                .map(|e| (e.filename.to_vec(), e.mode, e.oid.to_owned()))
                .map_err(|err| ObjectProblem::Corrupt(err.to_string()))
        })
        .collect()
}

fn join(prefix: &[u8], name: &[u8]) -> Vec<u8> {
    let mut path = Vec::with_capacity(prefix.len() + 1 + name.len());
    if !prefix.is_empty() {
        path.extend_from_slice(prefix);
        path.push(b'/');
    }
    path.extend_from_slice(name);
    path
}

/// A non-tree entry met by [`walk`]: its directory and name, borrowed from the tree being
/// read, so that entries the caller has seen before cost no allocation.
pub(crate) struct Leaf<'a> {
    pub(crate) prefix: &'a [u8],
    pub(crate) name: &'a [u8],
    pub(crate) id: ObjectId,
    pub(crate) mode: EntryMode,
}

impl Leaf<'_> {
    /// The entry, with its full path.
    pub(crate) fn to_entry(&self) -> Entry {
        Entry {
            path: join(self.prefix, self.name),
            id: self.id,
            mode: self.mode,
        }
    }
}

/// Calls `visit` for every non-tree entry under `root`, skipping (and adding to `seen`)
/// trees already in `seen`.
pub(crate) fn walk(
    repo: &gix::Repository,
    root: ObjectId,
    seen: &mut gix::hashtable::HashSet<ObjectId>,
    problems: &mut Vec<Problem>,
    mut visit: impl FnMut(&Leaf<'_>),
) {
    if !seen.insert(root) {
        return;
    }
    let mut buf = Vec::new();
    let mut stack = vec![(Vec::new(), root)];
    while let Some((prefix, tree)) = stack.pop() {
        let problem = |problem| Problem {
            id: Some(tree),
            context: Context::Path(prefix.clone()),
            problem,
        };
        let data = match read(repo, &tree, gix::object::Kind::Tree, &mut buf) {
            Ok(data) => data,
            Err(err) => {
                problems.push(problem(err));
                continue;
            }
        };
        for entry in gix::objs::TreeRefIter::from_bytes(data, tree.kind()) {
            let entry = match entry {
                Ok(entry) => entry,
                Err(err) => {
                    problems.push(problem(ObjectProblem::Corrupt(err.to_string())));
                    break;
                }
            };
            let id = entry.oid.to_owned();
            if entry.mode.is_tree() {
                // Most subtrees of a commit are unchanged from its parent's: seen.
                if seen.insert(id) {
                    stack.push((join(&prefix, entry.filename), id));
                }
            } else {
                visit(&Leaf {
                    prefix: &prefix,
                    name: entry.filename,
                    id,
                    mode: entry.mode,
                });
            }
        }
    }
}

/// Calls `visit` for every non-tree entry under `new` that is not the same entry (same
/// name, same id) under `old`, descending only into subtrees that changed: a commit
/// compared with its parent costs what it changed, not the size of its tree. Entries are
/// matched in git's tree order; an entry that cannot be matched (a tree not in that order)
/// is visited, so a visit never depends on the order being right.
pub(crate) fn walk_changes(
    trees: &mut impl ReadObject,
    old: Option<ObjectId>,
    new: ObjectId,
    problems: &mut Vec<Problem>,
    mut visit: impl FnMut(&Leaf<'_>),
) {
    let hash_len = new.kind().len_in_bytes();
    let (mut new_buf, mut old_buf) = (Vec::new(), Vec::new());
    let mut stack = vec![(Vec::new(), old, new)];
    while let Some((prefix, old, new)) = stack.pop() {
        if old == Some(new) {
            continue;
        }
        let after = match trees.read_object(&new, Kind::Tree, &mut new_buf) {
            Ok(data) => data,
            Err(err) => {
                problems.push(Problem {
                    id: Some(new),
                    context: Context::Path(prefix.clone()),
                    problem: err,
                });
                continue;
            }
        };
        // The old tree was read when its own commit was walked: a problem with it is
        // already reported, and without it every entry counts as changed.
        let before: &[u8] = match old {
            Some(old) => trees
                .read_object(&old, Kind::Tree, &mut old_buf)
                .unwrap_or_default(),
            None => &[],
        };
        let (mut i, mut j) = (0, 0);
        while i < after.len() {
            let Some(entry) = RawEntry::at(&after[i..], hash_len) else {
                problems.push(Problem {
                    id: Some(new),
                    context: Context::Path(prefix.clone()),
                    problem: ObjectProblem::Corrupt("malformed tree entry".into()),
                });
                break;
            };
            let bytes = &after[i..i + entry.len];
            i += entry.len;
            // Most entries are the same bytes in both trees: one comparison skips them.
            if before.get(j..j + entry.len) == Some(bytes) {
                j += entry.len;
                continue;
            }
            // Entries of the old tree ordered before this one are gone: passed over.
            let mut same_name = None;
            while let Some(gone) = RawEntry::at(&before[j..], hash_len) {
                match tree_order(
                    gone.name,
                    gone.mode.is_tree(),
                    entry.name,
                    entry.mode.is_tree(),
                ) {
                    Ordering::Less => j += gone.len,
                    Ordering::Equal => {
                        j += gone.len;
                        same_name = Some(gone);
                        break;
                    }
                    Ordering::Greater => break,
                }
            }
            if same_name.as_ref().is_some_and(|old| old.id == entry.id) {
                continue;
            }
            let Ok(id) = gix::hash::oid::try_from_bytes(entry.id).map(ToOwned::to_owned) else {
                continue;
            };
            if entry.mode.is_tree() {
                let old_subtree = same_name
                    .and_then(|old| gix::hash::oid::try_from_bytes(old.id).ok())
                    .map(ToOwned::to_owned);
                stack.push((join(&prefix, entry.name), old_subtree, id));
            } else {
                visit(&Leaf {
                    prefix: &prefix,
                    name: entry.name,
                    id,
                    mode: entry.mode,
                });
            }
        }
    }
}

/// One entry at the start of a tree's bytes: `<octal mode> <name>\0<id>`.
struct RawEntry<'a> {
    mode: EntryMode,
    name: &'a [u8],
    id: &'a [u8],
    /// The bytes the entry takes.
    len: usize,
}

impl<'a> RawEntry<'a> {
    fn at(data: &'a [u8], hash_len: usize) -> Option<RawEntry<'a>> {
        let space = data.iter().take(8).position(|&b| b == b' ')?;
        let nul = space + 1 + memchr::memchr(0, &data[space + 1..])?;
        let len = nul + 1 + hash_len;
        Some(RawEntry {
            mode: EntryMode::from_bytes(&data[..space])?,
            name: &data[space + 1..nul],
            id: data.get(nul + 1..len)?,
            len,
        })
    }
}

/// Git's order of tree entries: by name, a subtree's name as if it ended in `/`.
fn tree_order(a: &[u8], a_is_tree: bool, b: &[u8], b_is_tree: bool) -> Ordering {
    let common = a.len().min(b.len());
    let next = |name: &[u8], is_tree: bool| {
        name.get(common)
            .copied()
            .unwrap_or(if is_tree { b'/' } else { 0 })
    };
    a[..common]
        .cmp(&b[..common])
        .then_with(|| next(a, a_is_tree).cmp(&next(b, b_is_tree)))
}

/// A path whose entry differs between two trees.
#[derive(Clone, Debug)]
pub(crate) struct Change {
    pub(crate) path: Vec<u8>,
    pub(crate) old: Option<Entry>,
    pub(crate) new: Option<Entry>,
}

/// The non-tree entries that differ between `old` (none: the empty tree) and `new`.
pub(crate) fn diff(
    repo: &gix::Repository,
    old: Option<ObjectId>,
    new: ObjectId,
    problems: &mut Vec<Problem>,
) -> Vec<Change> {
    let mut changes = Vec::new();
    let mut buf = Vec::new();
    let mut stack = vec![(Vec::new(), old, Some(new))];
    while let Some((prefix, old, new)) = stack.pop() {
        if old == new {
            continue;
        }
        let mut list = |id: Option<ObjectId>| -> HashMap<Vec<u8>, (EntryMode, ObjectId)> {
            let Some(id) = id else { return HashMap::new() };
            match entries_with(repo, &id, &mut buf) {
                Ok(list) => list.into_iter().map(|(n, m, i)| (n, (m, i))).collect(),
                Err(problem) => {
                    problems.push(Problem {
                        id: Some(id),
                        context: Context::Path(prefix.clone()),
                        problem,
                    });
                    HashMap::new()
                }
            }
        };
        let old_entries = list(old);
        let new_entries = list(new);
        let mut names: Vec<&Vec<u8>> = old_entries.keys().chain(new_entries.keys()).collect();
        names.sort();
        names.dedup();
        for name in names {
            let before = old_entries.get(name).copied();
            let after = new_entries.get(name).copied();
            if before == after {
                continue;
            }
            let path = join(&prefix, name);
            let subtree =
                |e: Option<(EntryMode, ObjectId)>| e.filter(|(m, _)| m.is_tree()).map(|(_, i)| i);
            let leaf = |e: Option<(EntryMode, ObjectId)>| {
                e.filter(|(m, _)| !m.is_tree()).map(|(mode, id)| Entry {
                    path: path.clone(),
                    id,
                    mode,
                })
            };
            if subtree(before).is_some() || subtree(after).is_some() {
                stack.push((path.clone(), subtree(before), subtree(after)));
            }
            let (old_leaf, new_leaf) = (leaf(before), leaf(after));
            if old_leaf.is_some() || new_leaf.is_some() {
                changes.push(Change {
                    path,
                    old: old_leaf,
                    new: new_leaf,
                });
            }
        }
    }
    changes
}

/// The entry at `path` under `root`, if any.
pub(crate) fn lookup(
    repo: &gix::Repository,
    root: ObjectId,
    path: &[u8],
    problems: &mut Vec<Problem>,
) -> Option<Entry> {
    let mut buf = Vec::new();
    let mut tree = root;
    let mut components = path.split(|&b| b == b'/').peekable();
    while let Some(name) = components.next() {
        let list = match entries_with(repo, &tree, &mut buf) {
            Ok(list) => list,
            Err(problem) => {
                problems.push(Problem {
                    id: Some(tree),
                    context: Context::Path(path.to_vec()),
                    problem,
                });
                return None;
            }
        };
        let (_, mode, id) = list.into_iter().find(|(n, _, _)| n == name)?;
        if components.peek().is_none() {
            return (!mode.is_tree()).then(|| Entry {
                path: path.to_vec(),
                id,
                mode,
            });
        }
        if !mode.is_tree() {
            return None;
        }
        tree = id;
    }
    None
}
