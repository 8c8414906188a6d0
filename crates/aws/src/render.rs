//! The account audit's renderings: human, JSON, Markdown and SARIF. Each gives the result,
//! then every check with its status and evidence: each resource without a role and each
//! key with its region, resource and place, and the commands that fix them. Secrets are
//! redacted unless asked; the operator's credentials never appear.

use std::io::{self, Write};

use keyhound_core::RuleSet;
use keyhound_report::{
    escape, human, json as json_report, markdown_cell as cell, plural_of, sarif,
};
use serde_json::{json, Value};

use crate::model::{AccountAudit, Check, Located, Resource, Status};
use crate::remedy::{key_fix, role_fix, KEYS};
use crate::CONTROL;

/// The control's title.
pub const TITLE: &str = "Ensure IAM instance roles are used for AWS resource access from instances";

/// The version of the JSON document's layout.
pub const JSON_VERSION: u32 = 1;

/// The report formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Readable text: the verdict, each check with its evidence and fixes.
    Human {
        /// Colour with ANSI escapes.
        color: bool,
    },
    /// One JSON document.
    Json,
    /// Markdown, for a ticket, a wiki page or a CI job summary.
    Markdown,
    /// SARIF 2.1.0, resources located at their ARNs.
    Sarif,
}

/// Writes `audit` in `format` (`rules`: the scanner's, which SARIF describes).
pub fn write(
    out: &mut dyn Write,
    audit: &AccountAudit,
    format: Format,
    rules: &RuleSet,
    show_secrets: bool,
) -> io::Result<()> {
    match format {
        Format::Human { color } => write_human(out, audit, human::Style { color }, show_secrets),
        Format::Json => write_json(out, audit, show_secrets),
        Format::Markdown => write_markdown(out, audit, show_secrets),
        Format::Sarif => write_sarif(out, audit, rules, show_secrets),
    }
}

/// `account 123456789012, 17 regions`.
fn scope(audit: &AccountAudit) -> String {
    format!(
        "account {}, {}",
        audit.account.as_deref().unwrap_or("unknown"),
        plural_of(audit.regions.len() as u64, "region", "regions")
    )
}

/// The result line: `FAIL: 2 instances without a role, 3 long-lived keys` …
pub fn headline(audit: &AccountAudit) -> String {
    let instances = audit.without_role(Check::InstanceRoles).len() as u64;
    let launchers = audit.without_role(Check::LaunchRoles).len() as u64;
    let keys = audit.failing_keys_everywhere() as u64;
    let mut failing = Vec::new();
    if instances > 0 {
        failing.push(plural_of(instances, "instance", "instances") + " without a role");
    }
    if launchers > 0 {
        failing.push(
            plural_of(
                launchers,
                "launch template version or configuration",
                "launch template versions and configurations",
            ) + " without a role",
        );
    }
    if keys > 0 {
        failing.push(plural_of(keys, "long-lived key", "long-lived keys"));
    }
    let mut text = match audit.result() {
        Status::Pass => format!(
            "PASS: every instance and launch template has a role, no long-lived key in {}",
            plural_of(audit.resources.len() as u64, "resource", "resources")
        ),
        Status::Fail => format!("FAIL: {}", failing.join(", ")),
        Status::Incomplete => {
            "INCOMPLETE: nothing read fails, but not everything could be read".to_string()
        }
    };
    if audit.is_incomplete() && audit.result() == Status::Fail {
        text.push_str(&format!(
            " (incomplete: {} not read)",
            plural_of(audit.gaps.len() as u64, "call", "calls")
        ));
    }
    text
}

fn resource_label(resource: &Resource) -> String {
    let mut label = format!(
        "{} {} {}",
        resource.region,
        resource.kind.title(),
        resource.id
    );
    if let Some(name) = &resource.name {
        label.push_str(&format!(" ({})", escape(name)));
    }
    label
}

