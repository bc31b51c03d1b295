//! Offset dumps: `xxd`, `hexdump -C`, `od -A x -t x1z`, Wireshark hex dumps and
//! `tcpdump -x/-X/-XX`.
//!
//! The ASCII column is never decoded, and never trusted to end the hex column by its
//! content (it may read `cafe`): a line holds as many bytes as the next line's offset
//! says, and the last line of a dump ends where the hex column of the full lines ended
//! (or, for a one-line dump, at the first gap of two spaces). Offsets must be
//! consecutive; a gap or a disagreement is an error naming the line.

use super::{Format, Parsed, RawError, hex_val, packets};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Xxd,
    Hexdump,
    Od,
    Wireshark,
    Tcpdump,
}

impl Kind {
    fn format(self) -> Format {
        match self {
            Kind::Xxd => Format::Xxd,
            Kind::Hexdump => Format::Hexdump,
            Kind::Od => Format::Od,
            Kind::Wireshark => Format::Wireshark,
            Kind::Tcpdump => Format::Tcpdump,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Kind::Xxd => "xxd",
            Kind::Hexdump => "hexdump -C",
            Kind::Od => "od",
            Kind::Wireshark => "Wireshark hex dump",
            Kind::Tcpdump => "tcpdump -X",
        }
    }

    /// Whether the hex column is closed by a delimiter (`|` or `>`) before the ASCII one.
    fn delimiter(self) -> Option<char> {
        match self {
            Kind::Hexdump => Some('|'),
            Kind::Od => Some('>'),
            _ => None,
        }
    }
}

/// One dump line: where its offset says it starts, where its hex column starts.
#[derive(Debug, Clone, Copy)]
struct Line<'a> {
    no: usize,
    text: &'a str,
    kind: Kind,
    offset: u64,
    /// Byte index of the text after the offset; `None` for an offset-only line.
    body: Option<usize>,
    /// Octal offsets (`od` without `-A x`).
    octal: bool,
    /// A `*` line follows: this line repeats until the next offset (hexdump, od).
    repeats: bool,
}

/// Most bytes a `*` line may stand for (a pasted dump, not a disk image).
const MAX_REPEAT: u64 = 1 << 20;

fn leading_hex(s: &str) -> usize {
    s.bytes().take_while(u8::is_ascii_hexdigit).count()
}

/// Parses the offset digits; `None` when they do not fit in a u64 or are not octal.
fn offset_value(digits: &str, octal: bool) -> Option<u64> {
    u64::from_str_radix(digits, if octal { 8 } else { 16 }).ok()
}

fn classify(no: usize, text: &str) -> Option<Line<'_>> {
    let t = text.trim_start();
    let lead = text.len() - t.len();
    let line = |kind, offset, body, octal| {
        Some(Line {
            repeats: false,
            no,
            text,
            kind,
            offset,
            body,
            octal,
        })
    };
    if let Some(r) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        let n = leading_hex(r);
        if n >= 4 && r[n..].starts_with(':') {
            let off = offset_value(&r[..n], false)?;
            return line(Kind::Tcpdump, off, Some(lead + 2 + n + 1), false);
        }
        return None;
    }
    let n = leading_hex(t);
    if n < 4 {
        return None;
    }
    let (digits, rest) = t.split_at(n);
    let body = Some(lead + n);
    if n >= 6 && (rest.starts_with(": ") || rest == ":") {
        return line(
            Kind::Xxd,
            offset_value(digits, false)?,
            Some(lead + n + 1),
            false,
        );
    }
    if n >= 8 && (rest.starts_with("  ") || rest.is_empty()) {
        let body = if rest.is_empty() { None } else { body };
        return line(Kind::Hexdump, offset_value(digits, false)?, body, false);
    }
    if (6..=7).contains(&n)
        && ((rest.starts_with(' ') && !rest.starts_with("  ")) || rest.is_empty())
    {
        let octal = n == 7;
        let body = if rest.is_empty() { None } else { body };
        return line(Kind::Od, offset_value(digits, octal)?, body, octal);
    }
    if rest.starts_with("  ") && n <= 8 {
        return line(Kind::Wireshark, offset_value(digits, false)?, body, false);
    }
    None
}

