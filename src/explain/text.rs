//! Text output of `ppdiag explain` and of `ppdiag explain --list`.
//!
//! Rules: build a `String`, print nothing; text that came from the user or a peer goes
//! through [`crate::escape`] (quoted bytes through `escape_bytes_max`, the rest through
//! `sanitize_text`); colour only through the [`Painter`].

use super::{Explanation, entries};
use crate::escape::{escape_bytes_max, sanitize_text};
use crate::render::{Painter, key_values};
use std::fmt::Write as _;

/// How many quoted bytes the text output shows.
const BYTES_SHOWN: usize = 64;

/// The best match in full (causes, byte reason, backend hint, commands), then the
/// other matches briefly; or, with no match, what to run instead.
pub fn render_text(e: &Explanation, p: &Painter) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} {}", p.key("message:"), sanitize_text(&e.message));

    if let Some(q) = &e.quoted {
        let shown = match &e.bytes {
            Some(b) => format!(
                "\"{}\" ({} bytes)",
                escape_bytes_max(b, BYTES_SHOWN),
                b.len()
            ),
            None => format!("\"{}\"", sanitize_text(&q.text)),
        };
        let _ = writeln!(out, "{} {}", p.key("quoted bytes:"), shown);
        let _ = writeln!(out, "  {}", sanitize_text(&q.suggests));
        if let Some(err) = &q.decode_error {
            let _ = writeln!(
                out,
                "  {} {}",
                p.dim("could not decode:"),
                sanitize_text(err)
            );
        }
    }

    let Some(best) = e.matches.first() else {
        let _ = writeln!(out, "{}", p.bad("no known message matched"));
        let _ = writeln!(
            out,
            "  run `ppdiag probe HOST:PORT` to see what the target expects, or `ppdiag explain --list` for the known messages"
        );
        return out;
    };

    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{} {} ({}, {} side)",
        p.heading("best match:"),
        best.id,
        best.source,
        best.side.as_str()
    );
    let _ = writeln!(
        out,
        "  {} {}",
        p.dim("matched:"),
        sanitize_text(&best.matched)
    );
    let _ = writeln!(out, "{}", p.heading("likely causes:"));
    for c in &best.causes {
        let _ = writeln!(out, "  {}. [{}] {}", c.rank, c.code, c.why);
    }
    let mut rows = vec![("on the wire".to_string(), best.byte_reason.clone())];
    if let Some(d) = &best.detail {
        rows.push(("this message".to_string(), d.clone()));
    }
    rows.push(("points to".to_string(), best.points_to.clone()));
    key_values(p, &mut out, 0, &rows);
    let _ = writeln!(out, "{}", p.heading("tell the causes apart:"));
    for cmd in &best.commands {
        let _ = writeln!(out, "  $ {cmd}");
    }

    if e.matches.len() > 1 {
        let _ = writeln!(out, "{}", p.heading("also matches:"));
        for m in &e.matches[1..] {
            let first = m.causes.first().map(|c| c.code.as_str()).unwrap_or("-");
            let _ = writeln!(
                out,
                "  {} ({}, {}): {}",
                m.id,
                m.source,
                m.side.as_str(),
                p.dim(first)
            );
        }
    }
    out
}

/// The knowledge base, one entry a few lines: id, software and side, the causes, an example.
pub fn render_list_text(p: &Painter) -> String {
    let mut out = String::new();
    let all = entries();
    let _ = writeln!(
        out,
        "{}",
        p.heading(&format!("{} known messages", all.len()))
    );
    for e in all {
        let causes: Vec<&str> = e.causes.iter().map(|c| c.code.as_str()).collect();
        let _ = writeln!(
            out,
            "{} ({}, {}): {}",
            p.key(e.id),
            e.source,
            e.side.as_str(),
            causes.join(", ")
        );
        if let Some(ex) = e.examples.first() {
            // One line an example: a reply's line breaks are shown, not made.
            let one_line = sanitize_text(ex).replace('\n', "\\x0a");
            let _ = writeln!(out, "    {}", p.dim(&one_line));
        }
    }
    out
}
