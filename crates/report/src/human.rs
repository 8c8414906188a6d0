//! The human report: one block per finding (where, what, which key, which account), then
//! what to do, once per kind of finding. The summary line goes to stderr.

use std::collections::BTreeMap;
use std::io::{self, Write};

use keyhound_core::{Allowance, Finding, Kind, RuleSet, Severity, Verification, Verifications};

use crate::model::{GitOrigin, Report, SourceFindings, Stats};
use crate::text::{escape, plural_of, utc_date};

/// ANSI styling, or none.
#[derive(Clone, Copy, Debug, Default)]
pub struct Style {
    /// Colour with ANSI escapes.
    pub color: bool,
}

impl Style {
    /// `text` in the ANSI style `code` (`1` bold, `31` red, …), or plain without colour.
    pub fn paint(self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn severity(self, severity: Severity) -> String {
        let label = severity.as_str().to_uppercase();
        let code = match severity {
            Severity::Critical => "1;31",
            Severity::High => "31",
            Severity::Medium => "33",
            Severity::Low => "36",
            Severity::Info => "2",
        };
        self.paint(code, &label)
    }
}

/// Writes the findings and the remediation section to `out`.
pub fn write(
    out: &mut dyn Write,
    report: &Report,
    rules: &RuleSet,
    style: Style,
    show_secrets: bool,
) -> io::Result<()> {
    let mut remediations = Remediations::default();
    // Live keys first: they are the ones to deactivate now; the rest in report order.
    // Two passes over the report rather than a sorted list of every finding.
    let live = |finding: &Finding| {
        matches!(
            report.verification_of(finding),
            Some(Verification::Live { .. })
        )
    };
    let passes: &[bool] = if report.verification.is_some() {
        &[true, false]
    } else {
        &[false]
    };
    for &live_pass in passes {
        for (file, finding) in report.findings() {
            if report.verification.is_some() && live(finding) != live_pass {
                continue;
            }
            let verification = report.verification_of(finding);
            write_entry(out, file, finding, verification, style, show_secrets)?;
            remediations.note(rules, file, finding);
        }
    }
    let suppressed = report
        .sources
        .iter()
        .flat_map(|file| file.suppressed.iter().map(move |entry| (file, entry)));
    write_suppressed(out, suppressed, style)?;
    remediations.write(out, style)
}

/// One finding's block as the report writes it: the finding, what STS said, where in
/// git, a blank line.
pub(crate) fn write_entry(
    out: &mut dyn Write,
    file: &SourceFindings,
    finding: &Finding,
    verification: Option<&Verification>,
    style: Style,
    show_secrets: bool,
) -> io::Result<()> {
    let path = file.source.display();
    write_finding(out, &path, finding, style, show_secrets)?;
    if let Some(verification) = verification {
        write_verification(out, verification, style)?;
    }
    if let Some(git) = file.source.git() {
        write_git(out, git, style)?;
    }
    if let Some(layer) = file.source.deleted_by() {
        writeln!(
            out,
            "    {:<8}by the later layer {}: still in the image",
            "deleted",
            escape(layer)
        )?;
    }
    writeln!(out)
}

/// The section of findings inline comments allowed, when there are any.
pub(crate) fn write_suppressed<'a>(
    out: &mut dyn Write,
    suppressed: impl IntoIterator<Item = (&'a SourceFindings, &'a (Finding, Allowance))>,
    style: Style,
) -> io::Result<()> {
    let mut suppressed = suppressed.into_iter().peekable();
    if suppressed.peek().is_none() {
        return Ok(());
    }
    writeln!(
        out,
        "{}",
        style.paint("1", "Suppressed by inline comments:")
    )?;
    for (file, (finding, allowance)) in suppressed {
        writeln!(
            out,
            "  {}:{}:{} {} {} [{}]: {} on line {}",
            file.source.display(),
            finding.line,
            finding.column,
            finding.severity.as_str().to_uppercase(),
            finding.kind,
            finding.rule_id,
            allowance.marker,
            allowance.line
        )?;
    }
    writeln!(out)
}

/// What to do, once per rule that found something: name and remediation by rule id.
/// A canary token and a key only staged (never committed) get their own advice: the
/// rules' "deactivate the key" and "purge it from history" would be wrong for them.
#[derive(Default)]
pub(crate) struct Remediations<'r> {
    by_rule: BTreeMap<String, (&'r str, &'r str)>,
    canary: bool,
    staged: bool,
}

/// What to do about a canary token.
const CANARY_REMEDY: &str = "A canary token is planted to catch leaks: trying it alerts \
    whoever planted it, and there is nothing to deactivate. Do not use it; if it is not \
    meant to be where it is, remove it and tell whoever planted it (the finding names the \
    service).";

