//! The findings in a CI job's log, beside the report file, so that a job without code
//! scanning (a private repository, a pull request from a fork, GitLab below Ultimate)
//! still says what was found and where.

use std::io::{self, Write};

use keyhound_core::RuleSet;

use crate::{Format, Report, WriteOptions};

/// Writes the human report to `out` (never with secrets, never coloured) and, with
/// `github_annotations`, one GitHub Actions `::error` (or `::notice`, for AWS's examples)
/// workflow command per finding, which the pull request's diff shows at its line.
pub fn write_ci_log(
    out: &mut dyn Write,
    report: &Report,
    rules: &RuleSet,
    github_annotations: bool,
) -> io::Result<()> {
    if report.findings().next().is_some() {
        // Redacted whatever --show-secrets says: a log is read by everyone with access to
        // the job, and kept.
        let options = WriteOptions {
            show_secrets: false,
            color: false,
        };
        crate::write(&mut *out, report, rules, Format::Human, options)?;
    }
    if github_annotations {
        for (group, finding) in report.findings() {
            let level = if finding.example { "notice" } else { "error" };
            let commit = group
                .source
                .git()
                .and_then(|origin| origin.commit.as_ref())
                .map(|commit| format!(" in commit {}", short(&commit.id)))
                .unwrap_or_default();
            let message = format!(
                "{kind} ({rule}){commit}: take it out, deactivate the key in IAM, and give \
                 the workload an IAM role instead",
                kind = finding.kind,
                rule = finding.rule_id,
            );
            writeln!(
                out,
                "::{level} file={file},line={line},col={col},title={title}::{message}",
                file = property(&group.source.display()),
                line = finding.line,
                col = finding.column,
                title = property(&format!("keyhound {}", finding.rule_id)),
                message = data(&message),
            )?;
        }
    }
    Ok(())
}

fn short(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}

/// A workflow command's message: `%`, CR and LF escaped, as the runner expects.
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A workflow command's property value: [`data`], plus `:` and `,`, which end it.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn properties_cannot_end_early_or_start_a_command() {
        assert_eq!(
            property("a,b:c%d\nx::error::"),
            "a%2Cb%3Ac%25d%0Ax%3A%3Aerror%3A%3A"
        );
        assert_eq!(data("50%\r\n::x"), "50%25%0D%0A::x");
    }
}
