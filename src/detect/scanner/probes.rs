//! Path probes: requests for files that only exist by accident or compromise. What a
//! probe is worth, in monitoring terms (see docs/detection-classes.md):
//!
//! - a backup, dump or editor swap copy of a site (`/db.sql`, `/backup.tar.gz`,
//!   `/wp-config.php.bak`, `/settings.php.swp`): information-disclosure probing; served,
//!   it leaks source or data. Scored 5 (an attack on its own);
//! - a known web-shell name or a quarantined shell (`/wso.php`, `/c99.php`,
//!   `/x.php.suspected`): a look for a backdoor left by an earlier compromise. Scored 5;
//! - handler confusion: a script name followed by a delimiter some layer cuts at and a
//!   static extension (`/shell.php;.png`, `/do.php%23.png`, `/x.asp%00.jpg`): executes an
//!   upload on IIS/PHP-FPM or poisons a cache (web cache deception). Scored 5.
//!
//! Scanner user agents stay low-score (in `scanner::scan_request`): a tool name alone
//! says who, not what.

/// Archive/dump extensions (longest first where one is a suffix of another).
const ARCHIVES: &[&str] = &[".tar.gz", ".tar.bz2", ".tar.xz", ".tar.zst", ".tgz", ".tar", ".zip", ".gz", ".bz2", ".xz", ".7z", ".rar", ".zst"];
/// Words that, anywhere in an archive's name, make it a backup (`site_backup-2024.zip`).
const BACKUP_WORDS: &[&str] = &["backup", "backups", "bak", "bkp", "dump", "dbdump", "mysqldump", "database", "db", "sql", "mysql"];
/// Whole archive stems that are a copy of the web root (`www.zip`, `htdocs.tar.gz`).
const WEBROOT_STEMS: &[&str] = &["www", "wwwroot", "htdocs", "public_html", "site", "website", "web", "html", "webroot"];
/// Editor, copy and backup suffixes appended to an existing file.
const COPY_SUFFIXES: &[&str] = &[".bak", ".old", ".orig", ".swp", ".swo", "~", ".save", ".backup", ".copy", ".tmp", ".sav", ".bk", ".dist", ".original", ".1"];
/// Server-side file types whose copy leaks source or secrets.
const SOURCE_TYPES: &[&str] = &[
    ".php", ".asp", ".aspx", ".jsp", ".inc", ".conf", ".config", ".cfg", ".ini", ".xml", ".yml", ".yaml", ".env",
    ".py", ".rb", ".pl", ".cgi", ".js", ".json", ".sql", ".htaccess", ".htpasswd", ".properties", ".cfm", ".phtml",
];
/// Names of widespread web shells and backdoor droppers (lower-case file names).
const SHELLS: &[&str] = &[
    "wso.php", "wso2.8.php", "c99.php", "c99shell.php", "r57.php", "r57shell.php", "c100.php", "b374k.php",
    "alfa.php", "alfashell.php", "alfa-rex.php", "indoxploit.php", "0byt3m1n1.php", "webshell.php", "shell.php",
    "cmd.php", "sh3ll.php", "symlink.php", "madspot.php", "priv8.php", "marijuana.php", "minishell.php",
    "cmd.asp", "cmd.aspx", "shell.asp", "shell.aspx", "cmd.jsp", "shell.jsp", "cmdjsp.jsp", "jspspy.jsp", "aspxspy.aspx",
];
/// Script types that a handler-confusion probe smuggles.
const SCRIPTS: &[&str] = &[".php", ".php3", ".php4", ".php5", ".php7", ".phtml", ".phar", ".asp", ".aspx", ".asa", ".cer", ".jsp", ".jspx", ".cgi", ".pl", ".cfm", ".shtml"];
/// Static types that the confusion appends.
const STATICS: &[&str] = &[".png", ".jpg", ".jpeg", ".gif", ".ico", ".bmp", ".webp", ".svg", ".css", ".js", ".txt", ".pdf", ".html", ".htm", ".woff", ".woff2"];

/// A path probe found in the (decoded, lower-cased) path.
#[derive(Debug, PartialEq, Eq)]
pub struct Probe {
    pub rule: &'static str,
    pub what: &'static str,
}

/// Classifies the last segment of the raw request path: decodes it (when it has escapes)
/// and lower-cases it, without touching the rest of the path.
pub fn classify_raw(path: &str) -> Option<Probe> {
    let seg = path.rsplit('/').next().unwrap_or_default();
    if seg.len() < 3 || !seg.bytes().any(|b| matches!(b, b'.' | b'~' | b'%' | b';')) {
        return None;
    }
    let decoded = if seg.contains('%') { crate::decode::url::decode_str(seg, false) } else { seg.to_string() };
    classify(&decoded.to_ascii_lowercase())
}

/// Classifies the last segment of `path` (percent-decoded, lower-case).
pub fn classify(path: &str) -> Option<Probe> {
    let name = path.rsplit('/').next().unwrap_or_default();
    if name.is_empty() {
        return None;
    }
    // Ordinary pages and assets (`.html`, `.png`, `.jsp`, no extension) are decided by
    // their last extension alone: only a static type can hide a confusion, and only
    // archive, dump, copy and script types can be backups or shells.
    let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
    let static_type = STATICS.iter().any(|s| s.get(1..) == Some(ext));
    if !static_type && !name.ends_with('~') && !matches!(ext, "sql" | "dump" | "sqlite" | "mdb" | "php" | "asp" | "aspx" | "jsp" | "suspected")
        && !ARCHIVES.iter().any(|a| a.rsplit('.').next() == Some(ext))
        && !COPY_SUFFIXES.iter().any(|c| c.get(1..) == Some(ext))
    {
        return None;
    }
    if static_type {
        return confusion(name).map(|what| Probe { rule: "scanner.handler-confusion", what });
    }
    if SHELLS.contains(&name) || name == ".suspected" || name.ends_with(".suspected") && name.len() > ".suspected".len() {
        return Some(Probe { rule: "scanner.web-shell-probe", what: "web shell" });
    }
    if let Some(what) = backup(name) {
        return Some(Probe { rule: "scanner.backup-file-probe", what });
    }
    None
}

