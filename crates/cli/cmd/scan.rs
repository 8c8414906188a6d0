//! `keyhound scan` and `keyhound baseline`: walk the paths, scan every file in parallel,
//! report, exit.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use keyhound_config::Config;
use keyhound_core::{Scanner, Scratch};
use keyhound_input::{record, scan_stream_or_archive, walk_with, Control, Event, WalkOptions};
use keyhound_report::{human, plural_of, Baseline, Report, ReportBuilder, Source, SourceFindings};

use crate::args::{BaselineArgs, ScanArgs};
use crate::cmd::{finish, stream, streams};
use crate::exit::ExitCode;
use crate::tell::tell_walk;

/// `keyhound baseline PATH`: scans PATH and writes `PATH/.keyhound-baseline.json`, with
/// paths relative to PATH (scan from PATH with `--baseline .keyhound-baseline.json .`).
pub fn baseline(args: &BaselineArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let config = Config::resolve(args.config.as_deref(), args.no_config, &args.path)?;
    let scanner = config.scanner();
    let walk = WalkOptions {
        gitignore: args.gitignore,
        follow_symlinks: false,
        ..walk_options(
            args.threads.count(),
            config.file_size_limit(args.max_file_size),
        )
    };
    let mut report = collect(std::slice::from_ref(&args.path), &walk, &scanner, None);
    config.apply(&mut report);
    for group in &mut report.sources {
        if let Source::Path(path) = &group.source {
            if let Ok(relative) = path.strip_prefix(&args.path) {
                group.source = Source::Path(relative.to_path_buf());
            }
        }
    }
    report.stats.elapsed = started.elapsed();
    report.forget_suppressed();
    let path = args.path.join(keyhound_report::BASELINE_FILE);
    let baseline = Baseline::of(&report);
    baseline.write(&path)?;
    eprintln!(
        "keyhound: wrote {} with {}",
        path.display(),
        plural_of(report.findings().count() as u64, "entry", "entries")
    );
    eprintln!("{}", human::summary_line(&report.stats, &report));
    Ok(if report.is_incomplete() {
        ExitCode::Incomplete
    } else {
        ExitCode::Clean
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
    let output = &args.output;
    let config = Config::resolve(
        output.config.as_deref(),
        output.no_config,
        &scan_root(&paths),
    )?;
    let scanner = config.scanner();
    let walk = WalkOptions {
        gitignore: args.gitignore,
        follow_symlinks: args.follow_symlinks,
        archives: args.archives.limits(),
        ..walk_options(
            output.threads.count(),
            config.file_size_limit(output.max_file_size),
        )
    };
    if streams(output) {
        return stream(&config, output, |sink| {
            let mut report = collect(&paths, &walk, &scanner, Some(sink));
            report.stats.elapsed = started.elapsed();
            report
        });
    }
    let mut report = collect(&paths, &walk, &scanner, None);
    report.stats.elapsed = started.elapsed();
    finish(report, &config, output)
}

fn walk_options(threads: usize, max_file_size: u64) -> WalkOptions {
    WalkOptions {
        threads,
        max_file_size,
        ..WalkOptions::default()
    }
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

/// Walks and scans `paths` (`-` is standard input) into a sorted report, naming every
/// skipped or unreadable input on stderr as it happens, with a progress bar of the files
/// when stderr is a terminal. Standard input is read while the files are walked. With a
/// `sink`, every source with findings goes to it as it
/// is scanned, and the report only counts them.
fn collect(
    paths: &[PathBuf],
    walk: &WalkOptions,
    scanner: &Scanner,
    mut sink: Option<&mut dyn FnMut(SourceFindings)>,
) -> Report {
    let (stdin, files): (Vec<PathBuf>, Vec<PathBuf>) =
        paths.iter().cloned().partition(|p| p.as_os_str() == "-");
    let mut builder = ReportBuilder::new();
    let bar = crate::progress::Bar::on_terminal("files").map(Arc::new);
    let control = Control {
        progress: bar
            .clone()
            .map(|bar| bar as Arc<dyn keyhound_input::Progress>),
        ..Control::default()
    };
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::scope(|scope| {
        let files = &files;
        let control = &control;
        // Standard input is read on its own thread while the files are walked: a pipe
        // that is slow to close holds up nothing else.
        if !stdin.is_empty() {
            let sender = sender.clone();
            scope.spawn(move || {
                // An archive piped in (`tar c . | keyhound scan -`) is opened too.
                let event = scan_stream_or_archive(
                    Source::Stdin,
                    std::io::stdin().lock(),
                    walk.max_file_size,
                    walk.archives,
                    scanner,
                    &mut Scratch::new(),
                    &mut Vec::new(),
                    &control.cancel,
                    // The receiver outlives this thread.
                    &mut |event| {
                        let _ = sender.send(event);
                    },
                );
                let _ = sender.send(event);
            });
        }
        let walker = scope.spawn(move || walk_with(files, walk, scanner, control, &sender));
        for event in receiver {
            match &bar {
                Some(bar) => bar.suspend(|| tell_walk(&event)),
                None => tell_walk(&event),
            }
            deliver(&mut builder, event, &mut sink);
        }
        walker
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    });
    builder.sort();
    builder.build()
}

/// Counts `event` in `builder`; a source with findings goes to `sink` when there is one
/// (counted as a file, its findings left for the sink to count).
fn deliver(
    builder: &mut ReportBuilder,
    event: Event,
    sink: &mut Option<&mut dyn FnMut(SourceFindings)>,
) {
    match (event, sink) {
        (
            Event::Scanned {
                source,
                bytes,
                findings,
                suppressed,
                stopped: None,
                ..
            },
            Some(sink),
        ) => {
            builder.counted(1, bytes, 0);
            builder.stats_mut().suppressed += suppressed.len() as u64;
            sink(SourceFindings {
                source,
                findings,
                suppressed,
            });
        }
        (event, _) => record(builder, event),
    }
}
