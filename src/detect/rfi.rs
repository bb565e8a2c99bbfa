//! Remote file inclusion: a value carries a URL to a remote host in the shape used to
//! include code: the URL ends in `?` or a NUL (to cut off the suffix the application
//! appends), it sits in a parameter that names a file/page/template, it points at a
//! script or text file, or it is a UNC path (`\\host\share`). URLs are parsed with the
//! SSRF module's parser.

use super::gate::Triggers;
use super::ssrf::{classify_host, find_urls, Target};
use super::textscan::{hit, push_once, snippet};
use super::{Hit, Part, Value};

const CLASS: &str = "rfi";
const MAX_BYTES: usize = 8192;

/// Parameter names that typically hold a file to include.
pub(crate) fn include_param(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    let n = n.rsplit(['.', '[']).next().unwrap_or(&n).trim_end_matches(']');
    [
        "file", "filename", "page", "include", "inc", "template", "tpl", "path", "doc",
        "document", "folder", "root", "dir", "lang", "language", "module", "mod", "load",
        "show", "view", "content", "conf", "config", "style", "pg", "layout", "theme", "skin",
        "require", "main", "body", "cat", "action", "board", "detail", "prefix", "home", "pagina",
        "open", "read", "nav", "site", "section", "loc", "locale", "plugin", "class", "basepath",
        "base_path", "abspath", "mosconfig_absolute_path", "pathtoroot", "phpbb_root_path",
    ]
    .iter()
    .any(|k| {
        let nb = n.as_bytes();
        n == *k
            || n.len() > k.len() && n.ends_with(k) && nb.get(n.len() - k.len() - 1) == Some(&b'_')
            || n.len() > k.len() && n.starts_with(k) && nb.get(k.len()) == Some(&b'_')
    })
}

/// Names that only ever hold a file or directory to include (PHP app configuration keys).
fn strong_include_param(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    let n = n.rsplit(['.', '[']).next().unwrap_or(&n).trim_end_matches(']');
    n.ends_with("path") || n.ends_with("_dir") || n.ends_with("root") || ["include", "inc", "require", "template", "tpl", "mod", "module", "conf", "config", "lang", "language", "skin", "theme", "layout"].contains(&n)
}

const SCRIPT_EXT: &[&str] = &[".php", ".txt", ".inc", ".phtml", ".asp", ".aspx", ".jsp", ".pl", ".cgi", ".sh", ".py", ".gif?", ".jpg?"];

/// What a value must contain for any rule of this class to match (see `gate`): add a
/// trigger here with every new rule.
pub const TRIGGERS: Triggers = Triggers { anywhere: &[&["://", "\\\\"]], ..Triggers::NONE };

/// Per-value scan.
pub fn scan(v: &Value<'_>, out: &mut Vec<Hit>) {
    if v.part == Part::Header {
        return;
    }
    let full = v.text;
    let t = full.get(..super::textscan::floor_char(full, MAX_BYTES)).unwrap_or(full);
    let since = out.len();
    if !t.contains("://") && !t.trim_start().starts_with("\\\\") {
        return;
    }
    let inc = include_param(v.name);
    if t.contains("://") {
        for u in find_urls(t) {
            if !matches!(u.scheme.as_str(), "http" | "https" | "ftp" | "ftps" | "ftpes" | "webdav" | "davs") {
                continue;
            }
            let Some(c) = classify_host(&u.host) else { continue };
            let ev = snippet(t, u.start, u.start + 100);
            // End of the URL token.
            let tok_end = u.rest.find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>')).unwrap_or(u.rest.len());
            let tok = u.rest.get(..tok_end).unwrap_or_default();
            let trailing_q = tok.ends_with('?') || tok.ends_with("?#") || tok.ends_with('#') && !tok.contains("#/");
            let nul = tok.contains('\0') || tok.contains("%00");
            let path_lower = tok.split('?').next().unwrap_or_default().to_ascii_lowercase();
            let script = SCRIPT_EXT.iter().any(|e| path_lower.ends_with(e.trim_end_matches('?')));
            // The URL is the whole value (possibly after a prefix such as `url:`), not a
            // link in prose.
            let rest_off = (u.rest.as_ptr() as usize).saturating_sub(t.as_ptr() as usize);
            let whole = u.start <= 8 && t.get(rest_off.saturating_add(tok_end)..).is_none_or(|r| r.trim().is_empty());
            if (trailing_q || nul) && (inc || script || c.is_ip || nul && whole) {
                push_once(out, since, hit("rfi.url-with-cutoff", CLASS, 5, 1, ev));
            } else if trailing_q && whole {
                push_once(out, since, hit("rfi.url-with-cutoff", CLASS, 3, 1, ev));
            } else if inc && whole && (c.target == Target::Public || c.is_ip) {
                let score = if script || u.scheme.starts_with("ftp") || c.is_ip || strong_include_param(v.name) { 5 } else { 3 };
                push_once(out, since, hit("rfi.include-param-url", CLASS, score, 1, ev));
            } else if whole && c.is_ip && c.target == Target::Public {
                // A script on a bare IP address is the classic include target; so is an
                // FTP URL to one (PHP includes `ftp://` as readily as `http://`).
                let score = if script || u.scheme.starts_with("ftp") { 5 } else { 3 };
                push_once(out, since, hit("rfi.ip-url", CLASS, score, 1, ev));
            } else if whole && script && !matches!(v.part, Part::BodyRaw) {
                push_once(out, since, hit("rfi.remote-script", CLASS, 3, 2, ev));
            } else if whole && u.scheme.starts_with("ftp") {
                push_once(out, since, hit("rfi.ftp-url", CLASS, 3, 2, ev));
            } else if whole {
                push_once(out, since, hit("rfi.off-site-url", CLASS, 2, 3, ev));
            }
        }
    }
    // UNC path to a remote share: `\\host\share\x.php`.
    let trimmed = t.trim_start();
    if let Some(rest) = trimmed.strip_prefix("\\\\") {
        let host: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '@')).collect();
        if host.len() >= 3 && rest.get(host.len()..).is_some_and(|r| r.starts_with('\\')) {
            let score = if inc { 5 } else { 3 };
            push_once(out, since, hit("rfi.unc-path", CLASS, score, 1, snippet(trimmed, 0, 80)));
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
    fn attacks() {
        for (n, a) in [
            ("page", "http://evil.example/shell.txt?"),
            ("x", "http://evil.example/shell.txt?"),
            ("file", "http://evil.example/shell.txt%00"),
            ("include", "ftp://evil.example/x.php"),
            ("page", "http://203.0.113.7/x"),
            ("lang", "https://evil.example/c99.php"),
            ("file", "\\\\evil.example\\share\\x.php"),
            ("x", "url:http://evil.example/x.txt?"),
            ("_CONF[path]", "https://foo.bar"),
            ("src", "http://66.240.183.75/crash.php"),
            ("tag", "ftp://198.51.100.1"),
        ] {
            assert!(score(n, a) >= 5, "{n}={a}");
        }
    }

    #[test]
    fn benign() {
        for (n, b) in [
            ("next", "https://www.example.com/account"),
            ("url", "https://cdn.example.com/app.js"),
            ("q", "read http://example.com/faq? it helps"),
            ("redirect", "https://example.com/search?"),
            ("page", "2"),
            ("file", "report.pdf"),
            ("comment", "see https://example.com/docs.php for details"),
            ("path", "\\\\?\\C:\\temp"),
            ("mirror", "ftp://ftp.example.org/pub/"),
            ("ip", "http://198.51.100.1/"),
        ] {
            assert!(score(n, b) < 5, "{n}={b}");
        }
    }
}
