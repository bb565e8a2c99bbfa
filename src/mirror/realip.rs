//! The real client address, with the semantics of nginx's realip module
//! (`set_real_ip_from`, `real_ip_header`, `real_ip_recursive`), so a Wallarm/nginx operator
//! gets the same answer here.
//!
//! nginx (`ngx_http_get_forwarded_addr_internal`): only when the peer is trusted is the header
//! consulted. Non-recursive, the last address in the header is the client. Recursive, the
//! walk goes right to left while the address just taken is trusted, and stops at the first
//! untrusted one (or at the leftmost). An entry that does not parse stops the walk, keeping
//! the address reached so far. Entries may carry ports (`1.2.3.4:80`, `[2001:db8::1]:443`).
//! Several header lines are read as one comma-joined list, as nginx ≥ 1.23 does.

use std::net::IpAddr;

use super::cidr::{any_contains, Cidr};

/// Where the client address came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientSource {
    /// From the configured forwarded-for header.
    Header,
    /// The connection peer (untrusted peer, no header, or nothing usable in it).
    Peer,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RealIp {
    pub ip: Option<IpAddr>,
    pub source: ClientSource,
    /// Problems worth putting on the event (malformed entries, missing peer).
    pub notes: Vec<String>,
}

/// Parses one forwarded-for entry: an address, optionally with a port, IPv6 optionally bracketed.
pub fn parse_entry(s: &str) -> Option<IpAddr> {
    let s = s.trim();
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Some(rest) = s.strip_prefix('[') {
        let (inner, after) = rest.split_once(']')?;
        let ok_port = after.is_empty() || after.strip_prefix(':').is_some_and(valid_port);
        return if ok_port { inner.parse::<std::net::Ipv6Addr>().ok().map(IpAddr::V6) } else { None };
    }
    let (host, port) = s.rsplit_once(':')?;
    if !valid_port(port) {
        return None;
    }
    host.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
}

fn valid_port(p: &str) -> bool {
    !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()) && p.parse::<u32>().is_ok_and(|n| n <= 65535)
}

/// Parses an address that may carry a port (Envoy's `source.address` is `ip:port` or `[v6]:port`).
pub fn parse_socket_addr(s: &str) -> Option<IpAddr> {
    parse_entry(s)
}

/// Resolves the client: `peer` is the TCP peer, `header_values` every value of the
/// forwarded-for header in order (empty when absent).
pub fn resolve(peer: Option<IpAddr>, header_values: &[&str], trusted: &[Cidr], recursive: bool, header_name: &str) -> RealIp {
    let mut notes = Vec::new();
    let Some(peer_ip) = peer else {
        notes.push("client: peer address unknown".to_string());
        return RealIp { ip: None, source: ClientSource::Peer, notes };
    };
    if trusted.is_empty() || !any_contains(trusted, peer_ip) || header_values.is_empty() {
        return RealIp { ip: Some(peer_ip), source: ClientSource::Peer, notes };
    }
    // Entries, left to right, across all header lines; empty entries (", ,") are skipped as nginx does.
    let entries: Vec<&str> = header_values
        .iter()
        .flat_map(|v| v.split(','))
        .map(|e| e.trim_matches(|c| c == ' ' || c == '\t'))
        .filter(|e| !e.is_empty())
        .collect();
    let mut current = peer_ip;
    let mut found = false;
    for entry in entries.iter().rev() {
        if !any_contains(trusted, current) {
            break;
        }
        match parse_entry(entry) {
            Some(ip) => {
                current = ip;
                found = true;
            }
            None => {
                notes.push(format!("{header_name}: invalid entry '{}'", truncate(entry, 64)));
                break;
            }
        }
        if !recursive {
            break;
        }
    }
    RealIp { ip: Some(current), source: if found { ClientSource::Header } else { ClientSource::Peer }, notes }
}

