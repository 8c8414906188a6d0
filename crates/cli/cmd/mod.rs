//! One module per sub-command, and what they share: filtering, verifying and writing the
//! report, and choosing the exit code.

#[cfg(feature = "audit")]
pub mod audit;
pub mod aws;
pub mod env;
pub mod git;
pub mod install_hook;
pub mod rules;
pub mod scan;

use std::io::Write;

use anyhow::Context;
use keyhound_config::{Config, SourceFilter};
use keyhound_core::{Finding, RuleSet, Verifications};
use keyhound_report::{
    display_path, human, Baseline, Report, Source, SourceFindings, StreamWriter, WriteOptions,
};

use crate::args::{OutputArgs, VerifyArgs};
use crate::exit::ExitCode;

/// Applies the configuration's allowlists and example policy, inline suppressions and
/// the baseline to a finished report, verifies what is left with `--verify`, then writes
/// it (see [`emit`]).
pub fn finish(
    mut report: Report,
    config: &Config,
    output: &OutputArgs,
) -> anyhow::Result<ExitCode> {
    forget_own_report(&mut report, output);
    config.apply(&mut report);
    report.stats.examples_fail = config.fail_on_examples(output.fail_on_examples);
    if !output.show_suppressed {
        report.forget_suppressed();
    }
    if let Some(path) = &output.write_baseline {
        Baseline::of(&report).write(path)?;
    }
    if let Some(path) = &output.baseline {
        Baseline::load(path)?.apply(&mut report);
    }
    tell_stale(&report);
    // Only what will be reported is verified: not what was allowlisted or baselined.
    report.verification = verify(report.findings().map(|(_, f)| f), &output.verification);
    emit(&report, output, &config.rules)
}

/// Whether the report can be written as the scan goes ([`stream`]): the human and JSON
/// Lines formats, unless something needs every finding first (`--verify` verifies them
/// together, `--write-baseline` writes them all).
pub fn streams(output: &OutputArgs) -> bool {
    matches!(
        output.format.into(),
        keyhound_report::Format::Human | keyhound_report::Format::Jsonl
    ) && !output.verification.verify
        && output.write_baseline.is_none()
        && output.ci_log.is_none()
}

/// [`finish`] and [`emit`] one source at a time: `scan` runs the scan, handing every
/// source with findings to the sink it is given, and returns the report of the rest
/// (counts, unreadable inputs). Each source is filtered as [`finish`] filters a report
/// (its own report file, the configuration, inline suppressions, the baseline) and
/// written at once; the summary and the exit code come at the end, as [`emit`]'s.
///
/// Sources are written in the order the scan finds them: with several threads, the
/// order the files are finished in; each file's findings in the order of its text.
pub fn stream(
    config: &Config,
    output: &OutputArgs,
    scan: impl FnOnce(&mut dyn FnMut(SourceFindings)) -> Report,
) -> anyhow::Result<ExitCode> {
    // A baseline that does not load stops the run before anything is scanned.
    let baseline = output.baseline.as_deref().map(Baseline::load).transpose()?;
    let mut filter = SourceFilter::new(config, output.show_suppressed, baseline.as_ref());
    let own_report = own_report(output);
    let (mut out, to_file) = open_output(output.report_path.as_deref())?;
    let options = write_options(output, to_file);
    let mut writer = StreamWriter::new(&mut out, &config.rules, output.format.into(), options)
        .context("this format is written whole")?;
    let mut failed: Option<std::io::Error> = None;
    // Suppressed findings of the report being written, which is left out whole.
    let mut own_suppressed = 0;
    let mut sink = |group: SourceFindings| {
        if failed.is_some() {
            return;
        }
        if is_own_report(&group, own_report.as_deref()) {
            own_suppressed += group.suppressed.len() as u64;
            return;
        }
        if let Some(group) = filter.source(group) {
            failed = writer.source(group).err();
        }
    };
    let mut report = scan(&mut sink);
    if let Some(err) = failed {
        return Err(err.into());
    }
    report.stats.suppressed = report.stats.suppressed.saturating_sub(own_suppressed);
    filter.finish(&mut report);
    report.stats.examples_fail = config.fail_on_examples(output.fail_on_examples);
    tell_stale(&report);
    let streamed = writer.finish(&report)?;
    drop(out);
    report.stats.findings = streamed.findings();
    report.stats.examples = streamed.examples();
    eprintln!("{}", streamed.summary_line(&report.stats));
    let examples_fail = output.fail_on_examples || report.stats.examples_fail;
    let failing = streamed.failing(examples_fail) > 0;
    Ok(ExitCode::of(report.is_incomplete(), failing))
}

