//! mirror-waf: inspects mirrored (shadow) HTTP traffic for attacks inside Envoy, as a
//! proxy-wasm filter. Monitoring only: it never blocks and never slows the primary path.
//!
//! Module map (a pure, host-independent core under a thin proxy-wasm shell):
//! - [`config`]  plugin JSON → validated `Config`; errors name the field.
//! - [`mirror`]  original context of a copy: realip walk, server addr/port, shadow host.
//! - [`request`] the request model and bounded body collection.
//! - [`detect`]  the detection engine: findings, score, verdict.
//! - [`event`]   the versioned JSON event and its redaction.
//! - [`export`]  batched delivery to an HTTP collector (NDJSON, OTLP/HTTP JSON logs): queue, retry, counters.
//! - `filter`    (wasm32 only) the proxy-wasm glue that moves bytes between Envoy and the core.

// A panic traps the wasm VM: outside tests, panicking constructs are compile errors
// under `cargo clippy` (run by `make test`).
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, clippy::unreachable, clippy::todo)
)]

pub mod config;
pub mod decode;
pub mod detect;
pub mod event;
pub mod export;
pub mod mirror;
pub mod request;

#[cfg(target_arch = "wasm32")]
mod filter;
