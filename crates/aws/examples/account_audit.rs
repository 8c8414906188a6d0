//! Audits the AWS account the standard credential chain reaches for CIS AWS 1.18 and
//! prints the JSON report, as `keyhound aws audit --format json` does. Exit 0 pass, 1
//! fail, 3 incomplete.
//!
//! ```sh
//! cargo run -p keyhound-aws --example account_audit -- [--endpoint-url URL] [REGION…]
//! ```

use std::process::ExitCode;

use keyhound_aws::{audit_account, render, AccountOptions, Status};
use keyhound_core::Scanner;

fn main() -> ExitCode {
    let mut options = AccountOptions::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--endpoint-url" => options.endpoint_url = args.next(),
            region => options.regions.push(region.to_string()),
        }
    }
    let audit = match audit_account(&options, &Scanner::default()) {
        Ok(audit) => audit,
        Err(error) => {
            eprintln!("account_audit: {error}");
            return ExitCode::from(3);
        }
    };
    if let Err(error) = render::write_json(&mut std::io::stdout().lock(), &audit, false) {
        eprintln!("account_audit: {error}");
        return ExitCode::from(2);
    }
    for gap in &audit.gaps {
        eprintln!("account_audit: not read: {}", gap.describe());
    }
    match (audit.is_incomplete(), audit.result()) {
        (true, _) => ExitCode::from(3),
        (false, Status::Fail) => ExitCode::from(1),
        (false, _) => ExitCode::SUCCESS,
    }
}
