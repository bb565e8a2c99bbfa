//! The shell of the HTTP collector sink: owns the VM's `export::Exporter` (one per VM,
//! held by the root's `Shared`), moves its batches to `dispatch_http_call` and the call
//! outcomes back, and mirrors its counters into Envoy metrics as deltas.
//!
//! Only root-context callbacks (`on_tick`, `on_http_call_response`) dispatch: a callout
//! belongs to the context that made it and Envoy cancels it when that context goes away,
//! so a request context would lose its batch when its stream ends. The request path only
//! appends to the in-memory queue (`offer`, O(1), never waits for the collector).

use std::cell::{Cell, RefCell};
use std::time::Duration;

use super::host;
use super::metrics::Metrics;
use crate::config::HttpSinkConfig;
use crate::export::{classify, wire, Counters, Exporter, FailReason, Limits};

/// The on_tick period: the timer flush (`flush_ms`) and full batches both leave on a tick.
pub fn tick_ms(sink: &HttpSinkConfig) -> u32 {
    u32::try_from(sink.flush_ms.clamp(10, 100)).unwrap_or(100)
}

pub struct Export {
    core: RefCell<Exporter>,
    /// Counter values already added to Envoy's metrics.
    published: Cell<Counters>,
    dispatch_failures_logged: Cell<bool>,
}

impl Export {
    pub fn new(sink: &HttpSinkConfig) -> Export {
        Export {
            core: RefCell::new(Exporter::new(Limits::from_config(sink), sink.format)),
            published: Cell::new(Counters::default()),
            dispatch_failures_logged: Cell::new(false),
        }
    }

    pub fn format(&self) -> crate::config::WireFormat {
        self.core.try_borrow().map(|c| c.format()).unwrap_or_default()
    }

    /// Queues one encoded record (request path: never dispatches, never waits).
    pub fn offer(&self, m: &Metrics, record: String) {
        if let Ok(mut core) = self.core.try_borrow_mut() {
            core.offer(host::now_millis(), record);
        }
        self.publish(m);
    }

    /// Sends every batch that is due (root context only).
    pub fn pump(&self, sink: &HttpSinkConfig, m: &Metrics) {
        let content_type = wire::content_type(sink.format);
        loop {
            let now = host::now_millis();
            // The borrow ends before the host call: Envoy may answer a failed callout
            // re-entrantly (it defers, but nothing here relies on that).
            let batch = match self.core.try_borrow_mut() {
                Ok(mut core) => core.next_batch(now),
                Err(_) => None,
            };
            let Some(batch) = batch else { break };
            let mut headers: Vec<(&str, &str)> = vec![
                (":method", "POST"),
                (":path", sink.effective_path()),
                (":authority", &sink.authority),
                ("content-type", content_type),
                ("user-agent", concat!("mirror-waf/", env!("CARGO_PKG_VERSION"))),
            ];
            headers.extend(sink.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            // The SDK's dispatch_http_call registers the callout with the active (root)
            // context so on_http_call_response reaches it. It panics only on a status other
            // than Ok/BadArgument/InternalFailure, which Envoy's proxy_http_call never returns.
            let result = proxy_wasm::hostcalls::dispatch_http_call(
                &sink.cluster,
                headers,
                Some(batch.body.as_bytes()),
                vec![],
                Duration::from_millis(sink.timeout_ms),
            );
            let Ok(mut core) = self.core.try_borrow_mut() else { break };
            match result {
                Ok(token) => core.track(token, batch),
                Err(status) => {
                    if !self.dispatch_failures_logged.replace(true) {
                        host::log(
                            host::LOG_WARN,
                            &format!("mirror-waf: cannot dispatch to cluster '{}' ({status:?}); counting batches_failed{{reason=collector_error}}", sink.cluster),
                        );
                    }
                    core.complete_untracked(batch, FailReason::CollectorError, now);
                }
            }
        }
        self.publish(m);
    }

    /// A callout ended: `:status` decides the outcome; then whatever became due is sent.
    /// Verified on Envoy 1.40: a call that exceeds `timeout_ms` arrives here as Envoy's local
    /// reply `:status 504` (3 headers) after the timeout, and a refused connection as an
    /// immediate `:status 503`; a reset without a reply has no headers at all. `classify`
    /// tells a timeout (504/none after `timeout_ms`) from a collector error.
    pub fn on_response(&self, sink: &HttpSinkConfig, m: &Metrics, token: u32, num_headers: usize) {
        let status = if num_headers == 0 {
            None
        } else {
            host::header_pairs(host::MAP_HTTP_CALL_RESPONSE_HEADERS)
                .ok()
                .and_then(|h| h.into_iter().find(|(k, _)| k == ":status"))
                .and_then(|(_, v)| std::str::from_utf8(&v).ok().and_then(|s| s.trim().parse::<u32>().ok()))
        };
        let now = host::now_millis();
        if let Ok(mut core) = self.core.try_borrow_mut() {
            if let Some(at) = core.sent_at(token) {
                let outcome = classify(status, now.saturating_sub(at), sink.timeout_ms);
                core.complete(token, outcome, now);
            }
        }
        self.pump(sink, m);
    }

    /// The root context ends: what is still held is counted as dropped (`shutdown`) so the
    /// shared gauge and the invariant stay right after a plugin reload.
    pub fn shutdown(&self, m: &Metrics) {
        if let Ok(mut core) = self.core.try_borrow_mut() {
            core.abandon();
        }
        self.publish(m);
    }

    /// Adds what changed since the last call to Envoy's metrics.
    fn publish(&self, m: &Metrics) {
        let Ok(core) = self.core.try_borrow() else { return };
        let now = core.counters();
        let was = self.published.replace(now);
        let d = |a: u64, b: u64| i64::try_from(a).unwrap_or(i64::MAX).saturating_sub(i64::try_from(b).unwrap_or(i64::MAX));
        let e = &m.export;
        m.add(e.exported, d(now.sent, was.sent));
        m.add(e.queued, d(now.queued, was.queued));
        m.add(e.dropped_queue_full, d(now.dropped_queue_full, was.dropped_queue_full));
        m.add(e.dropped_collector_error, d(now.dropped_collector_error, was.dropped_collector_error));
        m.add(e.dropped_timeout, d(now.dropped_timeout, was.dropped_timeout));
        m.add(e.dropped_shutdown, d(now.dropped_shutdown, was.dropped_shutdown));
        m.add(e.batches_sent, d(now.batches_sent, was.batches_sent));
        m.add(e.batches_failed_collector_error, d(now.batches_failed_collector_error, was.batches_failed_collector_error));
        m.add(e.batches_failed_timeout, d(now.batches_failed_timeout, was.batches_failed_timeout));
        m.add(e.batches_retried, d(now.batches_retried, was.batches_retried));
    }
}
