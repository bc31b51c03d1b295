//! The `ppdiag` binary: everything lives in the library; see `ppdiag::cli`.

fn main() {
    std::process::exit(ppdiag::cli::run());
}
