//! The original context of a mirrored copy: who sent it (realip), which server it was meant
//! for (X-Server-Addr/Port or the receiver's own destination), the host without `-shadow`,
//! and whether it is a copy at all. Pure: inputs are header values and property strings.

pub mod cidr;
pub mod realip;
pub mod shadow;

use std::net::IpAddr;

use crate::config::Config;
use realip::ClientSource;

/// Where the server address/port came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerSource {
    /// The configured X-Server-Addr / X-Server-Port headers.
    Header,
    /// The receiver's own `destination.address` property (the copy's destination, not the original).
    Destination,
    /// Neither was usable.
    None,
}

impl ServerSource {
    pub fn as_str(self) -> &'static str {
        match self {
            ServerSource::Header => "header",
            ServerSource::Destination => "destination",
            ServerSource::None => "none",
        }
    }
}

/// What the shell reads from the host for one request, before any interpretation.
#[derive(Debug, Default, Clone)]
pub struct MirrorInputs<'a> {
    /// `:authority` (or `host`).
    pub authority: &'a str,
    /// Values of the configured forwarded-for header, in order.
    pub forwarded_for: Vec<&'a str>,
    pub server_addr_header: Option<&'a str>,
    pub server_port_header: Option<&'a str>,
    /// `source.address` property: the connection peer, `ip:port`.
    pub peer: Option<&'a str>,
    /// `destination.address` property: `ip:port` of the receiving listener.
    pub destination: Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MirrorContext {
    pub client_ip: Option<IpAddr>,
    pub client_source: ClientSource,
    pub peer: Option<IpAddr>,
    pub server_addr: Option<String>,
    pub server_port: Option<u16>,
    pub server_source: ServerSource,
    /// The original host (`-shadow` removed when configured).
    pub host: String,
    pub shadow_suffix: bool,
    /// A copy: it has the server headers or the `-shadow` suffix.
    pub mirrored: bool,
    pub notes: Vec<String>,
}

/// Splits `ip:port` / `[v6]:port` / bare address into parts.
fn split_addr(s: &str) -> (Option<IpAddr>, Option<u16>) {
    let s = s.trim();
    if let Ok(sa) = s.parse::<std::net::SocketAddr>() {
        return (Some(sa.ip()), Some(sa.port()));
    }
    (s.parse::<IpAddr>().ok(), None)
}

