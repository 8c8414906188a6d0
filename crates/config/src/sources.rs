//! Filtering a scan one source at a time, for a report written as the scan goes: each
//! source is filtered as [`Config::apply`], [`Report::forget_suppressed`] and
//! [`Baseline::apply`](keyhound_report::Baseline::apply) filter a finished report, and
//! the counts come together at the end.

use keyhound_report::{Baseline, BaselineFilter, Report, SourceFindings, Stats};

use crate::Config;

/// A configuration's allowlists and example policy, inline suppressions and a baseline,
/// applied to one source at a time.
pub struct SourceFilter<'a> {
    config: &'a Config,
    keep_suppressed: bool,
    baseline: Option<BaselineFilter<'a>>,
    /// What the allowlists and the example policy dropped from the sources so far.
    dropped: Stats,
}

impl<'a> SourceFilter<'a> {
    /// A filter of `config`, keeping the findings inline comments suppressed (to be
    /// listed) with `keep_suppressed`, and dropping those `baseline` knows.
    pub fn new(
        config: &'a Config,
        keep_suppressed: bool,
        baseline: Option<&'a Baseline>,
    ) -> SourceFilter<'a> {
        SourceFilter {
            config,
            keep_suppressed,
            baseline: baseline.map(BaselineFilter::new),
            dropped: Stats::default(),
        }
    }

    /// `source` filtered, or `None` when nothing of it is left to report.
    pub fn source(&mut self, source: SourceFindings) -> Option<SourceFindings> {
        let mut one = Report {
            sources: vec![source],
            ..Report::default()
        };
        self.config.apply(&mut one);
        self.dropped.allowlisted_paths += one.stats.allowlisted_paths;
        self.dropped.allowlisted_values += one.stats.allowlisted_values;
        self.dropped.examples_ignored += one.stats.examples_ignored;
        if !self.keep_suppressed {
            one.forget_suppressed();
        }
        let mut source = one.sources.pop()?;
        if let Some(baseline) = &mut self.baseline {
            baseline.apply(&mut source);
        }
        (!source.findings.is_empty() || !source.suppressed.is_empty()).then_some(source)
    }

    /// Applies the configuration to `report` (what the scan kept: its counts, the inputs
    /// it could not read), and adds what the filtered sources lost: the allowlisted and
    /// ignored findings, the baselined ones and the baseline's stale entries.
    pub fn finish(self, report: &mut Report) {
        self.config.apply(report);
        report.stats.allowlisted_paths += self.dropped.allowlisted_paths;
        report.stats.allowlisted_values += self.dropped.allowlisted_values;
        report.stats.examples_ignored += self.dropped.examples_ignored;
        if let Some(baseline) = self.baseline {
            baseline.finish(&mut report.stats);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use keyhound_core::Scanner;
    use keyhound_report::{ReportBuilder, Source};

    const KEY: &str = "aws_access_key_id = AKIATDL6PABMCTNRC77F\n";

    /// A source of `text` at `path`, scanned with the built-in rules.
    fn source(path: &str, text: &str) -> SourceFindings {
        let mut builder = ReportBuilder::new();
        let findings = Scanner::default().scan(text.as_bytes());
        builder.scanned(
            Source::Path(path.into()),
            text.len() as u64,
            findings,
            Vec::new(),
        );
        builder.build().sources.pop().expect("a finding")
    }

    fn config(toml: &str) -> Config {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".keyhound.toml");
        std::fs::write(&path, toml).unwrap();
        Config::load(&path).unwrap()
    }

    #[test]
    fn allowlisted_sources_are_dropped_and_counted_at_the_end() {
        let config = config("[allowlist]\npaths = [\"vendor/**\"]\n");
        let mut filter = SourceFilter::new(&config, false, None);
        assert!(filter.source(source("vendor/a.ini", KEY)).is_none());
        let kept = filter.source(source("src/a.ini", KEY)).expect("kept");
        assert_eq!(kept.findings.len(), 1);
        let mut report = Report::default();
        filter.finish(&mut report);
        assert_eq!(report.stats.allowlisted_paths, 1);
        assert_eq!(
            report.stats.config,
            config.source.map(|p| p.display().to_string())
        );
    }

    #[test]
    fn baselined_findings_are_dropped_and_stale_entries_named() {
        let config = Config::default();
        let mut known = Report::default();
        known.sources.push(source("old.ini", KEY));
        known.sources.push(source("gone.ini", KEY));
        let baseline = Baseline::of(&known);
        let mut filter = SourceFilter::new(&config, true, Some(&baseline));
        assert!(filter.source(source("old.ini", KEY)).is_none());
        assert!(filter.source(source("new.ini", KEY)).is_some());
        let mut report = Report::default();
        filter.finish(&mut report);
        assert_eq!(report.stats.baselined, 1);
        let stale: Vec<&str> = report
            .stats
            .baseline_stale
            .iter()
            .map(|e| e.path.as_str())
            .collect();
        assert_eq!(stale, ["gone.ini"]);
    }
}
