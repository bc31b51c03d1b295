
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
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'A fake backend: expect (or forbid) a PROXY header, terminate TLS, report every connection')
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
            [CompletionResult]::new('--reply', '--reply', [CompletionResultType]::ParameterName, 'What to do after the header')
            [CompletionResult]::new('--emulate', '--emulate', [CompletionResultType]::ParameterName, 'Behave byte for byte like a common misconfigured backend (implies --tls)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Exit after N connections (and datagrams)')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Exit after N connections (and datagrams)')
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
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'A fake backend: expect (or forbid) a PROXY header, terminate TLS, report every connection')
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
        'ppdiag;help;serve' {
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
