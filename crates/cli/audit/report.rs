//! The audit's verdict and its three renderings: human, JSON and Markdown. Each shows the
//! result (PASS, FAIL, and whether the audit is complete), then each step of the control
//! with its evidence: the role IMDS named, and every key found with where and which kind
//! of place it was in. Secrets are redacted unless `--show-secrets`.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use keyhound_core::{Finding, Severity};
use serde_json::{json, Value};

use super::imds::{RoleCheck, Version};
use super::{Category, Place, Step};
use crate::report::{display_path, human, json as json_report, part_value, FileFindings, Report};

/// The control, as reports name it.
pub const CONTROL: &str = "CIS AWS Foundations Benchmark 1.18";
/// The control's title.
pub const TITLE: &str = "Ensure IAM instance roles are used for AWS resource access from instances";

/// What became of one place.
#[derive(Debug)]
pub enum Status {
    /// It exists and was scanned (with everything under it), at `inside`.
    Scanned {
        /// The resolved path inside the root.
        inside: PathBuf,
        /// A symbolic link led there.
        via_link: bool,
    },
    /// Nothing there.
    Absent {
        /// Where a link led, when one did.
        via_link: Option<PathBuf>,
    },
    /// It is, or leads, under /proc, /sys or /dev: not read.
    Pseudo(PathBuf),
    /// It could not be resolved (named and counted as unreadable).
    Unreadable(String),
}

/// A place and what became of it.
#[derive(Debug)]
pub struct Located {
    /// The place.
    pub place: Place,
    /// What became of it.
    pub status: Status,
}

/// Where a finding was, for the report.
#[derive(Clone, Copy)]
pub struct Where<'a> {
    /// The kind of place.
    pub category: Category,
    /// The place (a directory walked, or the file itself).
    pub place: &'a Path,
    /// Why the place was looked at, when not a fixed location.
    pub origin: Option<&'a str>,
}

/// Everything the audit found.
pub struct Audit {
    /// The audited root, on this machine.
    pub root: PathBuf,
    /// The root is this host's `/`.
    pub live: bool,
    /// The role step.
    pub role: RoleCheck,
    /// Findings (paths as the audited system names them) and counters.
    pub report: Report,
    /// Every place looked at.
    pub places: Vec<Located>,
    /// Names of the process environments scanned (their findings' paths).
    pub processes: Vec<PathBuf>,
    /// Things worth saying that do not make the audit incomplete.
    pub notes: Vec<String>,
    /// AWS documentation example keys fail the audit too.
    pub fail_on_examples: bool,
}

impl Audit {
    /// Where the file at `path` (inside the root) was found: the most specific place
    /// that holds it. Every scanned file is under a place; were one not, it would count
    /// as an application file rather than go unreported.
    pub fn attribute<'a>(&'a self, path: &'a Path) -> Where<'a> {
        if self.processes.iter().any(|p| p.as_path() == path) {
            return Where {
                category: Category::ProcessEnvironment,
                place: path,
                origin: None,
            };
        }
        self.places
            .iter()
            .filter_map(|located| match &located.status {
                Status::Scanned { inside, .. } if path.starts_with(inside) => {
                    Some((inside.components().count(), located))
                }
                _ => None,
            })
            // The longest prefix; the first place listed among equals.
            .fold(
                None,
                |best: Option<(usize, &Located)>, (depth, located)| match best {
                    Some((d, _)) if d >= depth => best,
                    _ => Some((depth, located)),
                },
            )
            .map_or(
                Where {
                    category: Category::Application,
                    place: path,
                    origin: None,
                },
                |(_, located)| Where {
                    category: located.place.category,
                    place: &located.place.path,
                    origin: located.place.origin.as_deref(),
                },
            )
    }

    /// Whether `finding` fails the audit.
    fn fails(&self, finding: &Finding) -> bool {
        self.fail_on_examples || finding.severity > Severity::Info
    }

    /// The findings of `step`, with their file and place.
    fn findings_of(&self, step: Step) -> Vec<(&FileFindings, &Finding, Where<'_>)> {
        let mut found = Vec::new();
        for file in &self.report.files {
            let place = self.attribute(&file.path);
            if place.category.step() == step {
                found.extend(file.findings.iter().map(|finding| (file, finding, place)));
            }
        }
        found
    }

