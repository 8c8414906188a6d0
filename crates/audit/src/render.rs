//! The audit's three renderings: human, JSON and Markdown. Each shows the result (PASS,
//! FAIL, and whether the audit is complete), then each step of the control with its
//! evidence: the role IMDS named, and every key found with where and which kind of place
//! it was in. Secrets are redacted unless asked.

use std::io::{self, Write};

use keyhound_report::{
    display_path, human, json as json_report, markdown_cell as cell, SourceFindings,
};
use serde_json::{json, Value};

use crate::imds::{RoleCheck, Version};
use crate::packages::Package;
use crate::verdict::{role_status, role_summary, Audit, Status, Verdict, Where, CONTROL, TITLE};
use crate::Step;

/// The role step as the JSON document writes it.
fn role_json(role: &RoleCheck) -> Value {
    let version = |v: &Version| match v {
        Version::V2 => "v2",
        Version::V1Only => "v1-only",
    };
    let mut value = json!({ "status": role_status(role).id(), "summary": role_summary(role) });
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

/// A third-party package as the JSON document writes it.
fn package_json(package: &Package) -> Value {
    json!({
        "manager": package.manager.id(),
        "name": package.name,
        "version": package.version,
        "location": display_path(&package.location),
    })
}

/// Writes the JSON document (described in `docs/audit.md`).
pub fn write_json(out: &mut dyn Write, audit: &Audit, show_secrets: bool) -> io::Result<()> {
    let steps: Vec<Value> = Step::ALL
        .iter()
        .map(|&step| {
            let mut value = json!({
                "id": step.id(),
                "title": step.title(),
                "question": step.question(),
                "result": audit.step_result(step).id(),
                "summary": audit.step_summary(step),
            });
            if step != Step::Role {
                value["findings"] = json!(audit.findings_of(step).len());
                value["keys"] = json!(audit.keys_of(step).len());
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
            value["place"] = json!(display_path(&place.place));
            if let Some(origin) = place.origin {
                value["origin"] = json!(origin);
            }
            findings.push(value);
        }
    }
    let third_party: Vec<Value> = audit
        .third_party()
        .into_iter()
        .map(|(file, finding, package, place)| {
            let mut value = json_report::finding_json(&audit.report, file, finding, show_secrets);
            value["step"] = json!(place.category.step().id());
            value["category"] = json!(place.category.id());
            value["place"] = json!(display_path(&place.place));
            if let Some(origin) = place.origin {
                value["origin"] = json!(origin);
            }
            value["package"] = package_json(package);
            value
        })
        .collect();
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
        "result": audit.result().id(),
        "complete": audit.incomplete().is_empty(),
        "incomplete": audit.incomplete(),
        "summary": audit.headline(),
        "steps": steps,
        "role": role_json(&audit.role),
        "findings": findings,
        "third_party": {
            "strict": audit.strict,
            "result": audit.third_party_result(),
            "summary": audit.third_party_summary(),
            "keys": audit.third_party_keys(),
            "findings": third_party,
        },
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
        Verdict::Pass => "1;32",
        Verdict::Fail => "1;31",
        Verdict::Incomplete => "1;33",
    };
    writeln!(out, "{}\n", style.paint(colour, &audit.headline()))?;
    for (number, step) in Step::ALL.iter().enumerate() {
        let result = audit
            .step_result(*step)
            .id()
            .replace('-', " ")
            .to_uppercase();
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
        // Each key once, in full at its first place, then every other place it sits.
        for places in audit.keys_of(*step) {
            let (file, finding, place) = &places[0];
            let path = file.source.display();
            human::write_finding(out, &path, finding, style, show_secrets)?;
            if let Some(verification) = audit.report.verification_of(finding) {
                human::write_verification(out, verification, style)?;
            }
            writeln!(out, "    {:<8}{}", "where", where_text(file, place))?;
            for (file, finding, place) in &places[1..] {
                writeln!(
                    out,
                    "    {:<8}{}:{}, {}",
                    "also",
                    file.source.display(),
                    finding.line,
                    where_text(file, place)
                )?;
            }
            writeln!(out)?;
        }
    }
    write_third_party_human(out, audit, style, show_secrets)?;
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

/// The third-party part of the human report: each package once, then one line per
/// finding in its files.
fn write_third_party_human(
    out: &mut dyn Write,
    audit: &Audit,
    style: human::Style,
    show_secrets: bool,
) -> io::Result<()> {
    let found = audit.third_party();
    if found.is_empty() {
        return Ok(());
    }
    let result = audit.third_party_result().replace('-', " ").to_uppercase();
    writeln!(
        out,
        "{}: {}",
        style.paint("1", "Third-party packages"),
        style.paint("1", &result)
    )?;
    writeln!(
        out,
        "   {}",
        style.paint(
            "2",
            "Files installed by package managers (Python, dpkg, rpm, npm, cargo, Go, gems, Maven, \
             Gradle, pip and npm caches)."
        )
    )?;
    writeln!(out, "   {}", audit.third_party_summary())?;
    writeln!(out)?;
    // Each package once; its AWS documentation examples (botocore alone ships
    // dozens) are counted, not listed: the JSON report lists them.
    let mut at = 0;
    while at < found.len() {
        let package = found[at].2;
        let end = found[at..]
            .iter()
            .position(|f| f.2 != package)
            .map_or(found.len(), |n| at + n);
        writeln!(out, "  {}", style.paint("1", &package.describe()))?;
        let mut examples = 0;
        for (file, finding, _, _) in &found[at..end] {
            if finding.example && !audit.fail_on_examples {
                examples += 1;
                continue;
            }
            writeln!(
                out,
                "    {}:{}:{} {} {} {}",
                file.source.display(),
                finding.line,
                finding.column,
                finding.severity.to_string().to_uppercase(),
                finding.kind,
                shown_key(finding, show_secrets)
            )?;
        }
        if examples > 0 {
            writeln!(
                out,
                "    {}",
                style.paint(
                    "2",
                    &format!(
                        "and {} (--format json lists them)",
                        keyhound_report::plural_of(
                            examples,
                            "AWS documentation example",
                            "AWS documentation examples"
                        )
                    )
                )
            )?;
        }
        at = end;
    }
    writeln!(out)
}

/// A finding's key id, else its first value (redacted unless asked).
fn shown_key(finding: &keyhound_core::Finding, show_secrets: bool) -> String {
    match finding.key_id() {
        Some(id) => id.to_string(),
        None => finding
            .parts
            .first()
            .map(|p| p.shown_value(show_secrets))
            .unwrap_or_default(),
    }
}

/// The kind of place a finding sits in, the place when it is not the file itself, and
/// why the place was looked at.
fn where_text(file: &SourceFindings, place: &Where<'_>) -> String {
    let mut text = place.category.id().to_string();
    if place.place != file.source.path() {
        text.push_str(&format!(" ({})", display_path(&place.place)));
    }
    if let Some(origin) = place.origin {
        text.push_str(&format!(", from {origin}"));
    }
    text
}

fn remedy() -> &'static str {
    "Deactivate each key (aws iam update-access-key --status Inactive), check CloudTrail for \
     its use, rotate it out of every place listed, and give the workload an IAM role instead: \
     an EC2 instance profile, an ECS task role, IRSA on EKS, or a Lambda execution role. The \
     SDKs pick up the role's short-lived credentials by themselves."
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
            audit
                .step_result(*step)
                .id()
                .replace('-', " ")
                .to_uppercase(),
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
                .map(|p| p.shown_value(show_secrets))
                .unwrap_or_default();
            let mut category = place.category.id().to_string();
            if let Some(origin) = place.origin {
                category.push_str(&format!(" (from {origin})"));
            }
            write!(
                out,
                "| `{}:{}` | {} | {} | {} | {} | {} | {} |",
                file.source.display().replace('`', "'"),
                finding.line,
                cell(&category),
                finding.severity,
                finding.kind,
                cell(finding.key_id().unwrap_or("")),
                cell(&secret),
                cell(finding.account_id().as_deref().unwrap_or(""))
            )?;
            if verified {
                let verification = audit.report.verification_of(finding);
                let text = verification.map(|v| v.describe()).unwrap_or_default();
                write!(out, " {} |", cell(&text))?;
            }
            writeln!(out)?;
        }
    }
    let third_party = audit.third_party();
    if !third_party.is_empty() {
        writeln!(out)?;
        writeln!(out, "## Third-party packages")?;
        writeln!(out)?;
        writeln!(
            out,
            "**{}**: {}",
            audit.third_party_result().replace('-', " ").to_uppercase(),
            cell(&audit.third_party_summary())
        )?;
        writeln!(out)?;
        writeln!(
            out,
            "| Package | Version | Manager | Location | Severity | Kind | Key |"
        )?;
        writeln!(out, "|---|---|---|---|---|---|---|")?;
        for (file, finding, package, _) in third_party {
            writeln!(
                out,
                "| {} | {} | {} | `{}:{}` | {} | {} | {} |",
                cell(package.name.as_deref().unwrap_or("")),
                cell(package.version.as_deref().unwrap_or("")),
                package.manager.title(),
                file.source.display().replace('`', "'"),
                finding.line,
                finding.severity,
                finding.kind,
                cell(&shown_key(finding, show_secrets))
            )?;
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
