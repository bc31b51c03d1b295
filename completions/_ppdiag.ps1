
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'ppdiag' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'ppdiag'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'ppdiag' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour in text output (`auto` honours NO_COLOR and terminals)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('inspect', 'inspect', [CompletionResultType]::ParameterValue, 'Explain raw bytes copied from a log or a dump (hex, xxd, tcpdump -X, nginx escapes)')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Map an error message from a client or server log to its PROXY/TLS causes')
            [CompletionResult]::new('decode', 'decode', [CompletionResultType]::ParameterValue, 'Explain a pcap/pcapng capture conversation by conversation (`-` reads stdin)')
            [CompletionResult]::new('probe', 'probe', [CompletionResultType]::ParameterValue, 'Ask live targets what they expect: no header, PROXY v1, v2, v2 LOCAL; TLS or HTTP')
            [CompletionResult]::new('send', 'send', [CompletionResultType]::ParameterValue, 'A PROXY-speaking netcat: send a crafted v1/v2 header, optionally TLS and HTTP, show what comes back')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'A fake backend: expect (or forbid) a PROXY header, terminate TLS, report every connection')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'Run the main job offline: reproduce the classic mistakes on loopback, probe them, decode a bundled capture')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print shell completions for SHELL to stdout')
            [CompletionResult]::new('manpage', 'manpage', [CompletionResultType]::ParameterValue, 'Print the man page (roff) to stdout')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ppdiag;inspect' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Read the text from a file (`-` for stdin)')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'Read the text from a file (`-` for stdin)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour in text output (`auto` honours NO_COLOR and terminals)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ppdiag;explain' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour in text output (`auto` honours NO_COLOR and terminals)')
            [CompletionResult]::new('--list', '--list', [CompletionResultType]::ParameterName, 'Print the whole knowledge base')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ppdiag;decode' {
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Keep only conversations with this port on either side (repeatable)')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Keep only conversations with this address on either side (repeatable)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour in text output (`auto` honours NO_COLOR and terminals)')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Show every conversation, not only the worst ones')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ppdiag;probe' {
            [CompletionResult]::new('--targets-file', '--targets-file', [CompletionResultType]::ParameterName, 'Read more targets from a file, one per line (`#` comments; `-` for stdin)')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Port for targets given without one')
            [CompletionResult]::new('--connect-to', '--connect-to', [CompletionResultType]::ParameterName, 'Connect to CONNECT-HOST:CONNECT-PORT for HOST:PORT, keeping the name for SNI and Host (curl''s convention; repeatable)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long each attempt may take, connect included (`3`, `1.5s`, `800ms`; 50ms to 5m)')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Target addresses probed at the same time')
            [CompletionResult]::new('--only', '--only', [CompletionResultType]::ParameterName, 'Run only these attempts: header (none, v1, v2, v2-local), payload (tls, http, wait) or attempt names (v2+tls); comma-separated')
            [CompletionResult]::new('--skip', '--skip', [CompletionResultType]::ParameterName, 'Skip these attempts (same names as --only)')
            [CompletionResult]::new('--src', '--src', [CompletionResultType]::ParameterName, 'Source address in the headers (default: this side of the socket)')
            [CompletionResult]::new('--dst', '--dst', [CompletionResultType]::ParameterName, 'Destination address in the headers (default: the target''s address)')
            [CompletionResult]::new('--sni', '--sni', [CompletionResultType]::ParameterName, 'SNI to send (default: the target''s host name; none for IP addresses)')
            [CompletionResult]::new('--alpn', '--alpn', [CompletionResultType]::ParameterName, 'ALPN protocols to offer, comma-separated')
            [CompletionResult]::new('--method', '--method', [CompletionResultType]::ParameterName, 'Method of the plaintext HTTP request')
            [CompletionResult]::new('--balancer-sends', '--balancer-sends', [CompletionResultType]::ParameterName, 'What the balancer in front sends: its mismatch becomes an error (exit 1)')
            [CompletionResult]::new('--expiry-warn', '--expiry-warn', [CompletionResultType]::ParameterName, 'Warn when the certificate expires within this many days')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Also trust the CA certificates in this PEM file (repeatable)')
            [CompletionResult]::new('--data', '--data', [CompletionResultType]::ParameterName, 'With --udp: the payload of each datagram instead of the DNS query (text, or `hex:…`)')
            [CompletionResult]::new('--tlv', '--tlv', [CompletionResultType]::ParameterName, 'A raw TLV: TYPE=VALUE, TYPE decimal or 0x-hex, VALUE text or `hex:…` (repeatable)')
            [CompletionResult]::new('--aws-vpce', '--aws-vpce', [CompletionResultType]::ParameterName, 'AWS VPC endpoint id (TLV 0xEA), e.g. vpce-0123456789abcdef0')
            [CompletionResult]::new('--azure-linkid', '--azure-linkid', [CompletionResultType]::ParameterName, 'Azure Private Link LinkID (TLV 0xEE), a 32-bit number')
            [CompletionResult]::new('--gcp-psc', '--gcp-psc', [CompletionResultType]::ParameterName, 'GCP Private Service Connect connection id (TLV 0xE0), a 64-bit number')
            [CompletionResult]::new('--authority', '--authority', [CompletionResultType]::ParameterName, 'AUTHORITY TLV (0x02): the host name the client asked for')
            [CompletionResult]::new('--alpn-tlv', '--alpn-tlv', [CompletionResultType]::ParameterName, 'ALPN TLV (0x01)')
            [CompletionResult]::new('--unique-id', '--unique-id', [CompletionResultType]::ParameterName, 'UNIQUE_ID TLV (0x05): text, or `hex:…`')
            [CompletionResult]::new('--netns', '--netns', [CompletionResultType]::ParameterName, 'NETNS TLV (0x30)')
            [CompletionResult]::new('--ssl-client', '--ssl-client', [CompletionResultType]::ParameterName, 'SSL TLV (0x20) client flags: 1 SSL, 2 CERT_CONN, 4 CERT_SESS (default 1 when any --ssl-* is given)')
            [CompletionResult]::new('--ssl-verify', '--ssl-verify', [CompletionResultType]::ParameterName, 'SSL TLV verify field (0: client certificate verified)')
            [CompletionResult]::new('--ssl-version', '--ssl-version', [CompletionResultType]::ParameterName, 'SSL sub-TLV VERSION (0x21), e.g. TLSv1.3')
            [CompletionResult]::new('--ssl-cn', '--ssl-cn', [CompletionResultType]::ParameterName, 'SSL sub-TLV CN (0x22): the client certificate''s common name')
            [CompletionResult]::new('--ssl-cipher', '--ssl-cipher', [CompletionResultType]::ParameterName, 'SSL sub-TLV CIPHER (0x23)')
            [CompletionResult]::new('--ssl-sig-alg', '--ssl-sig-alg', [CompletionResultType]::ParameterName, 'SSL sub-TLV SIG_ALG (0x24)')
            [CompletionResult]::new('--ssl-key-alg', '--ssl-key-alg', [CompletionResultType]::ParameterName, 'SSL sub-TLV KEY_ALG (0x25)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour in text output (`auto` honours NO_COLOR and terminals)')
            [CompletionResult]::new('-4', '-4', [CompletionResultType]::ParameterName, 'Probe only the IPv4 addresses of each name')
            [CompletionResult]::new('--ipv4', '--ipv4', [CompletionResultType]::ParameterName, 'Probe only the IPv4 addresses of each name')
            [CompletionResult]::new('-6', '-6', [CompletionResultType]::ParameterName, 'Probe only the IPv6 addresses of each name')
            [CompletionResult]::new('--ipv6', '--ipv6', [CompletionResultType]::ParameterName, 'Probe only the IPv6 addresses of each name')
            [CompletionResult]::new('--robustness', '--robustness', [CompletionResultType]::ParameterName, 'After the matrix, deliberate faults: the header that worked sent in two pieces, byte by byte and late, and the AWS NLB and HAProxy health-check headers alone')
            [CompletionResult]::new('--audit', '--audit', [CompletionResultType]::ParameterName, 'After the matrix, send a header the target accepts claiming a documentation address as the client (and stacked behind another), to see whether it believes a header from this machine')
            [CompletionResult]::new('--udp', '--udp', [CompletionResultType]::ParameterName, 'Probe over UDP: a datagram without a header, with a PROXY v2 header (DGRAM), with a v2 LOCAL header, and a v2 header then a datagram without; the payload is a DNS query for `localhost.` unless --data is given')
            [CompletionResult]::new('--crc32c', '--crc32c', [CompletionResultType]::ParameterName, 'Add a CRC32C TLV (0x03) computed over the finished header')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ppdiag;send' {
            [CompletionResult]::new('--connect-to', '--connect-to', [CompletionResultType]::ParameterName, 'Connect to CONNECT-HOST:CONNECT-PORT for HOST:PORT, keeping the name for SNI and Host')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Time to connect, and of silence after which the exchange ends (`5`, `2s`, `500ms`; 50ms to 5m)')
            [CompletionResult]::new('--proxy', '--proxy', [CompletionResultType]::ParameterName, 'Which header to send')
            [CompletionResult]::new('--like', '--like', [CompletionResultType]::ParameterName, 'Send a balancer''s health-check header byte for byte instead of building one: `aws-nlb-health-check` (LOCAL, family 0x11, a CRC32C TLV then a 74-byte NOOP TLV) or `haproxy-health-check` (LOCAL, 16 bytes)')
            [CompletionResult]::new('--src', '--src', [CompletionResultType]::ParameterName, 'Source address in the header (default: this side of the socket)')
            [CompletionResult]::new('--dst', '--dst', [CompletionResultType]::ParameterName, 'Destination address in the header (default: the target''s address)')
            [CompletionResult]::new('--family', '--family', [CompletionResultType]::ParameterName, 'Declared address family (with --local and no addresses: AWS NLB''s health-check form)')
            [CompletionResult]::new('--transport', '--transport', [CompletionResultType]::ParameterName, 'Declared transport (v2)')
            [CompletionResult]::new('--break', '--break', [CompletionResultType]::ParameterName, 'A deliberate fault, to test a receiver (repeatable)')
            [CompletionResult]::new('--sni', '--sni', [CompletionResultType]::ParameterName, 'SNI to send (default: the target''s host name)')
            [CompletionResult]::new('--alpn', '--alpn', [CompletionResultType]::ParameterName, 'ALPN protocols to offer, comma-separated')
            [CompletionResult]::new('--http', '--http', [CompletionResultType]::ParameterName, 'Send an HTTP request and print the response (otherwise stdin/stdout are bridged, like netcat)')
            [CompletionResult]::new('--data', '--data', [CompletionResultType]::ParameterName, 'Send these bytes after the header (and TLS) instead of reading stdin: text, or `hex:…`')
            [CompletionResult]::new('--tlv', '--tlv', [CompletionResultType]::ParameterName, 'A raw TLV: TYPE=VALUE, TYPE decimal or 0x-hex, VALUE text or `hex:…` (repeatable)')
            [CompletionResult]::new('--aws-vpce', '--aws-vpce', [CompletionResultType]::ParameterName, 'AWS VPC endpoint id (TLV 0xEA), e.g. vpce-0123456789abcdef0')
            [CompletionResult]::new('--azure-linkid', '--azure-linkid', [CompletionResultType]::ParameterName, 'Azure Private Link LinkID (TLV 0xEE), a 32-bit number')
            [CompletionResult]::new('--gcp-psc', '--gcp-psc', [CompletionResultType]::ParameterName, 'GCP Private Service Connect connection id (TLV 0xE0), a 64-bit number')
            [CompletionResult]::new('--authority', '--authority', [CompletionResultType]::ParameterName, 'AUTHORITY TLV (0x02): the host name the client asked for')
            [CompletionResult]::new('--alpn-tlv', '--alpn-tlv', [CompletionResultType]::ParameterName, 'ALPN TLV (0x01)')
            [CompletionResult]::new('--unique-id', '--unique-id', [CompletionResultType]::ParameterName, 'UNIQUE_ID TLV (0x05): text, or `hex:…`')
            [CompletionResult]::new('--netns', '--netns', [CompletionResultType]::ParameterName, 'NETNS TLV (0x30)')
            [CompletionResult]::new('--ssl-client', '--ssl-client', [CompletionResultType]::ParameterName, 'SSL TLV (0x20) client flags: 1 SSL, 2 CERT_CONN, 4 CERT_SESS (default 1 when any --ssl-* is given)')
            [CompletionResult]::new('--ssl-verify', '--ssl-verify', [CompletionResultType]::ParameterName, 'SSL TLV verify field (0: client certificate verified)')
            [CompletionResult]::new('--ssl-version', '--ssl-version', [CompletionResultType]::ParameterName, 'SSL sub-TLV VERSION (0x21), e.g. TLSv1.3')
            [CompletionResult]::new('--ssl-cn', '--ssl-cn', [CompletionResultType]::ParameterName, 'SSL sub-TLV CN (0x22): the client certificate''s common name')
            [CompletionResult]::new('--ssl-cipher', '--ssl-cipher', [CompletionResultType]::ParameterName, 'SSL sub-TLV CIPHER (0x23)')
            [CompletionResult]::new('--ssl-sig-alg', '--ssl-sig-alg', [CompletionResultType]::ParameterName, 'SSL sub-TLV SIG_ALG (0x24)')
            [CompletionResult]::new('--ssl-key-alg', '--ssl-key-alg', [CompletionResultType]::ParameterName, 'SSL sub-TLV KEY_ALG (0x25)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour in text output (`auto` honours NO_COLOR and terminals)')
            [CompletionResult]::new('--local', '--local', [CompletionResultType]::ParameterName, 'v2 LOCAL command (a health check) instead of PROXY')
            [CompletionResult]::new('--hex', '--hex', [CompletionResultType]::ParameterName, 'Print the header bytes sent, in hex (text output; JSON always has them)')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Run a TLS handshake after the header')
            [CompletionResult]::new('--udp', '--udp', [CompletionResultType]::ParameterName, 'One UDP datagram (header + --data or stdin), then print the replies (LoxiLB-style PROXY over UDP)')
            [CompletionResult]::new('--crc32c', '--crc32c', [CompletionResultType]::ParameterName, 'Add a CRC32C TLV (0x03) computed over the finished header')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ppdiag;serve' {
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Address to listen on (repeat for several; IPv6 as [::1]:8443; port 0 picks one)')
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Address to listen on (repeat for several; IPv6 as [::1]:8443; port 0 picks one)')
            [CompletionResult]::new('--proxy', '--proxy', [CompletionResultType]::ParameterName, 'Whether a PROXY header must come first, may, or must not')
            [CompletionResult]::new('--proxy-versions', '--proxy-versions', [CompletionResultType]::ParameterName, 'PROXY versions read (comma-separated)')
            [CompletionResult]::new('--trusted', '--trusted', [CompletionResultType]::ParameterName, 'Believe headers only from these sources (IP or CIDR; repeat or comma-separate). Headers from others are read and dropped and their addresses ignored, as Traefik does outside `proxyProtocol.trustedIPs` (go-proxyproto IGNORE)')
            [CompletionResult]::new('--header-timeout', '--header-timeout', [CompletionResultType]::ParameterName, 'How long the header (and the first bytes after it) may take: 5s, 500ms, 1m')
            [CompletionResult]::new('--idle-timeout', '--idle-timeout', [CompletionResultType]::ParameterName, 'How long to wait for the peer after the header (request, echo, close)')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Names for the generated certificate (default: localhost and the listen addresses)')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Certificate chain (PEM); implies --tls')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key (PEM) for --cert')
            [CompletionResult]::new('--cert-out', '--cert-out', [CompletionResultType]::ParameterName, 'Write the generated certificate (PEM) here, for `curl --cacert`')
            [CompletionResult]::new('--alpn', '--alpn', [CompletionResultType]::ParameterName, 'ALPN protocols to agree to, in preference order (comma-separated), e.g. http/1.1')
            [CompletionResult]::new('--client-auth', '--client-auth', [CompletionResultType]::ParameterName, 'Ask for a client certificate and record its subject')
            [CompletionResult]::new('--client-ca', '--client-ca', [CompletionResultType]::ParameterName, 'CA bundle (PEM) client certificates must chain to (without it any is accepted and recorded as not verified)')
            [CompletionResult]::new('--reply', '--reply', [CompletionResultType]::ParameterName, 'What to do after the header [default: http; none with --banner]')
            [CompletionResult]::new('--banner', '--banner', [CompletionResultType]::ParameterName, 'Speak first: send TEXT (and CRLF) once the header is judged, as SMTP, IMAP and FTP servers do (e.g. "220 ppdiag ESMTP"), and record the client''s first line')
            [CompletionResult]::new('--emulate', '--emulate', [CompletionResultType]::ParameterName, 'Behave byte for byte like a common misconfigured backend (implies --tls)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Exit after N judged connections (and datagrams): health checks (LOCAL, v1 UNKNOWN) are recorded but neither counted nor held to --expect-*')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Exit after N judged connections (and datagrams): health checks (LOCAL, v1 UNKNOWN) are recorded but neither counted nor held to --expect-*')
            [CompletionResult]::new('--deadline', '--deadline', [CompletionResultType]::ParameterName, 'Fail (exit 1) when --count judged connections have not arrived within DURATION (30s, 2m)')
            [CompletionResult]::new('--junit', '--junit', [CompletionResultType]::ParameterName, 'Also write a JUnit XML report to FILE at exit: a test case per judged connection, per expectation and for --count')
            [CompletionResult]::new('--max-connections', '--max-connections', [CompletionResultType]::ParameterName, 'Connections handled at once; more wait in the listen backlog')
            [CompletionResult]::new('--workers', '--workers', [CompletionResultType]::ParameterName, 'Runtime threads (default: one per core)')
            [CompletionResult]::new('--expect-source', '--expect-source', [CompletionResultType]::ParameterName, 'Fail a connection whose client address (from the header) is not in this IP or CIDR (repeat or comma-separate for several)')
            [CompletionResult]::new('--expect-version', '--expect-version', [CompletionResultType]::ParameterName, 'Fail a connection whose header is not this version (or that has none)')
            [CompletionResult]::new('--expect-tlv', '--expect-tlv', [CompletionResultType]::ParameterName, 'Fail a connection whose header lacks this TLV (type as 0xEA, 234 or a name: alpn, authority, crc32c, noop, unique-id, ssl, netns, aws, azure, gcp), with VALUE when given (text, or hex as 0x...)')
            [CompletionResult]::new('--expect-sni', '--expect-sni', [CompletionResultType]::ParameterName, 'Fail a connection whose TLS SNI is not NAME')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour in text output (`auto` honours NO_COLOR and terminals)')
            [CompletionResult]::new('--udp', '--udp', [CompletionResultType]::ParameterName, 'Also listen on UDP at the same addresses (each datagram may start with a v2 header)')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Terminate TLS (with a certificate generated at start unless --cert is given)')
            [CompletionResult]::new('--count-health-checks', '--count-health-checks', [CompletionResultType]::ParameterName, 'Count health checks as judged connections (and hold them to --expect-*)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ppdiag;demo' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour in text output (`auto` honours NO_COLOR and terminals)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ppdiag;completions' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour in text output (`auto` honours NO_COLOR and terminals)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ppdiag;manpage' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour in text output (`auto` honours NO_COLOR and terminals)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ppdiag;help' {
            [CompletionResult]::new('inspect', 'inspect', [CompletionResultType]::ParameterValue, 'Explain raw bytes copied from a log or a dump (hex, xxd, tcpdump -X, nginx escapes)')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Map an error message from a client or server log to its PROXY/TLS causes')
            [CompletionResult]::new('decode', 'decode', [CompletionResultType]::ParameterValue, 'Explain a pcap/pcapng capture conversation by conversation (`-` reads stdin)')
            [CompletionResult]::new('probe', 'probe', [CompletionResultType]::ParameterValue, 'Ask live targets what they expect: no header, PROXY v1, v2, v2 LOCAL; TLS or HTTP')
            [CompletionResult]::new('send', 'send', [CompletionResultType]::ParameterValue, 'A PROXY-speaking netcat: send a crafted v1/v2 header, optionally TLS and HTTP, show what comes back')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'A fake backend: expect (or forbid) a PROXY header, terminate TLS, report every connection')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'Run the main job offline: reproduce the classic mistakes on loopback, probe them, decode a bundled capture')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print shell completions for SHELL to stdout')
            [CompletionResult]::new('manpage', 'manpage', [CompletionResultType]::ParameterValue, 'Print the man page (roff) to stdout')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ppdiag;help;inspect' {
            break
        }
        'ppdiag;help;explain' {
            break
        }
        'ppdiag;help;decode' {
            break
        }
        'ppdiag;help;probe' {
            break
        }
        'ppdiag;help;send' {
            break
        }
        'ppdiag;help;serve' {
            break
        }
        'ppdiag;help;demo' {
            break
        }
        'ppdiag;help;completions' {
            break
        }
        'ppdiag;help;manpage' {
            break
        }
        'ppdiag;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
