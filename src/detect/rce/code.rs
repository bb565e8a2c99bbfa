//! Code execution through a scripting language's process API: Ruby (`Process.spawn`,
//! `Kernel.exec`, `IO.popen`, `Open3.capture2`), Python (`os.system`, `subprocess.run`,
//! `__import__('os')`), Node.js (`child_process.execSync`, `process.binding`). A module
//! and a method from one table, joined by `.` (or `::`), then a call: `(`, a quote or a
//! backtick.

/// The modules of `APIS` (the class gate's words).
pub(super) const MODULES: &[&str] = &["process", "kernel", "io", "open3", "pty", "os", "subprocess", "commands", "child_process", "runtime"];

/// (module, methods) pairs, lower-case.
const APIS: &[(&str, &[&str])] = &[
    ("process", &["spawn", "exec", "fork", "kill", "binding", "dlopen", "mainmodule", "detach"]),
    ("kernel", &["exec", "system", "spawn", "open", "eval", "fork", "syscall", "instance_eval", "send", "public_send"]),
    ("io", &["popen", "sysopen", "read", "readlines", "write"]),
    ("open3", &["popen3", "popen2", "popen2e", "capture2", "capture2e", "capture3", "pipeline", "pipeline_r", "pipeline_w", "pipeline_rw", "pipeline_start"]),
    ("pty", &["spawn", "getpty"]),
    ("os", &["system", "popen", "popen2", "popen3", "execl", "execle", "execlp", "execv", "execve", "execvp", "execvpe", "spawnl", "spawnv", "spawnve", "spawnlp", "posix_spawn", "startfile", "fork", "forkpty", "kill"]),
    ("subprocess", &["popen", "call", "run", "check_call", "check_output", "getoutput", "getstatusoutput"]),
    ("commands", &["getoutput", "getstatusoutput"]),
    ("child_process", &["exec", "execsync", "spawn", "spawnsync", "execfile", "execfilesync", "fork"]),
    ("runtime", &["exec"]),
];

/// Offset of a process-API call (`Process.spawn("id")`, `os.popen('ls')`,
/// `Open3::capture2 "id"`) or of `__import__('os'|'subprocess'|'pty')`.
pub(super) fn process_api_call(t: &str) -> Option<usize> {
    let s = t.as_bytes();
    if let Some(at) = super::find_ci(t, "__import__") {
        let rest = t.get(at + 10..).unwrap_or_default().trim_start();
        let arg = rest.strip_prefix('(').unwrap_or_default().trim_start().trim_start_matches(['\'', '"']);
        let lower = arg.get(..arg.len().min(12)).unwrap_or_default().to_ascii_lowercase();
        if ["os", "subprocess", "pty", "commands", "posix"].iter().any(|m| lower.starts_with(m) && lower.as_bytes().get(m.len()).is_some_and(|c| matches!(c, b'\'' | b'"' | b')'))) {
            return Some(at);
        }
    }
    let mut from = 0;
    let mut tries = 0;
    while let Some(dot) = s.get(from..).and_then(|r| memchr::memchr2(b'.', b':', r)).map(|o| o + from) {
        from = dot + 1;
        tries += 1;
        if tries > 64 {
            break;
        }
        let sep_len = if s.get(dot..dot + 2) == Some(b"::") { 2 } else if s.get(dot) == Some(&b'.') { 1 } else { continue };
        from = dot + sep_len;
        // The module before, the method after.
        let mut m0 = dot;
        while m0 > 0 && s.get(m0 - 1).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_') {
            m0 -= 1;
        }
        let module = t.get(m0..dot).unwrap_or_default();
        let f0 = dot + sep_len;
        let mut f1 = f0;
        while s.get(f1).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_') {
            f1 += 1;
        }
        let method = t.get(f0..f1).unwrap_or_default();
        if module.is_empty() || method.is_empty() || module.len() > 16 || method.len() > 16 {
            continue;
        }
        let Some((_, methods)) = APIS.iter().find(|(m, _)| module.eq_ignore_ascii_case(m)) else { continue };
        if !methods.iter().any(|m| method.eq_ignore_ascii_case(m)) {
            continue;
        }
        // A call: `(`, or (Ruby) a blank and a quoted/backticked argument.
        let mut k = f1;
        while matches!(s.get(k), Some(b' ' | b'\t')) {
            k += 1;
        }
        let call = match s.get(k) {
            Some(b'(') => true,
            Some(b'"' | b'\'' | b'`' | b'%') => k > f1,
            _ => false,
        };
        if call {
            return Some(m0);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn process_apis() {
        for a in [
            "Process.spawn(\"id\")",
            "Kernel.exec 'whoami'",
            "IO.popen(\"uname -a\").read",
            "Open3::capture2 \"id\"",
            "os.system('ls')",
            "__import__('os').popen('id').read()",
            "subprocess.check_output(['id'])",
            "cp = require('child_process'); child_process.execSync('id')",
            "x=1;PTY.spawn(\"/bin/sh\")",
        ] {
            assert!(process_api_call(a).is_some(), "{a}");
        }
        for b in [
            "process.spawn is a method name",
            "the os.system call is documented",
            "io.read",
            "subprocess",
            "our process.exec team meets (weekly)",
            "__import__ is a builtin",
            "myos.system(1)",
        ] {
            assert!(process_api_call(b).is_none(), "{b}");
        }
    }
}