fn truncate(s: &str, n: usize) -> String {
    let mut out: String = s.chars().take(n).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cidrs(v: &[&str]) -> Vec<Cidr> {
        v.iter().map(|s| Cidr::parse(s).unwrap()).collect()
    }

    /// (peer, XFF header lines, trusted, recursive, expected client, expected source)
    /// Expected values follow nginx 1.22+ realip behaviour.
    #[test]
    fn nginx_realip_table() {
        use ClientSource::*;
        let t = &["10.0.0.0/8", "192.0.2.2/32", "2001:db8:ffff::/48"];
        let cases: &[(&str, &[&str], &[&str], bool, &str, ClientSource)] = &[
            // untrusted peer: header ignored
            ("198.51.100.9", &["1.1.1.1"], t, false, "198.51.100.9", Peer),
            // trusted peer, non-recursive: last entry, even if it is itself trusted
            ("10.0.0.1", &["1.1.1.1, 10.0.0.2"], t, false, "10.0.0.2", Header),
            ("10.0.0.1", &["1.1.1.1"], t, false, "1.1.1.1", Header),
            // recursive: skip trusted entries from the right
            ("10.0.0.1", &["1.1.1.1, 10.0.0.2"], t, true, "1.1.1.1", Header),
            ("10.0.0.1", &["5.5.5.5, 1.1.1.1, 10.0.0.2, 192.0.2.2"], t, true, "1.1.1.1", Header),
            // recursive: all trusted -> leftmost
            ("10.0.0.1", &["10.0.0.3, 10.0.0.2"], t, true, "10.0.0.3", Header),
            // untrusted proxy in the middle stops the walk there
            ("10.0.0.1", &["1.1.1.1, 203.0.113.50, 10.0.0.2"], t, true, "203.0.113.50", Header),
            // no trusted proxies configured: peer
            ("10.0.0.1", &["1.1.1.1"], &[], true, "10.0.0.1", Peer),
            // no header
            ("10.0.0.1", &[], t, true, "10.0.0.1", Peer),
            // empty header value / only separators
            ("10.0.0.1", &[" , ,"], t, true, "10.0.0.1", Peer),
            // garbage last entry: walk stops, peer kept
            ("10.0.0.1", &["1.1.1.1, garbage"], t, true, "10.0.0.1", Peer),
            // garbage further left: stops at the last good (trusted) address
            ("10.0.0.1", &["junk, 10.0.0.7"], t, true, "10.0.0.7", Header),
            // ports
            ("10.0.0.1", &["1.1.1.1:5555, 10.0.0.2:80"], t, true, "1.1.1.1", Header),
            ("10.0.0.1", &["[2001:db8::1]:443"], t, false, "2001:db8::1", Header),
            // IPv6 peer and entries
            ("2001:db8:ffff::1", &["2001:db8::7, 2001:db8:ffff::2"], t, true, "2001:db8::7", Header),
            ("2001:db8:ffff::1", &["2001:db8::7"], t, false, "2001:db8::7", Header),
            ("2001:db8:aaaa::1", &["2001:db8::7"], t, false, "2001:db8:aaaa::1", Peer),
            // v4-mapped peer matches v4 trusted range
            ("::ffff:10.0.0.1", &["1.1.1.1"], t, false, "1.1.1.1", Header),
            // several header lines read as one list
            ("10.0.0.1", &["1.1.1.1", "10.0.0.2"], t, true, "1.1.1.1", Header),
            // the Envoy mirror shape: client, front's own address twice
            ("127.0.0.1", &["203.0.113.9,192.0.2.2,192.0.2.2"], &["127.0.0.0/8", "192.0.2.2"], true, "203.0.113.9", Header),
        ];
        for (peer, hdr, trusted, rec, want, src) in cases {
            let r = resolve(Some(peer.parse().unwrap()), hdr, &cidrs(trusted), *rec, "x-forwarded-for");
            assert_eq!(r.ip, Some(want.parse().unwrap()), "peer={peer} hdr={hdr:?} rec={rec}");
            assert_eq!(r.source, *src, "peer={peer} hdr={hdr:?} rec={rec}");
        }
    }

    #[test]
    fn garbage_gets_a_note() {
        let r = resolve(Some("10.0.0.1".parse().unwrap()), &["1.1.1.1, <script>"], &cidrs(&["10.0.0.0/8"]), true, "x-forwarded-for");
        assert_eq!(r.notes, vec!["x-forwarded-for: invalid entry '<script>'".to_string()]);
        let r = resolve(None, &["1.1.1.1"], &cidrs(&["10.0.0.0/8"]), true, "x-forwarded-for");
        assert_eq!(r.ip, None);
        assert!(!r.notes.is_empty());
    }

    #[test]
    fn entries() {
        assert_eq!(parse_entry(" 1.2.3.4 "), Some("1.2.3.4".parse().unwrap()));
        assert_eq!(parse_entry("1.2.3.4:80"), Some("1.2.3.4".parse().unwrap()));
        assert_eq!(parse_entry("[::1]:80"), Some("::1".parse().unwrap()));
        assert_eq!(parse_entry("[::1]"), Some("::1".parse().unwrap()));
        assert_eq!(parse_entry("::1"), Some("::1".parse().unwrap()));
        for bad in ["1.2.3.4:99999", "1.2.3.4:", "[::1]x", "unknown", "1.2.3", "[1.2.3.4]", ""] {
            assert_eq!(parse_entry(bad), None, "{bad}");
        }
    }
}
