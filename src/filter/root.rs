//! The root context: checks the VM configuration in `on_vm_start`, parses and validates the
//! plugin configuration in `on_configure` (rejecting it with a message naming the field),
//! builds the engine once, and shares both with every request through an `Rc` (no
//! per-request config clones).

use std::rc::Rc;

use proxy_wasm::traits::{Context, HttpContext, RootContext};
use proxy_wasm::types::ContextType;

use super::host;
use super::http::Request;
use super::metrics::Metrics;
use crate::config::{Config, VmConfig};
use crate::detect::Engine;

/// Everything a request needs, built once per configuration.
pub struct Shared {
    pub config: Config,
    pub engine: Engine,
    pub metrics: Metrics,
}

#[derive(Default)]
pub struct Root {
    shared: Option<Rc<Shared>>,
}

impl Context for Root {}

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
                let metrics = Metrics::define();
                host::log(
                    host::LOG_INFO,
                    &format!(
                        "mirror-waf {}: configured: role={:?} paranoia_level={} trusted_proxies={} only_mirrored={}",
                        env!("CARGO_PKG_VERSION"),
                        config.role,
                        config.inspection.paranoia_level,
                        config.real_ip.trusted.len(),
                        config.mirror.only_mirrored
                    ),
                );
                self.shared = Some(Rc::new(Shared { config, engine, metrics }));
                true
            }
            Err(e) => {
                Metrics::config_rejected();
                host::log(host::LOG_ERROR, &format!("mirror-waf: configuration rejected: {e}"));
                false
            }
        }
    }

    fn create_http_context(&self, _context_id: u32) -> Option<Box<dyn HttpContext>> {
        match &self.shared {
            Some(shared) => Some(Box::new(Request::new(Rc::clone(shared)))),
            None => Some(Box::new(Inactive)),
        }
    }

    fn get_type(&self) -> Option<ContextType> {
        Some(ContextType::HttpContext)
    }
}
