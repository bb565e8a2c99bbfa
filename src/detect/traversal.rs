//! Path traversal and local file inclusion. A value is normalised the way file APIs and
//! old servers would see it (percent and `%u` escapes over a few passes, `0x2e`-style hex,
//! overlong UTF-8 dots/slashes, backslashes, control bytes, NUL truncation), then walked
//! segment by segment: a path that climbs above its starting point escapes its root. A
//! second rule recognises well-known sensitive files and directories by path component.

use super::textscan::{hit, push_once, snippet};
use super::{Hit, Part, Value};

const CLASS: &str = "traversal";
/// Bytes of a value that are normalised and walked.
const MAX_BYTES: usize = 4096;

/// Files whose mere mention as a path proves a probe (component-anchored, lower-case).
const SYSTEM_FILES: &[&str] = &[
    "etc/passwd", "etc/shadow", "etc/group", "etc/hosts", "etc/issue", "etc/hostname",
    "etc/master.passwd", "etc/sudoers", "etc/crontab", "etc/fstab", "etc/motd", "etc/profile",
    "etc/httpd/", "etc/apache2/", "etc/nginx/", "etc/mysql/", "etc/ssh/", "etc/security/",
    "etc/resolv.conf", "etc/inittab", "etc/os-release", "etc/lsb-release",
    "proc/self/", "proc/version", "proc/cpuinfo", "proc/meminfo", "proc/net/", "proc/mounts",
    "var/log/", "var/lib/mysql", "usr/local/apache", "boot/grub", ".ssh/", "id_rsa", "id_dsa",
    "id_ecdsa", "id_ed25519", ".bash_history", ".mysql_history", "authorized_keys",
    "win.ini", "boot.ini", "system.ini", "autoexec.bat", "windows/system32", "winnt/system32",
    "windows/repair", "windows/win.ini", "system32/config/", "system32/drivers/etc",
    "inetpub/wwwroot", "web-inf/", "meta-inf/", "web-inf", "windows/panther",
];

/// Config/metadata files: a probe when the value is a path, text otherwise.
const CONFIG_FILES: &[&str] = &[
    ".htaccess", ".htpasswd", ".env", ".git/", ".git", ".gitconfig", ".svn/", ".hg/",
    ".bzr/", ".ds_store", "web.config", "php.ini", "httpd.conf", "wp-config.php", ".npmrc",
    ".aws/credentials", ".docker/config.json", ".kube/config", "applicationhost.config",
];

/// Server log files (reading them is the first step of log poisoning).
const LOG_FILES: &[&str] = &["access_log", "error_log", "access.log", "error.log", "httpd-access.log", "httpd-error.log", "xferlog", "auth.log", "syslog", "messages"];

