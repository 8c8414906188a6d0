//! Stopping a scan from another thread.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Cancels a running scan: give a clone to [`ScanOptions::cancel`](crate::ScanOptions),
/// call [`Cancel::cancel`] from any thread (a Ctrl-C handler, a UI), and the scan stops
/// soon after, its outcome [`cancelled`](crate::Outcome::cancelled). Clones share one
/// flag, and a flag of your own can be wrapped (`Cancel::from(Arc<AtomicBool>)`), so one
/// flag can stop a keyhound-input walk too. A flag once set stays set.
#[derive(Clone, Debug, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    /// A flag not set.
    pub fn new() -> Cancel {
        Cancel::default()
    }

    /// Asks every scan holding this flag (or a clone) to stop.
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
