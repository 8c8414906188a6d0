//! A scan of what a command line names: files, directories and `-` for standard input,
//! each event told to the caller as it comes and counted in a report, or handed over
//! whole for a report written as the scan goes.

use std::path::PathBuf;
use std::sync::mpsc;

use keyhound_core::{Scanner, Scratch};
use keyhound_report::{ReportBuilder, Source, SourceFindings};

use crate::walk::{record, record_to, walk_with, Control, Event, WalkOptions, Walked};

/// Scans `paths` into `builder`: `-` is standard input, read on its own thread while the
/// files and directories are walked in parallel (an archive piped in is opened, as
/// [`scan_stream_or_archive`](crate::scan_stream_or_archive) opens it). Every event is
/// told to `on_event` first, from the calling thread, as it arrives; then it is counted
/// ([`record`]), or with a `sink`, a source scanned to its end goes to the sink
/// ([`record_to`]). Call [`ReportBuilder::sort`] at the end.
pub fn scan_inputs(
    builder: &mut ReportBuilder,
    paths: &[PathBuf],
    options: &WalkOptions,
    scanner: &Scanner,
    control: &Control,
    mut on_event: impl FnMut(&Event),
    mut sink: Option<&mut dyn FnMut(SourceFindings)>,
) -> Walked {
    let (stdin, files): (Vec<PathBuf>, Vec<PathBuf>) =
        paths.iter().cloned().partition(|p| p.as_os_str() == "-");
    let (sender, receiver) = mpsc::channel();
    std::thread::scope(|scope| {
        let files = &files;
        // Standard input is read on its own thread: a pipe that is slow to close holds
        // up nothing else.
        if !stdin.is_empty() {
            let sender = sender.clone();
            scope.spawn(move || {
                let event = crate::scan_stream_or_archive(
                    Source::Stdin,
                    std::io::stdin().lock(),
                    options.max_file_size,
                    options.archives,
                    scanner,
                    &mut Scratch::new(),
                    &mut Vec::new(),
                    &control.cancel,
                    // The receiver outlives this thread.
                    &mut |event| {
                        let _ = sender.send(event);
                    },
                );
                let _ = sender.send(event);
            });
        }
        let walker = scope.spawn(move || walk_with(files, options, scanner, control, &sender));
        for event in receiver {
            on_event(&event);
            match &mut sink {
                Some(sink) => record_to(builder, event, sink),
                None => record(builder, event),
            }
        }
        walker
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "aws_access_key_id = AKIATDL6PABMCTNRC77F\n\
        aws_secret_access_key = 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\n";

    #[test]
    fn sources_with_findings_go_to_the_sink_and_the_rest_is_counted() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("deploy.sh"), KEY).unwrap();
        std::fs::write(dir.path().join("clean.txt"), "nothing here\n").unwrap();
        let paths = [dir.path().to_path_buf()];
        let (options, scanner) = (WalkOptions::default(), Scanner::default());
        let mut events = 0;
        let mut handed = Vec::new();
        let mut sink = |source: SourceFindings| handed.push(source);
        let mut builder = ReportBuilder::new();
        let control = Control::default();
        let tell = |_: &Event| events += 1;
        scan_inputs(
            &mut builder,
            &paths,
            &options,
            &scanner,
            &control,
            tell,
            Some(&mut sink),
        );
        let report = builder.build();
        assert_eq!(handed.len(), 1);
        assert!(report.sources.is_empty());
        assert_eq!(report.stats.files, 2);
        assert!(events >= 1);

        // Without a sink, the report holds the source.
        let mut builder = ReportBuilder::new();
        scan_inputs(
            &mut builder,
            &paths,
            &options,
            &scanner,
            &control,
            |_| {},
            None,
        );
        assert_eq!(builder.build().sources.len(), 1);
    }
}
