//! Credentials split into pieces that the program joins at run time: string literals
//! joined by concatenation (`"AKIA" + "…"`, `.`, `..`, `||`, a `\` line continuation,
//! adjacent literals), and shell variables assigned literal pieces and expanded side by
//! side (`A=AKIA…; B=…; export AWS_ACCESS_KEY_ID="$A""$B"`).
//!
//! Joining starts only where a rule has failed at its anchor: an access-key-id anchor at
//! the start of a piece (a literal, or a shell assignment's value) that ends before a
//! whole key id, or a secret keyword whose value is a literal that ends before a whole
//! secret, or a shell expansion. [`plan`] then reads the pieces (bounded: at most
//! [`MAX_PIECES`] pieces and [`MAX_JOINED`] bytes; shell variables are looked for at most
//! [`SHELL_REACH`] bytes away, within a budget per input), and [`JoinedText`] writes the
//! joined value in place of the pieces, with the text around it, into a small text that
//! is scanned like the input.

use memchr::memmem;

use crate::finding::{Kind, Span};

/// What findings with a joined part say they were decoded from.
pub(crate) const LABEL: &str = "joined";

/// The most pieces joined into one value, and the most bytes: a key id or secret split
/// into many pieces is still far shorter.
const MAX_PIECES: usize = 16;
const MAX_JOINED: usize = 128;
/// The most whitespace (newlines included) around a concatenation operator.
const MAX_JOIN_GAP: usize = 64;
/// A key id's and a secret's length: a first piece at least this long is not a piece.
const ID_LEN: usize = 20;
const SECRET_LEN: usize = 40;
/// How far after a secret keyword its value may start: the name's tail (`_access_key`
/// after `secret`) and the gap (`" = "`, `': '`), as in the built-in secret pattern.
const MAX_SECRET_NAME: usize = 32;
const MAX_SECRET_GAP: usize = 48;
/// How far apart a shell variable's assignment and its expansion may be.
pub(crate) const SHELL_REACH: usize = 1024;
/// The longest shell word (`"$A""$B"`) read as an expansion, and the longest name.
const MAX_WORD: usize = 256;
const MAX_NAME: usize = 64;
/// What the shell lookups of one input may search in all, in bytes: a fixed allowance
/// and a multiple of the input's length, so that no input makes them quadratic.
const SHELL_BUDGET_BASE: usize = 1 << 16;
const SHELL_BUDGET_PER_BYTE: usize = 16;

/// The shell lookup budget of an input of `len` bytes.
pub(crate) fn shell_budget(len: usize) -> usize {
    SHELL_BUDGET_BASE.saturating_add(len.saturating_mul(SHELL_BUDGET_PER_BYTE))
}

/// How much of the text around a join the joined text keeps: enough for a secret's
/// keyword (the secret rule's window reaches 240 bytes) and the AWS words around it that
/// weak names need (512 bytes before, 256 after).
pub(crate) const CONTEXT_BEFORE: usize = 800;
pub(crate) const CONTEXT_AFTER: usize = 256;

fn is_quote(b: u8) -> bool {
    matches!(b, b'"' | b'\'' | b'`')
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn is_value_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/')
}

/// Where the literal whose contents start at `start` ends: its closing quote (the byte
/// before `start`), on the same line, with no escape inside.
fn piece_end(text: &[u8], start: usize) -> Option<usize> {
    let quote = *text.get(start.checked_sub(1)?)?;
    let rest = text.get(start..)?;
    let end = rest
        .iter()
        .take(MAX_JOINED)
        .position(|&b| b == quote || matches!(b, b'\n' | b'\\'))?;
    (rest[end] == quote).then_some(start + end)
}

/// Where the contents of the next literal start, if the text after a closing quote (at
/// `after`) joins another literal to it: whitespace and newlines, at most one operator
/// (`+`, `.`, `..`, `||`, a `\` line continuation) or none (adjacent literals, as in
/// Python, C and shell), whitespace, an opening quote.
fn next_piece(text: &[u8], after: usize) -> Option<usize> {
    let skip = |mut i: usize| {
        let limit = i + MAX_JOIN_GAP;
        while i < text.len() && i < limit && matches!(text[i], b' ' | b'\t' | b'\r' | b'\n') {
            i += 1;
        }
        i
    };
    let mut i = skip(after);
    let rest = text.get(i..)?;
    let operator = [&b"||"[..], b"..", b"+", b".", b"\\"]
        .into_iter()
        .find(|op| rest.starts_with(op))
        .map_or(0, <[u8]>::len);
    i = skip(i + operator);
    (text.get(i).copied().is_some_and(is_quote)).then_some(i + 1)
}

