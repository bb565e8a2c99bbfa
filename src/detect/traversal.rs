//! Path traversal and local file inclusion. A value is normalised the way file APIs and
//! old servers would see it (percent and `%u` escapes over a few passes, `0x2e`-style hex,
//! overlong UTF-8 dots/slashes, backslashes, control bytes, NUL truncation), then walked
//! segment by segment: a path that climbs above its starting point escapes its root. A
//! second rule recognises well-known sensitive files and directories by path component.

use super::gate::Triggers;
use super::textscan::{hit, push_once, snippet};
use super::{Finding, Hit, Part, Value};
use crate::request::HttpRequest;

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
    "inetpub/wwwroot", "web-inf/", "meta-inf/", "web-inf", "windows/panther", "sys/class",
    "sys/kernel", "sys/devices", "sys/firmware", "etc/subuid", "etc/subgid", "etc/gshadow",
    "etc/environment", "etc/pam.d", "etc/ld.so.preload", "etc/ld.so.conf", "etc/apt/",
    "etc/cron.d", "etc/exports", "etc/mtab", "etc/netplan", "etc/php", "etc/redis", ".docker/",
];

/// Config/metadata files: a probe when the value is a path, text otherwise.
const CONFIG_FILES: &[&str] = &[
    ".htaccess", ".htpasswd", ".env", ".git/", ".git", ".gitconfig", ".svn/", ".hg/",
    ".bzr/", ".ds_store", "web.config", "php.ini", "httpd.conf", "wp-config.php", ".npmrc",
    ".aws/credentials", ".docker/config.json", ".kube/config", "applicationhost.config",
    ".bashrc", ".cshrc", ".shosts", ".rhosts", ".netrc", ".profile", ".viminfo", ".pgpass",
    ".my.cnf", ".bash_profile", ".zshrc", ".lesshst",
];

/// Server log files (reading them is the first step of log poisoning).
const LOG_FILES: &[&str] = &["access_log", "error_log", "access.log", "error.log", "httpd-access.log", "httpd-error.log", "xferlog", "auth.log", "syslog", "messages"];

/// What a value must contain for any rule of this class to match (see `gate`): add a
/// trigger here with every new rule.
pub const TRIGGERS: Triggers = Triggers {
    // What makes a value not `plain` in `scan` (it is then decoded and walked)...
    bytes: NOT_PLAIN_BYTES,
    anywhere: &[&["..", "//", "0x"], SYSTEM_FILES, CONFIG_FILES, LOG_FILES],
    // ...and the absolute-path rules of plain values.
    custom: Some(|v| {
        let t = v.text.trim_start();
        let abs = t.starts_with('/') || t.as_bytes().get(1) == Some(&b':');
        v.part != Part::Path && (abs && v.name != "filename" && absolute_system_path(&v.text.to_ascii_lowercase()).is_some() || looks_like_absolute_windows(v.text))
    }),
    ..Triggers::NONE
};

/// `%`, `\\`, `?`, control and non-ASCII bytes.
const NOT_PLAIN_BYTES: &[u8] = b"%\\?\
    \x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\
    \x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\x7f\x80\x81\x82\x83\x84\x85\x86\x87\x88\x89\x8a\x8b\x8c\x8d\x8e\
    \x8f\x90\x91\x92\x93\x94\x95\x96\x97\x98\x99\x9a\x9b\x9c\x9d\x9e\x9f\xa0\xa1\xa2\xa3\xa4\xa5\xa6\
    \xa7\xa8\xa9\xaa\xab\xac\xad\xae\xaf\xb0\xb1\xb2\xb3\xb4\xb5\xb6\xb7\xb8\xb9\xba\xbb\xbc\xbd\xbe\
    \xbf\xc0\xc1\xc2\xc3\xc4\xc5\xc6\xc7\xc8\xc9\xca\xcb\xcc\xcd\xce\xcf\xd0\xd1\xd2\xd3\xd4\xd5\xd6\
    \xd7\xd8\xd9\xda\xdb\xdc\xdd\xde\xdf\xe0\xe1\xe2\xe3\xe4\xe5\xe6\xe7\xe8\xe9\xea\xeb\xec\xed\xee\
    \xef\xf0\xf1\xf2\xf3\xf4\xf5\xf6\xf7\xf8\xf9\xfa\xfb\xfc\xfd\xfe\xff\
";

