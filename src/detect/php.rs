//! PHP injection and gadgets: serialized objects (`O:8:"stdClass":..`), stream wrappers
//! (`php://filter`, `phar://`, `expect://`, `data://`), open tags, superglobals,
//! PHP-FPM `PHP_VALUE` directives and calls of dangerous functions. Calls are found on a
//! normalised "code view" of the value: `\x73`/octal escapes decoded, `/* */` comments
//! and string concatenations (`"sys"."tem"`) removed, quotes dropped, so obfuscated
//! spellings resolve to the same name.

use super::gate::Triggers;
use super::textscan::{contains_ci, find_ci, hit, is_ident, push_once, snippet};
use super::{Hit, Part, Value};

const CLASS: &str = "php";
const MAX_BYTES: usize = 8192;

/// Functions whose call is proof on its own (rarely words in prose).
const STRONG_FUNCS: &[&str] = &[
    "passthru", "shell_exec", "proc_open", "popen", "pcntl_exec", "phpinfo", "base64_decode",
    "gzinflate", "gzuncompress", "gzdecode", "str_rot13", "create_function", "call_user_func",
    "call_user_func_array", "file_get_contents", "file_put_contents", "highlight_file",
    "show_source", "assert_options", "fsockopen", "pfsockopen", "unserialize",
    "move_uploaded_file", "stream_get_contents", "ini_set", "ini_get_all", "set_include_path",
    "get_defined_vars", "get_defined_functions", "php_uname", "phpversion", "var_dump", "print_r",
    "readfile", "fpassthru", "parse_ini_file", "highlight_string", "hex2bin", "posix_getpwuid",
    "posix_kill", "posix_setuid", "proc_close", "proc_get_status", "preg_replace_callback",
    "array_map", "register_shutdown_function", "register_tick_function", "ob_start",
    "escapeshellcmd", "escapeshellarg", "symlink", "chmod", "chown", "tempnam", "tmpfile",
    "getcwd", "scandir", "glob", "opendir", "readdir", "file_exists", "is_writable", "unlink",
    "rmdir", "mkdir", "fopen", "fwrite", "fputs", "fread", "fgets", "curl_exec", "curl_init",
    "dl", "putenv", "getenv", "apache_setenv", "mb_send_mail", "imap_open", "error_log",
    "simplexml_load_string", "simplexml_load_file", "xmlrpc_decode", "include_once",
    "require_once", "preg_replace", "convert_uudecode", "gzopen", "bzopen", "sleep",
    "usleep", "extract", "parse_str", "import_request_variables", "bzdecompress", "zlib_decode",
    "gzinflate", "strrev", "str_ireplace", "get_current_user", "getmypid", "getmyuid",
];

/// Function families that reach the process and the OS (`posix_getegid()`, `pcntl_fork()`).
const STRONG_PREFIXES: &[&str] = &["posix_", "pcntl_", "proc_", "shell_", "stream_socket_", "socket_create"];

/// Functions that are also common words: the call must carry a PHP-looking argument.
const WEAK_FUNCS: &[&str] = &["system", "exec", "eval", "assert", "include", "require", "file", "mail", "echo", "print", "die", "exit", "copy", "rename", "header", "list", "count", "compact"];

/// Everyday built-ins (string, array, file-metadata functions): a call counts only with a
/// code argument list (`$x`, a quoted string, a number, or none: `chr(123)`, `substr($x)`,
/// `unpack()`). Names that are English words are left out.
const CODE_FUNCS: &[&str] = &[
    "chr", "ord", "substr", "unpack", "strip_tags", "intval", "printf", "sprintf", "vsprintf", "filegroup", "fileowner",
    "fileperms", "filesize", "fileinode", "is_array", "is_dir", "is_file", "str_replace", "implode",
    "explode", "urldecode", "rawurldecode", "base_convert", "bin2hex", "strtolower", "strtoupper", "md5", "sha1",
    "crc32", "serialize", "json_decode", "array_filter", "array_walk", "usort", "uasort", "uksort", "iterator_apply",
    "func_get_args", "get_class", "method_exists", "function_exists", "class_exists", "is_callable", "ini_get",
    "phpcredits", "php_sapi_name", "sys_get_temp_dir", "getmyinode", "getlastmod", "get_cfg_var", "realpath",
    "pathinfo", "lchown", "lchgrp", "chgrp", "umask", "disk_free_space", "ftok", "str_repeat", "str_pad", "strlen",
    "strpos", "preg_match", "preg_split", "array_merge", "in_array", "var_export", "debug_zval_dump",
    "debug_print_backtrace", "get_included_files", "get_loaded_extensions", "getrusage", "gethostname", "getmygid",
    "ini_restore", "ini_alter", "array_reduce", "array_diff_ukey", "forward_static_call", "func_get_arg",
];

const WRAPPERS: &[&str] = &[
    "php://", "phar://", "expect://", "zip://", "compress.zlib://", "compress.bzip2://", "glob://",
    "ogg://", "rar://", "ssh2.shell://", "ssh2.exec://", "ssh2.tunnel://", "ssh2.sftp://",
    "zlib://", "data://", "data:text/plain", "data:application/x-httpd-php",
    "data:text/html;base64,pd9", "data:;base64,pd9",
];

const SUPERGLOBALS: &[&str] = &["$_get", "$_post", "$_request", "$_cookie", "$_server", "$_files", "$_env", "$_session", "$globals", "$http_raw_post_data", "$http_get_vars", "$http_post_vars"];

