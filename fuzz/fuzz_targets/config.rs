//! Plugin configuration (`Config::parse`) and VM configuration (`VmConfig::parse`) on any
//! bytes: either a validated config or a field-named error, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mirror_waf::config::{Config, VmConfig};

fuzz_target!(|data: &[u8]| {
    match Config::parse(data) {
        Ok(cfg) => {
            // A validated config must build an engine.
            let _ = mirror_waf::detect::Engine::new(&cfg.inspection);
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
    let _ = VmConfig::parse(data, "0.1.0");
});
