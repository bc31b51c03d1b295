
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
        &'ppdiag;help;completions'= {
        }
        &'ppdiag;help;manpage'= {
        }
        &'ppdiag;help;help'= {
        }
    ]
    $completions[$command]
}
