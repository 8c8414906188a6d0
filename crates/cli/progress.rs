//! A progress bar for long git scans: blobs, bytes and rate, on stderr, only when stderr is
//! a terminal. Piped or redirected runs print nothing extra.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A progress bar on stderr.
pub struct Bar {
    bar: ProgressBar,
    bytes: AtomicU64,
    blobs: AtomicU64,
}

impl Bar {
    /// A bar, if stderr is a terminal that can draw one (`TERM=dumb` cannot).
    pub fn on_terminal() -> Option<Bar> {
        let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
        if !std::io::stderr().is_terminal() || dumb {
            return None;
        }
        // Redrawn at most 10 times a second, from whichever thread is reporting.
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(10));
        let style = ProgressStyle::with_template("{spinner} {pos}/{len} blobs, {msg} [{elapsed}]")
            .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        Some(Bar {
            bar,
            bytes: AtomicU64::new(0),
            blobs: AtomicU64::new(0),
        })
    }
}

impl keyhound_git::Progress for Bar {
    fn discovered(&self, blobs: u64) {
        self.bar.set_length(blobs);
    }

    fn blob_done(&self, bytes: u64) {
        let total = self.bytes.fetch_add(bytes, Ordering::Relaxed) + bytes;
        let blobs = self.blobs.fetch_add(1, Ordering::Relaxed) + 1;
        // The bar takes a lock on every update, which the scanning threads would contend
        // for on every small blob: it is told only every 256 blobs.
        if blobs.is_multiple_of(256) {
            self.bar.set_position(blobs);
            let seconds = self.bar.elapsed().as_secs_f64().max(0.001);
            let mib = total as f64 / f64::from(1 << 20);
            self.bar
                .set_message(format!("{mib:.1} MiB, {:.1} MiB/s", mib / seconds));
        }
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
