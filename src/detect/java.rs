//! Java attacks: serialized Java objects (`rO0AB`, `aced0005`, raw magic), OGNL
//! (Struts `%{..}`, `#_memberAccess`), SpEL/EL (`T(java.lang.Runtime)`), Spring4Shell
//! property paths (`class.module.classLoader`), and names of classes used as
//! deserialization/code-execution gadgets (`java.lang.Runtime`, `InvokerTransformer`,
//! `TemplatesImpl`...), also when hidden in base64 at any alignment.

use super::gate::Triggers;
use std::sync::OnceLock;

use aho_corasick::AhoCorasick;

use super::textscan::{automaton, contains_ci, find_ci, hit, push_once, snippet};
use super::{Hit, Part, Value};

const CLASS: &str = "java";
/// Spring4Shell property paths (lower-case).
const SPRING_PATHS: &[&str] = &["class.module.classloader", "class.classloader", "class[module]", ".classloader.resources", "class.protectiondomain"];
const MAX_BYTES: usize = 8192;

/// Gadget classes and calls that prove an attempt (lower-case).
const GADGETS: &[&str] = &[
    "java.lang.runtime", "java.lang.processbuilder", "java.lang.classloader", "java.lang.process",
    "javax.script.scriptenginemanager", "processbuilder", "clonetransformer", "forclosure",
    "whileclosure", "instantiatefactory", "prototypeclonefactory", "prototypeserializationfactory",
    "java.beans.xmldecoder", "java.net.urlclassloader", "java.io.objectinputstream",
    "javax.naming.initialcontext", "javax.management.", "org.apache.commons.collections.functors",
    "org.apache.commons.collections4.functors", "invokertransformer", "instantiatetransformer",
    "chainedtransformer", "constanttransformer", "templatesimpl", "jdbcrowsetimpl",
    "classpathxmlapplicationcontext", "filesystemxmlapplicationcontext", "bsh.interpreter",
    "groovy.lang.groovyshell", "groovy.util.eval", "org.codehaus.groovy.runtime", "getruntime()",
    "getruntime().exec", ".getruntime(", "new processbuilder", "processbuilder(",
    "scriptenginemanager", "nashorn", "java.lang.unixprocess", "com.sun.jndi.", "weblogic.",
    "oracle.toplink.", "com.mchange.v2.c3p0", "org.hibernate.", "clojure.", "com.alibaba.fastjson",
    "@type", "ysoserial", "jython", "org.python.",
];
/// Gadget words searched in base64-decoded text.
const B64_GADGETS: &[&str] = &[
    "runtime", "processbuilder", "invokertransformer", "instantiatetransformer",
    "chainedtransformer", "clonetransformer", "constanttransformer", "forclosure",
    "whileclosure", "instantiatefactory", "prototypeclonefactory", "prototypeserializationfactory",
    "templatesimpl", "xmldecoder", "classloader", "jdbcrowsetimpl", "java.lang", "java.io",
    "javax.", "getproperty", "filewriter", "filereader", "unixprocess",
];
const OGNL: &[&str] = &[
    "#_memberaccess", "@java.lang.", "#context[", "#context.", "ognl.ognlcontext", "@ognl.",
    "default_member_access", "#application[", "#parameters[", "#attr[", "#request[", "#session[",
    "@org.apache.struts", "xwork.methodaccessor", "#ognlutil", "excludedclasses", "#cmd=",
    "#iswin=", "#ros=",
];

/// What a value must contain for any rule of this class to match (see `gate`): add a
/// trigger here with every new rule.
pub const TRIGGERS: Triggers = Triggers {
    anywhere: &[
        &["rO0AB", "aced0005", "\u{ac}\u{ed}\u{0}\u{5}"],
        SPRING_PATHS,
        GADGETS,
        OGNL,
        // `%{..}` OGNL, SpEL `T(`/`new java.`, JDK class names.
        &["%{", "t(", "new java", "java.", "javax."],
        // Risky package roots (`java.risky-class-name`).
        &["com.", "sun.", "org.", "jdk."],
        EL_OBJECTS,
    ],
    custom: Some(gate_custom),
    ..Triggers::NONE
};