fn backup(name: &str) -> Option<&'static str> {
    // A database dump, possibly compressed: `db.sql`, `dump.sql.gz`.
    let bare = ARCHIVES.iter().find_map(|a| name.strip_suffix(a)).unwrap_or(name);
    if bare.ends_with(".sql") && bare.len() > 4 || name.ends_with(".dump") || name.ends_with(".sqlite") || name.ends_with(".mdb") {
        return Some("database dump");
    }
    // A site backup archive: `backup.zip`, `www-2024.tar.gz`, `db.gz`.
    if let Some(stem) = ARCHIVES.iter().find_map(|a| name.strip_suffix(a)) {
        let core = stem.trim_end_matches(|c: char| c.is_ascii_digit() || matches!(c, '-' | '_' | '.'));
        if WEBROOT_STEMS.contains(&core) || core.split(['-', '_', '.']).any(|w| BACKUP_WORDS.contains(&w)) {
            return Some("site backup");
        }
    }
    // A copy of a source or config file: `config.php.bak`, `settings.php.swp`, `.env.old`.
    for s in COPY_SUFFIXES {
        if let Some(stem) = name.strip_suffix(s) {
            if SOURCE_TYPES.iter().any(|t| stem.ends_with(t)) || stem.starts_with('.') && stem.len() > 1 || ["index", "config", "web", "wp-config", "settings", "database"].contains(&stem) {
                return Some("source backup");
            }
        }
    }
    None
}

/// `x.php;.png`, `x.php#.png`, `x.php\n.png`, `x.php%00.jpg`, `x.php嘊.png`: a script
/// extension, then a delimiter (or undecodable/non-ASCII junk) and a static extension.
fn confusion(name: &str) -> Option<&'static str> {
    let stat = STATICS.iter().find(|s| name.ends_with(*s))?;
    let head = name.get(..name.len().saturating_sub(stat.len()))?;
    // Each dot of the head may start a script type (byte compares, no substring search).
    for at in memchr::memchr_iter(b'.', head.as_bytes()) {
        let rest = head.get(at..)?;
        for sc in SCRIPTS.iter().filter(|sc| rest.starts_with(*sc)) {
            let between = rest.get(sc.len()..)?;
            if between.is_empty() || between.chars().count() > 8 {
                continue;
            }
            // The first character after the script type is where some layer stops reading.
            if between.chars().next().is_some_and(|c| matches!(c, ';' | '#' | '?' | '\\' | '%' | '\0' | '\r' | '\n' | '\t' | ' ') || !c.is_ascii()) {
                return Some("script behind a static extension");
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(p: &str) -> Option<&'static str> {
        classify(p).map(|x| x.rule)
    }

    #[test]
    fn probes() {
        for p in ["/db.sql", "/db.sql.gz", "/backup.gz", "/backup/db.gz", "/dump.sql.bz2", "/www-2024.tar.gz", "/site_backup.zip", "/./dmp.sql", "/backup.zip"] {
            assert_eq!(rule(p), Some("scanner.backup-file-probe"), "{p}");
        }
        for p in ["/settings.php.swp", "/wp-settings.php.swp", "/config.php.bak", "/.env.old", "/wp-config.php~", "/web.config.orig"] {
            assert_eq!(rule(p), Some("scanner.backup-file-probe"), "{p}");
        }
        for p in ["/wso.php", "/.suspected", "/wp-content/uploads/x.php.suspected", "/c99.php", "/cmd.aspx"] {
            assert_eq!(rule(p), Some("scanner.web-shell-probe"), "{p}");
        }
        for p in ["/do.php;.png", "/do.php#.png", "/do.php\n.png", "/do.php\\u560a.png", "/do.php\u{560a}.png", "/x.asp\0.jpg", "/a/shell.aspx;x.jpg"] {
            assert_eq!(rule(p), Some("scanner.handler-confusion"), "{p:?}");
        }
    }

    #[test]
    fn raw_paths() {
        for p in ["/%2e/dmp.sql", "/do.php%23.png", "/do.php%E5%98%8A.png", "/do.php%5Cu003b.png", "/Backup.ZIP", "/x/WSO.php"] {
            assert!(classify_raw(p).is_some(), "{p}");
        }
        assert!(classify_raw("/index.html").is_none());
        assert!(classify_raw("/").is_none());
    }

    #[test]
    fn ordinary_files() {
        for p in [
            "/files/xboxproxy/proxy-2.1.tar.gz", "/projects/imchat.tar.gz", "/scripts/python/wrap.backup/", "/scripts/wrap.backup/main.py",
            "/misc/sample.log", "/files/report.old.pdf", "/index.php", "/images/logo.png", "/download/release-1.2.zip",
            "/static/app.js", "/x.jsp;jsessionid=abc", "/php.png", "/docs/sql.html", "/shell.html", "/data/export.csv",
        ] {
            assert_eq!(rule(p), None, "{p}");
        }
    }
}
