//! A progress bar for long scans (git history, directories): blobs or files, bytes and
//! rate, on stderr, only when stderr is a terminal. Piped or redirected runs print nothing
//! extra.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A progress bar on stderr.
pub struct Bar {
    bar: ProgressBar,
    bytes: AtomicU64,
    done: AtomicU64,
    /// Files found so far, for a directory walk (which tells them as it finds them).
    found: AtomicU64,
}

impl Bar {
    /// A bar counting `unit`s (`blobs`, `files`), if stderr is a terminal that can draw one
    /// (`TERM=dumb` cannot).
    pub fn on_terminal(unit: &str) -> Option<Bar> {
        let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
        if !std::io::stderr().is_terminal() || dumb {
            return None;
        }
        // Redrawn at most 10 times a second, from whichever thread is reporting.
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(10));
        let template = format!("{{spinner}} {{pos}}/{{len}} {unit}, {{msg}} [{{elapsed}}]");
        let style = ProgressStyle::with_template(&template)
            .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        Some(Bar {
            bar,
            bytes: AtomicU64::new(0),
            done: AtomicU64::new(0),
            found: AtomicU64::new(0),
        })
    }

    /// Runs `f` (which prints on stderr) with the bar hidden, so lines and bar do not mix.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        self.bar.suspend(f)
    }

    /// Counts one blob or file done. The bar takes a lock on every update, which the
    /// scanning threads would contend for on every small file: it is told only every 256.
    fn done(&self, bytes: u64) {
        let total = self.bytes.fetch_add(bytes, Ordering::Relaxed) + bytes;
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        if done.is_multiple_of(256) {
            let found = self.found.load(Ordering::Relaxed);
            if found > 0 {
                self.bar.set_length(found.max(done));
            }
            self.bar.set_position(done);
            let seconds = self.bar.elapsed().as_secs_f64().max(0.001);
            let mib = total as f64 / f64::from(1 << 20);
            self.bar
                .set_message(format!("{mib:.1} MiB, {:.1} MiB/s", mib / seconds));
        }
    }
}

impl keyhound_git::Progress for Bar {
    fn discovered(&self, blobs: u64) {
        self.bar.set_length(blobs);
    }

    fn blob_done(&self, bytes: u64) {
        self.done(bytes);
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl keyhound_input::Progress for Bar {
    fn files_found(&self, count: u64) {
        self.found.fetch_add(count, Ordering::Relaxed);
    }

    fn file_done(&self, bytes: u64) {
        self.done(bytes);
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
