//! systemd units: where they are, and the files their `EnvironmentFile=` lines load into
//! a service's environment. Such a file can be anywhere (`/etc/myapp/secrets.env`), so
//! each one becomes a place of its own. Keys in `Environment=` lines are in the unit
//! file itself, which the walk scans.

use std::path::{Path, PathBuf};

use crate::rootfs::{Resolved, Root};
use crate::{Category, Place};

/// Directories holding system and user units, drop-ins and systemd's own configuration
/// (`DefaultEnvironment=` in `system.conf`).
pub const UNIT_DIRS: &[&str] = &[
    "/etc/systemd",
    "/run/systemd/system",
    "/lib/systemd/system",
    "/lib/systemd/user",
    "/usr/lib/systemd/system",
    "/usr/lib/systemd/user",
    "/usr/local/lib/systemd/system",
];

/// How deep unit directories are read (`system/app.service.d/override.conf` is 2).
const MAX_DEPTH: usize = 4;

/// One `EnvironmentFile=` line.
#[derive(Debug, PartialEq, Eq)]
pub struct EnvironmentFile {
    /// 1-based line in the unit.
    pub line: usize,
    /// The path as written, without quotes and without the `-` prefix.
    pub path: String,
    /// `-` prefix: the unit starts without it.
    pub optional: bool,
}

/// The `EnvironmentFile=` lines of a unit file. An empty value (which resets the list)
/// is skipped; comments (`#`, `;`) and continuation lines are understood.
pub fn environment_files(unit: &[u8]) -> Vec<EnvironmentFile> {
    let text = String::from_utf8_lossy(unit);
    let mut found = Vec::new();
    let mut continued = false;
    for (index, line) in text.lines().enumerate() {
        let was_continued = continued;
        continued = line.ends_with('\\');
        let line = line.trim();
        if was_continued || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        if key.trim() != "EnvironmentFile" {
            continue;
        }
        let mut value = value.trim().trim_end_matches('\\').trim();
        if let Some(inner) = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
        {
            value = inner;
        }
        let (optional, path) = match value.strip_prefix('-') {
            Some(rest) => (true, rest.trim_start()),
            None => (false, value),
        };
        if !path.is_empty() {
            found.push(EnvironmentFile {
                line: index + 1,
                path: path.to_string(),
                optional,
            });
        }
    }
    found
}

/// Every regular file in the unit directories (and in `extra` directories: users'
/// `~/.config/systemd/user`), as `(inside path, real path)`. Links are not followed
/// (`*.wants/` holds links to units listed elsewhere). A directory or file that cannot be
/// read here is read again, and named, by the walk that scans these directories.
pub fn unit_files(root: &Root, extra: &[PathBuf]) -> Vec<(PathBuf, PathBuf)> {
    let mut files = Vec::new();
    let dirs = UNIT_DIRS
        .iter()
        .map(PathBuf::from)
        .chain(extra.iter().cloned());
    let mut seen = std::collections::HashSet::new();
    for dir in dirs {
        if let Ok(Resolved::Found { real, inside, .. }) = root.resolve(&dir) {
            if seen.insert(real.clone()) {
                list(&real, &inside, 0, &mut files);
            }
        }
    }
    files
}

fn list(real: &Path, inside: &Path, depth: usize, files: &mut Vec<(PathBuf, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(real) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let (real, inside) = (entry.path(), inside.join(entry.file_name()));
        if kind.is_file() {
            files.push((inside, real));
        } else if kind.is_dir() && depth < MAX_DEPTH {
            list(&real, &inside, depth + 1, files);
        }
    }
}

/// The places every unit's `EnvironmentFile=` lines name, and notes on those that cannot
/// be followed (relative paths, specifiers such as `%h`, wildcards outside the file name).
/// A wildcard in the file name is matched against the directory's entries.
pub fn environment_file_places(
    root: &Root,
    units: &[(PathBuf, PathBuf)],
    max: u64,
) -> (Vec<Place>, Vec<String>) {
    use std::io::Read;
    let (mut places, mut notes) = (Vec::new(), Vec::new());
    for (inside, real) in units {
        let mut text = Vec::new();
        let read = std::fs::File::open(real).and_then(|f| f.take(max).read_to_end(&mut text));
        if read.is_err() {
            // The walk reads this file too, and names it as unreadable.
            continue;
        }
        for file in environment_files(&text) {
            let origin = format!(
                "EnvironmentFile= of {}, line {}",
                keyhound_report::display_path(inside),
                file.line
            );
            let shown = keyhound_report::escape(&file.path);
            if file.path.contains('%') {
                notes.push(format!(
                    "{shown} ({origin}): has a systemd specifier, not followed"
                ));
                continue;
            }
            let path = PathBuf::from(&file.path);
            if !path.is_absolute() {
                notes.push(format!(
                    "{shown} ({origin}): not an absolute path, systemd ignores it"
                ));
                continue;
            }
            let place = |path: PathBuf| Place {
                path,
                category: Category::SystemdEnvironmentFile,
                origin: Some(origin.clone()),
                optional: file.optional,
            };
            match expand_wildcard(root, &path) {
                Ok(None) => places.push(place(path)),
                Ok(Some(matches)) => places.extend(matches.into_iter().map(place)),
                Err(why) => notes.push(format!("{shown} ({origin}): {why}")),
            }
        }
    }
    (places, notes)
}

/// `Ok(None)` for a plain path; the matching files for a wildcard in the last component.
fn expand_wildcard(root: &Root, path: &Path) -> Result<Option<Vec<PathBuf>>, String> {
    let is_glob = |s: &str| s.contains(['*', '?', '[']);
    let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else {
        return Ok(None);
    };
    let name = name.to_string_lossy();
    if !is_glob(&name) {
        return Ok(None);
    }
    if is_glob(&parent.to_string_lossy()) {
        return Err("a wildcard before the file name, not followed".into());
    }
    let matcher = globset::Glob::new(&name)
        .map_err(|err| format!("not a valid wildcard: {err}"))?
        .compile_matcher();
    let Ok(Resolved::Found { real, inside, .. }) = root.resolve(parent) else {
        return Ok(Some(Vec::new()));
    };
    let entries = std::fs::read_dir(&real).map_err(|err| format!("cannot list: {err}"))?;
    let mut matches: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| matcher.is_match(e.file_name()))
        .map(|e| inside.join(e.file_name()))
        .collect();
    matches.sort();
    Ok(Some(matches))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_file_lines() {
        let unit = b"[Unit]\nDescription=x\n[Service]\n\
            # EnvironmentFile=/commented\n\
            EnvironmentFile=/etc/myapp/secrets.env\n\
            EnvironmentFile = -/etc/default/myapp\n\
            EnvironmentFile=\"/opt/app/env file\"\n\
            EnvironmentFile=\n\
            ExecStart=/bin/run \\\n  EnvironmentFile=/not/a/setting\n";
        let files = environment_files(unit);
        let shown: Vec<(usize, &str, bool)> = files
            .iter()
            .map(|f| (f.line, f.path.as_str(), f.optional))
            .collect();
        assert_eq!(
            shown,
            [
                (5, "/etc/myapp/secrets.env", false),
                (6, "/etc/default/myapp", true),
                (7, "/opt/app/env file", false)
            ]
        );
    }
}