/// True when the literal whose contents start at `start` (just after its opening quote)
/// ends before `shorter_than` bytes and another literal is joined to it.
fn chain_starts(text: &[u8], start: usize, shorter_than: usize) -> bool {
    let opened = start
        .checked_sub(1)
        .and_then(|i| text.get(i))
        .copied()
        .is_some_and(is_quote);
    opened
        && piece_end(text, start)
            .is_some_and(|end| end - start < shorter_than && next_piece(text, end + 1).is_some())
}

/// Where a join may start, found cheaply where a rule failed at its anchor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Start {
    /// A string literal's contents start here and another literal is joined to it.
    Literal(usize),
    /// A shell assignment's value (`NAME=AKIA…`) starts here; its expansion is after it.
    Assignment(usize),
    /// A shell expansion (`"$A""$B"`) has a `$` here.
    Expansion(usize),
}

/// A one-byte test before [`start_at`]: a key id's piece starts after a quote or an
/// `=`; a secret's keyword may be followed by one; other kinds are never joined.
pub(crate) fn may_start(kind: Kind, text: &[u8], pos: usize) -> bool {
    match kind {
        Kind::AccessKeyId => pos
            .checked_sub(1)
            .is_some_and(|i| is_quote(text[i]) || text[i] == b'='),
        Kind::SecretAccessKey => true,
        _ => false,
    }
}

/// Where a value of rule kind `kind`, whose anchor (`anchor_len` bytes long) starts at
/// `pos` and whose rule did not match there, may be split into pieces: a key id anchor
/// starting a literal or a shell assignment's value; a secret keyword whose value is a
/// literal joined to others, or a shell expansion. Reads at most a few dozen bytes.
pub(crate) fn start_at(kind: Kind, text: &[u8], pos: usize, anchor_len: usize) -> Option<Start> {
    match kind {
        Kind::AccessKeyId => {
            if chain_starts(text, pos, ID_LEN) {
                Some(Start::Literal(pos))
            } else {
                assignment_at(text, pos)
                    .filter(|a| a.value.end - a.value.start < ID_LEN)
                    .map(|_| Start::Assignment(pos))
            }
        }
        Kind::SecretAccessKey => secret_value_start(text, pos + anchor_len),
        _ => None,
    }
}

/// After a secret keyword's anchor (at `from`): the rest of the name, then the gap
/// between the name and its value (quotes, `=`, `:`, whitespace), in which a literal
/// joined to others or a `$` expansion starts.
fn secret_value_start(text: &[u8], from: usize) -> Option<Start> {
    let mut i = from;
    while i < text.len() && i - from < MAX_SECRET_NAME && is_name_byte_or_dot(text[i]) {
        i += 1;
    }
    let gap_start = i;
    while i < text.len() && i - gap_start < MAX_SECRET_GAP {
        let b = text[i];
        if is_quote(b)
            && text.get(i + 1).copied().is_some_and(is_value_byte)
            && chain_starts(text, i + 1, SECRET_LEN)
        {
            return Some(Start::Literal(i + 1));
        }
        if b == b'$' {
            return Some(Start::Expansion(i));
        }
        let gap = b.is_ascii_whitespace()
            || is_quote(b)
            || matches!(b, b'=' | b':' | b'>' | b',' | b'(' | b'[' | b'{' | b'\\');
        if !gap {
            return None;
        }
        i += 1;
    }
    None
}

fn is_name_byte_or_dot(b: u8) -> bool {
    is_name_byte(b) || matches!(b, b'.' | b'-')
}

/// One join: the pieces' bytes, in order, stand for the parent text's `replaced` span
/// (the quoted literals and operators, or the shell word).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Join {
    pub(crate) replaced: Span,
    pub(crate) pieces: Vec<Span>,
}

