//! The detector registry: which per-value (`ScanFn`) and request-level (`RequestScanFn`)
//! detectors the engine runs, keyed by attack class (see `config::CLASS_NAMES`). A class
//! disabled in the config skips its entries. Add a detector by adding a line here.

use super::{crlf, java, jndi, ldapi, nosqli, php, protocol, rce, rfi, scanner, sqli, ssrf, ssti, traversal, xss, xxe, RequestScanFn, ScanFn};

/// Per-value detectors, run on every decoded variant of every extracted value.
pub static VALUE_SCANNERS: &[(&str, ScanFn)] = &[
    ("sqli", sqli::scan),
    ("xss", xss::scan),
    ("traversal", traversal::scan),
    ("rfi", rfi::scan),
    ("rce", rce::scan),
    ("ssrf", ssrf::scan),
    ("ssti", ssti::scan),
    ("nosqli", nosqli::scan),
    ("ldapi", ldapi::scan),
    ("xxe", xxe::scan),
    ("jndi", jndi::scan),
    ("crlf", crlf::scan),
    ("php", php::scan),
    ("java", java::scan),
];

/// Request-level detectors, run once per request on the whole `HttpRequest`.
pub static REQUEST_SCANNERS: &[(&str, RequestScanFn)] = &[
    ("traversal", traversal::scan_request),
    ("xxe", xxe::scan_request),
    ("scanner", scanner::scan_request),
    ("protocol", protocol::scan_request),
];

/// Extra prefilter keywords: words that make a punctuation-free value worth inspecting for
/// the classes registered here (the engine's own SQL/HTML/JS words are built in).
pub static PREFILTER_KEYWORDS: &[&str] = &[
    // ssrf: bare host names in URL parameters
    "localhost", "metadata", "169.254", "instance-data",
    // rce: command lines made only of words, options and addresses (`uname -a`, `net view`)
    "whoami", "uname", "ifconfig", "ipconfig", "netstat", "systeminfo", "tasklist", "netsh", "net user",
    "net view", "net localgroup", "which ", "ping ", "ls -", "ps -", ".exe ",
    // java: class names and Spring property paths
    // php/java: uploaded script and session file names (`a.php5`, `shell.jsp`, `sess_<id>`)
    "php", "pht", "phar", "jsp", "sess_",
    "java.", "javax.", "classloader", "aced0005", "rO0AB", "com.sun.", "sun.misc.", "opensymphony", "org.apache.", "org.omg.",
    "org.mozilla.", "org.springframework.", "jdk.", "processbuilder", "transformer", "forclosure", "whileclosure",
    "templatesimpl", "rowsetimpl", "xmldecoder", "scriptengine", "weblogic.", "org.hibernate.", "groovy.",
    // traversal: sensitive file names without a slash
    "boot.ini", "win.ini", "system.ini", "web-inf", ".htaccess", ".htpasswd", ".env", ".git", "web.config",
    "0x2f", "0x5c", "0x2e", "passwd", "..2f", "..5c",
];
