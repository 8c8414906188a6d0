//! `keyhound scan`: walk the paths, scan every file in parallel, report, exit.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Instant;

use keyhound_core::{RuleSet, Scanner, Scratch, Severity};

use crate::args::{ColorChoice, Format, ScanArgs};
use crate::exit::ExitCode;
use crate::report::{self, display_path, FileFindings, Report};
use crate::walk::{self, Event, WalkOptions};

/// Runs the scan and returns the exit code.
pub fn run(args: &ScanArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let scanner = Scanner::new(RuleSet::builtin());
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);

    let (sender, receiver) = mpsc::channel();
    let (stdin_inputs, file_inputs): (Vec<PathBuf>, Vec<PathBuf>) =
        paths.into_iter().partition(|p| p.as_os_str() == "-");
    let options = WalkOptions {
        gitignore: args.gitignore,
        follow_symlinks: args.follow_symlinks,
        max_file_size: args.max_file_size,
        threads,
    };
    let collector = std::thread::spawn(move || collect(receiver));
    if !stdin_inputs.is_empty() {
        let event = match walk::read_stdin(args.max_file_size) {
            Err(err) => Event::Unreadable {
                path: Some(PathBuf::from("<stdin>")),
                error: err.to_string(),
            },
            Ok(Ok(bytes)) => walk::scan_bytes(
                PathBuf::from("<stdin>"),
                &bytes,
                &scanner,
                &mut Scratch::new(),
            ),
            Ok(Err(bytes)) => Event::TooLarge {
                path: PathBuf::from("<stdin>"),
                bytes,
            },
        };
        sender.send(event).ok();
    }
    walk::walk(&file_inputs, &options, &scanner, &sender);
    drop(sender);
    let mut report = collector
        .join()
        .expect("the collector thread does not panic");
    report.stats.elapsed = started.elapsed();

    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match args.format {
        Format::Human => {
            let style = report::human::Style {
                color: use_color(args.color),
            };
            report::human::write(&mut out, &report, scanner.rules(), style, args.show_secrets)?;
        }
        Format::Json => report::json::write_json(&mut out, &report, args.show_secrets)?,
        Format::Jsonl => report::json::write_jsonl(&mut out, &report, args.show_secrets)?,
    }
    out.flush()?;
    eprintln!("{}", report::human::summary_line(&report.stats, &report));

    Ok(if !report.stats.unreadable.is_empty() {
        ExitCode::Incomplete
    } else if report.failing_findings(args.fail_on_examples) > 0 {
        ExitCode::Findings
    } else {
        ExitCode::Clean
    })
}

/// Gathers events into a sorted report, naming every skipped or unreadable input on stderr
/// as it happens.
fn collect(events: mpsc::Receiver<Event>) -> Report {
    let mut report = Report::default();
    for event in events {
        let stats = &mut report.stats;
        match event {
            Event::Scanned {
                path,
                bytes,
                findings,
            } => {
                stats.files += 1;
                stats.bytes += bytes;
                stats.findings += findings.len() as u64;
                stats.examples += findings
                    .iter()
                    .filter(|f| f.severity == Severity::Info && f.example)
                    .count() as u64;
                if !findings.is_empty() {
                    report.files.push(FileFindings { path, findings });
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

fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}