/// Per-value scan.
pub fn scan(v: &Value<'_>, out: &mut Vec<Hit>) {
    let t = v.text;
    // Prefilter: nothing to do without a dot, a slash or an escape.
    if !t.bytes().any(|b| matches!(b, b'.' | b'/' | b'\\' | b'%')) && !t.contains("0x") {
        return;
    }
    let since = out.len();
    let input = t.as_bytes().get(..MAX_BYTES).unwrap_or(t.as_bytes());
    // Fast path: nothing to decode or fold, and no parent segment possible.
    let plain = !input.iter().any(|&b| matches!(b, b'%' | b'\\' | b'?' | 0..=0x1f | 0x7f..=0xff))
        && memchr::memmem::find(input, b"..").is_none()
        && memchr::memmem::find(input, b"//").is_none()
        && !t.contains("0x")
        && !t.contains("0X");
    let norm = if plain { Normalised { bytes: Vec::new(), nul_in_path: false } } else { normalise(input) };
    let text = if plain { std::borrow::Cow::Borrowed(t) } else { String::from_utf8_lossy(&norm.bytes) };
    let walk = if plain { Walk::default() } else { walk(&text) };
    let is_path = v.part == Part::Path;
    if walk.escapes >= 2 || (is_path && walk.escapes >= 1) {
        push_once(out, since, hit("traversal.escape-root", CLASS, 5, 1, snippet(&text, 0, text.len())));
    } else if walk.escapes == 1 && v.name.eq_ignore_ascii_case("filename") {
        // An upload whose file name climbs out of the upload directory.
        push_once(out, since, hit("traversal.upload-filename", CLASS, 5, 1, snippet(&text, 0, text.len())));
    } else if walk.escapes == 1 {
        // One level up: a path value is suspicious; a `../` link inside markup or prose
        // (`<a href="../">`) is ordinary.
        let single_token = !text.trim().bytes().any(|b| b.is_ascii_whitespace() || b == b'<' || b == b'"');
        let (score, pl) = if single_token { (3, 1) } else { (2, 2) };
        push_once(out, since, hit("traversal.parent-dir", CLASS, score, pl, snippet(&text, 0, text.len())));
    } else if walk.dotdot > 0 && v.part != Part::Path {
        // `a/../b` that stays inside: harmless, but unusual in a parameter.
        push_once(out, since, hit("traversal.dotdot", CLASS, 2, 3, snippet(&text, 0, text.len())));
    }
    // The automata are case-insensitive; only the absolute-path check needs a lower-case copy.
    let lower: &str = &text;
    // One pass over all three lists first: most values name none of their files.
    let components = may_name_component(lower);
    if let Some((at, name)) = components.then(|| find_component(lower, 0)).flatten() {
        push_once(out, since, hit("traversal.system-file", CLASS, 5, 1, snippet(&text, at, at + name.len() + 40)));
    }
    if let Some((at, name)) = components.then(|| find_component(lower, 1)).flatten() {
        let single_token = !lower.trim().bytes().any(|b| b.is_ascii_whitespace());
        let strong = matches!(v.part, Part::Path | Part::QueryValue | Part::Cookie) || single_token;
        let ev = snippet(&text, at, at + name.len() + 40);
        if strong {
            push_once(out, since, hit("traversal.config-file", CLASS, 5, 1, ev));
        } else {
            push_once(out, since, hit("traversal.config-file-text", CLASS, 3, 2, ev));
        }
    }
    if v.part != Part::Path && components {
        if let Some((at, name)) = find_component(lower, 2) {
            let pathish = lower.get(..at).is_some_and(|p| p.ends_with('/'));
            if pathish && name != "messages" && name != "syslog" || lower.get(..at).is_some_and(|p| super::textscan::contains_ci(p, "log/")) {
                push_once(out, since, hit("traversal.log-file", CLASS, 3, 1, snippet(&text, at, at + 40)));
            }
        }
    }
    if norm.nul_in_path {
        push_once(out, since, hit("traversal.null-byte", CLASS, 3, 1, snippet(&text, 0, text.len())));
    }
    let abs = lower.trim_start().starts_with('/') || lower.trim_start().as_bytes().get(1) == Some(&b':');
    if abs && v.part != Part::Path && v.name != "filename" {
        if let Some(root) = absolute_system_path(&lower.to_ascii_lowercase()) {
            push_once(out, since, hit("traversal.absolute-system-path", CLASS, 5, 1, format!("{}: {}", root, snippet(&text, 0, 80))));
        }
    }
    if walk.escapes == 0 && v.part != Part::Path && looks_like_absolute_windows(lower) {
        push_once(out, since, hit("traversal.windows-absolute", CLASS, 2, 3, snippet(&text, 0, 60)));
    }
}