/// JSP EL implicit objects (lower-case).
const EL_OBJECTS: &[&str] = &["${pagecontext", "${facescontext", "${applicationscope", "${sessionscope", "#{facescontext", "${request.getclass", "${initparam", "${header."];

/// The gate's conditions not announced by a literal of the text: Spring paths in the
/// argument name, upload file names, base64 that may hide a gadget.
fn gate_custom(v: &Value<'_>) -> bool {
    let full = v.text;
    let t = full.get(..super::textscan::floor_char(full, MAX_BYTES)).unwrap_or(full);
    v.part != Part::ArgName && SPRING_PATHS.iter().any(|p| contains_ci(v.name, p))
        || matches!(v.part, Part::Header | Part::BodyValue) && super::php::upload_name(v.name)
        || b64_candidates(t).next().is_some()
}

/// Per-value scan.
pub fn scan(v: &Value<'_>, out: &mut Vec<Hit>) {
    let full = v.text;
    let t = full.get(..super::textscan::floor_char(full, MAX_BYTES)).unwrap_or(full);
    let since = out.len();
    if t.len() < 5 {
        return;
    }
    // Serialized objects.
    if let Some(at) = super::textscan::find_lit!(t.as_bytes(), b"rO0AB").or_else(|| find_ci(t, "aced0005")).or_else(|| super::textscan::find_lit!(t.as_bytes(), "\u{ac}\u{ed}\u{0}\u{5}".as_bytes())) {
        push_once(out, since, hit("java.serialized-object", CLASS, 5, 1, snippet(t, at, at + 60)));
    }
    // Spring4Shell: `class.module.classLoader...` (argument names, mostly).
    let name_or_text = if v.part == Part::ArgName { t } else { v.name };
    static SPRING_AC: OnceLock<Option<AhoCorasick>> = OnceLock::new();
    let spring = SPRING_AC.get_or_init(|| automaton(SPRING_PATHS));
    for s in [name_or_text, t] {
        // ASCII case-insensitive: the same as searching a lower-cased copy.
        if spring.as_ref().map_or_else(|| SPRING_PATHS.iter().any(|p| contains_ci(s, p)), |ac| ac.is_match(s)) {
            push_once(out, since, hit("java.spring-classloader", CLASS, 5, 1, snippet(s, 0, 100)));
        }
    }
    if matches!(v.part, Part::Header | Part::BodyValue) && super::php::upload_name(v.name) {
        let n = t.trim().trim_end_matches(['.', ' ']).to_ascii_lowercase();
        let ext = n.rsplit('.').next().unwrap_or_default().trim();
        if n.contains('.') && matches!(ext, "jsp" | "jspx" | "jspf" | "jsw" | "jsv" | "jtml") {
            push_once(out, since, hit("java.jsp-upload", CLASS, 5, 1, snippet(t, 0, 80)));
        }
    }
    if !t.bytes().any(|b| matches!(b, b'.' | b'#' | b'@' | b'(' | b'{')) && !looks_base64(t) {
        return;
    }
    let lower_cell: OnceLock<String> = OnceLock::new();
    let lower_of = || lower_cell.get_or_init(|| t.to_ascii_lowercase()).as_str();
    static GADGET_AC: OnceLock<Option<AhoCorasick>> = OnceLock::new();
    if let Some(ac) = GADGET_AC.get_or_init(|| automaton(GADGETS)) {
        for m in ac.find_overlapping_iter(t.as_bytes()).take(32) {
            let at = m.start();
            let lower = lower_of();
            let g = GADGETS.get(m.pattern().as_usize()).copied().unwrap_or_default();
            // A frame of a stack trace (`at java.lang.ClassLoader.loadClass(ClassLoader.java:418)`)
            // names classes without invoking them.
            if stack_frame(lower, at) {
                continue;
            }
            // `java.lang.RuntimeException`: an exception type named in an error report is
            // not the class it starts like.
            let tail = t.as_bytes().get(m.end()..).unwrap_or_default();
            let cont = tail.iter().take_while(|c| c.is_ascii_alphanumeric() || **c == b'_').count();
            let ident_tail = tail.get(..cont).unwrap_or_default();
            if g.ends_with(|c: char| c.is_ascii_alphanumeric()) && (ident_tail.ends_with(b"Exception") || ident_tail.ends_with(b"Error")) {
                continue;
            }
            // `@type` is fastjson's autoType key: only with a class name after it.
            if g == "@type" && !lower.get(at..).is_some_and(|r| r.contains("\"@type\"") && (r.contains("com.") || r.contains("org.") || r.contains("java."))) {
                continue;
            }
            push_once(out, since, hit("java.gadget-class", CLASS, 5, 1, snippet(t, at, at + 80)));
            break;
        }
    }
    static OGNL_AC: OnceLock<Option<AhoCorasick>> = OnceLock::new();
    if let Some((at, _)) = super::textscan::first_match(OGNL_AC.get_or_init(|| automaton(OGNL)).as_ref(), t.as_bytes()) {
        push_once(out, since, hit("java.ognl", CLASS, 5, 1, snippet(t, at, at + 80)));
    }
    // `%{...}` OGNL expression with code in it.
    if let Some(at) = super::textscan::find_lit!(t.as_bytes(), b"%{") {
        let inner = t.get(at + 2..).unwrap_or_default();
        let inner = inner.get(..inner.find('}').unwrap_or(inner.len()).min(300)).unwrap_or_default();
        if inner.contains('#') || inner.contains('@') || inner.contains('(') && inner.contains('.') {
            push_once(out, since, hit("java.ognl", CLASS, 5, 1, snippet(t, at, at + 80)));
        }
    }
    let dot_java = super::textscan::find_lit!(t.as_bytes(), b".java:").is_some();
    let lower = if t.contains('(') || t.contains('{') || dot_java { lower_of() } else { "" };
    // SpEL type references `T(java.lang.Runtime)`, `new java.x.Y(`.
    if let Some(at) = spel_type(lower) {
        push_once(out, since, hit("java.spel", CLASS, 5, 1, snippet(t, at, at + 80)));
    }
    // JSP EL implicit objects.
    for el in if super::textscan::find_lit!(t.as_bytes(), b"${").is_some() || super::textscan::find_lit!(t.as_bytes(), b"#{").is_some() { EL_OBJECTS } else { &[][..] } {
        if let Some(at) = lower.find(el) {
            push_once(out, since, hit("java.el-implicit-object", CLASS, 3, 1, snippet(t, at, at + 80)));
            break;
        }
    }
    // A fully qualified class name from the JDK in a value.
    // (Stack traces posted to error-reporting endpoints name JDK classes by the dozen.)
    let stack_trace = dot_java || contains_ci(t, "(native method)");
    if !stack_trace {
        if let Some(at) = risky_class(t) {
            push_once(out, since, hit("java.risky-class-name", CLASS, 5, 1, snippet(t, at, at + 80)));
        } else if let Some(at) = jdk_class(t) {
            push_once(out, since, hit("java.jdk-class-name", CLASS, 5, 2, snippet(t, at, at + 80)));
        }
    }
    if !stack_trace && !out.iter().skip(since).any(|h| h.rule == "java.gadget-class" || h.rule == "java.risky-class-name") {
        if let Some(at) = process_class_ref(t) {
            push_once(out, since, hit("java.process-class", CLASS, 5, 1, snippet(t, at, at + 80)));
        }
    }
    if looks_base64(t) {
        if let Some((word, strong)) = base64_gadget(t) {
            let (score, pl) = if strong { (5, 1) } else { (5, 2) };
            push_once(out, since, hit("java.base64-gadget", CLASS, score, pl, word));
        }
    }
}

