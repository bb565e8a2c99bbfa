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
//! - `filter`    (wasm32-wasip1 only) the proxy-wasm glue that moves bytes between Envoy and the core.

// A panic traps the wasm VM: outside tests, panicking constructs are compile errors
// under `cargo clippy` (run by `make test`). `arithmetic_side_effects` (overflow, division
// by zero) and `string_slice` (a `&s[a..b]` off a char boundary) are denied too; the
// engine modules opt out of `arithmetic_side_effects` below, see docs/robustness.md.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::unreachable,
        clippy::todo,
        clippy::unimplemented,
        clippy::arithmetic_side_effects,
        clippy::string_slice
    )
)]

pub mod config;
// Engine modules (decoders, parsers, detectors): index/length bookkeeping bounded by the
// input length, checked dynamically instead: the fuzz targets run with overflow checks on,
// and release builds wrap (never trap). See docs/robustness.md, "Arithmetic".
#[cfg_attr(not(test), allow(clippy::arithmetic_side_effects))]
pub mod decode;
#[cfg_attr(not(test), allow(clippy::arithmetic_side_effects))]
pub mod detect;
pub mod event;
// Event export queue: counters that grow by one per event (u64: 2^64 events are never
// reached) and queue lengths bounded by `queue_max`; see docs/robustness.md, "Arithmetic".
#[cfg_attr(not(test), allow(clippy::arithmetic_side_effects))]
pub mod export;
pub mod mirror;
#[cfg_attr(not(test), allow(clippy::arithmetic_side_effects))] // parsers; `pairs` denies it again
pub mod request;

#[cfg(all(target_arch = "wasm32", target_os = "wasi"))]
mod filter;
