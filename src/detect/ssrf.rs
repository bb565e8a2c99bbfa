//! Server-side request forgery. URLs in values are parsed (scheme, userinfo, host, port);
//! the host is classified after resolving the forms parsers accept: `inet_aton` IPv4
//! (decimal, hex, octal, 1–4 parts), IPv6 (incl. IPv4-mapped and zone ids), wildcard-DNS
//! names that embed an IP (`127.0.0.1.nip.io`), loopback and cloud-metadata names.
//! Loopback, private, link-local and metadata targets and dangerous schemes (`gopher:`,
//! `dict:`, `file:`...) are reported. The URL parser is shared with `rfi`.

use super::gate::Triggers;
use core::net::{Ipv4Addr, Ipv6Addr};

use super::textscan::{hit, push_once, snippet};
use super::{Hit, Part, Value};

const CLASS: &str = "ssrf";
const MAX_BYTES: usize = 8192;
const MAX_URLS: usize = 16;

/// A URL found in a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url<'a> {
    /// Lower-case scheme (empty for scheme-relative `//host` or bare `host/path`).
    pub scheme: String,
    /// Host as written (lower-case), without brackets, userinfo or port.
    pub host: String,
    /// Offset of the URL (scheme start) in the text.
    pub start: usize,
    /// The rest after the authority (path, query...), up to the end of the URL token.
    pub rest: &'a str,
}

/// Where a host points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Metadata,
    Loopback,
    Unspecified,
    Private,
    LinkLocal,
    Public,
}

/// A classified host: target and whether the IP was written in a non-canonical form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostClass {
    pub target: Target,
    pub obfuscated: bool,
    pub is_ip: bool,
}

fn scheme_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')
}

/// Every `scheme://authority...` URL in `t` (at most `MAX_URLS`).
pub fn find_urls(t: &str) -> Vec<Url<'_>> {
    let b = t.as_bytes();
    let mut urls = Vec::new();
    let mut from = 0;
    while urls.len() < MAX_URLS {
        let Some(at) = t.get(from..).and_then(|r| r.find("://")).map(|o| o + from) else { break };
        let mut s = at;
        while s > 0 && at - s < 16 && b.get(s - 1).is_some_and(|&c| scheme_byte(c)) {
            s -= 1;
        }
        let scheme = t.get(s..at).unwrap_or_default().to_ascii_lowercase();
        let after = at + 3;
        let (host, rest) = authority(t.get(after..).unwrap_or_default());
        urls.push(Url { scheme, host, start: s, rest });
        from = after;
    }
    urls
}

/// Splits `host[:port]/rest` (after `//`): returns the lower-case host and the rest.
pub fn authority(s: &str) -> (String, &str) {
    let end = s
        .find(|c: char| matches!(c, '/' | '?' | '#' | '\\') || c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '`'))
        .unwrap_or(s.len());
    let auth = s.get(..end).unwrap_or_default();
    let rest = s.get(end..).unwrap_or_default();
    let hostport = auth.rsplit('@').next().unwrap_or(auth);
    let host = if let Some(inner) = hostport.strip_prefix('[') {
        inner.split(']').next().unwrap_or(inner)
    } else {
        hostport.split(':').next().unwrap_or(hostport)
    };
    (host.trim_end_matches('.').to_ascii_lowercase(), rest)
}

