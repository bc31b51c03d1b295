//! Smoke tests of the real daemons in `tests/peers/daemons.rs`: each starts with and
//! without PROXY support, and the test asserts what it answers to no header, a v1 line
//! and a v2 header (the behaviour ppdiag's diagnosis rules rely on). Versions observed:
//! Debian 12 (postfix 3.7, dovecot 2.3.19, MariaDB 10.11, OpenSSH 9.2, redis 7.0,
//! nginx 1.22, HAProxy 2.6).

mod common;
use common::peers;

use peers::daemons::{self, Conn, End, SendProxy, V1, V2, esc};
use std::time::Duration;

const SHORT: Duration = Duration::from_secs(1);
const LONG: Duration = Duration::from_secs(8);

fn has(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// A line (or lines) received, up to and including `until`.
fn line(c: &mut Conn, until: &[u8]) -> Vec<u8> {
    c.read_until(Some(until), LONG)
}

fn closed(c: &Conn) -> bool {
    c.end != End::Open
}

/// The v2 header HAProxy sends for a TCP4 connection from 127.0.0.1:`src` to :`dst`.
fn v2_tcp4(src: u16, dst: u16) -> Vec<u8> {
    let mut h = b"\r\n\r\n\x00\r\nQUIT\n\x21\x11\x00\x0c\x7f\x00\x00\x01\x7f\x00\x00\x01".to_vec();
    h.extend_from_slice(&src.to_be_bytes());
    h.extend_from_slice(&dst.to_be_bytes());
    h
}

#[test]
fn postfix_without_proxy_reads_the_header_as_a_command() {
    let Some(pf) = daemons::postfix(false) else {
        return;
    };
    let mut c = Conn::open(pf.port);
    let banner = line(&mut c, b"\r\n");
    assert_eq!(
        banner,
        b"220 mail.test ESMTP Postfix\r\n",
        "{}",
        pf.log_text()
    );
    c.send(V1);
    assert_eq!(
        line(&mut c, b"\r\n"),
        b"500 5.5.2 Error: command not recognized\r\n"
    );
    c.send(b"EHLO x\r\n");
    assert!(line(&mut c, b"250 ").starts_with(b"250-mail.test\r\n"));

    // The v2 signature holds three empty-ish lines and "QUIT\n".
    let mut c = Conn::open(pf.port);
    c.send(V2);
    c.read_for(LONG);
    assert_eq!(
        esc(&c.got),
        esc(b"220 mail.test ESMTP Postfix\r\n\
              500 5.5.2 Error: bad syntax\r\n\
              500 5.5.2 Error: bad syntax\r\n\
              500 5.5.2 Error: bad syntax\r\n\
              221 2.0.0 Bye\r\n")
    );
    assert_eq!(c.end, End::Fin);
}

#[test]
fn postfix_with_proxy_waits_for_the_header() {
    let Some(pf) = daemons::postfix_with_timeout(true, Duration::from_secs(2)) else {
        return;
    };
    let mut silent = Conn::open(pf.port);
    let mut c = Conn::open(pf.port);
    c.send(V1);
    assert_eq!(line(&mut c, b"\r\n"), b"220 mail.test ESMTP Postfix\r\n");
    c.send(b"EHLO x\r\n");
    assert!(line(&mut c, b"250 ").starts_with(b"250-mail.test\r\n"));

    let mut c = Conn::open(pf.port);
    c.send(V2);
    assert_eq!(line(&mut c, b"\r\n"), b"220 mail.test ESMTP Postfix\r\n");

    // Without a header: nothing, then after smtpd_upstream_proxy_timeout a 421 and FIN.
    assert!(silent.read_for(SHORT).is_empty(), "{}", esc(&silent.got));
    silent.read_for(LONG);
    assert_eq!(silent.got, b"421 4.3.0 mail.test Server local error\r\n");
    assert_eq!(silent.end, End::Fin);

    // Something else than a header: the same 421 at once (then RST: unread bytes).
    let mut c = Conn::open(pf.port);
    c.send(b"EHLO client.example\r\n");
    c.read_for(LONG);
    assert_eq!(c.got, b"421 4.3.0 mail.test Server local error\r\n");
    assert!(closed(&c));
}

#[test]
fn dovecot_without_proxy_answers_the_header_line() {
    let Some(dc) = daemons::dovecot(false) else {
        return;
    };
    let mut c = Conn::open(dc.imap);
    let banner = line(&mut c, b"ready.\r\n");
    assert!(
        banner.starts_with(b"* OK [CAPABILITY IMAP4rev1"),
        "{}",
        esc(&banner)
    );
    c.send(V1);
    assert_eq!(
        line(&mut c, b"\r\n"),
        b"PROXY BAD Error in IMAP command received by server.\r\n"
    );

    let mut c = Conn::open(dc.imap);
    line(&mut c, b"ready.\r\n");
    c.send(V2);
    c.read_for(LONG);
    assert!(
        c.got.ends_with(
            b"* BAD Error in IMAP command received by server.\r\n\
              * BAD Error in IMAP command received by server.\r\n\
              * BYE Too many invalid IMAP commands.\r\n"
        ),
        "{}",
        esc(&c.got)
    );
    assert!(closed(&c));

    let mut c = Conn::open(dc.pop3);
    let banner = line(&mut c, b"\r\n");
    assert!(
        banner.starts_with(b"+OK Dovecot") && has(&banner, b"ready."),
        "{}",
        esc(&banner)
    );
    c.send(V1);
    assert_eq!(line(&mut c, b"\r\n"), b"-ERR Unknown command.\r\n");
}

#[test]
fn dovecot_with_proxy_waits_for_the_header() {
    let Some(dc) = daemons::dovecot(true) else {
        return;
    };
    let mut silent_imap = Conn::open(dc.imap);
    let mut silent_pop3 = Conn::open(dc.pop3);

    let mut c = Conn::open(dc.imap);
    c.send(V1);
    let banner = line(&mut c, b"ready.\r\n");
    assert!(banner.starts_with(b"* OK "), "{}", esc(&banner));
    let mut c = Conn::open(dc.pop3);
    c.send(V2);
    assert!(line(&mut c, b"\r\n").starts_with(b"+OK Dovecot"));

    // Not a header: closed at once without a byte.
    let mut c = Conn::open(dc.imap);
    c.send(b"a1 CAPABILITY\r\n");
    c.read_for(LONG);
    assert!(c.got.is_empty() && closed(&c), "{}", esc(&c.got));

    // No header: silence (until haproxy_timeout, 3 s, then a close without a byte).
    std::thread::sleep(SHORT);
    for s in [&mut silent_imap, &mut silent_pop3] {
        s.read_for(Duration::from_millis(50));
        assert!(s.got.is_empty() && !closed(s), "{}", esc(&s.got));
    }
}

/// The MariaDB greeting: packet 0, protocol 10, a `5.5.5-…-MariaDB` version.
fn assert_mariadb_greeting(bytes: &[u8]) {
    assert!(
        bytes.len() > 5 && bytes[3] == 0 && bytes[4] == 0x0a && has(bytes, b"-MariaDB"),
        "not a MariaDB greeting: {}",
        esc(bytes)
    );
}

const MARIADB_OK: &[u8] = b"\x07\x00\x00\x02\x00\x00\x00\x02\x00\x00\x00";

#[test]
fn mariadb_without_proxy_rejects_the_header() {
    let Some(db) = daemons::mariadb(false) else {
        return;
    };
    let mut c = Conn::open(db.port);
    assert_mariadb_greeting(&line(&mut c, b"mysql_native_password\0"));
    c.send(&daemons::mariadb_login_root());
    assert_eq!(c.read_at_least(MARIADB_OK.len(), LONG), MARIADB_OK);

    for header in [V1, V2] {
        let mut c = Conn::open(db.port);
        c.send(header);
        c.read_for(LONG);
        assert_mariadb_greeting(&c.got);
        // Error packet 1, code 1130 (0x046a), state HY000.
        assert!(
            c.got.ends_with(
                b"\x34\x00\x00\x01\xff\x6a\x04#HY000Proxy header is not accepted from 127.0.0.1"
            ),
            "{}",
            esc(&c.got)
        );
        assert!(closed(&c));
    }
}

#[test]
fn mariadb_with_proxy_takes_an_optional_header_after_its_greeting() {
    let Some(db) = daemons::mariadb(true) else {
        return;
    };
    for header in [&b""[..], V1, V2] {
        let mut c = Conn::open(db.port);
        c.send(header);
        assert_mariadb_greeting(&line(&mut c, b"mysql_native_password\0"));
        c.send(&daemons::mariadb_login_root());
        assert_eq!(
            c.read_at_least(MARIADB_OK.len(), LONG),
            MARIADB_OK,
            "{}",
            db.log_text()
        );
    }
}

#[test]
fn sshd_rejects_the_header_as_an_identification() {
    let Some(sd) = daemons::sshd() else {
        return;
    };
    let mut c = Conn::open(sd.port);
    let banner = line(&mut c, b"\r\n");
    assert!(banner.starts_with(b"SSH-2.0-OpenSSH_"), "{}", esc(&banner));
    c.send(V1);
    c.read_for(LONG);
    assert!(
        c.got.ends_with(b"Invalid SSH identification string.\r\n"),
        "{}",
        esc(&c.got)
    );
    assert!(closed(&c));
}

#[test]
fn redis_answers_v1_and_hangs_on_v2() {
    let Some(rd) = daemons::redis() else {
        return;
    };
    let mut c = Conn::open(rd.port);
    c.send(V1);
    let r = line(&mut c, b"\r\n");
    assert!(
        r.starts_with(b"-ERR unknown command 'PROXY', with args beginning with: 'TCP4'"),
        "{}",
        esc(&r)
    );
    c.send(b"PING\r\n");
    assert_eq!(line(&mut c, b"\r\n"), b"+PONG\r\n");

    // The NUL in the v2 signature stops redis' inline parser from finding the line end.
    let mut c = Conn::open(rd.port);
    c.send(V2);
    c.send(b"PING\r\n");
    assert!(c.read_for(SHORT).is_empty() && !closed(&c));
}

#[test]
fn socat_echoes() {
    let Some(e) = daemons::socat_echo() else {
        return;
    };
    let mut c = Conn::open(e.port);
    c.send(V1);
    assert_eq!(line(&mut c, b"\r\n"), V1);
    c.stream.shutdown(std::net::Shutdown::Write).unwrap();
    c.read_for(LONG);
    assert_eq!(c.end, End::Fin);
}

#[test]
fn nginx_stream_reading_the_header_consumes_it() {
    let Some(f) = daemons::nginx_stream_echo(true, false) else {
        return;
    };
    let mut c = Conn::open(f.port);
    c.send(V1);
    c.send(b"hello\r\n");
    assert_eq!(line(&mut c, b"\r\n"), b"hello\r\n");
    let mut c = Conn::open(f.port);
    c.send(V2);
    c.send(b"hello\r\n");
    assert_eq!(line(&mut c, b"\r\n"), b"hello\r\n");

    let mut c = Conn::open(f.port);
    c.send(b"hello\r\n");
    c.read_for(LONG);
    assert!(c.got.is_empty() && closed(&c), "{}", esc(&c.got));
    assert!(f.front.log_text().contains("broken header: \"hello"));
}

#[test]
fn nginx_stream_sending_adds_v1_on_connect() {
    let Some(f) = daemons::nginx_stream_echo(false, true) else {
        return;
    };
    let mut c = Conn::open(f.port);
    let expect = format!(
        "PROXY TCP4 127.0.0.1 127.0.0.1 {} {}\r\n",
        c.local_port(),
        f.port
    );
    assert_eq!(esc(&line(&mut c, b"\r\n")), esc(expect.as_bytes()));
    c.send(b"hello\r\n");
    assert_eq!(line(&mut c, b"\r\n"), b"hello\r\n");
}

#[test]
fn nginx_stream_with_a_dead_upstream_closes() {
    let Some(send) = daemons::nginx_stream(false, true, daemons::dead_port()) else {
        return;
    };
    let mut c = Conn::open(send.port);
    c.read_for(LONG);
    assert!(c.got.is_empty() && closed(&c));

    let Some(accept) = daemons::nginx_stream(true, false, daemons::dead_port()) else {
        return;
    };
    let mut c = Conn::open(accept.port);
    assert!(c.read_for(SHORT).is_empty() && !closed(&c));
    c.send(V1);
    c.read_for(LONG);
    assert!(c.got.is_empty() && closed(&c));
}

#[test]
fn haproxy_sends_v1_v2_or_nothing() {
    let (Some(v1), Some(v2), Some(none)) = (
        daemons::haproxy_echo(false, SendProxy::V1),
        daemons::haproxy_echo(false, SendProxy::V2),
        daemons::haproxy_echo(false, SendProxy::None),
    ) else {
        return;
    };
    let mut c = Conn::open(v1.port);
    let expect = format!(
        "PROXY TCP4 127.0.0.1 127.0.0.1 {} {}\r\n",
        c.local_port(),
        v1.port
    );
    assert_eq!(esc(&line(&mut c, b"\r\n")), esc(expect.as_bytes()));

    let mut c = Conn::open(v2.port);
    let got = c.read_at_least(28, LONG);
    assert_eq!(esc(&got), esc(&v2_tcp4(c.local_port(), v2.port)));

    let mut c = Conn::open(none.port);
    assert!(c.read_for(Duration::from_millis(300)).is_empty());
    c.send(b"hello\r\n");
    assert_eq!(line(&mut c, b"\r\n"), b"hello\r\n");
}

#[test]
fn haproxy_accept_proxy_reads_the_header() {
    let Some(f) = daemons::haproxy_echo(true, SendProxy::None) else {
        return;
    };
    for header in [V1, V2] {
        let mut c = Conn::open(f.port);
        c.send(header);
        c.send(b"hello\r\n");
        assert_eq!(line(&mut c, b"\r\n"), b"hello\r\n");
    }
    let mut c = Conn::open(f.port);
    c.send(b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03abcdefghijklmnop");
    c.read_for(LONG);
    assert!(c.got.is_empty() && closed(&c));
    assert!(
        f.front
            .log_text()
            .contains("Received something which does not look like a PROXY protocol header"),
        "{}",
        f.front.log_text()
    );
}

#[test]
fn haproxy_chains_pass_one_header_or_stack_two() {
    // A send-proxy-v2 -> B accept-proxy + send-proxy-v2: one header, the client's.
    let Some(good) = daemons::haproxy_chain_echo(SendProxy::V2, true, SendProxy::V2) else {
        return;
    };
    let mut c = Conn::open(good.port);
    let got = c.read_at_least(28, LONG);
    assert_eq!(esc(&got), esc(&v2_tcp4(c.local_port(), good.port)));
    c.send(b"hello\r\n");
    assert_eq!(line(&mut c, b"\r\n"), b"hello\r\n");

    // A send-proxy -> B (no accept-proxy) send-proxy-v2: B's header, then A's.
    let Some(dup) = daemons::haproxy_chain_echo(SendProxy::V1, false, SendProxy::V2) else {
        return;
    };
    let mut c = Conn::open(dup.port);
    let a_line = format!(
        "PROXY TCP4 127.0.0.1 127.0.0.1 {} {}\r\n",
        c.local_port(),
        dup.port
    );
    let got = c.read_at_least(28 + a_line.len(), LONG);
    let b_port = dup.front.ports[1];
    assert_eq!(got.len(), 28 + a_line.len(), "{}", esc(&got));
    // B names A's outgoing connection (source port unknown here) as the client.
    assert_eq!(&got[..24], &v2_tcp4(0, b_port)[..24]);
    assert_eq!(&got[26..28], &b_port.to_be_bytes());
    assert_eq!(esc(&got[28..]), esc(a_line.as_bytes()));
}
