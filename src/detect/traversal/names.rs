//! Sensitive paths, by category: the files and directories whose mere mention as a path
//! component proves a probe (system files), that are a probe when the value is a path
//! (secrets: configuration, credentials, VCS and IDE metadata, AI-assistant configs), or
//! that are server/application logs (read for disclosure or log poisoning). Names are
//! lower-case and matched ASCII-case-insensitively at a component start; a name ending in
//! `/` or `_` is a prefix, any other must end at a component end (`.env` is not
//! `.environment`). Extend a category by adding a name; add a category with its kind.

use std::sync::OnceLock;

use aho_corasick::AhoCorasick;

/// How a category's names are scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Proves a probe wherever it appears as a path.
    System,
    /// A probe when the value is a path; may be mentioned in prose.
    Secret,
    /// A log file: a probe in a path context.
    Log,
}

/// A named group of sensitive paths.
#[derive(Debug)]
pub struct Category {
    pub name: &'static str,
    pub kind: Kind,
    pub names: &'static [&'static str],
}

pub const CATEGORIES: &[Category] = &[
    Category {
        name: "unix-system",
        kind: Kind::System,
        names: &[
            "etc/passwd", "etc/shadow", "etc/group", "etc/gshadow", "etc/hosts", "etc/issue", "etc/hostname",
            "etc/master.passwd", "master.passwd", "etc/sudoers", "etc/crontab", "etc/fstab", "etc/motd", "etc/profile",
            "etc/httpd/", "etc/apache2/", "etc/nginx/", "etc/mysql/", "etc/ssh/", "etc/security/", "etc/resolv.conf",
            "etc/inittab", "etc/os-release", "etc/lsb-release", "etc/subuid", "etc/subgid", "etc/environment",
            "etc/pam.d", "etc/ld.so.preload", "etc/ld.so.conf", "etc/apt/", "etc/cron.d", "etc/exports", "etc/mtab",
            "etc/netplan", "etc/php", "etc/redis", "etc/shells", "etc/aliases", "etc/networks", "etc/protocols",
            "etc/services", "etc/sysconfig/", "etc/nsswitch.conf", "etc/timezone", "etc/vsftpd", "etc/proftpd",
            "etc/postfix/", "etc/dovecot/", "etc/samba/", "etc/openvpn/", "etc/kubernetes/", "etc/docker/",
            "var/lib/mysql", "usr/local/apache", "boot/grub", "var/spool/cron", "var/mail/", "tmp/sess_",
            "var/lib/php/sess_", "private/etc/", "private/var/", "library/webserver/", "etc/pure-ftpd",
        ],
    },
    Category {
        name: "proc-sys",
        kind: Kind::System,
        names: &[
            "proc/self/", "proc/thread-self/", "proc/version", "proc/cpuinfo", "proc/meminfo", "proc/net/", "proc/mounts",
            "proc/interrupts", "proc/sched_debug", "proc/kallsyms", "proc/modules", "proc/partitions", "proc/loadavg",
            "proc/cmdline", "proc/filesystems", "proc/uptime", "proc/devices", "proc/stat", "proc/swaps", "proc/kcore",
            "proc/config.gz", "proc/1/", "sys/class", "sys/kernel", "sys/devices", "sys/firmware", "dev/mem", "dev/kmem", "dev/tcp/", "dev/udp/",
        ],
    },
    Category {
        name: "windows-system",
        kind: Kind::System,
        names: &[
            "win.ini", "boot.ini", "system.ini", "autoexec.bat", "windows/system32", "winnt/system32", "windows/repair",
            "windows/win.ini", "system32/config/", "system32/drivers/etc", "windows/panther", "windows/debug/",
            "inetpub/wwwroot", "inetpub/logs", "inetpub/ftproot", "sysprep.inf", "sysprep.xml", "sysprep/",
            "unattend.xml", "unattended.xml", "unattend.txt", "unattended.txt", "autounattend.xml", "ntuser.dat",
            "ntuser.ini", "desktop.ini", "$recycle.bin", "system volume information", "minint/smsosd", "pagefile.sys", "hiberfil.sys",
            "repair/sam", "config/sam", "filezilla server.xml", "filezillaftp/",
        ],
    },
    Category {
        name: "credentials",
        kind: Kind::System,
        names: &[
            ".ssh/", "id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", "authorized_keys", "known_hosts", ".bash_history",
            ".mysql_history", ".psql_history", ".sh_history", ".zsh_history", ".python_history", ".node_repl_history",
            ".docker/", ".gnupg/",
        ],
    },
    Category {
        name: "java-webapp",
        kind: Kind::System,
        names: &["web-inf/", "meta-inf/", "web-inf"],
    },
    Category {
        name: "app-config",
        kind: Kind::Secret,
        names: &[
            ".htaccess", ".htpasswd", ".htdigest", ".env", ".gitconfig", ".git-credentials", ".ds_store", "web.config",
            "php.ini", "httpd.conf", "apache2.conf", "nginx.conf", "my.cnf", "my.ini", "wp-config.php", ".npmrc",
            ".yarnrc", ".pypirc", ".aws/credentials", ".aws/config", ".docker/config.json", ".kube/config",
            "applicationhost.config", ".bashrc", ".cshrc", ".shosts", ".rhosts", ".netrc", ".profile", ".viminfo",
            ".pgpass", ".my.cnf", ".bash_profile", ".zshrc", ".lesshst", ".xauthority", ".forward", ".passwd",
            ".s3cfg", ".boto", ".azure/", ".config/gcloud/", "credentials.json", "secrets.yml", "secrets.json",
            "app/etc/local.xml", "localsettings.php", "settings.local.php", "configuration.php", "config.inc.php",
            "database.yml", "parameters.yml", "appsettings.json", "pg_hba.conf", "pg_ident.conf", "postgresql.conf",
        ],
    },
    Category {
        name: "vcs-ide",
        kind: Kind::Secret,
        names: &[".git/", ".git", ".svn/", ".hg/", ".bzr/", "cvs/entries", ".idea/", ".vscode/", ".vs/", "_darcs/", ".fslckout"],
    },
    Category {
        name: "ai-assistant",
        kind: Kind::Secret,
        names: &[
            ".claude/", ".cursor/", ".continue/", ".aider/", ".aider.conf.yml", ".aider.chat.history.md", ".roo/",
            ".roomodes", ".zed/", ".cline/", ".clinerules", ".kiro/", ".windsurf/", ".windsurfrules", ".rovodev/",
            ".codex/", ".opencode/", ".a0proj/", ".plandex/", ".fabric/", ".n8n/", ".junie/", ".gemini/", ".aiignore",
            ".cursorignore", ".cursorrules", ".mcp.json",
        ],
    },
    Category {
        name: "logs",
        kind: Kind::Log,
        names: &[
            "access_log", "error_log", "access.log", "error.log", "errors.log", "debug.log", "httpd-access.log",
            "httpd-error.log", "ssl_access_log", "ssl_error_log", "xferlog", "auth.log", "syslog", "messages",
            "php_errors.log", "php-errors.log", "php_error.log", "laravel.log", "npm-debug.log", "yarn-error.log",
            "pure-ftpd.log", "proftpd.log", "proftpd.system.log", "vsftpd.log", "mysql.log", "mysqld.log",
            "mysql-error.log", "mail.log", "catalina.out", "install.log", "kern.log", "daemon.log", "lastlog", "wtmp",
        ],
    },
];

