//! The proxy-wasm header-map decoding on any host bytes; decoded pairs re-serialise and
//! decode to themselves.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mirror_waf::request::pairs;

fuzz_target!(|data: &[u8]| {
    let decoded = pairs::deserialize(data);
    let n = decoded.len();
    let refs: Vec<(&str, &[u8])> = decoded.iter().map(|(k, v)| (k.as_str(), v.as_slice())).collect();
    let again = pairs::deserialize(&pairs::serialize(&refs));
    assert_eq!(again.len(), n);
    assert_eq!(again, decoded);
});
