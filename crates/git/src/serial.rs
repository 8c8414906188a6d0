//! Git results for serde, in the words of keyhound's JSON report: a finding is the report's
//! finding object (`path`, keyhound-core's finding, `blob`, `commit`), so an embedder that
//! serialises an [`Outcome`] and the `keyhound` binary write the same findings.

use serde::ser::{SerializeStruct, Serializer};
use serde::Serialize;

use crate::object::CommitInfo;
use crate::scan::{GitFinding, NotScanned, Outcome};

/// A git path for display, as reports write it: invalid UTF-8 as `\xNN`, control
/// characters escaped.
fn shown_path(path: &[u8]) -> String {
    keyhound_report::display_path(&keyhound_report::path_of_bytes(path))
}

impl Serialize for CommitInfo {
    /// `id`, `author`, `email` and `date` (UTC, `YYYY-MM-DDTHH:MM:SSZ`).
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut out = serializer.serialize_struct("Commit", 4)?;
        out.serialize_field("id", &self.id.to_string())?;
        out.serialize_field("author", &self.author)?;
        out.serialize_field("email", &self.email)?;
        out.serialize_field("date", &keyhound_report::utc_date(self.time))?;
        out.end()
    }
}

/// A finding with where it is, for serde.
#[derive(Serialize)]
struct FindingRecord<'a> {
    path: String,
    #[serde(flatten)]
    finding: keyhound_core::Shown<'a>,
    blob: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    commit: Option<&'a CommitInfo>,
    /// Archive blobs only: the entry the finding is in.
    #[serde(skip_serializing_if = "Option::is_none")]
    entry: Option<&'a str>,
}

impl Serialize for GitFinding {
    /// The finding object of keyhound's JSON report, secrets redacted.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        FindingRecord {
            path: shown_path(&self.path),
            finding: self.finding.shown(false),
            blob: self.blob.to_string(),
            commit: self.commit.as_deref(),
            entry: self.entry.as_deref(),
        }
        .serialize(serializer)
    }
}

impl Serialize for NotScanned {
    /// `path`, `id` and `reason`, as the report's git stats list them.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut out = serializer.serialize_struct("NotScanned", 3)?;
        out.serialize_field("path", &shown_path(&self.path))?;
        out.serialize_field("id", &self.id.to_string())?;
        out.serialize_field("reason", &self.reason.to_string())?;
        out.end()
    }
}

/// An unreadable object, as the report's stats list them.
#[derive(Serialize)]
struct Unreadable {
    path: String,
    error: String,
}

impl Serialize for Outcome {
    /// `findings`, `suppressed` (each with `suppressed_by`: the marker and its line),
    /// `commits`, `blobs`, `bytes`, `symlinks`, `not_scanned`, `unreadable` (every
    /// problem, and the cancellation) and `cancelled`.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Suppressed<'a> {
            #[serde(flatten)]
            finding: &'a GitFinding,
            suppressed_by: SuppressedBy,
        }
        #[derive(Serialize)]
        struct SuppressedBy {
            marker: &'static str,
            line: usize,
        }
        let suppressed: Vec<Suppressed<'_>> = self
            .suppressed
            .iter()
            .map(|(finding, allowance)| Suppressed {
                finding,
                suppressed_by: SuppressedBy {
                    marker: allowance.marker,
                    line: allowance.line,
                },
            })
            .collect();
        let unreadable: Vec<Unreadable> = self
            .unreadable()
            .into_iter()
            .map(|(path, error)| Unreadable { path, error })
            .collect();
        let mut out = serializer.serialize_struct("Outcome", 9)?;
        out.serialize_field("findings", &self.findings)?;
        out.serialize_field("suppressed", &suppressed)?;
        out.serialize_field("commits", &self.commits)?;
        out.serialize_field("blobs", &self.blobs)?;
        out.serialize_field("bytes", &self.bytes)?;
        out.serialize_field("symlinks", &self.symlinks)?;
        out.serialize_field("not_scanned", &self.not_scanned)?;
        out.serialize_field("unreadable", &unreadable)?;
        out.serialize_field("cancelled", &self.cancelled)?;
        out.end()
    }
}
