//! Reading objects: blobs, trees and commits, with missing and corrupt objects reported as
//! values rather than errors, so one bad object never stops a scan.

use gix::prelude::Find;
use gix::ObjectId;

/// Why an object could not be read (or scanned).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ObjectProblem {
    /// Not in the object database (deleted, or beyond a shallow clone's edge).
    Missing,
    /// Present but unreadable (truncated, corrupt): gix's message.
    Corrupt(String),
    /// Present but of another kind than expected.
    WrongKind(&'static str),
    /// keyhound panicked scanning it (a bug): the message. When a whole scanning thread
    /// stopped, the problem's context is [`Context::Thread`](crate::Context::Thread) and
    /// the blobs it held are not scanned.
    Panicked(String),
    /// The blob held more findings than the scanner's cap
    /// ([`Scanner::max_findings`](keyhound_core::Scanner::max_findings)): those found are
    /// reported, the rest of the blob was not scanned.
    TooManyFindings {
        /// The cap.
        limit: usize,
    },
    /// The blob is an archive, and part of it could not be read: an encrypted or damaged
    /// entry, a compression method keyhound does not read, a limit reached.
    Archive {
        /// The entry, `!/` between nested archives (empty: the archive itself).
        entry: String,
        /// What kept it from being read.
        problem: String,
    },
}

impl std::error::Error for ObjectProblem {}

impl std::fmt::Display for ObjectProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ObjectProblem::Missing => f.write_str("object missing"),
            ObjectProblem::Corrupt(message) => write!(f, "object unreadable: {message}"),
            ObjectProblem::WrongKind(kind) => write!(f, "object is a {kind}"),
            ObjectProblem::Panicked(message) => write!(f, "panicked: {message}"),
            ObjectProblem::Archive { entry, problem } if entry.is_empty() => f.write_str(problem),
            ObjectProblem::Archive { entry, problem } => {
                write!(f, "archive entry {entry}: {problem}")
            }
            ObjectProblem::TooManyFindings { limit } => {
                f.write_str(&keyhound_core::too_many_findings(*limit))
            }
        }
    }
}

/// Reads object `id` into `buf`, expecting `kind`.
pub(crate) fn read<'b>(
    repo: &gix::Repository,
    id: &ObjectId,
    kind: gix::object::Kind,
    buf: &'b mut Vec<u8>,
) -> Result<&'b [u8], ObjectProblem> {
    match repo.objects.try_find(id, buf) {
        Ok(Some(data)) if data.kind == kind => Ok(data.data),
        Ok(Some(data)) => Err(ObjectProblem::WrongKind(kind_name(data.kind))),
        Ok(None) => Err(ObjectProblem::Missing),
        Err(err) => Err(ObjectProblem::Corrupt(err.to_string())),
    }
}

/// Something objects can be read from: the repository, or the packs read directly first.
pub(crate) trait ReadObject {
    /// Reads object `id` into `buf`, expecting `kind`.
    fn read_object<'b>(
        &mut self,
        id: &ObjectId,
        kind: gix::object::Kind,
        buf: &'b mut Vec<u8>,
    ) -> Result<&'b [u8], ObjectProblem>;
}

impl ReadObject for &gix::Repository {
    fn read_object<'b>(
        &mut self,
        id: &ObjectId,
        kind: gix::object::Kind,
        buf: &'b mut Vec<u8>,
    ) -> Result<&'b [u8], ObjectProblem> {
        read(self, id, kind, buf)
    }
}

fn kind_name(kind: gix::object::Kind) -> &'static str {
    match kind {
        gix::object::Kind::Blob => "blob",
        gix::object::Kind::Tree => "tree",
        gix::object::Kind::Commit => "commit",
        gix::object::Kind::Tag => "tag",
    }
}

/// What keyhound needs of a commit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommitInfo {
    /// The commit id.
    pub id: ObjectId,
    /// Author name.
    pub author: String,
    /// Author e-mail.
    pub email: String,
    /// Author date, seconds since the Unix epoch.
    pub time: i64,
}

/// A decoded commit: its tree, parents and author.
#[derive(Clone, Debug)]
pub(crate) struct Commit {
    pub(crate) id: ObjectId,
    pub(crate) tree: ObjectId,
    pub(crate) parents: Vec<ObjectId>,
    pub(crate) info: CommitInfo,
}

/// Reads and decodes commit `id`.
pub(crate) fn commit(
    repo: &gix::Repository,
    id: &ObjectId,
    buf: &mut Vec<u8>,
) -> Result<Commit, ObjectProblem> {
    let data = read(repo, id, gix::object::Kind::Commit, buf)?;
    let decoded = gix::objs::CommitRef::from_bytes(data, id.kind())
        .map_err(|e| ObjectProblem::Corrupt(e.to_string()))?;
    let (author, email, time) = match decoded.author() {
        Ok(sig) => (sig.name.to_string(), sig.email.to_string(), sig.seconds()),
        Err(_) => (String::new(), String::new(), 0),
    };
    Ok(Commit {
        id: *id,
        tree: decoded.tree(),
        parents: decoded.parents().collect(),
        info: CommitInfo {
            id: *id,
            author,
            email,
            time,
        },
    })
}
