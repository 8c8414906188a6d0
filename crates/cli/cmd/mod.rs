//! One module per sub-command, and what they share: writing the report and choosing the
//! exit code.

pub mod env;
pub mod git;
pub mod install_hook;
pub mod scan;

use std::io::{IsTerminal, Write};

use keyhound_core::RuleSet;

use crate::args::{ColorChoice, Format, OutputArgs};
use crate::exit::ExitCode;
use crate::report::{self, Report};

/// Writes `report` in the chosen format to stdout, the summary line to stderr, and
/// returns the exit code: 3 when anything could not be read, else 1 for findings.
pub fn emit(report: &Report, output: &OutputArgs, rules: &RuleSet) -> anyhow::Result<ExitCode> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match output.format {
        Format::Human => {
            let style = report::human::Style {
                color: use_color(output.color),
            };
            report::human::write(&mut out, report, rules, style, output.show_secrets)?;
        }
        Format::Json => report::json::write_json(&mut out, report, output.show_secrets)?,
        Format::Jsonl => report::json::write_jsonl(&mut out, report, output.show_secrets)?,
    }
    out.flush()?;
    eprintln!("{}", report::human::summary_line(&report.stats, report));
    Ok(if !report.stats.unreadable.is_empty() {
        ExitCode::Incomplete
    } else if report.failing_findings(output.fail_on_examples) > 0 {
        ExitCode::Findings
    } else {
        ExitCode::Clean
    })
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
