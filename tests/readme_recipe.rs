//! The README's CI recipe ("`ppdiag serve` in CI") run as written: the script of the
//! step "balancer under test in front of ppdiag serve" is cut out of the README's YAML
//! (dedented as YAML does) and run with GitHub's `bash -eo pipefail`, with the built
//! ppdiag first on PATH and real HAProxy and curl. It must pass, and leave an ndjson
//! log and a JUnit report that a real XML parser reads.

mod common;
use std::path::Path;
use std::process::Command;

/// The `run: |` block of the named step, dedented.
fn recipe_script(readme: &str) -> String {
    let section = readme
        .split("### `ppdiag serve` in CI")
        .nth(1)
        .expect("the CI recipe section");
    let mut lines = section
        .lines()
        .skip_while(|l| !l.contains("name: balancer under test in front of ppdiag serve"));
    lines.next().expect("the step");
    let run = lines.next().expect("the run line");
    assert_eq!(run.trim(), "run: |", "{run}");
    let body: Vec<&str> = lines
        .take_while(|l| l.trim().is_empty() || l.starts_with("          "))
        .collect();
    let indent = body[0].len() - body[0].trim_start().len();
    body.iter()
        .map(|l| l.get(indent..).unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

fn stop_leftover_haproxy(dir: &Path) {
    if let Ok(pid) = std::fs::read_to_string(dir.join("haproxy.pid")) {
        let _ = Command::new("kill")
            .arg(pid.trim())
            .stderr(std::process::Stdio::null())
            .status();
    }
}

#[test]
fn the_ci_recipe_runs_as_written() {
    if !common::process::need("haproxy") || !common::process::need("curl") {
        return;
    }
    let readme = common::fixture("README.md");
    let script = recipe_script(&readme);
    assert!(script.contains("--count 1 --deadline 60s"), "{script}");
    assert!(script.contains("--junit serve.xml"), "{script}");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("step.sh"), &script).unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_ppdiag"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("bash")
        .args(["--noprofile", "--norc", "-eo", "pipefail", "step.sh"])
        .current_dir(dir.path())
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .output()
        .expect("run bash");
    stop_leftover_haproxy(dir.path());
    let log = std::fs::read_to_string(dir.path().join("serve.ndjson")).unwrap_or_default();
    assert_eq!(
        out.status.code(),
        Some(0),
        "the recipe failed\nstdout: {}\nstderr: {}\nserve.ndjson:\n{log}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).expect("ndjson"))
        .collect();
    let summary = lines.last().unwrap();
    assert_eq!(summary["type"], "summary", "{log}");
    assert_eq!(summary["judged"], 1, "{summary}");
    assert_eq!(summary["exit_code"], 0, "{summary}");
    for r in lines.iter().filter(|l| l["type"] == "connection") {
        let c = ppdiag::serve::record::contradictions(r);
        assert!(c.is_empty(), "{c:?} {r}");
    }
    let judged = lines
        .iter()
        .find(|l| l["type"] == "connection" && l["judged"] == true)
        .unwrap();
    assert_eq!(judged["proxy"]["header"]["crc32c_ok"], true, "{judged}");
    assert_eq!(judged["tls"]["version"], "TLSv1_3", "{judged}");
    let xml = std::fs::read_to_string(dir.path().join("serve.xml")).expect("serve.xml");
    let doc = roxmltree::Document::parse(&xml).expect("well-formed JUnit XML");
    assert_eq!(doc.root_element().attribute("failures"), Some("0"), "{xml}");
    let cases = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .count();
    assert_eq!(
        cases,
        1 + 3 + 1,
        "a connection, three expectations, the count"
    );
}