/// IPv4 as `inet_aton` reads it: 1–4 parts, each decimal, `0x` hex or `0` octal; the last
/// part fills the remaining bytes. Hex parts longer than 32 bits keep their low 32 bits
/// (some URL parsers do). Returns the address and whether the form was non-canonical.
pub fn parse_ipv4(h: &str) -> Option<(Ipv4Addr, bool)> {
    if h.is_empty() || h.len() > 64 {
        return None;
    }
    let parts: Vec<&str> = h.split('.').collect();
    if parts.len() > 4 || parts.iter().any(|p| p.is_empty()) {
        return None;
    }
    let mut nums = Vec::with_capacity(4);
    let mut odd = parts.len() != 4;
    for p in &parts {
        let (n, o) = parse_num(p)?;
        odd |= o;
        nums.push(n);
    }
    let last = *nums.last()?;
    let head = nums.get(..nums.len() - 1).unwrap_or_default();
    if head.iter().any(|&n| n > 255) {
        return None;
    }
    let last_bits = 8 * (4 - head.len() as u32);
    if last_bits < 64 && last >= 1u64 << last_bits {
        return None;
    }
    let mut v: u32 = 0;
    for (k, &n) in head.iter().enumerate() {
        v |= (n as u32) << (24 - 8 * k as u32);
    }
    v |= last as u32;
    Some((Ipv4Addr::from(v), odd))
}

/// A number part: decimal, `0x` hex (low 32 bits kept), or `0`-prefixed octal.
fn parse_num(p: &str) -> Option<(u64, bool)> {
    if let Some(hx) = p.strip_prefix("0x").or_else(|| p.strip_prefix("0X")) {
        if hx.is_empty() || hx.len() > 32 || !hx.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let tail = hx.get(hx.len().saturating_sub(8)..).unwrap_or(hx);
        return u64::from_str_radix(tail, 16).ok().map(|n| (n, true));
    }
    if !p.bytes().all(|b| b.is_ascii_digit()) || p.len() > 12 {
        return None;
    }
    if p.len() > 1 && p.starts_with('0') {
        return u64::from_str_radix(p, 8).ok().map(|n| (n, true));
    }
    p.parse::<u64>().ok().map(|n| (n, false))
}

fn classify_v4(ip: Ipv4Addr) -> Target {
    let o = ip.octets();
    match o {
        [169, 254, 169, 254] | [169, 254, 170, 2] | [100, 100, 100, 200] | [192, 0, 0, 192] => Target::Metadata,
        [127, ..] => Target::Loopback,
        [0, 0, 0, 0] => Target::Unspecified,
        [0, ..] => Target::Unspecified,
        [10, ..] | [192, 168, ..] => Target::Private,
        [172, b, ..] if (16..32).contains(&b) => Target::Private,
        [100, b, ..] if (64..128).contains(&b) => Target::Private,
        [169, 254, ..] => Target::LinkLocal,
        _ => Target::Public,
    }
}

fn classify_v6(ip: Ipv6Addr) -> (Target, bool) {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return (classify_v4(v4), true);
    }
    let seg = ip.segments();
    if ip == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254) {
        return (Target::Metadata, false);
    }
    if ip.is_loopback() {
        return (Target::Loopback, false);
    }
    if ip.is_unspecified() {
        return (Target::Unspecified, false);
    }
    // IPv4-compatible `::a.b.c.d` (deprecated, still parsed by some).
    if let [0, 0, 0, 0, 0, 0, hi, lo] = seg {
        let v4 = Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
        return (classify_v4(v4), true);
    }
    match seg.first() {
        Some(s) if s & 0xfe00 == 0xfc00 => (Target::Private, false),
        Some(s) if s & 0xffc0 == 0xfe80 => (Target::LinkLocal, false),
        _ => (Target::Public, false),
    }
}

const LOOPBACK_NAMES: &[&str] = &[
    "localhost", "localhost.localdomain", "localhost4", "localhost6", "localhost4.localdomain4",
    "localhost6.localdomain6", "ip6-localhost", "ip6-loopback", "ipv6-localhost", "ipv6-loopback", "localtest.me", "lvh.me",
];
const METADATA_NAMES: &[&str] = &[
    "metadata.google.internal", "metadata.goog", "metadata", "instance-data",
    "instance-data.ec2.internal", "metadata.azure.internal", "metadata.tencentyun.com",
    "100-100-100-200.aliyun", "kubernetes.default.svc", "kubernetes.default",
    "metadata.packet.net", "metadata.platformequinix.com", "169.254.169.254.nip.io",
    "host.docker.internal", "gateway.docker.internal", "kubernetes.docker.internal",
    "host.containers.internal", "kubernetes.default.svc.cluster.local", "metadata.oraclecloud.com",
];
/// Wildcard DNS services that resolve `<ip>.<service>` to `<ip>`.
const WILDCARD_DNS: &[&str] = &[".nip.io", ".xip.io", ".sslip.io", ".traefik.me", ".localtest.me", ".lvh.me"];