/// Request-level: the raw (still percent-encoded) query and form values and path, for
/// the encodings that text decoding destroys (5- and 6-byte overlong UTF-8, `%c0%2e`,
/// `%c1%1c`: lossy UTF-8 turns them into U+FFFD before the value detectors see them).
/// Findings share rule ids and locations with `scan`, so the engine counts each once.
pub fn scan_request(req: &HttpRequest, out: &mut Vec<Finding>) {
    // (Only places with lossy escapes are scanned: the others are not even listed.)
    let mut places: Vec<(Part, String, String, &str)> = Vec::new();
    let path = req.path();
    if lossy_escapes(path) {
        places.push((Part::Path, String::new(), "path".to_string(), path));
    }
    if let Some(q) = req.query() {
        for piece in q.split('&').take(256) {
            let (n, v) = piece.split_once('=').unwrap_or((piece, ""));
            if lossy_escapes(v) {
                places.push((Part::QueryValue, n.to_string(), format!("query.{}", decode_name(n)), v));
            }
        }
    }
    let form = req.header("content-type").is_some_and(|c| c.to_ascii_lowercase().contains("x-www-form-urlencoded"));
    let body = if form { core::str::from_utf8(req.body.get(..MAX_BYTES * 4).unwrap_or(&req.body)).unwrap_or("") } else { "" };
    for piece in body.split('&').take(256) {
        if piece.is_empty() {
            continue;
        }
        let (n, v) = piece.split_once('=').unwrap_or((piece, ""));
        if lossy_escapes(v) {
            places.push((Part::BodyValue, n.to_string(), format!("body.{}", decode_name(n)), v));
        }
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
    let d = decode_pass(n.replace('+', " ").as_bytes());
    String::from_utf8_lossy(&d).into_owned()
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
    let escapes = input.iter().any(|&b| b == b'%' || b >= 0x80) || memchr::memmem::find(input, b"0x").is_some() || memchr::memmem::find(input, b"0X").is_some();
    for _ in 0..(if escapes { 3 } else { 0 }) {
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
            b'\\' | b'/' => {
                // Runs of separators are one separator to a file API.
                if bytes.last() != Some(&b'/') {
                    bytes.push(b'/');
                }
            }
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
/// component end. Returns the offset and the name. One automaton per name list, built on
/// first use.
/// Whether `s` contains any name of `SYSTEM_FILES`, `CONFIG_FILES` or `LOG_FILES` at all
/// (anchored or not): when not, `find_component` finds nothing in any list.
fn may_name_component(s: &str) -> bool {
    use std::sync::OnceLock;
    static ANY: OnceLock<Option<aho_corasick::AhoCorasick>> = OnceLock::new();
    ANY.get_or_init(|| {
        let names: Vec<&str> = SYSTEM_FILES.iter().chain(CONFIG_FILES).chain(LOG_FILES).copied().collect();
        super::textscan::automaton(&names)
    })
    .as_ref()
    .is_none_or(|ac| ac.is_match(s))
}

fn find_component(lower: &str, list: usize) -> Option<(usize, &'static str)> {
    use std::sync::OnceLock;
    const LISTS: [&[&str]; 3] = [SYSTEM_FILES, CONFIG_FILES, LOG_FILES];
    static AUTOMATA: OnceLock<Vec<Option<aho_corasick::AhoCorasick>>> = OnceLock::new();
    let all = AUTOMATA.get_or_init(|| LISTS.iter().map(|l| super::textscan::automaton(l)).collect());
    let names = *LISTS.get(list)?;
    let ac = all.get(list)?.as_ref()?;
    let b = lower.as_bytes();
    for m in ac.find_overlapping_iter(b).take(64) {
        let name = names.get(m.pattern().as_usize()).copied()?;
        let (at, end) = (m.start(), m.end());
        let starts = at == 0
            || b.get(at - 1).is_some_and(|&c| matches!(c, b'/' | b':' | b'=' | b'"' | b'\'' | b' ' | b'\t' | b'>' | b'('));
        // `.env` must not be `.environment`; `.git` must not be `.github`.
        let ends = name.ends_with('/') || b.get(end).is_none_or(|&c| !(c.is_ascii_alphanumeric() || c == b'_' || c == b'-'));
        if starts && ends {
            return Some((at, name));
        }
    }
    None
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
        assert_eq!(normalise(b"a%00b").bytes, b"a");
    }
}
