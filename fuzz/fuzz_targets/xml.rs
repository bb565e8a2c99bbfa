//! The XML tokenizer on any bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mirror_waf::request::xml;

fuzz_target!(|data: &[u8]| {
    let _ = xml::looks_like_xml(data);
    let _ = xml::parse(data, 16, 512);
    let _ = xml::parse(data, 256, 65_536);
});
