//! [`Scanner`]: bytes in, findings out. Decode (UTF-16 → UTF-8), one Aho-Corasick pass over
//! the anchors, anchored regex confirmation at each hit, validation, pairing, locations.

use std::ops::ControlFlow;
use std::sync::Arc;

use regex::bytes::CaptureLocations;

use crate::base64::{Decoded, Wrapping};
use crate::confirm::{confirm, Evidence, RawMatch};
use crate::encoding::{looks_binary, transcode_utf16, views, Encoding};
use crate::finding::{Finding, Fingerprint, Kind, Part, Secret, Severity, Span};
use crate::join::{self, Join, JoinedText, Start};
use crate::location::lines_and_columns;
use crate::pair::{pair_up, Pair};
use crate::ruleset::{Anchor, RuleSet};
use crate::validate::Verdict;

/// Scans bytes for AWS credentials with a [`RuleSet`]. Cheap to clone (the rules are
/// shared), `Send + Sync`, built once and used from every thread.
#[derive(Clone, Debug)]
pub struct Scanner {
    rules: Arc<RuleSet>,
    max_findings: usize,
}

/// How many findings one input may hold by default before its scan stops
/// ([`Scanner::max_findings`]): far more than any real file holds, few enough to keep a
/// report's memory bounded when a rule matches everywhere.
pub const DEFAULT_MAX_FINDINGS: usize = 1 << 20;

/// The reason an input whose scan [`Ended::TooManyFindings`] is listed with, by file
/// walks and git scans alike: named, so a user can see that a rule (or an input built
/// against one) hit the budget, not a disk error.
pub fn too_many_findings(limit: usize) -> String {
    format!(
        "not completely scanned: it holds more than {limit} findings, the most one input may \
         have; the rest of it was not scanned"
    )
}

/// How a scan of one input ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Ended {
    /// Every byte was scanned.
    Complete,
    /// The callback returned `ControlFlow::Break`.
    Stopped,
    /// The input held more findings than [`Scanner::max_findings`] (or more candidate
    /// matches than three times that): the scan stopped there, and the rest of the input
    /// was not scanned.
    TooManyFindings,
}

impl Ended {
    /// Whether the whole input was scanned.
    pub fn is_complete(self) -> bool {
        self == Ended::Complete
    }
}

impl Default for Scanner {
    fn default() -> Self {
        Scanner::new(RuleSet::builtin())
    }
}

/// Reusable working memory for [`Scanner::scan_with`]: keep one per thread and the scan
/// allocates nothing for inputs without findings.
#[derive(Debug, Default)]
pub struct Scratch {
    decoded: Vec<u8>,
    offsets: Vec<usize>,
    raws: Vec<RawMatch>,
    /// For each rule, where its last confirmed value ends: its next match starts there.
    busy_until: Vec<usize>,
    /// More candidate matches than the budget allows were seen in the last text.
    over_budget: bool,
    encoded_hits: Vec<(Wrapping, usize)>,
    /// Where a rule failed at its anchor but a value may be split into pieces.
    join_starts: Vec<Start>,
    joins: Vec<Join>,
    joined: JoinedText,
    wrapped: Decoded,
    regions: Vec<(Wrapping, Span)>,
    captures: Vec<Option<CaptureLocations>>,
    spans: Vec<Span>,
    positions: Vec<usize>,
    locations: Vec<(usize, usize)>,
}

impl Scratch {
    /// Empty scratch space; it grows to fit the inputs it sees.
    pub fn new() -> Scratch {
        Scratch::default()
    }
}

/// Where candidate positions come from: the prefilter, or every position (the slow
/// reference that proves the prefilter only saves time).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Candidates {
    Prefilter,
    Exhaustive,
}

impl Scanner {
    /// A scanner over `rules`.
    pub fn new(rules: RuleSet) -> Scanner {
        Scanner {
            rules: Arc::new(rules),
            max_findings: DEFAULT_MAX_FINDINGS,
        }
    }

    /// The same scanner, stopping each input's scan after `max` findings
    /// ([`Ended::TooManyFindings`]); at least 1.
    pub fn with_max_findings(mut self, max: usize) -> Scanner {
        self.max_findings = max.max(1);
        self
    }

