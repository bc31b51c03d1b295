//! The `ppdiag` binary: everything lives in the library; see `ppdiag::cli`.
//!
//! mimalloc is the allocator: `decode` builds and drops a report per conversation on two
//! threads, and glibc's malloc spent a third of its time there (arena locks when one
//! thread frees what the other allocated, consolidation); see the README's decode
//! benchmark.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(ppdiag::cli::run());
}
