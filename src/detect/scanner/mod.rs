//! Automated scanners: user agents and headers of well-known tools (sqlmap, Nikto,
//! Nuclei, Acunetix...), out-of-band interaction domains (Burp Collaborator,
//! interactsh) anywhere in the request: low scores, a scanner is context for other findings,
//! never an attack alone. Path probes (`probes`: backup/dump files, web shells, handler
//! confusion) are information-disclosure probing and score as attacks.

mod probes;

use std::sync::OnceLock;

use aho_corasick::AhoCorasick;

use super::textscan::{automaton, snippet};
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

/// Out-of-band interaction (OAST) domains.
const OAST: &[&str] = &[
    "burpcollaborator.net", "oastify.com", "interact.sh", "oast.pro", "oast.live", "oast.site",
    "oast.online", "oast.fun", "oast.me", "dnslog.cn", "ceye.io", "bxss.me", "xss.ht",
    "canarytokens.com", "requestrepo.com", "dnslog.link",
];

fn finding(rule: &'static str, location: String, evidence: String, score: u32, paranoia: u8) -> Finding {
    Finding { rule, class: CLASS, location, evidence, decoders: Vec::new(), score, paranoia }
}

/// Request-level scan.
pub fn scan_request(req: &HttpRequest, out: &mut Vec<Finding>) {
    static TOOLS_AC: OnceLock<Option<AhoCorasick>> = OnceLock::new();
    static OAST_AC: OnceLock<Option<AhoCorasick>> = OnceLock::new();
    if let Some(ua) = req.header("user-agent") {
        let b = ua.as_bytes();
        if let Some(ac) = TOOLS_AC.get_or_init(|| automaton(TOOLS)) {
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
    if let Some(ac) = OAST_AC.get_or_init(|| automaton(OAST)) {
        let body = req.body.get(..65536).unwrap_or(&req.body);
        let places = core::iter::once(("path", None, req.uri.as_bytes()))
            .chain(req.headers.iter().take(64).map(|(n, v)| ("header", Some(n.as_str()), v.as_slice())))
            .chain(core::iter::once(("body", None, body)));
        for (kind, name, bytes) in places {
            if let Some(m) = ac.find(bytes) {
                let text = String::from_utf8_lossy(bytes.get(m.start().saturating_sub(30)..(m.end() + 10).min(bytes.len())).unwrap_or_default()).into_owned();
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
