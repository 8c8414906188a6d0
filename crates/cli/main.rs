//! The `keyhound` binary: parse arguments, run the sub-command, map the outcome to an exit
//! code. Detection is keyhound-core's, inputs keyhound-input's and keyhound-git's,
//! reports keyhound-report's, verification keyhound-verify's, the host audit
//! keyhound-audit's: this crate wires them to flags, progress and stderr.

mod args;
mod cilog;
mod cmd;
mod exit;
mod progress;
mod tell;

use clap::Parser;

use crate::args::{Cli, Command};
use crate::exit::ExitCode;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let outcome = match &cli.command {
        Command::Scan(args) => cmd::scan::run(args),
        Command::Git(command) => cmd::git::run(command),
        Command::InstallHook(args) => cmd::install_hook::run(args),
        Command::Env(args) => cmd::env::run(args),
        Command::Audit(args) => cmd::audit::run(args),
        Command::Rules(command) => cmd::rules::run(command),
        Command::Baseline(args) => cmd::scan::baseline(args),
    };
    match outcome {
        Ok(code) => code.into(),
        Err(err) => {
            eprintln!("keyhound: error: {err:#}");
            ExitCode::Usage.into()
        }
    }
}
