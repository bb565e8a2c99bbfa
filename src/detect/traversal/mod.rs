//! Path traversal and local file inclusion. A value is normalised the way the most
//! lenient server or file API would read it (`normalise`: every percent/overlong/Unicode/
//! lenient-hex/junk decoding attackers use), then walked segment by segment (`walk`): a
//! path that climbs above its starting point escapes its root. A second rule recognises
//! sensitive files and directories by path component (`names`: categorised lists of system
//! files, secrets, VCS/IDE/AI-assistant metadata and logs).

mod names;
mod normalise;

pub use normalise::{normalise, Normalised};

use super::gate::Triggers;
use super::textscan::{hit, push_once, snippet};
use super::{Finding, Hit, Part, Value};
use crate::request::HttpRequest;
use names::Kind;

const CLASS: &str = "traversal";
/// Bytes of a value that are normalised and walked.
const MAX_BYTES: usize = 4096;

/// Whether a value is one token (no whitespace or markup), as a path parameter is.
fn single_token(text: &str) -> bool {
    !text.trim().bytes().any(|b| b.is_ascii_whitespace() || b == b'<' || b == b'"')
}

/// What a value must contain for any rule of this class to match (see `gate`): exactly the
/// prefilter at the top of `scan`. Add a trigger here with every new rule.
pub const TRIGGERS: Triggers = Triggers {
    bytes: b"./\\%\xef",
    anywhere: &[&["0x", "\u{2024}", "\u{2044}", "\u{2215}", "\u{2216}", "\u{29F8}", "\u{29F9}"]],
    ..Triggers::NONE
};