/// Classifies a (lower-case) host name or IP literal.
pub fn classify_host(host: &str) -> Option<HostClass> {
    let host = host.split('%').next().unwrap_or(host); // IPv6 zone id
    if host.is_empty() {
        return None;
    }
    if let Ok(ip6) = host.parse::<Ipv6Addr>() {
        let (target, obf) = classify_v6(ip6);
        return Some(HostClass { target, obfuscated: obf, is_ip: true });
    }
    if let Some((ip, obf)) = parse_ipv4(host) {
        return Some(HostClass { target: classify_v4(ip), obfuscated: obf, is_ip: true });
    }
    if METADATA_NAMES.contains(&host) {
        return Some(HostClass { target: Target::Metadata, obfuscated: false, is_ip: false });
    }
    if LOOPBACK_NAMES.contains(&host) || host.ends_with(".localhost") || host.ends_with(".localtest.me") {
        return Some(HostClass { target: Target::Loopback, obfuscated: false, is_ip: false });
    }
    // Reserved private-use names (`.internal`, cluster DNS, mDNS).
    if host.ends_with(".internal") || host.ends_with(".svc.cluster.local") || host.ends_with(".cluster.local") || host.ends_with(".local") {
        return Some(HostClass { target: Target::Private, obfuscated: false, is_ip: false });
    }
    for suffix in WILDCARD_DNS {
        if let Some(prefix) = host.strip_suffix(suffix) {
            // `127.0.0.1.nip.io`, `app.127-0-0-1.sslip.io`, `7f000001.nip.io`.
            let last = prefix.rsplit(['.']).next().unwrap_or(prefix);
            let candidates = [prefix.to_string(), last.replace('-', "."), prefix.replace('-', ".")];
            for c in candidates.iter() {
                if let Some((ip, _)) = parse_ipv4(c).or_else(|| u32::from_str_radix(c, 16).ok().filter(|_| c.len() == 8).map(|n| (Ipv4Addr::from(n), true))) {
                    return Some(HostClass { target: classify_v4(ip), obfuscated: true, is_ip: true });
                }
            }
        }
    }
    Some(HostClass { target: Target::Public, obfuscated: false, is_ip: false })
}

/// Schemes that reach beyond HTTP (raw sockets, files, directories).
const DANGEROUS_SCHEMES: &[&str] = &["gopher", "dict", "file", "ldap", "ldaps", "tftp", "jar", "netdoc", "sftp", "smb", "ssh2", "telnet", "ldapi"];

/// Parameter names that usually carry a URL or host.
pub fn url_param(name: &str) -> bool {
    // The last segment, compared ASCII case-insensitively (no lower-cased copy).
    let n = name.rsplit(['.', '[']).next().unwrap_or(name).trim_end_matches(']').as_bytes();
    let ends_with = |k: &str| n.len() >= k.len() && n.get(n.len() - k.len()..).is_some_and(|s| s.eq_ignore_ascii_case(k.as_bytes()));
    [
        "url", "uri", "link", "href", "target", "dest", "destination", "redirect", "callback",
        "webhook", "endpoint", "host", "server", "domain", "site", "proxy", "feed", "image",
        "img", "src", "source", "next", "return", "returnurl", "return_to", "continue", "goto",
        "fetch", "load", "remote", "address", "addr", "ip", "api", "forward", "u", "location",
    ]
    .iter()
    .any(|k| {
        n.eq_ignore_ascii_case(k.as_bytes())
            || n.len() > k.len() && ends_with(k) && n.get(n.len() - k.len() - 1) == Some(&b'_')
            || ends_with(k) && n.len() <= k.len() + 8 && *k != "u" && *k != "ip" && k.len() >= 3
    })
}

