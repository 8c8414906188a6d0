//! Baselines (`Baseline::parse`): any text either reads or is an error whose message can
//! be shown; a baseline that reads renders to text that reads back as the same baseline,
//! and applies to a report without a panic.
#![no_main]

use std::path::Path;

use keyhound_core::Scanner;
use keyhound_report::{Baseline, ReportBuilder, Source};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let Ok(text) = std::str::from_utf8(input) else {
        return;
    };
    let path = Path::new(".keyhound-baseline.json");
    let baseline = match Baseline::parse(path, text) {
        Ok(baseline) => baseline,
        Err(err) => {
            let _ = err.to_string();
            return;
        }
    };
    let rendered = baseline.render();
    let again = Baseline::parse(path, &rendered).expect("a rendered baseline reads back");
    assert!(again == baseline, "the same baseline after a round trip");
    assert_eq!(again.render(), rendered, "rendering is deterministic");
    for entry in baseline.entries() {
        let _ = entry.short_fingerprint();
    }
    // Applied to the findings of its own text, under each path it names.
    let findings = Scanner::default().scan(input);
    let mut builder = ReportBuilder::new();
    for entry in baseline.entries().take(8) {
        let source = Source::Path(entry.path.clone().into());
        builder.scanned(source, input.len() as u64, findings.clone(), Vec::new());
    }
    let mut report = builder.build();
    baseline.apply(&mut report);
    assert!(report.stats.baselined <= findings.len() as u64 * 8);
});