/// Per-value scan.
pub fn scan(v: &Value<'_>, out: &mut Vec<Hit>) {
    let t = v.text;
    // Prefilter: nothing to do without a dot, a slash or an escape.
    if !t.bytes().any(|b| matches!(b, b'.' | b'/' | b'\\' | b'%' | 0xef)) && !t.contains("0x") && !has_lookalike_separator(t.as_bytes()) {
        return;
    }
    let since = out.len();
    let input = t.as_bytes().get(..MAX_BYTES).unwrap_or(t.as_bytes());
    // Fast path: nothing to decode or fold, and no parent segment possible.
    let plain = !input.iter().any(|&b| matches!(b, b'%' | b'\\' | b'?' | 0..=0x1f | 0x7f..=0xff))
        && memchr::memmem::find(input, b"..").is_none()
        && memchr::memmem::find(input, b"//").is_none()
        && !normalise::needs_decoding(input);
    let norm = if plain { Normalised::default() } else { normalise(input) };
    let text = if plain { std::borrow::Cow::Borrowed(t) } else { String::from_utf8_lossy(&norm.bytes) };
    let walk = if plain { Walk::default() } else { walk(&text) };
    let is_path = v.part == Part::Path;
    let single = single_token(&text);
    let ev = || snippet(&text, 0, text.len());
    if walk.escapes >= 2 || (is_path && walk.escapes >= 1) || (walk.abs_escape && single) {
        // Two levels up, or above `/` itself (`/../x`): no application path does that.
        push_once(out, since, hit("traversal.escape-root", CLASS, 5, 1, ev()));
    } else if is_path && walk.param_parent {
        // `/app/..;/manager/html`: Tomcat/Jetty climb out of the mapped prefix that the
        // proxy in front authorised (path-parameter confusion).
        push_once(out, since, hit("traversal.path-param-parent", CLASS, 5, 1, ev()));
    } else if walk.escapes == 1 && v.name.eq_ignore_ascii_case("filename") {
        // An upload whose file name climbs out of the upload directory.
        push_once(out, since, hit("traversal.upload-filename", CLASS, 5, 1, ev()));
    } else if walk.escapes == 1 {
        // One level up: a path value (`../config.php`) is a traversal; a bare `..` is
        // suspicious; a `../` link inside markup or prose (`<a href="../">`) is ordinary.
        // Distinct rule ids per strength: the engine keeps the first finding of a rule at
        // a location, and another decoded variant may show the stronger form.
        let (rule, score, pl) = match (single, text.contains('/')) {
            (true, true) => ("traversal.parent-dir", 5, 1),
            (true, false) => ("traversal.parent-dir-bare", 3, 1),
            _ => ("traversal.parent-dir-text", 2, 2),
        };
        push_once(out, since, hit(rule, CLASS, score, pl, ev()));
    } else if walk.dotdot > 0 && !is_path {
        // `a/../b` that stays inside: harmless, but unusual in a parameter.
        push_once(out, since, hit("traversal.dotdot", CLASS, 2, 3, ev()));
    }
    let trimmed = text.trim_start();
    let abs = trimmed.starts_with('/') || trimmed.as_bytes().get(1) == Some(&b':');
    let [system, secret, log] = names::find(&text);
    let evidence = |f: &names::Found| format!("{}: {}", f.category.name, snippet(&text, f.at, f.at + f.name.len() + 40));
    if let Some(f) = system {
        push_once(out, since, hit("traversal.system-file", CLASS, 5, 1, evidence(&f)));
    }
    if let Some(f) = secret {
        let strong = matches!(v.part, Part::Path | Part::QueryValue | Part::Cookie) || single;
        if strong {
            push_once(out, since, hit("traversal.config-file", CLASS, 5, 1, evidence(&f)));
        } else {
            push_once(out, since, hit("traversal.config-file-text", CLASS, 3, 2, evidence(&f)));
        }
    }
    if let Some(f) = log {
        debug_assert_eq!(f.category.kind, Kind::Log);
        let before = text.get(..f.at).unwrap_or_default();
        let file_like = f.name.contains(['.', '_']);
        if is_path {
            // A well-known log file requested as the last path segment (`/logs/error.log`).
            if before.ends_with('/') && file_like && text.len() == f.at + f.name.len() {
                push_once(out, since, hit("traversal.log-file", CLASS, 5, 1, evidence(&f)));
            }
        } else if before.ends_with('/') && file_like || super::textscan::contains_ci(before, "log/") {
            // Absolute (`C:\logs\error.log`) or climbing: reading the server's logs.
            if abs && single || walk.escapes >= 1 {
                push_once(out, since, hit("traversal.log-file", CLASS, 5, 1, evidence(&f)));
            } else {
                push_once(out, since, hit("traversal.log-file-mention", CLASS, 3, 1, evidence(&f)));
            }
        }
    }
    if norm.nul_in_path {
        push_once(out, since, hit("traversal.null-byte", CLASS, 3, 1, ev()));
    }
    if abs && !is_path && v.name != "filename" {
        if let Some(root) = absolute_system_path(&text.to_ascii_lowercase()) {
            push_once(out, since, hit("traversal.absolute-system-path", CLASS, 5, 1, format!("{}: {}", root, snippet(&text, 0, 80))));
        }
    }
    if walk.escapes == 0 && !is_path && looks_like_absolute_windows(&text) {
        // In a parameter that names a file to open (not an upload's `filename`, which
        // browsers fill with `C:\fakepath\…`), any absolute drive path is a probe.
        let file_param = v.name != "filename" && super::rfi::include_param(v.name);
        let (score, pl) = if file_param { (5, 2) } else { (2, 3) };
        push_once(out, since, hit("traversal.windows-absolute", CLASS, score, pl, snippet(&text, 0, 60)));
    }
}

/// Whether `b` holds a Unicode look-alike of `.` `/` `\\` from the U+2000 block
/// (U+2024, U+2044, U+2215, U+2216, U+29F8, U+29F9). The 0xEF block (full-width, small
/// forms, U+FFFD, private use) passes the prefilter on its lead byte alone.
fn has_lookalike_separator(b: &[u8]) -> bool {
    memchr::memchr_iter(0xe2, b).any(|i| matches!(b.get(i + 1..i + 3), Some([0x80, 0xa4] | [0x81, 0x84] | [0x88, 0x95 | 0x96] | [0xa7, 0xb8 | 0xb9])))
}