/// What a value must contain for any rule of this class to match (see `gate`): add a
/// trigger here with every new rule.
pub const TRIGGERS: Triggers = Triggers {
    // `$`-rules (superglobals, variable variables) are covered by their literals, calls by
    // `call_possible`.
    anywhere: &[
        // `O:8:"..."`, `C:..`, `a:2:{..}`
        &["o:", "c:", "a:"],
        WRAPPERS,
        &["<?", "[php]", "[/php]", "${", "{${", "php_value", "php_admin_value"],
        // Function families called by prefix, web-shell URLs, session-file uploads.
        &["posix_", "pcntl_", "proc_", "://", "sess_", "php"],
        SUPERGLOBALS,
    ],
    // A script file name in an upload header or field.
    custom: Some(|v| {
        matches!(v.part, Part::Header | Part::BodyValue) && upload_name(v.name)
            || call_possible(v.text)
            // `$ {x}` (variable variables with blanks), php.ini directives.
            || v.text.contains('$') && v.text.contains('{')
            || v.text.contains('=') && ini_name_possible(v.text)
    }),
    ..Triggers::NONE
};

/// The gate's condition for the call rules (`dangerous_call`, `variable_call`,
/// `callable_expression` on the code view): a `(`, and then either something `code_view`
/// rewrites (escapes, comments, quotes: anything may follow) or, on text it only
/// lower-cases, a listed function name before a `(` or a `)` before one.
fn call_possible(full: &str) -> bool {
    let t = full.get(..super::textscan::floor_char(full, MAX_BYTES)).unwrap_or(full);
    let b = t.as_bytes();
    if !b.contains(&b'(') {
        return false;
    }
    // (`[` for `array_callable`.)
    if b.iter().any(|c| matches!(c, b'\\' | b'#' | b'"' | b'\'' | b'$' | b'[')) || super::textscan::find_lit!(b, b"/*").is_some() {
        return true;
    }
    let mut n = 0;
    for (p, _) in b.iter().enumerate().filter(|(_, &c)| c == b'(') {
        n += 1;
        if n > 256 {
            return true;
        }
        // `callable_expression`: a `)` before, over blanks and `[..]` (its walk).
        let k = back_over_blanks_and_indexes(b, p);
        if k > 0 && b.get(k - 1) == Some(&b')') {
            return true;
        }
        // `dangerous_call`: the identifier before (over blanks), lower-cased.
        let mut e = p;
        while e > 0 && b.get(e - 1).is_some_and(|&c| matches!(c, b' ' | b'\t' | b'\n' | b'\r')) {
            e -= 1;
        }
        let mut s = e;
        while s > 0 && b.get(s - 1).is_some_and(|&c| is_ident(c)) {
            s -= 1;
        }
        let name = b.get(s..e).unwrap_or_default();
        let is = |f: &&str| f.len() == name.len() && f.as_bytes().eq_ignore_ascii_case(name);
        let glued = |f: &&str| f.len() >= 8 && name.len() > 8 && name.len() >= f.len() && name.get(name.len() - f.len()..).is_some_and(|x| x.eq_ignore_ascii_case(f.as_bytes()));
        if STRONG_FUNCS.iter().any(|f| is(f) || glued(f)) || WEAK_FUNCS.iter().any(is) || CODE_FUNCS.iter().any(is) {
            return true;
        }
    }
    false
}