/// What a value must contain for any rule of this class to match (see `gate`): add a
/// trigger here with every new rule.
pub const TRIGGERS: Triggers = Triggers {
    anywhere: &[&["://", "file:", "http:", "https:"], SCHEMELESS_MARKERS],
    // A bare host in a URL-valued parameter.
    custom: Some(|v| v.part != Part::Header && !v.name.is_empty() && url_param(v.name)),
    ..Triggers::NONE
};

/// What the host of a scheme-less URL in an arbitrary parameter must contain
/// (`localhost/`, `127.0.0.1:8080/admin`): loopback and metadata names and addresses.
const SCHEMELESS_MARKERS: &[&str] = &["localhost", "loopback", "localtest.me", "lvh.me", "metadata.", "instance-data.", ".internal", "kubernetes.", "127.", "169.254.", "0.0.0.0", "::1"];

/// A whole value that is `host/…` or `host:port…` (no scheme) with an internal host, in a
/// parameter not named like a URL: the host part and the value.
fn schemeless_internal(t: &str) -> Option<String> {
    let tt = t.trim();
    if tt.len() > 200 || tt.contains(char::is_whitespace) || !SCHEMELESS_MARKERS.iter().any(|m| tt.contains(m)) {
        return None;
    }
    let (host, rest) = authority(tt);
    let after = tt.get(tt.find(['/', '?', '#', '\\']).unwrap_or(tt.len())..).unwrap_or_default();
    // `host/…`, `host:port`, `[v6]:port`: something a URL parser reads as an authority.
    let port = tt.strip_prefix('[').map_or(tt, |r| r.split_once(']').map_or("", |(_, p)| p)).split_once(':').is_some_and(|(_, p)| p.bytes().take_while(u8::is_ascii_digit).count() > 0);
    let shaped = after.starts_with('/') && rest.starts_with('/') || port;
    // Names (with a letter) or dotted-quad / bracketed addresses, never a bare number (`0/1`).
    let named = host.bytes().any(|c| c.is_ascii_alphabetic()) && !host.contains(':') || host.split('.').count() == 4 || tt.starts_with('[');
    (shaped && named && !host.is_empty()).then_some(host)
}

