//! Every decoder and the variant generator on any text.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mirror_waf::decode::{self, base64, html, js, path, url, DecodeOpts};

fuzz_target!(|data: &[u8]| {
    let _ = url::decode_bytes(data, true);
    let _ = url::decode_component(data, false);
    let mut v = data.to_vec();
    let _ = url::fold_overlong(&mut v);
    let s = String::from_utf8_lossy(data);
    let _ = url::has_escapes(&s);
    let _ = url::decode_str(&s, true);
    let _ = html::has_entities(&s);
    let _ = html::decode(&s);
    let _ = js::has_escapes(&s);
    let _ = js::decode(&s);
    let _ = base64::decode_text(&s);
    let _ = path::normalize(&s);
    let _ = decode::fold_case(&s);
    let _ = decode::fold_sql(&s);
    let mut out = Vec::new();
    decode::variants(&s, &["url"], DecodeOpts { path: false }, &mut out);
    decode::variants(&s, &[], DecodeOpts { path: true }, &mut out);
    let _ = decode::find_from(data, data.len() / 2, b"..");
});