/// Per-value scan.
pub fn scan(v: &Value<'_>, out: &mut Vec<Hit>) {
    let full = v.text;
    let t = full.get(..super::textscan::floor_char(full, MAX_BYTES)).unwrap_or(full);
    let since = out.len();
    let b = t.as_bytes();

    if t.contains(':') {
        if let Some(ev) = serialized_object(t) {
            push_once(out, since, hit("php.serialized-object", CLASS, 5, 1, ev));
        } else if let Some(ev) = serialized_array(t) {
            push_once(out, since, hit("php.serialized-array", CLASS, 3, 1, ev));
        }
        static WRAPPERS_AC: std::sync::OnceLock<Option<aho_corasick::AhoCorasick>> = std::sync::OnceLock::new();
        if let Some(ac) = WRAPPERS_AC.get_or_init(|| super::textscan::automaton(WRAPPERS)) {
            if let Some(m) = ac.find_overlapping_iter(b).take(8).find(|m| super::textscan::word_start(b, m.start())) {
                push_once(out, since, hit("php.stream-wrapper", CLASS, 5, 1, snippet(t, m.start(), m.start() + 80)));
            }
        }
    }
    if let Some(at) = remote_webshell(t) {
        push_once(out, since, hit("php.remote-webshell", CLASS, 5, 1, snippet(t, at, at + 80)));
    }
    if let Some(at) = find_ci(t, "<?php").or_else(|| super::textscan::find_lit!(b, b"<?=")) {
        push_once(out, since, hit("php.open-tag", CLASS, 5, 1, snippet(t, at, at + 80)));
    } else if let Some(at) = super::textscan::find_lit!(b, b"<?") {
        let next = b.get(at + 2).copied();
        if let Some(at) = xml_php_polyglot(t) {
            // `<?xml :echo 1;`: with short tags on, PHP runs what follows `<?`.
            push_once(out, since, hit("php.open-tag", CLASS, 5, 1, snippet(t, at, at + 80)));
        } else if next.is_some_and(|c| c.is_ascii_whitespace()) && !contains_ci(t.get(at..).unwrap_or_default(), "<?xml") {
            // `<? echo 'x'; ?>`, `<? php ..`: code follows.
            let code = t.get(at + 2..).unwrap_or_default().trim_start();
            let kw = ["echo", "print", "system", "eval", "include", "require", "exec", "passthru", "php", "$", "@"].iter().any(|k| code.to_ascii_lowercase().starts_with(k));
            let (score, pl) = if kw { (5, 1) } else { (3, 2) };
            push_once(out, since, hit("php.short-open-tag", CLASS, score, pl, snippet(t, at, at + 80)));
        }
    }
    if let Some(at) = find_ci(t, "[php]").or_else(|| find_ci(t, "[/php]")).or_else(|| find_ci(t, "[\\php]")) {
        push_once(out, since, hit("php.bbcode-php", CLASS, 5, 1, snippet(t, at, at + 60)));
    }
    // Variable variables: `${'name'}`, `$ {$a}`, `$  { CONST }`.
    if let Some((score, at)) = variable_variable(b) {
        push_once(out, since, hit("php.variable-variable", CLASS, score, 1, snippet(t, at, at + 40)));
    }
    // `opcache.jit=0`, `auto_prepend_file=..`: a php.ini directive set as the value.
    if let Some(at) = ini_directive(t) {
        push_once(out, since, hit("php.ini-directive", CLASS, 5, 1, snippet(t, at, at + 80)));
    }
    if matches!(v.part, Part::Header | Part::BodyValue) && upload_name(v.name) {
        if let Some(ext) = script_extension(t) {
            push_once(out, since, hit("php.script-upload", CLASS, 5, 1, format!("{ext}: {}", snippet(t, 0, 80))));
        }
        if session_file(t) {
            push_once(out, since, hit("php.session-file-upload", CLASS, 5, 1, snippet(t, 0, 80)));
        }
    }
    if t.contains('$') {
        for g in SUPERGLOBALS {
            if let Some(at) = find_ci(t, g) {
                if b.get(at + g.len()).is_some_and(|&c| is_ident(c)) {
                    continue;
                }
                let indexed = t.get(at + g.len()..).is_some_and(|r| r.trim_start().starts_with('[') || r.trim_start().starts_with('{'));
                let score = if indexed { 5 } else { 3 };
                push_once(out, since, hit("php.superglobal", CLASS, score, 1, snippet(t, at, at + 60)));
                break;
            }
        }
    }
    // Complex interpolation evaluating code: `${@print(..)}`, `{${system('id')}}`.
    if let Some(at) = super::textscan::find_lit!(b, b"${@").or_else(|| super::textscan::find_lit!(b, b"{${")) {
        if t.get(at..).is_some_and(|r| r.contains('(')) {
            push_once(out, since, hit("php.interpolated-code", CLASS, 5, 1, snippet(t, at, at + 60)));
        }
    }
    if let Some(at) = find_ci(t, "php_value").or_else(|| find_ci(t, "php_admin_value")) {
        let rest = t.get(at..).unwrap_or_default().to_ascii_lowercase();
        let directive = ["auto_prepend_file", "auto_append_file", "allow_url_include", "session.", "open_basedir", "disable_functions", "extension", "include_path", "error_log", "log_errors"].iter().any(|d| rest.contains(d));
        if directive {
            push_once(out, since, hit("php.fpm-directive", CLASS, 5, 1, snippet(t, at, at + 80)));
        }
    }
    if t.contains('(') {
        let code = code_view(t);
        if let Some((name, strong, at)) = dangerous_call(&code) {
            let ev = snippet(&code, at, at + 80);
            let rule = if strong { "php.function-call" } else { "php.function-call-with-code-argument" };
            let _ = name;
            push_once(out, since, hit(rule, CLASS, 5, 1, ev));
        }
        if let Some(at) = variable_call(&code) {
            push_once(out, since, hit("php.variable-function-call", CLASS, 5, 1, snippet(&code, at, at + 60)));
        }
        if let Some(at) = array_callable(&code) {
            push_once(out, since, hit("php.variable-function-call", CLASS, 5, 1, snippet(&code, at, at + 60)));
        }
        if let Some(at) = callable_expression(&code) {
            push_once(out, since, hit("php.callable-expression", CLASS, 5, 1, snippet(&code, at.saturating_sub(30), at + 40)));
        }
    }
}

/// `<?xml` followed (over blanks) by `:` or a statement instead of attributes: an XML
/// declaration that PHP with short tags reads as `<?` and code (`<?xml :echo 1;`).
fn xml_php_polyglot(t: &str) -> Option<usize> {
    let at = find_ci(t, "<?xml")?;
    let rest = t.get(at + 5..)?.trim_start_matches([' ', '\t', '\r', '\n']);
    rest.starts_with(':').then_some(at)
}

/// `${'x'}`, `${"x"}`, `${$x}` (score 5), `$ {..}` with blanks after `$`, which only PHP
/// accepts (5); `${x}` alone is also template syntax and does not count.
fn variable_variable(b: &[u8]) -> Option<(u32, usize)> {
    let mut from = 0;
    let mut tries = 0;
    while let Some(at) = b.get(from..).and_then(|r| memchr::memchr(b'$', r)).map(|o| o + from) {
        from = at + 1;
        tries += 1;
        if tries > 32 {
            break;
        }
        let blanks = b.get(at + 1..).map_or(0, |r| r.iter().take(32).take_while(|c| matches!(c, b' ' | b'\t')).count());
        let open = at + 1 + blanks;
        if b.get(open) != Some(&b'{') {
            continue;
        }
        let Some(close) = b.get(open + 1..).and_then(|r| r.iter().take(64).position(|&c| c == b'}' || c == b'{')) else { continue };
        let inner = b.get(open + 1..open + 1 + close).unwrap_or_default();
        if b.get(open + 1 + close) != Some(&b'}') {
            continue;
        }
        let body = inner.iter().position(|c| !c.is_ascii_whitespace()).and_then(|k| inner.get(k..)).unwrap_or_default();
        let Some(&first) = body.first() else { continue };
        if matches!(first, b'\'' | b'"' | b'$') {
            return Some((5, at));
        }
        let word = body.iter().rposition(|c| !c.is_ascii_whitespace()).and_then(|e| body.get(..=e)).unwrap_or_default();
        if blanks > 0 && (first.is_ascii_alphabetic() || first == b'_') && word.iter().all(|&c| is_ident(c)) {
            return Some((5, at));
        }
    }
    None
}