/// Reads the pieces of the join that may start at `start`. Shell lookups spend
/// `budget` (bytes searched); when it runs out, shell joins are no longer planned.
pub(crate) fn plan(text: &[u8], start: Start, budget: &mut usize) -> Option<Join> {
    match start {
        Start::Literal(pos) => literal_chain(text, pos),
        Start::Assignment(pos) => {
            let assignment = assignment_at(text, pos)?;
            let name = &text[assignment.name.start..assignment.name.end];
            let dollar = find_expansion(text, name, assignment.value.end, budget)?;
            shell_join(text, dollar, budget)
        }
        Start::Expansion(dollar) => shell_join(text, dollar, budget),
    }
}

/// The literals joined from the one whose contents start at `start`.
fn literal_chain(text: &[u8], start: usize) -> Option<Join> {
    let mut pieces = Vec::new();
    let mut piece_start = start;
    let mut joined = 0;
    loop {
        let close = piece_end(text, piece_start)?;
        pieces.push(Span::new(piece_start, close));
        joined += close - piece_start;
        match next_piece(text, close + 1) {
            Some(next) if pieces.len() < MAX_PIECES && joined < MAX_JOINED => piece_start = next,
            _ => {
                return (pieces.len() > 1).then(|| Join {
                    replaced: Span::new(start - 1, close + 1),
                    pieces,
                })
            }
        }
    }
}

/// A shell assignment `NAME=value`, `NAME="value"` or `NAME='value'`.
#[derive(Clone, Copy, Debug)]
struct Assignment {
    name: Span,
    value: Span,
}

/// The assignment whose value starts at `value_start`: a name at the start of a
/// statement (line start, after whitespace, `;`, `&`, `|`, `(`, `{`), `=`, an optional
/// quote, a value of literal characters (no `$`, escape or newline), the closing quote.
fn assignment_at(text: &[u8], value_start: usize) -> Option<Assignment> {
    let quote = value_start
        .checked_sub(1)
        .map(|i| text[i])
        .filter(|&b| b == b'"' || b == b'\'');
    let equals = value_start.checked_sub(1 + usize::from(quote.is_some()))?;
    if text.get(equals) != Some(&b'=') {
        return None;
    }
    let mut name_start = equals;
    while name_start > 0 && equals - name_start < MAX_NAME && is_name_byte(text[name_start - 1]) {
        name_start -= 1;
    }
    let statement_start = name_start == 0
        || matches!(
            text[name_start - 1],
            b' ' | b'\t' | b'\n' | b'\r' | b';' | b'&' | b'|' | b'(' | b'{'
        );
    if name_start == equals || text[name_start].is_ascii_digit() || !statement_start {
        return None;
    }
    let rest = &text[value_start..text.len().min(value_start + MAX_JOINED)];
    let len = match quote {
        Some(q) => {
            let end = rest.iter().position(|&b| !is_value_byte(b))?;
            (rest[end] == q).then_some(end)?
        }
        None => {
            let end = rest
                .iter()
                .position(|&b| !is_value_byte(b))
                .unwrap_or(rest.len());
            let ends = rest.get(end).is_none_or(|&b| {
                matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b';' | b'&' | b'|' | b')')
            });
            ends.then_some(end)?
        }
    };
    (len > 0).then_some(Assignment {
        name: Span::new(name_start, equals),
        value: Span::new(value_start, value_start + len),
    })
}

/// The `$` of the first expansion of `name` (`$NAME` or `${NAME}`) in the
/// [`SHELL_REACH`] bytes after `from`.
fn find_expansion(text: &[u8], name: &[u8], from: usize, budget: &mut usize) -> Option<usize> {
    let to = text.len().min(from + SHELL_REACH);
    let window = text.get(from..to)?;
    *budget = budget.checked_sub(window.len())?;
    memmem::find_iter(window, name)
        .map(|at| from + at)
        .find_map(|at| {
            let after = text.get(at + name.len()).copied();
            let plain =
                text.get(at.wrapping_sub(1)) == Some(&b'$') && !after.is_some_and(is_name_byte);
            let braced = at >= 2 && &text[at - 2..at] == b"${" && after == Some(b'}');
            if plain {
                Some(at - 1)
            } else if braced {
                Some(at - 2)
            } else {
                None
            }
        })
}

/// Bytes that end a shell word.
fn ends_word(b: u8) -> bool {
    b.is_ascii_whitespace()
        || matches!(
            b,
            b';' | b'&' | b'|' | b'(' | b')' | b'<' | b'>' | b'=' | b'`'
        )
}

