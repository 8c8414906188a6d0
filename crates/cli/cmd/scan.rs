//! `keyhound scan` and `keyhound baseline`: walk the paths, scan every file in parallel,
//! report, exit.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use keyhound_config::{scan_root, Config};
use keyhound_core::Scanner;
use keyhound_input::{scan_inputs, Control, Event, WalkOptions};
use keyhound_report::{human, plural_of, Baseline, Report, ReportBuilder, SourceFindings};

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
    report.strip_path_prefix(&args.path);
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
    Ok(ExitCode::of(report.is_incomplete(), false))
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
    let root = scan_root(&paths);
    let config = Config::resolve(output.config.as_deref(), output.no_config, &root)?;
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

/// Walks and scans `paths` (`-` is standard input) into a sorted report, naming every
/// skipped or unreadable input on stderr as it happens, with a progress bar of the files
/// when stderr is a terminal. With a `sink`, every source with findings goes to it as it
/// is scanned, and the report only counts them.
fn collect(
    paths: &[PathBuf],
    walk: &WalkOptions,
    scanner: &Scanner,
    sink: Option<&mut dyn FnMut(SourceFindings)>,
) -> Report {
    let mut builder = ReportBuilder::new();
    let bar = crate::progress::Bar::on_terminal("files").map(Arc::new);
    let control = Control {
        progress: bar
            .clone()
            .map(|bar| bar as Arc<dyn keyhound_input::Progress>),
        ..Control::default()
    };
    let tell = |event: &Event| match &bar {
        Some(bar) => bar.suspend(|| tell_walk(event)),
        None => tell_walk(event),
    };
    scan_inputs(&mut builder, paths, walk, scanner, &control, tell, sink);
    builder.sort();
    builder.build()
}