/// `at pkg.Class.method(File.java:123)` around offset `at`.
fn stack_frame(lower: &str, at: usize) -> bool {
    let before = lower.get(..at).unwrap_or_default();
    let after = lower.get(at..).unwrap_or_default();
    let line_end = after.find('\n').unwrap_or(after.len()).min(160);
    let line = after.get(..line_end).unwrap_or_default();
    before.trim_end_matches([' ', '\t']).ends_with("at") && (line.contains(".java:") || line.contains("(native method)") || line.contains("(unknown source)"))
}

fn spel_type(lower: &str) -> Option<usize> {
    let b = lower.as_bytes();
    let mut from = 0;
    while let Some(at) = lower.as_bytes().get(from..).and_then(|r| super::textscan::find_lit!(r, b"t(")).map(|o| o + from) {
        from = at + 2;
        if at > 0 && b.get(at - 1).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_') {
            continue;
        }
        let rest = lower.get(at + 2..).unwrap_or_default().trim_start();
        if rest.starts_with("java.") || rest.starts_with("javax.") || rest.starts_with("org.") || rest.starts_with("com.") {
            return Some(at);
        }
    }
    super::textscan::find_lit!(lower.as_bytes(), b"new java.").or_else(|| super::textscan::find_lit!(lower.as_bytes(), b"new javax."))
}