/// Per-value scan.
pub fn scan(v: &Value<'_>, out: &mut Vec<Hit>) {
    let t = v.text;
    // Prefilter: nothing to do without a dot, a slash or an escape.
    if !t.bytes().any(|b| matches!(b, b'.' | b'/' | b'\\' | b'%')) {
        return;
    }
    let since = out.len();
    let norm = normalise(t.as_bytes().get(..MAX_BYTES).unwrap_or(t.as_bytes()));
    let text = String::from_utf8_lossy(&norm.bytes);
    let walk = walk(&text);
    let is_path = v.part == Part::Path;
    if walk.escapes >= 2 || (is_path && walk.escapes >= 1) {
        push_once(out, since, hit("traversal.escape-root", CLASS, 5, 1, snippet(&text, 0, text.len())));
    } else if walk.escapes == 1 {
        push_once(out, since, hit("traversal.parent-dir", CLASS, 3, 1, snippet(&text, 0, text.len())));
    } else if walk.dotdot > 0 && v.part != Part::Path {
        // `a/../b` that stays inside: harmless, but unusual in a parameter.
        push_once(out, since, hit("traversal.dotdot", CLASS, 2, 3, snippet(&text, 0, text.len())));
    }
    let lower = text.to_ascii_lowercase();
    if let Some((at, name)) = find_component(&lower, SYSTEM_FILES) {
        push_once(out, since, hit("traversal.system-file", CLASS, 5, 1, snippet(&text, at, at + name.len() + 40)));
    }
    if let Some((at, name)) = find_component(&lower, CONFIG_FILES) {
        let single_token = !lower.trim().bytes().any(|b| b.is_ascii_whitespace());
        let strong = matches!(v.part, Part::Path | Part::QueryValue | Part::Cookie) || single_token;
        let ev = snippet(&text, at, at + name.len() + 40);
        if strong {
            push_once(out, since, hit("traversal.config-file", CLASS, 5, 1, ev));
        } else {
            push_once(out, since, hit("traversal.config-file-text", CLASS, 3, 2, ev));
        }
    }
    if v.part != Part::Path {
        if let Some((at, name)) = find_component(&lower, LOG_FILES) {
            let pathish = lower.get(..at).is_some_and(|p| p.ends_with('/'));
            if pathish && name != "messages" && name != "syslog" || lower.get(..at).is_some_and(|p| p.contains("log/")) {
                push_once(out, since, hit("traversal.log-file", CLASS, 3, 1, snippet(&text, at, at + 40)));
            }
        }
    }
    if norm.nul_in_path {
        push_once(out, since, hit("traversal.null-byte", CLASS, 3, 1, snippet(&text, 0, text.len())));
    }
    if v.part != Part::Path && v.name != "filename" {
        if let Some(root) = absolute_system_path(&lower) {
            push_once(out, since, hit("traversal.absolute-system-path", CLASS, 5, 1, format!("{}: {}", root, snippet(&text, 0, 80))));
        }
    }
    if walk.escapes == 0 && v.part != Part::Path && looks_like_absolute_windows(&lower) {
        push_once(out, since, hit("traversal.windows-absolute", CLASS, 2, 3, snippet(&text, 0, 60)));
    }
}

/// Result of normalising a value as a file path.
pub struct Normalised {
    pub bytes: Vec<u8>,
    /// A NUL (after decoding) was followed by more path-like text (`x.php%00.jpg`).
    pub nul_in_path: bool,
}

/// Decodes escapes the way lenient servers/file APIs do, then folds `\` to `/`, drops
/// control bytes and truncates at NUL.
pub fn normalise(input: &[u8]) -> Normalised {
    let mut cur = input.to_vec();
    for _ in 0..3 {
        let next = decode_pass(&cur);
        if next == cur {
            break;
        }
        cur = next;
    }
    // Undecodable sequences (U+FFFD after lossy decoding, private-use code points from
    // junk `%uXXXX`) sit where lenient decoders produced a separator: fold them to `/`.
    let cur = fold_junk(&cur);
    let mut bytes = Vec::with_capacity(cur.len());
    let mut nul_in_path = false;
    for (i, &b) in cur.iter().enumerate() {
        match b {
            0 => {
                let rest = cur.get(i + 1..).unwrap_or_default();
                let before = cur.get(..i).unwrap_or_default();
                nul_in_path = before.iter().any(|&c| matches!(c, b'.' | b'/' | b'\\'))
                    && (rest.is_empty() || rest.iter().take(16).any(|&c| c == b'.' || c == b'/'));
                break;
            }
            b'\\' => bytes.push(b'/'),
            1..=0x1f | 0x7f => {}
            _ => bytes.push(b),
        }
    }
    Normalised { bytes, nul_in_path }
}