/// Writes the human report.
pub fn write_human(
    out: &mut dyn Write,
    audit: &AccountAudit,
    style: human::Style,
    show_secrets: bool,
) -> io::Result<()> {
    writeln!(
        out,
        "{}",
        style.paint("1", &format!("{CONTROL} audit of {}", scope(audit)))
    )?;
    writeln!(out, "{TITLE}")?;
    for (number, &check) in Check::ALL.iter().enumerate() {
        let status = audit.status(check);
        let code = match status {
            Status::Pass => "32",
            Status::Fail => "1;31",
            Status::Incomplete => "33",
        };
        writeln!(out)?;
        writeln!(
            out,
            "{} {}. {}: {}",
            style.paint(code, status.label()),
            number + 1,
            check.title(),
            audit.summary(check)
        )?;
        if matches!(check, Check::InstanceRoles | Check::LaunchRoles) {
            for resource in audit.without_role(check) {
                let role = resource
                    .role
                    .as_ref()
                    .map(|r| r.describe())
                    .unwrap_or_default();
                writeln!(out, "  {}: {role}", resource_label(resource))?;
                writeln!(out, "    {}", resource.arn)?;
                for command in role_fix(resource) {
                    writeln!(out, "    fix: {command}")?;
                }
            }
        }
        for found in audit.findings_of(check) {
            let (_, part) = found.file.source.cloud().unwrap_or(("", ""));
            let mut label = resource_label(found.resource);
            if found.place != part {
                label.push_str(&format!(", variable {}", escape(found.place)));
            }
            writeln!(out, "  {label}")?;
            writeln!(out, "    {}", found.resource.arn)?;
            human::write_finding(
                out,
                &format!("    {}", escape(part)),
                found.finding,
                style,
                show_secrets,
            )?;
            if let Some(verification) = audit.report.verification_of(found.finding) {
                human::write_verification(out, verification, style)?;
            }
            if audit.fails(found.finding) {
                for command in key_fix(&found) {
                    writeln!(out, "    fix: {command}")?;
                }
            }
        }
        for gap in audit.gaps_of(check) {
            writeln!(
                out,
                "  {}",
                style.paint("33", &format!("not read: {}", gap.describe()))
            )?;
        }
    }
    if !audit.notes.is_empty() {
        writeln!(out)?;
        for note in &audit.notes {
            writeln!(out, "note: {}", escape(note))?;
        }
    }
    writeln!(out)?;
    writeln!(
        out,
        "{}",
        style.paint("1", &format!("Result: {}", headline(audit)))
    )?;
    let key_checks = [
        Check::UserData,
        Check::LambdaEnvironments,
        Check::EcsEnvironments,
    ];
    if key_checks.iter().any(|&c| audit.status(c) == Status::Fail) {
        writeln!(out, "{KEYS}")?;
    }
    Ok(())
}

fn role_json(resource: &Resource) -> Value {
    let Some(role) = &resource.role else {
        return Value::Null;
    };
    let mut value = json!({ "status": role.id(), "summary": role.describe() });
    match role {
        crate::Role::NoProfile => {}
        crate::Role::Attached { profile, roles } => {
            value["profile"] = json!(profile);
            value["roles"] = json!(roles);
        }
        crate::Role::EmptyProfile { profile }
        | crate::Role::MissingProfile { profile }
        | crate::Role::Unchecked { profile } => value["profile"] = json!(profile),
    }
    value
}

fn finding_value(audit: &AccountAudit, found: &Located<'_>, show_secrets: bool) -> Value {
    let mut value =
        json_report::finding_json(&audit.report, found.file, found.finding, show_secrets);
    let (_, part) = found.file.source.cloud().unwrap_or(("", ""));
    value["region"] = json!(found.resource.region);
    value["resource"] = json!(found.resource.arn);
    value["resource_id"] = json!(found.resource.id);
    value["resource_kind"] = json!(found.resource.kind.id());
    value["check"] = json!(found.resource.kind.key_check().id());
    value["part"] = json!(part);
    if found.place != part {
        value["variable"] = json!(found.place);
    }
    value["fails"] = json!(audit.fails(found.finding));
    value["remediation"] = json!(key_fix(found));
    value
}

