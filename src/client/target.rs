//! Probe targets (sans-IO): `host:port`, `[v6]:port`, bare IPs with `--port`, and URLs
//! (`https://host/path` gives the SNI, the port and the request path); curl's
//! `--connect-to HOST:PORT:CONNECT-HOST:CONNECT-PORT` reroutes a target while keeping
//! its name for SNI and the Host header.
//!
//! Rules: no I/O, no DNS; errors are plain strings naming the input and the expected
//! form.

use serde::Serialize;

/// A parsed target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Target {
    /// The text given.
    pub input: String,
    /// Host name or IP address (IPv6 without brackets).
    pub host: String,
    /// Port.
    pub port: u16,
    /// The URL scheme, when a URL was given (`https`, `http`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheme: Option<String>,
    /// Path for the plaintext HTTP request.
    pub path: String,
}

impl Target {
    /// `host:port`, with brackets for IPv6.
    pub fn authority(&self) -> String {
        join(&self.host, self.port)
    }

    /// Whether the host is an IP address (then no SNI is sent).
    pub fn host_is_ip(&self) -> bool {
        self.host.parse::<std::net::IpAddr>().is_ok()
    }
}

/// `host:port` with brackets around IPv6 addresses.
pub fn join(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

fn split_host_port(s: &str) -> Result<(String, Option<u16>), String> {
    let parse_port = |p: &str| {
        p.parse::<u16>()
            .map_err(|_| format!("`{p}` is not a port number (0-65535)"))
    };
    if let Some(rest) = s.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or_else(|| format!("`{s}`: missing `]` after the IPv6 address"))?;
        if host.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(format!("`{host}` is not an IPv6 address"));
        }
        return match after {
            "" => Ok((host.to_string(), None)),
            p => match p.strip_prefix(':') {
                Some(p) => Ok((host.to_string(), Some(parse_port(p)?))),
                None => Err(format!("`{s}`: expected `:PORT` after `]`")),
            },
        };
    }
    if s.parse::<std::net::Ipv6Addr>().is_ok() {
        return Ok((s.to_string(), None));
    }
    match s.rsplit_once(':') {
        Some((h, p)) => Ok((h.to_string(), Some(parse_port(p)?))),
        None => Ok((s.to_string(), None)),
    }
}

/// Parses one target; `default_port` applies when none is given and no URL scheme
/// implies one.
pub fn parse(input: &str, default_port: Option<u16>) -> Result<Target, String> {
    let s = input.trim();
    if s.is_empty() {
        return Err("an empty target".into());
    }
    let (scheme, rest) = match s.split_once("://") {
        Some((scheme, rest)) => (Some(scheme.to_ascii_lowercase()), rest),
        None => (None, s),
    };
    let (hostport, path) = match rest.find(['/', '?', '#']) {
        Some(i) if scheme.is_some() => (&rest[..i], &rest[i..]),
        _ => (rest, "/"),
    };
    let hostport = hostport.rsplit_once('@').map_or(hostport, |(_, h)| h);
    let (host, port) = split_host_port(hostport).map_err(|e| format!("target `{input}`: {e}"))?;
    if host.is_empty() {
        return Err(format!("target `{input}`: no host"));
    }
    if host.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "target `{input}`: the host contains spaces or control characters"
        ));
    }
    let scheme_port = match scheme.as_deref() {
        Some("https") => Some(443),
        Some("http") => Some(80),
        Some(other) => {
            return Err(format!(
                "target `{input}`: a URL must be https:// or http:// (ppdiag speaks TLS and HTTP after the header), not {other}://; for another protocol give host:port (probe's `wait` attempt reads an FTP or SMTP banner)"
            ));
        }
        None => None,
    };
    let port = port.or(scheme_port).or(default_port).ok_or_else(|| {
        format!("target `{input}`: no port; write host:port, [v6]:port, a URL, or give --port")
    })?;
    if port == 0 {
        return Err(format!(
            "target `{input}`: port 0 cannot be connected to (it means \"any port\" only when listening); give the port the service listens on"
        ));
    }
    let path = if path.starts_with('/') {
        path.split('#').next().unwrap_or("/").to_string()
    } else {
        format!("/{}", path.split('#').next().unwrap_or(""))
    };
    Ok(Target {
        input: input.to_string(),
        host,
        port,
        scheme,
        path,
    })
}

/// One `--connect-to` rule (curl's `HOST1:PORT1:HOST2:PORT2`; empty fields are
/// wildcards on the left and "unchanged" on the right).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectTo {
    /// Match this host (any when `None`).
    pub from_host: Option<String>,
    /// Match this port (any when `None`).
    pub from_port: Option<u16>,
    /// Connect to this host instead (same host when `None`).
    pub to_host: Option<String>,
    /// Connect to this port instead (same port when `None`).
    pub to_port: Option<u16>,
}

