//! Scans every blob of a repository's history and prints keyhound's JSON report (the
//! document `keyhound git history --format json` writes).
//!
//! ```sh
//! cargo run -p keyhound-git --example history_json -- path/to/repo
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use keyhound_core::Scanner;
use keyhound_git::{history, open, ScanOptions};

fn main() -> ExitCode {
    let repo = std::env::args_os()
        .nth(1)
        .map_or_else(|| PathBuf::from("."), PathBuf::from);
    let repo = match open(&repo) {
        Ok(repo) => repo,
        Err(err) => {
            eprintln!("history_json: {err}");
            return ExitCode::from(2);
        }
    };
    // Blobs up to 64 MiB, one thread per CPU.
    let outcome = history(&repo, &Scanner::default(), &ScanOptions::default(), false);
    let mut report = outcome.into_report();
    report.forget_suppressed();
    let mut out = std::io::stdout().lock();
    if let Err(err) = keyhound_report::json::write_json(&mut out, &report, false) {
        eprintln!("history_json: writing: {err}");
        return ExitCode::from(2);
    }
    // 3 when something could not be read, 1 for findings, as keyhound exits.
    if report.is_incomplete() {
        ExitCode::from(3)
    } else if report.failing_findings(false) > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
