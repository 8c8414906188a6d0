//! Writing a report as a scan goes: the human and JSON Lines formats, one source at a
//! time, so that what was written is not kept. And the one filter that needs to see the
//! whole scan before it can say everything, the baseline, applied one source at a time.

use std::collections::HashMap;
use std::io::{self, Write};

use keyhound_core::{Finding, RuleSet};

use crate::human::{self, Remediations, Style};
use crate::model::{Entry, Report, SourceFindings, Stats};
use crate::{json, Baseline, Format, WriteOptions};

/// Writes findings as they are found, one source at a time, in the human or the JSON
/// Lines format; the end of the report (the suppressed findings, what to do, the JSON
/// Lines summary) is written by [`finish`](StreamWriter::finish).
///
/// It keeps no finding it wrote: only the suppressed ones, when they are listed (they
/// come at the end), the rules that found something and counts. Findings are written in
/// the order the sources are given, each source's in the order given; a live key is not
/// moved first, since nothing is verified while the scan goes (verify with the whole
/// [`Report`] and [`write`](crate::write())).
///
/// ```
/// use keyhound_core::Scanner;
/// use keyhound_report::{Format, Report, ReportBuilder, Source, StreamWriter, WriteOptions};
///
/// let scanner = Scanner::default();
/// let mut out = Vec::new();
/// let mut writer =
///     StreamWriter::new(&mut out, scanner.rules(), Format::Jsonl, WriteOptions::default())
///         .expect("JSON Lines stream");
/// let text = b"aws_access_key_id = AKIAQWZ7RNE3OSJHKV4D\n";
/// let mut builder = ReportBuilder::new();
/// builder.scanned(Source::Stdin, text.len() as u64, scanner.scan(text), Vec::new());
/// for source in builder.build().sources {
///     writer.source(source)?;
/// }
/// let streamed = writer.finish(&Report::default())?;
/// assert_eq!(streamed.findings(), 1);
/// let first = String::from_utf8(out)?.lines().next().unwrap().to_string();
/// assert!(first.starts_with(r#"{"type":"finding","path":"<stdin>""#));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct StreamWriter<'a> {
    out: &'a mut dyn Write,
    rules: &'a RuleSet,
    format: Format,
    options: WriteOptions,
    remediations: Remediations<'a>,
    /// Sources with suppressed findings (and no others), written at the end.
    suppressed: Vec<SourceFindings>,
    counts: Streamed,
}

/// What a [`StreamWriter`] wrote: findings by severity, examples.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Streamed {
    by_severity: [u64; 5],
    examples: u64,
}

impl Streamed {
    /// Findings written.
    pub fn findings(&self) -> u64 {
        self.by_severity.iter().sum()
    }

    /// Findings written that are AWS documentation examples.
    pub fn examples(&self) -> u64 {
        self.examples
    }

    /// Findings that fail the scan: all but the info ones (examples), unless examples
    /// fail too (as [`Report::failing_findings`] counts).
    pub fn failing(&self, examples_fail: bool) -> u64 {
        let info = self.by_severity[keyhound_core::Severity::Info as usize];
        self.findings() - if examples_fail { 0 } else { info }
    }

    /// The summary line, as [`human::summary_line`] writes it, of `stats` with these
    /// findings.
    pub fn summary_line(&self, stats: &Stats) -> String {
        human::summary(stats, &self.by_severity, None)
    }

    fn count(&mut self, finding: &Finding) {
        self.by_severity[finding.severity as usize] += 1;
        self.examples += u64::from(finding.example);
    }
}

