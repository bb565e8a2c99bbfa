//! Automated scanners: user agents and headers of well-known tools (sqlmap, Nikto,
//! Nuclei, Acunetix...), out-of-band interaction domains (Burp Collaborator,
//! interactsh) anywhere in the request: low scores, a scanner is context for other findings,
//! never an attack alone. Path probes (`probes`: backup/dump files, web shells, handler
//! confusion) are information-disclosure probing and score as attacks.

mod probes;

use std::sync::OnceLock;

use aho_corasick::AhoCorasick;

use super::textscan::snippet;
use super::Finding;
use crate::request::HttpRequest;

const CLASS: &str = "scanner";

/// Tool names as they appear in their default User-Agent (lower-case).
const TOOLS: &[&str] = &[
    "sqlmap", "nikto", "nuclei", "acunetix", "nmap scripting engine", "nmap nse", "masscan",
    "wpscan", "dirbuster", "gobuster", "ffuf", "feroxbuster", "wfuzz", "zgrab", "nessus",
    "openvas", "w3af", "arachni", "skipfish", "netsparker", "invicti", "burpsuite", "burp suite",
    "havij", "jaeles", "whatweb", "commix", "fimap", "xsstrike", "dalfox", "appscan",
    "webinspect", "paros", "zmeu", "morfeus", "zaproxy", "owasp zap", "sqlninja", "bsqlbf",
    "pangolin", "grabber", "nsauditor", "uniscan", "dotdotpwn", "joomscan", "droopescan",
    "cmsmap", "xspider", "webvulnscan", "detectify", "probely", "qualys", "hydra", "medusa",
    "brutus", "webshag", "vega/", "teh forest lobster", "crimscanner", "isc ssl scanner",
    "censysinspect", "l9explore", "l9tcpid", "httpx - open-source", "interactsh", "xray",
    "struts-pwn", "log4j-scan", "jndi-exploit", "mozilla/5.0 sf/", "dirb", "metis",
];

/// Headers only scanners send.
const HEADERS: &[&str] = &["acunetix-product", "acunetix-scanning-agreement", "acunetix-user-agreement", "x-wipp", "x-request-memo", "x-scan-memo", "x-scanner", "x-nessus", "x-arachni-scan-seed"];

/// Out-of-band interaction (OAST) domains, split at their only dot (`find_oast`).
const OAST: &[(&str, &str)] = &[
    ("burpcollaborator", "net"), ("oastify", "com"), ("interact", "sh"), ("oast", "pro"), ("oast", "live"), ("oast", "site"),
    ("oast", "online"), ("oast", "fun"), ("oast", "me"), ("dnslog", "cn"), ("ceye", "io"), ("bxss", "me"), ("xss", "ht"),
    ("canarytokens", "com"), ("requestrepo", "com"), ("dnslog", "link"),
];

/// Whether `c` may follow the dot of an OAST domain (the first letters of the parts after
/// the dot, either case; a test keeps it in step with `OAST`).
fn may_follow_dot(c: u8) -> bool {
    matches!(c.to_ascii_lowercase(), b'c' | b'f' | b'h' | b'i' | b'l' | b'm' | b'n' | b'o' | b'p' | b's')
}

/// The first OAST domain in `b` (ASCII case-insensitive): its (start, end), the match an
/// Aho-Corasick search reports first (the earliest end). Anchored on the dot each domain
/// has exactly one of, so text without dots costs one `memchr` pass.
/// Since no domain is a suffix of another and the part after a dot has no dot, the first
/// dot with a match holds the earliest-ending match, and it has only one.
fn find_oast(b: &[u8]) -> Option<(usize, usize)> {
    for d in memchr::memchr_iter(b'.', b) {
        if d == 0 || !b.get(d + 1).is_some_and(|&c| may_follow_dot(c)) {
            continue;
        }
        let mut best: Option<(usize, usize)> = None;
        for (pre, post) in OAST {
            let (Some(start), end) = (d.checked_sub(pre.len()), d + 1 + post.len()) else { continue };
            let hit = b.get(start..d).is_some_and(|x| x.eq_ignore_ascii_case(pre.as_bytes()))
                && b.get(d + 1..end).is_some_and(|x| x.eq_ignore_ascii_case(post.as_bytes()));
            if hit && best.is_none_or(|(_, e)| end < e) {
                best = Some((start, end));
            }
        }
        if best.is_some() {
            return best;
        }
    }
    None
}

fn finding(rule: &'static str, location: String, evidence: String, score: u32, paranoia: u8) -> Finding {
    Finding { rule, class: CLASS, location, evidence, decoders: Vec::new(), score, paranoia }
}