/// Request-level: the raw (still percent-encoded) query and form values and path, for
/// the encodings that text decoding destroys (5- and 6-byte overlong UTF-8, `%c0%2e`,
/// `%c1%1c`: lossy UTF-8 turns them into U+FFFD before the value detectors see them).
/// Findings share rule ids and locations with `scan`, so the engine counts each once.
pub fn scan_request(req: &HttpRequest, out: &mut Vec<Finding>) {
    let mut places: Vec<(Part, String, String, &str)> = Vec::new();
    let path = req.path();
    places.push((Part::Path, String::new(), "path".to_string(), path));
    if let Some(q) = req.query() {
        for piece in q.split('&').take(256) {
            let (n, v) = piece.split_once('=').unwrap_or((piece, ""));
            places.push((Part::QueryValue, n.to_string(), format!("query.{}", decode_name(n)), v));
        }
    }
    let form = req.header("content-type").is_some_and(|c| c.to_ascii_lowercase().contains("x-www-form-urlencoded"));
    let body = if form { core::str::from_utf8(req.body.get(..MAX_BYTES * 4).unwrap_or(&req.body)).unwrap_or("") } else { "" };
    for piece in body.split('&').take(256) {
        if piece.is_empty() {
            continue;
        }
        let (n, v) = piece.split_once('=').unwrap_or((piece, ""));
        places.push((Part::BodyValue, n.to_string(), format!("body.{}", decode_name(n)), v));
    }
    let mut hits = Vec::new();
    for (part, name, loc, raw) in places {
        if !lossy_escapes(raw) {
            continue;
        }
        let text = raw.replace('+', " ");
        hits.clear();
        scan(&Value { part, name: &name, text: &text }, &mut hits);
        for h in hits.drain(..) {
            out.push(Finding { rule: h.rule, class: h.class, location: loc.clone(), evidence: h.evidence, decoders: vec!["url"], score: h.score, paranoia: h.paranoia });
        }
    }
}

/// Escapes of bytes >= 0x80 or invalid hex after a lead byte: what lossy decoding mangles.
fn lossy_escapes(raw: &str) -> bool {
    let b = raw.as_bytes();
    b.windows(3).any(|w| matches!(w, [b'%', h, _] if matches!(h, b'8'..=b'9' | b'a'..=b'f' | b'A'..=b'F')))
}

/// Argument name for a location (percent-decoded, lossy).
fn decode_name(n: &str) -> String {
    crate::decode::url::decode_str(n, true)
}

/// Outcome of walking the segments of a path.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Walk {
    /// How far (in segments) the path climbs above its starting directory.
    pub escapes: u32,
    /// Number of parent (`..`) segments.
    pub dotdot: u32,
    /// An absolute path (`/..`, `/a/../..`) climbs above `/` itself.
    pub abs_escape: bool,
    /// A parent segment carried path parameters (`..;/`, `..;x=1/`): servlet containers
    /// climb there while proxies and normalisers see an ordinary name.
    pub param_parent: bool,
}

/// A segment that goes up one level: `..`; any run of 2+ dots (`....` is what `....//`
/// leaves after a filter strips `../`; old Windows read `...` as two levels up); `?` is a
/// one-character wildcard for Windows file APIs (`?.`, `.?`; a run of `?` alone is
/// ordinary text: mojibake, questions).
fn is_parent(seg: &str) -> bool {
    seg.len() >= 2 && seg.bytes().all(|b| b == b'.' || b == b'?') && seg.contains('.')
}

/// Walks `/`-separated segments of each path in `text` (split on whitespace, quotes and
/// list/markup punctuation; `?` splits only in the second reading, as it is also a
/// wildcard). Segments lose Tomcat path parameters (`..;x=1`) and the trailing spaces
/// Windows ignores. Returns the larger climb of the two readings.
pub fn walk(text: &str) -> Walk {
    // `.. /`: Windows drops trailing spaces of a segment; join them before splitting.
    let joined;
    let text = if text.contains(". /") {
        joined = drop_trailing_spaces(text);
        joined.as_str()
    } else {
        text
    };
    if !text.contains('?') {
        return walk_pieces(text, false);
    }
    let b = walk_pieces(text, true);
    if !(text.contains("?.") || text.contains(".?")) {
        return b;
    }
    let a = walk_pieces(text, false);
    Walk { escapes: a.escapes.max(b.escapes), dotdot: a.dotdot.max(b.dotdot), abs_escape: a.abs_escape || b.abs_escape, param_parent: a.param_parent || b.param_parent }
}

/// Removes runs of spaces between a `.` and a `/`.
fn drop_trailing_spaces(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut prev = '\0';
    for (i, c) in text.char_indices() {
        if c == ' ' && prev == '.' {
            let rest = b.get(i..).unwrap_or_default();
            if rest.iter().find(|&&x| x != b' ') == Some(&b'/') {
                continue;
            }
        }
        out.push(c);
        prev = c;
    }
    out
}