/// php.ini sections whose dotted directives (`session.save_path`) set PHP behaviour.
const INI_SECTIONS: &[&str] = &[
    "opcache", "session", "mbstring", "pcre", "zend", "assert", "mysqli", "pdo_mysql", "phar", "xdebug", "apc", "apcu",
    "sqlite3", "mysqlnd", "iconv", "intl", "soap", "curl", "openssl", "zlib", "url_rewriter", "highlight", "ffi",
    "realpath_cache_size", "user_ini", "cgi", "fastcgi",
];

/// Directives named alone (underscored names PHP applications do not use as values).
const INI_DIRECTIVES: &[&str] = &[
    "auto_prepend_file", "auto_append_file", "allow_url_include", "allow_url_fopen", "disable_functions",
    "disable_classes", "open_basedir", "memory_limit", "max_execution_time", "extension_dir", "include_path",
    "upload_tmp_dir", "unserialize_max_depth", "unserialize_callback_func", "register_globals", "safe_mode",
    "short_open_tag", "display_errors", "error_reporting", "log_errors", "error_log", "file_uploads",
    "post_max_size", "upload_max_filesize", "sendmail_path", "default_charset", "expose_php", "auto_detect_line_endings",
    "doc_root", "user_dir", "enable_dl", "html_errors", "output_handler", "variables_order", "request_order",
];

/// Offset of `directive = value` opening the value, the directive being a php.ini name:
/// PHP-FPM/CGI configuration injection (`PHP_VALUE`, `-d` switches) spelt without them.
fn ini_directive(t: &str) -> Option<usize> {
    let s = t.trim_start();
    let at = t.len() - s.len();
    let eq = s.find('=')?;
    let name = s.get(..eq)?.trim_end();
    let value = s.get(eq + 1..)?.trim_start();
    if name.is_empty() || name.len() > 48 || value.is_empty() || !name.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'.') {
        return None;
    }
    let lower = name.to_ascii_lowercase();
    // (Sections that are also common words, `session.`, `curl.`, need a PHP-style
    // underscored directive.)
    let php_only = |sec: &str| matches!(sec, "opcache" | "mbstring" | "pcre" | "zend" | "xdebug" | "apc" | "apcu" | "mysqlnd" | "phar" | "pdo_mysql" | "mysqli" | "url_rewriter");
    let sectioned = lower.split_once('.').is_some_and(|(sec, d)| INI_SECTIONS.contains(&sec) && d.len() >= 3 && (d.contains('_') || php_only(sec)) && !d.contains('.'));
    (sectioned || INI_DIRECTIVES.contains(&lower.as_str())).then_some(at)
}

/// The gate's condition for `ini_directive`: the name before the first `=` is a listed
/// directive or starts with a listed section.
fn ini_name_possible(t: &str) -> bool {
    let name = t.split('=').next().unwrap_or_default().trim().to_ascii_lowercase();
    name.len() <= 48 && (INI_DIRECTIVES.contains(&name.as_str()) || name.split_once('.').is_some_and(|(sec, _)| INI_SECTIONS.contains(&sec)))
}

/// `[system][0](ls)`, `(string) {[system][0]} ('uname')`: a function name in an array
/// literal, indexed and called (after comments were removed).
fn array_callable(code: &str) -> Option<usize> {
    let b = code.as_bytes();
    let mut from = 0;
    let mut tries = 0;
    while let Some(open) = code.get(from..).and_then(|r| r.find('[')).map(|o| o + from) {
        from = open + 1;
        tries += 1;
        if tries > 32 {
            break;
        }
        let mut j = skip_blanks(b, open + 1);
        let n0 = j;
        while b.get(j).is_some_and(|&c| is_ident(c)) {
            j += 1;
        }
        let name = code.get(n0..j).unwrap_or_default();
        let strong = STRONG_FUNCS.contains(&name) || WEAK_FUNCS.contains(&name);
        j = skip_blanks(b, j);
        if !strong || b.get(j) != Some(&b']') {
            continue;
        }
        j += 1;
        // Indexes, closing brackets and braces, blanks: then the call.
        let mut indexed = false;
        for _ in 0..8 {
            j = skip_blanks(b, j);
            match b.get(j) {
                Some(b'[' | b'{') => match skip_group(b, j) {
                    Some(e) => {
                        indexed = true;
                        j = e;
                    }
                    None => break,
                },
                Some(b')' | b'}') => j += 1,
                _ => break,
            }
        }
        if indexed && b.get(j) == Some(&b'(') {
            return Some(open);
        }
    }
    None
}

/// Names under which well-known PHP web shells are distributed.
const WEBSHELLS: &[&str] = &["c99", "c100", "r57", "r58", "wso", "wso2", "b374k", "alfa", "indoxploit", "webshell", "p0wny", "weevely", "phpspy", "sadrazam", "k2ll33d", "madspot"];