/// Packages whose classes reach files, processes, reflection, class loading, naming or
/// remote objects, and the frameworks whose internals gadget chains and OGNL use. A value
/// naming one of them (`java.io.FileOutputStream`, `java.lang.reflect`, `org.omg.CORBA`)
/// addresses the runtime, not the application. (Plain data types, `java.lang.String`,
/// `java.util.List`, stay at PL2: typed JSON names those.)
const RISKY_PACKAGES: &[&str] = &[
    "java.io.", "java.lang.reflect", "java.lang.invoke", "java.lang.Class", "java.lang.System", "java.lang.Thread",
    "java.lang.Runtime", "java.lang.Process", "java.lang.ClassLoader", "java.beans.", "java.rmi.", "javax.script.",
    "javax.naming.", "javax.management.", "com.sun.", "sun.misc.", "sun.reflect.", "com.opensymphony.xwork2",
    "org.apache.commons", "org.apache.struts", "org.apache.xalan", "org.apache.bcel", "org.omg.", "org.mozilla.javascript",
    "org.springframework.expression", "jdk.jshell", "jdk.nashorn",
];

/// Offset of a package from `RISKY_PACKAGES` at a word start, followed by a name.
fn risky_class(t: &str) -> Option<usize> {
    // Cheap gate: a dot right after `java`, `javax`, `com`, `sun`, `org` or `jdk` at a word start.
    let b = t.as_bytes();
    let root = memchr::memchr_iter(b'.', b).take(64).any(|p| {
        let head = b.get(..p).unwrap_or_default();
        ["java", "javax", "com", "sun", "org", "jdk"].iter().any(|r| head.ends_with(r.as_bytes()) && super::textscan::word_start(b, p - r.len()))
    });
    if !root {
        return None;
    }
    static AC: OnceLock<Option<AhoCorasick>> = OnceLock::new();
    // Case matters in Java: the automaton is ASCII case-insensitive, so compare again.
    let ac = AC.get_or_init(|| automaton(RISKY_PACKAGES)).as_ref()?;
    for m in ac.find_overlapping_iter(b).take(16) {
        let (at, end) = (m.start(), m.end());
        let pkg = RISKY_PACKAGES.get(m.pattern().as_usize()).copied().unwrap_or_default();
        if t.get(at..end) != Some(pkg) {
            continue;
        }
        let before_ok = at == 0 || b.get(at - 1).is_some_and(|&c| !c.is_ascii_alphanumeric() && c != b'_' && c != b'.' && c != b'-' && c != b'@');
        // A package prefix ends at a dot (then a name) or at the end of the name.
        let after = b.get(end).copied();
        let after_ok = if pkg.ends_with('.') { after.is_some_and(|c| c.is_ascii_alphabetic()) } else { after.is_none_or(|c| !c.is_ascii_alphanumeric() && c != b'_' && c != b'-' || c == b'.') };
        if before_ok && after_ok {
            return Some(at);
        }
    }
    None
}