/// Request-level scan.
pub fn scan_request(req: &HttpRequest, out: &mut Vec<Finding>) {
    static TOOLS_AC: OnceLock<Option<AhoCorasick>> = OnceLock::new();
    if let Some(ua) = req.header("user-agent") {
        let b = ua.as_bytes();
        if let Some(ac) = TOOLS_AC.get_or_init(|| super::textscan::dfa(TOOLS)) {
            for m in ac.find_overlapping_iter(b).take(16) {
                let t = TOOLS.get(m.pattern().as_usize()).copied().unwrap_or_default();
                let (at, end) = (m.start(), m.end());
                // Whole-word-ish: `dirb` must not match `dirbot`, `xray` not `x-rays`.
                let before = at == 0 || !b.get(at - 1).is_some_and(|c| c.is_ascii_alphabetic());
                let after = !b.get(end).is_some_and(|c| c.is_ascii_alphabetic()) || t.ends_with('/');
                if before && after {
                    out.push(finding("scanner.user-agent", "header.user-agent".into(), snippet(&ua, 0, 100), 3, 1));
                    break;
                }
            }
        }
    }
    for (name, _) in &req.headers {
        if HEADERS.contains(&name.as_str()) {
            out.push(finding("scanner.header", format!("header.{name}"), name.clone(), 3, 1));
            break;
        }
    }
    // OAST domains in the target, headers or body.
    {
        let body = req.body.get(..65536).unwrap_or(&req.body);
        let places = core::iter::once(("path", None, req.uri.as_bytes()))
            .chain(req.headers.iter().take(64).map(|(n, v)| ("header", Some(n.as_str()), v.as_slice())))
            .chain(core::iter::once(("body", None, body)));
        for (kind, name, bytes) in places {
            if let Some((start, end)) = find_oast(bytes) {
                let text = String::from_utf8_lossy(bytes.get(start.saturating_sub(30)..(end + 10).min(bytes.len())).unwrap_or_default()).into_owned();
                let loc = match name {
                    Some(n) => format!("{kind}.{n}"),
                    None => kind.to_string(),
                };
                out.push(finding("scanner.oast-domain", loc, text, 3, 1));
                break;
            }
        }
    }
    // Path probes: backups and dumps, web shells, handler confusion.
    if let Some(p) = probes::classify_raw(req.path()) {
        out.push(finding(p.rule, "path".into(), format!("{}: {}", p.what, snippet(req.path(), 0, 100)), 5, 1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(uri: &str, ua: &str) -> HttpRequest {
        HttpRequest { method: "GET".into(), uri: uri.into(), headers: vec![("host".into(), b"a".to_vec()), ("user-agent".into(), ua.as_bytes().to_vec())], ..Default::default() }
    }
    fn rules(r: &HttpRequest) -> Vec<&'static str> {
        let mut out = Vec::new();
        scan_request(r, &mut out);
        assert!(out.iter().all(|f| f.score <= 3 || f.rule.ends_with("-probe") || f.rule == "scanner.handler-confusion"));
        out.iter().map(|f| f.rule).collect()
    }

    #[test]
    fn scanners() {
        assert!(rules(&req("/", "sqlmap/1.7.2#stable (https://sqlmap.org)")).contains(&"scanner.user-agent"));
        assert!(rules(&req("/", "Mozilla/5.00 (Nikto/2.1.6) (Evasions:None) (Test:000001)")).contains(&"scanner.user-agent"));
        assert!(rules(&req("/", "Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)")).contains(&"scanner.user-agent"));
        assert!(rules(&req("/?x=abc.oastify.com", "Mozilla/5.0")).contains(&"scanner.oast-domain"));
        assert!(rules(&req("/settings.php.swp", "Mozilla/5.0")).contains(&"scanner.backup-file-probe"));
        assert!(rules(&req("/wp-config.php~", "Mozilla/5.0")).contains(&"scanner.backup-file-probe"));
    }

    /// `find_oast` reports what an ASCII case-insensitive Aho-Corasick over the domains
    /// finds first, and its assumptions hold (no dot in either part, no domain a suffix of
    /// another).
    #[test]
    fn oast_search_matches_an_automaton() {
        let domains: Vec<String> = OAST.iter().map(|(a, b)| format!("{a}.{b}")).collect();
        for (a, b) in OAST {
            assert!(!a.is_empty() && !b.is_empty() && !a.contains('.') && !b.contains('.'), "{a}.{b}");
        }
        for d in &domains {
            for e in &domains {
                assert!(d == e || !e.ends_with(d.as_str()), "{d} is a suffix of {e}");
            }
        }
        for c in 0..=255u8 {
            let want = OAST.iter().any(|(_, post)| post.as_bytes().first().is_some_and(|f| f.eq_ignore_ascii_case(&c)));
            assert_eq!(may_follow_dot(c), want, "{c}");
        }
        let ac = crate::detect::textscan::dfa(&domains.iter().map(String::as_str).collect::<Vec<_>>()).expect("automaton");
        let pieces = [
            "oast", ".", "fun", "OAST.FUN", "x", "burpcollaborator", "net", "interact", "sh", "dnslog", "cn", "link", "ceye", "io",
            "bxss", "me", "xss", "ht", "oastify", "com", "canarytokens", "requestrepo", "pro", "live", "site", "online", "a.b",
            "..", "/", " ", "é", "Oast", "\u{0}",
        ];
        let mut seed: u64 = 0x0a57_d0a1_9e37_79b9;
        for n in 0..30_000 {
            let mut t = String::new();
            for _ in 0..n % 9 {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                t.push_str(pieces[(seed >> 33) as usize % pieces.len()]);
            }
            let want = ac.find(t.as_bytes()).map(|m| (m.start(), m.end()));
            assert_eq!(find_oast(t.as_bytes()), want, "{t:?}");
        }
    }

    #[test]
    fn browsers_are_quiet() {
        for ua in [
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            "curl/8.4.0",
            "python-requests/2.31.0",
        ] {
            assert!(rules(&req("/index.html", ua)).is_empty(), "{ua}");
        }
        assert!(rules(&req("/files/report.old.pdf", "Mozilla/5.0")).is_empty());
    }
}
