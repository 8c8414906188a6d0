//! `keyhound audit`: CIS AWS 1.18 on this host or on a file system mounted at `--root`,
//! run by keyhound-audit; this module wires the flags and prints the report.

use std::sync::Arc;
use std::time::Instant;

use keyhound_audit::{audit, imds, render, AuditOptions, Notice, Verdict};
use keyhound_config::Config;
use keyhound_report::human;

use crate::args::{AuditArgs, AuditFormat};
use crate::cmd::{open_output, verify};
use crate::exit::ExitCode;
use crate::tell::tell_walk;

/// Runs the audit and returns the exit code.
pub fn run(args: &AuditArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    // The audited system's own .keyhound.toml is never read: only --config.
    let config = Config::resolve(args.config.as_deref(), true, &args.root)?;
    let imds_endpoint = imds::endpoint(
        args.imds_endpoint.as_deref(),
        std::env::var(imds::ENDPOINT_VARIABLE).ok().as_deref(),
    )
    .map_err(|err| anyhow::anyhow!("--imds-endpoint: {err}"))?;
    // A progress bar of the files walked, on a terminal only.
    let bar = crate::progress::Bar::on_terminal("files").map(Arc::new);
    let options = AuditOptions {
        root: args.root.clone(),
        imds: args.imds,
        imds_endpoint,
        imds_timeout: args.imds_timeout,
        max_file_size: config.blob_size_limit(args.max_file_size),
        threads: args.threads.threads.unwrap_or(0),
        fail_on_examples: config.fail_on_examples(args.fail_on_examples),
        strict: args.strict,
        progress: bar
            .clone()
            .map(|bar| bar as Arc<dyn keyhound_input::Progress>),
        ..AuditOptions::default()
    };
    let scanner = config.scanner();
    // Notices are printed with the bar hidden, so lines and bar do not mix.
    let notice = |notice: Notice<'_>| match &bar {
        Some(bar) => bar.suspend(|| tell(notice)),
        None => tell(notice),
    };
    let mut audit =
        audit(&options, &scanner, notice).map_err(|err| anyhow::anyhow!("--root {err}"))?;
    config.apply(&mut audit.report);
    audit.report.forget_suppressed();
    let findings = audit.report.findings().map(|(_, f)| f);
    audit.report.verification = verify(findings, &args.verification);
    audit.report.stats.elapsed = started.elapsed();

    let (mut out, to_file) = open_output(args.report_path.as_deref())?;
    match args.format {
        AuditFormat::Human => {
            let style = human::Style {
                color: args.color.enabled(to_file),
            };
            render::write_human(&mut out, &audit, style, args.show_secrets)?
        }
        AuditFormat::Json => render::write_json(&mut out, &audit, args.show_secrets)?,
        AuditFormat::Markdown => render::write_markdown(&mut out, &audit, args.show_secrets)?,
    }
    out.flush()?;
    drop(out);
    eprintln!(
        "{}",
        human::summary_line(&audit.report.stats, &audit.report)
    );
    let failing = audit.result() == Verdict::Fail;
    Ok(ExitCode::of(!audit.incomplete().is_empty(), failing))
}

/// Names what the audit cannot read, as it happens.
fn tell(notice: Notice<'_>) {
    match notice {
        Notice::Walk(event) => tell_walk(event),
        Notice::PlaceUnreadable { path, error } => {
            eprintln!("keyhound: {path}: cannot read: {error}")
        }
        Notice::ProcessesNotListed(error) => {
            eprintln!("keyhound: /proc: cannot list processes: {error}")
        }
        Notice::ProcessUnreadable { name, error } => {
            eprintln!("keyhound: {name}: cannot read: {error}")
        }
    }
}
