//! `keyhound scan` and `keyhound baseline`: walk the paths, scan every file in parallel,
//! report, exit.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use keyhound_config::Config;
use keyhound_core::{Scanner, Scratch};
use keyhound_input::{record, scan_paths_with, scan_stream, Control, WalkOptions};
use keyhound_report::{human, Baseline, Report, ReportBuilder, Source};

use crate::args::{BaselineArgs, ScanArgs};
use crate::cmd::finish;
use crate::exit::ExitCode;
use crate::tell::tell_walk;

/// `keyhound baseline PATH`: scans PATH and writes `PATH/.keyhound-baseline.json`, with
/// paths relative to PATH (scan from PATH with `--baseline .keyhound-baseline.json .`).
pub fn baseline(args: &BaselineArgs) -> anyhow::Result<ExitCode> {
    if args.output.verification.verify {
        anyhow::bail!(
            "keyhound baseline records findings and verifies nothing: use `keyhound scan --verify`"
        );
    }
    let started = Instant::now();
    let output = &args.output;
    let config = Config::resolve(output.config.as_deref(), output.no_config, &args.path)?;
    let scanner = Scanner::new(config.rules.clone());
    let walk = WalkOptions {
        gitignore: args.gitignore,
        follow_symlinks: false,
        ..walk_options(
            output.threads(),
            config.file_size_limit(output.max_file_size),
        )
    };
    let mut report = collect(std::slice::from_ref(&args.path), &walk, &scanner);
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
        "keyhound: wrote {} with {} entries",
        path.display(),
        report.findings().count()
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
    let scanner = Scanner::new(config.rules.clone());
    let walk = WalkOptions {
        gitignore: args.gitignore,
        follow_symlinks: args.follow_symlinks,
        ..walk_options(
            output.threads(),
            config.file_size_limit(output.max_file_size),
        )
    };
    let mut report = collect(&paths, &walk, &scanner);
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
/// when stderr is a terminal.
fn collect(paths: &[PathBuf], walk: &WalkOptions, scanner: &Scanner) -> Report {
    let (stdin, files): (Vec<PathBuf>, Vec<PathBuf>) =
        paths.iter().cloned().partition(|p| p.as_os_str() == "-");
    let mut builder = ReportBuilder::new();
    if !stdin.is_empty() {
        let event = scan_stream(
            Source::Stdin,
            std::io::stdin().lock(),
            walk.max_file_size,
            scanner,
            &mut Scratch::new(),
            &mut Vec::new(),
        );
        tell_walk(&event);
        record(&mut builder, event);
    }
    let bar = crate::progress::Bar::on_terminal("files").map(Arc::new);
    let control = Control {
        progress: bar
            .clone()
            .map(|bar| bar as Arc<dyn keyhound_input::Progress>),
        ..Control::default()
    };
    scan_paths_with(
        &mut builder,
        &files,
        walk,
        scanner,
        &control,
        |event| match &bar {
            Some(bar) => bar.suspend(|| tell_walk(event)),
            None => tell_walk(event),
        },
    );
    builder.sort();
    builder.build()
}
