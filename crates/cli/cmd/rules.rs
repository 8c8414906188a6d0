//! `keyhound rules list | check`: what will run, and whether every rule's examples hold.

use std::path::Path;

use keyhound_core::{check_examples, Scanner};

use crate::args::RulesCommand;
use crate::exit::ExitCode;
use keyhound_config::Config;
use keyhound_report::plural_of;

/// Lists or checks the active rules.
pub fn run(command: &RulesCommand) -> anyhow::Result<ExitCode> {
    let (RulesCommand::List(args) | RulesCommand::Check(args)) = command;
    let config = Config::resolve(args.config.as_deref(), args.no_config, Path::new("."))?;
    let source = config.source.as_ref().map_or_else(
        || "built-in rules only".to_string(),
        |p| p.display().to_string(),
    );
    match command {
        RulesCommand::List(_) => {
            let mut rows: Vec<[String; 4]> = config
                .rules
                .rules()
                .iter()
                .map(|rule| {
                    [
                        rule.id().to_string(),
                        rule.kind().to_string(),
                        rule.severity().to_string(),
                        rule.name().to_string(),
                    ]
                })
                .collect();
            let detection = rows.len() as u64;
            if let Some(pairing) = config.rules.pairing() {
                rows.push([
                    pairing.rule_id().to_string(),
                    "credential".to_string(),
                    pairing.severity().to_string(),
                    pairing.name().to_string(),
                ]);
            }
            print_columns(&["RULE", "KIND", "SEVERITY", "NAME"], &rows);
            let pairing = if config.rules.pairing().is_some() {
                " and the pairing rule"
            } else {
                ""
            };
            eprintln!(
                "keyhound: {}{pairing} ({source})",
                plural_of(detection, "detection rule", "detection rules")
            );
            Ok(ExitCode::Clean)
        }
        RulesCommand::Check(_) => {
            let failures = check_examples(&Scanner::new(config.rules.clone()));
            for failure in &failures {
                println!("{failure}");
            }
            let examples: usize = config
                .rules
                .rules()
                .iter()
                .map(|r| r.examples().len() + r.negative_examples().len())
                .sum();
            eprintln!(
                "keyhound: {} of {} checked ({source}): {} failed",
                plural_of(examples as u64, "example", "examples"),
                plural_of(config.rules.rules().len() as u64, "rule", "rules"),
                failures.len()
            );
            Ok(if failures.is_empty() {
                ExitCode::Clean
            } else {
                ExitCode::Findings
            })
        }
    }
}

/// Prints `rows` under `header`, each column as wide as its widest cell.
fn print_columns(header: &[&str; 4], rows: &[[String; 4]]) {
    let mut widths = header.map(str::len);
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: [&str; 4]| {
        let [id, kind, severity, name] = cells;
        println!(
            "{id:<w0$}  {kind:<w1$}  {severity:<w2$}  {name}",
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2]
        );
    };
    line(*header);
    for [id, kind, severity, name] in rows {
        line([id, kind, severity, name]);
    }
}