fn clip(s: &str) -> String {
    let mut out: String = s.chars().take(64).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

/// Whether a request is a mirrored copy, as `MirrorContext::resolve` decides it (the server
/// headers are present, or the host has the `-shadow` suffix), without resolving the rest:
/// the shell needs only this per request, the full context only for an event.
pub fn is_mirrored(authority: &str, has_server_addr_header: bool, has_server_port_header: bool) -> bool {
    has_server_addr_header || has_server_port_header || shadow::strip_shadow(authority).1
}

impl MirrorContext {
    pub fn resolve(cfg: &Config, inp: &MirrorInputs<'_>) -> MirrorContext {
        let mut notes = Vec::new();

        let peer = match inp.peer {
            Some(p) => {
                let ip = split_addr(p).0;
                if ip.is_none() {
                    notes.push(format!("source.address: unparsable '{}'", clip(p)));
                }
                ip
            }
            None => None,
        };
        let rip = realip::resolve(peer, &inp.forwarded_for, &cfg.real_ip.trusted, cfg.real_ip.recursive, &cfg.real_ip.header);
        notes.extend(rip.notes);

        // Server address/port: headers first, each falling back on its own.
        let (dest_ip, dest_port) = inp.destination.map(split_addr).unwrap_or((None, None));
        let addr_name = &cfg.mirror.server_addr_header;
        let header_addr = match inp.server_addr_header.map(str::trim) {
            Some(v) => match split_addr(v) {
                (Some(ip), _) => Some(ip.to_string()),
                _ => {
                    notes.push(format!("{addr_name}: invalid address '{}', using destination", clip(v)));
                    None
                }
            },
            None => {
                notes.push(format!("{addr_name}: missing, using destination"));
                None
            }
        };
        let port_name = &cfg.mirror.server_port_header;
        let header_port = match inp.server_port_header.map(str::trim) {
            Some(v) => match v.parse::<u16>() {
                Ok(p) if p != 0 => Some(p),
                _ => {
                    notes.push(format!("{port_name}: invalid port '{}', using destination", clip(v)));
                    None
                }
            },
            None => {
                if inp.server_addr_header.is_some() {
                    notes.push(format!("{port_name}: missing, using destination"));
                }
                None
            }
        };
        let from_header = header_addr.is_some() || header_port.is_some();
        let server_addr = header_addr.clone().or_else(|| dest_ip.map(|ip| ip.to_string()));
        let server_port = header_port.or(dest_port);
        let from_dest = (header_addr.is_none() && dest_ip.is_some()) || (header_port.is_none() && dest_port.is_some());
        let server_source = match (from_header, from_dest) {
            (_, true) => ServerSource::Destination,
            (true, false) => ServerSource::Header,
            (false, false) => ServerSource::None,
        };

        let (stripped, shadow_suffix) = shadow::strip_shadow(inp.authority);
        let host = if cfg.mirror.strip_shadow_suffix { stripped } else { inp.authority.to_string() };
        let mirrored = shadow_suffix || inp.server_addr_header.is_some() || inp.server_port_header.is_some();
        if !mirrored {
            // Not a copy: the missing-header notes are noise for direct traffic.
            notes.retain(|n| !n.ends_with(": missing, using destination"));
        }

        MirrorContext {
            client_ip: rip.ip,
            client_source: rip.source,
            peer,
            server_addr,
            server_port,
            server_source,
            host,
            shadow_suffix,
            mirrored,
            notes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(json: &str) -> Config {
        Config::parse(json.as_bytes()).unwrap()
    }

    #[test]
    fn is_mirrored_agrees_with_resolve() {
        let c = cfg("{}");
        for authority in ["shop", "shop-shadow", "shop-shadow:8080", "[::1]-shadow:80", "", "-shadow", "10.0.0.7-shadow:8080"] {
            for addr in [None, Some("10.0.0.5"), Some("junk")] {
                for port in [None, Some("8080")] {
                    let inp = MirrorInputs { authority, server_addr_header: addr, server_port_header: port, ..Default::default() };
                    let full = MirrorContext::resolve(&c, &inp).mirrored;
                    assert_eq!(is_mirrored(authority, addr.is_some(), port.is_some()), full, "{authority} {addr:?} {port:?}");
                }
            }
        }
    }

    #[test]
    fn full_mirror_context() {
        let c = cfg(r#"{"real_ip": {"trusted_proxies": ["127.0.0.0/8", "192.0.2.2"], "recursive": true}}"#);
        let inp = MirrorInputs {
            authority: "shop.example.com-shadow:8080",
            forwarded_for: vec!["203.0.113.9,192.0.2.2,192.0.2.2"],
            server_addr_header: Some("10.0.0.5"),
            server_port_header: Some("8080"),
            peer: Some("127.0.0.1:40000"),
            destination: Some("127.0.0.1:10001"),
        };
        let m = MirrorContext::resolve(&c, &inp);
        assert_eq!(m.client_ip, Some("203.0.113.9".parse().unwrap()));
        assert_eq!(m.client_source, ClientSource::Header);
        assert_eq!(m.server_addr.as_deref(), Some("10.0.0.5"));
        assert_eq!(m.server_port, Some(8080));
        assert_eq!(m.server_source, ServerSource::Header);
        assert_eq!(m.host, "shop.example.com:8080");
        assert!(m.mirrored && m.shadow_suffix);
        assert!(m.notes.is_empty(), "{:?}", m.notes);
    }

    #[test]
    fn fallbacks_and_notes() {
        let c = cfg("{}");
        let inp = MirrorInputs {
            authority: "api-shadow",
            server_addr_header: Some("not-an-ip"),
            server_port_header: Some("99999"),
            peer: Some("10.1.1.1:0"),
            destination: Some("10.9.9.9:15006"),
            ..Default::default()
        };
        let m = MirrorContext::resolve(&c, &inp);
        assert_eq!(m.server_addr.as_deref(), Some("10.9.9.9"));
        assert_eq!(m.server_port, Some(15006));
        assert_eq!(m.server_source, ServerSource::Destination);
        assert_eq!(m.notes.len(), 2, "{:?}", m.notes);
        assert!(m.notes[0].contains("x-server-addr: invalid address 'not-an-ip'"));
        assert_eq!(m.client_ip, Some("10.1.1.1".parse().unwrap()));
        assert_eq!(m.host, "api");
    }

    #[test]
    fn direct_traffic_is_not_mirrored() {
        let c = cfg(r#"{"mirror": {"strip_shadow_suffix": false}}"#);
        let inp = MirrorInputs { authority: "api.local", peer: Some("[2001:db8::1]:5000"), destination: Some("[::1]:80"), ..Default::default() };
        let m = MirrorContext::resolve(&c, &inp);
        assert!(!m.mirrored);
        assert!(m.notes.is_empty(), "{:?}", m.notes);
        assert_eq!(m.peer, Some("2001:db8::1".parse().unwrap()));
        assert_eq!(m.server_addr.as_deref(), Some("::1"));
        assert_eq!(m.server_source, ServerSource::Destination);
        let inp = MirrorInputs { authority: "api-shadow", ..Default::default() };
        let m = MirrorContext::resolve(&c, &inp);
        assert!(m.mirrored);
        assert_eq!(m.host, "api-shadow", "suffix kept when strip_shadow_suffix is false");
        assert_eq!(m.server_source, ServerSource::None);
    }
}
