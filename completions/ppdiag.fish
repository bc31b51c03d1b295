# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_ppdiag_global_optspecs
    string join \n format= color= h/help V/version
end

function __fish_ppdiag_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_ppdiag_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_ppdiag_using_subcommand
    set -l cmd (__fish_ppdiag_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c ppdiag -n "__fish_ppdiag_needs_command" -l format -d 'Output format' -r -f -a "text\t'For people'
json\t'One JSON document, for scripts and CI'
ndjson\t'One JSON object per line (per connection, flow or target), written as results come'"
complete -c ppdiag -n "__fish_ppdiag_needs_command" -l color -d 'When to use colour in text output (`auto` honours NO_COLOR and terminals)' -r -f -a "auto\t'Colour on terminals unless NO_COLOR is set'
always\t'Always colour'
never\t'Never colour'"
complete -c ppdiag -n "__fish_ppdiag_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ppdiag -n "__fish_ppdiag_needs_command" -s V -l version -d 'Print version'
complete -c ppdiag -n "__fish_ppdiag_needs_command" -f -a "inspect" -d 'Explain raw bytes copied from a log or a dump (hex, xxd, tcpdump -X, nginx escapes)'
complete -c ppdiag -n "__fish_ppdiag_needs_command" -f -a "explain" -d 'Map an error message from a client or server log to its PROXY/TLS causes'
complete -c ppdiag -n "__fish_ppdiag_needs_command" -f -a "decode" -d 'Explain a pcap/pcapng capture conversation by conversation (`-` reads stdin)'
complete -c ppdiag -n "__fish_ppdiag_needs_command" -f -a "probe" -d 'Ask live targets what they expect: no header, PROXY v1, v2, v2 LOCAL; TLS or HTTP'
complete -c ppdiag -n "__fish_ppdiag_needs_command" -f -a "send" -d 'A PROXY-speaking netcat: send a crafted v1/v2 header, optionally TLS and HTTP, show what comes back'
complete -c ppdiag -n "__fish_ppdiag_needs_command" -f -a "serve" -d 'A fake backend: expect (or forbid) a PROXY header, terminate TLS, report every connection'
complete -c ppdiag -n "__fish_ppdiag_needs_command" -f -a "demo" -d 'Run the main job offline: reproduce the classic mistakes on loopback, probe them, decode a bundled capture'
complete -c ppdiag -n "__fish_ppdiag_needs_command" -f -a "completions" -d 'Print shell completions for SHELL to stdout'
complete -c ppdiag -n "__fish_ppdiag_needs_command" -f -a "manpage" -d 'Print the man page (roff) to stdout'
complete -c ppdiag -n "__fish_ppdiag_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ppdiag -n "__fish_ppdiag_using_subcommand inspect" -s f -l file -d 'Read the text from a file (`-` for stdin)' -r -F
complete -c ppdiag -n "__fish_ppdiag_using_subcommand inspect" -l format -d 'Output format' -r -f -a "text\t'For people'
json\t'One JSON document, for scripts and CI'
ndjson\t'One JSON object per line (per connection, flow or target), written as results come'"
complete -c ppdiag -n "__fish_ppdiag_using_subcommand inspect" -l color -d 'When to use colour in text output (`auto` honours NO_COLOR and terminals)' -r -f -a "auto\t'Colour on terminals unless NO_COLOR is set'
always\t'Always colour'
never\t'Never colour'"
complete -c ppdiag -n "__fish_ppdiag_using_subcommand inspect" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ppdiag -n "__fish_ppdiag_using_subcommand inspect" -s V -l version -d 'Print version'
complete -c ppdiag -n "__fish_ppdiag_using_subcommand explain" -l format -d 'Output format' -r -f -a "text\t'For people'
json\t'One JSON document, for scripts and CI'
ndjson\t'One JSON object per line (per connection, flow or target), written as results come'"
complete -c ppdiag -n "__fish_ppdiag_using_subcommand explain" -l color -d 'When to use colour in text output (`auto` honours NO_COLOR and terminals)' -r -f -a "auto\t'Colour on terminals unless NO_COLOR is set'
always\t'Always colour'
never\t'Never colour'"
complete -c ppdiag -n "__fish_ppdiag_using_subcommand explain" -l list -d 'Print the whole knowledge base'
complete -c ppdiag -n "__fish_ppdiag_using_subcommand explain" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ppdiag -n "__fish_ppdiag_using_subcommand explain" -s V -l version -d 'Print version'
complete -c ppdiag -n "__fish_ppdiag_using_subcommand decode" -l port -d 'Keep only conversations with this port on either side (repeatable)' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand decode" -l host -d 'Keep only conversations with this address on either side (repeatable)' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand decode" -l format -d 'Output format' -r -f -a "text\t'For people'
json\t'One JSON document, for scripts and CI'
ndjson\t'One JSON object per line (per connection, flow or target), written as results come'"
complete -c ppdiag -n "__fish_ppdiag_using_subcommand decode" -l color -d 'When to use colour in text output (`auto` honours NO_COLOR and terminals)' -r -f -a "auto\t'Colour on terminals unless NO_COLOR is set'
always\t'Always colour'
never\t'Never colour'"
complete -c ppdiag -n "__fish_ppdiag_using_subcommand decode" -l all -d 'Show every conversation, not only the worst ones'
complete -c ppdiag -n "__fish_ppdiag_using_subcommand decode" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ppdiag -n "__fish_ppdiag_using_subcommand decode" -s V -l version -d 'Print version'
complete -c ppdiag -n "__fish_ppdiag_using_subcommand probe" -l targets-file -d 'Read more targets from a file, one per line (`#` comments; `-` for stdin)' -r -F
complete -c ppdiag -n "__fish_ppdiag_using_subcommand probe" -l port -d 'Port for targets given without one' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand probe" -l connect-to -d 'Connect to CONNECT-HOST:CONNECT-PORT for HOST:PORT, keeping the name for SNI and Host (curl\'s convention; repeatable)' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand probe" -l timeout -d 'How long each attempt may take, connect included (`3`, `1.5s`, `800ms`; 50ms to 5m)' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand probe" -l concurrency -d 'Target addresses probed at the same time' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand probe" -l only -d 'Run only these attempts: header (none, v1, v2, v2-local), payload (tls, http, wait) or attempt names (v2+tls); comma-separated' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand probe" -l skip -d 'Skip these attempts (same names as --only)' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand probe" -l src -d 'Source address in the headers (default: this side of the socket)' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand probe" -l dst -d 'Destination address in the headers (default: the target\'s address)' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand probe" -l sni -d 'SNI to send (default: the target\'s host name; none for IP addresses)' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand probe" -l alpn -d 'ALPN protocols to offer, comma-separated' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand probe" -l method -d 'Method of the plaintext HTTP request' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand probe" -l balancer-sends -d 'What the balancer in front sends: its mismatch becomes an error (exit 1)' -r -f -a "none\t'No PROXY header'
v1\t'PROXY v1'
v2\t'PROXY v2'
v2-local\t'PROXY v2 LOCAL (health checks)'"
complete -c ppdiag -n "__fish_ppdiag_using_subcommand probe" -l expiry-warn -d 'Warn when the certificate expires within this many days' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand probe" -l cacert -d 'Also trust the CA certificates in this PEM file (repeatable)' -r -F
complete -c ppdiag -n "__fish_ppdiag_using_subcommand probe" -l data -d 'With --udp: the payload of each datagram instead of the DNS query (text, or `hex:…`)' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand probe" -l tlv -d 'A raw TLV: TYPE=VALUE, TYPE decimal or 0x-hex, VALUE text or `hex:…` (repeatable)' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand probe" -l aws-vpce -d 'AWS VPC endpoint id (TLV 0xEA), e.g. vpce-0123456789abcdef0' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand probe" -l azure-linkid -d 'Azure Private Link LinkID (TLV 0xEE), a 32-bit number' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand probe" -l gcp-psc -d 'GCP Private Service Connect connection id (TLV 0xE0), a 64-bit number' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand probe" -l authority -d 'AUTHORITY TLV (0x02): the host name the client asked for' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand probe" -l alpn-tlv -d 'ALPN TLV (0x01)' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand probe" -l unique-id -d 'UNIQUE_ID TLV (0x05): text, or `hex:…`' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand probe" -l netns -d 'NETNS TLV (0x30)' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand probe" -l ssl-client -d 'SSL TLV (0x20) client flags: 1 SSL, 2 CERT_CONN, 4 CERT_SESS (default 1 when any --ssl-* is given)' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand probe" -l ssl-verify -d 'SSL TLV verify field (0: client certificate verified)' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand probe" -l ssl-version -d 'SSL sub-TLV VERSION (0x21), e.g. TLSv1.3' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand probe" -l ssl-cn -d 'SSL sub-TLV CN (0x22): the client certificate\'s common name' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand probe" -l ssl-cipher -d 'SSL sub-TLV CIPHER (0x23)' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand probe" -l ssl-sig-alg -d 'SSL sub-TLV SIG_ALG (0x24)' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand probe" -l ssl-key-alg -d 'SSL sub-TLV KEY_ALG (0x25)' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand probe" -l format -d 'Output format' -r -f -a "text\t'For people'
json\t'One JSON document, for scripts and CI'
ndjson\t'One JSON object per line (per connection, flow or target), written as results come'"
complete -c ppdiag -n "__fish_ppdiag_using_subcommand probe" -l color -d 'When to use colour in text output (`auto` honours NO_COLOR and terminals)' -r -f -a "auto\t'Colour on terminals unless NO_COLOR is set'
always\t'Always colour'
never\t'Never colour'"
complete -c ppdiag -n "__fish_ppdiag_using_subcommand probe" -s 4 -l ipv4 -d 'Probe only the IPv4 addresses of each name'
complete -c ppdiag -n "__fish_ppdiag_using_subcommand probe" -s 6 -l ipv6 -d 'Probe only the IPv6 addresses of each name'
complete -c ppdiag -n "__fish_ppdiag_using_subcommand probe" -l robustness -d 'After the matrix, deliberate faults: the header that worked sent in two pieces, byte by byte and late, and the AWS NLB and HAProxy health-check headers alone'
complete -c ppdiag -n "__fish_ppdiag_using_subcommand probe" -l audit -d 'After the matrix, send a header the target accepts claiming a documentation address as the client (and stacked behind another), to see whether it believes a header from this machine'
complete -c ppdiag -n "__fish_ppdiag_using_subcommand probe" -l udp -d 'Probe over UDP: a datagram without a header, with a PROXY v2 header (DGRAM), with a v2 LOCAL header, and a v2 header then a datagram without; the payload is a DNS query for `localhost.` unless --data is given'
complete -c ppdiag -n "__fish_ppdiag_using_subcommand probe" -l crc32c -d 'Add a CRC32C TLV (0x03) computed over the finished header'
complete -c ppdiag -n "__fish_ppdiag_using_subcommand probe" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ppdiag -n "__fish_ppdiag_using_subcommand probe" -s V -l version -d 'Print version'
complete -c ppdiag -n "__fish_ppdiag_using_subcommand send" -l connect-to -d 'Connect to CONNECT-HOST:CONNECT-PORT for HOST:PORT, keeping the name for SNI and Host' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand send" -l timeout -d 'Time to connect, and of silence after which the exchange ends (`5`, `2s`, `500ms`; 50ms to 5m)' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand send" -l proxy -d 'Which header to send' -r -f -a "v1\t'The text header'
v2\t'The binary header'
none\t'No header'"
complete -c ppdiag -n "__fish_ppdiag_using_subcommand send" -l like -d 'Send a balancer\'s health-check header byte for byte instead of building one: `aws-nlb-health-check` (LOCAL, family 0x11, a CRC32C TLV then a 74-byte NOOP TLV) or `haproxy-health-check` (LOCAL, 16 bytes)' -r -f -a "aws-nlb-health-check\t'AWS NLB: LOCAL, family 0x11, CRC32C then NOOP (100 bytes)'
haproxy-health-check\t'HAProxy `check-send-proxy` with v2: LOCAL, 16 bytes'"
complete -c ppdiag -n "__fish_ppdiag_using_subcommand send" -l src -d 'Source address in the header (default: this side of the socket)' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand send" -l dst -d 'Destination address in the header (default: the target\'s address)' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand send" -l family -d 'Declared address family (with --local and no addresses: AWS NLB\'s health-check form)' -r -f -a "unspec\t'AF_UNSPEC (v1: `PROXY UNKNOWN`)'
inet\t'AF_INET'
inet6\t'AF_INET6'
unix\t'AF_UNIX (v2 only; declared, no address block)'"
complete -c ppdiag -n "__fish_ppdiag_using_subcommand send" -l transport -d 'Declared transport (v2)' -r -f -a "unspec\t'UNSPEC'
stream\t'STREAM (TCP)'
dgram\t'DGRAM (UDP)'"
complete -c ppdiag -n "__fish_ppdiag_using_subcommand send" -l break -d 'A deliberate fault, to test a receiver (repeatable)' -r -f -a "signature\t'Corrupt the signature'
version\t'Wrong version (v2 nibble 1; v1 `TCP5`)'
command\t'v2 command neither LOCAL nor PROXY'
family\t'v2 family 0x4; v1 family keyword that contradicts the addresses'
length\t'v2 length 7 bytes longer than sent'
crc\t'v2 CRC32C TLV with a wrong value'
tlv\t'v2 last TLV running past the header'
truncate\t'Send only the first half of the header'
crlf\t'v1 line ending in LF only'
too-long\t'v1 line longer than 107 bytes'
port\t'v1 port out of range (65536)'
duplicate\t'The header twice'"
complete -c ppdiag -n "__fish_ppdiag_using_subcommand send" -l sni -d 'SNI to send (default: the target\'s host name)' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand send" -l alpn -d 'ALPN protocols to offer, comma-separated' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand send" -l http -d 'Send an HTTP request and print the response (otherwise stdin/stdout are bridged, like netcat)' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand send" -l data -d 'Send these bytes after the header (and TLS) instead of reading stdin: text, or `hex:…`' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand send" -l tlv -d 'A raw TLV: TYPE=VALUE, TYPE decimal or 0x-hex, VALUE text or `hex:…` (repeatable)' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand send" -l aws-vpce -d 'AWS VPC endpoint id (TLV 0xEA), e.g. vpce-0123456789abcdef0' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand send" -l azure-linkid -d 'Azure Private Link LinkID (TLV 0xEE), a 32-bit number' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand send" -l gcp-psc -d 'GCP Private Service Connect connection id (TLV 0xE0), a 64-bit number' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand send" -l authority -d 'AUTHORITY TLV (0x02): the host name the client asked for' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand send" -l alpn-tlv -d 'ALPN TLV (0x01)' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand send" -l unique-id -d 'UNIQUE_ID TLV (0x05): text, or `hex:…`' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand send" -l netns -d 'NETNS TLV (0x30)' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand send" -l ssl-client -d 'SSL TLV (0x20) client flags: 1 SSL, 2 CERT_CONN, 4 CERT_SESS (default 1 when any --ssl-* is given)' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand send" -l ssl-verify -d 'SSL TLV verify field (0: client certificate verified)' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand send" -l ssl-version -d 'SSL sub-TLV VERSION (0x21), e.g. TLSv1.3' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand send" -l ssl-cn -d 'SSL sub-TLV CN (0x22): the client certificate\'s common name' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand send" -l ssl-cipher -d 'SSL sub-TLV CIPHER (0x23)' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand send" -l ssl-sig-alg -d 'SSL sub-TLV SIG_ALG (0x24)' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand send" -l ssl-key-alg -d 'SSL sub-TLV KEY_ALG (0x25)' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand send" -l format -d 'Output format' -r -f -a "text\t'For people'
json\t'One JSON document, for scripts and CI'
ndjson\t'One JSON object per line (per connection, flow or target), written as results come'"
complete -c ppdiag -n "__fish_ppdiag_using_subcommand send" -l color -d 'When to use colour in text output (`auto` honours NO_COLOR and terminals)' -r -f -a "auto\t'Colour on terminals unless NO_COLOR is set'
always\t'Always colour'
never\t'Never colour'"
complete -c ppdiag -n "__fish_ppdiag_using_subcommand send" -l local -d 'v2 LOCAL command (a health check) instead of PROXY'
complete -c ppdiag -n "__fish_ppdiag_using_subcommand send" -l hex -d 'Print the header bytes sent, in hex (text output; JSON always has them)'
complete -c ppdiag -n "__fish_ppdiag_using_subcommand send" -l tls -d 'Run a TLS handshake after the header'
complete -c ppdiag -n "__fish_ppdiag_using_subcommand send" -l udp -d 'One UDP datagram (header + --data or stdin), then print the replies (LoxiLB-style PROXY over UDP)'
complete -c ppdiag -n "__fish_ppdiag_using_subcommand send" -l crc32c -d 'Add a CRC32C TLV (0x03) computed over the finished header'
complete -c ppdiag -n "__fish_ppdiag_using_subcommand send" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ppdiag -n "__fish_ppdiag_using_subcommand send" -s V -l version -d 'Print version'
complete -c ppdiag -n "__fish_ppdiag_using_subcommand serve" -s l -l listen -d 'Address to listen on (repeat for several; IPv6 as [::1]:8443; port 0 picks one)' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand serve" -l proxy -d 'Whether a PROXY header must come first, may, or must not' -r -f -a "required\t'A header must come first (nginx `proxy_protocol`, go-proxyproto REQUIRE)'
optional\t'Read a header when present (go-proxyproto USE)'
forbidden\t'Refuse headers (go-proxyproto REJECT)'"
complete -c ppdiag -n "__fish_ppdiag_using_subcommand serve" -l proxy-versions -d 'PROXY versions read (comma-separated)' -r -f -a "v1\t'Text header'
v2\t'Binary header'"
complete -c ppdiag -n "__fish_ppdiag_using_subcommand serve" -l trusted -d 'Believe headers only from these sources (IP or CIDR; repeat or comma-separate). Headers from others are read and dropped and their addresses ignored, as Traefik does outside `proxyProtocol.trustedIPs` (go-proxyproto IGNORE)' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand serve" -l header-timeout -d 'How long the header (and the first bytes after it) may take: 5s, 500ms, 1m' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand serve" -l idle-timeout -d 'How long to wait for the peer after the header (request, echo, close)' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand serve" -l name -d 'Names for the generated certificate (default: localhost and the listen addresses)' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand serve" -l cert -d 'Certificate chain (PEM); implies --tls' -r -F
complete -c ppdiag -n "__fish_ppdiag_using_subcommand serve" -l key -d 'Private key (PEM) for --cert' -r -F
complete -c ppdiag -n "__fish_ppdiag_using_subcommand serve" -l cert-out -d 'Write the generated certificate (PEM) here, for `curl --cacert`' -r -F
complete -c ppdiag -n "__fish_ppdiag_using_subcommand serve" -l alpn -d 'ALPN protocols to agree to, in preference order (comma-separated), e.g. http/1.1' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand serve" -l client-auth -d 'Ask for a client certificate and record its subject' -r -f -a "optional\t'Ask; go on without one'
required\t'Ask; fail the handshake without one'"
complete -c ppdiag -n "__fish_ppdiag_using_subcommand serve" -l client-ca -d 'CA bundle (PEM) client certificates must chain to (without it any is accepted and recorded as not verified)' -r -F
complete -c ppdiag -n "__fish_ppdiag_using_subcommand serve" -l reply -d 'What to do after the header [default: http; none with --banner]' -r -f -a "http\t'Answer an HTTP request with JSON describing the connection'
echo\t'Send back what arrives'
none\t'Send nothing'"
complete -c ppdiag -n "__fish_ppdiag_using_subcommand serve" -l banner -d 'Speak first: send TEXT (and CRLF) once the header is judged, as SMTP, IMAP and FTP servers do (e.g. "220 ppdiag ESMTP"), and record the client\'s first line' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand serve" -l emulate -d 'Behave byte for byte like a common misconfigured backend (implies --tls)' -r -f -a "nginx-ssl\t'nginx `listen ssl` without proxy_protocol: a PROXY header gets a plaintext HTTP/1.1 400'
go-tls\t'Go crypto/tls without PROXY support (Traefik websecure without proxyProtocol): closes without a byte'
nginx-proxy\t'nginx `listen ssl proxy_protocol`: no header gets `broken header` and a reset'"
complete -c ppdiag -n "__fish_ppdiag_using_subcommand serve" -s n -l count -d 'Exit after N judged connections (and datagrams): health checks (LOCAL, v1 UNKNOWN) are recorded but neither counted nor held to --expect-*' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand serve" -l deadline -d 'Fail (exit 1) when --count judged connections have not arrived within DURATION (30s, 2m)' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand serve" -l junit -d 'Also write a JUnit XML report to FILE at exit: a test case per judged connection, per expectation and for --count' -r -F
complete -c ppdiag -n "__fish_ppdiag_using_subcommand serve" -l max-connections -d 'Connections handled at once; more wait in the listen backlog' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand serve" -l workers -d 'Runtime threads (default: one per core)' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand serve" -l expect-source -d 'Fail a connection whose client address (from the header) is not in this IP or CIDR (repeat or comma-separate for several)' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand serve" -l expect-version -d 'Fail a connection whose header is not this version (or that has none)' -r -f -a "v1\t'Text header'
v2\t'Binary header'"
complete -c ppdiag -n "__fish_ppdiag_using_subcommand serve" -l expect-tlv -d 'Fail a connection whose header lacks this TLV (type as 0xEA, 234 or a name: alpn, authority, crc32c, noop, unique-id, ssl, netns, aws, azure, gcp), with VALUE when given (text, or hex as 0x...)' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand serve" -l expect-sni -d 'Fail a connection whose TLS SNI is not NAME' -r
complete -c ppdiag -n "__fish_ppdiag_using_subcommand serve" -l format -d 'Output format' -r -f -a "text\t'For people'
json\t'One JSON document, for scripts and CI'
ndjson\t'One JSON object per line (per connection, flow or target), written as results come'"
complete -c ppdiag -n "__fish_ppdiag_using_subcommand serve" -l color -d 'When to use colour in text output (`auto` honours NO_COLOR and terminals)' -r -f -a "auto\t'Colour on terminals unless NO_COLOR is set'
always\t'Always colour'
never\t'Never colour'"
complete -c ppdiag -n "__fish_ppdiag_using_subcommand serve" -l udp -d 'Also listen on UDP at the same addresses (each datagram may start with a v2 header)'
complete -c ppdiag -n "__fish_ppdiag_using_subcommand serve" -l tls -d 'Terminate TLS (with a certificate generated at start unless --cert is given)'
complete -c ppdiag -n "__fish_ppdiag_using_subcommand serve" -l count-health-checks -d 'Count health checks as judged connections (and hold them to --expect-*)'
complete -c ppdiag -n "__fish_ppdiag_using_subcommand serve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ppdiag -n "__fish_ppdiag_using_subcommand serve" -s V -l version -d 'Print version'
complete -c ppdiag -n "__fish_ppdiag_using_subcommand demo" -l format -d 'Output format' -r -f -a "text\t'For people'
json\t'One JSON document, for scripts and CI'
ndjson\t'One JSON object per line (per connection, flow or target), written as results come'"
complete -c ppdiag -n "__fish_ppdiag_using_subcommand demo" -l color -d 'When to use colour in text output (`auto` honours NO_COLOR and terminals)' -r -f -a "auto\t'Colour on terminals unless NO_COLOR is set'
always\t'Always colour'
never\t'Never colour'"
complete -c ppdiag -n "__fish_ppdiag_using_subcommand demo" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ppdiag -n "__fish_ppdiag_using_subcommand demo" -s V -l version -d 'Print version'
complete -c ppdiag -n "__fish_ppdiag_using_subcommand completions" -l format -d 'Output format' -r -f -a "text\t'For people'
json\t'One JSON document, for scripts and CI'
ndjson\t'One JSON object per line (per connection, flow or target), written as results come'"
complete -c ppdiag -n "__fish_ppdiag_using_subcommand completions" -l color -d 'When to use colour in text output (`auto` honours NO_COLOR and terminals)' -r -f -a "auto\t'Colour on terminals unless NO_COLOR is set'
always\t'Always colour'
never\t'Never colour'"
complete -c ppdiag -n "__fish_ppdiag_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ppdiag -n "__fish_ppdiag_using_subcommand completions" -s V -l version -d 'Print version'
complete -c ppdiag -n "__fish_ppdiag_using_subcommand manpage" -l format -d 'Output format' -r -f -a "text\t'For people'
json\t'One JSON document, for scripts and CI'
ndjson\t'One JSON object per line (per connection, flow or target), written as results come'"
complete -c ppdiag -n "__fish_ppdiag_using_subcommand manpage" -l color -d 'When to use colour in text output (`auto` honours NO_COLOR and terminals)' -r -f -a "auto\t'Colour on terminals unless NO_COLOR is set'
always\t'Always colour'
never\t'Never colour'"
complete -c ppdiag -n "__fish_ppdiag_using_subcommand manpage" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ppdiag -n "__fish_ppdiag_using_subcommand manpage" -s V -l version -d 'Print version'
complete -c ppdiag -n "__fish_ppdiag_using_subcommand help; and not __fish_seen_subcommand_from inspect explain decode probe send serve demo completions manpage help" -f -a "inspect" -d 'Explain raw bytes copied from a log or a dump (hex, xxd, tcpdump -X, nginx escapes)'
complete -c ppdiag -n "__fish_ppdiag_using_subcommand help; and not __fish_seen_subcommand_from inspect explain decode probe send serve demo completions manpage help" -f -a "explain" -d 'Map an error message from a client or server log to its PROXY/TLS causes'
complete -c ppdiag -n "__fish_ppdiag_using_subcommand help; and not __fish_seen_subcommand_from inspect explain decode probe send serve demo completions manpage help" -f -a "decode" -d 'Explain a pcap/pcapng capture conversation by conversation (`-` reads stdin)'
complete -c ppdiag -n "__fish_ppdiag_using_subcommand help; and not __fish_seen_subcommand_from inspect explain decode probe send serve demo completions manpage help" -f -a "probe" -d 'Ask live targets what they expect: no header, PROXY v1, v2, v2 LOCAL; TLS or HTTP'
complete -c ppdiag -n "__fish_ppdiag_using_subcommand help; and not __fish_seen_subcommand_from inspect explain decode probe send serve demo completions manpage help" -f -a "send" -d 'A PROXY-speaking netcat: send a crafted v1/v2 header, optionally TLS and HTTP, show what comes back'
complete -c ppdiag -n "__fish_ppdiag_using_subcommand help; and not __fish_seen_subcommand_from inspect explain decode probe send serve demo completions manpage help" -f -a "serve" -d 'A fake backend: expect (or forbid) a PROXY header, terminate TLS, report every connection'
complete -c ppdiag -n "__fish_ppdiag_using_subcommand help; and not __fish_seen_subcommand_from inspect explain decode probe send serve demo completions manpage help" -f -a "demo" -d 'Run the main job offline: reproduce the classic mistakes on loopback, probe them, decode a bundled capture'
complete -c ppdiag -n "__fish_ppdiag_using_subcommand help; and not __fish_seen_subcommand_from inspect explain decode probe send serve demo completions manpage help" -f -a "completions" -d 'Print shell completions for SHELL to stdout'
complete -c ppdiag -n "__fish_ppdiag_using_subcommand help; and not __fish_seen_subcommand_from inspect explain decode probe send serve demo completions manpage help" -f -a "manpage" -d 'Print the man page (roff) to stdout'
complete -c ppdiag -n "__fish_ppdiag_using_subcommand help; and not __fish_seen_subcommand_from inspect explain decode probe send serve demo completions manpage help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