/// What to do about a key in staged changes.
const STAGED_REMEDY: &str = "Not committed yet: unstage the file (git restore --staged \
    FILE), take the key out of it, and give the workload an IAM role. If the key was ever \
    used or shared, deactivate and rotate it in IAM too.";

impl<'r> Remediations<'r> {
    /// Notes what to do about `finding`, found in `file`.
    pub(crate) fn note(&mut self, rules: &'r RuleSet, file: &SourceFindings, finding: &Finding) {
        if finding.kind == Kind::Example {
            return;
        }
        if finding.canary().is_some() {
            self.canary = true;
            return;
        }
        if file.source.git().is_some_and(|git| git.commit.is_none()) {
            self.staged = true;
            return;
        }
        if self.by_rule.contains_key(finding.rule_id.as_str()) {
            return;
        }
        if let Some(entry) = remediation_of(rules, finding) {
            self.by_rule.insert(finding.rule_id.to_string(), entry);
        }
    }

    /// Writes the "What to do" section, when there is anything to do.
    pub(crate) fn write(&self, out: &mut dyn Write, style: Style) -> io::Result<()> {
        if self.by_rule.is_empty() && !self.canary && !self.staged {
            return Ok(());
        }
        writeln!(out, "{}", style.paint("1", "What to do:"))?;
        for (rule_id, (name, text)) in &self.by_rule {
            writeln!(out, "  {} ({rule_id}):", style.paint("1", name))?;
            writeln!(out, "    {text}")?;
        }
        if self.staged {
            writeln!(out, "  {}:", style.paint("1", "Keys in staged changes"))?;
            writeln!(out, "    {STAGED_REMEDY}")?;
        }
        if self.canary {
            writeln!(out, "  {}:", style.paint("1", "Canary tokens"))?;
            writeln!(out, "    {CANARY_REMEDY}")?;
        }
        Ok(())
    }
}

fn remediation_of<'r>(rules: &'r RuleSet, finding: &Finding) -> Option<(&'r str, &'r str)> {
    if let Some(pairing) = rules
        .pairing()
        .filter(|p| p.rule_id() == finding.rule_id.as_str())
    {
        return Some((pairing.name(), pairing.remediation()));
    }
    rules
        .rule(&finding.rule_id)
        .map(|rule| (rule.name(), rule.remediation()))
}

/// Writes one finding's block: its header line, one line per part, and its notes.
pub fn write_finding(
    out: &mut dyn Write,
    path: &str,
    finding: &Finding,
    style: Style,
    show_secrets: bool,
) -> io::Result<()> {
    let location = format!("{path}:{}:{}", finding.line, finding.column);
    let mut notes: Vec<String> = Vec::new();
    if finding.example {
        notes.push("AWS documentation example key: does not fail the scan".into());
    }
    if let Some(service) = finding.canary() {
        notes.push(format!(
            "canary token ({service}): planted to catch whoever uses it; never verified"
        ));
    }
    if finding.binary {
        notes.push("found in a binary file".into());
    }
    if finding.encoding != "utf-8" {
        notes.push(format!("decoded from {}", finding.encoding));
    }
    writeln!(
        out,
        "{} {} {} {}",
        style.paint("1", &location),
        style.severity(finding.severity),
        finding.kind,
        style.paint("2", &format!("[{}]", finding.rule_id)),
    )?;
    for part in &finding.parts {
        // Short labels keep the values aligned.
        let label = match part.kind {
            Kind::AccessKeyId => "key id",
            Kind::SecretAccessKey => "secret",
            _ => "token",
        };
        let value = part.shown_value(show_secrets);
        let mut line = format!("    {label:<8}{value}");
        if part.kind == Kind::AccessKeyId {
            if let Some(account) = finding.account_id() {
                line.push_str(&format!("  account {account}"));
            }
        }
        if finding.parts.len() > 1 {
            line.push_str(&format!("  (line {}, column {})", part.line, part.column));
        }
        writeln!(out, "{line}")?;
    }
    for note in notes {
        writeln!(out, "    {}", style.paint("2", &note))?;
    }
    Ok(())
}

/// `    verify  live: account …, arn …, user id …`; a live key stands out.
pub fn write_verification(
    out: &mut dyn Write,
    verification: &Verification,
    style: Style,
) -> io::Result<()> {
    let code = match verification {
        Verification::Live { .. } => "1;31",
        Verification::Invalid { .. } => "32",
        Verification::Unknown { .. } => "33",
        Verification::Skipped { .. } => "2",
    };
    writeln!(
        out,
        "    {:<8}{}",
        "verify",
        style.paint(code, &escape(&verification.describe()))
    )
}

fn write_git(out: &mut dyn Write, git: &GitOrigin, style: Style) -> io::Result<()> {
    match &git.commit {
        Some(commit) => writeln!(
            out,
            "    {:<8}{} {} <{}> {}",
            "commit",
            style.paint("33", &commit.id),
            escape(&commit.author),
            escape(&commit.email),
            utc_date(commit.time)
        ),
        None => writeln!(out, "    {:<8}{}", "blob", git.blob),
    }
}

