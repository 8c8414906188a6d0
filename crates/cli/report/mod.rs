//! Reporters: the human report, JSON and JSON Lines. They all read the same [`Report`] and
//! all redact secrets unless `--show-secrets` was given.

pub mod human;
pub mod json;

use std::path::{Path, PathBuf};
use std::time::Duration;

use keyhound_core::{Finding, Severity};

/// Everything a scan produced, in a deterministic order (paths sorted, findings in file
/// order).
#[derive(Default)]
pub struct Report {
    /// Files with findings, sorted by path.
    pub files: Vec<FileFindings>,
    /// Counters and the names of inputs that were skipped or unreadable.
    pub stats: Stats,
}

/// The findings of one file.
pub struct FileFindings {
    pub path: PathBuf,
    pub findings: Vec<Finding>,
}

/// Counters of a scan.
#[derive(Default)]
pub struct Stats {
    pub files: u64,
    pub bytes: u64,
    pub findings: u64,
    /// Findings that are AWS documentation examples.
    pub examples: u64,
    /// Inputs that could not be read, with why.
    pub unreadable: Vec<(String, String)>,
    /// Files over the size limit, with their size.
    pub too_large: Vec<(String, u64)>,
    /// Symbolic links not followed.
    pub symlinks_skipped: u64,
    /// FIFOs, sockets and devices not read.
    pub special_skipped: u64,
    pub elapsed: Duration,
}

impl Report {
    /// Findings that fail the scan: all but examples, unless examples count too.
    pub fn failing_findings(&self, fail_on_examples: bool) -> usize {
        self.files
            .iter()
            .flat_map(|file| &file.findings)
            .filter(|f| fail_on_examples || f.severity > Severity::Info)
            .count()
    }
}

/// A path for display: invalid UTF-8 bytes become `\xNN`, control characters are escaped
/// (a file name cannot inject terminal escapes or CI annotations), `./` is dropped.
pub fn display_path(path: &Path) -> String {
    let path = path
        .strip_prefix(".")
        .ok()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(path);
    #[cfg(unix)]
    let bytes = std::os::unix::ffi::OsStrExt::as_bytes(path.as_os_str()).to_vec();
    #[cfg(not(unix))]
    let bytes = path.to_string_lossy().into_owned().into_bytes();
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c.is_control() {
                out.extend(c.escape_default());
            } else {
                out.push(c);
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

/// A secret for display: in full only when asked.
pub fn shown(secret: &keyhound_core::Secret, show_secrets: bool) -> String {
    if show_secrets {
        secret.expose().to_string()
    } else {
        secret.redacted()
    }
}

#[cfg(test)]
mod tests {
    use super::display_path;
    use std::path::Path;

    #[test]
    fn paths_are_escaped() {
        assert_eq!(display_path(Path::new("./a/b.txt")), "a/b.txt");
        assert_eq!(
            display_path(Path::new("a\x1b]8;;x\r.txt")),
            "a\\u{1b}]8;;x\\r.txt"
        );
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            let odd = std::ffi::OsStr::from_bytes(b"caf\xe9.env");
            assert_eq!(display_path(Path::new(odd)), "caf\\xe9.env");
        }
    }
}