/// A Java-qualified name (`java.…`, `javax.…`) and, in it or after it, the classes that
/// spawn processes as whole words: `java.Runtime`, `java.lang.Runtime`,
/// `Java.type("java.lang.ProcessBuilder")`, `java.util.Scanner(Runtime.getRuntime()…)`.
/// (`RuntimeException`, `runtime` in prose are other words.)
fn process_class_ref(t: &str) -> Option<usize> {
    let b = t.as_bytes();
    let at = ["java.", "javax."].iter().filter_map(|p| {
        let mut from = 0;
        while let Some(i) = t.get(from..).and_then(|r| r.find(p)).map(|o| o + from) {
            from = i + p.len();
            if super::textscan::word_start(b, i) && b.get(i + p.len()).is_some_and(|c| c.is_ascii_alphabetic()) {
                return Some(i);
            }
        }
        None
    }).min()?;
    for cls in ["Runtime", "ProcessBuilder", "ProcessImpl", "UNIXProcess"] {
        let mut from = at;
        while let Some(i) = t.get(from..).and_then(|r| r.find(cls)).map(|o| o + from) {
            from = i + cls.len();
            if super::textscan::word_start(b, i) && super::textscan::word_end(b, i + cls.len()) {
                return Some(at);
            }
        }
    }
    None
}

/// `java.lang.String`, `java.io.StringReader`: a JDK package then a capitalised class.
fn jdk_class(t: &str) -> Option<usize> {
    // Every package below starts with `java`.
    super::textscan::find_lit!(t.as_bytes(), b"java")?;
    for pkg in ["java.lang.", "java.io.", "java.util.", "java.net.", "java.nio.", "java.beans.", "java.rmi.", "java.security.", "javax."] {
        let mut from = 0;
        while let Some(at) = t.get(from..).and_then(|r| r.find(pkg)).map(|o| o + from) {
            from = at + pkg.len();
            let rest = t.get(at + pkg.len()..).unwrap_or_default();
            // Skip sub-packages (`java.util.concurrent.`) to the class.
            let cls = rest.split('.').find(|seg| seg.starts_with(|c: char| c.is_ascii_uppercase()));
            if cls.is_some_and(|c| c.len() > 2) && super::textscan::word_start(t.as_bytes(), at) {
                return Some(at);
            }
        }
    }
    None
}

/// A run of base64 alphabet long enough to hide a class name.
fn looks_base64(t: &str) -> bool {
    longest_b64_run(t).1 >= 10
}

fn longest_b64_run(t: &str) -> (usize, usize) {
    let mut best = (0, 0);
    let mut start = 0;
    let mut len = 0;
    for (i, c) in t.bytes().enumerate() {
        if c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'-' | b'_') {
            if len == 0 {
                start = i;
            }
            len += 1;
            if len > best.1 {
                best = (start, len);
            }
        } else {
            len = 0;
        }
    }
    best
}

/// The base64 runs of `t` that may hide a gadget name (the first 16 runs looked at).
fn b64_candidates(t: &str) -> impl Iterator<Item = &[u8]> {
    let b = t.as_bytes();
    // (Candidate runs are at least 10 bytes long.)
    let b = if b.len() < 10 { &[][..] } else { b };
    let trimmed_len = t.trim().len();
    let mut i = 0;
    let mut runs = 0;
    std::iter::from_fn(move || {
        while i < b.len() && runs < 16 {
            if !is_b64(b.get(i).copied().unwrap_or(0)) {
                i += 1;
                continue;
            }
            let start = i;
            while b.get(i).is_some_and(|&c| is_b64(c)) {
                i += 1;
            }
            runs += 1;
            let run = b.get(start..i).unwrap_or_default();
            // Base64 of text mixes cases; plain words and numbers do not decode to gadgets.
            let mixed = run.iter().any(u8::is_ascii_uppercase) && run.iter().any(u8::is_ascii_lowercase);
            // Short runs only when they are the whole value (`test=HJ1bnRpbWU`).
            let whole = run.len() + 2 >= trimmed_len;
            if run.len() < 10 || run.len() < 16 && !whole || !mixed {
                continue;
            }
            return Some(run);
        }
        None
    })
}

/// Decodes base64 runs at the four alignments and looks for gadget words.
fn base64_gadget(t: &str) -> Option<(String, bool)> {
    for run in b64_candidates(t) {
        static B64_AC: OnceLock<Option<AhoCorasick>> = OnceLock::new();
        let ac = B64_AC.get_or_init(|| automaton(B64_GADGETS));
        for off in 0..4 {
            let decoded = decode_b64(run.get(off..).unwrap_or_default());
            if let Some((_, k)) = super::textscan::first_match(ac.as_ref(), &decoded) {
                let g = B64_GADGETS.get(k).copied().unwrap_or_default();
                let strong = !matches!(g, "runtime" | "java.lang" | "java.io" | "javax." | "getproperty" | "filewriter" | "filereader" | "classloader");
                return Some((g.to_string(), strong));
            }
        }
    }
    None
}

