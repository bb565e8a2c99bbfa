//! Server-side template injection. Template expressions are located by their delimiters
//! (`{{ }}`, `${ }`, `#{ }`, `*{ }`, `@{ }`, `<%= %>`, `{% %}`, `{$ }`) and their content is
//! classified: arithmetic (`7*7`, the probe used to confirm evaluation), Python attribute
//! walks (`__class__`, `__globals__`), or names of known gadgets (`self`, `config`,
//! `T(java.lang.Runtime)`, `?new()`, `_self.env`...). A plain variable (`{{name}}`) is
//! not reported at low paranoia. FreeMarker/Velocity/Smarty directives are recognised
//! too.

use super::gate::Triggers;
use super::textscan::{contains_ci, find_ci, hit, push_once, snippet};
use super::{Hit, Value};

const CLASS: &str = "ssti";
const MAX_BYTES: usize = 8192;
const MAX_EXPR: usize = 400;

/// Names that only make sense as template-engine or language internals.
const GADGETS: &[&str] = &[
    "self", "config", "lipsum", "cycler", "joiner", "namespace", "url_for",
    "get_flashed_messages", "_self", "t(", "getclass", "forname", "runtime", "exec(", "popen",
    "system(", "os.", "subprocess", "import", "eval(", "file.", "io.", "?new", "execute",
    "smarty", "getruntime", "processbuilder", "registerundefinedfiltercallback", "attr(",
    "constructor", "include(", "require(", "process.", "child_process", "request.application",
    "request.environ", "settings.secret", "application.", "freemarker", "classloader",
    "getfilter", "pagecontext", "facescontext", "mro", "builtins", "globals", "subclasses",
    "dict", "read()", "object.", "kernel.", "`", "tostring.call", "render(", "spawn",
    "app.request", "dump(", "filter(", "|filter", "|map", "|join", "getclassloader", "class.",
    "touppercase()", "tolowercase()", "_context", "getenv", "environ",
];

/// A whole expression that is just one of these names (`{{ request }}`, `{{app}}`).
const BARE_GADGETS: &[&str] = &["request", "app", "session", "settings", "g", "range", "dump", "_context", "this", "root", "global"];

struct Delim {
    open: &'static str,
    close: &'static str,
    /// Score when the content is arithmetic or a gadget.
    strong: u32,
}

const DELIMS: &[Delim] = &[
    Delim { open: "{{", close: "}}", strong: 5 },
    Delim { open: "${", close: "}", strong: 5 },
    Delim { open: "#{", close: "}", strong: 5 },
    Delim { open: "*{", close: "}", strong: 5 },
    Delim { open: "@{", close: "}", strong: 3 },
    Delim { open: "<%=", close: "%>", strong: 5 },
    Delim { open: "<%", close: "%>", strong: 5 },
    Delim { open: "{%", close: "%}", strong: 5 },
    Delim { open: "{$", close: "}", strong: 5 },
    Delim { open: "{", close: "}", strong: 5 },
    Delim { open: "@(", close: ")", strong: 5 },
];

/// What a value must contain for any rule of this class to match (see `gate`): add a
/// trigger here with every new rule.
pub const TRIGGERS: Triggers = Triggers { bytes: b"{<#", anywhere: &[&["__", "@(", "[#"]], ..Triggers::NONE };