/// Replaces U+FFFD and private-use characters (U+E000..U+F8FF) by `/`.
fn fold_junk(b: &[u8]) -> Vec<u8> {
    if !b.iter().any(|&c| c == 0xef || c == 0xee) {
        return b.to_vec();
    }
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if matches!(c, 0xee | 0xef) {
            if let (Some(&b1), Some(&b2)) = (b.get(i + 1), b.get(i + 2)) {
                let cp = ((c as u32 & 0x0f) << 12) | ((b1 as u32 & 0x3f) << 6) | (b2 as u32 & 0x3f);
                if b1 & 0xc0 == 0x80 && b2 & 0xc0 == 0x80 && (cp == 0xfffd || (0xe000..=0xf8ff).contains(&cp)) {
                    out.push(b'/');
                    i += 3;
                    continue;
                }
            }
        }
        out.push(c);
        i += 1;
    }
    out
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// One decoding pass: `%XX`, `%uXXXX`, `0xXX` for path punctuation, overlong UTF-8.
fn decode_pass(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while let Some(&b) = s.get(i) {
        if b == b'%' {
            if let (Some(h), Some(l)) = (s.get(i + 1).and_then(|&c| hex(c)), s.get(i + 2).and_then(|&c| hex(c))) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
            if matches!(s.get(i + 1), Some(b'u' | b'U')) {
                let digits: Option<Vec<u8>> = (2..6).map(|k| s.get(i + k).and_then(|&c| hex(c))).collect();
                if let Some(d) = digits {
                    let cp = d.iter().fold(0u32, |a, &x| a << 4 | x as u32);
                    let cp = fold_fullwidth(cp);
                    if let Some(c) = char::from_u32(cp) {
                        let mut buf = [0u8; 4];
                        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                    }
                    i += 6;
                    continue;
                }
            }
        }
        if b == b'0' && matches!(s.get(i + 1), Some(b'x' | b'X')) {
            if let (Some(h), Some(l)) = (s.get(i + 2).and_then(|&c| hex(c)), s.get(i + 3).and_then(|&c| hex(c))) {
                let v = h << 4 | l;
                if matches!(v, b'.' | b'/' | b'\\') {
                    out.push(v);
                    i += 4;
                    continue;
                }
            }
        }
        if b >= 0xc0 {
            if let Some((v, len)) = overlong(s.get(i..).unwrap_or_default()) {
                out.push(v);
                i += len;
                continue;
            }
        }
        // Fullwidth ．／＼ (U+FF0E, U+FF0F, U+FF3C) as UTF-8.
        if b == 0xef {
            if let (Some(&b1), Some(&b2)) = (s.get(i + 1), s.get(i + 2)) {
                let cp = ((b as u32 & 0x0f) << 12) | ((b1 as u32 & 0x3f) << 6) | (b2 as u32 & 0x3f);
                let f = fold_fullwidth(cp);
                if f != cp && f < 0x80 {
                    out.push(f as u8);
                    i += 3;
                    continue;
                }
            }
        }
        out.push(b);
        i += 1;
    }
    out
}

fn fold_fullwidth(cp: u32) -> u32 {
    match cp {
        0xff0e => b'.' as u32,
        0xff0f | 0x2215 | 0x2044 => b'/' as u32,
        0xff3c | 0x2216 => b'\\' as u32,
        _ => cp,
    }
}

/// An overlong (non-shortest) UTF-8 encoding of an ASCII byte, as old IIS/Tomcat decoded
/// them: lead `C0/C1` + 1, `E0` + 2, `F0` + 3, `F8` + 4, `FC` + 5 continuation bytes.
/// Continuation bytes are taken modulo 64 (lenient decoders ignore their top bits).
fn overlong(s: &[u8]) -> Option<(u8, usize)> {
    let lead = *s.first()?;
    let (n, mut v) = match lead {
        0xc0 | 0xc1 => (1, (lead & 0x01) as u32),
        0xe0 => (2, 0),
        0xf0 => (3, 0),
        0xf8 => (4, 0),
        0xfc => (5, 0),
        _ => return None,
    };
    for k in 1..=n {
        let c = *s.get(k)?;
        if c & 0xc0 != 0x80 && !(n == 1 && c < 0x80) {
            return None;
        }
        v = v << 6 | (c & 0x3f) as u32;
    }
    (v < 0x80 && matches!(v as u8, b'.' | b'/' | b'\\')).then_some((v as u8, n + 1))
}

