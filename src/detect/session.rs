//! Session fixation: a request that hands the application a session identifier through a
//! *parameter* (query, form or JSON key named like a framework's session cookie:
//! `JSESSIONID`, `PHPSESSID`, `ASP.NET_SessionId`, `connect.sid`, `laravel_session`…)
//! while it comes from another site (an off-domain `Referer`) or from no page at all (no
//! `Referer`): the shape of a link an attacker sends so the victim logs in under a session
//! id the attacker knows. Also values that write a cookie from script or markup
//! (`document.cookie="sid=…; domain=…"`, `http-equiv="Set-Cookie"`).

use super::gate::Triggers;
use super::textscan::{find_ci, find_ci_from, hit, push_once, snippet};
use super::{Finding, Hit, Part, Value};
use crate::request::body::{classify, BodyKind};
use crate::request::{json, query, HttpRequest};

const CLASS: &str = "session";
/// Arguments looked at per request.
const MAX_ARGS: usize = 256;
/// Body bytes parsed for argument names.
const MAX_BODY_BYTES: usize = 65_536;
/// Bytes of a value searched for cookie writes.
const MAX_BYTES: usize = 8192;

/// Session cookie names of frameworks that a suffix rule does not recognise
/// (lower-case, without `__Host-`/`__Secure-` prefixes).
const KNOWN_NAMES: &[&str] = &[
    "cfid", "cftoken", "cfsid", "cakephp", "meteor_login_token", "shiny-token", "next-auth.session-token",
    "authjs.session-token", "symfony", "ci_session", "laravel_session", "_rails_session", "_session_id",
];

/// Whether an argument name is a session cookie's name. Names are matched by shape: the
/// `…sessionid`/`…sessid`/`…session_id` family (`jsessionid`, `aspsessionidqcqbsdqa`,
/// `zend_session_id`), `<prefix>session` and `<prefix>_session`/`.session` (`phpsession`,
/// `weblogicsession`, `rack.session`, `play_session`), `<prefix>.sid` and `.sess`
/// (`connect.sid`, `sails.sid`, `koa.sess`, `koa:sess`), and a few framework names. Bare
/// `session`, `sid` and `…_token` names (API tokens, CSRF tokens) are not session cookies.
pub fn session_name(name: &str) -> bool {
    if name.len() < 4 || name.len() > 64 {
        return false;
    }
    let n = name.to_ascii_lowercase();
    let n = n.strip_prefix("__host-").or_else(|| n.strip_prefix("__secure-")).unwrap_or(&n);
    if KNOWN_NAMES.contains(&n) {
        return true;
    }
    if !n.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b':')) {
        return false;
    }
    let id_family = ["sessionid", "sessid", "session_id", "session-id", "sessionkey", "session_key"];
    if id_family.iter().any(|f| n.ends_with(f)) || n.starts_with("aspsessionid") {
        return true;
    }
    // `<prefix>session`: the prefix is a framework name (2+ letters), not a word that
    // makes the name mean something else.
    if let Some(prefix) = n.strip_suffix("session") {
        let prefix = prefix.trim_end_matches(['_', '.', '-', ':']);
        return prefix.len() >= 2 && !matches!(prefix, "last" | "next" | "prev" | "previous" | "current" | "new" | "my" | "user" | "training" | "study" | "chat" | "game" | "class");
    }
    ["sid", "sess"].iter().any(|s| n.strip_suffix(s).is_some_and(|p| p.len() >= 3 && (p.ends_with('.') || p.ends_with(':'))))
}

/// The host of a `Referer` URL (lower-case, without userinfo, port or trailing dot).
fn referer_host(r: &str) -> Option<String> {
    let (scheme, rest) = r.trim().split_once("://")?;
    if scheme.is_empty() || !scheme.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.')) {
        return None;
    }
    let auth = rest.split(['/', '?', '#']).next()?;
    let auth = auth.rsplit('@').next()?;
    let host = if let Some(v6) = auth.strip_prefix('[') { v6.split(']').next()? } else { auth.split(':').next()? };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    (!host.is_empty()).then_some(host)
}

/// The request's own host from `Host` (port and Envoy's mirror suffix `-shadow` removed).
fn own_host(req: &HttpRequest) -> Option<String> {
    let h = req.header("host")?;
    let h = h.trim();
    let h = if let Some(v6) = h.strip_prefix('[') { v6.split(']').next()? } else { h.split(':').next()? };
    let h = h.trim_end_matches('.').to_ascii_lowercase();
    let h = h.strip_suffix("-shadow").map(str::to_string).unwrap_or(h);
    (!h.is_empty()).then_some(h)
}

/// How the request reached the application, as far as fixation goes.
enum Origin {
    /// A `Referer` from another site (its host).
    OffSite(String),
    /// No `Referer` at all.
    None,
}