/// A sensitive name found in a value.
#[derive(Debug, Clone, Copy)]
pub struct Found {
    pub at: usize,
    pub name: &'static str,
    pub category: &'static Category,
}

/// The name list flattened (each name with its category) and its automaton.
struct Table {
    names: Vec<(&'static str, &'static Category)>,
    ac: Option<AhoCorasick>,
}

fn table() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(|| {
        let names: Vec<(&'static str, &'static Category)> = CATEGORIES.iter().flat_map(|c| c.names.iter().map(move |n| (*n, c))).collect();
        let plain: Vec<&str> = names.iter().map(|(n, _)| *n).collect();
        let ac = super::super::textscan::automaton(&plain);
        Table { names, ac }
    })
}

/// The first component-anchored sensitive name of each kind in `s` (System, Secret, Log).
pub fn find(s: &str) -> [Option<Found>; 3] {
    let mut found: [Option<Found>; 3] = [None; 3];
    let t = table();
    let Some(ac) = t.ac.as_ref() else { return found };
    let b = s.as_bytes();
    // Most values name nothing: one unanchored match test before the overlapping walk.
    if !ac.is_match(b) {
        return found;
    }
    for m in ac.find_overlapping_iter(b).take(64) {
        let Some(&(name, category)) = t.names.get(m.pattern().as_usize()) else { continue };
        let slot = match category.kind {
            Kind::System => 0,
            Kind::Secret => 1,
            Kind::Log => 2,
        };
        if found.get(slot).is_some_and(Option::is_some) {
            continue;
        }
        let (at, end) = (m.start(), m.end());
        // After a separator, quote or operator, or after a dot run (`....web-inf/`).
        let starts = at == 0
            || b.get(at - 1).is_some_and(|&c| matches!(c, b'/' | b':' | b'=' | b'"' | b'\'' | b' ' | b'\t' | b'>' | b'(' | b'$'))
            || at >= 2 && b.get(at - 2..at) == Some(b"..");
        // `.env` must not be `.environment`; `.git` must not be `.github`; a backup copy
        // (`passwd-`, `shadow~`) is the same file.
        let name_char = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'-';
        let after = match b.get(end) {
            Some(b'-' | b'~') => end + 1,
            _ => end,
        };
        let ends = name.ends_with('/') || name.ends_with('_') || b.get(after).is_none_or(|&c| !name_char(c));
        if starts && ends {
            if let Some(f) = found.get_mut(slot) {
                *f = Some(Found { at, name, category });
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &str) -> Vec<&'static str> {
        find(s).iter().flatten().map(|f| f.category.name).collect()
    }

    #[test]
    fn categories() {
        assert_eq!(kinds("../../etc/passwd"), ["unix-system"]);
        assert_eq!(kinds("/proc/interrupts"), ["proc-sys"]);
        assert_eq!(kinds("C:/sysprep/sysprep.xml"), ["windows-system"]);
        assert_eq!(kinds("/home/u/.ssh/id_rsa"), ["credentials"]);
        assert_eq!(kinds("/.claude/settings.json"), ["ai-assistant"]);
        assert_eq!(kinds("/.git/config"), ["vcs-ide"]);
        assert_eq!(kinds("/wp-content/debug.log"), ["logs"]);
        assert_eq!(kinds("/tmp/sess_abc123"), ["unix-system"]);
        assert_eq!(kinds("/etc/passwd-"), ["unix-system"]);
        assert_eq!(kinds("....web-inf/web.xml"), ["java-webapp"]);
    }

    #[test]
    fn component_anchored() {
        for s in ["/environment/setup", "my.envelope", "github.com/user/.github", "passwd reset for etc", "/api/messages2", "/myetc/passwd", "/.env-example", "/etc/passwords"] {
            assert!(kinds(s).is_empty(), "{s}: {:?}", kinds(s));
        }
    }
}