    /// Findings that fail the audit, everywhere.
    pub fn failing(&self) -> usize {
        self.report
            .files
            .iter()
            .flat_map(|f| &f.findings)
            .filter(|f| self.fails(f))
            .count()
    }

    /// Why the audit is incomplete (empty when it is complete).
    pub fn incomplete(&self) -> Vec<String> {
        let mut reasons = Vec::new();
        let unreadable = self.report.stats.unreadable.len();
        if unreadable > 0 {
            reasons.push(format!(
                "{unreadable} {} could not be read",
                if unreadable == 1 { "place" } else { "places" }
            ));
        }
        if let RoleCheck::Unreachable { error, .. } = &self.role {
            reasons.push(format!(
                "the instance metadata service gave no answer: {error}"
            ));
        }
        reasons
    }

    /// `pass`, `fail` or `incomplete`: a key found is a FAIL even when something else
    /// could not be read.
    pub fn result(&self) -> &'static str {
        if self.failing() > 0 {
            "fail"
        } else if self.incomplete().is_empty() {
            "pass"
        } else {
            "incomplete"
        }
    }

    /// A step's result: `fail`, `pass` or `incomplete` for the key steps; the role's
    /// status for the role step.
    fn step_result(&self, step: Step) -> &'static str {
        if step == Step::Role {
            return role_status(&self.role);
        }
        if self.findings_of(step).iter().any(|(_, f, _)| self.fails(f)) {
            "fail"
        } else if self
            .report
            .stats
            .unreadable
            .iter()
            .any(|(path, _)| self.attribute(Path::new(path)).category.step() == step)
        {
            "incomplete"
        } else {
            "pass"
        }
    }

    /// One sentence on a step's outcome.
    fn step_summary(&self, step: Step) -> String {
        if step == Step::Role {
            return role_summary(&self.role);
        }
        let findings = self.findings_of(step);
        let failing = findings.iter().filter(|(_, f, _)| self.fails(f)).count();
        let places = self
            .places
            .iter()
            .filter(|l| {
                l.place.category.step() == step && matches!(l.status, Status::Scanned { .. })
            })
            .count();
        let mut text = match failing {
            0 => format!("{places} places scanned: no long-lived key"),
            1 => format!("{places} places scanned: 1 long-lived key"),
            n => format!("{places} places scanned: {n} long-lived keys"),
        };
        if step == Step::ScriptsAndEnvironment {
            text.push_str(&if self.live {
                format!(" and {} process environments", self.processes.len())
            } else {
                " (process environments: not read, this is not the live host)".to_string()
            });
        }
        if findings.len() > failing {
            text.push_str(&format!(
                "; {} AWS documentation example keys (not failing)",
                findings.len() - failing
            ));
        }
        text
    }

    /// The one-line verdict.
    pub fn headline(&self) -> String {
        let failing = self.failing();
        let mut line = match self.result() {
            "fail" if failing == 1 => "FAIL: 1 long-lived AWS key found".to_string(),
            "fail" => format!("FAIL: {failing} long-lived AWS keys found"),
            "pass" => "PASS: no long-lived AWS key found".to_string(),
            _ => "INCOMPLETE: no long-lived AWS key found in what could be read".to_string(),
        };
        let reasons = self.incomplete();
        if !reasons.is_empty() {
            line.push_str(&format!(" (incomplete: {})", reasons.join("; ")));
        }
        line
    }

    fn root_shown(&self) -> String {
        if self.live {
            "this host (/)".to_string()
        } else {
            format!("{} (mounted file system)", display_path(&self.root))
        }
    }

    fn not_scanned(&self) -> Vec<(String, String)> {
        let mut entries = Vec::new();
        for located in &self.places {
            match &located.status {
                Status::Pseudo(to) => entries.push((
                    display_path(&located.place.path),
                    format!(
                        "leads to {}: /proc, /sys and /dev are not read",
                        display_path(to)
                    ),
                )),
                Status::Absent { via_link: Some(to) } => entries.push((
                    display_path(&located.place.path),
                    format!(
                        "a symbolic link to {}, absent inside the root",
                        display_path(to)
                    ),
                )),
                Status::Absent { via_link: None } if !located.place.optional => entries.push((
                    display_path(&located.place.path),
                    format!(
                        "absent, though {} names it",
                        located.place.origin.as_deref().unwrap_or("configuration")
                    ),
                )),
                _ => {}
            }
        }
        entries
    }
}