/// Offset of a URL (`http://`, `ftp://`...) naming a well-known web shell script
/// (`http://x/c99.php`, `ftp://x/r57.txt?`): a remote include of a shell.
fn remote_webshell(t: &str) -> Option<usize> {
    let b = t.as_bytes();
    let mut from = 0;
    let mut tries = 0;
    while let Some(at) = t.get(from..).and_then(|r| r.find("://")).map(|o| o + from) {
        from = at + 3;
        tries += 1;
        if tries > 8 {
            break;
        }
        let end = b.get(at..).and_then(|r| r.iter().position(|c| c.is_ascii_whitespace() || matches!(c, b'?' | b'#' | b'"' | b'\'' | b'<' | b'>'))).map_or(b.len(), |e| at + e);
        let url = t.get(at + 3..end).unwrap_or_default();
        // The last path segment (not the host).
        let Some((_, path)) = url.split_once('/') else { continue };
        let file = path.rsplit('/').next().unwrap_or_default();
        let Some((stem, ext)) = file.rsplit_once('.') else { continue };
        let ext = ext.to_ascii_lowercase();
        if matches!(ext.as_str(), "php" | "txt" | "phtml" | "php5" | "php7" | "inc" | "gif" | "jpg")
            && WEBSHELLS.iter().any(|w| stem.eq_ignore_ascii_case(w) || stem.len() > w.len() && stem.get(..w.len()).is_some_and(|h| h.eq_ignore_ascii_case(w)) && stem.as_bytes().get(w.len()).is_some_and(|c| matches!(c, b'_' | b'-' | b'.')))
        {
            let start = t.get(..at).and_then(|p| p.rfind(|c: char| !c.is_ascii_alphanumeric() && c != '+' && c != '.' && c != '-')).map_or(0, |s| s + 1);
            return Some(start);
        }
    }
    None
}

/// Headers and fields that carry an uploaded file's name.
pub fn upload_name(name: &str) -> bool {
    // Lower-case, `_` and `.` read as `-`; compared without allocating.
    ["x-filename", "x-file-name", "filename", "x-upload-filename", "file-name"].iter().any(|n| {
        n.len() == name.len()
            && n.bytes().zip(name.bytes()).all(|(a, b)| {
                let b = b.to_ascii_lowercase();
                a == if b == b'_' || b == b'.' { b'-' } else { b }
            })
    })
}

/// `sess_<id>` (any directory): the name PHP gives session files; uploading one plants a
/// session.
fn session_file(t: &str) -> bool {
    let base = t.trim().rsplit(['/', '\\']).next().unwrap_or_default();
    base.get(..5).is_some_and(|p| p.eq_ignore_ascii_case("sess_"))
        && base.len() >= 5 + 8
        && base.bytes().skip(5).all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b',')
}

/// A file name ending in a PHP-executable extension (`a.php`, `x.php5...`, `y.phtml `).
fn script_extension(t: &str) -> Option<String> {
    let n = t.trim().trim_end_matches(['.', ' ', '\0']).to_ascii_lowercase();
    let ext = n.rsplit('.').next()?;
    let ext = ext.trim();
    let php = ext.starts_with("php") && ext.get(3..).is_some_and(|r| r.bytes().all(|c| c.is_ascii_digit() || c == b's' || c == b't'))
        || matches!(ext, "phtml" | "pht" | "phar" | "inc" | "shtml" | "htaccess" | "phpt" | "pgif");
    (php && n.contains('.')).then(|| ext.to_string())
}

/// `(system)('id');`, `(sy.(st).em)('uname');`, `(x)[0][0]('uname');`: a parenthesised
/// expression called with a literal, ending a statement.
fn callable_expression(code: &str) -> Option<usize> {
    let b = code.as_bytes();
    let mut from = 0;
    let mut n = 0;
    while let Some(p) = code.get(from..).and_then(|r| r.find('(')).map(|o| o + from) {
        n += 1;
        if n > 128 {
            break;
        }
        from = p + 1;
        // Walk back over blanks and `[..]` indexes to a `)`.
        let k = back_over_blanks_and_indexes(b, p);
        if k == 0 || b.get(k - 1) != Some(&b')') {
            continue;
        }
        let rest = code.get(p + 1..).unwrap_or_default();
        let Some(close) = rest.find(')') else { continue };
        if close > 64 {
            continue;
        }
        let arg = rest.get(..close).unwrap_or_default().trim();
        let after = rest.get(close + 1..).unwrap_or_default().trim_start();
        let literal = arg.starts_with('"') || !arg.is_empty() && arg.bytes().all(is_ident);
        if literal && (after.is_empty() || after.starts_with(';')) {
            return Some(p);
        }
    }
    None
}

/// `O:8:"stdClass":1:{`, `C:11:"ArrayObject":`, also with `&quot;` quoting.
fn serialized_object(t: &str) -> Option<String> {
    let b = t.as_bytes();
    let mut from = 0;
    let mut n = 0;
    while let Some(at) = t.get(from..).and_then(|r| r.find(':')).map(|o| o + from) {
        n += 1;
        if n > 256 {
            break;
        }
        from = at + 1;
        let kind = at.checked_sub(1).and_then(|k| b.get(k)).copied();
        if !matches!(kind, Some(b'O' | b'C' | b'o' | b'c')) || !(at < 2 || b.get(at - 2).is_some_and(|&c| !c.is_ascii_alphanumeric())) {
            continue;
        }
        // Length.
        let mut j = at + 1;
        if b.get(j) == Some(&b'+') {
            j += 1;
        }
        let ds = j;
        while b.get(j).is_some_and(|c| c.is_ascii_digit()) {
            j += 1;
        }
        if j == ds || j - ds > 4 || b.get(j) != Some(&b':') {
            continue;
        }
        let len: usize = t.get(ds..j).and_then(|d| d.parse().ok()).unwrap_or(0);
        j += 1;
        let quote: &[u8] = if b.get(j) == Some(&b'"') {
            b"\""
        } else if t.get(j..).is_some_and(|r| r.starts_with("&quot;")) {
            b"&quot;"
        } else if t.get(j..).is_some_and(|r| r.starts_with("\\\"")) {
            b"\\\""
        } else {
            continue;
        };
        let ns = j + quote.len();
        let name_len = b.get(ns..).map_or(0, |r| r.iter().take_while(|&&c| is_ident(c) || c == b'\\').count());
        if name_len == 0 || name_len > 128 {
            continue;
        }
        let after = ns + name_len;
        let closes = b.get(after..).is_some_and(|r| r.starts_with(quote));
        let ok_len = len == name_len || len.abs_diff(name_len) <= 2;
        if closes && (ok_len || b.get(after + quote.len()) == Some(&b':')) {
            return Some(snippet(t, at - 1, at + 80));
        }
    }
    None
}

