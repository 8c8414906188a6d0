//! `--ci-log`: keyhound-report's CI log, on standard output when the report itself went
//! to a file, else on standard error.

use std::io::Write;

use keyhound_core::RuleSet;
use keyhound_report::{write_ci_log, Report};

use crate::args::CiLog;

/// Writes the CI log of `report` for `log`.
pub fn write(
    report: &Report,
    rules: &RuleSet,
    log: CiLog,
    report_to_file: bool,
) -> std::io::Result<()> {
    let mut buf = Vec::new();
    write_ci_log(&mut buf, report, rules, log == CiLog::Github)?;
    if report_to_file {
        std::io::stdout().lock().write_all(&buf)
    } else {
        std::io::stderr().lock().write_all(&buf)
    }
}
