//! The proxy-wasm shell (wasm32 only): moves data between Envoy and the pure core.
//! `root` owns configuration and per-VM state; `http` one request; `host` the
//! non-panicking ABI calls; `metrics` the Envoy counters; `export` the HTTP collector sink;
//! `sink` the sink role's header hold and its safety net.

mod export;
mod host;
mod http;
mod metrics;
mod root;
mod sink;

proxy_wasm::main! {{
    proxy_wasm::set_log_level(proxy_wasm::types::LogLevel::Info);
    proxy_wasm::set_root_context(|_| -> Box<dyn proxy_wasm::traits::RootContext> { Box::new(root::Root::default()) });
}}
