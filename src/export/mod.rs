//! Event export to an HTTP collector, as a pure core (no host calls, tested natively):
//! `queue` is the per-VM bounded queue, batching, retry and counters; `wire` the NDJSON
//! and OTLP/HTTP JSON encodings. The proxy-wasm shell (`filter::export`) only moves
//! batches to `dispatch_http_call` and outcomes back.

pub mod queue;
pub mod wire;

pub use queue::{classify, Batch, Counters, Exporter, FailReason, Limits, Outcome, MAX_IN_FLIGHT};

use crate::config::HttpSinkConfig;

impl Limits {
    pub fn from_config(c: &HttpSinkConfig) -> Limits {
        Limits { batch_max: c.batch_max, queue_max: c.queue_max, flush_ms: c.flush_ms }
    }
}