impl<'a> StreamWriter<'a> {
    /// A writer of `format` to `out`, or `None` for the formats that are one document
    /// (JSON, SARIF, GitLab): write those with [`write`](crate::write()).
    pub fn new(
        out: &'a mut dyn Write,
        rules: &'a RuleSet,
        format: Format,
        options: WriteOptions,
    ) -> Option<StreamWriter<'a>> {
        matches!(format, Format::Human | Format::Jsonl).then(|| StreamWriter {
            out,
            rules,
            format,
            options,
            remediations: Remediations::default(),
            suppressed: Vec::new(),
            counts: Streamed::default(),
        })
    }

    /// Writes the findings of one source now (its suppressed ones, if any, are kept for
    /// the end).
    pub fn source(&mut self, mut source: SourceFindings) -> io::Result<()> {
        let show = self.options.show_secrets;
        for finding in &source.findings {
            match self.format {
                Format::Jsonl => json::write_line(self.out, &source, finding, None, show)?,
                _ => {
                    let style = Style {
                        color: self.options.color,
                    };
                    human::write_entry(self.out, &source, finding, None, style, show)?;
                    self.remediations.note(self.rules, &source, finding);
                }
            }
            self.counts.count(finding);
        }
        if !source.suppressed.is_empty() {
            source.findings = Vec::new();
            self.suppressed.push(source);
        }
        // Whoever reads the output sees each source's findings as soon as they are
        // found, through any buffer: one flush per source with findings.
        self.out.flush()
    }

    /// Writes the end of the report: the suppressed findings, then what to do (human)
    /// or the summary line of `report`'s stats (JSON Lines; its findings and examples are
    /// the ones written). Returns what was written.
    pub fn finish(self, report: &Report) -> io::Result<Streamed> {
        let StreamWriter {
            out,
            format,
            options,
            remediations,
            suppressed,
            counts,
            ..
        } = self;
        match format {
            Format::Jsonl => {
                for file in &suppressed {
                    json::write_suppressed_lines(out, file, options.show_secrets)?;
                }
                let mut summary = Report {
                    sources: Vec::new(),
                    stats: report.stats.clone(),
                    verification: None,
                };
                summary.stats.findings = counts.findings();
                summary.stats.examples = counts.examples;
                json::write_summary_line(out, &summary)?;
            }
            _ => {
                let style = Style {
                    color: options.color,
                };
                let entries = suppressed
                    .iter()
                    .flat_map(|file| file.suppressed.iter().map(move |entry| (file, entry)));
                human::write_suppressed(out, entries, style)?;
                remediations.write(out, style)?;
            }
        }
        out.flush()?;
        Ok(counts)
    }
}

/// A [`Baseline`] applied one source at a time, as [`Baseline::apply`] applies it to a
/// whole report: findings it knows are dropped and counted, and at the end the entries
/// that matched nothing are the stale ones. Entries are looked up by hash.
pub struct BaselineFilter<'a> {
    index: HashMap<(&'a str, &'a str, &'a str), usize>,
    entries: Vec<&'a Entry>,
    matched: Vec<bool>,
    baselined: u64,
}

impl<'a> BaselineFilter<'a> {
    /// A filter of `baseline`'s entries.
    pub fn new(baseline: &'a Baseline) -> BaselineFilter<'a> {
        let entries: Vec<&Entry> = baseline.entries().collect();
        let index = entries
            .iter()
            .enumerate()
            .map(|(i, e)| {
                (
                    (e.path.as_str(), e.rule.as_str(), e.fingerprint.as_str()),
                    i,
                )
            })
            .collect();
        BaselineFilter {
            matched: vec![false; entries.len()],
            index,
            entries,
            baselined: 0,
        }
    }

    /// Drops the findings of `source` the baseline knows.
    pub fn apply(&mut self, source: &mut SourceFindings) {
        let path = source.source.display();
        source.findings.retain(|f| {
            let fingerprint = f.fingerprint.to_hex();
            let key = (path.as_str(), f.rule_id.as_str(), fingerprint.as_str());
            match self.index.get(&key) {
                Some(&i) => {
                    self.matched[i] = true;
                    self.baselined += 1;
                    false
                }
                None => true,
            }
        });
    }

    /// Records in `stats` how many findings were baselined and which entries matched
    /// nothing.
    pub fn finish(self, stats: &mut Stats) {
        stats.baselined = self.baselined;
        // Equal entries share one index slot: each is stale only if that slot is.
        let matched = |e: &Entry| {
            let key = (e.path.as_str(), e.rule.as_str(), e.fingerprint.as_str());
            self.index.get(&key).is_some_and(|&i| self.matched[i])
        };
        stats.baseline_stale = self
            .entries
            .iter()
            .filter(|e| !matched(e))
            .map(|e| (*e).clone())
            .collect();
    }
}