fn fields(s: &str) -> Result<Vec<String>, String> {
    // Split on ':' outside brackets.
    let mut out = vec![String::new()];
    let mut depth = 0;
    for c in s.chars() {
        match c {
            '[' => {
                depth += 1;
                if let Some(f) = out.last_mut() {
                    f.push(c);
                }
            }
            ']' => {
                depth -= 1;
                if let Some(f) = out.last_mut() {
                    f.push(c);
                }
            }
            ':' if depth == 0 => out.push(String::new()),
            _ => {
                if let Some(f) = out.last_mut() {
                    f.push(c);
                }
            }
        }
    }
    if out.len() != 4 {
        return Err(format!(
            "--connect-to `{s}`: expected HOST1:PORT1:HOST2:PORT2 (IPv6 in brackets; empty fields allowed)"
        ));
    }
    Ok(out
        .into_iter()
        .map(|f| f.trim_start_matches('[').trim_end_matches(']').to_string())
        .collect())
}

/// Parses a `--connect-to` rule.
pub fn parse_connect_to(s: &str) -> Result<ConnectTo, String> {
    let f = fields(s)?;
    let port = |p: &str| -> Result<Option<u16>, String> {
        if p.is_empty() {
            Ok(None)
        } else {
            p.parse()
                .map(Some)
                .map_err(|_| format!("--connect-to `{s}`: `{p}` is not a port"))
        }
    };
    let host = |h: &str| (!h.is_empty()).then(|| h.to_string());
    Ok(ConnectTo {
        from_host: host(&f[0]),
        from_port: port(&f[1])?,
        to_host: host(&f[2]),
        to_port: port(&f[3])?,
    })
}

/// Where to connect for `target`: the first matching rule wins (as in curl).
pub fn route(target: &Target, rules: &[ConnectTo]) -> (String, u16) {
    for r in rules {
        let host_ok = r
            .from_host
            .as_deref()
            .is_none_or(|h| h.eq_ignore_ascii_case(&target.host));
        let port_ok = r.from_port.is_none_or(|p| p == target.port);
        if host_ok && port_ok {
            return (
                r.to_host.clone().unwrap_or_else(|| target.host.clone()),
                r.to_port.unwrap_or(target.port),
            );
        }
    }
    (target.host.clone(), target.port)
}

/// Reads a targets file: one target per line; `#` starts a comment.
pub fn parse_file(text: &str, default_port: Option<u16>) -> Result<Vec<Target>, String> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        for word in line.split_whitespace() {
            out.push(parse(word, default_port).map_err(|e| format!("line {}: {e}", n + 1))?);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let t = parse("example.com:8443", None).unwrap();
        assert_eq!(
            (t.host.as_str(), t.port, t.path.as_str()),
            ("example.com", 8443, "/")
        );
        let t = parse("[::1]:443", None).unwrap();
        assert_eq!((t.host.as_str(), t.port), ("::1", 443));
        assert_eq!(t.authority(), "[::1]:443");
        assert!(t.host_is_ip());
        let t = parse("https://api.example.com/health?x=1#frag", None).unwrap();
        assert_eq!(
            (t.host.as_str(), t.port, t.path.as_str()),
            ("api.example.com", 443, "/health?x=1")
        );
        let t = parse("http://[::1]:8080", None).unwrap();
        assert_eq!(
            (t.host.as_str(), t.port, t.path.as_str()),
            ("::1", 8080, "/")
        );
        let t = parse("127.0.0.1", Some(25)).unwrap();
        assert_eq!(t.port, 25);
        let t = parse("::1", Some(22)).unwrap();
        assert_eq!(t.host, "::1");
    }

    #[test]
    fn errors() {
        assert!(parse("example.com", None).unwrap_err().contains("no port"));
        assert!(parse("example.com:99999", None).is_err());
        assert!(parse("[::1", None).is_err());
        assert!(parse("[nothost]:1", None).is_err());
        assert!(parse("ftp://x", None).unwrap_err().contains("not ftp://"));
        assert!(
            parse("ftp://x:21", None)
                .unwrap_err()
                .contains("not ftp://")
        );
        assert!(parse("127.0.0.1:0", None).unwrap_err().contains("port 0"));
        assert!(parse("127.0.0.1", Some(0)).unwrap_err().contains("port 0"));
        assert!(parse("", None).is_err());
        assert!(parse(":443", None).is_err());
    }

    #[test]
    fn connect_to_rules() {
        let r = parse_connect_to("example.com:443:127.0.0.1:8443").unwrap();
        let t = parse("example.com:443", None).unwrap();
        assert_eq!(
            route(&t, std::slice::from_ref(&r)),
            ("127.0.0.1".into(), 8443)
        );
        let other = parse("other.com:443", None).unwrap();
        assert_eq!(route(&other, &[r]), ("other.com".into(), 443));
        let any = parse_connect_to("::[::1]:").unwrap();
        assert_eq!(route(&t, &[any]), ("::1".into(), 443));
        assert!(parse_connect_to("a:b").is_err());
        assert!(parse_connect_to("a:x:b:1").is_err());
    }

    #[test]
    fn files() {
        let ts = parse_file(
            "# fleet\n10.0.0.1:443 10.0.0.2:443\n\nhttps://a.test # tls\n",
            None,
        )
        .unwrap();
        assert_eq!(ts.len(), 3);
        assert!(parse_file("nope", None).unwrap_err().starts_with("line 1"));
    }
}
