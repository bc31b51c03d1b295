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
complete -c ppdiag -n "__fish_ppdiag_using_subcommand help; and not __fish_seen_subcommand_from inspect explain decode completions manpage help" -f -a "inspect" -d 'Explain raw bytes copied from a log or a dump (hex, xxd, tcpdump -X, nginx escapes)'
complete -c ppdiag -n "__fish_ppdiag_using_subcommand help; and not __fish_seen_subcommand_from inspect explain decode completions manpage help" -f -a "explain" -d 'Map an error message from a client or server log to its PROXY/TLS causes'
complete -c ppdiag -n "__fish_ppdiag_using_subcommand help; and not __fish_seen_subcommand_from inspect explain decode completions manpage help" -f -a "decode" -d 'Explain a pcap/pcapng capture conversation by conversation (`-` reads stdin)'
complete -c ppdiag -n "__fish_ppdiag_using_subcommand help; and not __fish_seen_subcommand_from inspect explain decode completions manpage help" -f -a "completions" -d 'Print shell completions for SHELL to stdout'
complete -c ppdiag -n "__fish_ppdiag_using_subcommand help; and not __fish_seen_subcommand_from inspect explain decode completions manpage help" -f -a "manpage" -d 'Print the man page (roff) to stdout'
complete -c ppdiag -n "__fish_ppdiag_using_subcommand help; and not __fish_seen_subcommand_from inspect explain decode completions manpage help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