    /// The most findings one input may hold before its scan stops
    /// ([`DEFAULT_MAX_FINDINGS`] unless set with [`Scanner::with_max_findings`]).
    pub fn max_findings(&self) -> usize {
        self.max_findings
    }

    /// The rules in use.
    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// Scans `input` and returns its findings in input order (at most
    /// [`Scanner::max_findings`]: use [`Scanner::scan_with`] to learn whether there were
    /// more).
    pub fn scan(&self, input: &[u8]) -> Vec<Finding> {
        let mut findings = Vec::new();
        self.scan_with(input, &mut Scratch::new(), |finding| {
            findings.push(finding);
            ControlFlow::Continue(())
        });
        findings
    }

    /// Scans `input`, handing each finding to `on_finding` in input order until it returns
    /// `ControlFlow::Break` or [`Scanner::max_findings`] have been handed over and there is
    /// one more; says which. `scratch` is reused across calls.
    pub fn scan_with<F>(&self, input: &[u8], scratch: &mut Scratch, on_finding: F) -> Ended
    where
        F: FnMut(Finding) -> ControlFlow<()>,
    {
        self.run(input, scratch, Candidates::Prefilter, on_finding)
    }

    /// The slow reference: every byte position is tried as a candidate for every rule, no
    /// prefilter. Same findings as [`Scanner::scan`], only slower; for tests.
    #[doc(hidden)]
    pub fn scan_exhaustive(&self, input: &[u8]) -> Vec<Finding> {
        let mut findings = Vec::new();
        self.run(
            input,
            &mut Scratch::new(),
            Candidates::Exhaustive,
            |finding| {
                findings.push(finding);
                ControlFlow::Continue(())
            },
        );
        findings
    }

    fn run<F>(
        &self,
        input: &[u8],
        scratch: &mut Scratch,
        candidates: Candidates,
        mut on_finding: F,
    ) -> Ended
    where
        F: FnMut(Finding) -> ControlFlow<()>,
    {
        let (views, count) = views(input);
        let mut handed = 0usize;
        let mut budgeted = |finding: Finding| {
            if handed == self.max_findings {
                return ControlFlow::Break(Ended::TooManyFindings);
            }
            handed += 1;
            match on_finding(finding) {
                ControlFlow::Continue(()) => ControlFlow::Continue(()),
                ControlFlow::Break(()) => ControlFlow::Break(Ended::Stopped),
            }
        };
        for &(encoding, text_start) in &views[..count] {
            if let ControlFlow::Break(ended) = self.run_view(
                input,
                encoding,
                text_start,
                scratch,
                candidates,
                &mut budgeted,
            ) {
                return ended;
            }
        }
        Ended::Complete
    }

    /// Scans one reading of the input, then the base64 strings where a base64-spelled
    /// key-id prefix was seen.
    fn run_view<F>(
        &self,
        input: &[u8],
        encoding: Encoding,
        text_start: usize,
        scratch: &mut Scratch,
        candidates: Candidates,
        on_finding: &mut F,
    ) -> ControlFlow<Ended>
    where
        F: FnMut(Finding) -> ControlFlow<Ended>,
    {
        let mut decoded = std::mem::take(&mut scratch.decoded);
        let text: &[u8] = match encoding {
            Encoding::Utf8 => &input[text_start..],
            Encoding::Utf16Le | Encoding::Utf16Be => {
                let big_endian = encoding == Encoding::Utf16Be;
                transcode_utf16(
                    input,
                    text_start,
                    big_endian,
                    &mut decoded,
                    &mut scratch.offsets,
                );
                &decoded
            }
        };
        let binary = encoding == Encoding::Utf8 && looks_binary(text);
        let origin = Origin {
            encoding,
            text_start,
            binary,
            label: encoding.name(),
        };

        self.collect_raw_matches(text, binary, candidates, scratch);
        if !scratch.join_starts.is_empty() && !scratch.over_budget {
            self.add_joined(text, binary, candidates, scratch);
        }
        let mut over_budget = scratch.over_budget;
        let pairs = if scratch.raws.is_empty() {
            Vec::new()
        } else {
            pair_up(
                &self.rules,
                text,
                binary,
                &mut scratch.raws,
                &mut scratch.spans,
            )
        };
        // Findings in base64 strings (few) are found first, the plain matches set aside
        // meanwhile, then merged in input order into the plain ones as those are built:
        // a view holding many findings never holds them all at once.
        let mut wrapped = Vec::new();
        if !scratch.encoded_hits.is_empty() && !over_budget {
            let plain = std::mem::take(&mut scratch.raws);
            wrapped = self.scan_wrapped(text, &origin, candidates, scratch);
            over_budget |= scratch.over_budget;
            wrapped.sort_by_key(|f| f.span.start);
            scratch.raws = plain;
        }
        let mut wrapped = wrapped.into_iter().peekable();
        let mut emit = |finding: Finding| {
            while let Some(earlier) = wrapped.next_if(|w| w.span.start < finding.span.start) {
                on_finding(earlier)?;
            }
            on_finding(finding)
        };
        let flow = match self.assemble(text, &origin, &pairs, scratch, &|s| s, &|_| true, &mut emit)
        {
            ControlFlow::Continue(()) => wrapped.try_for_each(&mut *on_finding),
            stopped => stopped,
        };
        scratch.decoded = decoded;
        flow?;
        if over_budget {
            return ControlFlow::Break(Ended::TooManyFindings);
        }
        ControlFlow::Continue(())
    }

