//! serve over UDP: each datagram is judged on its own (a v2 header, then the payload),
//! answered as `--reply` says, and recorded.

use super::connection::{apply_decision, judge_expectations, new_record, now_secs};
use super::judge::{self, Action, Input, Situation, Step};
use super::record::End;
use super::stopped;
use super::{Ctx, Event, ReplyMode, http};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use tokio::net::UdpSocket;

pub(super) async fn udp_loop(ctx: Arc<Ctx>, socket: UdpSocket) {
    let mut stop = ctx.shutdown.clone();
    let Ok(local) = socket.local_addr() else {
        return;
    };
    let mut buf = vec![0u8; 65_536];
    loop {
        let (n, peer) = tokio::select! {
            r = socket.recv_from(&mut buf) => match r {
                Ok(x) => x,
                Err(_) => continue,
            },
            _ = stopped(&mut stop) => return,
        };
        let id = ctx.next_id.fetch_add(1, Ordering::SeqCst) + 1;
        let bytes = &buf[..n];
        let mut rec = new_record(&ctx, id, "udp", local, peer, local);
        let date = http::http_date(now_secs() as u64);
        let sit = Situation {
            policy: &ctx.config.policy,
            emulation: None,
            tls: false,
            peer,
            local,
            datagram: true,
            date: &date,
            answers_http: false,
            speaks_first: false,
        };
        let Step::Decided(d) = judge::judge(&sit, bytes, Input::Eof) else {
            continue;
        };
        apply_decision(&mut rec, &d);
        rec.ending = End::Datagram;
        rec.bytes_in = n as u64;
        judge_expectations(&ctx, &mut rec);
        rec.settle();
        if d.action == Action::Proceed {
            rec.reply = ctx.config.reply.name();
            let payload = &bytes[d.payload_offset.min(n)..];
            let out = match ctx.config.reply {
                ReplyMode::Echo => Some(payload.to_vec()),
                ReplyMode::Http => Some(crate::render::to_json_line(&rec).into_bytes()),
                ReplyMode::None => None,
            };
            if let Some(out) = out
                && let Ok(sent) = socket.send_to(&out, peer).await
            {
                rec.bytes_out = sent as u64;
            }
        }
        if ctx.events.send(Event::Record(Box::new(rec))).await.is_err() {
            return;
        }
    }
}
