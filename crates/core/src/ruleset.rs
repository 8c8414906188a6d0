//! [`RuleSet`]: the compiled rules plus the one Aho-Corasick automaton over all of their
//! anchors, built once and shared by every scanning thread.

use std::collections::{HashMap, HashSet};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use crate::base64::Wrapping;
use crate::error::Error;
use crate::finding::Kind;
use crate::rule::{self, Pairing, Rule};

/// A compiled, linted set of rules with its prefilter. Build it once (it is `Send + Sync`)
/// and share it, e.g. through [`Scanner`](crate::Scanner).
#[derive(Clone, Debug)]
pub struct RuleSet {
    rules: Vec<Rule>,
    pairing: Option<Pairing>,
    automaton: AhoCorasick,
    /// For each automaton pattern below `encoded_start`, the rule it belongs to and the
    /// anchor's index in that rule.
    anchor_rule: Vec<usize>,
    anchor_index: Vec<usize>,
    /// Patterns from here on are key-id prefixes spelled in base64 or UTF-16LE.
    encoded_start: usize,
    /// Those spellings and their wrapping, in pattern order.
    encoded_anchors: Vec<(Wrapping, Vec<u8>)>,
    /// For each pattern, the other patterns it is a prefix of, or that are its prefix.
    prefix_related: Vec<Vec<usize>>,
}

impl RuleSet {
    /// The built-in AWS rules.
    pub fn builtin() -> RuleSet {
        RuleSetBuilder::new()
            .build()
            .expect("the built-in rules compile and pass their lint (checked by tests)")
    }

    /// A builder, to add rule files to (or replace) the built-in rules.
    pub fn builder() -> RuleSetBuilder {
        RuleSetBuilder::new()
    }

    /// Every rule, in file order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The rule with this id.
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|rule| rule.id == id)
    }

    /// How parts combine into credentials, if any rule file said so.
    pub fn pairing(&self) -> Option<&Pairing> {
        self.pairing.as_ref()
    }

    /// Every anchor literal of every rule, deduplicated, in automaton order.
    pub fn anchors(&self) -> impl Iterator<Item = &str> + '_ {
        let mut seen = HashSet::new();
        self.rules
            .iter()
            .flat_map(|rule| rule.anchors.iter())
            .map(String::as_str)
            .filter(move |anchor| seen.insert(*anchor))
    }

    pub(crate) fn automaton(&self) -> &AhoCorasick {
        &self.automaton
    }

    /// What an automaton pattern stands for: a rule's anchor, or a wrapped spelling.
    pub(crate) fn anchor(&self, pattern: usize) -> Anchor {
        match pattern.checked_sub(self.encoded_start) {
            Some(i) => Anchor::Wrapped(self.encoded_anchors[i].0),
            None => Anchor::Rule(self.anchor_rule[pattern]),
        }
    }

    /// Patterns that may start at the same byte as `pattern`.
    pub(crate) fn prefix_related(&self, pattern: usize) -> &[usize] {
        &self.prefix_related[pattern]
    }

    /// The pattern's literal bytes.
    pub(crate) fn literal(&self, pattern: usize) -> &[u8] {
        match pattern.checked_sub(self.encoded_start) {
            Some(i) => &self.encoded_anchors[i].1,
            None => {
                self.rules[self.anchor_rule[pattern]].anchors[self.anchor_index[pattern]].as_bytes()
            }
        }
    }

    /// The wrapped spellings of the key-id prefixes.
    pub(crate) fn encoded_anchors(&self) -> &[(Wrapping, Vec<u8>)] {
        &self.encoded_anchors
    }

    pub(crate) fn rule_at(&self, index: usize) -> &Rule {
        &self.rules[index]
    }
}

/// For each literal, the other literals it is a prefix of, or that are its prefix (equal
/// ones included), in increasing order. Each literal looks its own prefixes up in a map,
/// so the cost follows the literals' total length, not the square of their number.
fn prefix_relations(literals: &[&[u8]]) -> Vec<Vec<usize>> {
    let mut by_bytes: HashMap<&[u8], Vec<usize>> = HashMap::new();
    for (i, literal) in literals.iter().enumerate() {
        by_bytes.entry(literal).or_default().push(i);
    }
    let mut related: Vec<Vec<usize>> = vec![Vec::new(); literals.len()];
    for (i, literal) in literals.iter().enumerate() {
        for len in 1..=literal.len() {
            let Some(shorter) = by_bytes.get(&literal[..len]) else {
                continue;
            };
            for &j in shorter.iter().filter(|&&j| j != i) {
                related[i].push(j);
                // An equal literal finds this one itself; a shorter one is told here.
                if len < literal.len() {
                    related[j].push(i);
                }
            }
        }
    }
    for list in &mut related {
        list.sort_unstable();
        list.dedup();
    }
    related
}

/// What an automaton pattern stands for.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Anchor {
    /// An anchor of the rule with this index.
    Rule(usize),
    /// A key-id prefix spelled in this wrapping.
    Wrapped(Wrapping),
}

/// Builds a [`RuleSet`] from the built-in rules and/or rule files in TOML.
#[derive(Clone, Debug)]
pub struct RuleSetBuilder {
    builtin: bool,
    /// Rule files: source name, text, and whether other top-level keys are allowed (a
    /// configuration file that also holds rules).
    files: Vec<(String, String, bool)>,
    disabled: Vec<String>,
}