/// Writes the JSON document (described in `docs/aws-audit.md`).
pub fn write_json(out: &mut dyn Write, audit: &AccountAudit, show_secrets: bool) -> io::Result<()> {
    let checks: Vec<Value> = Check::ALL
        .iter()
        .map(|&check| {
            json!({
                "id": check.id(),
                "title": check.title(),
                "status": audit.status(check).id(),
                "summary": audit.summary(check),
            })
        })
        .collect();
    let resources: Vec<Value> = audit
        .resources
        .iter()
        .map(|resource| {
            let mut value = json!({
                "kind": resource.kind.id(),
                "region": resource.region,
                "id": resource.id,
                "arn": resource.arn,
            });
            if let Some(name) = &resource.name {
                value["name"] = json!(name);
            }
            if let Some(version) = resource.version {
                value["version"] = json!(version);
            }
            if resource.role.is_some() {
                value["role"] = role_json(resource);
                if resource.role.as_ref().is_some_and(crate::Role::fails) {
                    value["remediation"] = json!(role_fix(resource));
                }
            }
            value
        })
        .collect();
    let findings: Vec<Value> = audit
        .located()
        .iter()
        .map(|found| finding_value(audit, found, show_secrets))
        .collect();
    let gaps: Vec<Value> = audit
        .gaps
        .iter()
        .map(|gap| {
            json!({
                "region": gap.region,
                "action": gap.action,
                "resource": gap.resource,
                "denied": gap.denied,
                "error": gap.error,
                "checks": gap.checks.iter().map(|c| c.id()).collect::<Vec<_>>(),
            })
        })
        .collect();
    let document = json!({
        "version": JSON_VERSION,
        "tool": { "name": "keyhound", "version": env!("CARGO_PKG_VERSION") },
        "control": CONTROL,
        "title": TITLE,
        "account": audit.account,
        "regions": audit.regions,
        "result": audit.result().id(),
        "complete": !audit.is_incomplete(),
        "headline": headline(audit),
        "checks": checks,
        "resources": resources,
        "findings": findings,
        "gaps": gaps,
        "notes": audit.notes,
        "stats": json_report::stats_json(&audit.report),
    });
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)
}

