//! `keyhound scan`: walk the paths, scan every file in parallel, report, exit.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Instant;

use keyhound_core::{Scanner, Scratch, Severity};

use crate::args::{BaselineArgs, ScanArgs};
use crate::cmd::finish;
use crate::config::Config;
use crate::exit::ExitCode;
use crate::report::{display_path, FileFindings, Report};
use crate::walk::{self, Event, WalkOptions};

/// `keyhound baseline PATH`: scans PATH and writes `PATH/.keyhound-baseline.json`, with
/// paths relative to PATH (scan from PATH with `--baseline .keyhound-baseline.json .`).
pub fn baseline(args: &BaselineArgs) -> anyhow::Result<ExitCode> {
    if args.output.verification.verify {
        anyhow::bail!(
            "keyhound baseline records findings and verifies nothing: use `keyhound scan --verify`"
        );
    }
    let started = Instant::now();
    let config = Config::for_scan(&args.output, &args.path)?;
    let scanner = Scanner::new(config.rules.clone());
    let mut report = collect_scan(
        std::slice::from_ref(&args.path),
        args.gitignore,
        false,
        config.max_file_size(&args.output),
        args.output.threads(),
        &scanner,
    )?;
    config.apply(&mut report);
    for file in &mut report.files {
        if let Ok(relative) = file.path.strip_prefix(&args.path) {
            file.path = relative.to_path_buf();
        }
    }
    report.stats.elapsed = started.elapsed();
    report.forget_suppressed();
    let path = args.path.join(crate::baseline::FILE_NAME);
    crate::baseline::write(&path, &report)?;
    eprintln!(
        "keyhound: wrote {} with {} entries",
        path.display(),
        report.files.iter().map(|f| f.findings.len()).sum::<usize>()
    );
    eprintln!(
        "{}",
        crate::report::human::summary_line(&report.stats, &report)
    );
    Ok(if report.stats.unreadable.is_empty() {
        ExitCode::Clean
    } else {
        ExitCode::Incomplete
    })
}

/// Runs the scan and returns the exit code.
pub fn run(args: &ScanArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let config = Config::for_scan(&args.output, &scan_root(&paths))?;
    let scanner = Scanner::new(config.rules.clone());
    let mut report = collect_scan(
        &paths,
        args.gitignore,
        args.follow_symlinks,
        config.max_file_size(&args.output),
        args.output.threads(),
        &scanner,
    )?;
    report.stats.elapsed = started.elapsed();
    finish(report, &config, &args.output)
}

/// Where the configuration is looked for: the first directory scanned (or the directory
/// of the first file), else the current directory.
fn scan_root(paths: &[PathBuf]) -> PathBuf {
    match paths.iter().find(|p| p.as_os_str() != "-") {
        Some(path) if path.is_dir() => path.clone(),
        Some(path) => path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf),
        None => PathBuf::from("."),
    }
}

/// Walks and scans `paths` (`-` is standard input) into a report.
fn collect_scan(
    paths: &[PathBuf],
    gitignore: bool,
    follow_symlinks: bool,
    max_file_size: u64,
    threads: usize,
    scanner: &Scanner,
) -> anyhow::Result<Report> {
    let (sender, receiver) = mpsc::channel();
    let (stdin_inputs, file_inputs): (Vec<PathBuf>, Vec<PathBuf>) =
        paths.iter().cloned().partition(|p| p.as_os_str() == "-");
    let options = WalkOptions {
        gitignore,
        keyhoundignore: true,
        follow_symlinks,
        max_file_size,
        threads,
    };
    let collector = std::thread::spawn(move || collect(receiver));
    if !stdin_inputs.is_empty() {
        let event = walk::scan_stream(
            PathBuf::from("<stdin>"),
            std::io::stdin().lock(),
            max_file_size,
            scanner,
            &mut Scratch::new(),
            &mut Vec::new(),
        );
        sender.send(event).ok();
    }
    walk::walk(&file_inputs, &options, scanner, &sender);
    drop(sender);
    Ok(collector
        .join()
        .expect("the collector thread does not panic"))
}

/// Gathers events into a sorted report, naming every skipped or unreadable input on stderr
/// as it happens.
pub fn collect(events: mpsc::Receiver<Event>) -> Report {
    let mut report = Report::default();
    for event in events {
        let stats = &mut report.stats;
        match event {
            Event::Scanned {
                path,
                bytes,
                findings,
                suppressed,
            } => {
                stats.suppressed += suppressed.len() as u64;
                stats.files += 1;
                stats.bytes += bytes;
                stats.findings += findings.len() as u64;
                stats.examples += findings
                    .iter()
                    .filter(|f| f.severity == Severity::Info && f.example)
                    .count() as u64;
                if !findings.is_empty() || !suppressed.is_empty() {
                    report.files.push(FileFindings {
                        path,
                        findings,
                        suppressed,
                        git: None,
                    });
                }
            }
            Event::TooLarge { path, bytes } => {
                let shown = display_path(&path);
                eprintln!("keyhound: {shown}: skipped, {bytes} bytes is over --max-file-size");
                stats.too_large.push((shown, bytes));
            }
            Event::Unreadable { path, error } => {
                let shown = path.as_deref().map(display_path).unwrap_or_default();
                if shown.is_empty() {
                    eprintln!("keyhound: error: {error}");
                } else {
                    eprintln!("keyhound: {shown}: cannot read: {error}");
                }
                stats.unreadable.push((shown, error));
            }
            Event::Warning { message } => eprintln!("keyhound: warning: {message}"),
            Event::Counted {
                files,
                bytes,
                symlinks,
            } => {
                stats.files += files;
                stats.bytes += bytes;
                stats.symlinks_skipped += symlinks;
            }
            Event::SpecialSkipped { path } => {
                eprintln!(
                    "keyhound: {}: skipped, not a regular file",
                    display_path(&path)
                );
                stats.special_skipped += 1;
            }
        }
    }
    report.files.sort_by(|a, b| a.path.cmp(&b.path));
    report.stats.too_large.sort();
    report.stats.unreadable.sort();
    report
}