/// Names the baseline entries that matched nothing, on stderr.
fn tell_stale(report: &Report) {
    for entry in &report.stats.baseline_stale {
        eprintln!(
            "keyhound: baseline entry no longer found (prune it): {} {} {}",
            entry.path,
            entry.rule,
            entry.short_fingerprint()
        );
    }
}

/// `--verify`: asks STS about every credential among `findings`, saying so on stderr;
/// `None` without `--verify`.
#[cfg(feature = "verify")]
pub fn verify<'a>(
    findings: impl IntoIterator<Item = &'a Finding>,
    args: &VerifyArgs,
) -> Option<Verifications> {
    let options = args.options()?;
    Some(keyhound_verify::verify(
        findings,
        &options,
        crate::tell::tell_verify,
    ))
}

/// `--verify` in a build without the `verify` feature: `main` refused it before the scan
/// (`features::lacking`), so there is nothing to verify.
#[cfg(not(feature = "verify"))]
pub fn verify<'a>(
    _findings: impl IntoIterator<Item = &'a Finding>,
    args: &VerifyArgs,
) -> Option<Verifications> {
    debug_assert!(!args.verify, "main refuses --verify without the feature");
    None
}

/// Writes `report` in the chosen format to stdout (or to `--report-path`), the summary
/// line to stderr, and returns the exit code: 3 when anything could not be read, else 1
/// for findings.
pub fn emit(report: &Report, output: &OutputArgs, rules: &RuleSet) -> anyhow::Result<ExitCode> {
    let (mut out, to_file) = open_output(output.report_path.as_deref())?;
    let options = write_options(output, to_file);
    let written = keyhound_report::write(&mut out, report, rules, output.format.into(), options)?;
    if written.dropped > 0 {
        eprintln!(
            "keyhound: warning: SARIF output capped at {} results, highest severity \
             first: {} of {} findings left out (counted in run.properties); \
             --format json lists them all",
            keyhound_report::sarif::MAX_RESULTS,
            written.dropped,
            written.total
        );
    }
    out.flush()?;
    drop(out);
    if let Some(log) = output.ci_log {
        crate::cilog::write(report, rules, log, to_file)?;
    }
    eprintln!("{}", human::summary_line(&report.stats, report));
    let failing = report.failing_findings(output.fail_on_examples) > 0;
    Ok(ExitCode::of(report.is_incomplete(), failing))
}

/// How to write: secrets shown when asked; colour as `--color` says for `to_file`.
fn write_options(output: &OutputArgs, to_file: bool) -> WriteOptions {
    WriteOptions {
        show_secrets: output.show_secrets,
        color: output.color.enabled(to_file),
    }
}

/// Standard output, or the file at `path` (then `true`).
pub fn open_output(path: Option<&std::path::Path>) -> anyhow::Result<(Box<dyn Write>, bool)> {
    Ok(match path {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot write the report to {}", display_path(path)))?;
            (Box::new(std::io::BufWriter::new(file)), true)
        }
        None => (
            Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
            false,
        ),
    })
}

/// A previous report at `--report-path` inside the scanned tree is not reported again:
/// it names the key ids it found, which would come back as new findings at every run.
/// (It holds no secret: every format redacts them.) Git findings are blobs, never it.
fn forget_own_report(report: &mut Report, output: &OutputArgs) {
    let Some(target) = own_report(output) else {
        return;
    };
    report.retain_sources(|group| !is_own_report(group, Some(&target)));
}

/// The report file being written, canonicalised, when it already exists.
fn own_report(output: &OutputArgs) -> Option<std::path::PathBuf> {
    output
        .report_path
        .as_deref()
        .and_then(|path| std::fs::canonicalize(path).ok())
}

/// Whether `group` is the report being written (`target`), said on stderr when it is.
fn is_own_report(group: &SourceFindings, target: Option<&std::path::Path>) -> bool {
    let Some(target) = target else {
        return false;
    };
    let own = matches!(&group.source, Source::Path(path)
        if std::fs::canonicalize(path).is_ok_and(|path| path == target));
    if own {
        eprintln!(
            "keyhound: {}: not reported: it is the report being written (--report-path)",
            group.source.display()
        );
    }
    own
}