/// Per-value scan.
pub fn scan(v: &Value<'_>, out: &mut Vec<Hit>) {
    let full = v.text;
    let t = full.get(..super::textscan::floor_char(full, MAX_BYTES)).unwrap_or(full);
    let since = out.len();
    let header = v.part == Part::Header;
    if t.contains("://") {
        for u in find_urls(t) {
            let ev = snippet(t, u.start, u.start + 100);
            // `file:///x`, `gopher://host:port/`: an empty or plausible host.
            let plausible = u.host.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b':' | b'[' | b']' | b'_' | b'@'));
            if DANGEROUS_SCHEMES.contains(&u.scheme.as_str()) && plausible {
                // Schemes with benign uses are strong when the value is that URL (a
                // URL-valued parameter), weak inside text.
                let whole = u.start <= 1 && !t.trim().contains(' ');
                let strong = whole || !matches!(u.scheme.as_str(), "ldap" | "ldaps" | "smb" | "sftp" | "telnet");
                push_once(out, since, hit("ssrf.dangerous-scheme", CLASS, if strong { 5 } else { 3 }, 1, ev.clone()));
            }
            // Line breaks inside a URL smuggle protocol commands (memcached, redis, SMTP).
            let tok_end = u.rest.find([' ', '"', '\'']).unwrap_or(u.rest.len());
            if u.rest.get(..tok_end).is_some_and(|r| r.contains('\n') || r.contains('\r')) && !header {
                push_once(out, since, hit("ssrf.protocol-smuggling", CLASS, 5, 1, ev.clone()));
            }
            report_host(&u.host, header, true, ev, out, since);
        }
    }
    // `file:/etc/passwd`, `file:\\host` (one slash or none).
    if let Some(at) = super::textscan::find_ci(t, "file:") {
        let after = t.as_bytes().get(at + 5).copied();
        let boundary = super::textscan::word_start(t.as_bytes(), at);
        if boundary && v.part != Part::Path && matches!(after, Some(b'/' | b'\\' | b'$')) && !t.get(at + 5..).is_some_and(|r| r.starts_with("//")) {
            push_once(out, since, hit("ssrf.dangerous-scheme", CLASS, 5, 1, snippet(t, at, at + 80)));
        }
    }
    // `http:127.0.0.1`: a special scheme without slashes is still a URL to WHATWG parsers
    // (browsers, Node's `URL`), whatever the parameter is called.
    let tt = t.trim();
    if !header && v.part != Part::Path && !tt.contains("://") {
        if let Some(rest) = ["http:", "https:"].iter().find_map(|p| tt.get(..p.len()).filter(|h| h.eq_ignore_ascii_case(p)).and_then(|_| tt.get(p.len()..))) {
            let rest = rest.trim_start_matches(['/', '\\']);
            if !rest.is_empty() && rest.len() < 256 {
                let (host, _) = authority(rest);
                report_host(&host, false, true, snippet(t, 0, 100), out, since);
            }
        }
    }
    // A scheme-less internal host in any parameter (`localhost/`, `ip6-localhost:80`).
    if !header && v.part != Part::Path && !v.name.is_empty() && !url_param(v.name) {
        if let Some(host) = schemeless_internal(t) {
            if classify_host(&host).is_some_and(|c| matches!(c.target, Target::Loopback | Target::Metadata | Target::Unspecified)) {
                report_host(&host, false, false, snippet(t, 0, 100), out, since);
            }
        }
    }
    // A URL-ish parameter whose value is a bare host (`localhost:8080/admin`, `[::1]`).
    if !header && !v.name.is_empty() && t.len() < 256 && url_param(v.name) {
        // `http:127.0.0.1` (no slashes) and `//host` are host references too.
        let tt = t.trim();
        let tt = ["http:", "https:", "HTTP:", "HTTPS:"].iter().find_map(|p| tt.strip_prefix(p)).unwrap_or(tt);
        let bare = tt.trim_start_matches("//");
        if !bare.contains("://") && !bare.is_empty() {
            let (host, _) = authority(bare);
            let looks_host = !host.is_empty() && host.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':'));
            if looks_host || bare.starts_with('[') {
                report_host(&host, false, false, snippet(t, 0, 100), out, since);
            }
        }
    }
}

