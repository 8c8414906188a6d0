//! keyhound-report turns what keyhound found into a report people and tools read.
//!
//! * The model: a [`Report`] holds findings grouped by their [`Source`] (a file, standard
//!   input, an environment, a process, a git blob with its [`Commit`]), the scan's
//!   [`Stats`], and what a verifier said about each credential. A [`ReportBuilder`] puts
//!   one together as a scan goes.
//! * Filters, the one place that drops findings and keeps the counts right: an
//!   [`Allowlist`] (by path, by value, example keys) and a [`Baseline`] (the findings a
//!   repository already has, in a file that is deterministic, merge-friendly and holds no
//!   secret).
//! * Writers: [`human`] (a block per finding, then what to do), [`json`] (one document,
//!   or JSON Lines), [`sarif`] (2.1.0, for GitHub code scanning) and [`gitlab`] (GitLab's
//!   secret-detection report). [`write()`] picks one by [`Format`]. Each writes straight
//!   to its output, building no copy of the findings; a [`StreamWriter`] writes the human
//!   and JSON Lines formats a source at a time, as a scan finds them.
//!
//! Every writer redacts secrets and session tokens to their first 4 characters unless
//! asked to show them; key ids are shown in full (an administrator needs them to
//! deactivate the key). Paths and repository text are escaped, so a file name cannot
//! inject terminal escapes or CI annotations.
//!
//! ```
//! use keyhound_core::Scanner;
//! use keyhound_report::{write, Format, ReportBuilder, Source, WriteOptions};
//!
//! let scanner = Scanner::default();
//! let text = b"aws_access_key_id = AKIAQWZ7RNE3OSJHKV4D
//! aws_secret_access_key = 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
//! ";
//! let mut builder = ReportBuilder::new();
//! builder.scanned(
//!     Source::Path("config/credentials".into()),
//!     text.len() as u64,
//!     scanner.scan(text),
//!     Vec::new(),
//! );
//! let report = builder.build();
//!
//! let mut sarif = Vec::new();
//! write(&mut sarif, &report, scanner.rules(), Format::Sarif, WriteOptions::default())?;
//! let log: serde_json::Value = serde_json::from_slice(&sarif)?;
//! let result = &log["runs"][0]["results"][0];
//! assert_eq!(result["ruleId"], "aws-credential");
//! // The secret is redacted in the message.
//! assert!(!String::from_utf8(sarif)?.contains("R9oUz3yBJb2fM"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

mod baseline;
mod builder;
mod ci_log;
mod filter;
pub mod gitlab;
pub mod human;
pub mod json;
mod model;
pub mod own;
mod rules;
pub mod sarif;
mod stream;
mod text;

use std::io::{self, Write};

use keyhound_core::RuleSet;

pub use baseline::{Baseline, BaselineError, BaselineErrorKind, FILE_NAME as BASELINE_FILE};
pub use builder::ReportBuilder;
pub use ci_log::write_ci_log;
pub use filter::{Allowlist, ExamplePolicy};
pub use model::{Commit, GitOrigin, GitStats, NotScanned, Report, Source, SourceFindings, Stats};
pub use rules::rules_table;
pub use sarif::Written;
pub use stream::{BaselineFilter, StreamWriter, Streamed};
pub use text::{
    display_path, escape, key_of, markdown_cell, part_label, path_of_bytes, plural_of, provenance,
    utc_date,
};

/// The report formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Readable text: a block per finding, then what to do ([`human`]).
    Human,
    /// One JSON document ([`json::write_json`]).
    Json,
    /// One JSON object per finding, then a summary line ([`json::write_jsonl`]).
    Jsonl,
    /// SARIF 2.1.0 ([`sarif`]).
    Sarif,
    /// GitLab's secret-detection report ([`gitlab`]); always redacted.
    Gitlab,
}

impl std::str::FromStr for Format {
    type Err = String;

    fn from_str(text: &str) -> Result<Format, String> {
        match text {
            "human" => Ok(Format::Human),
            "json" => Ok(Format::Json),
            "jsonl" => Ok(Format::Jsonl),
            "sarif" => Ok(Format::Sarif),
            "gitlab" => Ok(Format::Gitlab),
            _ => Err(format!(
                "unknown format {text:?}: expected human, json, jsonl, sarif or gitlab"
            )),
        }
    }
}

/// How [`write()`] writes.
#[derive(Clone, Copy, Debug, Default)]
pub struct WriteOptions {
    /// Show secrets and tokens in full (never in the GitLab format).
    pub show_secrets: bool,
    /// Colour the human format with ANSI escapes.
    pub color: bool,
}

/// Writes `report` in `format` to `out`. `rules` are the rules the scan ran with: they
/// give the rule names, descriptions and remediation.
pub fn write(
    out: &mut dyn Write,
    report: &Report,
    rules: &RuleSet,
    format: Format,
    options: WriteOptions,
) -> io::Result<Written> {
    let all = Written {
        total: report.findings().count(),
        dropped: 0,
    };
    match format {
        Format::Human => {
            let style = human::Style {
                color: options.color,
            };
            human::write(out, report, rules, style, options.show_secrets)?;
        }
        Format::Json => json::write_json(out, report, options.show_secrets)?,
        Format::Jsonl => json::write_jsonl(out, report, options.show_secrets)?,
        Format::Gitlab => gitlab::write(out, report, rules)?,
        Format::Sarif => return sarif::write(out, report, rules, options.show_secrets),
    }
    Ok(all)
}
