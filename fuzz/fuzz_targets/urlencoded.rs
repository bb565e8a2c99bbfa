//! urlencoded forms / query strings and cookies, plus the body classifier.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mirror_waf::request::{body, query};

fuzz_target!(|data: &[u8]| {
    let (pairs, _) = query::parse_form(data, 512);
    assert!(pairs.len() <= 512);
    let text = String::from_utf8_lossy(data);
    let (cookies, _) = query::parse_cookies(&text, 512);
    assert!(cookies.len() <= 512);
    for ct in [None, Some("application/x-www-form-urlencoded"), Some("application/json"), Some("multipart/form-data; boundary=x"), Some("text/xml")] {
        let _ = body::classify(ct, data);
    }
});
