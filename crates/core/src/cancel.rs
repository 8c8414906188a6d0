//! Stopping a scan from another thread.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Cancels long work from another thread: give a clone to a keyhound-git scan
/// (`ScanOptions::cancel`), a keyhound-input walk (`Control::cancel`) or a keyhound-audit
/// run (`AuditOptions::cancel`), call [`Cancel::cancel`] from any thread (a Ctrl-C
/// handler, a UI), and the work stops soon after, its outcome saying it was cancelled
/// (an incomplete scan). Clones share one flag, and a flag of your own can be wrapped
/// (`Cancel::from(Arc<AtomicBool>)`). A flag once set stays set.
#[derive(Clone, Debug, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    /// A flag not set.
    pub fn new() -> Cancel {
        Cancel::default()
    }

    /// Asks every scan or walk holding this flag (or a clone) to stop.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Whether [`Cancel::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

impl From<Arc<AtomicBool>> for Cancel {
    /// Shares `flag`: storing `true` in it cancels.
    fn from(flag: Arc<AtomicBool>) -> Cancel {
        Cancel(flag)
    }
}
