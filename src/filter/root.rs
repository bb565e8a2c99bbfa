//! The root context: checks the VM configuration in `on_vm_start`, parses and validates the
//! plugin configuration in `on_configure` (rejecting it with a message naming the field),
//! builds the engine once, and shares both with every request through an `Rc` (no
//! per-request config clones). With `events.http` it also owns the VM's event exporter:
//! `on_tick` flushes it and `on_http_call_response` settles its batches (see `export`).

use std::rc::Rc;

use proxy_wasm::traits::{Context, HttpContext, RootContext};
use proxy_wasm::types::ContextType;

use super::export::{tick_ms, Export};
use super::host;
use super::http::Request;
use super::metrics::Metrics;
use super::sink::{self, SinkWatch};
use crate::config::{Config, Role, VmConfig};
use crate::detect::Engine;

/// Everything a request needs, built once per configuration.
pub struct Shared {
    pub config: Config,
    pub engine: Engine,
    pub metrics: Metrics,
    /// The HTTP collector exporter, one per VM (None without `events.http`).
    pub export: Option<Export>,
    /// The sink role's header holds (see `sink`).
    pub sink: SinkWatch,
}

#[derive(Default)]
pub struct Root {
    shared: Option<Rc<Shared>>,
}

impl Context for Root {
    /// The plugin or VM is going away (reload, drain): account for held events.
    fn on_done(&mut self) -> bool {
        if let Some(shared) = &self.shared {
            if let Some(x) = &shared.export {
                x.shutdown(&shared.metrics);
            }
        }
        true
    }

    fn on_http_call_response(&mut self, token_id: u32, num_headers: usize, _body_size: usize, _num_trailers: usize) {
        let Some(shared) = &self.shared else { return };
        if let (Some(x), Some(sink)) = (&shared.export, &shared.config.events.http) {
            x.on_response(sink, &shared.metrics, token_id, num_headers);
        }
    }
}

impl Root {
    /// Answers held copies whose body never came (the host stops body callbacks under a
    /// hold); each one's event gets a note when its context ends.
    fn release_expired_holds(&self, shared: &Shared) {
        let expired = shared.sink.expired(host::now_nanos());
        if expired.is_empty() {
            return;
        }
        host::log(host::LOG_WARN, sink::NOTE_NO_BODY);
        let status = u32::from(shared.config.mirror.sink_status);
        for id in expired {
            if host::set_effective_context(id).is_ok() {
                let _ = host::send_local_response(status, &[("x-mirror-waf", "sink")], b"");
            }
        }
    }
}

/// A request seen while no valid configuration is loaded: does nothing. Returning `None`
/// from `create_http_context` instead would make the SDK `panic!` (and trap the VM).
struct Inactive;

impl Context for Inactive {}
impl HttpContext for Inactive {}

/// Host configuration buffers are small JSON documents; 1 MiB bounds the copy.
const MAX_CONFIG_BYTES: usize = 1 << 20;

impl RootContext for Root {
    /// Refuses to start on an invalid `vm_config.configuration` (e.g. a `plugin_version` pin
    /// that this build does not match): Envoy then reports the VM failure and, under
    /// `failure_policy: FAIL_OPEN`, serves traffic without the filter (docs/robustness.md).
    fn on_vm_start(&mut self, _size: usize) -> bool {
        let bytes = match host::buffer(host::BUFFER_VM_CONFIGURATION, 0, MAX_CONFIG_BYTES) {
            Ok(b) => b,
            Err(e) => {
                host::log(host::LOG_WARN, &format!("mirror-waf: VM configuration unavailable (status {})", e.0));
                Vec::new()
            }
        };
        match VmConfig::parse(&bytes, env!("CARGO_PKG_VERSION")) {
            Ok(_) => true,
            Err(e) => {
                Metrics::vm_start_rejected();
                host::log(host::LOG_ERROR, &format!("mirror-waf: VM start refused: {e}"));
                false
            }
        }
    }

    fn on_configure(&mut self, _size: usize) -> bool {
        let bytes = match host::buffer(host::BUFFER_PLUGIN_CONFIGURATION, 0, MAX_CONFIG_BYTES) {
            Ok(b) => b,
            Err(e) => {
                Metrics::config_rejected();
                host::log(host::LOG_ERROR, &format!("mirror-waf: configuration unavailable (status {})", e.0));
                return false;
            }
        };
        match Config::parse(&bytes) {
            Ok(config) => {
                let engine = Engine::new(&config.inspection);
                let metrics = Metrics::define(config.events.http.is_some());
                let export = config.events.http.as_ref().map(Export::new);
                // The timer serves the exporter's flushes and the sink role's hold watch.
                let export_tick = config.events.http.as_ref().map(tick_ms);
                let sink_tick = (config.role == Role::Sink).then_some(sink::TICK_MS);
                if let Some(ms) = export_tick.into_iter().chain(sink_tick).min() {
                    if let Err(e) = host::set_tick_period_ms(ms) {
                        host::log(host::LOG_ERROR, &format!("mirror-waf: cannot start the timer (status {})", e.0));
                    }
                }
                host::log(
                    host::LOG_INFO,
                    &format!(
                        "mirror-waf {}: configured: role={:?} paranoia_level={} trusted_proxies={} only_mirrored={} http_sink={}",
                        env!("CARGO_PKG_VERSION"),
                        config.role,
                        config.inspection.paranoia_level,
                        config.real_ip.trusted.len(),
                        config.mirror.only_mirrored,
                        config.events.http.as_ref().map_or("off".to_string(), |h| format!("{}:{}{} ({:?})", h.cluster, h.authority, h.effective_path(), h.format))
                    ),
                );
                // A reconfiguration replaces the exporter: settle the old one's books first.
                if let Some(old) = self.shared.take() {
                    if let Some(x) = &old.export {
                        x.shutdown(&old.metrics);
                    }
                }
                self.shared = Some(Rc::new(Shared { config, engine, metrics, export, sink: SinkWatch::default() }));
                true
            }
            Err(e) => {
                Metrics::config_rejected();
                host::log(host::LOG_ERROR, &format!("mirror-waf: configuration rejected: {e}"));
                false
            }
        }
    }

    fn on_tick(&mut self) {
        let Some(shared) = &self.shared else { return };
        if let (Some(x), Some(sink)) = (&shared.export, &shared.config.events.http) {
            x.pump(sink, &shared.metrics);
        }
        if shared.config.role == Role::Sink {
            self.release_expired_holds(shared);
        }
    }

    fn create_http_context(&self, context_id: u32) -> Option<Box<dyn HttpContext>> {
        match &self.shared {
            Some(shared) => Some(Box::new(Request::new(Rc::clone(shared), context_id))),
            None => Some(Box::new(Inactive)),
        }
    }

    fn get_type(&self) -> Option<ContextType> {
        Some(ContextType::HttpContext)
    }
}