/// `a:2:{i:0;s:3:"foo";...}`.
fn serialized_array(t: &str) -> Option<String> {
    let at = super::textscan::find_lit!(t.as_bytes(), b"a:")?;
    let rest = t.get(at + 2..)?;
    let digits = rest.bytes().take_while(|c| c.is_ascii_digit()).count();
    let after = rest.get(digits..)?;
    (digits > 0 && after.starts_with(":{") && (after.contains("s:") || after.contains("i:")) && after.contains(';')).then(|| snippet(t, at, at + 80))
}

/// Code view: decode `\xHH`/`\NNN` escapes, drop `/* */` comments, string
/// concatenations (`"a"."b"`, `'a'.'b'`) and quotes; lower-case.
fn code_view(t: &str) -> String {
    let b = t.as_bytes();
    let mut o: Vec<u8> = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if c == b'\\' {
            let nx = b.get(i + 1).copied();
            if nx == Some(b'x') {
                let h = b.get(i + 2..i + 4).and_then(|d| core::str::from_utf8(d).ok()).and_then(|d| u8::from_str_radix(d, 16).ok());
                if let Some(v) = h {
                    o.push(v.to_ascii_lowercase());
                    i += 4;
                    continue;
                }
            }
            if nx.is_some_and(|d| (b'0'..=b'7').contains(&d)) {
                let oct = b.get(i + 1..i + 4).and_then(|d| core::str::from_utf8(d).ok()).and_then(|d| u8::from_str_radix(d, 8).ok());
                if let Some(v) = oct {
                    o.push(v.to_ascii_lowercase());
                    i += 4;
                    continue;
                }
            }
        }
        if c == b'/' && b.get(i + 1) == Some(&b'*') {
            let end = b.get(i + 2..).and_then(|r| r.windows(2).position(|w| w == b"*/"));
            if let Some(e) = end {
                i += e + 4;
                continue;
            }
        }
        // `exec# comment\n (..)`: a shell-style comment up to the line end.
        if c == b'#' && i > 0 && b.get(i - 1).is_some_and(|&p| is_ident(p)) {
            if let Some(e) = b.get(i..).and_then(|r| r.iter().position(|&x| x == b'\n')) {
                i += e + 1;
                continue;
            }
        }
        if c == b'"' || c == b'\'' {
            // `"sys" . "tem"` → `system`: skip the quote, then an optional `. "` join.
            let mut j = i + 1;
            while matches!(b.get(j), Some(b' ' | b'\t')) {
                j += 1;
            }
            if b.get(j) == Some(&b'.') {
                let mut k = j + 1;
                while matches!(b.get(k), Some(b' ' | b'\t')) {
                    k += 1;
                }
                if matches!(b.get(k), Some(b'"' | b'\'')) {
                    i = k + 1;
                    continue;
                }
            }
            o.push(b'"');
            i += 1;
            continue;
        }
        o.push(c.to_ascii_lowercase());
        i += 1;
    }
    String::from_utf8_lossy(&o).into_owned()
}

/// A dangerous function name followed (after blanks, comments already removed, a closing
/// quote) by `(`. Returns the name, whether it is a strong one, and the offset.
fn dangerous_call(code: &str) -> Option<(&'static str, bool, usize)> {
    let b = code.as_bytes();
    let mut from = 0;
    let mut n = 0;
    while let Some(p) = code.get(from..).and_then(|r| r.find('(')).map(|o| o + from) {
        n += 1;
        if n > 256 {
            break;
        }
        from = p + 1;
        // Walk back over blanks and a quote to the identifier.
        let mut e = p;
        while e > 0 && b.get(e - 1).is_some_and(|&c| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'"')) {
            e -= 1;
        }
        let mut s = e;
        while s > 0 && b.get(s - 1).is_some_and(|&c| is_ident(c)) {
            s -= 1;
        }
        let Some(name) = code.get(s..e) else { continue };
        if name.is_empty() {
            continue;
        }
        // `$system(` is a variable call, `->exec(` a method: not these functions.
        let prev = s.checked_sub(1).and_then(|k| b.get(k)).copied();
        if matches!(prev, Some(b'$' | b'>' | b'-' | b'#' | b'/')) {
            continue;
        }
        // `"system"(..)`: a string called as a function, which only code does.
        if prev == Some(b'"') && b.get(e) == Some(&b'"') && WEAK_FUNCS.contains(&name) {
            return WEAK_FUNCS.iter().find(|f| **f == name).map(|f| (*f, true, s));
        }
        let arg = code.get(p + 1..).unwrap_or_default().trim_start();
        // `FOOgzinflate(`: long, distinctive names also count glued to a prefix.
        static STRONG_SET: std::sync::OnceLock<std::collections::HashSet<&'static str>> = std::sync::OnceLock::new();
        let set = STRONG_SET.get_or_init(|| STRONG_FUNCS.iter().copied().collect());
        let lower_name = name.to_ascii_lowercase();
        let family = STRONG_PREFIXES.iter().find(|f| lower_name.starts_with(**f) && lower_name.len() > f.len() + 2).copied();
        let strong_name = set.get(name).or_else(|| if name.len() > 8 { STRONG_FUNCS.iter().find(|f| f.len() >= 8 && name.ends_with(**f)) } else { None }).or(family.as_ref());
        if let Some(f) = strong_name {
            // A strong name still needs an argument list that looks like code, not prose
            // (`(see below)`): quote, variable, call, number, `)` or a backtick.
            let number_arg = arg.bytes().take_while(|c| c.is_ascii_digit()).count() > 0 && arg.trim_start_matches(|c: char| c.is_ascii_digit()).trim_start().starts_with([')', ',']);
            let argish = arg.starts_with(['"', '$', '`', ')', '\'']) || number_arg || arg.get(..arg.find('(').unwrap_or(0).min(32)).is_some_and(|f2| !f2.is_empty() && f2.bytes().all(is_ident));
            let ident_arg = arg.find(')').is_some_and(|k| k > 0 && k <= 32 && arg.get(..k).is_some_and(|a| a.bytes().all(is_ident)));
            if argish || ident_arg || arg.is_empty() || !name.contains('_') && name.len() > 6 {
                return Some((f, true, s));
            }
        }
        if let Some(f) = CODE_FUNCS.iter().find(|f| **f == name) {
            let digits = arg.bytes().take_while(u8::is_ascii_digit).count();
            let code_args = arg.starts_with(['"', '\'', '$', ')']) || digits > 0 && arg.get(digits..).is_some_and(|r| r.trim_start().starts_with([')', ',']));
            if code_args {
                return Some((f, true, s));
            }
        }
        if let Some(f) = WEAK_FUNCS.iter().find(|f| **f == name) {
            let inner_call = arg.find('(').is_some_and(|k| k > 0 && k < 32 && arg.get(..k).is_some_and(|f2| f2.bytes().all(is_ident)));
            // `system(whoami)`, `exec(ls -la)`: a shell command line as the argument.
            let shell_arg = matches!(*f, "system" | "exec") && {
                let inner = arg.get(..arg.find(')').unwrap_or(0).min(64)).unwrap_or_default();
                let first = inner.split_whitespace().next().unwrap_or_default().trim_matches(['"', '\'']);
                super::rce::is_command_name(first)
            };
            let argish = arg.starts_with(['"', '$', '`']) || inner_call || shell_arg || (arg.starts_with(')') && arg.get(1..).is_some_and(|r| r.trim_start().starts_with(';')));
            if argish {
                return Some((f, false, s));
            }
        }
    }
    None
}

