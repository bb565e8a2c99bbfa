//! The class detectors compiled to wasm32-unknown-unknown and run under Node with
//! wasm-bindgen-test (`make test-wasm-classes`): the same attack and benign cases as the
//! native `classes_engine` test give the same verdicts inside a wasm VM. On native
//! targets this file is empty.
#![cfg(all(target_arch = "wasm32", target_os = "unknown"))]

mod class_cases;

use mirror_waf::config::InspectionConfig;
use mirror_waf::detect::Engine;
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test]
fn attacks_are_reported_with_their_class() {
    let e = Engine::new(&InspectionConfig::default());
    for (class, r) in &class_cases::attacks() {
        let ins = e.inspect(r);
        assert!(ins.attack && ins.classes.contains(class), "{class}: {}", r.uri);
    }
}

#[wasm_bindgen_test]
fn benign_traffic_is_quiet() {
    for pl in [1, 2] {
        let e = Engine::new(&InspectionConfig { paranoia_level: pl, ..Default::default() });
        for r in &class_cases::benign() {
            assert!(!e.inspect(r).attack, "PL{pl} {}", r.uri);
        }
    }
}
