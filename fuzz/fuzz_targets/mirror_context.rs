//! `MirrorContext::resolve` on arbitrary inputs. Input lines: authority, forwarded-for
//! (values separated by `|`), server-addr header, server-port header, peer, destination;
//! an empty line 3..6 means "absent".
#![no_main]
use libfuzzer_sys::fuzz_target;
use mirror_waf::config::Config;
use mirror_waf::mirror::{MirrorContext, MirrorInputs};

fn opt(s: Option<&str>) -> Option<&str> {
    s.filter(|s| !s.is_empty())
}

fuzz_target!(|data: &[u8]| {
    let Ok(cfg) = Config::parse(br#"{"real_ip": {"trusted_proxies": ["127.0.0.0/8", "10.0.0.0/8", "::1/128", "fd00::/8"], "recursive": true}}"#) else {
        return;
    };
    let text = String::from_utf8_lossy(data);
    let mut l = text.split('\n');
    let authority = l.next().unwrap_or("");
    let xff: Vec<&str> = l.next().map(|x| x.split('|').collect()).unwrap_or_default();
    let inputs = MirrorInputs {
        authority,
        forwarded_for: xff,
        server_addr_header: opt(l.next()),
        server_port_header: opt(l.next()),
        peer: opt(l.next()),
        destination: opt(l.next()),
    };
    let ctx = MirrorContext::resolve(&cfg, &inputs);
    let _ = format!("{ctx:?}");
});
