//! End-to-end checks of the attack classes through the whole engine (extraction,
//! prefilter, decoders, registry, scoring): one or more attacks per class must be reported
//! with that class at paranoia 1, and realistic benign traffic (JSON APIs, forms, prose,
//! browser headers) must stay below the threshold at paranoia 1 and 2. The same cases run
//! under wasm in `wasm_classes.rs`.

mod class_cases;

use class_cases::{attacks, benign, req};
use mirror_waf::config::InspectionConfig;
use mirror_waf::detect::Engine;

fn engine(pl: u8) -> Engine {
    Engine::new(&InspectionConfig { paranoia_level: pl, ..Default::default() })
}

#[test]
fn one_attack_per_class_is_reported_with_its_class() {
    let e = engine(1);
    for (class, r) in &attacks() {
        let ins = e.inspect(r);
        assert!(ins.attack && ins.classes.contains(class), "{class}: {} {:?} -> {:?}", r.uri, String::from_utf8_lossy(&r.body), ins.findings);
    }
}

#[test]
fn scanner_and_protocol_findings_are_low_score() {
    let e = engine(1);
    let ins = e.inspect(&req("GET", "/", &[("user-agent", "sqlmap/1.7.2#stable (https://sqlmap.org)")], ""));
    assert!(ins.classes.contains(&"scanner") && !ins.attack, "{:?}", ins.findings);
    let mut r = req("GET", "/", &[], "");
    r.method = "G E T".into();
    r.headers.push(("host".into(), b"other.example.com".to_vec()));
    let ins = e.inspect(&r);
    assert!(ins.classes.contains(&"protocol"), "{:?}", ins.findings);
    assert!(ins.findings.iter().filter(|f| f.class == "protocol").all(|f| f.score <= 3));
}

#[test]
fn realistic_benign_traffic_is_quiet() {
    let benign = benign();
    for pl in [1, 2] {
        let e = engine(pl);
        for r in &benign {
            let ins = e.inspect(r);
            assert!(!ins.attack, "PL{pl} {} {:?} -> {:?}", r.uri, String::from_utf8_lossy(&r.body), ins.findings);
        }
    }
}
