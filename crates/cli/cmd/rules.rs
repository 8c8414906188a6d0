//! `keyhound rules list | check`: what will run, and whether every rule's examples hold.

use std::path::Path;

use keyhound_core::{check_examples, Scanner};

use crate::args::RulesCommand;
use crate::exit::ExitCode;
use keyhound_config::Config;
use keyhound_report::{plural_of, rules_table};

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
            print!("{}", rules_table(&config.rules));
            let detection = config.rules.rules().len() as u64;
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
            Ok(ExitCode::of(false, !failures.is_empty()))
        }
    }
}
