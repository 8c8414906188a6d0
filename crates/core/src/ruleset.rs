//! [`RuleSet`]: the compiled rules plus the one Aho-Corasick automaton over all of their
//! anchors, built once and shared by every scanning thread.

use std::collections::HashSet;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use crate::base64::encoded_forms;
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
    /// Patterns from here on are base64 spellings of key-id prefixes.
    encoded_start: usize,
    /// The same spellings, for the exhaustive reference scan.
    encoded_anchors: Vec<Vec<u8>>,
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

    /// The rule an automaton pattern belongs to, or `None` for a base64 spelling.
    pub(crate) fn rule_of_anchor(&self, pattern: usize) -> Option<usize> {
        (pattern < self.encoded_start).then(|| self.anchor_rule[pattern])
    }

    /// Patterns that may start at the same byte as `pattern`.
    pub(crate) fn prefix_related(&self, pattern: usize) -> &[usize] {
        &self.prefix_related[pattern]
    }

    /// The pattern's literal bytes.
    pub(crate) fn literal(&self, pattern: usize) -> &[u8] {
        match pattern.checked_sub(self.encoded_start) {
            Some(i) => &self.encoded_anchors[i],
            None => {
                self.rules[self.anchor_rule[pattern]].anchors[self.anchor_index[pattern]].as_bytes()
            }
        }
    }

    /// The base64 spellings of the key-id prefixes.
    pub(crate) fn encoded_anchors(&self) -> &[Vec<u8>] {
        &self.encoded_anchors
    }

    pub(crate) fn rule_at(&self, index: usize) -> &Rule {
        &self.rules[index]
    }
}

/// Builds a [`RuleSet`] from the built-in rules and/or rule files in TOML.
#[derive(Clone, Debug)]
pub struct RuleSetBuilder {
    builtin: bool,
    files: Vec<(String, String)>,
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
        self.files.push((source.to_string(), text.to_string()));
        self
    }

    /// Leaves out the rule with this id (an unknown id is an error at build time).
    pub fn disable(&mut self, rule_id: &str) -> &mut RuleSetBuilder {
        self.disabled.push(rule_id.to_string());
        self
    }

    /// Compiles and lints everything added; may be called more than once.
    pub fn build(&self) -> Result<RuleSet, Error> {
        let mut sources: Vec<(&str, &str)> = Vec::new();
        if self.builtin {
            sources.extend(rule::BUILTIN.iter().copied());
        }
        sources.extend(self.files.iter().map(|(s, t)| (s.as_str(), t.as_str())));

        let mut rules: Vec<Rule> = Vec::new();
        let mut pairing = None;
        for (source, text) in sources {
            let file = rule::parse_file(source, text)?;
            for spec in &file.rules {
                if rules.iter().any(|rule| rule.id == spec.id) {
                    return Err(Error::rule(source, &spec.id, "duplicate rule id"));
                }
                rules.push(rule::compile_rule(source, spec)?);
            }
            if let Some(spec) = &file.pairing {
                if rules.iter().any(|rule| rule.id == spec.rule_id) {
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
        for id in &self.disabled {
            let before = rules.len();
            rules.retain(|rule| rule.id != id);
            if rules.len() == before {
                return Err(Error::rule("disable", id, "no such rule"));
            }
        }

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
        // Key ids wrapped in base64 are found by the base64 spellings of their prefixes
        // (4 bytes and longer: shorter ones spell too little to be worth a hit).
        let mut encoded_anchors: Vec<Vec<u8>> = rules
            .iter()
            .filter(|rule| rule.kind == Kind::AccessKeyId)
            .flat_map(|rule| rule.anchors.iter().filter(|a| a.len() >= 4))
            .flat_map(|anchor| encoded_forms(anchor.as_bytes()))
            .collect();
        encoded_anchors.sort();
        encoded_anchors.dedup();
        let encoded_start = literals.len();
        literals.extend(encoded_anchors.iter().map(Vec::as_slice));
        // Leftmost-first lets the automaton use its packed SIMD searcher. The scanner
        // resumes one byte after each hit, so overlapping hits are all seen; two anchors
        // can only start at the same byte when one is a prefix of the other, and those
        // pairs are listed so the scanner checks them too.
        let automaton = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostFirst)
            .build(&literals)
            .map_err(|err| Error::rule("anchors", "*", err.to_string()))?;
        let prefix_related = literals
            .iter()
            .enumerate()
            .map(|(i, a)| {
                (0..literals.len())
                    .filter(|&j| {
                        j != i && (literals[j].starts_with(a) || a.starts_with(literals[j]))
                    })
                    .collect()
            })
            .collect();
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