    /// Joins the pieces that failed anchors point at ([`join`]), scans the joined texts,
    /// and adds the values found across a join to `scratch.raws`, spanning their pieces
    /// in `text` and marked as joined: they pair with the matches around them like any
    /// other. Costs nothing unless a rule failed at an anchor that starts a piece.
    fn add_joined(&self, text: &[u8], binary: bool, candidates: Candidates, scratch: &mut Scratch) {
        let mut starts = std::mem::take(&mut scratch.join_starts);
        starts.sort_unstable();
        starts.dedup();
        let mut budget = join::shell_budget(text.len());
        let mut joins = std::mem::take(&mut scratch.joins);
        joins.clear();
        joins.extend(
            starts
                .iter()
                .filter_map(|&start| join::plan(text, start, &mut budget)),
        );
        starts.clear();
        scratch.join_starts = starts;
        joins.sort_unstable_by_key(|j| (j.replaced.start, j.replaced.end));
        // A chain with two pieces that start like key ids is planned twice: keep one.
        let mut taken_until = 0;
        joins.retain(|j| {
            let keep = j.replaced.start >= taken_until;
            if keep {
                taken_until = j.replaced.end;
            }
            keep
        });
        let mut raws = std::mem::take(&mut scratch.raws);
        let encoded_hits = std::mem::take(&mut scratch.encoded_hits);
        let mut over_budget = scratch.over_budget;
        let mut joined = std::mem::take(&mut scratch.joined);
        // Joins whose surroundings meet are written into one text: each byte of the
        // input is scanned at most once more.
        let reach = join::CONTEXT_BEFORE + join::CONTEXT_AFTER;
        let mut first = 0;
        while first < joins.len() && !over_budget {
            let mut last = first + 1;
            while last < joins.len()
                && joins[last].replaced.start <= joins[last - 1].replaced.end + reach
            {
                last += 1;
            }
            joined.build(text, &joins[first..last]);
            self.collect_raw_matches(&joined.text, binary, candidates, scratch);
            over_budget |= scratch.over_budget;
            for raw in scratch.raws.drain(..) {
                if joined.crosses_a_join(raw.span) {
                    raws.push(RawMatch {
                        span: joined.parent_span(raw.span),
                        joined: true,
                        ..raw
                    });
                }
            }
            first = last;
        }
        scratch.join_starts.clear();
        dedup_raws(&mut raws);
        scratch.raws = raws;
        scratch.encoded_hits = encoded_hits;
        scratch.joined = joined;
        scratch.joins = joins;
        scratch.over_budget = over_budget;
    }