/// Per-value scan.
pub fn scan(v: &Value<'_>, out: &mut Vec<Hit>) {
    let full = v.text;
    let t = full.get(..super::textscan::floor_char(full, MAX_BYTES)).unwrap_or(full);
    let b = t.as_bytes();
    let since = out.len();
    if memchr::memchr3(b'{', b'<', b'#', b).is_none() && !t.contains("__") && !t.contains("@(") && !t.contains("[#") {
        return;
    }
    // Python object walks are template/sandbox escapes wherever they appear.
    // (Every name below contains `__`.)
    let walks: &[&str] = if super::textscan::find_lit!(b, b"__").is_some() {
        &["__class__", "__mro__", "__subclasses__", "__globals__", "__builtins__", "__init__", "__import__", "__getattribute__", "__base__", "__dict__"]
    } else {
        &[]
    };
    for d in walks {
        if let Some(at) = memchr::memmem::find(b, d.as_bytes()) {
            push_once(out, since, hit("ssti.attribute-walk", CLASS, 5, 1, snippet(t, at.saturating_sub(20), at + 80)));
            break;
        }
    }
    let mut checked = 0;
    static OPENERS: std::sync::OnceLock<Vec<memchr::memmem::Finder<'static>>> = std::sync::OnceLock::new();
    let openers = OPENERS.get_or_init(|| DELIMS.iter().map(|d| memchr::memmem::Finder::new(d.open.as_bytes())).collect());
    for (d, opener) in DELIMS.iter().zip(openers) {
        let mut from = 0;
        while let Some(at) = b.get(from..).and_then(|r| opener.find(r)).map(|o| o + from) {
            checked += 1;
            if checked > 48 {
                break;
            }
            from = at + d.open.len();
            // `{{`/`${` are handled by their own delimiters; the bare `{` only applies
            // to `{7*7}`-style probes.
            if d.open == "{" && (b.get(at + 1).is_some_and(|c| matches!(c, b'{' | b'$' | b'%')) || at > 0 && b.get(at - 1).is_some_and(|c| matches!(c, b'{' | b'$' | b'#' | b'*' | b'@'))) {
                continue;
            }
            if d.open == "<%" && b.get(at + 2) == Some(&b'=') {
                continue;
            }
            let inner_start = at + d.open.len();
            let window = t.get(inner_start..super::textscan::floor_char(t, inner_start + MAX_EXPR)).unwrap_or_default();
            let Some(close) = window.find(d.close) else { continue };
            let mut inner = window.get(..close).unwrap_or_default();
            if d.open == "{{" {
                // Delimiter variants of the same expression: Handlebars' unescaped `{{{x}}}`,
                // doT/Underscore's `{{=x}}`, whitespace control `{{- x -}}` / `{{~x}}`,
                // Mustache's unescaped `{{&x}}`.
                inner = inner.trim_start_matches(['{', '=', '-', '~', '&']).trim_end_matches(['-', '~']);
            }
            let ev = snippet(t, at, inner_start + close + d.close.len());
            if d.open == "${" && (contains_ci(inner, "jndi:") || inner.starts_with(":-") || inner.starts_with("::-")) {
                continue; // log4j lookups are the jndi detector's
            }
            if arithmetic(inner) {
                push_once(out, since, hit("ssti.expression-arithmetic", CLASS, d.strong, 1, ev));
            } else if gadget(inner) || BARE_GADGETS.contains(&inner.trim().to_ascii_lowercase().as_str()) || method_call(inner) && d.open != "{" && d.open != "@(" {
                let score = if d.open == "{" { 3 } else { d.strong };
                push_once(out, since, hit("ssti.expression-gadget", CLASS, score, 1, ev));
            } else if matches!(d.open, "<%" | "<%=") && erb_code(inner) {
                push_once(out, since, hit("ssti.erb-code", CLASS, 5, 1, ev));
            } else if d.open == "{%" && jinja_statement(inner) {
                push_once(out, since, hit("ssti.statement", CLASS, 3, 2, ev));
            } else if d.open == "{{" && !inner.trim().is_empty() {
                push_once(out, since, hit("ssti.expression", CLASS, 2, 3, ev));
            }
        }
    }
    // Engine directives.
    for (needle, rule) in [
        ("<#assign", "ssti.freemarker-directive"),
        ("<#list", "ssti.freemarker-directive"),
        ("[#assign", "ssti.freemarker-directive"),
        ("[#list", "ssti.freemarker-directive"),
        ("<@", "ssti.freemarker-directive"),
        ("#set(", "ssti.velocity-directive"),
        ("#set (", "ssti.velocity-directive"),
        ("#foreach(", "ssti.velocity-directive"),
        ("{php}", "ssti.smarty-tag"),
        ("{/php}", "ssti.smarty-tag"),
        ("{$smarty", "ssti.smarty-tag"),
        ("{system(", "ssti.smarty-tag"),
        ("smarty_internal_", "ssti.smarty-tag"),
        ("__${", "ssti.thymeleaf-preprocess"),
    ] {
        if let Some(at) = find_ci(t, needle) {
            let strong = needle != "<@" || t.get(at..).is_some_and(|r| r.contains("?new") || r.contains("Execute"));
            if strong {
                push_once(out, since, hit(rule, CLASS, 5, 1, snippet(t, at, at + 80)));
            }
        }
    }
}

/// `7*7`, `7*'7'`, `1+1`, `9/3`, `{{ 3 * 3 }}`: numbers joined by an operator.
fn arithmetic(inner: &str) -> bool {
    let b = inner.trim().as_bytes();
    let mut i = 0;
    let mut saw_num = false;
    let mut saw_op = false;
    let mut terms = 0;
    while i < b.len() {
        match b.get(i).copied().unwrap_or(0) {
            b' ' | b'\'' | b'"' | b'(' | b')' => i += 1,
            c if c.is_ascii_digit() => {
                while b.get(i).is_some_and(|c| c.is_ascii_digit() || *c == b'.') {
                    i += 1;
                }
                saw_num = true;
                terms += 1;
            }
            b'*' | b'+' | b'/' | b'%' | b'^' if saw_num => {
                saw_op = true;
                i += 1;
            }
            _ => return false,
        }
    }
    saw_op && terms >= 2
}

