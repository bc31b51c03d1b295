//! Matching a message against the knowledge base (sans-IO, pure functions).
//!
//! The message is normalised (ASCII lower case, runs of whitespace made one space) with a
//! map back to the original text, so `matched` quotes the user's own words. A pattern
//! is a list of literal parts separated by `*`, found in order; a part that starts or
//! ends with a letter or digit must sit on a word boundary there (so `eof` does not
//! match inside `whereof`, and `400` not inside `14001`), except at a pattern's own `*`
//! ends: `[0x160x03*` matches `[0x160x030x01...`, where the bytes run on.
//!
//! Score: the number of message bytes the entry explains, i.e. the union of the spans
//! matched by its own patterns and by those of the entries it refines (counted only
//! when one of its own patterns matched). More specific entries explain more of the
//! message and rank first; ties keep knowledge-base order, where general entries come
//! before their refinements. Never panics: every index is checked.

use super::kb::Entry;

/// A message prepared for matching.
pub(crate) struct Normalized<'a> {
    original: &'a str,
    text: String,
    /// For each byte of `text`: the original byte range of the character it came from.
    map: Vec<(usize, usize)>,
}

impl<'a> Normalized<'a> {
    pub(crate) fn new(original: &'a str) -> Self {
        let mut text = String::with_capacity(original.len());
        let mut map = Vec::with_capacity(original.len());
        let mut in_space = false;
        for (i, c) in original.char_indices() {
            let end = i + c.len_utf8();
            if c.is_whitespace() {
                if !in_space && !text.is_empty() {
                    text.push(' ');
                    map.push((i, end));
                }
                in_space = true;
                continue;
            }
            in_space = false;
            let lc = c.to_ascii_lowercase();
            let before = text.len();
            text.push(lc);
            for _ in before..text.len() {
                map.push((i, end));
            }
        }
        if text.ends_with(' ') {
            text.pop();
            map.pop();
        }
        Normalized {
            original,
            text,
            map,
        }
    }

    /// The original text behind the normalised byte range `start..end`.
    pub(crate) fn original_span(&self, start: usize, end: usize) -> &'a str {
        if start >= end || end > self.map.len() {
            return "";
        }
        let (a, _) = self.map[start];
        let (_, b) = self.map[end - 1];
        self.original.get(a..b).unwrap_or("")
    }
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

/// Finds `part` in `hay` at or after `from`, on word boundaries where the part has them
/// (`open`: on the left, on the right, none is needed).
fn find_part(hay: &str, part: &str, from: usize, open: (bool, bool)) -> Option<usize> {
    if part.is_empty() {
        return Some(from);
    }
    let bytes = hay.as_bytes();
    let pb = part.as_bytes();
    let need_left = !open.0 && pb.first().copied().is_some_and(is_word);
    let need_right = !open.1 && pb.last().copied().is_some_and(is_word);
    let mut start = from;
    while start <= hay.len() {
        let rel = hay.get(start..)?.find(part)?;
        let at = start + rel;
        let end = at + part.len();
        let left_ok = !need_left || at == 0 || !is_word(bytes[at - 1]);
        let right_ok = !need_right || end >= bytes.len() || !is_word(bytes[end]);
        if left_ok && right_ok {
            return Some(at);
        }
        // Step past this occurrence by one character.
        start = at + hay.get(at..)?.chars().next().map_or(1, char::len_utf8);
    }
    None
}

/// The spans (normalised byte ranges) matched by `pattern`, or `None`.
pub(crate) fn match_pattern(text: &str, pattern: &str) -> Option<Vec<(usize, usize)>> {
    let mut spans = Vec::new();
    let mut pos = 0;
    let parts: Vec<&str> = pattern
        .split('*')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let last = parts.len().saturating_sub(1);
    for (i, part) in parts.into_iter().enumerate() {
        let open = (
            i == 0 && pattern.starts_with('*'),
            i == last && pattern.ends_with('*'),
        );
        let at = find_part(text, part, pos, open)?;
        spans.push((at, at + part.len()));
        pos = at + part.len();
    }
    if spans.is_empty() { None } else { Some(spans) }
}

/// The result of matching one entry.
pub(crate) struct Hit {
    pub(crate) entry: &'static Entry,
    pub(crate) score: usize,
    pub(crate) spans: Vec<(usize, usize)>,
}

fn spans_of(entry: &Entry, text: &str) -> Vec<(usize, usize)> {
    entry
        .patterns
        .iter()
        .filter_map(|p| match_pattern(text, p))
        .flatten()
        .collect()
}