/// The one-line summary: files, bytes, findings by severity, unreadable, skipped, time.
pub fn summary_line(stats: &Stats, report: &Report) -> String {
    let mut by_severity = [0u64; SEVERITIES.len()];
    for (_, finding) in report.findings() {
        by_severity[finding.severity as usize] += 1;
    }
    summary(stats, &by_severity, report.verification.as_ref())
}

/// Every severity, lowest first (`Severity as usize` indexes it).
pub(crate) const SEVERITIES: [Severity; 5] = [
    Severity::Info,
    Severity::Low,
    Severity::Medium,
    Severity::High,
    Severity::Critical,
];

/// [`summary_line`] from the findings counted by severity (indexed by `Severity as
/// usize`) and what the verifier said.
pub(crate) fn summary(
    stats: &Stats,
    by_severity: &[u64; 5],
    verification: Option<&Verifications>,
) -> String {
    let severities: Vec<String> = SEVERITIES
        .iter()
        .rev()
        .filter(|&&severity| by_severity[severity as usize] > 0)
        .map(|&severity| format!("{} {}", by_severity[severity as usize], severity.as_str()))
        .collect();
    let mut findings = plural(stats.findings, "finding");
    if !severities.is_empty() {
        findings.push_str(&format!(" ({})", severities.join(", ")));
    }
    let inputs = match &stats.git {
        // A staged scan reads the index, no commit: "0 commits" would only puzzle.
        Some(git) if git.commits == 0 => plural(git.blobs, "blob"),
        Some(git) => format!(
            "{}, {}",
            plural(git.commits, "commit"),
            plural(git.blobs, "blob")
        ),
        None => plural(stats.files, "file"),
    };
    let mut line = format!(
        "keyhound: {inputs}, {} scanned in {:.2}s: {findings}, {} unreadable",
        human_bytes(stats.bytes),
        stats.elapsed.as_secs_f64(),
        stats.unreadable.len(),
    );
    if !stats.too_large.is_empty() {
        line.push_str(&format!(
            ", {} too large (not scanned)",
            stats.too_large.len()
        ));
    }
    if !stats.processes_unreadable.is_empty() {
        let processes = stats.processes_unreadable.len() as u64;
        line.push_str(&format!(
            ", {} not readable",
            plural_of(processes, "process", "processes")
        ));
    }
    if let Some(config) = &stats.config {
        line.push_str(&format!(", config {config}"));
        let mut applied = Vec::new();
        if !stats.rules_disabled.is_empty() {
            applied.push(format!(
                "rules disabled: {}",
                stats.rules_disabled.join(" ")
            ));
        }
        for (count, what) in [
            (stats.allowlisted_paths, "allowlisted by path"),
            (stats.allowlisted_values, "allowlisted by value"),
            (stats.examples_ignored, "example keys ignored"),
        ] {
            if count > 0 {
                applied.push(format!("{count} {what}"));
            }
        }
        if !applied.is_empty() {
            line.push_str(&format!(" ({})", applied.join(", ")));
        }
    }
    if stats.baselined > 0 || !stats.baseline_stale.is_empty() {
        line.push_str(&format!(", {} baselined", stats.baselined));
        if !stats.baseline_stale.is_empty() {
            line.push_str(&format!(
                " ({} stale baseline entries)",
                stats.baseline_stale.len()
            ));
        }
    }
    if stats.suppressed > 0 {
        line.push_str(&format!(", {} suppressed inline", stats.suppressed));
    }
    if let Some(verified) = verification {
        let counts = verified.counts();
        let mut states = vec![
            format!("{} live", counts.live),
            format!("{} invalid", counts.invalid),
            format!("{} unknown", counts.unknown),
        ];
        if counts.skipped > 0 {
            states.push(format!("{} canary not verified", counts.skipped));
        }
        line.push_str(&format!(", verified: {}", states.join(", ")));
    }
    if stats.special_skipped > 0 {
        line.push_str(&format!(
            ", {} special files not read",
            stats.special_skipped
        ));
    }
    if let Some(git) = &stats.git {
        if !git.not_scanned.is_empty() {
            line.push_str(&format!(
                ", {} not scanned (submodules, LFS pointers, too large)",
                git.not_scanned.len()
            ));
        }
    }
    if stats.symlinks_skipped > 0 {
        line.push_str(&format!(
            ", {} not followed",
            plural(stats.symlinks_skipped, "symlink")
        ));
    }
    line
}

/// `1 file`, `2 files`.
fn plural(count: u64, noun: &str) -> String {
    plural_of(count, noun, &format!("{noun}s"))
}

fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}
