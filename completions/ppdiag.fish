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
complete -c ppdiag -n "__fish_ppdiag_needs_command" -f -a "serve" -d 'A fake backend: expect (or forbid) a PROXY header, terminate TLS, report every connection'
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
complete -c ppdiag -n "__fish_ppdiag_using_subcommand serve" -l reply -d 'What to do after the header' -r -f -a "http\t'Answer an HTTP request with JSON describing the connection'
echo\t'Send back what arrives'
none\t'Send nothing'"
complete -c ppdiag -n "__fish_ppdiag_using_subcommand serve" -l emulate -d 'Behave byte for byte like a common misconfigured backend (implies --tls)' -r -f -a "nginx-ssl\t'nginx `listen ssl` without proxy_protocol: a PROXY header gets a plaintext HTTP/1.1 400'
go-tls\t'Go crypto/tls without PROXY support (Traefik websecure without proxyProtocol): closes without a byte'
nginx-proxy\t'nginx `listen ssl proxy_protocol`: no header gets `broken header` and a reset'"
complete -c ppdiag -n "__fish_ppdiag_using_subcommand serve" -s n -l count -d 'Exit after N connections (and datagrams)' -r
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
complete -c ppdiag -n "__fish_ppdiag_using_subcommand serve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ppdiag -n "__fish_ppdiag_using_subcommand serve" -s V -l version -d 'Print version'
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
complete -c ppdiag -n "__fish_ppdiag_using_subcommand help; and not __fish_seen_subcommand_from inspect explain serve completions manpage help" -f -a "inspect" -d 'Explain raw bytes copied from a log or a dump (hex, xxd, tcpdump -X, nginx escapes)'
complete -c ppdiag -n "__fish_ppdiag_using_subcommand help; and not __fish_seen_subcommand_from inspect explain serve completions manpage help" -f -a "explain" -d 'Map an error message from a client or server log to its PROXY/TLS causes'
complete -c ppdiag -n "__fish_ppdiag_using_subcommand help; and not __fish_seen_subcommand_from inspect explain serve completions manpage help" -f -a "serve" -d 'A fake backend: expect (or forbid) a PROXY header, terminate TLS, report every connection'
complete -c ppdiag -n "__fish_ppdiag_using_subcommand help; and not __fish_seen_subcommand_from inspect explain serve completions manpage help" -f -a "completions" -d 'Print shell completions for SHELL to stdout'
complete -c ppdiag -n "__fish_ppdiag_using_subcommand help; and not __fish_seen_subcommand_from inspect explain serve completions manpage help" -f -a "manpage" -d 'Print the man page (roff) to stdout'
complete -c ppdiag -n "__fish_ppdiag_using_subcommand help; and not __fish_seen_subcommand_from inspect explain serve completions manpage help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