fn walk_pieces(text: &str, split_q: bool) -> Walk {
    let mut w = Walk::default();
    let split = |c: char| c.is_whitespace() || matches!(c, ',' | '=' | '"' | '\'' | '|' | '&' | '#' | '(' | ')' | '<' | '>' | '`') || (split_q && c == '?');
    for piece in text.split(split).take(256) {
        let mut depth: i64 = 0;
        let mut low: i64 = 0;
        for seg in piece.split('/') {
            let (seg, params) = seg.split_once(';').map_or((seg, false), |(s, _)| (s, true));
            let seg = seg.trim_end_matches(' ');
            if seg.is_empty() || seg == "." {
                continue;
            }
            if is_parent(seg) {
                w.param_parent |= params;
                w.dotdot = w.dotdot.saturating_add(1);
                depth -= 1;
                low = low.min(depth);
            } else {
                depth += 1;
            }
        }
        let esc = u32::try_from(-low).unwrap_or(u32::MAX);
        w.escapes = w.escapes.max(esc);
        w.abs_escape |= esc >= 1 && piece.starts_with('/');
    }
    w
}

/// Top-level directories of a server file system (lower-case).
const UNIX_ROOTS: &[&str] = &["etc", "proc", "var", "usr", "root", "boot", "bin", "sbin", "lib", "lib64", "srv", "opt"];
const WINDOWS_ROOTS: &[&str] = &[
    "windows", "winnt", "xampp", "wamp", "inetpub", "program files", "programfiles", "program files (x86)",
    "progra~1", "appserv", "apache", "apache2", "apache group", "php", "php4", "php5", "mysql", "boot.ini",
    "system32", "documents and settings",
];

/// A whole value that is an absolute server path under a system directory
/// (`/usr/local/apache2/conf/httpd.conf`, `C:/xampp/apache/logs/error.log`).
/// `lower` has backslashes folded to `/`. Returns the root matched.
fn absolute_system_path(lower: &str) -> Option<&'static str> {
    let v = lower.trim();
    if v.bytes().any(|b| b == b' ') && !v.contains("program files") && !v.contains("documents and settings") && !v.contains("apache group") {
        return None;
    }
    // `/C:/...` is how file URLs write a drive path.
    let v = if v.as_bytes().get(2) == Some(&b':') && v.starts_with('/') { v.get(1..)? } else { v };
    let rest = match v.as_bytes() {
        [d, b':', b'/', ..] if d.is_ascii_alphabetic() => v.get(3..)?,
        [b'/', ..] => v.get(1..)?,
        _ => return None,
    };
    let mut comps = rest.split('/').filter(|c| !c.is_empty());
    let first = comps.next()?;
    let more = comps.next().is_some();
    if !more && first != "boot.ini" {
        return None;
    }
    let unix = UNIX_ROOTS.iter().find(|r| **r == first);
    let win = WINDOWS_ROOTS.iter().find(|r| **r == first);
    match (unix, win) {
        // A Unix system root under a drive letter too (`c:/usr/local/pgsql/…`: Cygwin and
        // ported servers).
        (Some(r), _) => Some(r),
        (_, Some(r)) => Some(r),
        _ => None,
    }
}