/// Merges overlapping spans; returns them sorted and disjoint.
fn merge(mut spans: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    spans.sort_unstable();
    let mut out: Vec<(usize, usize)> = Vec::with_capacity(spans.len());
    for (a, b) in spans {
        match out.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

/// Scores every entry of `kb` against `norm`; returns the matching ones, best first.
pub(crate) fn rank(kb: &'static [Entry], norm: &Normalized<'_>) -> Vec<Hit> {
    let text = norm.text.as_str();
    let mut hits: Vec<(usize, Hit)> = Vec::new();
    for (order, entry) in kb.iter().enumerate() {
        let own = spans_of(entry, text);
        if own.is_empty() {
            continue;
        }
        let mut all = own;
        // Follow the refinement chain (bounded, in case of a cycle).
        let mut parent = entry.refines;
        for _ in 0..4 {
            let Some(pid) = parent else { break };
            let Some(p) = kb.iter().find(|e| e.id == pid) else {
                break;
            };
            all.extend(spans_of(p, text));
            parent = p.refines;
        }
        let spans = merge(all);
        let score = spans.iter().map(|(a, b)| b - a).sum();
        hits.push((
            order,
            Hit {
                entry,
                score,
                spans,
            },
        ));
    }
    hits.sort_by(|(oa, a), (ob, b)| b.score.cmp(&a.score).then(oa.cmp(ob)));
    hits.into_iter().map(|(_, h)| h).collect()
}

/// The user's own words behind `spans`, joined with ` … ` when they are apart.
pub(crate) fn matched_text(norm: &Normalized<'_>, spans: &[(usize, usize)]) -> String {
    spans
        .iter()
        .map(|&(a, b)| norm.original_span(a, b))
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" … ")
}

/// Where a quoted string sits in a message, and in which context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct QuotedSpan {
    /// The text between the quotes, escapes untouched.
    pub(crate) text: String,
    /// Found after nginx's `broken header:`.
    pub(crate) broken_header: bool,
}

/// The text of the double-quoted string starting right after `open` (the index just
/// past the opening quote), honouring backslash escapes; the end of the message
/// closes an unterminated string (nginx logs can be cut).
fn quoted_from(message: &str, open: usize) -> String {
    let rest = message.get(open..).unwrap_or("");
    let mut out = String::new();
    let mut chars = rest.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                out.push('\\');
                if let Some(n) = chars.next() {
                    out.push(n);
                }
            }
            '"' => break,
            _ => out.push(c),
        }
    }
    out
}

/// A string quoted inside a quoted string (`desc = "... client: \"\\x16\\x03\""`, as
/// gRPC-Go's `%q` of a message that holds a `%q` writes it), one level of escaping
/// taken off: the inner quote is the peer's bytes.
fn inner_quote(text: &str) -> Option<String> {
    let start = text.find("\\\"")? + 2;
    let rest = &text[start..];
    let end = rest.find("\\\"")?;
    let mut out = String::with_capacity(end);
    let mut chars = rest[..end].chars();
    while let Some(c) = chars.next() {
        match (c, chars.clone().next()) {
            ('\\', Some(n @ ('\\' | '"'))) => {
                out.push(n);
                chars.next();
            }
            _ => out.push(c),
        }
    }
    Some(out)
}

/// Finds the quoted peer bytes in a message: after `broken header:` first, else the
/// first quoted string that holds a `\x` escape or starts with `PROXY ` (as nginx's
/// access log shows a header it did not expect), or the string quoted inside it.
pub(crate) fn find_quoted(message: &str) -> Option<QuotedSpan> {
    let lower = message.to_ascii_lowercase();
    if let Some(at) = lower.find("broken header:") {
        let after = at + "broken header:".len();
        let rest = message.get(after..)?;
        let trimmed = rest.trim_start();
        if trimmed.starts_with('"') {
            let open = after + (rest.len() - trimmed.len()) + 1;
            return Some(QuotedSpan {
                text: quoted_from(message, open),
                broken_header: true,
            });
        }
    }
    let mut search = 0;
    while let Some(rel) = message.get(search..).and_then(|s| s.find('"')) {
        let open = search + rel + 1;
        let text = quoted_from(message, open);
        let consumed = open + text.len() + 1;
        if text.contains("\\x")
            || text.contains("\\X")
            || text.starts_with("PROXY ")
            || text.contains("\\\"PROXY ")
        {
            return Some(QuotedSpan {
                text: inner_quote(&text).unwrap_or(text),
                broken_header: false,
            });
        }
        if consumed <= search {
            break;
        }
        search = consumed;
    }
    None
}