/// The shell word around the `$` at `dollar` (`"$A""$B"`, `${A}${B}`, `"$A"RNE3`),
/// its variables resolved to the literal values assigned to them before it.
fn shell_join(text: &[u8], dollar: usize, budget: &mut usize) -> Option<Join> {
    let mut start = dollar;
    while start > 0 && dollar - start < MAX_WORD && !ends_word(text[start - 1]) {
        start -= 1;
    }
    let mut end = dollar;
    while end < text.len() && end - dollar < MAX_WORD && !ends_word(text[end]) {
        end += 1;
    }
    let mut pieces = Vec::new();
    let mut joined = 0;
    let mut variables = 0;
    let mut i = start;
    while i < end {
        let piece = match text[i] {
            b'"' => {
                i += 1;
                continue;
            }
            b'$' => {
                let braced = text.get(i + 1) == Some(&b'{');
                let name_start = i + 1 + usize::from(braced);
                let mut name_end = name_start;
                while name_end < end && is_name_byte(text[name_end]) {
                    name_end += 1;
                }
                if name_end == name_start || (braced && text.get(name_end) != Some(&b'}')) {
                    return None;
                }
                i = name_end + usize::from(braced);
                variables += 1;
                resolve(text, &text[name_start..name_end], start, budget)?
            }
            b if is_value_byte(b) => {
                let from = i;
                while i < end && is_value_byte(text[i]) {
                    i += 1;
                }
                Span::new(from, i)
            }
            _ => return None,
        };
        joined += piece.end - piece.start;
        pieces.push(piece);
        if pieces.len() > MAX_PIECES || joined > MAX_JOINED {
            return None;
        }
    }
    (variables > 0 && pieces.len() > 1).then_some(Join {
        replaced: Span::new(start, end),
        pieces,
    })
}

/// The value of the last literal assignment to `name` in the [`SHELL_REACH`] bytes
/// before `before`.
fn resolve(text: &[u8], name: &[u8], before: usize, budget: &mut usize) -> Option<Span> {
    let from = before.saturating_sub(SHELL_REACH);
    let window = &text[from..before];
    *budget = budget.checked_sub(window.len())?;
    memmem::rfind_iter(window, name).find_map(|at| {
        let equals = from + at + name.len();
        if text.get(equals) != Some(&b'=') {
            return None;
        }
        let quoted = matches!(text.get(equals + 1), Some(b'"' | b'\''));
        let assignment = assignment_at(text, equals + 1 + usize::from(quoted))?;
        (assignment.name.start == from + at).then_some(assignment.value)
    })
}

/// A small text in which joins are written out: the parent text around them, each join's
/// pieces joined between quotes in place of what it replaced, and a map from each byte
/// back to the parent byte it came from.
#[derive(Debug, Default)]
pub(crate) struct JoinedText {
    pub(crate) text: Vec<u8>,
    /// For each byte of `text`: the parent byte it stands for.
    map: Vec<usize>,
    /// Where the joined pieces sit in `text`.
    pieces: Vec<Span>,
}

impl JoinedText {
    /// Rebuilds from `joins` (sorted, not overlapping), with [`CONTEXT_BEFORE`] bytes of
    /// the parent before the first and [`CONTEXT_AFTER`] after the last.
    pub(crate) fn build(&mut self, parent: &[u8], joins: &[Join]) {
        self.text.clear();
        self.map.clear();
        self.pieces.clear();
        let Some(first) = joins.first() else { return };
        let mut at = first.replaced.start.saturating_sub(CONTEXT_BEFORE);
        for join in joins {
            self.copy(parent, Span::new(at, join.replaced.start));
            self.text.push(b'"');
            self.map.push(join.replaced.start);
            for &piece in &join.pieces {
                let from = self.text.len();
                self.copy(parent, piece);
                self.pieces.push(Span::new(from, self.text.len()));
            }
            self.text.push(b'"');
            self.map.push(join.replaced.end - 1);
            at = join.replaced.end;
        }
        let end = parent.len().min(at + CONTEXT_AFTER);
        self.copy(parent, Span::new(at, end));
    }

    fn copy(&mut self, parent: &[u8], span: Span) {
        self.text.extend_from_slice(&parent[span.start..span.end]);
        self.map.extend(span.start..span.end);
    }