/// Outcome of walking the segments of a path.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Walk {
    /// How far (in segments) the path climbs above its starting directory.
    pub escapes: u32,
    /// Number of parent (`..`) segments.
    pub dotdot: u32,
}

/// Walks `/`-separated segments; a segment of only dots (2+) goes up one level.
/// Handles several paths in one value (split on whitespace, `;`, `,`, `=`, quotes).
pub fn walk(text: &str) -> Walk {
    let mut w = Walk::default();
    for piece in text.split(|c: char| c.is_whitespace() || matches!(c, ';' | ',' | '=' | '"' | '\'' | '|' | '&' | '?' | '#' | '(' | ')' | '<' | '>' | '`')) {
        let mut depth: i64 = 0;
        let mut low: i64 = 0;
        for seg in piece.split('/') {
            if seg.is_empty() || seg == "." {
                continue;
            }
            // `..`, and `....` (what `....//` leaves after a filter strips `../`).
            // `?` is a one-character wildcard for Windows file APIs (`?.`, `.?`).
            if seg == ".." || seg == "...." || seg == "?." || seg == ".?" {
                w.dotdot = w.dotdot.saturating_add(1);
                depth -= 1;
                low = low.min(depth);
            } else {
                depth += 1;
            }
        }
        w.escapes = w.escapes.max(u32::try_from(-low).unwrap_or(u32::MAX));
    }
    w
}

/// Finds the first of `names` at a path-component start in `lower` whose end is a
/// component end. Returns the offset and the name.
fn find_component<'n>(lower: &str, names: &[&'n str]) -> Option<(usize, &'n str)> {
    let b = lower.as_bytes();
    let mut best: Option<(usize, &str)> = None;
    for &name in names {
        let mut from = 0;
        while let Some(off) = lower.get(from..).and_then(|r| r.find(name)) {
            let at = from + off;
            let end = at + name.len();
            let starts = at == 0
                || b.get(at - 1).is_some_and(|&c| matches!(c, b'/' | b':' | b'=' | b'"' | b'\'' | b' ' | b'\t' | b'>' | b'('));
            let ends = name.ends_with('/')
                || b.get(end).is_none_or(|&c| !(c.is_ascii_alphanumeric() || c == b'_' || c == b'-'));
            // `.env` must not be `.environment`; `.git` must not be `.github`.
            if starts && ends {
                if best.is_none_or(|(p, _)| at < p) {
                    best = Some((at, name));
                }
                break;
            }
            from = at + 1;
        }
    }
    best
}

/// Top-level directories of a server file system (lower-case).
const UNIX_ROOTS: &[&str] = &["etc", "proc", "var", "usr", "root", "boot", "bin", "sbin", "lib", "lib64", "srv", "opt"];
const WINDOWS_ROOTS: &[&str] = &[
    "windows", "winnt", "xampp", "wamp", "inetpub", "program files", "programfiles", "program files (x86)",
    "progra~1", "apache", "apache2", "apache group", "php", "php4", "php5", "mysql", "boot.ini",
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
    let (rest, windows) = match v.as_bytes() {
        [d, b':', b'/', ..] if d.is_ascii_alphabetic() => (v.get(3..)?, true),
        [b'/', ..] => (v.get(1..)?, false),
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
        (Some(r), _) if !windows => Some(r),
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
        ] {
            assert!(score(Part::QueryValue, a) >= 5, "{a}: {:?}", rules(Part::QueryValue, a));
        }
        assert!(score(Part::Path, "/static/../../etc/x") >= 5);
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
        // Free text mentioning a config file is not a probe at PL1.
        let mut out = Vec::new();
        scan(&Value { part: Part::BodyValue, name: "comment", text: "edit your .htaccess file please" }, &mut out);
        assert!(out.iter().all(|h| h.paranoia >= 2));
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
        assert_eq!(normalise(b"a%00b").bytes, b"a");
    }
}
