//! Knowledge base, part 3: servers beyond the web (postfix, dovecot, MariaDB, OpenSSH,
//! Redis) and nginx `stream`, and their clients (ssh, the MariaDB client), in the wording
//! they print when a PROXY header and the server disagree.
//!
//! Rules: data only; every example was printed by the real program on loopback (Debian
//! 12: postfix 3.7, dovecot 2.3.19, MariaDB 10.11, OpenSSH 9.2, redis 7.0, nginx
//! 1.22, HAProxy 2.6 in front), as `tests/daemon_peers.rs`, `tests/path_scenarios.rs`
//! and `tests/explain_peers.rs` provoke it; see [`super::kb`] for the meaning of each
//! field.

use super::kb::*;
use crate::findings::Code::*;

const READ_AS_COMMAND: &str = "A balancer in front adds a PROXY header (HAProxy `send-proxy`, nginx stream `proxy_protocol on`, AWS NLB `proxy_protocol_v2.enabled`) and the server has no PROXY reader: it greets, then reads the header line as the client's first command.";
const NO_HEADER: &str = "The server requires a PROXY header and the connection had none: a direct test, a health check, or a balancer that does not send it.";

pub(crate) static ENTRIES: &[Entry] = &[
    Entry {
        id: "postfix-improper-pipelining-proxy",
        source: "postfix smtpd",
        side: Side::Server,
        patterns: &[
            "improper command pipelining after connect from *proxy tcp4",
            "improper command pipelining after connect from *proxy tcp6",
            "improper command pipelining after connect from *proxy unknown",
        ],
        refines: None,
        examples: &[
            "postfix/smtpd[29427]: improper command pipelining after CONNECT from localhost[127.0.0.1]: PROXY TCP4 127.0.0.1 127.0.0.1 12345 80\\r\\n",
        ],
        causes: &[cause(ProxyHeaderNotExpected, READ_AS_COMMAND)],
        byte_reason: "The PROXY line arrived before postfix's `220` greeting; without `smtpd_upstream_proxy_protocol` postfix reads it as an SMTP command sent too early.",
        points_to: "postfix without `smtpd_upstream_proxy_protocol = haproxy`, behind a balancer that sends PROXY.",
        commands: &[PROBE, DECODE],
    },
    Entry {
        id: "smtp-500-command-not-recognized",
        source: "postfix smtpd (the SMTP client sees it)",
        side: Side::Client,
        patterns: &[
            "500 5.5.2 error: command not recognized",
            "500 5.5.2 error: bad syntax",
        ],
        refines: None,
        examples: &[
            "500 5.5.2 Error: command not recognized",
            "500 5.5.2 Error: bad syntax",
        ],
        causes: &[cause(
            ProxyHeaderNotExpected,
            "Right after the `220` greeting and before the client sent anything: the balancer's PROXY line (`command not recognized`) or v2 signature (`bad syntax`, then `221 Bye`: the signature holds `QUIT`) was read as a command.",
        )],
        byte_reason: "A PROXY v1 line is `PROXY TCP4 ...\\r\\n`, a line SMTP does not know; the v2 signature `\\r\\n\\r\\n\\0\\r\\nQUIT\\n` is three bad lines and a QUIT.",
        points_to: "An SMTP server without PROXY support behind a balancer that adds a header.",
        commands: &[PROBE, "ppdiag send HOST:25 --proxy v1"],
    },
    Entry {
        id: "postfix-haproxy-read-timeout",
        source: "postfix smtpd with `smtpd_upstream_proxy_protocol = haproxy`",
        side: Side::Server,
        patterns: &["warning: haproxy read: timeout error"],
        refines: None,
        examples: &["postfix/smtpd[29427]: warning: haproxy read: timeout error"],
        causes: &[cause(
            ProxyHeaderMissing,
            "Nothing arrived within `smtpd_upstream_proxy_timeout` (5 s): a client or health check that connects directly and waits for the greeting, or a balancer that holds the header until the client speaks (AWS NLB's default placement).",
        )],
        byte_reason: "postfix waits for the PROXY header before its `220` greeting; a client that speaks only after the greeting never sends one.",
        points_to: "A client reaching postfix without a balancer, or a balancer that does not send the header at connect.",
        commands: &[PROBE],
    },
    Entry {
        id: "postfix-haproxy-read-bad-header",
        source: "postfix smtpd with `smtpd_upstream_proxy_protocol = haproxy`",
        side: Side::Server,
        patterns: &[
            "warning: haproxy read: short protocol header",
            "warning: haproxy read: unrecognized protocol header",
            "warning: haproxy read: bad or missing",
            "warning: haproxy read: missing protocol header terminator",
        ],
        refines: None,
        examples: &[
            "postfix/smtpd[29427]: warning: haproxy read: short protocol header: EHLO x\\r\\n",
            "warning: haproxy read: unrecognized protocol header: \\026\\003\\001\\000\\245\\001\\000\\000",
            "warning: haproxy read: bad or missing protocol type: PROXY UNKNOWN\\r\\n",
            "warning: haproxy read: missing protocol header terminator: PROXY TCP4 127.0.0.1 ",
        ],
        causes: &[
            cause(ProxyHeaderMissing, NO_HEADER),
            cause(
                ProxyHeaderMalformed,
                "`bad or missing protocol type` / `server address`: a header postfix does not take (postfix 3.7 refuses `PROXY UNKNOWN` and, on an IPv4-only `inet_protocols`, `TCP6`).",
            ),
            cause(
                ProxyHeaderIncomplete,
                "`missing protocol header terminator`: the v1 line arrived in pieces; postfix reads what the first read holds.",
            ),
        ],
        byte_reason: "postfix shows the bytes it got instead of a header: `EHLO`, a TLS record (`\\026\\003\\001` is 0x16 0x03 0x01 in octal), or a line it rejects.",
        points_to: "The sender of those bytes: a direct client, a TLS client on a plaintext SMTP port, or a balancer's header postfix cannot read.",
        commands: &[PROBE, INSPECT],
    },
    Entry {
        id: "smtp-421-server-local-error",
        source: "postfix smtpd with `smtpd_upstream_proxy_protocol = haproxy` (the client sees it)",
        side: Side::Client,
        patterns: &["421 4.3.0 * server local error"],
        refines: None,
        examples: &["421 4.3.0 mail.test Server local error"],
        causes: &[cause(
            ProxyHeaderMissing,
            "postfix wanted a PROXY header and got other bytes (or none before its timeout); it answers 421 instead of a greeting and closes.",
        )],
        byte_reason: "No `220` greeting came first: the server was still waiting for a PROXY header.",
        points_to: "postfix with `smtpd_upstream_proxy_protocol`, reached without a header.",
        commands: &[PROBE],
    },
    Entry {
        id: "dovecot-haproxy-timeout",
        source: "dovecot (imap-login, pop3-login) with `haproxy = yes`",
        side: Side::Server,
        patterns: &["haproxy: client timed out"],
        refines: None,
        examples: &["imap-login: Error: haproxy: Client timed out (rip=127.0.0.1)"],
        causes: &[cause(ProxyHeaderMissing, NO_HEADER)],
        byte_reason: "dovecot waits `haproxy_timeout` (3 s) for the header before its greeting; the client sent nothing.",
        points_to: "A client (or health check) reaching a `haproxy = yes` listener directly.",
        commands: &[PROBE],
    },
    Entry {
        id: "dovecot-haproxy-invalid",
        source: "dovecot (imap-login, pop3-login) with `haproxy = yes`",
        side: Side::Server,
        patterns: &[
            "failed to read valid haproxy data",
            "haproxy(v1): client disconnected",
            "haproxy(v2): client disconnected",
        ],
        refines: None,
        examples: &[
            "imap-login: Error: haproxy: Client disconnected: Failed to read valid HAproxy data (rip=127.0.0.1)",
            "imap-login: Error: haproxy(v1): Client disconnected: Field for proxied local address is missing (rip=127.0.0.1)",
        ],
        causes: &[
            cause(ProxyHeaderMissing, NO_HEADER),
            cause(
                ProxyHeaderIncomplete,
                "`Field for proxied local address is missing`: the v1 line arrived in two pieces and dovecot read only the first.",
            ),
            cause(ProxyHeaderMalformed, "A header that breaks the spec."),
        ],
        byte_reason: "The first bytes were not a PROXY header (an IMAP command, a TLS ClientHello) or not all of one.",
        points_to: "Whatever connected to the `haproxy = yes` listener without a whole header.",
        commands: &[PROBE, DECODE],
    },
    Entry {
        id: "imap-proxy-bad",
        source: "dovecot IMAP without PROXY support (the client sees it)",
        side: Side::Client,
        patterns: &["proxy bad error in imap command received by server"],
        refines: None,
        examples: &["PROXY BAD Error in IMAP command received by server."],
        causes: &[cause(ProxyHeaderNotExpected, READ_AS_COMMAND)],
        byte_reason: "IMAP reads the first word of a line as the command tag: `PROXY` became the tag of a bad command.",
        points_to: "dovecot without `haproxy = yes` on the listener, behind a balancer that sends PROXY.",
        commands: &[PROBE],
    },
    Entry {
        id: "mariadb-proxy-not-accepted",
        source: "MariaDB",
        side: Side::Either,
        patterns: &["proxy header is not accepted from"],
        refines: None,
        examples: &["ERROR 1130 (HY000): Proxy header is not accepted from 127.0.0.1"],
        causes: &[cause(
            ProxyHeaderNotExpected,
            "MariaDB recognises the header but the sender is not in `proxy_protocol_networks` (empty by default): a balancer sends PROXY to a server not set up for it. If the sender is not a balancer, MariaDB is right to refuse it.",
        )],
        byte_reason: "After its greeting MariaDB read a PROXY header where the client's first packet belongs, and answered with error packet 1130.",
        points_to: "MariaDB without `proxy_protocol_networks` covering the balancer.",
        commands: &[PROBE],
    },
    Entry {
        id: "mariadb-proxy-parse",
        source: "MariaDB with `proxy_protocol_networks`",
        side: Side::Either,
        patterns: &["failed to parse proxy header"],
        refines: None,
        examples: &["ERROR 1105 (HY000): Failed to parse proxy header"],
        causes: &[cause(
            ProxyHeaderMalformed,
            "The header breaks the spec (`ppdiag inspect` shows where).",
        )],
        byte_reason: "A `PROXY` line or v2 signature that MariaDB could not read to its end.",
        points_to: "The balancer (or tool) that wrote the header.",
        commands: &[INSPECT],
    },
    Entry {
        id: "sshd-invalid-identifier-proxy",
        source: "OpenSSH sshd (no PROXY support)",
        side: Side::Server,
        patterns: &[
            "kex_exchange_identification: client sent invalid protocol identifier \"proxy",
            "kex_exchange_identification: client sent invalid protocol identifier \"\"",
        ],
        refines: None,
        examples: &[
            "sshd[123]: kex_exchange_identification: client sent invalid protocol identifier \"PROXY TCP4 127.0.0.1 127.0.0.1 12345 80\"",
            "sshd[123]: kex_exchange_identification: client sent invalid protocol identifier \"\"",
        ],
        causes: &[cause(
            ProxyHeaderNotExpected,
            "OpenSSH has no PROXY support: a balancer in front sends a header (v1: the line above; v2: its first line is empty). Stop sending it to sshd.",
        )],
        byte_reason: "SSH's first line must be `SSH-2.0-...`; the PROXY header came instead.",
        points_to: "A balancer sending PROXY to sshd.",
        commands: &[PROBE],
    },
    Entry {
        id: "ssh-invalid-identification-client",
        source: "OpenSSH sshd (the client sees it)",
        side: Side::Client,
        patterns: &["invalid ssh identification string"],
        refines: None,
        examples: &["Invalid SSH identification string."],
        causes: &[cause(
            ProxyHeaderNotExpected,
            "Right after the `SSH-2.0-` banner: sshd read a PROXY header (from a balancer in front) as the client's identification.",
        )],
        byte_reason: "sshd answers bytes that are not an `SSH-` line with this text and closes.",
        points_to: "A balancer sending PROXY to sshd.",
        commands: &[PROBE],
    },
    Entry {
        id: "ssh-bad-packet-length-proxy",
        source: "OpenSSH ssh client, through a balancer to sshd",
        side: Side::Client,
        patterns: &["bad packet length 1231976033"],
        refines: None,
        examples: &[
            "Bad packet length 1231976033.\nssh_dispatch_run_fatal: Connection to 127.0.0.1 port 2222: message authentication code incorrect",
        ],
        causes: &[cause(
            ProxyHeaderNotExpected,
            "A balancer in front sends a PROXY header (v1 or v2) to sshd, which has no PROXY support: sshd answered the header with `Invalid SSH identification string.` and closed. Stop sending the header to sshd.",
        )],
        byte_reason: "1231976033 is 0x496e7661, the bytes `Inva`: the client, past the banner exchange, read the start of sshd's `Invalid SSH identification string.` as the length of a binary packet.",
        points_to: "A balancer sending PROXY to sshd.",
        commands: &[PROBE, "ppdiag probe SSHD:22 (direct, to compare)"],
    },
    Entry {
        id: "ssh-kex-reset",
        source: "OpenSSH ssh client",
        side: Side::Client,
        patterns: &["kex_exchange_identification: read: connection reset by peer"],
        refines: Some("connection-reset"),
        examples: &[
            "kex_exchange_identification: read: Connection reset by peer\nConnection reset by 127.0.0.1 port 2222",
        ],
        causes: &[
            cause(
                ProxyHeaderMissing,
                "The port the client reached requires a PROXY header (HAProxy `accept-proxy`, nginx `listen ... proxy_protocol`): it read the client's `SSH-2.0-` line as a broken header and reset the connection. A client that should reach it directly needs a listener without the requirement; a balancer in front must send the header.",
            ),
            cause(
                ConnectionReset,
                "Something else reset the connection before sshd's banner: a firewall or another middlebox. `ppdiag probe` on the same port tells them apart: a listener that requires a header lets its v1 and v2 attempts through to sshd's banner.",
            ),
        ],
        byte_reason: "An SSH client sends its `SSH-2.0-...` line at once; a listener waiting for `PROXY ` or the v2 signature gets it instead and resets.",
        points_to: "A listener that requires a PROXY header, reached without one.",
        commands: &[PROBE, "ppdiag send HOST:PORT --proxy v1"],
    },
    Entry {
        id: "ssh-kex-closed",
        source: "OpenSSH ssh client",
        side: Side::Client,
        patterns: &["kex_exchange_identification: connection closed by remote host"],
        refines: None,
        examples: &[
            "kex_exchange_identification: Connection closed by remote host\nConnection closed by 127.0.0.1 port 2222",
        ],
        causes: &[cause(
            ConnectionClosed,
            "The connection was accepted and closed before any banner: a balancer that reached no backend (HAProxy does this when its server is down), or sshd dropping it at its `MaxStartups` limit. A listener that requires a PROXY header resets instead (HAProxy `accept-proxy`, nginx `proxy_protocol`: see `ssh-kex-reset`).",
        )],
        byte_reason: "No byte came back before the close: not even the `SSH-2.0-` line sshd sends first.",
        points_to: "The balancer's backend, or sshd's connection limits.",
        commands: &[PROBE, "ppdiag probe SSHD:22 (direct, to compare)"],
    },
    Entry {
        id: "mysql-lost-initial-packet",
        source: "MariaDB / MySQL client",
        side: Side::Client,
        patterns: &[
            "at 'handshake: reading initial communication packet'",
            "at 'reading initial communication packet'",
        ],
        refines: None,
        examples: &[
            "ERROR 2013 (HY000): Lost connection to server at 'handshake: reading initial communication packet', system error: 11",
            "ERROR 2013 (HY000): Lost connection to MySQL server at 'reading initial communication packet', system error: 0",
        ],
        causes: &[
            cause(
                ProxyHeaderMissing,
                "The port the client reached requires a PROXY header (HAProxy `accept-proxy`, nginx `listen ... proxy_protocol`): MySQL's server speaks first, so the client waits for its greeting while the listener waits for the header, until the listener gives up (HAProxy's `timeout client`, nginx's `proxy_protocol_timeout`, 30 s by default).",
            ),
            cause(
                ConnectionClosed,
                "A balancer accepted the connection and reached no backend (HAProxy closes after its connect retries, a few seconds). The time before the error does not tell the two apart; `ppdiag probe` on the port does: a listener that requires a header lets its v1 and v2 attempts through to the server's greeting, a balancer without a backend closes every attempt (with `--timeout` longer than its retries).",
            ),
        ],
        byte_reason: "The client waits for the server's greeting, the server's first packet; the connection closed before a byte of it came.",
        points_to: "A listener that requires a PROXY header in front of the database, or a balancer without a backend.",
        commands: &[PROBE, "ppdiag send HOST:PORT --proxy v1"],
    },
    Entry {
        id: "redis-unknown-command-proxy",
        source: "Redis (no PROXY support)",
        side: Side::Client,
        patterns: &[
            "-err unknown command 'proxy'",
            "err unknown command 'proxy'",
        ],
        refines: None,
        examples: &[
            "-ERR unknown command 'PROXY', with args beginning with: 'TCP4' '127.0.0.1' '127.0.0.1' '12345' '80' ",
        ],
        causes: &[cause(
            ProxyHeaderNotExpected,
            "Redis has no PROXY support: a balancer in front sends a v1 header (a v2 header makes Redis wait silently: its inline parser stops at the NUL in the signature).",
        )],
        byte_reason: "Redis reads `PROXY TCP4 ...` as an inline command named PROXY.",
        points_to: "A balancer sending PROXY to Redis.",
        commands: &[PROBE],
    },
    Entry {
        id: "nginx-stream-upstream-refused",
        source: "nginx stream",
        side: Side::Server,
        patterns: &[
            "connect() failed (111: connection refused) while connecting to upstream",
            "connect() failed (111: connection refused) while proxying connection",
        ],
        refines: None,
        examples: &[
            "2026/11/30 20:26:19 [error] 28335#28335: *1 connect() failed (111: Connection refused) while connecting to upstream, client: 127.0.0.1, server: 127.0.0.1:27944, upstream: \"127.0.0.1:37941\", bytes from/to client:0/0, bytes from/to upstream:0/0",
        ],
        causes: &[cause(
            ConnectionClosed,
            "The upstream is down or listens elsewhere: nginx closes each client connection at once. Not a PROXY matter, although from outside it looks like a backend rejecting a header.",
        )],
        byte_reason: "The client's connection was accepted, then closed without a byte because the upstream refused nginx's connection.",
        points_to: "The upstream named in the line.",
        commands: &["ppdiag probe UPSTREAM:PORT"],
    },
];