fn report_host(host: &str, header: bool, with_scheme: bool, ev: String, out: &mut Vec<Hit>, since: usize) {
    let Some(c) = classify_host(host) else { return };
    match c.target {
        Target::Metadata => push_once(out, since, hit("ssrf.cloud-metadata", CLASS, 5, 1, ev)),
        Target::Loopback | Target::Unspecified => {
            if header {
                if c.obfuscated {
                    push_once(out, since, hit("ssrf.obfuscated-ip", CLASS, 5, 1, ev));
                } else {
                    push_once(out, since, hit("ssrf.loopback-header", CLASS, 2, 3, ev));
                }
            } else if c.obfuscated {
                push_once(out, since, hit("ssrf.obfuscated-ip", CLASS, 5, 1, ev));
            } else {
                push_once(out, since, hit("ssrf.loopback", CLASS, 5, 1, ev));
            }
        }
        Target::Private | Target::LinkLocal => {
            if c.obfuscated {
                push_once(out, since, hit("ssrf.obfuscated-ip", CLASS, 5, 1, ev));
            } else if !header {
                push_once(out, since, hit("ssrf.private-address", CLASS, 3, 1, ev));
            }
        }
        Target::Public => {
            if c.obfuscated && !header {
                push_once(out, since, hit("ssrf.obfuscated-ip", CLASS, 3, 1, ev));
            } else if c.is_ip && with_scheme && !header {
                push_once(out, since, hit("ssrf.ip-literal", CLASS, 2, 2, ev));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score(name: &str, text: &str) -> u32 {
        let mut out = Vec::new();
        scan(&Value { part: Part::QueryValue, name, text }, &mut out);
        out.iter().filter(|h| h.paranoia == 1).map(|h| h.score).sum()
    }

    #[test]
    fn ipv4_forms() {
        let lo = Ipv4Addr::new(127, 0, 0, 1);
        assert_eq!(parse_ipv4("127.0.0.1"), Some((lo, false)));
        assert_eq!(parse_ipv4("2130706433"), Some((lo, true)));
        assert_eq!(parse_ipv4("0x7f000001"), Some((lo, true)));
        assert_eq!(parse_ipv4("0177.0.0.1"), Some((lo, true)));
        assert_eq!(parse_ipv4("127.1"), Some((lo, true)));
        assert_eq!(parse_ipv4("0x41414141A9FEA9FE"), Some((Ipv4Addr::new(169, 254, 169, 254), true)));
        assert_eq!(parse_ipv4("256.1.1.1"), None);
        assert_eq!(parse_ipv4("example.com"), None);
        assert_eq!(parse_ipv4("1.2.3.4.5"), None);
    }

    #[test]
    fn attacks() {
        for (n, a) in [
            ("url", "http://169.254.169.254/latest/meta-data/"),
            ("url", "http://metadata.google.internal/computeMetadata/v1/"),
            ("url", "http://[fd00:ec2::254]/latest/"),
            ("url", "http://127.0.0.1:8080/admin"),
            ("x", "http://2130706433/"),
            ("x", "http://0x7f.1/"),
            ("x", "http://[::ffff:127.0.0.1]/"),
            ("x", "http://[::1]:80/"),
            ("x", "http://localhost/server-status"),
            ("x", "gopher://127.0.0.1:6379/_INFO"),
            ("x", "dict://attacker:11111/"),
            ("x", "file:///etc/passwd"),
            ("x", "http://user@169.254.169.254/"),
            ("x", "http://127.0.0.1.nip.io/"),
            ("x", "http://0/"),
            ("url", "localhost4.localdomain4/"),
            ("url", "[::]:80/"),
            ("x", "http://0251.0376.0251.0376/"),
            ("url", "ldap://evil.com:11211/\nstats\nquit"),
            ("url", "host.docker.internal/"),
            ("url", "http:127.0.0.1"),
            ("data", "http:127.0.0.1"),
            ("data", "https:/localhost/admin"),
            ("probe", "localhost/"),
            ("probe", "127.0.0.1:6379"),
            ("target", "ipv6-localhost/"),
            ("x", "metadata.google.internal/computeMetadata/v1/"),
            ("url", "LOCALHOST/"),
            ("x", "https://metadata.packet.net/userdata"),
        ] {
            assert!(score(n, a) >= 5, "{a}");
        }
    }

    #[test]
    fn benign() {
        for (n, b) in [
            ("next", "https://www.example.com/account?tab=1"),
            ("url", "https://github.com/org/repo"),
            ("redirect", "/dashboard"),
            ("q", "how do I configure 127.0.0.1 in my hosts file"),
            ("email", "alice@example.com"),
            ("v", "1.2.3"),
            ("url", "example.com/path"),
            ("host", "api.example.org"),
            ("version", "10.0.1"),
            ("x", "see https://en.wikipedia.org/wiki/Localhost"),
            ("profile", "my website is https://1.1.1.1 for dns"),
            ("ratio", "0/1"),
            ("note", "localhost"),
            ("file", "docs/localhost.md"),
            ("time", "12:30"),
            ("q", "127.5/2"),
            ("q", "http:example.com"),
            ("q", "metadata.json/v1"),
        ] {
            assert!(score(n, b) < 5, "{b}");
        }
    }
}
