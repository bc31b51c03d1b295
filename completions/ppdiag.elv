
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
            cand serve 'A fake backend: expect (or forbid) a PROXY header, terminate TLS, report every connection'
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
            cand --reply 'What to do after the header'
            cand --emulate 'Behave byte for byte like a common misconfigured backend (implies --tls)'
            cand -n 'Exit after N connections (and datagrams)'
            cand --count 'Exit after N connections (and datagrams)'
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
            cand serve 'A fake backend: expect (or forbid) a PROXY header, terminate TLS, report every connection'
            cand completions 'Print shell completions for SHELL to stdout'
            cand manpage 'Print the man page (roff) to stdout'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ppdiag;help;inspect'= {
        }
        &'ppdiag;help;explain'= {
        }
        &'ppdiag;help;serve'= {
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
