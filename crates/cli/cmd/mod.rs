//! One module per sub-command, and what they share: filtering, verifying and writing the
//! report, and choosing the exit code.

pub mod audit;
pub mod env;
pub mod git;
pub mod install_hook;
pub mod rules;
pub mod scan;

use std::io::{IsTerminal, Write};

use anyhow::Context;
use keyhound_config::Config;
use keyhound_core::{Finding, RuleSet, Verifications};
use keyhound_report::{display_path, human, Baseline, Report, Source, WriteOptions};

use crate::args::{ColorChoice, OutputArgs};
use crate::exit::ExitCode;
use crate::tell::tell_verify;

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
        for entry in &report.stats.baseline_stale {
            eprintln!(
                "keyhound: baseline entry no longer found (prune it): {} {} {}",
                entry.path,
                entry.rule,
                entry.short_fingerprint()
            );
        }
    }
    // Only what will be reported is verified: not what was allowlisted or baselined.
    if let Some(options) = output.verification.options() {
        report.verification = Some(verify(report.findings().map(|(_, f)| f), &options));
    }
    emit(&report, output, &config.rules)
}

/// `--verify`: asks STS about every credential among `findings`, saying so on stderr.
pub fn verify<'a>(
    findings: impl IntoIterator<Item = &'a Finding>,
    options: &keyhound_verify::Options,
) -> Verifications {
    keyhound_verify::verify(findings, options, tell_verify)
}

/// Writes `report` in the chosen format to stdout (or to `--report-path`), the summary
/// line to stderr, and returns the exit code: 3 when anything could not be read, else 1
/// for findings.
pub fn emit(report: &Report, output: &OutputArgs, rules: &RuleSet) -> anyhow::Result<ExitCode> {
    let (mut out, to_file) = open_output(output.report_path.as_deref())?;
    let options = WriteOptions {
        show_secrets: output.show_secrets,
        // A file gets colour only when asked for.
        color: if to_file {
            output.color == ColorChoice::Always
        } else {
            use_color(output.color)
        },
    };
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
    Ok(if report.is_incomplete() {
        ExitCode::Incomplete
    } else if report.failing_findings(output.fail_on_examples) > 0 {
        ExitCode::Findings
    } else {
        ExitCode::Clean
    })
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
    let Some(target) = output
        .report_path
        .as_deref()
        .and_then(|path| std::fs::canonicalize(path).ok())
    else {
        return;
    };
    report.retain_sources(|group| {
        let own = matches!(&group.source, Source::Path(path)
            if std::fs::canonicalize(path).is_ok_and(|path| path == target));
        if own {
            eprintln!(
                "keyhound: {}: not reported: it is the report being written (--report-path)",
                group.source.display()
            );
        }
        !own
    });
}

/// Whether to colour standard output.
pub fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}