fn role_status(role: &RoleCheck) -> &'static str {
    match role {
        RoleCheck::NotChecked(_) => "not-checked",
        RoleCheck::Attached { .. } => "attached",
        RoleCheck::NoRole { .. } => "no-role",
        RoleCheck::Unreachable { .. } => "incomplete",
    }
}

fn role_summary(role: &RoleCheck) -> String {
    let v1 = |version: &Version| {
        if *version == Version::V1Only {
            " Warning: IMDSv1 only: the token request (IMDSv2) was refused or unanswered and \
             tokenless requests work, so a request forgery on the instance can read the \
             role's credentials; require IMDSv2 (HttpTokens=required)."
        } else {
            ""
        }
    };
    match role {
        RoleCheck::NotChecked(why) => format!("not checked: {why}"),
        RoleCheck::Attached {
            roles,
            version,
            endpoint,
            ..
        } => format!(
            "role {} attached (answered by {endpoint}). A role does not mean that no key is \
             also embedded: see the other steps.{}",
            roles.join(", "),
            v1(version)
        ),
        RoleCheck::NoRole {
            version, endpoint, ..
        } => format!(
            "no IAM role attached ({endpoint} has none). If this instance makes AWS calls, it \
             can only use long-lived keys: attach an instance profile.{}",
            v1(version)
        ),
        RoleCheck::Unreachable {
            error, endpoint, ..
        } => format!("the instance metadata service at {endpoint} gave no answer: {error}"),
    }
}

fn role_json(role: &RoleCheck) -> Value {
    let version = |v: &Version| match v {
        Version::V2 => "v2",
        Version::V1Only => "v1-only",
    };
    let mut value = json!({ "status": role_status(role), "summary": role_summary(role) });
    match role {
        RoleCheck::NotChecked(why) => value["reason"] = json!(why),
        RoleCheck::Attached {
            roles,
            version: v,
            endpoint,
            reason,
        } => {
            value["roles"] = json!(roles);
            value["imds"] = json!(version(v));
            value["endpoint"] = json!(endpoint);
            value["reason"] = json!(reason);
        }
        RoleCheck::NoRole {
            version: v,
            endpoint,
            reason,
        } => {
            value["roles"] = json!([]);
            value["imds"] = json!(version(v));
            value["endpoint"] = json!(endpoint);
            value["reason"] = json!(reason);
        }
        RoleCheck::Unreachable {
            error,
            endpoint,
            reason,
        } => {
            value["error"] = json!(error);
            value["endpoint"] = json!(endpoint);
            value["reason"] = json!(reason);
        }
    }
    value
}

/// Writes the JSON document (described in the README).
pub fn write_json(out: &mut dyn Write, audit: &Audit, show_secrets: bool) -> io::Result<()> {
    let steps: Vec<Value> = Step::ALL
        .iter()
        .map(|&step| {
            let mut value = json!({
                "id": step.id(),
                "title": step.title(),
                "question": step.question(),
                "result": audit.step_result(step),
                "summary": audit.step_summary(step),
            });
            if step != Step::Role {
                value["findings"] = json!(audit.findings_of(step).len());
            }
            value
        })
        .collect();
    let mut findings = Vec::new();
    for step in [Step::ScriptsAndEnvironment, Step::Applications] {
        for (file, finding, place) in audit.findings_of(step) {
            let mut value = json_report::finding_json(&audit.report, file, finding, show_secrets);
            value["step"] = json!(step.id());
            value["category"] = json!(place.category.id());
            value["place"] = json!(display_path(place.place));
            if let Some(origin) = place.origin {
                value["origin"] = json!(origin);
            }
            findings.push(value);
        }
    }
    let places: Vec<Value> = audit
        .places
        .iter()
        .filter_map(|located| {
            let (status, resolved) = match &located.status {
                Status::Scanned { inside, via_link } => {
                    ("scanned", via_link.then(|| display_path(inside)))
                }
                // Absent fixed places are the common case: listed only when named by
                // something on the host, or reached through a link.
                Status::Absent { via_link: None } if located.place.origin.is_none() => return None,
                Status::Absent { via_link } => ("absent", via_link.as_deref().map(display_path)),
                Status::Pseudo(to) => ("not-read", Some(display_path(to))),
                Status::Unreadable(_) => ("unreadable", None),
            };
            let mut value = json!({
                "path": display_path(&located.place.path),
                "category": located.place.category.id(),
                "step": located.place.category.step().id(),
                "status": status,
            });
            if let Some(resolved) = resolved {
                value["resolved"] = json!(resolved);
            }
            if let Some(origin) = &located.place.origin {
                value["origin"] = json!(origin);
            }
            if let Status::Unreadable(error) = &located.status {
                value["error"] = json!(error);
            }
            Some(value)
        })
        .collect();
    let document = json!({
        "version": 1,
        "tool": { "name": "keyhound", "version": env!("CARGO_PKG_VERSION") },
        "control": { "id": CONTROL, "title": TITLE },
        "root": display_path(&audit.root),
        "live": audit.live,
        "result": audit.result(),
        "complete": audit.incomplete().is_empty(),
        "incomplete": audit.incomplete(),
        "summary": audit.headline(),
        "steps": steps,
        "role": role_json(&audit.role),
        "findings": findings,
        "places": places,
        "places_looked_for": audit.places.len(),
        "processes": { "checked": audit.live, "scanned": audit.processes.len() },
        "notes": audit.notes,
        "stats": json_report::stats_json(&audit.report),
    });
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)
}

