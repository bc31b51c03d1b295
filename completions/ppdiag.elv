
use builtin;
use str;

set edit:completion:arg-completer[ppdiag] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'ppdiag'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'ppdiag'= {
            cand --format 'Output format'
            cand --color 'When to use colour in text output (`auto` honours NO_COLOR and terminals)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand inspect 'Explain raw bytes copied from a log or a dump (hex, xxd, tcpdump -X, nginx escapes)'
            cand explain 'Map an error message from a client or server log to its PROXY/TLS causes'
            cand decode 'Explain a pcap/pcapng capture conversation by conversation (`-` reads stdin)'
            cand probe 'Ask live targets what they expect: no header, PROXY v1, v2, v2 LOCAL; TLS or HTTP'
            cand send 'A PROXY-speaking netcat: send a crafted v1/v2 header, optionally TLS and HTTP, show what comes back'
            cand serve 'A fake backend: expect (or forbid) a PROXY header, terminate TLS, report every connection'
            cand demo 'Run the main job offline: reproduce the classic mistakes on loopback, probe them, decode a bundled capture'
            cand completions 'Print shell completions for SHELL to stdout'
            cand manpage 'Print the man page (roff) to stdout'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ppdiag;inspect'= {
            cand -f 'Read the text from a file (`-` for stdin)'
            cand --file 'Read the text from a file (`-` for stdin)'
            cand --format 'Output format'
            cand --color 'When to use colour in text output (`auto` honours NO_COLOR and terminals)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ppdiag;explain'= {
            cand --format 'Output format'
            cand --color 'When to use colour in text output (`auto` honours NO_COLOR and terminals)'
            cand --list 'Print the whole knowledge base'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ppdiag;decode'= {
            cand --port 'Keep only conversations with this port on either side (repeatable)'
            cand --host 'Keep only conversations with this address on either side (repeatable)'
            cand --format 'Output format'
            cand --color 'When to use colour in text output (`auto` honours NO_COLOR and terminals)'
            cand --all 'Show every conversation, not only the worst ones'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ppdiag;probe'= {
            cand --targets-file 'Read more targets from a file, one per line (`#` comments; `-` for stdin)'
            cand --port 'Port for targets given without one'
            cand --connect-to 'Connect to CONNECT-HOST:CONNECT-PORT for HOST:PORT, keeping the name for SNI and Host (curl''s convention; repeatable)'
            cand --timeout 'How long each attempt may take, connect included (`3`, `1.5s`, `800ms`; 50ms to 5m)'
            cand --concurrency 'Target addresses probed at the same time'
            cand --only 'Run only these attempts: header (none, v1, v2, v2-local), payload (tls, http, wait) or attempt names (v2+tls); comma-separated'
            cand --skip 'Skip these attempts (same names as --only)'
            cand --src 'Source address in the headers (default: this side of the socket)'
            cand --dst 'Destination address in the headers (default: the target''s address)'
            cand --sni 'SNI to send (default: the target''s host name; none for IP addresses)'
            cand --alpn 'ALPN protocols to offer, comma-separated'
            cand --method 'Method of the plaintext HTTP request'
            cand --balancer-sends 'What the balancer in front sends: its mismatch becomes an error (exit 1)'
            cand --expiry-warn 'Warn when the certificate expires within this many days'
            cand --cacert 'Also trust the CA certificates in this PEM file (repeatable)'
            cand --data 'With --udp: the payload of each datagram instead of the DNS query (text, or `hex:…`)'
            cand --tlv 'A raw TLV: TYPE=VALUE, TYPE decimal or 0x-hex, VALUE text or `hex:…` (repeatable)'
            cand --aws-vpce 'AWS VPC endpoint id (TLV 0xEA), e.g. vpce-0123456789abcdef0'
            cand --azure-linkid 'Azure Private Link LinkID (TLV 0xEE), a 32-bit number'
            cand --gcp-psc 'GCP Private Service Connect connection id (TLV 0xE0), a 64-bit number'
            cand --authority 'AUTHORITY TLV (0x02): the host name the client asked for'
            cand --alpn-tlv 'ALPN TLV (0x01)'
            cand --unique-id 'UNIQUE_ID TLV (0x05): text, or `hex:…`'
            cand --netns 'NETNS TLV (0x30)'
            cand --ssl-client 'SSL TLV (0x20) client flags: 1 SSL, 2 CERT_CONN, 4 CERT_SESS (default 1 when any --ssl-* is given)'
            cand --ssl-verify 'SSL TLV verify field (0: client certificate verified)'
            cand --ssl-version 'SSL sub-TLV VERSION (0x21), e.g. TLSv1.3'
            cand --ssl-cn 'SSL sub-TLV CN (0x22): the client certificate''s common name'
            cand --ssl-cipher 'SSL sub-TLV CIPHER (0x23)'
            cand --ssl-sig-alg 'SSL sub-TLV SIG_ALG (0x24)'
            cand --ssl-key-alg 'SSL sub-TLV KEY_ALG (0x25)'
            cand --format 'Output format'
            cand --color 'When to use colour in text output (`auto` honours NO_COLOR and terminals)'
            cand -4 'Probe only the IPv4 addresses of each name'
            cand --ipv4 'Probe only the IPv4 addresses of each name'
            cand -6 'Probe only the IPv6 addresses of each name'
            cand --ipv6 'Probe only the IPv6 addresses of each name'
            cand --robustness 'After the matrix, deliberate faults: the header that worked sent in two pieces, byte by byte and late, and the AWS NLB and HAProxy health-check headers alone'
            cand --audit 'After the matrix, send a header the target accepts claiming a documentation address as the client (and stacked behind another), to see whether it believes a header from this machine'
            cand --udp 'Probe over UDP: a datagram without a header, with a PROXY v2 header (DGRAM), with a v2 LOCAL header, and a v2 header then a datagram without; the payload is a DNS query for `localhost.` unless --data is given'
            cand --crc32c 'Add a CRC32C TLV (0x03) computed over the finished header'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ppdiag;send'= {
            cand --connect-to 'Connect to CONNECT-HOST:CONNECT-PORT for HOST:PORT, keeping the name for SNI and Host'
            cand --timeout 'Time to connect, and of silence after which the exchange ends (`5`, `2s`, `500ms`; 50ms to 5m)'
            cand --proxy 'Which header to send'
            cand --like 'Send a balancer''s health-check header byte for byte instead of building one: `aws-nlb-health-check` (LOCAL, family 0x11, a CRC32C TLV then a 74-byte NOOP TLV) or `haproxy-health-check` (LOCAL, 16 bytes)'
            cand --src 'Source address in the header (default: this side of the socket)'
            cand --dst 'Destination address in the header (default: the target''s address)'
            cand --family 'Declared address family (with --local and no addresses: AWS NLB''s health-check form)'
            cand --transport 'Declared transport (v2)'
            cand --break 'A deliberate fault, to test a receiver (repeatable)'
            cand --sni 'SNI to send (default: the target''s host name)'
            cand --alpn 'ALPN protocols to offer, comma-separated'
            cand --http 'Send an HTTP request and print the response (otherwise stdin/stdout are bridged, like netcat)'
            cand --data 'Send these bytes after the header (and TLS) instead of reading stdin: text, or `hex:…`'
            cand --tlv 'A raw TLV: TYPE=VALUE, TYPE decimal or 0x-hex, VALUE text or `hex:…` (repeatable)'
            cand --aws-vpce 'AWS VPC endpoint id (TLV 0xEA), e.g. vpce-0123456789abcdef0'
            cand --azure-linkid 'Azure Private Link LinkID (TLV 0xEE), a 32-bit number'
            cand --gcp-psc 'GCP Private Service Connect connection id (TLV 0xE0), a 64-bit number'
            cand --authority 'AUTHORITY TLV (0x02): the host name the client asked for'
            cand --alpn-tlv 'ALPN TLV (0x01)'
            cand --unique-id 'UNIQUE_ID TLV (0x05): text, or `hex:…`'
            cand --netns 'NETNS TLV (0x30)'
            cand --ssl-client 'SSL TLV (0x20) client flags: 1 SSL, 2 CERT_CONN, 4 CERT_SESS (default 1 when any --ssl-* is given)'
            cand --ssl-verify 'SSL TLV verify field (0: client certificate verified)'
            cand --ssl-version 'SSL sub-TLV VERSION (0x21), e.g. TLSv1.3'
            cand --ssl-cn 'SSL sub-TLV CN (0x22): the client certificate''s common name'
            cand --ssl-cipher 'SSL sub-TLV CIPHER (0x23)'
            cand --ssl-sig-alg 'SSL sub-TLV SIG_ALG (0x24)'
            cand --ssl-key-alg 'SSL sub-TLV KEY_ALG (0x25)'
            cand --format 'Output format'
            cand --color 'When to use colour in text output (`auto` honours NO_COLOR and terminals)'
            cand --local 'v2 LOCAL command (a health check) instead of PROXY'
            cand --hex 'Print the header bytes sent, in hex (text output; JSON always has them)'
            cand --tls 'Run a TLS handshake after the header'
            cand --udp 'One UDP datagram (header + --data or stdin), then print the replies (LoxiLB-style PROXY over UDP)'
            cand --crc32c 'Add a CRC32C TLV (0x03) computed over the finished header'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ppdiag;serve'= {
            cand -l 'Address to listen on (repeat for several; IPv6 as [::1]:8443; port 0 picks one)'
            cand --listen 'Address to listen on (repeat for several; IPv6 as [::1]:8443; port 0 picks one)'
            cand --proxy 'Whether a PROXY header must come first, may, or must not'
            cand --proxy-versions 'PROXY versions read (comma-separated)'
            cand --trusted 'Believe headers only from these sources (IP or CIDR; repeat or comma-separate). Headers from others are read and dropped and their addresses ignored, as Traefik does outside `proxyProtocol.trustedIPs` (go-proxyproto IGNORE)'
            cand --header-timeout 'How long the header (and the first bytes after it) may take: 5s, 500ms, 1m'
            cand --idle-timeout 'How long to wait for the peer after the header (request, echo, close)'
            cand --name 'Names for the generated certificate (default: localhost and the listen addresses)'
            cand --cert 'Certificate chain (PEM); implies --tls'
            cand --key 'Private key (PEM) for --cert'
            cand --cert-out 'Write the generated certificate (PEM) here, for `curl --cacert`'
            cand --alpn 'ALPN protocols to agree to, in preference order (comma-separated), e.g. http/1.1'
            cand --client-auth 'Ask for a client certificate and record its subject'
            cand --client-ca 'CA bundle (PEM) client certificates must chain to (without it any is accepted and recorded as not verified)'
            cand --reply 'What to do after the header [default: http; none with --banner]'
            cand --banner 'Speak first: send TEXT (and CRLF) once the header is judged, as SMTP, IMAP and FTP servers do (e.g. "220 ppdiag ESMTP"), and record the client''s first line'
            cand --emulate 'Behave byte for byte like a common misconfigured backend (implies --tls)'
            cand -n 'Exit after N judged connections (and datagrams): health checks (LOCAL, v1 UNKNOWN) are recorded but neither counted nor held to --expect-*'
            cand --count 'Exit after N judged connections (and datagrams): health checks (LOCAL, v1 UNKNOWN) are recorded but neither counted nor held to --expect-*'
            cand --deadline 'Fail (exit 1) when --count judged connections have not arrived within DURATION (30s, 2m)'
            cand --junit 'Also write a JUnit XML report to FILE at exit: a test case per judged connection, per expectation and for --count'
            cand --max-connections 'Connections handled at once; more wait in the listen backlog'
            cand --workers 'Runtime threads (default: one per core)'
            cand --expect-source 'Fail a connection whose client address (from the header) is not in this IP or CIDR (repeat or comma-separate for several)'
            cand --expect-version 'Fail a connection whose header is not this version (or that has none)'
            cand --expect-tlv 'Fail a connection whose header lacks this TLV (type as 0xEA, 234 or a name: alpn, authority, crc32c, noop, unique-id, ssl, netns, aws, azure, gcp), with VALUE when given (text, or hex as 0x...)'
            cand --expect-sni 'Fail a connection whose TLS SNI is not NAME'
            cand --format 'Output format'
            cand --color 'When to use colour in text output (`auto` honours NO_COLOR and terminals)'
            cand --udp 'Also listen on UDP at the same addresses (each datagram may start with a v2 header)'
            cand --tls 'Terminate TLS (with a certificate generated at start unless --cert is given)'
            cand --count-health-checks 'Count health checks as judged connections (and hold them to --expect-*)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ppdiag;demo'= {
            cand --format 'Output format'
            cand --color 'When to use colour in text output (`auto` honours NO_COLOR and terminals)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ppdiag;completions'= {
            cand --format 'Output format'
            cand --color 'When to use colour in text output (`auto` honours NO_COLOR and terminals)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ppdiag;manpage'= {
            cand --format 'Output format'
            cand --color 'When to use colour in text output (`auto` honours NO_COLOR and terminals)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ppdiag;help'= {
            cand inspect 'Explain raw bytes copied from a log or a dump (hex, xxd, tcpdump -X, nginx escapes)'
            cand explain 'Map an error message from a client or server log to its PROXY/TLS causes'
            cand decode 'Explain a pcap/pcapng capture conversation by conversation (`-` reads stdin)'
            cand probe 'Ask live targets what they expect: no header, PROXY v1, v2, v2 LOCAL; TLS or HTTP'
            cand send 'A PROXY-speaking netcat: send a crafted v1/v2 header, optionally TLS and HTTP, show what comes back'
            cand serve 'A fake backend: expect (or forbid) a PROXY header, terminate TLS, report every connection'
            cand demo 'Run the main job offline: reproduce the classic mistakes on loopback, probe them, decode a bundled capture'
            cand completions 'Print shell completions for SHELL to stdout'
            cand manpage 'Print the man page (roff) to stdout'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ppdiag;help;inspect'= {
        }
        &'ppdiag;help;explain'= {
        }
        &'ppdiag;help;decode'= {
        }
        &'ppdiag;help;probe'= {
        }
        &'ppdiag;help;send'= {
        }
        &'ppdiag;help;serve'= {
        }
        &'ppdiag;help;demo'= {
        }
        &'ppdiag;help;completions'= {
        }
        &'ppdiag;help;manpage'= {
        }
        &'ppdiag;help;help'= {
        }
    ]
    $completions[$command]
}