    /// Decodes the regions around wrapped key-id prefixes (base64 strings, UTF-16LE
    /// strings) and scans them. Only findings with a part inside decoded bytes are kept
    /// (the rest were found in the plain text already); they are located in `text`.
    fn scan_wrapped(
        &self,
        text: &[u8],
        origin: &Origin,
        candidates: Candidates,
        scratch: &mut Scratch,
    ) -> Vec<Finding> {
        let reach = self
            .rules
            .pairing()
            .map_or(DEFAULT_REACH, |p| p.max_bytes());
        let mut hits = std::mem::take(&mut scratch.encoded_hits);
        hits.sort_unstable();
        let mut regions = std::mem::take(&mut scratch.regions);
        regions.clear();
        for &(wrapping, hit) in &hits {
            // UTF-16 text takes two bytes a character: reach twice as far, in whole units.
            let (reach, unit) = match wrapping {
                Wrapping::Base64 => (reach, 1),
                Wrapping::Utf16Le => (2 * reach, 2),
            };
            let back = hit.min(reach) / unit * unit;
            let mut region = Span::new(hit - back, text.len().min(hit + reach));
            // Never cut a wrapped string in two.
            while region.start > 0
                && hit - region.start < MAX_REGION
                && wrapping.continues(text[region.start - 1])
            {
                region.start -= 1;
            }
            while region.end < text.len()
                && region.end - hit < MAX_REGION
                && wrapping.continues(text[region.end])
            {
                region.end += 1;
            }
            match regions.last_mut() {
                Some((kind, last))
                    if *kind == wrapping
                        && region.start <= last.end
                        && region.start.abs_diff(last.start) % unit == 0 =>
                {
                    last.end = last.end.max(region.end)
                }
                _ => regions.push((wrapping, region)),
            }
        }
        hits.clear();
        scratch.encoded_hits = hits;
        let mut b64 = std::mem::take(&mut scratch.wrapped);
        let mut findings = Vec::new();
        let mut over_budget = false;
        for &(wrapping, region) in &regions {
            if !b64.build(wrapping, text, region) {
                continue;
            }
            let origin = Origin {
                label: wrapping.label(),
                ..*origin
            };
            // UTF-16 strings in a binary are packed like any other literals.
            let binary = wrapping == Wrapping::Utf16Le;
            self.collect_raw_matches(&b64.text, binary, candidates, scratch);
            over_budget |= scratch.over_budget;
            if scratch.raws.is_empty() {
                continue;
            }
            let pairs = pair_up(
                &self.rules,
                &b64.text,
                binary,
                &mut scratch.raws,
                &mut scratch.spans,
            );
            let to_view = |span: Span| b64.parent_span(span);
            let keep = |span: Span| b64.touches_decoded(span);
            let _ = self.assemble(text, &origin, &pairs, scratch, &to_view, &keep, &mut |f| {
                findings.push(f);
                ControlFlow::Continue(())
            });
        }
        scratch.encoded_hits.clear();
        scratch.wrapped = b64;
        scratch.regions = regions;
        scratch.over_budget = over_budget;
        findings
    }