/// Writes the human report.
pub fn write_human(
    out: &mut dyn Write,
    audit: &Audit,
    style: human::Style,
    show_secrets: bool,
) -> io::Result<()> {
    writeln!(
        out,
        "{} audit of {}",
        style.paint("1", CONTROL),
        audit.root_shown()
    )?;
    writeln!(out, "  {TITLE}")?;
    let colour = match audit.result() {
        "pass" => "1;32",
        "fail" => "1;31",
        _ => "1;33",
    };
    writeln!(out, "{}\n", style.paint(colour, &audit.headline()))?;
    for (number, step) in Step::ALL.iter().enumerate() {
        let result = audit.step_result(*step).replace('-', " ").to_uppercase();
        writeln!(
            out,
            "{}. {}: {}",
            number + 1,
            style.paint("1", step.title()),
            style.paint("1", &result)
        )?;
        writeln!(out, "   {}", style.paint("2", step.question()))?;
        writeln!(out, "   {}", audit.step_summary(*step))?;
        writeln!(out)?;
        for (file, finding, place) in audit.findings_of(*step) {
            let path = display_path(&file.path);
            human::write_finding(out, &path, finding, style, show_secrets)?;
            if let Some(verification) = audit.report.verification_of(finding) {
                human::write_verification(out, verification, style)?;
            }
            let mut line = format!("    {:<8}{}", "where", place.category.id());
            if place.place != file.path {
                line.push_str(&format!(" ({})", display_path(place.place)));
            }
            if let Some(origin) = place.origin {
                line.push_str(&format!(", from {origin}"));
            }
            writeln!(out, "{line}")?;
            writeln!(out)?;
        }
    }
    let not_scanned = audit.not_scanned();
    if !not_scanned.is_empty() {
        writeln!(out, "{}", style.paint("1", "Not scanned:"))?;
        for (path, why) in not_scanned {
            writeln!(out, "  {path}: {why}")?;
        }
        writeln!(out)?;
    }
    if !audit.report.stats.unreadable.is_empty() {
        writeln!(
            out,
            "{}",
            style.paint("1", "Could not be read (the audit is incomplete):")
        )?;
        for (path, error) in &audit.report.stats.unreadable {
            writeln!(out, "  {path}: {error}")?;
        }
        writeln!(out)?;
    }
    if !audit.notes.is_empty() {
        writeln!(out, "{}", style.paint("1", "Notes:"))?;
        for note in &audit.notes {
            writeln!(out, "  {note}")?;
        }
        writeln!(out)?;
    }
    if audit.failing() > 0 {
        writeln!(out, "{}", style.paint("1", "What to do:"))?;
        writeln!(out, "  {}", remedy())?;
    }
    Ok(())
}

fn remedy() -> &'static str {
    "Deactivate each key (aws iam update-access-key --status Inactive), check CloudTrail for \
     its use, rotate it out of every place listed, and give the workload an IAM role instead: \
     an EC2 instance profile, an ECS task role, IRSA on EKS, or a Lambda execution role. The \
     SDKs pick up the role's short-lived credentials by themselves."
}

