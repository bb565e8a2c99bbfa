//! Multipart parsing. Input: first line a Content-Type header value, the rest the body.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mirror_waf::request::multipart;

fuzz_target!(|data: &[u8]| {
    let (head, body) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (data.get(..i).unwrap_or_default(), data.get(i + 1..).unwrap_or_default()),
        None => (&[][..], data),
    };
    let ct = String::from_utf8_lossy(head);
    let boundary = multipart::boundary(&ct).or_else(|| multipart::sniff_boundary(body));
    let _ = multipart::param(&ct, "name");
    if let Some(b) = boundary {
        let (parts, _truncated) = multipart::parse(body, &b, 64);
        assert!(parts.len() <= 64);
    }
});
