//! The generated files in completions/ and man/ must match what the binary generates now.

mod common;
use common::*;

fn check(args: &[&str], path: &str) {
    let o = ppdiag(args);
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    let out = stdout(&o);
    assert!(out.len() > 200, "{args:?} printed too little");
    golden(path, &out);
}

#[test]
fn completions_are_fresh() {
    check(&["completions", "bash"], "completions/ppdiag.bash");
    check(&["completions", "zsh"], "completions/_ppdiag");
    check(&["completions", "fish"], "completions/ppdiag.fish");
    check(&["completions", "powershell"], "completions/_ppdiag.ps1");
    check(&["completions", "elvish"], "completions/ppdiag.elv");
}

#[test]
fn man_page_is_fresh() {
    check(&["manpage"], "man/ppdiag.1");
    let page = fixture("man/ppdiag.1");
    assert!(page.contains(".TH ppdiag"));
}

#[test]
fn completions_reject_unknown_shell() {
    let o = ppdiag(&["completions", "tcsh"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("invalid value 'tcsh'"));
}
