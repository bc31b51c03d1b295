//! The validated configuration that `cli` builds and the commands consume, and the
//! one syntax of every duration flag.
//!
//! Here: where `inspect` and `explain` read their text ([`TextSource`]), their configs,
//! `demo`'s, and durations (`5s`, `500ms`, `2m`; parsed for `cli`, written back for the
//! messages of the commands). The configs of `decode`, `probe`, `send` and `serve` stay
//! beside their shells (`decode::shell::DecodeConfig`, `probe::run::ProbeConfig`,
//! `send::SendConfig`, `serve::ServeConfig`): they are made of those modules' own
//! vocabulary (filters, attempts, targets, header specs, policies), and moving them
//! here would make this module and each command depend on each other; they move once
//! that vocabulary lives in the core.

use crate::output::Output;
use std::path::PathBuf;
use std::time::Duration;

/// Where `inspect` and `explain` read their text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextSource {
    /// Given on the command line.
    Inline(String),
    /// Standard input.
    Stdin,
    /// A file.
    File(PathBuf),
}

/// Validated `inspect` config.
#[derive(Debug, Clone)]
pub struct InspectConfig {
    /// Where the bytes are.
    pub source: TextSource,
    /// Output.
    pub output: Output,
}

/// Validated `explain` config.
#[derive(Debug, Clone)]
pub struct ExplainConfig {
    /// The message, or `None` for `--list`.
    pub message: Option<TextSource>,
    /// Output.
    pub output: Output,
}

/// `demo` settings.
#[derive(Debug, Clone, Copy)]
pub struct DemoConfig {
    /// Output.
    pub output: Output,
}

/// Parses `5s`, `500ms`, `2m`, or a number of seconds, between 1ms and 24h.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    duration_in(
        "duration",
        s,
        Duration::from_millis(1),
        Duration::from_secs(86_400),
    )
}

/// The one rule for every duration flag (`--timeout`, `--header-timeout`,
/// `--deadline`, ...): the same syntax, and one message when the value is out of the
/// flag's range: "`--timeout 0`: give a duration between 50ms and 5m".
pub fn duration_in(flag: &str, s: &str, min: Duration, max: Duration) -> Result<Duration, String> {
    let d = duration_value(s).map_err(|e| format!("{flag} `{s}`: {e}"))?;
    if !(min..=max).contains(&d) {
        return Err(format!(
            "{flag} `{s}`: give a duration between {} and {} (a bare number is seconds)",
            duration_text(min),
            duration_text(max)
        ));
    }
    Ok(d)
}

/// A duration as people write it: `500ms`, `3s`, `5m`, `24h`, `1.5s`.
pub fn duration_text(d: Duration) -> String {
    let ms = d.as_millis();
    if ms == 0 || !ms.is_multiple_of(1000) {
        if ms >= 1000 {
            return format!("{}s", d.as_secs_f64());
        }
        return format!("{ms}ms");
    }
    let secs = ms / 1000;
    if secs.is_multiple_of(3600) {
        format!("{}h", secs / 3600)
    } else if secs.is_multiple_of(60) {
        format!("{}m", secs / 60)
    } else {
        format!("{secs}s")
    }
}

fn duration_value(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let (num, unit) = match t.find(|c: char| !(c.is_ascii_digit() || c == '.')) {
        Some(i) => (&t[..i], &t[i..]),
        None => (t, "s"),
    };
    let n: f64 = num
        .parse()
        .map_err(|_| "not a duration (examples: 500ms, 5s, 1m)".to_string())?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => return Err("the unit must be ms, s, m or h".into()),
    };
    if !secs.is_finite() || secs > 1e9 {
        return Err("too long".into());
    }
    Ok(Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("5s"), Ok(Duration::from_secs(5)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("3"), Ok(Duration::from_secs(3)));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("25h").is_err());
        assert_eq!(
            duration_in(
                "--timeout",
                "0",
                Duration::from_millis(50),
                Duration::from_secs(300)
            ),
            Err(
                "--timeout `0`: give a duration between 50ms and 5m (a bare number is seconds)"
                    .into()
            )
        );
        assert_eq!(
            duration_in(
                "--timeout",
                "1000",
                Duration::from_millis(50),
                Duration::from_secs(300)
            ),
            Err(
                "--timeout `1000`: give a duration between 50ms and 5m (a bare number is seconds)"
                    .into()
            )
        );
        assert!(parse_duration("x").is_err());
    }
}