/// Markdown text for a table cell: pipes, backticks and line breaks cannot break out.
fn cell(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('`', "\\`")
        .replace(['\n', '\r'], " ")
}

/// Writes the Markdown report.
pub fn write_markdown(out: &mut dyn Write, audit: &Audit, show_secrets: bool) -> io::Result<()> {
    writeln!(out, "# {CONTROL} audit of {}", cell(&audit.root_shown()))?;
    writeln!(out)?;
    writeln!(out, "_{TITLE}_")?;
    writeln!(out)?;
    writeln!(out, "**Result: {}**", cell(&audit.headline()))?;
    writeln!(out)?;
    writeln!(out, "| # | Step | Result | Evidence |")?;
    writeln!(out, "|---|---|---|---|")?;
    for (number, step) in Step::ALL.iter().enumerate() {
        writeln!(
            out,
            "| {} | {} | **{}** | {} |",
            number + 1,
            step.title(),
            audit.step_result(*step).replace('-', " ").to_uppercase(),
            cell(&audit.step_summary(*step))
        )?;
    }
    for step in [Step::ScriptsAndEnvironment, Step::Applications] {
        let findings = audit.findings_of(step);
        if findings.is_empty() {
            continue;
        }
        writeln!(out)?;
        writeln!(out, "## {}", step.title())?;
        writeln!(out)?;
        // The verification column only when --verify asked STS.
        let verified = audit.report.verification.is_some();
        writeln!(
            out,
            "| Location | Category | Severity | Kind | Key id | Secret | Account |{}",
            if verified { " Verified |" } else { "" }
        )?;
        writeln!(
            out,
            "|---|---|---|---|---|---|---|{}",
            if verified { "---|" } else { "" }
        )?;
        for (file, finding, place) in findings {
            let secret = finding
                .parts
                .iter()
                .find(|p| p.kind != keyhound_core::Kind::AccessKeyId)
                .map(|p| part_value(p, show_secrets))
                .unwrap_or_default();
            let mut category = place.category.id().to_string();
            if let Some(origin) = place.origin {
                category.push_str(&format!(" (from {origin})"));
            }
            write!(
                out,
                "| `{}:{}` | {} | {} | {} | {} | {} | {} |",
                display_path(&file.path).replace('`', "'"),
                finding.line,
                cell(&category),
                finding.severity,
                finding.kind,
                cell(finding.key_id.as_deref().unwrap_or("")),
                cell(&secret),
                cell(finding.account_id.as_deref().unwrap_or(""))
            )?;
            if verified {
                let verification = audit.report.verification_of(finding);
                let text = verification.map(|v| v.describe()).unwrap_or_default();
                write!(out, " {} |", cell(&text))?;
            }
            writeln!(out)?;
        }
    }
    let not_scanned = audit.not_scanned();
    let unreadable = &audit.report.stats.unreadable;
    if !not_scanned.is_empty() || !unreadable.is_empty() {
        writeln!(out)?;
        writeln!(out, "## Not scanned")?;
        writeln!(out)?;
        for (path, why) in not_scanned {
            writeln!(out, "- `{}`: {}", path.replace('`', "'"), cell(&why))?;
        }
        for (path, error) in unreadable {
            writeln!(
                out,
                "- `{}`: could not be read: {}",
                path.replace('`', "'"),
                cell(error)
            )?;
        }
    }
    if !audit.notes.is_empty() {
        writeln!(out)?;
        writeln!(out, "## Notes")?;
        writeln!(out)?;
        for note in &audit.notes {
            writeln!(out, "- {}", cell(note))?;
        }
    }
    if audit.failing() > 0 {
        writeln!(out)?;
        writeln!(out, "## What to do")?;
        writeln!(out)?;
        writeln!(out, "{}", remedy())?;
    }
    let stats = &audit.report.stats;
    writeln!(out)?;
    writeln!(
        out,
        "_{} files ({} bytes) scanned in {:.2}s by keyhound {}._",
        stats.files,
        stats.bytes,
        stats.elapsed.as_secs_f64(),
        env!("CARGO_PKG_VERSION")
    )?;
    Ok(())
}
