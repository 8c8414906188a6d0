//! Scans what the APIs returned with keyhound-core: user data decoded into its pieces,
//! environments as `NAME=value` lines (so a key id pairs with its secret in the next
//! variable, and each finding's line names its variable).

use keyhound_core::{Scanner, Scratch};
use keyhound_input::env::{environment_text, scan_environment};
use keyhound_report::{ReportBuilder, Source};

use crate::collect::{Body, Text};
use crate::model::AccountAudit;
use crate::userdata;

/// Scans every text into `audit.report`, keeping each environment's variable names.
pub fn scan_texts(audit: &mut AccountAudit, mut texts: Vec<Text>, scanner: &Scanner) {
    texts.sort_by(|a, b| (&a.arn, &a.part).cmp(&(&b.arn, &b.part)));
    let mut builder = ReportBuilder::new();
    let mut scratch = Scratch::new();
    for text in texts {
        match text.body {
            Body::UserData(api_value) => {
                let decoded = userdata::decode(&api_value);
                for note in decoded.notes {
                    audit.notes.push(format!("{} {note}", text.arn));
                }
                for piece in decoded.pieces {
                    // `version 3 userData part 2 (…)` for a launch template's version.
                    let part = match text.part.strip_suffix("userData") {
                        Some(prefix) => format!("{prefix}{}", piece.label),
                        None => piece.label,
                    };
                    let source = Source::Cloud {
                        resource: text.arn.clone(),
                        part,
                    };
                    scan_environment(scanner, &mut scratch, &mut builder, source, &piece.text);
                }
            }
            Body::Variables(variables) => {
                let source = Source::Cloud {
                    resource: text.arn.clone(),
                    part: text.part.clone(),
                };
                let names: Vec<String> = variables.iter().map(|(name, _)| name.clone()).collect();
                // A value with a line break would shift the lines after it: each
                // variable stays on its own line.
                let lines = variables.into_iter().map(|(name, value)| {
                    (
                        name.into_bytes(),
                        value.replace(['\n', '\r'], " ").into_bytes(),
                    )
                });
                let body = environment_text(lines);
                audit.variables.insert(source.display(), names);
                scan_environment(scanner, &mut scratch, &mut builder, source, &body);
            }
        }
    }
    builder.sort();
    audit.report = builder.build();
}