fn gadget(inner: &str) -> bool {
    let lower = inner.to_ascii_lowercase();
    let lb = lower.as_bytes();
    GADGETS.iter().any(|g| {
        let mut from = 0;
        while let Some(at) = lower.get(from..).and_then(|r| r.find(g)).map(|o| o + from) {
            // Word-anchored at the start (so `myself` is not `self`).
            let starts = at == 0 || !lb.get(at - 1).is_some_and(|c| c.is_ascii_alphanumeric());
            let ends = g.ends_with(|c: char| !c.is_ascii_alphanumeric()) || !lb.get(at + g.len()).is_some_and(|c| c.is_ascii_alphanumeric());
            if starts && ends {
                return true;
            }
            from = at + 1;
        }
        false
    })
}

/// `x.method(...)` inside an expression: templates evaluating method calls.
fn method_call(inner: &str) -> bool {
    let b = inner.as_bytes();
    b.iter().enumerate().any(|(i, &c)| {
        c == b'.' && {
            let name: Vec<u8> = b.get(i + 1..).unwrap_or_default().iter().take_while(|x| x.is_ascii_alphanumeric() || **x == b'_').copied().collect();
            name.len() >= 2 && name.first().is_some_and(|x| x.is_ascii_alphabetic()) && b.get(i + 1 + name.len()) == Some(&b'(')
        }
    })
}

/// ERB/JSP/ASP code that does something: a method call or a shell-out.
fn erb_code(inner: &str) -> bool {
    let s = inner.trim();
    let kw = ["if ", "end", "for ", "while ", "system", "exec", "require", "import", "out.print", "response.write", "eval"];
    (s.contains('.') && s.contains('(')) || s.contains('`') || kw.iter().any(|k| s.starts_with(k))
}

fn jinja_statement(inner: &str) -> bool {
    let s = inner.trim().trim_start_matches('-').trim_start();
    ["for ", "set ", "import ", "include ", "if ", "print ", "from ", "macro ", "extends "].iter().any(|k| s.starts_with(k))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::Part;

    fn score(text: &str) -> u32 {
        let mut out = Vec::new();
        scan(&Value { part: Part::QueryValue, name: "name", text }, &mut out);
        out.iter().filter(|h| h.paranoia == 1).map(|h| h.score).sum()
    }

    #[test]
    fn attacks() {
        for a in [
            "{{7*7}}",
            "{{7*'7'}}",
            "${7*7}",
            "#{7*7}",
            "*{7*7}",
            "<%= 7*7 %>",
            "{{self}}",
            "{{config.items()}}",
            "{{''.__class__.__mro__[1].__subclasses__()}}",
            "{{namespace.__init__.__globals__.os}}",
            "${T(java.lang.Runtime).getRuntime().exec('id')}",
            "<#assign ex=\"freemarker.template.utility.Execute\"?new()>${ex(\"id\")}",
            "#set($x='')$x.getClass().forName('java.lang.Runtime')",
            "{$smarty.version}",
            "{php}echo `id`;{/php}",
            "<%= File.open('/etc/passwd').read %>",
            "${self.module.cache.util.os.system(\"id\")}",
            "{{constructor.constructor('alert(1)')()}}",
            "aaaa' #{1*1} 'bbb",
            "{7*7}",
            "@(1+2)",
            "{{dump(app)}}",
            "{{ request }}",
            "{{'a'.toUpperCase()}}",
            "${class.getClassLoader()}",
            "[#assign ex = 'freemarker.template.utility.Execute'?new()]${ ex('id')}",
            "{{{6*9}}}",
            "{{= 6*9 }}",
            "{{- self -}}",
            "{{~ 9*9 ~}}",
        ] {
            assert!(score(a) >= 5, "{a}");
        }
    }

    #[test]
    fn benign() {
        for b in [
            "Hello {{name}}, your order {{order.id}} shipped",
            "${HOME}/bin",
            "{\"a\": 1, \"b\": {\"c\": 2}}",
            "function() { return 1; }",
            "#{color} is nice",
            "price {12.5}",
            "date {2024-01-01}",
            "50% off <% sale %>",
            "{{ myself }}",
            "issue #{number}",
            "{% raw %}",
            "{1,2,3}",
            "email me @(home)",
            "{{ user.name }}",
            "{{{ body }}}",
            "{{- title -}}",
        ] {
            assert!(score(b) < 5, "{b}");
        }
    }
}