    /// Confirms every candidate position into `scratch.raws`, deduplicated by value span;
    /// notes base64-spelled key-id prefixes in `scratch.encoded_hits`.
    ///
    /// A rule's matches do not overlap: after a value is confirmed, the rule is not tried
    /// again before the value's end (a pattern that matches at every byte of a long run
    /// gives one match per run, not one per byte). Past three times
    /// [`Scanner::max_findings`] matches, collecting stops and `scratch.over_budget` says
    /// so: no input can make the matches outgrow the budget.
    fn collect_raw_matches(
        &self,
        text: &[u8],
        binary: bool,
        candidates: Candidates,
        scratch: &mut Scratch,
    ) {
        let rules = &self.rules;
        if scratch.captures.len() != rules.rules().len() {
            scratch.captures = vec![None; rules.rules().len()];
        }
        let mut raws = std::mem::take(&mut scratch.raws);
        raws.clear();
        scratch.encoded_hits.clear();
        scratch.join_starts.clear();
        scratch.busy_until.clear();
        scratch.busy_until.resize(rules.rules().len(), 0);
        let limit = self.max_findings.saturating_mul(3);
        // Returns where a value may be split into pieces joined at run time.
        let mut try_at = |rule_index: usize, pos: usize, raws: &mut Vec<RawMatch>| {
            if pos < scratch.busy_until[rule_index] || raws.len() > limit {
                return None;
            }
            let rule = rules.rule_at(rule_index);
            let locs =
                scratch.captures[rule_index].get_or_insert_with(|| rule.regex.capture_locations());
            if let Some(raw) = confirm(rule_index, rule, text, pos, binary, locs) {
                scratch.busy_until[rule_index] = raw.span.end;
                raws.push(raw);
                return None;
            }
            // Cheapest test first: could a piece start here at all?
            if !join::may_start(rule.kind, text, pos) {
                return None;
            }
            // Only at an anchor, as the prefilter offers it: the reference finds the same.
            let anchor = rule
                .anchors
                .iter()
                .find(|a| text[pos..].starts_with(a.as_bytes()))?;
            join::start_at(rule.kind, text, pos, anchor.len())
        };
        match candidates {
            Candidates::Prefilter => {
                let mut input = aho_corasick::Input::new(text);
                while let Some(hit) = rules.automaton().find(input.clone()) {
                    let at = hit.start();
                    let pattern = hit.pattern().as_usize();
                    let also = rules.prefix_related(pattern).iter().copied();
                    let starting_here = std::iter::once(pattern)
                        .chain(also.filter(|&other| text[at..].starts_with(rules.literal(other))));
                    for pattern in starting_here {
                        match rules.anchor(pattern) {
                            Anchor::Rule(rule_index) => {
                                if let Some(start) = try_at(rule_index, at, &mut raws) {
                                    scratch.join_starts.push(start);
                                }
                            }
                            Anchor::Wrapped(wrapping) => scratch.encoded_hits.push((wrapping, at)),
                        }
                    }
                    if raws.len() > limit {
                        break;
                    }
                    // Resume one byte on, so anchors overlapping this one are found too.
                    input.set_start(at + 1);
                }
            }
            Candidates::Exhaustive => {
                for rule_index in 0..rules.rules().len() {
                    for pos in 0..text.len() {
                        if let Some(start) = try_at(rule_index, pos, &mut raws) {
                            scratch.join_starts.push(start);
                        }
                    }
                }
                for pos in 0..text.len() {
                    for (wrapping, spelling) in rules.encoded_anchors() {
                        if text[pos..].starts_with(spelling) {
                            scratch.encoded_hits.push((*wrapping, pos));
                        }
                    }
                }
            }
        }
        scratch.over_budget = raws.len() > limit;
        dedup_raws(&mut raws);
        scratch.raws = raws;
    }

    /// Turns pairs and leftover raw matches into findings and hands them to `emit`, in
    /// input order, until it breaks. `to_view` maps a raw span to a span of `view` (the
    /// text lines and columns are counted in); `keep` decides, from the raw spans of its
    /// parts, whether a finding is reported.
    #[allow(clippy::too_many_arguments)]
    fn assemble(
        &self,
        view: &[u8],
        origin: &Origin,
        pairs: &[Pair],
        scratch: &mut Scratch,
        to_view: &dyn Fn(Span) -> Span,
        keep: &dyn Fn(Span) -> bool,
        emit: &mut dyn FnMut(Finding) -> ControlFlow<Ended>,
    ) -> ControlFlow<Ended> {
        let raws = &scratch.raws;
        let mut in_pair = vec![false; raws.len()];
        for pair in pairs {
            in_pair[pair.id] = true;
            in_pair[pair.secret] = true;
            if let Some(token) = pair.token {
                in_pair[token] = true;
            }
        }
        // Groups of raw indices, primary part first.
        let mut groups: Vec<Group> = pairs
            .iter()
            .map(|pair| match pair.token {
                Some(token) => Group::of(&[pair.id, pair.secret, token]),
                None => Group::of(&[pair.id, pair.secret]),
            })
            .collect();
        for (index, raw) in raws.iter().enumerate() {
            let reportable = raw.kind == Kind::AccessKeyId || raw.evidence == Evidence::Strong;
            if !in_pair[index] && reportable {
                groups.push(Group::of(&[index]));
            }
        }
        groups.retain(|group| group.raws().iter().any(|&i| keep(raws[i].span)));
        groups.sort_by_key(|group| raws[group.raws()[0]].span.start);

        scratch.positions.clear();
        scratch.positions.extend(
            groups
                .iter()
                .flat_map(Group::raws)
                .map(|&i| to_view(raws[i].span).start),
        );
        scratch.positions.sort_unstable();
        scratch.positions.dedup();
        lines_and_columns(view, &scratch.positions, &mut scratch.locations);
        let locate = |offset: usize| {
            let index = scratch
                .positions
                .binary_search(&offset)
                .expect("every part offset was located");
            scratch.locations[index]
        };

        groups.iter().try_for_each(|group| {
            let parts: Vec<Part> = group
                .raws()
                .iter()
                .map(|&i| {
                    let raw = &raws[i];
                    let span = to_view(raw.span);
                    let (line, column) = locate(span.start);
                    Part {
                        kind: raw.kind,
                        rule_id: self.rules.rule_at(raw.rule).id.clone(),
                        span: origin.input_span(span, &scratch.offsets),
                        line,
                        column,
                        value: Secret::new(raw.value.clone()),
                    }
                })
                .collect();
            let example = group
                .raws()
                .iter()
                .any(|&i| raws[i].verdict == Verdict::Example);
            let joined = group.raws().iter().any(|&i| raws[i].joined);
            emit(self.finding(parts, example, joined, origin))
        })
    }

