//! The realip walk. Input: line 1 the peer, line 2 trusted CIDRs (comma separated), line 3
//! `r` for recursive, further lines each one forwarded-for header value.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mirror_waf::mirror::cidr::Cidr;
use mirror_waf::mirror::realip;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.split('\n');
    let peer = lines.next().and_then(realip::parse_socket_addr);
    let trusted: Vec<Cidr> = lines.next().unwrap_or("").split(',').filter_map(|s| Cidr::parse(s.trim())).collect();
    let recursive = lines.next().is_some_and(|l| l.starts_with('r'));
    let values: Vec<&str> = lines.collect();
    for v in &values {
        for entry in v.split(',') {
            let _ = realip::parse_entry(entry);
        }
    }
    let r = realip::resolve(peer, &values, &trusted, recursive, "x-forwarded-for");
    // The client is the peer or an address taken from a header value.
    if r.ip.is_none() {
        assert!(peer.is_none());
    }
});
