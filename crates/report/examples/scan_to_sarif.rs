//! Walks a directory, scans every file with keyhound-core and writes SARIF 2.1.0 on
//! standard output through keyhound-report: the same results and rule ids as
//! `keyhound scan --format sarif DIR` (with no `.keyhound.toml` in DIR).
//!
//! ```sh
//! cargo run -p keyhound-report --example scan_to_sarif -- fixtures/scan > scan.sarif
//! ```
//!
//! The walk here is plain `std::fs`, files in sorted order, `.git` left out; keyhound's
//! own parallel walk (which also honours `.keyhoundignore` and streams huge files) is
//! keyhound-input's `scan_paths`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use keyhound_core::{InlineAllowances, Scanner};
use keyhound_report::{write, Format, ReportBuilder, Source, WriteOptions};

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: scan_to_sarif DIR");
        return ExitCode::from(2);
    };
    let scanner = Scanner::default();
    let mut builder = ReportBuilder::new();
    let mut files = Vec::new();
    if let Err(err) = list_files(&dir, &mut files) {
        eprintln!("scan_to_sarif: {}: {err}", dir.display());
        return ExitCode::from(2);
    }
    for path in files {
        match std::fs::read(&path) {
            Ok(bytes) => {
                let (mut findings, mut suppressed) = (Vec::new(), Vec::new());
                let mut allowances = InlineAllowances::new(&bytes);
                for finding in scanner.scan(&bytes) {
                    match allowances.of(&finding) {
                        Some(allowance) => suppressed.push((finding, allowance)),
                        None => findings.push(finding),
                    }
                }
                builder.scanned(Source::Path(path), bytes.len() as u64, findings, suppressed);
            }
            Err(err) => builder.unreadable(path.display().to_string(), err.to_string()),
        }
    }
    builder.sort();
    let mut report = builder.build();
    report.forget_suppressed();
    let mut out = std::io::stdout().lock();
    let options = WriteOptions::default();
    if let Err(err) = write(&mut out, &report, scanner.rules(), Format::Sarif, options) {
        eprintln!("scan_to_sarif: writing: {err}");
        return ExitCode::from(2);
    }
    ExitCode::SUCCESS
}

/// Every regular file under `dir`, recursively, `.git` directories left out.
fn list_files(dir: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|entry| entry.file_name());
    for entry in entries {
        let kind = entry.file_type()?;
        if kind.is_dir() && entry.file_name() != ".git" {
            list_files(&entry.path(), files)?;
        } else if kind.is_file() {
            files.push(entry.path());
        }
    }
    Ok(())
}