/// `$f(`, `$a/*x*/(`, `${'_'.'GET'}(` (after comments were removed).
fn variable_call(code: &str) -> Option<usize> {
    let b = code.as_bytes();
    let mut from = 0;
    let mut tries = 0;
    while let Some(at) = code.get(from..).and_then(|r| r.find('$')).map(|o| o + from) {
        from = at + 1;
        tries += 1;
        if tries > 64 {
            break;
        }
        let mut j = skip_blanks(b, at + 1);
        // `$name`, or a variable variable `${'name'}`, `${$x}`, `$ {@_.__}`.
        if b.get(j).is_some_and(|&c| c.is_ascii_alphabetic() || c == b'_') && j == at + 1 {
            while b.get(j).is_some_and(|&c| is_ident(c)) {
                j += 1;
            }
        } else if b.get(j) == Some(&b'{') {
            // (`${}` is empty: nothing to call.)
            match skip_group(b, j) {
                Some(e) if e > j + 2 => j = e,
                _ => continue,
            }
        } else {
            continue;
        }
        j = skip_blanks(b, j);
        // `$_aB_4c[5]['d'](17)`, `$OOO000000{0}(15)`, `$__[$_[1]](7)`: indexing first.
        let mut guard = 0;
        while matches!(b.get(j), Some(b'[' | b'{')) && guard < 8 {
            match skip_group(b, j) {
                Some(e) if e > j + 2 => j = skip_blanks(b, e),
                _ => break,
            }
            guard += 1;
        }
        if b.get(j) == Some(&b'(') {
            return Some(at);
        }
    }
    None
}

/// Blanks and comments (`// ..`, `# ..` to the line end) from `j`.
fn skip_blanks(b: &[u8], mut j: usize) -> usize {
    loop {
        match b.get(j) {
            Some(b' ' | b'\t' | b'\r' | b'\n') => j += 1,
            Some(b'#') => j = line_end(b, j),
            Some(b'/') if b.get(j + 1) == Some(&b'/') => j = line_end(b, j),
            _ => return j,
        }
    }
}

fn line_end(b: &[u8], j: usize) -> usize {
    b.get(j..).and_then(|r| r.iter().take(256).position(|&c| c == b'\n')).map_or(b.len(), |e| j + e + 1)
}

/// Index after the bracket group (`[..]`, `{..}`, nested) opening at `j`.
fn skip_group(b: &[u8], j: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (k, &c) in b.get(j..)?.iter().enumerate().take(128) {
        match c {
            b'[' | b'{' | b'(' => depth += 1,
            b']' | b'}' | b')' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(j + k + 1);
                }
            }
            _ => {}
        }
    }
    None
}


