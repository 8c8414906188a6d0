//! `.keyhound.toml`: any text either loads or is an error whose message can be shown; a
//! configuration that loads scans the file itself with its rules and applies its
//! allowlists to the report, without a panic.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use keyhound_config::Config;
use keyhound_core::Scanner;
use keyhound_report::{ReportBuilder, Source};
use libfuzzer_sys::fuzz_target;

/// The configuration file of this process, rewritten for every input.
fn path() -> &'static PathBuf {
    static FILE: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, path) = FILE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join(".keyhound.toml");
        (dir, path)
    });
    path
}

fuzz_target!(|input: &[u8]| {
    let Ok(text) = std::str::from_utf8(input) else {
        return;
    };
    std::fs::write(path(), text).expect("write the configuration");
    let config = match Config::load(path()) {
        Ok(config) => config,
        Err(err) => {
            let _ = err.to_string();
            return;
        }
    };
    let scanner = Scanner::new(config.rules.clone());
    let findings = scanner.scan(text.as_bytes());
    let mut builder = ReportBuilder::new();
    for source in [
        Source::Path(path().clone()),
        Source::Path("src/app.py".into()),
    ] {
        builder.scanned(source, text.len() as u64, findings.clone(), Vec::new());
    }
    let mut report = builder.build();
    config.apply(&mut report);
    let _ = (config.file_size_limit(None), config.blob_size_limit(None));
});
