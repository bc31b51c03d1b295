//! probe against targets that misbehave at the TCP level: one that resets every
//! connection, one that half-closes (FIN after reading, keeps its read side open). Every
//! attempt must end with the outcome that names it, within the timeout, and the run must
//! report a problem (exit 1), never hang or fail to run.

mod common;
use common::*;
use serde_json::Value;
use std::time::Duration;

/// Starts a loopback server on its own thread; `reset` chooses the behaviour.
fn misbehaving_server(reset: bool) -> u16 {
    let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = std_listener.local_addr().unwrap().port();
    std_listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(std_listener).unwrap();
            // Bounded: the test ends long before; the thread dies with the process.
            let end = tokio::time::Instant::now() + Duration::from_secs(60);
            while let Ok(Ok((mut s, _))) = tokio::time::timeout_at(end, listener.accept()).await {
                tokio::spawn(async move {
                    use tokio::io::{AsyncReadExt, AsyncWriteExt};
                    let mut buf = [0u8; 4096];
                    let _ =
                        tokio::time::timeout(Duration::from_millis(200), s.read(&mut buf)).await;
                    if reset {
                        // Zero linger: close() sends RST at once; the deprecation is about
                        // blocking on drop with a non-zero linger.
                        #[allow(deprecated)]
                        let _ = s.set_linger(Some(Duration::ZERO));
                        drop(s);
                    } else {
                        let _ = s.shutdown().await;
                        // Keep the read side open, reading and discarding.
                        let _ = tokio::time::timeout(Duration::from_secs(10), async {
                            while let Ok(n) = s.read(&mut buf).await {
                                if n == 0 {
                                    break;
                                }
                            }
                        })
                        .await;
                    }
                });
            }
        });
    });
    port
}

fn probe(port: u16) -> (i32, Value) {
    let o = ppdiag(&[
        "probe",
        "--timeout",
        "1s",
        "--format",
        "json",
        &format!("127.0.0.1:{port}"),
    ]);
    let v: Value = serde_json::from_str(&stdout(&o))
        .unwrap_or_else(|e| panic!("{e}: {} / {}", stdout(&o), stderr(&o)));
    (o.status.code().unwrap(), v)
}

fn outcomes(v: &Value) -> Vec<(String, String)> {
    v["probes"][0]["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["name"].as_str().unwrap_or("?").to_string(),
                a["outcome"]["kind"].as_str().unwrap_or("?").to_string(),
            )
        })
        .collect()
}

#[test]
fn a_target_that_resets_every_connection() {
    let port = misbehaving_server(true);
    let (code, v) = probe(port);
    assert_eq!(code, 1, "{v}");
    let outs = outcomes(&v);
    assert!(!outs.is_empty());
    for (name, kind) in &outs {
        if name != "wait" {
            assert_eq!(kind, "reset", "{name}: {outs:?}");
        }
    }
}

#[test]
fn a_target_that_half_closes() {
    let port = misbehaving_server(false);
    let (code, v) = probe(port);
    assert_eq!(code, 1, "{v}");
    let outs = outcomes(&v);
    for (name, kind) in &outs {
        if name != "wait" {
            assert_eq!(kind, "closed-silently", "{name}: {outs:?}");
        }
    }
}