/// Writes the Markdown report.
pub fn write_markdown(
    out: &mut dyn Write,
    audit: &AccountAudit,
    show_secrets: bool,
) -> io::Result<()> {
    writeln!(out, "# {CONTROL} audit of {}", cell(&scope(audit)))?;
    writeln!(out)?;
    writeln!(out, "_{TITLE}_")?;
    writeln!(out)?;
    writeln!(out, "**Result: {}**", cell(&headline(audit)))?;
    writeln!(out)?;
    writeln!(out, "| # | Check | Result | Evidence |")?;
    writeln!(out, "|---|---|---|---|")?;
    for (number, &check) in Check::ALL.iter().enumerate() {
        writeln!(
            out,
            "| {} | {} | **{}** | {} |",
            number + 1,
            check.title(),
            audit.status(check).label(),
            cell(&audit.summary(check))
        )?;
    }
    let roleless: Vec<&Resource> = [Check::InstanceRoles, Check::LaunchRoles]
        .iter()
        .flat_map(|&c| audit.without_role(c))
        .collect();
    if !roleless.is_empty() {
        writeln!(out)?;
        writeln!(out, "## Without an IAM role")?;
        writeln!(out)?;
        writeln!(out, "| Region | Resource | Role | Fix |")?;
        writeln!(out, "|---|---|---|---|")?;
        for resource in roleless {
            let role = resource
                .role
                .as_ref()
                .map(|r| r.describe())
                .unwrap_or_default();
            let fix: Vec<String> = role_fix(resource)
                .iter()
                .map(|c| format!("`{}`", c.replace('`', "'")))
                .collect();
            writeln!(
                out,
                "| {} | {} `{}` | {} | {} |",
                cell(&resource.region),
                resource.kind.title(),
                cell(&resource.id),
                cell(&role),
                fix.join("<br>")
            )?;
        }
    }
    let located = audit.located();
    if !located.is_empty() {
        writeln!(out)?;
        writeln!(out, "## Keys")?;
        writeln!(out)?;
        writeln!(
            out,
            "| Region | Resource | Where | Severity | Key | Account | Fails |"
        )?;
        writeln!(out, "|---|---|---|---|---|---|---|")?;
        for found in &located {
            let key = found
                .finding
                .parts
                .iter()
                .map(|p| p.shown_value(show_secrets))
                .collect::<Vec<_>>()
                .join(" ");
            writeln!(
                out,
                "| {} | {} `{}` | {} | {} | `{}` | {} | {} |",
                cell(&found.resource.region),
                found.resource.kind.title(),
                cell(&found.resource.id),
                cell(&audit.place_of(found)),
                found.finding.severity,
                cell(&key),
                cell(found.finding.account_id().as_deref().unwrap_or("")),
                if audit.fails(found.finding) {
                    "yes"
                } else {
                    "no (example)"
                }
            )?;
        }
        writeln!(out)?;
        writeln!(out, "{KEYS}")?;
    }
    if !audit.gaps.is_empty() {
        writeln!(out)?;
        writeln!(out, "## Not read")?;
        writeln!(out)?;
        for gap in &audit.gaps {
            writeln!(out, "- {}", cell(&gap.describe()))?;
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
    writeln!(out)?;
    writeln!(
        out,
        "_{} resources read in {:.2}s by keyhound {}._",
        audit.resources.len(),
        audit.report.stats.elapsed.as_secs_f64(),
        env!("CARGO_PKG_VERSION")
    )
}

/// Writes one SARIF log: keyhound-report's results for the keys (located at their
/// resource's ARN, lines counted in the part, the variable named), and a result for each
/// resource without a role, under a rule per role check.
pub fn write_sarif(
    out: &mut dyn Write,
    audit: &AccountAudit,
    rules: &RuleSet,
    show_secrets: bool,
) -> io::Result<()> {
    let mut buffer = Vec::new();
    sarif::write(&mut buffer, &audit.report, rules, show_secrets)?;
    let mut log: Value = serde_json::from_slice(&buffer).map_err(io::Error::other)?;
    let run = &mut log["runs"][0];

    // Keys: say in which part of the resource, and name the variable.
    let located = audit.located();
    if let Some(results) = run["results"].as_array_mut() {
        for result in results.iter_mut() {
            let uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let line = result["locations"][0]["physicalLocation"]["region"]["startLine"]
                .as_u64()
                .unwrap_or(0);
            let fingerprint = result["partialFingerprints"]["keyhound/v1"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let Some(found) = located.iter().find(|f| {
                sarif::arn_uri(&f.resource.arn) == uri
                    && f.finding.line as u64 == line
                    && f.finding.fingerprint.to_hex() == fingerprint
            }) else {
                continue;
            };
            let text = result["message"]["text"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            result["message"]["text"] = json!(format!(
                "{text} In {} {}, {} ({}).",
                found.resource.kind.title(),
                found.resource.id,
                audit.place_of(found),
                found.resource.region
            ));
            result["locations"][0]["logicalLocations"] = json!([{
                "name": found.place,
                "fullyQualifiedName": format!("{}#{}", found.resource.arn, audit.place_of(found)),
                "kind": if found.place.contains(' ') || found.place.starts_with("userData") { "resource" } else { "variable" },
            }]);
        }
    }

    // Resources without a role: one rule per role check.
    let checks = [Check::InstanceRoles, Check::LaunchRoles];
    if let Some(driver_rules) = run["tool"]["driver"]["rules"].as_array_mut() {
        let first = driver_rules.len();
        for check in checks {
            driver_rules.push(json!({
                "id": format!("aws-{}", check.id()),
                "name": pascal(check.id()),
                "shortDescription": { "text": check.title() },
                "fullDescription": { "text": check.rule_text() },
                "help": { "text": check.rule_text(), "markdown": check.rule_text() },
                "defaultConfiguration": { "level": "error" },
                "properties": { "security-severity": "8.0", "tags": ["security", "CIS-AWS-1.18"] },
            }));
        }
        let mut extra = Vec::new();
        for (offset, check) in checks.iter().enumerate() {
            for resource in audit.without_role(*check) {
                let role = resource
                    .role
                    .as_ref()
                    .map(|r| r.describe())
                    .unwrap_or_default();
                extra.push(json!({
                    "ruleId": format!("aws-{}", check.id()),
                    "ruleIndex": first + offset,
                    "level": "error",
                    "message": { "text": format!(
                        "{} in {}: {role}. Fix: {}",
                        resource.kind.title(),
                        resource.region,
                        role_fix(resource).join(" ; ")
                    ) },
                    "locations": [{
                        // A resource has no lines: its start, as an archive's entry is.
                        "physicalLocation": {
                            "artifactLocation": { "uri": sarif::arn_uri(&resource.arn) },
                            "region": { "startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 2 },
                        },
                        "logicalLocations": [{ "name": resource.id, "kind": "resource" }],
                    }],
                    "partialFingerprints": { "keyhound/v1": format!("{}#{}", resource.arn, resource.version.unwrap_or(0)) },
                    "properties": { "region": resource.region, "resourceKind": resource.kind.id() },
                }));
            }
        }
        if let Some(results) = run["results"].as_array_mut() {
            results.extend(extra);
        }
    }
    run["properties"]["account"] = json!(audit.account);
    run["properties"]["regions"] = json!(audit.regions);
    run["properties"]["result"] = json!(audit.result().id());
    run["properties"]["notRead"] =
        json!(audit.gaps.iter().map(|g| g.describe()).collect::<Vec<_>>());
    if audit.is_incomplete() {
        run["invocations"] = json!([{
            "executionSuccessful": false,
            "toolExecutionNotifications": audit.gaps.iter().map(|g| json!({
                "level": "error",
                "message": { "text": g.describe() },
            })).collect::<Vec<_>>(),
        }]);
    }
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

/// `instance-roles` → `InstanceRoles`.
fn pascal(id: &str) -> String {
    id.split('-')
        .map(|w| {
            let mut chars = w.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}
