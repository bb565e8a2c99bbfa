//! The root context: parses and validates the plugin configuration in `on_configure`
//! (rejecting it with a message naming the field), builds the engine once, and shares
//! both with every request through an `Rc` (no per-request config clones).

use std::rc::Rc;

use proxy_wasm::traits::{Context, HttpContext, RootContext};
use proxy_wasm::types::ContextType;

use super::host;
use super::http::Request;
use super::metrics::Metrics;
use crate::config::Config;
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

impl RootContext for Root {
    fn on_configure(&mut self, _size: usize) -> bool {
        let bytes = self.get_plugin_configuration().unwrap_or_default();
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
        let shared = self.shared.clone()?;
        Some(Box::new(Request::new(shared)))
    }

    fn get_type(&self) -> Option<ContextType> {
        Some(ContextType::HttpContext)
    }
}