/// `tcpdump -x/-X/-XX` output, or `None` when no line looks like one.
pub(super) fn parse_tcpdump<'a>(input: &'a str) -> Result<Option<Parsed>, RawError> {
    let tcpdump_line =
        |(i, t): (usize, &'a str)| (t, classify(i + 1, t).filter(|l| l.kind == Kind::Tcpdump));
    let mut lines = input.lines().enumerate().map(tcpdump_line);
    if !lines.clone().any(|(_, l)| l.is_some()) {
        return Ok(None);
    }
    let mut packets: Vec<Vec<u8>> = Vec::new();
    let mut current: Vec<Line> = Vec::new();
    let mut skipped = 0usize;
    for (text, line) in &mut lines {
        match line {
            Some(l) => {
                if l.offset == 0 && !current.is_empty() {
                    packets.push(read_lines(&current)?);
                    current.clear();
                }
                current.push(l);
            }
            None => {
                if !current.is_empty() {
                    packets.push(read_lines(&current)?);
                    current.clear();
                }
                skipped += usize::from(!text.trim().is_empty());
            }
        }
    }
    if !current.is_empty() {
        packets.push(read_lines(&current)?);
    }
    let (bytes, mut notes) = packets::extract(&packets);
    if skipped > 0 {
        notes.insert(
            0,
            format!("skipped {skipped} line(s) that are not hex (packet summaries)"),
        );
    }
    Ok(Some(Parsed {
        bytes,
        format: Format::Tcpdump,
        notes,
    }))
}

/// `xxd`, `hexdump -C`, `od` or Wireshark output, decided by the first non-blank line.
pub(super) fn parse_offset_dump(input: &str) -> Result<Option<Parsed>, RawError> {
    let mut nonblank = input
        .lines()
        .enumerate()
        .filter(|(_, t)| !t.trim().is_empty());
    let Some((first_no, first_text)) = nonblank.next() else {
        return Ok(None);
    };
    let Some(first) = classify(first_no + 1, first_text) else {
        return Ok(None);
    };
    let strong = match first.kind {
        Kind::Xxd => true,
        Kind::Hexdump => first.offset == 0 || first_text.contains('|'),
        Kind::Od | Kind::Wireshark => first.offset == 0,
        Kind::Tcpdump => false,
    };
    let Some(body) = first.body.filter(|_| strong) else {
        return Ok(None);
    };
    if first.kind == Kind::Od {
        // Refuse 16-bit words (`od -x`, plain `hexdump`) before their offsets confuse.
        read_groups(&first, body, None, None, &mut Vec::new())?;
    }
    let mut lines = vec![first];
    for (i, text) in nonblank {
        if text.trim() == "*" {
            match lines.last_mut() {
                Some(prev) if prev.body.is_some() && !prev.repeats => {
                    prev.repeats = true;
                    continue;
                }
                _ => {
                    return Err(RawError::at(
                        i + 1,
                        text,
                        text.len() - text.trim_start().len(),
                        "`*` (repeated lines) must follow a line of bytes",
                    ));
                }
            }
        }
        if lines.last().is_some_and(|l| l.body.is_none()) {
            return Err(RawError::at(
                i + 1,
                text,
                0,
                "text after the final offset line of the dump",
            ));
        }
        match classify(i + 1, text) {
            Some(l) if l.kind == first.kind || (first.kind == Kind::Od && l.kind == Kind::Od) => {
                lines.push(l)
            }
            _ => {
                return Err(RawError::at(
                    i + 1,
                    text,
                    0,
                    format!(
                        "not a line of {} output like the first line",
                        first.kind.name()
                    ),
                ));
            }
        }
    }
    let bytes = read_lines(&lines)?;
    Ok(Some(Parsed {
        bytes,
        format: first.kind.format(),
        notes: Vec::new(),
    }))
}

/// Reads the bytes of consecutive dump lines (one dump, or one tcpdump packet).
fn read_lines(lines: &[Line]) -> Result<Vec<u8>, RawError> {
    let mut out = Vec::new();
    let mut learned_end: Option<usize> = None;
    for (i, line) in lines.iter().enumerate() {
        let Some(body) = line.body else {
            continue;
        };
        let expect = match lines.get(i + 1) {
            Some(next) => {
                if next.octal != line.octal {
                    return Err(RawError::at(next.no, next.text, 0, "offset width changes"));
                }
                let Some(n) = next.offset.checked_sub(line.offset) else {
                    return Err(RawError::at(
                        next.no,
                        next.text,
                        0,
                        format!(
                            "offset goes backwards (line {} starts at {:#x})",
                            line.no, line.offset
                        ),
                    ));
                };
                Some(n)
            }
            None => None,
        };
        let before = out.len();
        if line.repeats {
            let Some(total) = expect else {
                return Err(RawError::at(
                    line.no,
                    line.text,
                    0,
                    "a `*` line must be followed by the offset where the repetition ends",
                ));
            };
            let end = read_groups(line, body, None, learned_end, &mut out)?;
            let width = (out.len() - before) as u64;
            if width == 0 || total % width != 0 || total > MAX_REPEAT {
                let next = &lines[i + 1];
                return Err(RawError::at(
                    next.no,
                    next.text,
                    0,
                    format!(
                        "the `*` after line {} stands for {total} bytes, which is not a whole number of {width}-byte lines (or more than {MAX_REPEAT})",
                        line.no
                    ),
                ));
            }
            let row = out[before..].to_vec();
            for _ in 1..total / width {
                out.extend_from_slice(&row);
            }
            learned_end = Some(learned_end.map_or(end, |e: usize| e.max(end)));
            continue;
        }
        let end = read_groups(line, body, expect, learned_end, &mut out)?;
        if let Some(n) = expect {
            let got = (out.len() - before) as u64;
            if got != n {
                let next = &lines[i + 1];
                return Err(RawError::at(
                    next.no,
                    next.text,
                    0,
                    format!(
                        "offset {:#x} does not follow line {} ({:#x} + {} bytes = {:#x}): \
                         a gap or a changed line",
                        next.offset,
                        line.no,
                        line.offset,
                        got,
                        line.offset.wrapping_add(got)
                    ),
                ));
            }
            learned_end = Some(learned_end.map_or(end, |e: usize| e.max(end)));
        }
    }
    Ok(out)
}

/// Reads the hex groups of one line into `out`; returns where the last group ended.
/// `expect`: bytes the offsets say the line holds (`None` for a dump's last line).
fn read_groups(
    line: &Line,
    body: usize,
    expect: Option<u64>,
    learned_end: Option<usize>,
    out: &mut Vec<u8>,
) -> Result<usize, RawError> {
    let text = line.text;
    let area_end = match line.kind.delimiter() {
        Some(d) => text[body..].find(d).map_or(text.len(), |n| body + n),
        None => text.len(),
    };
    let delimited = line.kind.delimiter().is_some();
    let one_byte_groups = matches!(line.kind, Kind::Hexdump | Kind::Od | Kind::Wireshark);
    let mut got: u64 = 0;
    let mut pos = body;
    let mut last_end = body;
    let mut group_len: Option<usize> = None;
    let mut short_group = false;
    loop {
        if expect.is_some_and(|n| got >= n) {
            break;
        }
        let rest = &text[pos..area_end];
        let Some(skip) = rest.find(|c: char| !c.is_whitespace()) else {
            break;
        };
        let start = pos + skip;
        let end = text[start..area_end]
            .find(char::is_whitespace)
            .map_or(area_end, |n| start + n);
        let token = &text[start..end];
        let strict = delimited || expect.is_some();
        if !strict {
            let past_column = match learned_end {
                Some(e) => start >= e,
                None => got > 0 && skip >= 2,
            };
            if past_column || short_group {
                break;
            }
        }
        let is_hex = token.bytes().all(|b| b.is_ascii_hexdigit());
        let bad_len = token.len() % 2 == 1
            || (one_byte_groups && token.len() != 2)
            || group_len.is_some_and(|g| token.len() > g);
        if !is_hex || bad_len {
            // Past a column gap, a non-hex token is the ASCII column: the line is short,
            // which the caller reports as an offset disagreement.
            if !strict || (!delimited && !is_hex && skip >= 2) {
                break;
            }
            let msg = if !is_hex {
                format!("`{token}` is not hex, but the offsets say this line holds more bytes")
            } else if one_byte_groups && token.len() == 4 && line.kind == Kind::Od {
                "16-bit words are in host byte order: rerun as `od -A x -t x1z` or `hexdump -C`"
                    .to_string()
            } else if one_byte_groups {
                format!("expected one byte (two hex digits), found `{token}`")
            } else {
                format!("odd or uneven group of hex digits `{token}`")
            };
            return Err(RawError::at(line.no, text, start, msg));
        }
        if group_len.is_some_and(|g| token.len() < g) {
            short_group = true;
        }
        group_len.get_or_insert(token.len());
        out.extend(
            token
                .as_bytes()
                .chunks_exact(2)
                .map(|p| hex_val(p[0]) << 4 | hex_val(p[1])),
        );
        got += token.len() as u64 / 2;
        pos = end;
        last_end = end;
    }
    Ok(last_end)
}
