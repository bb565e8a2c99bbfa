//! The iterative JSON walker on any bytes, at a small and at the maximum depth/items.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mirror_waf::request::json;

fuzz_target!(|data: &[u8]| {
    let _ = json::looks_like_json(data);
    let d = json::walk(data, 16, 512);
    assert!(d.items.len() <= 512 * 2 + 2, "items {}", d.items.len());
    let _ = json::walk(data, 256, 65_536);
});