fn origin(req: &HttpRequest) -> Option<Origin> {
    let Some(r) = req.header("referer") else { return Some(Origin::None) };
    let rh = referer_host(&r)?;
    // Without the request's own host there is nothing to compare with. The same site is
    // the host itself, a subdomain of it, or a parent domain of it; a sibling subdomain
    // (`evil.example.com` linking to `app.example.com`) is another site: it may be
    // someone else's, and it can set cookies for the parent domain.
    let own = own_host(req)?;
    let same = rh == own || rh.ends_with(&format!(".{own}")) || own.ends_with(&format!(".{rh}"));
    (!same).then_some(Origin::OffSite(rh))
}

/// The argument names of the request (query, urlencoded or JSON body) that are session
/// cookie names, with their locations.
fn session_args(req: &HttpRequest) -> Vec<(String, String)> {
    let mut found = Vec::new();
    if let Some(q) = req.query() {
        for p in query::parse_form(q.as_bytes(), MAX_ARGS).0 {
            if session_name(&p.name) && found.len() < 4 {
                found.push((p.name.to_string(), format!("query.{}", p.name)));
            }
        }
    }
    let b = req.body.get(..MAX_BODY_BYTES).unwrap_or(&req.body);
    if b.is_empty() {
        return found;
    }
    match classify(req.header("content-type").as_deref(), b).0 {
        BodyKind::Form => {
            for p in query::parse_form(b, MAX_ARGS).0 {
                if session_name(&p.name) && found.len() < 4 {
                    found.push((p.name.to_string(), format!("body.{}", p.name)));
                }
            }
        }
        BodyKind::Json => {
            json::walk_each(b, 16, MAX_ARGS, |it| {
                if it.is_key && session_name(&it.text) && found.len() < 4 {
                    let mut loc = String::from("body.");
                    it.path.write_to(&mut loc);
                    if loc.len() > "body.".len() {
                        loc.push('.');
                    }
                    loc.push_str(&it.text);
                    found.push((it.text.to_string(), loc));
                }
            });
        }
        _ => {}
    }
    found
}

/// Request level: a session id passed as a parameter from another site or from nowhere.
pub fn scan_request(req: &HttpRequest, out: &mut Vec<Finding>) {
    // Cheap test first: no argument can be a session name without one of these (see
    // `session_name` and `KNOWN_NAMES`).
    let q = req.query().unwrap_or_default().as_bytes();
    let b = req.body.get(..MAX_BODY_BYTES).unwrap_or(&req.body);
    static HINTS: std::sync::OnceLock<Option<aho_corasick::AhoCorasick>> = std::sync::OnceLock::new();
    let Some(hints) = HINTS.get_or_init(|| super::textscan::automaton(&["sess", ".sid", ":sid", "%2esid", "%3asid", "cfsid", "cfid", "cftoken", "cakephp", "login_token", "shiny-token", "symfony"])).as_ref() else { return };
    if !(hints.is_match(q) || !b.is_empty() && hints.is_match(b)) {
        return;
    }
    let Some(from) = origin(req) else { return };
    for (name, location) in session_args(req) {
        let (rule, evidence) = match &from {
            Origin::OffSite(h) => ("session.fixation-offsite", format!("{name} (Referer {h})")),
            Origin::None => ("session.fixation-no-referer", format!("{name} (no Referer)")),
        };
        out.push(Finding { rule, class: CLASS, location, evidence, decoders: Vec::new(), score: 5, paranoia: 1 });
    }
}

/// What a value must contain for the per-value rule to match (see `gate`).
pub const TRIGGERS: Triggers = Triggers { anywhere: &[&[".cookie", "http-equiv"]], ..Triggers::NONE };