    fn finding(&self, parts: Vec<Part>, example: bool, joined: bool, origin: &Origin) -> Finding {
        let primary = &parts[0];
        let (rule_id, kind, severity) = match (parts.len() > 1, self.rules.pairing()) {
            (true, Some(pairing)) => (pairing.rule_id.clone(), Kind::Credential, pairing.severity),
            _ => {
                let rule = self
                    .rules
                    .rule(&primary.rule_id)
                    .expect("parts come from rules in the set");
                (rule.id.clone(), rule.kind, rule.severity)
            }
        };
        let (kind, severity) = if example {
            (Kind::Example, Severity::Info)
        } else {
            (kind, severity)
        };
        let fingerprint_value = parts
            .iter()
            .find(|p| p.kind == Kind::SecretAccessKey)
            .unwrap_or(primary)
            .value
            .expose();
        Finding {
            fingerprint: Fingerprint::of(&rule_id, fingerprint_value),
            rule_id,
            kind,
            severity,
            span: primary.span,
            line: primary.line,
            column: primary.column,
            example,
            binary: origin.binary,
            encoding: if joined { join::LABEL } else { origin.label },
            parts,
        }
    }
}

/// The raw matches one finding is built from, primary part first: a lone match, a pair,
/// or a pair with its session token.
struct Group {
    raws: [usize; 3],
    len: usize,
}

impl Group {
    fn of(raws: &[usize]) -> Group {
        let mut group = Group {
            raws: [0; 3],
            len: raws.len(),
        };
        group.raws[..raws.len()].copy_from_slice(raws);
        group
    }

    fn raws(&self) -> &[usize] {
        &self.raws[..self.len]
    }
}

/// Sorts matches by span and keeps one of each value: two anchors can confirm the same
/// value (the one with the best evidence is kept), and a joined text finds again what
/// lies inside one piece (the match from the input itself is kept).
fn dedup_raws(raws: &mut Vec<RawMatch>) {
    raws.sort_by(|a, b| {
        (a.span, a.kind, a.joined, b.evidence).cmp(&(b.span, b.kind, b.joined, a.evidence))
    });
    raws.dedup_by(|later, earlier| later.span == earlier.span && later.kind == earlier.kind);
}

/// How the scanned text relates to the input bytes.
#[derive(Clone, Copy)]
struct Origin {
    encoding: Encoding,
    text_start: usize,
    binary: bool,
    /// What findings say they were decoded from (`utf-8`, `utf-16le`, `base64`).
    label: &'static str,
}

/// How far around a wrapped key-id prefix the region to decode reaches, without a pairing
/// table to say.
const DEFAULT_REACH: usize = 2048;
/// The most a region grows to take in a whole wrapped string.
const MAX_REGION: usize = 1 << 16;

impl Origin {
    /// Maps a span in the scanned text back to the input bytes.
    fn input_span(&self, span: Span, offsets: &[usize]) -> Span {
        match self.encoding {
            Encoding::Utf8 => Span::new(span.start + self.text_start, span.end + self.text_start),
            Encoding::Utf16Le | Encoding::Utf16Be => {
                // The unit after the last byte starts where the span ends.
                let end = offsets
                    .get(span.end)
                    .copied()
                    .unwrap_or(*offsets.last().unwrap_or(&0));
                Span::new(offsets[span.start], end)
            }
        }
    }
}
