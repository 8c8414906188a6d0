//! Runs the CIS AWS 1.18 host audit on a file system mounted at a directory (an image,
//! a container's root file system, a snapshot's volume) and prints the report, as
//! `keyhound audit --root DIR` does.
//!
//! ```sh
//! cargo run -p keyhound-audit --example audit_root -- /mnt/image [--json]
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use keyhound_audit::{audit, render, AuditOptions, Notice, Verdict};
use keyhound_core::Scanner;

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let Some(root) = args.next().map(PathBuf::from) else {
        eprintln!("usage: audit_root DIR [--json]");
        return ExitCode::from(2);
    };
    let json = args.next().is_some_and(|flag| flag == "--json");
    let options = AuditOptions {
        root,
        ..AuditOptions::default()
    };
    let result = audit(&options, &Scanner::default(), |notice| {
        if let Notice::PlaceUnreadable { path, error } = notice {
            eprintln!("audit_root: {path}: cannot read: {error}");
        }
    });
    let mut audit = match result {
        Ok(audit) => audit,
        Err(err) => {
            eprintln!("audit_root: {err}");
            return ExitCode::from(2);
        }
    };
    audit.report.forget_suppressed();
    let mut out = std::io::stdout().lock();
    let written = if json {
        render::write_json(&mut out, &audit, false)
    } else {
        render::write_human(&mut out, &audit, Default::default(), false)
    };
    if let Err(err) = written {
        eprintln!("audit_root: writing: {err}");
        return ExitCode::from(2);
    }
    match audit.result() {
        Verdict::Pass => ExitCode::SUCCESS,
        Verdict::Fail => ExitCode::from(1),
        Verdict::Incomplete => ExitCode::from(3),
    }
}