fn is_b64(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'-' | b'_')
}

fn b64_val(c: u8) -> Option<u32> {
    Some(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' | b'-' => 62,
        b'/' | b'_' => 63,
        _ => return None,
    } as u32)
}

/// Lenient base64 decoding of whole 4-char groups (standard and URL alphabets).
fn decode_b64(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    for chunk in s.chunks(4) {
        let vals: Vec<u32> = chunk.iter().filter_map(|&c| b64_val(c)).collect();
        match vals.as_slice() {
            [a, b2, c, d] => {
                let n = a << 18 | b2 << 12 | c << 6 | d;
                out.extend_from_slice(&[(n >> 16) as u8, (n >> 8) as u8, n as u8]);
            }
            [a, b2, c] => {
                let n = a << 18 | b2 << 12 | c << 6;
                out.extend_from_slice(&[(n >> 16) as u8, (n >> 8) as u8]);
            }
            [a, b2] => out.push(((a << 18 | b2 << 12) >> 16) as u8),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score(part: Part, name: &str, text: &str) -> u32 {
        crate::detect::testkit::score_pl1(scan, part, name, text)
    }

    #[test]
    fn attacks() {
        for a in [
            "rO0ABXNyABFqYXZhLnV0aWwuSGFzaE1hcA==",
            "aced0005737200",
            "%{(#_memberAccess=@ognl.OgnlContext@DEFAULT_MEMBER_ACCESS).(#cmd='id')}",
            "%{#context['xwork.MethodAccessor.denyMethodExecution']=false}",
            "${T(java.lang.Runtime).getRuntime().exec('id')}",
            "java.lang.Runtime",
            "org.apache.commons.collections.functors.InvokerTransformer",
            "<java><object class=\"java.lang.ProcessBuilder\"><array class=\"java.lang.String\"/></object></java>",
            "{\"@type\":\"com.sun.rowset.JdbcRowSetImpl\",\"dataSourceName\":\"ldap://x\"}",
            // base64 of "...InvokerTransformer..." at an odd alignment
            "xSW52b2tlclRyYW5zZm9ybWVy",
            "ProcessBuilder.evil.forclosure",
            "java.io.FileOutputStream",
            "x=java.lang.reflect.Method",
            "org.omg.CORBA",
            "com.opensymphony.xwork2.ActionContext",
            "{\"@class\":\"com.sun.org.apache.xalan.internal.xsltc.trax.TemplatesImpl\"}",
            "javax.script.ScriptEngine",
            "java.Runtime",
            "x=java.util.Scanner(Runtime.getRuntime().exec('id'))",
            "Java.type(\"java.lang.ProcessBuilder\")",
        ] {
            assert!(score(Part::BodyValue, "data", a) >= 5, "{a}");
        }
        assert!(score(Part::ArgName, "class.module.classLoader.resources.context.parent.pipeline.first.pattern", "class.module.classLoader.resources.context.parent.pipeline.first.pattern") >= 5);
    }

    #[test]
    fn benign() {
        for b in [
            "I love java. It runs everywhere.",
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fMflwpJf_adQssw5c",
            "dGhpcyBpcyBhIHRlc3Q=",
            "{\"type\": \"com.example\"}",
            "100%{discount}",
            "What(ever)",
            "email@example.com",
            "java.lang.String",
            "java.util.ArrayList",
            "www.com.sun.example.org",
            "my-java.io.site",
            "JAVA.IO is a news site",
            "xjava.io.File",
            "java.lang.RuntimeException: boom",
            "java.util.List of runtimes",
            "myjava.Runtime",
            "Exception in thread main\n\tat java.lang.ClassLoader.loadClass(ClassLoader.java:418)\n\tat java.lang.Thread.run(Thread.java:748)",
        ] {
            assert!(score(Part::BodyValue, "data", b) < 5, "{b}");
        }
    }
}