    /// True when `span` (of `text`) holds bytes of two pieces, or of a piece and what
    /// the join put around it: a value the parent text does not hold as it is.
    pub(crate) fn crosses_a_join(&self, span: Span) -> bool {
        let first = self.pieces.partition_point(|p| p.end <= span.start);
        self.pieces
            .get(first)
            .is_some_and(|p| p.start < span.end && (span.start < p.start || p.end < span.end))
    }

    /// The parent span a span of `text` stands for: from the first parent byte of any of
    /// its bytes to the last (the pieces of a shell join may be assigned in any order).
    pub(crate) fn parent_span(&self, span: Span) -> Span {
        let bytes = &self.map[span.start..span.end.max(span.start + 1)];
        let start = bytes.iter().copied().min().unwrap_or(0);
        let end = bytes.iter().copied().max().unwrap_or(0) + 1;
        Span::new(start, end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn joined(text: &[u8], start: Start) -> Option<(Vec<u8>, JoinedText)> {
        let mut budget = usize::MAX;
        let join = plan(text, start, &mut budget)?;
        let mut out = JoinedText::default();
        out.build(text, std::slice::from_ref(&join));
        let value = join
            .pieces
            .iter()
            .flat_map(|p| text[p.start..p.end].iter().copied())
            .collect();
        Some((value, out))
    }

    #[test]
    fn literals_are_joined() {
        let cases: [&[u8]; 8] = [
            b"k = \"AKIAQWZ7\" + \"RNE3OSJHKV4D\";",
            b"k = ('AKIAQWZ7RN'\n     'E3OSJHKV4D')",
            b"$k = 'AKIA' . 'QWZ7RNE3OSJHKV4D';",
            b"k = \"AKIA\" .. \"QWZ7RNE3\" .. \"OSJHKV4D\"",
            b"select 'AKIA' || 'QWZ7RNE3OSJHKV4D'",
            b"K=\"AKIA\"\"QWZ7RNE3OSJHKV4D\"",
            b"String k = \"AKIAQWZ7\"\n    + \"RNE3OSJHKV4D\";",
            b"k = \"AKIAQWZ7\" \\\n  \"RNE3OSJHKV4D\"",
        ];
        for case in cases {
            let pos = memmem::find(case, b"AKIA").unwrap();
            let shown = String::from_utf8_lossy(case);
            let start = start_at(Kind::AccessKeyId, case, pos, 4);
            assert_eq!(start, Some(Start::Literal(pos)), "{shown}");
            let (value, out) = joined(case, start.unwrap()).expect("joined");
            assert_eq!(value, b"AKIAQWZ7RNE3OSJHKV4D", "{shown}");
            let at = memmem::find(&out.text, b"AKIAQWZ7RNE3OSJHKV4D").unwrap();
            let id = Span::new(at, at + 20);
            assert!(out.crosses_a_join(id), "{shown}");
            assert_eq!(
                out.parent_span(Span::new(at, at + 4)),
                Span::new(pos, pos + 4)
            );
            assert_eq!(out.parent_span(id).start, pos, "{shown}");
        }
        for case in [
            &b"k = \"AKIAQWZ7RNE3OSJHKV4D\" + suffix"[..],
            b"k = \"AKIA\" + name",
            b"k = AKIA + \"x\"",
        ] {
            let pos = memmem::find(case, b"AKIA").unwrap();
            let start = start_at(Kind::AccessKeyId, case, pos, 4);
            assert!(
                start.is_none_or(|s| plan(case, s, &mut (1 << 20)).is_none()),
                "{}",
                String::from_utf8_lossy(case)
            );
        }
    }

    #[test]
    fn secret_literals_start_by_their_keyword() {
        for (case, name) in [
            (
                &b"aws_secret_access_key = \"R9oUz3yBJb2fM\" + \"+Xq0sLtV7hnKe4WdYa1pCgI/6Tw\""[..],
                6,
            ),
            (
                b"'aws_secret_access_key', 'R9oUz3yBJb2fM' || '+Xq0sLtV7hnKe4WdYa1pCgI/6Tw'",
                6,
            ),
            (
                b"SECRET = \"R9oUz3yBJb2fM\"\n  + \"+Xq0sLtV7hnKe4WdYa1pCgI/6Tw\"",
                6,
            ),
        ] {
            let anchor = memmem::find(case, b"secret")
                .or_else(|| memmem::find(case, b"SECRET"))
                .unwrap();
            let start = start_at(Kind::SecretAccessKey, case, anchor, name);
            let value = memmem::find(case, b"R9oU").unwrap();
            assert_eq!(
                start,
                Some(Start::Literal(value)),
                "{}",
                String::from_utf8_lossy(case)
            );
        }
        // A whole secret in one literal, and a literal not joined to another, start nothing.
        for case in [
            &b"aws_secret_access_key = \"R9oUz3yBJb2fM+Xq0sLtV7hnKe4WdYa1pCgI/6Tw\" + x"[..],
            b"aws_secret_access_key = \"R9oUz3yBJb2fM\"",
            b"aws_secret_access_key = os.environ[\"KEY\"] + \"x\"",
        ] {
            assert_eq!(start_at(Kind::SecretAccessKey, case, 4, 6), None);
        }
    }

    #[test]
    fn shell_variables_are_resolved() {
        let script = b"A=AKIAQWZ7\nB='RNE3OSJH'\nexport C=\"KV4D\"\nexport AWS_ACCESS_KEY_ID=\"$A\"\"${B}\"$C\n";
        let pos = memmem::find(script, b"AKIA").unwrap();
        let start = start_at(Kind::AccessKeyId, script, pos, 4);
        assert_eq!(start, Some(Start::Assignment(pos)));
        let (value, out) = joined(script, start.unwrap()).expect("joined");
        assert_eq!(value, b"AKIAQWZ7RNE3OSJHKV4D");
        let text = String::from_utf8_lossy(&out.text);
        assert!(
            text.ends_with("AWS_ACCESS_KEY_ID=\"AKIAQWZ7RNE3OSJHKV4D\"\n"),
            "{text}"
        );

        // The last assignment before the expansion counts; one made after it does not.
        let script = b"B=WRONG\nA=AKIAQWZ7;B=RNE3OSJHKV4D\necho \"$A$B\"\nB=LATER\n";
        let pos = memmem::find(script, b"AKIA").unwrap();
        let (value, _) = joined(script, Start::Assignment(pos)).expect("joined");
        assert_eq!(value, b"AKIAQWZ7RNE3OSJHKV4D");

        // Not joined: a variable with no literal assignment, a command substitution, a
        // name that only ends like the variable's, a word with other characters.
        for script in [
            &b"A=AKIAQWZ7\necho \"$A$UNSET\"\n"[..],
            b"A=AKIAQWZ7\nB=$(cat f)\necho \"$A$B\"\n",
            b"A=AKIAQWZ7\nXB=RNE3OSJHKV4D\necho \"$A$B\"\n",
            b"A=AKIAQWZ7\nB=RNE3OSJHKV4D\necho \"$A-$B\"\n",
            b"A=AKIAQWZ7\nB=RNE3OSJHKV4D\necho \"$AB\"\n",
        ] {
            let pos = memmem::find(script, b"AKIA").unwrap();
            let shown = String::from_utf8_lossy(script);
            assert_eq!(
                plan(script, Start::Assignment(pos), &mut (1 << 20)),
                None,
                "{shown}"
            );
        }
    }

    #[test]
    fn shell_budget_bounds_the_lookups() {
        let script = b"A=AKIAQWZ7\nB=RNE3OSJHKV4D\necho \"$A$B\"\n";
        let pos = memmem::find(script, b"AKIA").unwrap();
        assert!(plan(script, Start::Assignment(pos), &mut 8).is_none());
        let mut budget = 1 << 20;
        assert!(plan(script, Start::Assignment(pos), &mut budget).is_some());
        assert!(budget < 1 << 20);
    }

    #[test]
    fn shell_joins_map_to_the_earliest_piece() {
        let script = b"B=RNE3OSJHKV4D\nA=AKIAQWZ7\nexport K=\"$A$B\"\n";
        let pos = memmem::find(script, b"AKIA").unwrap();
        let (_, out) = joined(script, Start::Assignment(pos)).expect("joined");
        let at = memmem::find(&out.text, b"AKIAQWZ7RNE3").unwrap();
        let span = out.parent_span(Span::new(at, at + 20));
        assert_eq!(span, Span::new(2, pos + 8));
    }
}
