//! `keyhound rules list | check`: what will run, and whether every rule's examples hold.

use std::path::Path;

use keyhound_core::{check_examples, Scanner};

use crate::args::RulesCommand;
use crate::exit::ExitCode;
use keyhound_config::Config;

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
            for rule in config.rules.rules() {
                println!(
                    "{:<24} {:<18} {:<9} {}",
                    rule.id(),
                    rule.kind(),
                    rule.severity(),
                    rule.name()
                );
            }
            if let Some(pairing) = config.rules.pairing() {
                println!(
                    "{:<24} {:<18} {:<9} {}",
                    pairing.rule_id(),
                    "credential",
                    pairing.severity(),
                    pairing.name()
                );
            }
            eprintln!("keyhound: {} rules ({source})", config.rules.rules().len());
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
                "keyhound: {} examples of {} rules checked ({source}): {} failed",
                examples,
                config.rules.rules().len(),
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
