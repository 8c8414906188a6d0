//! One module per sub-command, and what they share: writing the report and choosing the
//! exit code.

pub mod audit;
pub mod env;
pub mod git;
pub mod install_hook;
pub mod rules;
pub mod scan;

use std::io::{IsTerminal, Write};

use anyhow::Context;
use keyhound_core::RuleSet;

use crate::args::{ColorChoice, Format, OutputArgs};
use crate::config::Config;
use crate::exit::ExitCode;
use crate::report::{self, display_path, Report};

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
    report.stats.examples_fail = config.fail_on_examples(output);
    if !output.show_suppressed {
        report.forget_suppressed();
    }
    crate::baseline::handle(&mut report, output)?;
    // Only what will be reported is verified: not what was allowlisted or baselined.
    if let Some(options) = output.verify_options() {
        report.verification = Some(crate::verify::run(&report, &options));
    }
    emit(&report, output, &config.rules)
}

/// Writes `report` in the chosen format to stdout (or to `--report-path`), the summary
/// line to stderr, and returns the exit code: 3 when anything could not be read, else 1
/// for findings.
pub fn emit(report: &Report, output: &OutputArgs, rules: &RuleSet) -> anyhow::Result<ExitCode> {
    let stdout = std::io::stdout();
    let (mut out, to_file): (Box<dyn Write>, bool) = match &output.report_path {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot write the report to {}", display_path(path)))?;
            (Box::new(std::io::BufWriter::new(file)), true)
        }
        None => (Box::new(std::io::BufWriter::new(stdout.lock())), false),
    };
    match output.format {
        Format::Human => {
            let style = report::human::Style {
                // A file gets colour only when asked for.
                color: if to_file {
                    output.color == ColorChoice::Always
                } else {
                    use_color(output.color)
                },
            };
            report::human::write(&mut out, report, rules, style, output.show_secrets)?;
        }
        Format::Json => report::json::write_json(&mut out, report, output.show_secrets)?,
        Format::Jsonl => report::json::write_jsonl(&mut out, report, output.show_secrets)?,
        Format::Gitlab => report::gitlab::write(&mut out, report, rules)?,
        Format::Sarif => {
            let written = report::sarif::write(&mut out, report, rules, output.show_secrets)?;
            if written.dropped > 0 {
                eprintln!(
                    "keyhound: warning: SARIF output capped at {} results, highest severity \
                     first: {} of {} findings left out (counted in run.properties); \
                     --format json lists them all",
                    report::sarif::MAX_RESULTS,
                    written.dropped,
                    written.total
                );
            }
        }
    }
    out.flush()?;
    drop(out);
    eprintln!("{}", report::human::summary_line(&report.stats, report));
    Ok(if !report.stats.unreadable.is_empty() {
        ExitCode::Incomplete
    } else if report.failing_findings(output.fail_on_examples || report.stats.examples_fail) > 0 {
        ExitCode::Findings
    } else {
        ExitCode::Clean
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
    report.files.retain(|file| {
        let own = file.git.is_none()
            && std::fs::canonicalize(&file.path).is_ok_and(|path| path == target);
        if own {
            eprintln!(
                "keyhound: {}: not reported: it is the report being written (--report-path)",
                display_path(&file.path)
            );
        }
        !own
    });
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
