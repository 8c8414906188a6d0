//! Text as every report writes it: paths and repository text escaped, dates in UTC, the
//! sentences that say where a finding's text came from. (Secrets are shown by
//! keyhound-core's `Secret::shown` and `Part::shown_value`.)

use std::borrow::Cow;
use std::path::Path;

use keyhound_core::{Finding, Kind};

/// A path for display: invalid UTF-8 bytes become `\xNN`, control characters are escaped
/// (a file name cannot inject terminal escapes or CI annotations), `./` is dropped.
pub fn display_path(path: &Path) -> String {
    escape_bytes(&path_bytes(path).1)
}

/// A reported path without its leading `./`, and its bytes (on Windows, with `/`
/// separators).
pub fn path_bytes(path: &Path) -> (&Path, Vec<u8>) {
    let path = path
        .strip_prefix(".")
        .ok()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(path);
    #[cfg(unix)]
    let bytes = std::os::unix::ffi::OsStrExt::as_bytes(path.as_os_str()).to_vec();
    #[cfg(not(unix))]
    let bytes = path.to_string_lossy().replace('\\', "/").into_bytes();
    (path, bytes)
}

/// A git path (bytes, as git stores it) as a [`Path`]: its bytes on Unix, lossily decoded
/// elsewhere. [`display_path`] shows it.
pub fn path_of_bytes(bytes: &[u8]) -> Cow<'_, Path> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        Cow::Borrowed(Path::new(std::ffi::OsStr::from_bytes(bytes)))
    }
    #[cfg(not(unix))]
    {
        Cow::Owned(std::path::PathBuf::from(
            String::from_utf8_lossy(bytes).into_owned(),
        ))
    }
}

/// Text from a repository (an author name) for display: control characters escaped.
pub fn escape(text: &str) -> String {
    escape_bytes(text.as_bytes())
}

pub(crate) fn escape_bytes(bytes: &[u8]) -> String {
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

/// Seconds since the Unix epoch as `YYYY-MM-DDTHH:MM:SSZ` (UTC).
pub fn utc_date(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let rest = seconds.rem_euclid(86_400);
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// What a part is, in words (`key id`, `secret`, `session token`).
pub fn part_label(kind: Kind) -> &'static str {
    match kind {
        Kind::AccessKeyId => "key id",
        Kind::SecretAccessKey => "secret",
        _ => "session token",
    }
}

/// The sentences saying what a finding's key is and where its text came from: a canary,
/// a binary, an encoding, a commit (`commit` as the report wants it written).
pub fn provenance(finding: &Finding, commit: Option<&str>) -> String {
    let mut text = String::new();
    if let Some(service) = finding.canary() {
        text.push_str(&format!(
            " This is a canary token of {service}: planted to catch whoever uses it, so \
             keyhound never verifies it."
        ));
    }
    if finding.binary {
        text.push_str(" Found in a binary file.");
    }
    if finding.encoding != "utf-8" {
        text.push_str(&format!(" Decoded from {}.", finding.encoding));
    }
    if let Some(commit) = commit {
        text.push_str(&format!(" Added in commit {commit}."));
    }
    text
}

/// A count and its noun in the right number: `1 process`, `2 processes`.
pub fn plural_of(count: u64, one: &str, many: &str) -> String {
    if count == 1 {
        format!("1 {one}")
    } else {
        format!("{count} {many}")
    }
}

/// Text for a Markdown table cell: pipes, backticks and line breaks cannot break out of it.
pub fn markdown_cell(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('`', "\\`")
        .replace(['\n', '\r'], " ")
}

/// What makes two findings the same key, to count and list keys rather than places: the
/// access key id when the finding has one (a key id alone and the same id paired with its
/// secret are one key), else the fingerprint of the value (a secret or token alone).
pub fn key_of(finding: &keyhound_core::Finding) -> String {
    match finding.key_id() {
        Some(id) => id.to_string(),
        None => finding.fingerprint.to_hex(),
    }
}

#[cfg(test)]
mod tests {
    use super::{display_path, markdown_cell};
    use std::path::Path;

    #[test]
    fn dates_are_utc() {
        assert_eq!(super::utc_date(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::utc_date(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(super::utc_date(951_782_400), "2000-02-29T00:00:00Z");
    }

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

    #[test]
    fn markdown_cells_cannot_break_out() {
        assert_eq!(markdown_cell("a|b`c\nd\\"), "a\\|b\\`c d\\\\");
    }
}
