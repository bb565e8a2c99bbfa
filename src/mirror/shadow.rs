//! The original host of a mirrored copy: Envoy appends `-shadow` to the host part of
//! `:authority` (`shop.example.com-shadow:8080`, `10.0.0.7-shadow:8080`) unless
//! `disable_shadow_host_suffix_append` is set (the Istio ≥ 1.28 default).

/// Splits off a trailing `:port` (keeping IPv6 literals in brackets intact).
fn split_port(authority: &str) -> (&str, &str) {
    if authority.starts_with('[') {
        return match authority.split_once(']') {
            Some((h, _)) => authority.split_at_checked(h.len().saturating_add(1)).unwrap_or((authority, "")),
            None => (authority, ""),
        };
    }
    match authority.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => authority.split_at_checked(h.len()).unwrap_or((authority, "")),
        _ => (authority, ""),
    }
}

/// Returns the host without the `-shadow` suffix (port kept), and whether it had one.
pub fn strip_shadow(authority: &str) -> (String, bool) {
    let (host, port) = split_port(authority);
    match host.strip_suffix("-shadow") {
        Some(orig) if !orig.is_empty() => (format!("{orig}{port}"), true),
        _ => (authority.to_string(), false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odd_authorities_never_panic() {
        for a in ["", "[", "]", "[]", "[:", "]:80", "[::1", "[::1]:", ":", "::", "é:80", "a-shadow:é", "-shadow", "[é]-shadow:1"] {
            let (host, had) = strip_shadow(a);
            assert!(had || host == a, "{a:?} -> {host:?}");
        }
        assert_eq!(strip_shadow("[::1]-shadow:80"), ("[::1]-shadow:80".to_string(), false));
        assert_eq!(strip_shadow("h-shadow:"), ("h:".to_string(), true));
    }

    #[test]
    fn strips() {
        assert_eq!(strip_shadow("shop.example.com-shadow"), ("shop.example.com".into(), true));
        assert_eq!(strip_shadow("shop.example.com-shadow:8080"), ("shop.example.com:8080".into(), true));
        assert_eq!(strip_shadow("10.0.0.7-shadow:8080"), ("10.0.0.7:8080".into(), true));
        assert_eq!(strip_shadow("shop.example.com"), ("shop.example.com".into(), false));
        assert_eq!(strip_shadow("shop.example.com:8080"), ("shop.example.com:8080".into(), false));
        assert_eq!(strip_shadow("-shadow"), ("-shadow".into(), false));
        assert_eq!(strip_shadow("shadow"), ("shadow".into(), false));
        assert_eq!(strip_shadow("[::1]:80"), ("[::1]:80".into(), false));
        assert_eq!(strip_shadow("my-shadow-host"), ("my-shadow-host".into(), false));
        assert_eq!(strip_shadow(""), ("".into(), false));
    }
}