impl Default for RuleSetBuilder {
    fn default() -> Self {
        RuleSetBuilder::new()
    }
}

impl RuleSetBuilder {
    /// A builder holding the built-in rules.
    pub fn new() -> RuleSetBuilder {
        RuleSetBuilder {
            builtin: true,
            files: Vec::new(),
            disabled: Vec::new(),
        }
    }

    /// Whether to include the built-in rules (default: yes).
    pub fn builtin(&mut self, yes: bool) -> &mut RuleSetBuilder {
        self.builtin = yes;
        self
    }

    /// Adds a rule file's text; `source` names it in errors.
    pub fn add_toml(&mut self, source: &str, text: &str) -> &mut RuleSetBuilder {
        self.files
            .push((source.to_string(), text.to_string(), false));
        self
    }

    /// Adds the `[[rules]]` of a configuration file, whose other top-level keys belong to
    /// its reader (rules themselves are still checked strictly).
    pub fn add_config_toml(&mut self, source: &str, text: &str) -> &mut RuleSetBuilder {
        self.files
            .push((source.to_string(), text.to_string(), true));
        self
    }

    /// Leaves out the rule with this id (an unknown id is an error at build time).
    pub fn disable(&mut self, rule_id: &str) -> &mut RuleSetBuilder {
        self.disabled.push(rule_id.to_string());
        self
    }

    /// Compiles and lints everything added; may be called more than once.
    pub fn build(&self) -> Result<RuleSet, Error> {
        let mut sources: Vec<(&str, &str, bool)> = Vec::new();
        if self.builtin {
            sources.extend(rule::BUILTIN.iter().map(|&(s, t)| (s, t, false)));
        }
        sources.extend(
            self.files
                .iter()
                .map(|(s, t, lenient)| (s.as_str(), t.as_str(), *lenient)),
        );

        let mut rules: Vec<Rule> = Vec::new();
        // Ids seen so far: a set, so checking each new rule costs the same however many
        // came before it.
        let mut ids: HashSet<String> = HashSet::new();
        let mut pairing = None;
        for (source, text, lenient) in sources {
            let file = if lenient {
                rule::parse_config_rules(source, text)?
            } else {
                rule::parse_file(source, text)?
            };
            for spec in &file.rules {
                if !ids.insert(spec.id.clone()) {
                    return Err(
                        Error::rule(source, &spec.id, "duplicate rule id").at_rule_line(text)
                    );
                }
                rules.push(rule::compile_rule(source, spec).map_err(|e| e.at_rule_line(text))?);
            }
            if let Some(spec) = &file.pairing {
                if ids.contains(&spec.rule_id) {
                    return Err(Error::rule(
                        source,
                        &spec.rule_id,
                        "pairing rule_id is also a rule id",
                    ));
                }
                if pairing.is_some() {
                    return Err(Error::rule(
                        source,
                        &spec.rule_id,
                        "a second [pairing] table: only one rule file may define pairing",
                    ));
                }
                pairing = Some(rule::compile_pairing(source, spec)?);
            }
        }
        if let Some(unknown) = self.disabled.iter().find(|id| !ids.contains(*id)) {
            return Err(Error::rule("disable", unknown, "no such rule"));
        }
        let disabled: HashSet<&str> = self.disabled.iter().map(String::as_str).collect();
        rules.retain(|rule| !disabled.contains(&*rule.id));

        let mut literals: Vec<&[u8]> = Vec::new();
        let mut anchor_rule = Vec::new();
        let mut anchor_index = Vec::new();
        for (index, rule) in rules.iter().enumerate() {
            for (position, anchor) in rule.anchors.iter().enumerate() {
                literals.push(anchor.as_bytes());
                anchor_rule.push(index);
                anchor_index.push(position);
            }
        }
        // Key ids wrapped in base64 or UTF-16LE are found by the prefixes spelled that way
        // (4 bytes and longer: shorter ones spell too little to be worth a hit).
        let mut encoded_anchors: Vec<(Wrapping, Vec<u8>)> = Vec::new();
        let mut spelled: HashSet<Vec<u8>> = HashSet::new();
        for wrapping in [Wrapping::Base64, Wrapping::Utf16Le] {
            let prefixes = rules
                .iter()
                .filter(|rule| rule.kind == Kind::AccessKeyId)
                .flat_map(|rule| rule.anchors.iter().filter(|a| a.len() >= 4));
            for prefix in prefixes {
                for spelling in wrapping.spellings(prefix.as_bytes()) {
                    if spelled.insert(spelling.clone()) {
                        encoded_anchors.push((wrapping, spelling));
                    }
                }
            }
        }
        let encoded_start = literals.len();
        literals.extend(
            encoded_anchors
                .iter()
                .map(|(_, spelling)| spelling.as_slice()),
        );
        // Leftmost-first lets the automaton use its packed SIMD searcher. The scanner
        // resumes one byte after each hit, so overlapping hits are all seen; two anchors
        // can only start at the same byte when one is a prefix of the other, and those
        // pairs are listed so the scanner checks them too.
        let automaton = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostFirst)
            .build(&literals)
            .map_err(|err| Error::rule("anchors", "*", err.to_string()))?;
        let prefix_related = prefix_relations(&literals);
        Ok(RuleSet {
            rules,
            pairing,
            automaton,
            anchor_rule,
            anchor_index,
            encoded_start,
            encoded_anchors,
            prefix_related,
        })
    }
}