/// Per-value scan: script or markup that writes a cookie with its scope
/// (`document.cookie="sid=1; domain=.example.com"`, `<meta http-equiv="Set-Cookie" …>`).
pub fn scan(v: &Value<'_>, out: &mut Vec<Hit>) {
    let full = v.text;
    let t = full.get(..super::textscan::floor_char(full, MAX_BYTES)).unwrap_or(full);
    let since = out.len();
    let b = t.as_bytes();
    let prose = matches!(v.part, Part::BodyValue | Part::BodyRaw) && t.bytes().filter(|&c| c == b' ').count() > 12;
    let (score, pl) = if prose { (3, 2) } else { (5, 1) };
    let mut from = 0;
    while let Some(at) = find_ci_from(t, ".cookie", from) {
        from = at + 7;
        if !super::textscan::word_end(b, at + 7) {
            continue;
        }
        // The cookie string's attributes: `;` then `expires`/`domain`/`path`/`max-age` `=`.
        let rest = t.get(at + 7..).unwrap_or_default();
        let rest = rest.get(..super::textscan::floor_char(rest, 300)).unwrap_or_default();
        let scoped = rest.split(';').skip(1).any(|attr| {
            let a = attr.trim_start_matches(|c: char| !c.is_ascii_alphanumeric()).to_ascii_lowercase();
            ["expires", "domain", "path", "max-age"].iter().any(|k| a.strip_prefix(k).is_some_and(|r| r.trim_start_matches(|c: char| !c.is_ascii_alphanumeric() && c != '=').starts_with('=')))
        });
        if scoped {
            push_once(out, since, hit("session.cookie-write", CLASS, score, pl, snippet(t, at, at + 80)));
            break;
        }
    }
    if let Some(at) = find_ci(t, "http-equiv") {
        let rest = t.get(at + 10..).unwrap_or_default();
        let head = rest.trim_start_matches(|c: char| !c.is_ascii_alphanumeric());
        if head.get(..10).is_some_and(|h| h.eq_ignore_ascii_case("set-cookie")) {
            push_once(out, since, hit("session.cookie-write", CLASS, score, pl, snippet(t, at, at + 80)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(uri: &str, headers: &[(&str, &str)]) -> Vec<Finding> {
        let mut req = HttpRequest::test_post(uri, headers, "");
        req.method = "GET".into();
        let mut out = Vec::new();
        scan_request(&req, &mut out);
        out
    }

    #[test]
    fn names() {
        for n in [
            "JSESSIONID", "PHPSESSID", "ASP.NET_SessionId", "ASPSESSIONIDQAQBRTCS", "connect.sid", "sails.sid", "koa.sess", "koa:sess",
            "laravel_session", "_rails_session", "rack.session", "play_session", "_flask_session", "zend_session_id", "session-id",
            "sessionid", "cfid", "CFTOKEN", "__Secure-next-auth.session-token", "weblogicsession", "phpsession", "jwsession",
        ] {
            assert!(session_name(n), "{n}");
            // The request-level pass's cheap hint test lets every one of them through.
            assert_eq!(get(&format!("/a?{n}=x1"), &[("host", "a.example")]).len(), 1, "{n}");
        }
        for n in ["session", "sid", "session_token", "access_token", "csrf_token", "lastsession", "sessions", "consider", "pid", "training_session", "x.sid.y"] {
            assert!(!session_name(n), "{n}");
        }
    }

    #[test]
    fn fixation() {
        let f = get("/login?PHPSESSID=abc123", &[("host", "shop.example.com"), ("referer", "https://evil.example.net/x")]);
        assert_eq!(f.len(), 1);
        assert_eq!(f.first().map(|f| f.rule), Some("session.fixation-offsite"));
        let f = get("/login?jsessionid=abc", &[("host", "shop.example.com")]);
        assert_eq!(f.first().map(|f| f.rule), Some("session.fixation-no-referer"));
        // Envoy's mirror suffix and ports are ignored; subdomains of the same site are the same site.
        for (host, referer) in [
            ("shop.example.com-shadow", "https://shop.example.com/cart"),
            ("shop.example.com:8443", "https://a.shop.example.com/"),
            ("www.example.co.uk", "http://example.co.uk/a"),
            ("10.0.0.5:8080", "http://10.0.0.5/x"),
        ] {
            assert!(get("/login?sessionid=abc", &[("host", host), ("referer", referer)]).is_empty(), "{host} {referer}");
        }
        // Other parameters, or another site with no session parameter: nothing.
        assert_eq!(get("/login?sid=1&PHPSESSID=a", &[("host", "shop.example.com"), ("referer", "https://blog.example.com/")]).len(), 1);
        assert!(get("/login?user=a&token=b", &[("host", "shop.example.com")]).is_empty());
        assert!(get("/login?session=morning", &[("host", "shop.example.com")]).is_empty());
        assert!(get("/login?user=a", &[("host", "shop.example.com"), ("referer", "https://evil.example.net/")]).is_empty());
        // Off-site with no own host to compare with: not judged.
        assert!(get("/login?sessionid=a", &[("referer", "https://evil.example.net/")]).is_empty());
    }

    #[test]
    fn fixation_in_bodies() {
        let mut out = Vec::new();
        let req = HttpRequest::test_post("/login", &[("host", "a.example"), ("referer", "https://b.example/"), ("content-type", "application/x-www-form-urlencoded")], "user=x&ASP.NET_SessionId=abc");
        scan_request(&req, &mut out);
        assert_eq!(out.len(), 1);
        out.clear();
        let req = HttpRequest::test_post("/api", &[("host", "a.example"), ("content-type", "application/json")], r#"{"auth":{"connect.sid":"s:abc"}}"#);
        scan_request(&req, &mut out);
        assert_eq!(out.first().map(|f| f.location.as_str()), Some("body.auth.connect.sid"));
    }

    fn score(text: &str) -> u32 {
        let mut out = Vec::new();
        scan(&Value { part: Part::QueryValue, name: "q", text }, &mut out);
        out.iter().filter(|h| h.paranoia == 1).map(|h| h.score).sum()
    }

    #[test]
    fn cookie_writes() {
        for v in [
            "<script>document.cookie=\"sid=1; domain=.example.com\"</script>",
            "x';document.cookie='PHPSESSID=abc;path=/';'",
            ".cookie;expires=",
            "<meta http-equiv=\"Set-Cookie\" content=\"sid=1\">",
        ] {
            assert!(score(v) >= 5, "{v}");
        }
        for v in ["I like cookies; expires soon", "document.cookie", "fortune.cookies; path=/a", "<meta http-equiv=\"refresh\" content=\"5\">"] {
            assert_eq!(score(v), 0, "{v}");
        }
    }
}