/// `c:/windows`, `c:/boot.ini`, `//server/share` style absolute paths.
fn looks_like_absolute_windows(lower: &str) -> bool {
    let b = lower.as_bytes();
    matches!((b.first(), b.get(1), b.get(2)), (Some(d), Some(b':'), Some(b'/')) if d.is_ascii_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(part: Part, text: &str) -> Vec<&'static str> {
        let mut out = Vec::new();
        scan(&Value { part, name: "file", text }, &mut out);
        out.iter().map(|h| h.rule).collect()
    }
    fn score(part: Part, text: &str) -> u32 {
        let mut out = Vec::new();
        scan(&Value { part, name: "file", text }, &mut out);
        out.iter().map(|h| h.score).sum()
    }

    #[test]
    fn attacks() {
        for a in [
            "../../../../etc/passwd",
            "..\\..\\..\\windows\\win.ini",
            "%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fshadow",
            "..%252f..%252f..%252fboot.ini",
            "%c0%ae%c0%ae/%c0%ae%c0%ae/%c0%ae%c0%ae/x",
            "..%c0%af..%c0%afx",
            "%%32%65%%32%65/%%32%65%%32%65/a",
            "....//....//....//etc/hosts",
            "/..0x2f..0x2f..0x2fx",
            "..%u2216..%u2216x",
            "%fc%80%80%80%80%ae%fc%80%80%80%80%ae%c0%af%fc%80%80%80%80%ae%fc%80%80%80%80%ae%c0%afx",
            "/etc/passwd",
            "C:\\Windows\\win.ini",
            "/proc/self/environ",
            "/sys/class",
            "cat /etc/subuid",
            "WEB-INF/web.xml",
            "../../../../etc/passwd%00.jpg",
            "..%c0%af..%c0%afx",
            "..\u{fffd}\u{fffd}..\u{fffd}\u{fffd}..\u{fffd}boot.ini",
            "..%uF025..%uF025windows%uF025system32%uF025drivers%uF025etc%uF025hosts",
            "C:\\xampp\\apache\\logs\\error.log",
            "/usr/local/apache2/logs/access.log",
            "/var/cpanel/cpanel.config%00",
            "\\apache2\\log\\access.log",
            "/opt/lampp/logs/access_log",
            "/logs/error.log%00",
            "?.%5c?.%5c?.%5cetc%5cpasswd",
            ".//..//etc//issue",
            "0x2e0x2e0x2f0x2e0x2e0x2fwindows0x2fsystem320x2fdrivers0x2fetc0x2fhosts",
            "0x2e0x2e\u{fffd}\u{fffd}\u{fffd}etc\u{fffd}\u{fffd}passwd",
        ] {
            assert!(score(Part::QueryValue, a) >= 5, "{a}: {:?}", rules(Part::QueryValue, a));
        }
        assert!(score(Part::Path, "/static/../../etc/x") >= 5);
        assert!(score(Part::Path, "/app/..;/manager/html") >= 5);
        assert!(score(Part::Path, "/app/..;jsessionid=1/admin") >= 5);
        assert!(score(Part::Path, "/app;jsessionid=1/page") < 5);
        assert!(score(Part::Path, "/.git/config") >= 5);
        assert!(score(Part::Path, "/.env") >= 5);
        assert!(rules(Part::QueryValue, "../x.php\0.jpg").contains(&"traversal.null-byte"));
    }

    #[test]
    fn benign() {
        for b in [
            "/docs/../index.html",
            "/a/./b/c",
            "images/2024/photo.jpg",
            "https://example.com/a/b/c",
            "Wait... what? I read the docs.",
            "version 1.2.3",
            "/environment/setup",
            "my.envelope",
            "/.well-known/openid-configuration",
            "github.com/user/.github",
            "passwd reset for etc",
            "The file is in /home/user/documents",
            "a/b/../c",
            "/home/dashboard",
            "/dev/settings",
            "/usr",
            "/api/v1/users",
            "FHFUIVJGUJOKKIIKIIOJKK[I['=\\]=-]L;/...",
        ] {
            assert!(score(Part::QueryValue, b) < 5, "{b}: {:?}", rules(Part::QueryValue, b));
            assert!(score(Part::Path, b) < 5, "{b}");
        }
        // Drive paths: any drive path in a file parameter at PL2; an upload's
        // `filename` (browsers send `C:\fakepath\x.jpg`) and ordinary fields never.
        let hits = |name: &str, text: &str| {
            let mut out = Vec::new();
            scan(&Value { part: Part::QueryValue, name, text }, &mut out);
            out
        };
        let at = |name: &str, text: &str, pl: u8| hits(name, text).iter().filter(|h| h.paranoia <= pl).map(|h| h.score).sum::<u32>();
        assert!(at("include", "d:/data/site/db.sqlite", 1) < 5);
        assert!(at("include", "d:/data/site/db.sqlite", 2) >= 5);
        assert!(at("page", "c:/AppServ/MySQL/data", 1) >= 5);
        assert!(at("file", "c:/usr/local/pgsql/data/pg_hba.conf", 1) >= 5);
        assert!(at("filename", "C:/fakepath/photo.jpg", 4) < 5);
        assert!(at("note", "C:/Users/ann/report.docx", 2) < 5);
        // Free text mentioning a config file is not a probe at PL1.
        let mut out = Vec::new();
        scan(&Value { part: Part::BodyValue, name: "comment", text: "edit your .htaccess file please" }, &mut out);
        assert!(out.iter().all(|h| h.paranoia >= 2));
    }

    #[test]
    fn dotdotpwn_and_filter_evasions() {
        for a in [
            "..%c0%qf..%c0%qfetc%c0%qfpasswd",
            "..%c1%8s..%c1%8swindows%c1%8swin.ini",
            ".%00.%c1%af.%00.%c1%afboot.ini",
            "0x2e0x2e%bg%qf0x2e0x2e%bg%qfx",
            "..2f..2fapache2flogs2ferror.log",
            "..%25%32%25%66..%25%32%25%66x",
            "%25%5c..%25%5c..%25%5c..%00",
            "..;/..;/x",
            "\u{2024}\u{2024}\u{2215}\u{2024}\u{2024}\u{2215}x",
            "\u{2215}etc\u{2215}passwd",
            "\u{2216}windows\u{2216}win\u{FF0E}ini",
            "\u{FF0E}\u{FF0E}\u{FF3C}\u{FF0E}\u{FF0E}\u{FF3C}x",
            "%e0%40%ae%e0%40%ae/%e0%40%ae%e0%40%ae/x",
            "...\\...\\x",
            "/../x",
            "/%2e%2e%2f",
            "/.../.../",
            "../config.php",
            "..%2F_config.php",
            ".. /.. /x",
        ] {
            assert!(score(Part::QueryValue, a) >= 5, "{a}: {:?}", rules(Part::QueryValue, a));
        }
    }

    #[test]
    fn sensitive_names_by_category() {
        for a in ["C:\\logs\\error.log", "/logs/error_log", "../logs/access.log", "C:/sysprep/sysprep.inf", "/C:/inetpub/ftproot/", "cat /etc/subuid-", "/private/var/log/system.log"] {
            assert!(score(Part::QueryValue, a) >= 5, "{a}: {:?}", rules(Part::QueryValue, a));
        }
        for a in ["/wp-content/debug.log", "/.claude/settings.json", "/app/.cursor/mcp.json", "/proc/interrupts", "/.vscode/sftp.json"] {
            assert!(score(Part::Path, a) >= 5, "{a}: {:?}", rules(Part::Path, a));
        }
        // A log mentioned without a path to it, an ordinary log-like page.
        assert!(score(Part::QueryValue, "admin/access_log") < 5);
        assert!(score(Part::Path, "/misc/sample.log") < 5);
        assert!(score(Part::Path, "/api/messages") < 5);
    }

    #[test]
    fn benign_dots_and_questions() {
        for b in ["..", "...", "Really?..", "?????/", "v1.0..v2.0", "main..feature", "see ../docs for more", "Wait.../what", "1.2.3/4.5", "%uff0e", "“quoted” – text…"] {
            assert!(score(Part::QueryValue, b) < 5, "{b}: {:?}", rules(Part::QueryValue, b));
        }
    }

    #[test]
    fn engine_keeps_the_strong_reading() {
        // The value detector sees `..;ox` (exact overlong decoding of `%c1%af`); the raw
        // request scan reads `%c1%af` as `/`: both must count.
        let engine = crate::detect::Engine::new(&crate::config::InspectionConfig::default());
        for uri in ["/view?file=..;%c1%afx", "/view?file=..%c1%afconfig.php", "/view?file=%c0%2e%c0%2e%c0%5cx"] {
            let req = HttpRequest { method: "GET".into(), uri: uri.into(), ..Default::default() };
            assert!(engine.inspect(&req).attack, "{uri}");
        }
    }

    #[test]
    fn raw_request_overlongs() {
        let req = HttpRequest { method: "GET".into(), uri: "/x?file=%fc%80%80%80%80%ae%fc%80%80%80%80%ae%c1%1cetc%c1%1cpasswd&a=1".into(), ..Default::default() };
        let mut out = Vec::new();
        scan_request(&req, &mut out);
        assert!(out.iter().any(|f| f.location == "query.file" && f.rule == "traversal.system-file"), "{out:?}");
        let req = HttpRequest { method: "GET".into(), uri: "/x?file=caf%C3%A9.txt".into(), ..Default::default() };
        let mut out = Vec::new();
        scan_request(&req, &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn walk_counts() {
        assert_eq!(walk("a/../../b").escapes, 1);
        assert_eq!(walk("/docs/../x").escapes, 0);
        assert_eq!(walk("../../x ../y").escapes, 2);
    }

    #[test]
    fn normalise_decodes() {
        assert_eq!(normalise(b"%2e%2e%5c").bytes, b"../");
        assert_eq!(normalise(b"%c0%ae%e0%80%ae").bytes, b"..");
        assert_eq!(normalise(b"a%00b").bytes, b"ab");
    }
}