/// Walks back from `p` over blanks and `[..]` indexes (`f ) [0] (`): where a callee
/// expression before a `(` ends. Shared by the call rules and the class gate's condition.
fn back_over_blanks_and_indexes(b: &[u8], p: usize) -> usize {
    let mut k = p;
    loop {
        while k > 0 && b.get(k - 1).is_some_and(|c| c.is_ascii_whitespace()) {
            k -= 1;
        }
        if k > 0 && b.get(k - 1) == Some(&b']') {
            match b.get(..k - 1).and_then(|r| r.iter().rposition(|&c| c == b'[')) {
                Some(o) => k = o,
                None => break,
            }
            continue;
        }
        break;
    }
    k
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::Part;

    fn score(text: &str) -> u32 {
        let mut out = Vec::new();
        scan(&Value { part: Part::QueryValue, name: "x", text }, &mut out);
        out.iter().filter(|h| h.paranoia == 1).map(|h| h.score).sum()
    }

    #[test]
    fn attacks() {
        for a in [
            "O:8:\"stdClass\":0:{}",
            "a:1:{i:0;O:7:\"Example\":1:{s:3:\"cmd\";s:2:\"id\";}}",
            "O:8:&quot;stdClass&quot;:0:{}",
            "php://filter/convert.base64-encode/resource=index.php",
            "phar://./uploads/x.jpg/test",
            "system(whoami)",
            "exec(ls -la /tmp)",
            "posix_getpgid(0)",
            "pcntl_fork()",
            "strrev( )",
            "$__[$_[1]](7)",
            "${'a'}(11)",
            "$O0O0{0}(15)",
            "${_.__}(30);",
            "$a //x\n()",
            "http://evil.example.com/c99.php",
            "ftp://1.2.3.4/pub/r57.txt?",
            "https://cdn.example/x/WSO-2.5.php",
            "expect://id",
            "data://text/plain;base64,PD9waHAgc3lzdGVtKCdpZCcpOz8+",
            "<?php system($_GET['c']); ?>",
            "system('whoami');",
            "\"\\x73y\\x73tem\"(\"ls\");",
            "\"sys\".\"tem\"('id');",
            "passthru ( 'id' )",
            "eval($_POST['x'])",
            "assert_OptionS (\n\n)",
            "base64_decode('cGhwaW5mbygp')",
            "phpinfo();",
            "shell_exec/*x*/('id')",
            "PHP_VALUE\nauto_prepend_file=php://input",
            "$_SERVER['HTTP_USER_AGENT']",
            ";${@print(md5(RCEVulnerable))};",
            "@system('id')",
            "(sy.(st).em)('uname');",
            "(system)(ls);",
            "$y = 'sys'.'tem';($y)('uname');",
            "$_aB_4c[5]['d'] /*lol*/ (17)",
            "FOOGzInFlAtE()",
            "fopen# x\n (blah)",
            "<? echo 'hello'; ?>",
            "[php]echo \"test\"",
        ] {
            assert!(score(a) >= 5, "{a}");
        }
    }

    #[test]
    fn polyglots_directives_and_callables() {
        for a in [
            // XML declarations PHP reads as a short tag, `<? php`, the BBCode closing variant.
            "<?xml :print 7;",
            "<?XML\t:phpinfo();",
            "<?   php system('id');",
            "text[\\php]",
            // php.ini directives as the whole value.
            "session.upload_progress_enabled=1",
            "allow_url_include = On",
            "zend.assertions=1",
            // Variable variables with blanks or a quoted/variable name.
            "${\"x\"}",
            "$\t{$b}",
            "$  { FOO }",
            // Array literals called, quoted names called, built-ins with code arguments.
            "[passthru][0]('id');",
            "{[shell_exec][0]}('ls')",
            "\"exec\"('id')",
            "chr(65).chr(66)",
            "substr($s,0,1)",
            "strip_tags(\"<b>\")",
            "base_convert(10,10,36)",
            // A plain-text data URI (what `allow_url_include` runs).
            "data:text/plain,hello",
        ] {
            assert!(score(a) >= 5, "{a}");
        }
        for b in [
            "<?xml version=\"1.0\"?><a/>",
            "time=10:30",
            "session.id",
            "precision=high",
            "memory_limit",
            "${first}",
            "${}",
            "costs $ {see table}",
            "[draft][1] (see notes)",
            "[a][0](b)",
            "see chapter (chr) 5",
            "substr is a function",
            "md5 (checksum) of the file",
            "data:image/png;base64,AAAA",
        ] {
            assert!(score(b) < 5, "{b}");
        }
    }

    #[test]
    fn uploads() {
        let mut out = Vec::new();
        scan(&Value { part: Part::Header, name: "x-filename", text: "shell.php5..." }, &mut out);
        assert!(out.iter().any(|h| h.rule == "php.script-upload"));
        let mut out = Vec::new();
        scan(&Value { part: Part::Header, name: "x-filename", text: "photo.jpg" }, &mut out);
        assert!(out.is_empty());
        for name in ["/var/lib/php/sess_k2j3h4g5f6d7s8a9", "sess_0123456789abcdef", "D:\\tmp\\SESS_q1w2e3r4t5y6"] {
            let mut out = Vec::new();
            scan(&Value { part: Part::BodyValue, name: "filename", text: name }, &mut out);
            assert!(out.iter().any(|h| h.rule == "php.session-file-upload"), "{name}");
        }
        for name in ["sess_notes.txt", "session_1234567890.log", "sess_abc"] {
            let mut out = Vec::new();
            scan(&Value { part: Part::BodyValue, name: "filename", text: name }, &mut out);
            assert!(out.is_empty(), "{name}: {out:?}");
        }
    }

    #[test]
    fn benign() {
        for b in [
            "The system (version 2) works",
            "exec summary (draft)",
            "Please print (in color)",
            "ratio 2:1",
            "time 10:30:00",
            "https://example.com/a?b=c",
            "I bought it for $5 (cheap)",
            "data:image/png;base64,iVBORw0KGgo=",
            "O: that's odd",
            "echo chamber (2024)",
            "glob pattern (*.txt) matches",
            "I need sleep (8 hours)",
            "(see above)(and below)",
            "costs $5 (five)",
            "hyperlink(x)",
            "exec (sort order)",
            "system(language)",
            "posix_(draft)",
            "${a}",
            "${}()",
            "$a{}()",
            "{$x} and (y)",
            "$5 (five dollars)",
            "https://example.com/c99-standard.html",
            "https://example.com/docs/c99.pdf",
            "https://example.com/alfalfa.php",
            "http://c99.example.com/index.php",
        ] {
            assert!(score(b) < 5, "{b}");
        }
    }
}
