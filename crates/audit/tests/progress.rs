//! An audit tells a `Progress` of every file it walks, as `keyhound audit` shows on a
//! terminal.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use keyhound_audit::{audit, AuditOptions};
use keyhound_core::Scanner;
use keyhound_input::Progress;

#[derive(Default)]
struct Counted {
    found: AtomicU64,
    done: AtomicU64,
    finished: AtomicU64,
}

impl Progress for Counted {
    fn files_found(&self, count: u64) {
        self.found.fetch_add(count, Ordering::Relaxed);
    }
    fn file_done(&self, _bytes: u64) {
        self.done.fetch_add(1, Ordering::Relaxed);
    }
    fn finish(&self) {
        self.finished.fetch_add(1, Ordering::Relaxed);
    }
}

#[test]
fn an_audit_tells_its_progress_of_every_file_walked() {
    let root = tempfile::tempdir().expect("temp dir");
    for (path, text) in [
        ("etc/environment", "LANG=C\n"),
        ("etc/profile.d/aws.sh", "export AWS_REGION=eu-west-1\n"),
        ("opt/app/config.yml", "region: eu-west-1\n"),
    ] {
        let path = root.path().join(path);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("dirs made");
        std::fs::write(path, text).expect("file written");
    }
    let counted = Arc::new(Counted::default());
    let options = AuditOptions {
        root: root.path().to_path_buf(),
        progress: Some(counted.clone()),
        ..AuditOptions::default()
    };
    let result = audit(&options, &Scanner::default(), |_| {}).expect("the audit runs");
    let scanned = result.report.stats.files;
    assert!(scanned >= 3, "{scanned} files scanned");
    assert_eq!(counted.done.load(Ordering::Relaxed), scanned);
    assert!(counted.found.load(Ordering::Relaxed) >= scanned);
    assert!(counted.finished.load(Ordering::Relaxed) >= 1);
}
