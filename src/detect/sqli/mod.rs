//! SQL injection detection on top of the SQL lexer (`lexer`). Each value is evaluated in the
//! three contexts an injection lands in: bare (`id=<v>`), inside `'…'` and inside `"…"`.
//! In a quoted context the value must first *break out* of the string (a quote followed by
//! an operator, logic word, `;`, a clause keyword or a comment), which is what keeps plain
//! English with apostrophes ("O'Reilly and sons") quiet. Then structures are recognised on
//! the token sequence, anywhere in it (not a fixed 5-token fingerprint, so wrapping a
//! payload in `[...]` or stacking it after `show warnings;` does not hide it):
//! tautologies and boolean conditions, UNION SELECT, stacked queries (with a grammar check
//! of the statement), comment truncation, time-based and error-based functions, subqueries,
//! system objects, ORDER BY probing, and dialect tricks (`||`, `::`, `CHR()`, `/*!`).

mod expr;
pub mod lexer;

use super::gate::Triggers;
use super::{Hit, Value};
use lexer::{Kind, Kw, Tok};

const CLASS: &str = "sqli";

/// Functions that delay: a call with a numeric argument is time-based blind injection.
const TIME_FUNCS: &[&str] = &["sleep", "benchmark", "pg_sleep", "pg_sleep_for", "receive_message", "randomblob", "dbms_lock"];
/// Functions used almost only to leak data through errors or to reach the system.
const ERROR_FUNCS: &[&str] = &[
    "extractvalue", "updatexml", "name_const", "gtid_subset", "gtid_subtract", "geometrycollection", "multipoint",
    "multilinestring", "multipolygon", "linestring", "polygon", "json_keys", "exp", "xmltype", "get_host_name",
    "get_host_address", "drithsx", "sys_context", "getmappingxpath", "xp_cmdshell", "load_file", "pg_read_file",
    "lo_import", "lo_export", "utl_http", "utl_inaddr", "dbms_xmlgen", "dbms_java", "ordsys", "make_set", "elt",
    "procedure_analyse", "row_to_json", "query_to_xml", "openrowset", "opendatasource", "xp_dirtree", "sp_oacreate",
    "sp_executesql", "sp_makewebtask", "unhex", "floor", "rand", "lo_get", "pg_ls_dir", "dblink_connect",
];
/// Information functions with empty argument lists.
const INFO_FUNCS: &[&str] = &[
    "database", "version", "user", "current_user", "system_user", "session_user", "schema", "db_name", "user_name",
    "host_name", "suser_name", "suser_sname", "current_database", "connection_id", "last_insert_id", "sqlite_version",
];
/// Niladic information words (no parentheses needed).
const INFO_WORDS: &[&str] = &["current_user", "session_user", "system_user", "current_schema", "current_database", "current_role", "user"];
/// Functions attackers use to extract data bit by bit in boolean blind injection.
const BLIND_FUNCS: &[&str] = &[
    "substring", "substr", "mid", "ascii", "ord", "char", "chr", "length", "char_length", "hex", "bin", "concat",
    "concat_ws", "group_concat", "string_agg", "listagg", "instr", "locate", "position", "left", "right", "count",
    "if", "iif", "ifnull", "isnull", "coalesce", "nullif", "strcmp", "cast", "convert", "lower", "upper", "reverse",
];
/// Names of system catalogs and objects.
const SYSTEM_OBJECTS: &[&str] = &[
    "information_schema", "sysobjects", "syscolumns", "sysusers", "sysdatabases", "sysprocesses", "pg_catalog",
    "pg_shadow", "pg_user", "pg_tables", "pg_database", "sqlite_master", "sqlite_schema", "msysobjects", "msysaccessobjects",
    "all_tables", "user_tables", "dba_users", "all_users", "all_tab_columns", "user_tab_columns", "v$version", "sys.tables",
    "xp_cmdshell", "xp_regread", "xp_dirtree", "sp_password", "sp_executesql", "sp_oacreate", "master..", "mysql.user",
    "@@version", "@@datadir", "@@hostname", "@@basedir", "@@servername", "@@tmpdir", "@@global", "@@session",
    "@@version_compile_os", "@@spid", "@@language", "msdb", "tempdb", "mysql.db", "pg_namespace", "pg_proc", "sysibm",
    "syscat", "rdb$database",
];

/// What a value must contain for any rule of this class to match (see `gate`): add a
/// trigger here with every new rule.
pub const TRIGGERS: Triggers = Triggers {
    // `worth_lexing`: a quote, `@@`, `/*`, a comment `#`/`--`, symbolic logic `||`/`&&`,
    // or a keyword / listed name as a whole word.
    bytes: b"'\"`#",
    anywhere: &[&["@@", "/*", "--", "||", "&&", "::"]],
    words: &[GATE_KEYWORDS, &["case", "analyse"], TIME_FUNCS, ERROR_FUNCS, INFO_FUNCS, INFO_WORDS, BLIND_FUNCS, SYSTEM_OBJECTS],
    custom: Some(closes_paren),
    ..Triggers::NONE
};

/// A value that starts by closing a parenthesis (`) like (`, `) or (1`): it breaks out of
/// a group of the query.
fn closes_paren(v: &Value<'_>) -> bool {
    v.text.trim_start().starts_with(')')
}

/// The keywords `worth_lexing` accepts: every word `lexer::classify` maps to Logic, Union,
/// Select, Statement, OrderGroup, Having, Where or Into (a test keeps them in step).
const GATE_KEYWORDS: &[&str] = &[
    "or", "and", "xor", "not", "union", "intersect", "except", "minus", "select", "where", "order", "group", "having", "into",
    "insert", "update", "delete", "drop", "create", "alter", "exec", "execute", "declare", "shutdown", "show", "truncate",
    "grant", "revoke", "waitfor", "set", "call", "load", "replace", "rename", "use", "kill", "begin", "goto", "while", "do",
    "handler", "copy", "backup", "restore", "dbcc", "prepare",
];

/// Whether `worth_lexing` accepts `kw` (the gate's keyword set).
fn gated_kind(kw: Kw) -> bool {
    matches!(kw, Kw::Logic | Kw::Union | Kw::Select | Kw::Statement | Kw::OrderGroup | Kw::Having | Kw::Where | Kw::Into)
}

/// Scans one value for SQL injection (path segments arrive as values of their own, see
/// `extract`).
pub fn scan(v: &Value<'_>, out: &mut Vec<Hit>) {
    let text = v.text;
    if text.len() < 2 {
        return;
    }
    if !worth_lexing(text) && !text.trim_start().starts_with(')') {
        return;
    }
    let mut toks: Vec<Tok<'_>> = Vec::new();
    // Each context is one interpretation of the value: its signals add up, but signals of
    // different interpretations do not. The strongest interpretation wins.
    let mut hits: Vec<Hit> = Vec::new();
    let mut best = (0u32, 0u32);
    let mut ctx_hits: Vec<Hit> = Vec::new();
    for ctx in [None, Some(b'\''), Some(b'"'), Some(b'`')] {
        if let Some(q) = ctx {
            if memchr::memchr(q, text.as_bytes()).is_none() {
                continue;
            }
        }
        lexer::lex(text, ctx, &mut toks);
        ctx_hits.clear();
        analyze(text, &toks, ctx.is_some(), &mut ctx_hits);
        let pl1: u32 = ctx_hits.iter().filter(|h| h.paranoia <= 1).map(|h| h.score).sum();
        let all: u32 = ctx_hits.iter().map(|h| h.score).sum();
        if (pl1, all) > best {
            best = (pl1, all);
            hits = std::mem::take(&mut ctx_hits);
        }
    }
    if text.contains("/*!") && hits.iter().any(|h| h.score >= 2) {
        add(&mut hits, "sqli.mysql-version-comment", 3, 1, "/*!");
    }
    for h in hits {
        if !out.iter().any(|o| o.rule == h.rule) {
            out.push(h);
        }
    }
}

/// Cheap gate: without a quote, an injection needs a logic word, a clause or statement
/// keyword, a known SQL function or object, or a server variable. Plain text (user agents,
/// sentences with "like"/"in"/"is") does not get lexed.
fn worth_lexing(text: &str) -> bool {
    let b = text.as_bytes();
    if memchr::memchr3(b'\'', b'"', b'`', b).is_some() || memchr::memmem::find(b, b"@@").is_some() || memchr::memmem::find(b, b"/*").is_some() || memchr::memmem::find(b, b"::").is_some() {
        return true;
    }
    // Comment truncation (`1--`, `(1)#`) and symbolic logic (`1 || 1=1`, `x && 2>1`).
    if memchr::memchr(b'#', b).is_some() || memchr::memchr3_iter(b'-', b'|', b'&', b).any(|i| b.get(i + 1) == b.get(i)) {
        return true;
    }
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '$' || c == '.')).any(|w| {
        let w = w.trim_matches('.');
        if w.len() < 2 || w.len() > 40 {
            return false;
        }
        gated_kind(lexer::classify(w)) || w.eq_ignore_ascii_case("case") || w.eq_ignore_ascii_case("analyse") || name_flags(w) != 0
            // Dots join words without spaces (`1.UNION SELECT.2`, `t.user`).
            || (w.contains('.') && w.split('.').any(|p| name_flags(p) != 0 || (p.len() >= 2 && gated_kind(lexer::classify(p)))))
    })
}

fn add(hits: &mut Vec<Hit>, rule: &'static str, score: u32, paranoia: u8, evidence: &str) {
    match hits.iter_mut().find(|h| h.rule == rule) {
        Some(h) => {
            if score > h.score {
                h.score = score;
                h.evidence = clip(evidence);
            }
        }
        None => hits.push(Hit { rule, class: CLASS, score, paranoia, evidence: clip(evidence) }),
    }
}

fn clip(s: &str) -> String {
    s.chars().take(120).collect()
}

/// A significant (non-comment) token and whether a comment follows it.
#[derive(Clone, Copy)]
struct Sig<'a> {
    t: Tok<'a>,
    comment_after: bool,
    /// The text of the first comment after the token.
    comment: &'a str,
}

fn is_word(t: &Tok<'_>, kw: Kw) -> bool {
    t.kind == Kind::Word(kw)
}

const F_TIME: u8 = 1;
const F_ERROR: u8 = 2;
const F_INFO: u8 = 4;
const F_BLIND: u8 = 8;
const F_SYSOBJ: u8 = 16;
const F_INFOWORD: u8 = 32;

/// Which of the name lists a word (case-insensitive) is in, as `F_*` bits; one hash lookup
/// instead of scanning the lists.
fn name_flags(w: &str) -> u8 {
    type Map = std::collections::HashMap<&'static str, u8, std::hash::BuildHasherDefault<Fnv>>;
    static MAP: std::sync::OnceLock<Map> = std::sync::OnceLock::new();
    let map = MAP.get_or_init(|| {
        let mut m = Map::default();
        for (list, f) in [(TIME_FUNCS, F_TIME), (ERROR_FUNCS, F_ERROR), (INFO_FUNCS, F_INFO), (BLIND_FUNCS, F_BLIND), (SYSTEM_OBJECTS, F_SYSOBJ), (INFO_WORDS, F_INFOWORD)] {
            for n in list {
                *m.entry(*n).or_insert(0) |= f;
            }
        }
        m
    });
    let mut buf = [0u8; 32];
    if w.is_empty() || w.len() > buf.len() {
        return 0;
    }
    for (d, c) in buf.iter_mut().zip(w.bytes()) {
        *d = c.to_ascii_lowercase();
    }
    buf.get(..w.len()).and_then(|l| std::str::from_utf8(l).ok()).and_then(|l| map.get(l)).copied().unwrap_or(0)
}

/// FNV-1a: the keys are short ASCII names; SipHash's DoS resistance buys nothing here.
#[derive(Default)]
struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 { 0xcbf2_9ce4_8422_2325 } else { self.0 };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

fn has(t: &Tok<'_>, flag: u8) -> bool {
    name_flags(t.text) & flag != 0
}

fn in_list(t: &Tok<'_>, list: &[&str]) -> bool {
    list.iter().any(|w| t.text.eq_ignore_ascii_case(w))
}

fn is_cmp(t: &Tok<'_>) -> bool {
    match t.kind {
        Kind::Op => matches!(t.text, "=" | "<" | ">" | "<=" | ">=" | "<>" | "!=" | "<=>" | "!<" | "!>") || is_json_predicate(t.text),
        Kind::Word(Kw::Cmp) => true,
        _ => false,
    }
}

/// PostgreSQL JSON predicates: containment (`@>`, `<@`), key existence (`?`, `?|`, `?&`)
/// and JSON path tests (`@?`, `@@`).
fn is_json_predicate(op: &str) -> bool {
    matches!(op, "@>" | "<@" | "?" | "?|" | "?&" | "@?" | "@@")
}

/// PostgreSQL/MySQL JSON accessors: `->`, `->>`, `#>`, `#>>`.
fn is_json_accessor(op: &str) -> bool {
    matches!(op, "->" | "->>" | "#>" | "#>>")
}

fn is_logic(t: &Tok<'_>) -> bool {
    match t.kind {
        Kind::Word(Kw::Logic) => !t.is("not"),
        Kind::Word(Kw::Having | Kw::Where) => true,
        Kind::Op => matches!(t.text, "||" | "&&"),
        _ => false,
    }
}

/// What an operand is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Operand {
    /// A literal or a value-producing expression (number, string, variable, call).
    Lit,
    /// A bare identifier (or English word).
    Ident,
    /// A subquery.
    Sub,
}

/// Index after the parenthesised group opening at `i` (which must be `(`).
/// Bounded to 256 tokens, so nested calls cannot make the scan quadratic.
fn skip_parens(s: &[Sig<'_>], i: usize) -> usize {
    let mut depth = 0usize;
    let mut j = i;
    let limit = i.saturating_add(256).min(s.len());
    while let Some(x) = s.get(j).filter(|_| j < limit) {
        match x.t.kind {
            Kind::LParen => depth += 1,
            Kind::RParen => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return j + 1;
                }
            }
            _ => {}
        }
        j += 1;
    }
    limit
}

/// Parses an operand at `j`: its type and the index after it.
fn operand(s: &[Sig<'_>], mut j: usize) -> Option<(Operand, usize)> {
    // Unary prefixes and opening parens.
    let mut guard = 0;
    let mut opened = 0usize;
    while let Some(x) = s.get(j) {
        let unary = (x.t.kind == Kind::Op && matches!(x.t.text, "!" | "~" | "-" | "+")) || x.t.is("not") || x.t.is("binary");
        if (unary || x.t.kind == Kind::LParen) && guard < 8 {
            if x.t.kind == Kind::LParen && s.get(j + 1).is_some_and(|n| is_word(&n.t, Kw::Select)) {
                return Some((Operand::Sub, skip_parens(s, j)));
            }
            if x.t.kind == Kind::LParen {
                opened += 1;
            }
            j += 1;
            guard += 1;
            continue;
        }
        break;
    }
    let x = s.get(j)?;
    let (kind, mut next) = match x.t.kind {
        Kind::Num | Kind::Str { .. } | Kind::Var | Kind::Word(Kw::Literal) => (Operand::Lit, j + 1),
        Kind::Func => (Operand::Lit, skip_parens(s, j + 1)),
        // `current_user`, `session_user`: niladic functions, values rather than columns.
        Kind::Word(Kw::None) if has(&x.t, F_INFOWORD) && !x.t.is("user") => (Operand::Lit, j + 1),
        // PostgreSQL array constructor: `array['a','b']`.
        Kind::Word(Kw::None) if x.t.is("array") && s.get(j + 1).is_some_and(|n| n.t.text == "[") => {
            let close = s.iter().skip(j + 2).take(64).position(|n| n.t.text == "]");
            match close {
                Some(p) => (Operand::Lit, j + 3 + p),
                None => (Operand::Ident, j + 1),
            }
        }
        Kind::Word(Kw::None) => (Operand::Ident, j + 1),
        Kind::Word(Kw::Select) => (Operand::Sub, s.len()),
        _ => return None,
    };
    // Qualified names (`t.col`) and arithmetic (`1+1`).
    while let (Some(a), Some(b)) = (s.get(next), s.get(next + 1)) {
        if a.t.kind == Kind::Dot && matches!(b.t.kind, Kind::Word(_) | Kind::Func) {
            next += 2;
        } else if a.t.kind == Kind::Op && (matches!(a.t.text, "+" | "-" | "*" | "/" | "%" | "^" | "&" | "|" | "<<" | ">>" | "::") || is_json_accessor(a.t.text))
            && matches!(b.t.kind, Kind::Num | Kind::Str { .. } | Kind::Var | Kind::Func | Kind::Word(_))
        {
            next += 2;
            if b.t.kind == Kind::Func {
                next = skip_parens(s, next);
            }
        } else {
            break;
        }
    }
    while opened > 0 && s.get(next).is_some_and(|t| t.t.kind == Kind::RParen) {
        next += 1;
        opened -= 1;
    }
    Some((kind, next))
}

fn span<'a>(text: &'a str, s: &[Sig<'_>], from: usize, to: usize) -> &'a str {
    let a = s.get(from).map(|x| x.t.start).unwrap_or(0);
    let last = to.min(s.len()).saturating_sub(1).max(from);
    let b = s.get(last).map(|x| x.t.end).unwrap_or(text.len());
    let a = a.saturating_sub(if s.get(from).is_some_and(|x| matches!(x.t.kind, Kind::Str { .. })) { 1 } else { 0 });
    text.get(a..b.max(a)).unwrap_or(text)
}

/// Whether the token at `i` ends an expression (end, comment after the previous token,
/// closing paren, `;`, a logic word, a clause keyword).
fn ends_expr(s: &[Sig<'_>], i: usize) -> bool {
    if s.get(i.wrapping_sub(1)).is_some_and(|p| p.comment_after) {
        return true;
    }
    match s.get(i) {
        None => true,
        Some(x) => matches!(
            x.t.kind,
            Kind::RParen | Kind::Semi | Kind::Word(Kw::Logic | Kw::Limit | Kw::OrderGroup | Kw::Union | Kw::Having | Kw::Into)
        ) || (x.t.kind == Kind::Op && matches!(x.t.text, "||" | "&&")),
    }
}

// One arm per token kind reads better than guards spread over the match.
#[allow(clippy::collapsible_match)]
fn analyze(text: &str, toks: &[Tok<'_>], quoted: bool, hits: &mut Vec<Hit>) {
    let mut s: Vec<Sig<'_>> = Vec::with_capacity(toks.len());
    let mut leading_comment = false;
    for t in toks {
        if t.kind == Kind::Comment {
            match s.last_mut() {
                Some(l) => {
                    if !l.comment_after {
                        l.comment = t.text;
                    }
                    l.comment_after = true;
                }
                None => leading_comment = true,
            }
        } else {
            s.push(Sig { t: *t, comment_after: false, comment: "" });
        }
    }
    let _ = leading_comment;
    let base = if quoted {
        // The value must close the string and continue as SQL.
        match s.first() {
            Some(x) if x.t.kind == (Kind::Str { closed: true }) => {}
            _ => return,
        }
        let mut k = 1;
        while s.get(k).is_some_and(|x| x.t.kind == Kind::RParen) {
            k += 1;
        }
        let last = s.get(k - 1).copied();
        if let Some(l) = last.filter(|l| l.comment_after) {
            // `admin'--`, `x')#`, `1' -- -`: strong when the broken-out string is one token
            // and the comment is empty or starts like a terminator; `FOO BAR'#2` is weaker.
            let body = l.comment.trim_start_matches(['-', '#', '/', '*']);
            let terse = body.is_empty() || body.starts_with(|c: char| c.is_whitespace() || c == '-' || c == '+' || c == '*');
            let word = s.first().is_some_and(|f| !f.t.text.contains(char::is_whitespace));
            add(hits, "sqli.comment-truncation", if terse && word { 5 } else { 3 }, 1, span(text, &s, 0, k + 1));
        }
        if s.get(k).is_some_and(|x| x.t.kind == Kind::Semi && x.comment_after) && s.len() == k + 1 {
            add(hits, "sqli.comment-truncation", 5, 1, span(text, &s, 0, k + 1));
        }
        // `admin@example.com';`, `jdoe";`: a user name or e-mail closed and the statement
        // ended right there (the rest of the query is dropped on engines that allow it).
        if s.get(k).is_some_and(|x| x.t.kind == Kind::Semi) && s.len() == k + 1 && s.first().is_some_and(|f| login_like(f.t.text)) {
            add(hits, "sqli.quote-terminator", 5, 1, span(text, &s, 0, k + 1));
        }
        let next_ok = match s.get(k) {
            None => false,
            Some(x) => match x.t.kind {
                Kind::Word(kw) => matches!(
                    kw,
                    Kw::Logic | Kw::Cmp | Kw::Union | Kw::OrderGroup | Kw::Having | Kw::Limit | Kw::Into | Kw::Where | Kw::From | Kw::Statement
                ) || x.t.is("procedure")
                    // `'select …` only right after a one-token value (not `He wrote: 'select …`).
                    || (kw == Kw::Select && s.first().is_some_and(|f| !f.t.text.contains(char::is_whitespace))) || x.t.is("goto") || x.t.is("as"),
                Kind::Op | Kind::Semi => true,
                Kind::LParen => s.get(k + 1).is_some_and(|n| is_word(&n.t, Kw::Select)),
                Kind::Comma => s.get(k + 1).is_some_and(|n| matches!(n.t.kind, Kind::Num | Kind::Str { .. } | Kind::Word(Kw::Literal) | Kind::Func | Kind::LParen | Kind::Var)),
                Kind::Func => has(&x.t, F_TIME) || has(&x.t, F_ERROR) || has(&x.t, F_BLIND) || has(&x.t, F_INFO),
                _ => false,
            },
        };
        // The value completes an expression that the query's own closing quote finishes
        // (`A' AND 'B`, `aa' like '0`, `' = '`, `1') or ('1`), or that a comment cuts.
        if balanced_expression(text, &s, k) {
            add(hits, "sqli.quote-balanced", 5, 1, span(text, &s, 0, s.len()));
        }
        if !next_ok {
            // An unusual continuation: only unmistakable functions and objects count.
            specific_only(text, &s, k, hits);
            return;
        }
        add(hits, "sqli.quote-break", 2, 1, span(text, &s, 0, k + 2));
        // `'-'`, `' LIKE 'b`, `'||'`: an operation on the broken-out string and another string.
        // `'=0-- `, `' = 1 #`: the broken-out string compared with a literal, then cut.
        if s.get(k).is_some_and(|x| is_cmp(&x.t)) && s.get(k + 1).is_some_and(|x| matches!(x.t.kind, Kind::Num | Kind::Str { .. } | Kind::Word(Kw::Literal))) {
            let cut = s.get(k + 1).is_some_and(|x| x.comment_after) && s.len() == k + 2;
            add(hits, "sqli.string-comparison", if cut { 5 } else { 2 }, 1, span(text, &s, 0, k + 2));
        }
        // Strong when it follows a one-token value (`aa' like '0`, `A' / 'B`); a quoted
        // word at the start of text (`"MOD" "KITCHEN"`) is only a PL2 signal.
        if s.get(k).is_some_and(|x| x.t.kind == Kind::Op || x.t.kind == Kind::Word(Kw::Cmp))
            && s.get(k + 1).is_some_and(|x| matches!(x.t.kind, Kind::Str { .. }))
        {
            let value = s.first().map(|f| f.t.text).unwrap_or("");
            if !value.is_empty() && !value.contains(char::is_whitespace) && k == 1 {
                add(hits, "sqli.string-operation", 3, 1, span(text, &s, 0, k + 2));
            } else {
                add(hits, "sqli.string-operation", 2, 2, span(text, &s, 0, k + 2));
            }
        }
        k
    } else {
        0
    };
    let sl = &s;
    if !quoted {
        bare_fragment(text, sl, hits);
        paren_break(text, sl, hits);
    }
    alias_from(text, sl, base, quoted, hits);
    for i in base..s.len() {
        let Some(x) = s.get(i) else { break };
        let prev = if i > 0 { s.get(i - 1) } else { None };
        match x.t.kind {
            Kind::Word(Kw::Union) => {
                let mut j = i + 1;
                while s.get(j).is_some_and(|n| matches!(n.t.kind, Kind::Word(Kw::AllDistinct) | Kind::LParen)) {
                    j += 1;
                }
                if s.get(j).is_some_and(|n| is_word(&n.t, Kw::Select)) {
                    add(hits, "sqli.union-select", 5, 1, span(text, sl, i, j + 3));
                }
            }
            Kind::Semi => stacked(text, sl, i, hits),
            Kind::Word(Kw::Statement) if i == base => stacked(text, sl, i.wrapping_sub(1), hits),
            Kind::Word(Kw::Statement) if i == 1 && !quoted && prev.is_some_and(|p| p.t.kind == Kind::Num) => stacked(text, sl, 0, hits),
            Kind::Func => function(text, sl, i, prev, hits),
            Kind::Word(Kw::Select) => select(text, sl, i, base, prev, hits),
            Kind::Word(Kw::Statement) if x.t.is("waitfor") => {
                if s.get(i + 1).is_some_and(|n| n.t.is("delay") || n.t.is("time")) && s.get(i + 2).is_some_and(|n| matches!(n.t.kind, Kind::Str { .. })) {
                    add(hits, "sqli.time-blind", 5, 1, span(text, sl, i, i + 3));
                }
            }
            Kind::Word(Kw::OrderGroup) => {
                let after_value = i == base || prev.is_some_and(|p| matches!(p.t.kind, Kind::Num | Kind::Str { .. } | Kind::RParen));
                if after_value
                    && s.get(i + 1).is_some_and(|n| is_word(&n.t, Kw::By))
                    && s.get(i + 2).is_some_and(|n| n.t.kind == Kind::Num || n.t.kind == Kind::Func)
                {
                    add(hits, "sqli.order-by-probe", 5, 1, span(text, sl, i, i + 3));
                }
            }
            Kind::Word(Kw::Into) => {
                if s.get(i + 1).is_some_and(|n| n.t.is("outfile") || n.t.is("dumpfile")) {
                    add(hits, "sqli.into-outfile", 5, 1, span(text, sl, i, i + 3));
                }
            }
            Kind::Word(Kw::Other) if x.t.is("procedure") => {
                // MySQL `PROCEDURE ANALYSE(…)` appended to a SELECT (column/type disclosure).
                if s.get(i + 1).is_some_and(|n| n.t.kind == Kind::Func && n.t.is("analyse")) {
                    add(hits, "sqli.procedure-analyse", 5, 1, span(text, sl, i, i + 3));
                }
            }
            Kind::Word(Kw::Other) if x.t.is("case") => {
                // A whole `CASE … WHEN … THEN … END` expression (with or without an operand).
                if expr::case_expression(sl, i) {
                    add(hits, "sqli.conditional", 5, 1, span(text, sl, i, i + 6));
                } else if s.get(i + 1).is_some_and(|n| n.t.is("when")) {
                    let then = s.iter().skip(i + 2).take(12).position(|n| n.t.is("then"));
                    if let Some(p) = then {
                        let cond = s.get(i + 2..i + 2 + p).unwrap_or_default();
                        // `case when cond then x` opening the value (bare): one expression
                        // for the condition and one for the result, as SQL reads them.
                        let lead = i == base && !quoted;
                        // Prose (`case when ready then go`) has neither literals, operators nor
                        // code-like names (`condition1`, `col_a`).
                        let codeish = |e: &expr::Expr, from: usize| {
                            e.literals > 0 || e.ops > 0 || s.get(from..e.end).unwrap_or_default().iter().any(|t| t.t.text.contains(|c: char| c.is_ascii_digit() || c == '_'))
                        };
                        let cond_expr = expr::parse(sl, i + 2).is_some_and(|e| e.end == i + 2 + p && codeish(&e, i + 2));
                        let result = expr::parse(sl, i + 3 + p).is_some_and(|e| s.get(e.end).is_none_or(|n| n.t.is("else") || n.t.is("end")) && codeish(&e, i + 3 + p));
                        if lead && cond_expr && result {
                            add(hits, "sqli.conditional", 5, 1, span(text, sl, i, i + 4 + p));
                        } else if cond.iter().any(|c| is_cmp(&c.t)) {
                            // `case when 4587=4587 then`: a condition on two literals is a probe.
                            let lit = |t: &Sig<'_>| matches!(t.t.kind, Kind::Num | Kind::Str { .. });
                            let literal = cond.windows(3).any(|w| matches!(w, [a, op, b] if lit(a) && is_cmp(&op.t) && lit(b)));
                            add(hits, "sqli.conditional", if literal { 4 } else { 3 }, 1, span(text, sl, i, i + 3 + p));
                        }
                    }
                }
            }
            Kind::Op if x.t.text == "::" => pg_cast(text, sl, i, base, quoted, hits),
            Kind::Str { .. } if json_text(x.t.text) => json_operation(text, sl, i, hits),
            Kind::Num if x.t.text.ends_with('.') => {
                // MySQL reads `1.e` as a number glued to what follows (`1.e(ascii …`,
                // `1.e.table_name`, ``` ``1.e.tables ```): a filter bypass, never prose.
                if let (Some(e), Some(n)) = (s.get(i + 1), s.get(i + 2)) {
                    let glued = e.t.start == x.t.end && e.t.is("e") && n.t.start == e.t.end;
                    let sql_after = match (e.t.kind, n.t.kind) {
                        (Kind::Func, Kind::LParen) => s.get(i + 3).is_some_and(|a| matches!(a.t.kind, Kind::Word(kw) if kw != Kw::None) || a.t.kind == Kind::Func || name_flags(a.t.text) != 0),
                        (Kind::Word(_), Kind::Dot) => s.get(i + 3).is_some_and(|a| a.t.start == n.t.end && a.t.text.len() >= 3 && matches!(a.t.kind, Kind::Word(_))),
                        _ => false,
                    };
                    if glued && sql_after {
                        add(hits, "sqli.scientific-notation", 5, 1, span(text, sl, i, i + 4));
                    }
                }
            }
            Kind::Num => {
                if !quoted && i == 0 && x.comment_after && s.len() == 1 {
                    add(hits, "sqli.comment-after-number", 2, 2, text);
                }
            }
            _ => {}
        }
        if is_logic(&x.t) {
            logic(text, sl, i, base, quoted, prev, hits);
        }
        if matches!(x.t.kind, Kind::Word(_) | Kind::Var | Kind::Func) && has(&x.t, F_SYSOBJ) {
            add(hits, "sqli.system-object", 5, 1, x.t.text);
        }
        // Oracle packages: `utl_http.request(`, `dbms_xmlgen.getxml(`.
        if x.t.kind == Kind::Word(Kw::None) && has(&x.t, F_ERROR | F_TIME) && s.get(i + 1).is_some_and(|n| n.t.kind == Kind::Dot) && s.get(i + 2).is_some_and(|n| n.t.kind == Kind::Func) {
            add(hits, "sqli.error-based", 5, 1, span(text, sl, i, i + 3));
        }
        // `and case when 1=2 then 1 else … end`: a condition as the operand of a logic word.
        if is_logic(&x.t) && s.get(i + 1).is_some_and(|n| n.t.is("case")) && s.get(i + 2).is_some_and(|n| n.t.is("when")) {
            add(hits, "sqli.boolean-blind", 3, 1, span(text, sl, i, i + 3));
        }
        if x.t.kind == Kind::Word(Kw::None) && x.t.is("mysql") && s.get(i + 1).is_some_and(|n| n.t.kind == Kind::Dot) && s.get(i + 2).is_some_and(|n| n.t.is("user") || n.t.is("db")) {
            add(hits, "sqli.system-object", 5, 1, span(text, sl, i, i + 3));
        }
        if x.t.kind == Kind::Word(Kw::None) && x.t.is("master") && s.get(i + 1).is_some_and(|n| n.t.kind == Kind::Dot) && s.get(i + 2).is_some_and(|n| n.t.kind == Kind::Dot) {
            add(hits, "sqli.system-object", 5, 1, span(text, sl, i, i + 4));
        }
    }
}

/// PostgreSQL type names an error-based cast converts to (`::int` of a text leaks it in
/// the error message; `::text`/`::json` turn values into comparable strings).
const CAST_TYPES: &[&str] = &[
    "int", "integer", "int2", "int4", "int8", "bigint", "smallint", "numeric", "decimal", "float", "float4", "float8", "real",
    "double", "bool", "boolean", "regclass", "oid", "text", "varchar", "json", "jsonb", "bytea",
];

/// `::` at `i`: a PostgreSQL cast. Casting a call or a column (`starts_with(pw,'a')::int`,
/// `unistr(pw)::int`, `password::int`, `1+current_user::int`) in a value that is one whole
/// expression is error-based injection; a literal cast (`'1'::int`) is only a PL2 signal.
/// The type must be a SQL type written in one case (`Foo::Text` is a module path).
fn pg_cast(text: &str, s: &[Sig<'_>], i: usize, base: usize, quoted: bool, hits: &mut Vec<Hit>) {
    let (Some(p), Some(ty)) = (i.checked_sub(1).and_then(|k| s.get(k)), s.get(i + 1)) else { return };
    if !matches!(ty.t.kind, Kind::Word(_)) {
        return;
    }
    let one_case = ty.t.text.bytes().all(|c| !c.is_ascii_uppercase()) || ty.t.text.bytes().all(|c| !c.is_ascii_lowercase());
    let sql_type = one_case && in_list(&ty.t, CAST_TYPES);
    let operand_ok = matches!(p.t.kind, Kind::RParen | Kind::Word(Kw::None) | Kind::Var);
    // The whole value (bare) or everything after the break-out (quoted) is one expression
    // (leading punctuation such as `...(` is skipped).
    let mut base = base;
    while s.get(base).is_some_and(|t| matches!(t.t.kind, Kind::Dot | Kind::Other)) && base < i {
        base += 1;
    }
    let whole = expr::parse(s, base).is_some_and(|e| e.end >= s.len() || (e.end > i + 1 && ends_expr(s, e.end)));
    if sql_type && operand_ok && whole && (!quoted || base > 0) {
        add(hits, "sqli.pg-cast", 5, 1, span(text, s, base, i + 2));
    } else if matches!(p.t.kind, Kind::Num | Kind::Str { .. } | Kind::RParen) {
        add(hits, "sqli.pg-cast", 2, 2, span(text, s, i.saturating_sub(1), i + 2));
    }
}

/// Whether a string literal holds a JSON document (`'{"a":1}'`, `'[1,2]'`).
fn json_text(t: &str) -> bool {
    let t = t.trim();
    t.len() >= 2 && ((t.starts_with('{') && t.ends_with('}')) || (t.starts_with('[') && t.ends_with(']')))
}

/// A JSON document literal at `i` used in SQL: cast to `json`/`jsonb`, or the operand of a
/// JSON operator (`'{"b":2}' <@ '…'`, `'[1,2]' ? '1'`, `'{…}' -> '$.a'`,
/// `'{…}' < '$.c[2]'` against a JSON path). JSON bodies never contain these.
fn json_operation(text: &str, s: &[Sig<'_>], i: usize, hits: &mut Vec<Hit>) {
    let mut j = i + 1;
    let mut cast = false;
    if s.get(j).is_some_and(|o| o.t.text == "::") && s.get(j + 1).is_some_and(|t| t.t.is("json") || t.t.is("jsonb")) {
        cast = true;
        j += 2;
    }
    let Some(op) = s.get(j).filter(|o| o.t.kind == Kind::Op) else {
        if cast {
            add(hits, "sqli.json-operator", 3, 1, span(text, s, i, j));
        }
        return;
    };
    let rhs = s.get(j + 1);
    let rhs_value = rhs.is_some_and(|r| matches!(r.t.kind, Kind::Str { .. } | Kind::Num) || r.t.is("array"));
    let json_path = rhs.is_some_and(|r| matches!(r.t.kind, Kind::Str { .. }) && (r.t.text.starts_with("$.") || r.t.text.starts_with("$[")));
    let json_op = is_json_predicate(op.t.text) || is_json_accessor(op.t.text);
    let strong = rhs_value && (json_op || json_path || (cast && matches!(op.t.text, "||" | "-" | "=" | "<>" | "!=")));
    if strong {
        add(hits, "sqli.json-operator", 5, 1, span(text, s, i, j + 2));
    } else if cast {
        add(hits, "sqli.json-operator", 3, 1, span(text, s, i, j));
    }
}

/// A login name or e-mail address: one word of name characters with a letter, at most 64.
fn login_like(v: &str) -> bool {
    (2..=64).contains(&v.len())
        && v.bytes().any(|c| c.is_ascii_alphabetic())
        && v.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'@' | b'-' | b'+'))
}

/// In a quoted context: whether the value (a broken-out string at `s[0]`, closing parens
/// up to `k`) continues as one expression to its end, with at least one operator, and
/// ends in a string the query's own quote closes, or in a comment.
///
/// The strings at both ends must read like a value that was closed, not like prose
/// quoting a word: `A' AND 'B` and `aa' like '0` count, `"LIKE" STAMP`, `select 'and'` and
/// `SMALL "&" SIGN` do not (a quote opened after a space, or closed before one, quotes a word).
fn balanced_expression(text: &str, s: &[Sig<'_>], k: usize) -> bool {
    let (Some(first), Some(last)) = (s.first(), s.last()) else { return false };
    let quote_at = |i: usize| text.as_bytes().get(i).copied();
    let ctx_quote = quote_at(first.t.end);
    let value_like = |v: &str| v.len() <= 40 && v.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'@' | b'-' | b'+' | b'$'));
    let blank = |v: &str| v.trim().is_empty();
    if !(blank(first.t.text) || (!first.t.text.ends_with(char::is_whitespace) && value_like(first.t.text.trim_start()))) {
        return false;
    }
    let tail_string = last.t.kind == (Kind::Str { closed: false });
    if tail_string {
        if last.t.start == 0 || quote_at(last.t.start - 1) != ctx_quote {
            return false;
        }
        if !(blank(last.t.text) || (!last.t.text.starts_with(char::is_whitespace) && value_like(last.t.text.trim_end()))) {
            return false;
        }
        // `"*"`, `"-"`: one arithmetic sign between empty double quotes is a search term.
        let sign = s.get(1).is_some_and(|o| o.t.kind == Kind::Op && matches!(o.t.text, "*" | "-" | "+" | "/" | "%" | "&" | "|" | "^"));
        if s.len() == 3 && sign && ctx_quote == Some(b'"') && blank(first.t.text) && blank(last.t.text) {
            return false;
        }
    }
    let e = if k <= 1 {
        expr::parse(s, 0)
    } else {
        let n = expr::binop_len(s, k);
        if n == 0 {
            return false;
        }
        expr::parse(s, k + n).map(|mut e| {
            e.ops += 1;
            e
        })
    };
    let Some(e) = e else { return false };
    e.ops > 0 && e.end == s.len() && (e.commented || tail_string)
}

/// Whether a comment that ends a value is a terminator (`--`, `-- -`, `#(`, `/**/`) rather
/// than prose (`-- great product`, `#travel`).
fn terse_comment(c: &str) -> bool {
    if c.starts_with("/*") {
        return c.len() <= 48;
    }
    let body = c.trim_start_matches(['-', '#']).trim();
    body.is_empty() || (body.len() <= 12 && !body.starts_with(|ch: char| ch.is_alphanumeric()) && !body.contains(char::is_whitespace))
}

/// In the bare context: a value that is a whole SQL expression cut by a comment
/// (`1--`, `( 'a' * @a ) --`, `@@version/*`), or followed only by a dangling `UNION`
/// (`-1#\nunion`, `1/1/**/union#--`): a fragment appended to a query.
fn bare_fragment(text: &str, s: &[Sig<'_>], hits: &mut Vec<Hit>) {
    let Some(e) = expr::parse(s, 0) else { return };
    // Literals and operators only: a name (`abc--`, `1611-IioXX--`) reads as an identifier or a token.
    if e.literals == 0 || e.idents > 0 {
        return;
    }
    // The whole value is one call wrapped around an information function
    // (`uncompress(compress(version()))`, `CHARSET(CURRENT_USER())`): only a probe reads so.
    if e.end == s.len() && s.first().is_some_and(|f| f.t.kind == Kind::Func) {
        let nested_info = s.windows(3).skip(1).any(|w| matches!(w, [f, l, r] if f.t.kind == Kind::Func && has(&f.t, F_INFO) && l.t.kind == Kind::LParen && r.t.kind == Kind::RParen));
        if nested_info {
            add(hits, "sqli.info-function", 5, 1, text);
        }
    }
    if e.end == s.len() && e.ops > 0 {
        // The whole value is arithmetic or a comparison over SQL functions
        // (`456 + ASCII(SUBSTRING(pw,1,1))-10`, `DATABASE() LIKE SCHEMA()`, `1 - ORD('A')`).
        if let Some(f) = s.iter().find(|t| t.t.kind == Kind::Func && (has(&t.t, F_BLIND | F_INFO | F_TIME | F_ERROR))) {
            add(hits, "sqli.arithmetic-blind", 5, 1, f.t.text);
        }
    }
    if e.end == s.len() && e.commented {
        if s.last().is_some_and(|l| terse_comment(l.comment)) {
            add(hits, "sqli.comment-truncation", 5, 1, text);
        }
    } else if e.end + 1 == s.len() && s.get(e.end).is_some_and(|u| is_word(&u.t, Kw::Union)) {
        add(hits, "sqli.union-fragment", 5, 1, text);
    }
}

/// A select-list tail: `1234 AS "name" FROM`, `` ` AS `col` from `` (after a number, a
/// string, or right after the break-out quote), the alias then `FROM` ending the value or
/// followed by a name: the value continues a SELECT list into a new FROM clause.
fn alias_from(text: &str, s: &[Sig<'_>], base: usize, quoted: bool, hits: &mut Vec<Hit>) {
    let start = if quoted {
        if base != 1 || !s.first().is_some_and(|f| f.t.text.trim().is_empty() || login_like(f.t.text)) {
            return;
        }
        1
    } else {
        if !s.first().is_some_and(|f| matches!(f.t.kind, Kind::Num | Kind::Str { closed: true })) {
            return;
        }
        1
    };
    let (Some(a), Some(alias), Some(from)) = (s.get(start), s.get(start + 1), s.get(start + 2)) else { return };
    // Prose names a thing after `from` (`1984 as 'Orwell' from the library`); SQL names a
    // table, or the query supplies it.
    let after_ok = s.get(start + 3).is_none_or(|n| matches!(n.t.kind, Kind::Word(Kw::None) | Kind::Func) && n.t.text.contains(|c: char| c.is_ascii_digit() || c == '_' || c == '.'));
    // An alias is a name or a `"…"` identifier, not a `'…'` string.
    let alias_ok = match alias.t.kind {
        Kind::Word(Kw::None) => true,
        Kind::Str { closed: true } => alias.t.start.checked_sub(1).and_then(|q| text.as_bytes().get(q)) == Some(&b'"'),
        _ => false,
    };
    if a.t.is("as") && alias_ok && is_word(&from.t, Kw::From) && after_ok {
        add(hits, "sqli.alias-from", 5, 1, span(text, s, 0, start + 4));
    }
}

/// In the bare context: a value that closes the query's group and compares it with a new
/// one (`) like (`, `)or(1=1`, `) = (select`): the comparison across the parentheses is
/// the injection, whatever the query supplies around it.
fn paren_break(text: &str, s: &[Sig<'_>], hits: &mut Vec<Hit>) {
    let mut k = 0;
    while s.get(k).is_some_and(|t| t.t.kind == Kind::RParen) && k < 4 {
        k += 1;
    }
    if k == 0 {
        return;
    }
    let n = expr::binop_len(s, k);
    if n == 0 || !s.get(k + n).is_some_and(|t| t.t.kind == Kind::LParen) {
        return;
    }
    // Nothing after the `(` (the query closes it), or one expression that runs to the end.
    let rest = s.len() == k + n + 1 || expr::parse(s, k + n).is_some_and(|e| e.end >= s.len() && e.idents == 0);
    if rest {
        add(hits, "sqli.paren-break", 5, 1, span(text, s, 0, s.len()));
    }
}

/// After a string break with an unusual continuation: only SQL-specific functions and
/// system objects (no structure rules).
fn specific_only(text: &str, s: &[Sig<'_>], from: usize, hits: &mut Vec<Hit>) {
    for i in from..s.len() {
        let Some(x) = s.get(i) else { break };
        if x.t.kind == Kind::Func && (has(&x.t, F_TIME) || has(&x.t, F_ERROR)) {
            let prev = if i > 0 { s.get(i - 1) } else { None };
            function(text, s, i, prev, hits);
        }
        if matches!(x.t.kind, Kind::Word(_) | Kind::Var | Kind::Func) && has(&x.t, F_SYSOBJ) {
            add(hits, "sqli.system-object", 5, 1, x.t.text);
        }
    }
}

/// `or`/`and`/`xor`/`||`/`&&`/`having` at `i`: a condition after it.
fn logic(text: &str, s: &[Sig<'_>], i: usize, base: usize, quoted: bool, prev: Option<&Sig<'_>>, hits: &mut Vec<Hit>) {
    let x = match s.get(i) {
        Some(x) => x,
        None => return,
    };
    // How much the left side says: a value (strong), the start of the value (a fragment
    // appended to the query), or a word (then only literal-vs-literal conditions count).
    let lhs_value = (quoted && i == base)
        || x.t.is("having")
        || x.t.is("where")
        || prev.is_some_and(|p| matches!(p.t.kind, Kind::Num | Kind::Str { .. } | Kind::RParen | Kind::Var | Kind::Word(Kw::Literal)));
    let lhs_start = !quoted && i == 0;
    let lhs_word = prev.is_some_and(|p| p.t.kind == Kind::Word(Kw::None));
    if !(lhs_value || lhs_start || lhs_word) {
        return;
    }
    let or_like = x.t.is("or") || x.t.text == "||" || x.t.is("xor");
    // `having (1 or 1)`, `where (true or 1)`: a parenthesised condition on constants only.
    if (x.t.is("having") || x.t.is("where")) && s.get(i + 1).is_some_and(|n| n.t.kind == Kind::LParen) {
        if let Some(e) = expr::parse(s, i + 1) {
            if e.idents == 0 && e.literals >= 2 && e.ops >= 1 {
                add(hits, "sqli.tautology", 5, 1, span(text, s, i, e.end));
                return;
            }
        }
    }
    let rule = if or_like { "sqli.tautology" } else { "sqli.boolean-blind" };
    let Some((a, j)) = operand(s, i + 1) else { return };
    let a_text = s.get(i + 1).map(|t| t.t.text).unwrap_or("");
    if a == Operand::Sub {
        add(hits, "sqli.subquery", 5, 1, span(text, s, i, j));
        return;
    }
    if let Some(op) = s.get(j) {
        // `not like`, `sounds like`, `not between`: the operator spans several words.
        let not_cmp = op.t.is("not") && s.get(j + 1).is_some_and(|n| n.t.kind == Kind::Word(Kw::Cmp));
        if is_cmp(&op.t) || not_cmp {
            let mut ob = j + 1;
            while s.get(ob).is_some_and(|n| n.t.kind == Kind::Word(Kw::Cmp) && !n.t.is("is")) && ob < j + 3 {
                ob += 1;
            }
            if let Some((b, k)) = operand(s, ob) {
                let b_text = s.get(ob).map(|t| t.t.text).unwrap_or("");
                let commented = s.get(j..k).unwrap_or_default().iter().any(|t| t.comment_after);
                // A value that opens with its own quote (`' OR x=y`) broke out at once.
                let opens_with_break = quoted && i == base && s.first().is_some_and(|f| f.t.text.trim().is_empty());
                let strong = if ((lhs_start || lhs_value) && commented) || opens_with_break {
                    true
                } else if lhs_value {
                    matches!((a, b), (Operand::Lit, Operand::Lit) | (Operand::Ident, Operand::Lit) | (Operand::Lit, Operand::Ident) | (_, Operand::Sub))
                        || (a == Operand::Ident && b == Operand::Ident && a_text.eq_ignore_ascii_case(b_text))
                } else {
                    matches!((a, b), (Operand::Lit, Operand::Lit) | (_, Operand::Sub)) || (a == Operand::Ident && b == Operand::Ident && a_text.eq_ignore_ascii_case(b_text))
                };
                if strong {
                    add(hits, rule, 5, 1, span(text, s, i, k));
                }
                return;
            }
            // `' or 1=` at the end (the original query supplies the rest).
            if a == Operand::Lit && j + 1 >= s.len() {
                add(hits, rule, 3, 1, span(text, s, i, j + 1));
            }
            return;
        }
    }
    if a == Operand::Lit && ends_expr(s, j) {
        // A comment right after the literal (or after the parens closing it).
        let mut c = j;
        while s.get(c).is_some_and(|t| t.t.kind == Kind::RParen) {
            c += 1;
        }
        let commented = s.get(j.wrapping_sub(1)..c).unwrap_or_default().iter().any(|p| p.comment_after);
        // A truthy number or keyword makes a tautology; a bare string is weaker.
        let a_tok = s.get(j.wrapping_sub(1)).map(|t| t.t);
        // An expression (`''*'`, `1+1`), a number, `true`, a call, or a string starting with a
        // non-zero digit (`'1`) is truthy.
        let expression = j > i + 2;
        let truthy = expression
            || a_tok.is_some_and(|t| {
                matches!(t.kind, Kind::Num | Kind::Word(Kw::Literal) | Kind::Func | Kind::Var)
                    || (matches!(t.kind, Kind::Str { .. }) && t.text.starts_with(|c: char| ('1'..='9').contains(&c)))
            });
        // `AND 0`, `OR true`, `AND ISNULL(1/0)`: a value that is only a condition on a constant.
        let lone_keyword = lhs_start && j == s.len() && a_tok.is_some_and(|t| matches!(t.kind, Kind::Num | Kind::Word(Kw::Literal)) || (t.kind == Kind::RParen && s.get(i + 1).is_some_and(|f| f.t.kind == Kind::Func)));
        // A comment between the logic word and a truthy operand (`9999 or /*+ hint */ true`,
        // `1 and/**/1`) hides the condition from keyword filters: as strong as one after it.
        let hidden = x.comment_after && truthy && lhs_value;
        let score = if (commented && (lhs_value || lhs_start)) || (quoted && lhs_value && truthy) || lone_keyword || hidden {
            5
        } else if lhs_value {
            2
        } else {
            0
        };
        if score > 0 {
            add(hits, rule, score, 1, span(text, s, i, j));
        }
    }
}

/// `;` at `i`: a stacked statement that parses as one.
fn stacked(text: &str, s: &[Sig<'_>], i: usize, hits: &mut Vec<Hit>) {
    // `i` is the `;` (or `usize::MAX` for a statement at the start of the value).
    let i = i.wrapping_add(1).wrapping_sub(1);
    let Some(st) = s.get(i.wrapping_add(1)) else { return };
    let n1 = s.get(i.wrapping_add(2));
    let n2 = s.get(i.wrapping_add(3));
    let word = |t: Option<&Sig<'_>>, list: &[&str]| t.is_some_and(|x| in_list(&x.t, list));
    let ok = match st.t.kind {
        Kind::Word(Kw::Select) => select_list_item(s, i.wrapping_add(2)),
        Kind::Func => (st.t.is("if") || st.t.is("iif")) && n1.is_some_and(|n| n.t.kind == Kind::LParen) && s.iter().skip(i.wrapping_add(3)).take(6).any(|t| is_cmp(&t.t)),
        // `;if 1=1 drop table t`, `;if (select …) waitfor …`: a condition on SQL values, then a statement.
        Kind::Word(Kw::Other) if st.t.is("if") => expr::parse(s, i.wrapping_add(2)).is_some_and(|e| {
            e.ops > 0 && e.idents == 0 && s.get(e.end).is_some_and(|n| matches!(n.t.kind, Kind::Word(Kw::Statement | Kw::Select)))
        }),
        Kind::Word(Kw::Statement) => {
            let w = st.t.text.to_ascii_lowercase();
            match w.as_str() {
                "insert" | "replace" => {
                    // `insert into t …`, `insert t values …`, `replace t(a, b) values (…)`.
                    let after_name = match n1.map(|n| n.t.kind) {
                        Some(Kind::Word(Kw::None)) => Some(i.wrapping_add(3)),
                        Some(Kind::Func) => Some(skip_parens(s, i.wrapping_add(3))),
                        _ => None,
                    };
                    word(n1, &["into"])
                        || after_name.is_some_and(|k| {
                            s.get(k).is_some_and(|n| (n.t.is("values") && s.get(k + 1).is_some_and(|p| p.t.kind == Kind::LParen)) || is_word(&n.t, Kw::Select))
                        })
                }
                "update" => n1.is_some_and(|n| matches!(n.t.kind, Kind::Word(_))) && (word(n2, &["set"]) || s.get(i.wrapping_add(5)).is_some_and(|n| n.t.is("set"))),
                "delete" => (word(n1, &["from"]) && s.iter().skip(i.wrapping_add(3)).take(64).any(|n| n.t.is("where") || n.t.kind == Kind::Semi || n.comment_after))
                    // `;delete from t` ending the value.
                    || (i != usize::MAX && word(n1, &["from"]) && n2.is_some_and(|n| n.t.kind == Kind::Word(Kw::None)) && s.len() <= i.wrapping_add(5))
                    || (i != usize::MAX && n1.is_some_and(|n| n.t.kind == Kind::Word(Kw::None)) && word(n2, &["from", "where"])),
                "drop" if i != usize::MAX && n1.is_some_and(|n| n.t.kind == Kind::Word(Kw::None)) && (n2.is_none() || st.comment_after || n1.is_some_and(|n| n.comment_after)) => true,
                // `;truncate users`, `;truncate[logs`: a table name, then nothing.
                "truncate" if (i == 0 || s.get(i.wrapping_sub(1)).is_some_and(|p| matches!(p.t.kind, Kind::Num | Kind::Str { .. } | Kind::RParen))) && n1.is_some_and(|n| n.t.kind == Kind::Word(Kw::None) || n.t.text == "[") && s.len() <= i.wrapping_add(5) => true,
                "drop" | "create" | "alter" | "truncate" => word(
                    n1,
                    &["table", "database", "schema", "procedure", "function", "user", "view", "index", "trigger", "login", "role", "temporary", "or", "definer", "event", "sequence"],
                ),
                "exec" | "execute" => n1.is_some_and(|n| {
                    matches!(n.t.kind, Kind::Func | Kind::Var | Kind::LParen | Kind::Str { .. })
                        || (n.t.kind == Kind::Word(Kw::None)
                            && (["xp_", "sp_", "master", "dbo", "sys"].iter().any(|p| n.t.text.get(..p.len()).is_some_and(|h| h.eq_ignore_ascii_case(p)))
                                || n2.is_some_and(|m| matches!(m.t.kind, Kind::Dot | Kind::Var | Kind::Str { .. } | Kind::Num))))
                }),
                "declare" => n1.is_some_and(|n| n.t.kind == Kind::Var),
                "shutdown" => n1.is_none() || word(n1, &["with"]) || st.comment_after,
                "show" => word(
                    n1,
                    &["warnings", "errors", "tables", "databases", "schemas", "variables", "grants", "processlist", "columns", "status", "full", "global", "session", "create", "master", "slave", "binary", "users", "privileges", "engines", "plugins", "triggers", "events", "indexes", "index", "table"],
                ),
                "waitfor" => word(n1, &["delay", "time"]),
                "while" => s.iter().skip(i.wrapping_add(2)).take(4).any(|t| is_cmp(&t.t)),
                "set" => n1.is_some_and(|n| n.t.kind == Kind::Var) || (word(n1, &["global", "session", "password", "names"])),
                "call" => n1.is_some_and(|n| n.t.kind == Kind::Func),
                "load" => word(n1, &["data", "xml"]),
                "grant" | "revoke" => word(n1, &["all", "select", "insert", "update", "delete", "execute", "usage", "file", "super", "connect", "resource", "dba"]),
                "use" => n1.is_some_and(|n| n.t.kind == Kind::Word(Kw::None)) && (n2.is_none() || n2.is_some_and(|n| n.t.kind == Kind::Semi)),
                "kill" => n1.is_some_and(|n| n.t.kind == Kind::Num),
                "copy" => n1.is_some_and(|n| n.t.kind == Kind::Word(Kw::None)) && word(n2, &["from", "to"]),
                "dbcc" | "backup" | "restore" | "prepare" | "handler" => n1.is_some_and(|n| matches!(n.t.kind, Kind::Word(_))),
                // `;begin declare @x …`, `;begin shutdown end`, `;begin transaction`.
                "begin" => n1.is_some_and(|n| matches!(n.t.kind, Kind::Word(Kw::Statement | Kw::Select))) || word(n1, &["transaction", "tran", "try"]),
                // `;do sleep(5)`, `;do (1=1)`.
                "do" => n1.is_some_and(|n| matches!(n.t.kind, Kind::LParen | Kind::Func | Kind::Num)),
                _ => false,
            }
        }
        _ => false,
    };
    // A statement at the start of the value (no `;` before it) must also end like one:
    // `drop table users`, `show tables;`, not `drop table tennis lessons`.
    let ok = ok && (i != usize::MAX || statement_ends(s));
    if ok {
        let from = if i == usize::MAX { 0 } else { i };
        add(hits, "sqli.stacked-query", 5, 1, span(text, s, from, from + 4));
    }
}

/// Whether the statement that starts the value ends like SQL: within four words it reaches
/// the end, a `;` or a comment, or it carries SQL punctuation or literals.
fn statement_ends(s: &[Sig<'_>]) -> bool {
    let end = s.iter().position(|t| t.t.kind == Kind::Semi || t.comment_after).map(|p| p + 1).unwrap_or(s.len());
    let stmt = s.get(..end).unwrap_or_default();
    let words_only = stmt.iter().all(|t| matches!(t.t.kind, Kind::Word(_) | Kind::Semi));
    !words_only || stmt.len() <= 3 || (stmt.len() == 4 && stmt.last().is_some_and(|t| t.t.kind == Kind::Semi || t.comment_after))
}

/// Whether the token at `j` starts a plausible SELECT list item.
fn select_list_item(s: &[Sig<'_>], j: usize) -> bool {
    // MSSQL `select top 1 …`
    let top = s.get(j).is_some_and(|x| x.t.is("top")) && s.get(j + 1).is_some_and(|f| f.t.kind == Kind::Num) && s.get(j + 2).is_some_and(|n| !is_word(&n.t, Kw::From));
    let j = if top { j + 2 } else { j };
    let Some(x) = s.get(j) else { return false };
    let follow = s.get(j + 1);
    // An aliased literal: `select 1 foo from …`, `select 'a' x, …`.
    let aliased = follow.is_some_and(|f| f.t.kind == Kind::Word(Kw::None)) && s.get(j + 2).is_some_and(|n| matches!(n.t.kind, Kind::Comma | Kind::Word(Kw::From)));
    let follow_ok = |f: Option<&Sig<'_>>| {
        f.is_none_or(|f| {
            matches!(f.t.kind, Kind::Comma | Kind::Dot | Kind::Op | Kind::RParen | Kind::Semi | Kind::Word(Kw::From | Kw::Into | Kw::Where | Kw::Limit | Kw::Union))
        }) || x.comment_after
    };
    match x.t.kind {
        Kind::Func | Kind::Var | Kind::LParen => true,
        Kind::Op => x.t.text == "*" || (matches!(x.t.text, "-" | "+" | "~" | "!") && follow.is_some_and(|f| matches!(f.t.kind, Kind::Num | Kind::Func | Kind::Str { .. } | Kind::Var))),
        Kind::Num | Kind::Str { .. } | Kind::Word(Kw::Literal) => follow_ok(follow) || aliased,
        Kind::Word(Kw::AllDistinct) => true,
        Kind::Word(Kw::Other) => x.t.is("case"),
        Kind::Word(Kw::None) => {
            follow.is_some_and(|f| matches!(f.t.kind, Kind::Comma | Kind::Dot | Kind::Op | Kind::Word(Kw::From | Kw::Into)))
                || (has(&x.t, F_INFOWORD | F_TIME) && follow_ok(follow))
        }
        _ => false,
    }
}

/// `select` at `i`: a query or subquery in a place SQL would put it.
fn select(text: &str, s: &[Sig<'_>], i: usize, base: usize, prev: Option<&Sig<'_>>, hits: &mut Vec<Hit>) {
    let placed = i == base
        || prev.is_some_and(|p| {
            matches!(
                p.t.kind,
                Kind::LParen | Kind::Semi | Kind::Op | Kind::Comma | Kind::Word(Kw::Union | Kw::AllDistinct | Kw::Logic | Kw::Cmp | Kw::Literal)
            ) || (p.t.kind == Kind::Word(Kw::Other) && (p.t.is("exists") || p.t.is("then") || p.t.is("else") || p.t.is("as")))
        });
    if !placed || !select_list_item(s, i + 1) {
        return;
    }
    let sub = prev.is_some_and(|p| p.t.kind == Kind::LParen);
    let from = s.iter().skip(i + 1).take(40).position(|n| is_word(&n.t, Kw::From));
    if sub {
        add(hits, "sqli.subquery", 5, 1, span(text, s, i.saturating_sub(1), i + 4));
    } else if let Some(p) = from {
        // `select … from <name>`.
        if s.get(i + 2 + p).is_some_and(|n| matches!(n.t.kind, Kind::Word(_) | Kind::LParen | Kind::Var | Kind::Func)) {
            add(hits, "sqli.select-from", 5, 1, span(text, s, i, i + 3 + p));
        }
    } else if i == base {
        // `select pg_sleep`: a delay function named (not the English word `sleep`).
        let strong = s.get(i + 1).is_some_and(|n| matches!(n.t.kind, Kind::Func | Kind::Var) || (n.t.kind == Kind::Op && n.t.text == "*") || has(&n.t, F_INFOWORD) || (has(&n.t, F_TIME) && !n.t.is("sleep")))
            || s.get(i + 2).is_some_and(|n| n.t.kind == Kind::Comma);
        add(hits, "sqli.select", if strong { 5 } else { 2 }, 1, span(text, s, i, i + 4));
    }
}

/// A function call at `i`.
fn function(text: &str, s: &[Sig<'_>], i: usize, prev: Option<&Sig<'_>>, hits: &mut Vec<Hit>) {
    let Some(x) = s.get(i) else { return };
    let arg = s.get(i + 2);
    let end = skip_parens(s, i + 1);
    let qualified = prev.is_some_and(|p| p.t.kind == Kind::Dot);
    if has(&x.t, F_TIME) {
        let numeric = arg.is_some_and(|a| matches!(a.t.kind, Kind::Num | Kind::LParen | Kind::Func | Kind::Var | Kind::Word(Kw::Select)))
            || (x.t.is("receive_message") && qualified);
        if numeric {
            add(hits, "sqli.time-blind", 5, 1, span(text, s, i, end));
        }
        return;
    }
    if has(&x.t, F_ERROR) {
        let (score, generic) = match x.t.text.to_ascii_lowercase().as_str() {
            "exp" => (if arg.is_some_and(|a| a.t.text == "~") { 5 } else { 0 }, true),
            "floor" | "rand" => (if s.iter().skip(i).take(12).any(|n| n.t.is("rand")) && s.iter().skip(i).take(20).any(|n| n.t.is("count") || n.t.is("group")) { 5 } else { 0 }, true),
            "polygon" | "linestring" | "multipoint" | "multipolygon" | "multilinestring" | "geometrycollection" => {
                (if arg.is_some_and(|a| matches!(a.t.kind, Kind::LParen | Kind::Word(Kw::Select)) || a.t.kind == Kind::Func) { 5 } else { 0 }, true)
            }
            "elt" | "make_set" | "unhex" => (if arg.is_some_and(|a| matches!(a.t.kind, Kind::Num | Kind::Func)) { 3 } else { 0 }, true),
            _ => (5, false),
        };
        let _ = generic;
        if score > 0 {
            add(hits, "sqli.error-based", score, 1, span(text, s, i, end));
        }
        return;
    }
    if (x.t.is("convert") || x.t.is("try_convert")) && arg.is_some_and(|a| in_list(&a.t, &["int", "integer", "varchar", "nvarchar", "char", "numeric", "bigint", "smallint"]))
        && s.get(i + 3).is_some_and(|c| c.t.kind == Kind::Comma)
    {
        add(hits, "sqli.error-based", 5, 1, span(text, s, i, end));
        return;
    }
    if (x.t.is("if") || x.t.is("iif")) && !qualified {
        // `IF(1=1) SELECT …`, `IIF(5=5,1,1/0)`, `if(now()=sysdate(),sleep(5),0)`: a condition on literals.
        let inner = s.get(i + 2..end.saturating_sub(1)).unwrap_or_default();
        let lit = |t: &Sig<'_>| matches!(t.t.kind, Kind::Num | Kind::Str { .. } | Kind::Func | Kind::Var | Kind::RParen);
        let cond = inner.windows(3).any(|w| matches!(w, [a, op, b] if lit(a) && is_cmp(&op.t) && matches!(b.t.kind, Kind::Num | Kind::Str { .. } | Kind::Func | Kind::Var)));
        // `if(2=`, `IF(1234=` ending the value: a probe on a number cut where the query
        // supplies the rest.
        let cut = s.len() == i + 4 && s.get(i + 2).is_some_and(|a| a.t.kind == Kind::Num) && s.get(i + 3).is_some_and(|o| is_cmp(&o.t));
        if cut {
            add(hits, "sqli.conditional", 5, 1, span(text, s, i, i + 4));
            return;
        }
        if cond {
            let then_stmt = s.get(end).is_some_and(|n| matches!(n.t.kind, Kind::Word(Kw::Select | Kw::Statement)));
            // Two numbers compared (`IIF(2510=9436,…)`, `if(7=7,…)`) are a probe, not logic.
            let numeric = inner.windows(3).any(|w| matches!(w, [a, op, b] if a.t.kind == Kind::Num && is_cmp(&op.t) && b.t.kind == Kind::Num));
            add(hits, "sqli.conditional", if then_stmt || numeric { 5 } else { 4 }, 1, span(text, s, i, end + 1));
        }
        return;
    }
    if has(&x.t, F_INFO) && s.get(i + 2).is_some_and(|c| c.t.kind == Kind::RParen) && !qualified {
        add(hits, "sqli.info-function", 4, 1, span(text, s, i, end));
        return;
    }
    if has(&x.t, F_BLIND) {
        // `char(65,66)`, `chr(65)||`, `ascii(substring(…))>64`: functions over SQL values.
        let inner = s.get(i + 2..end.saturating_sub(1)).unwrap_or_default();
        let nested = inner.iter().any(|t| t.t.kind == Kind::Func && (has(&t.t, F_BLIND) || has(&t.t, F_INFO)));
        let sqlish = inner.iter().any(|t| matches!(t.t.kind, Kind::Func | Kind::Var | Kind::Word(Kw::Select)) || has(&t.t, F_SYSOBJ))
            || ((x.t.is("char") || x.t.is("chr")) && inner.first().is_some_and(|t| t.t.kind == Kind::Num) && inner.iter().all(|t| matches!(t.t.kind, Kind::Num | Kind::Comma | Kind::Op)));
        let compared = s.get(end).is_some_and(|n| is_cmp(&n.t) || (n.t.kind == Kind::Op && n.t.text == "||"));
        if sqlish && compared {
            add(hits, "sqli.blind-function", 4, 1, span(text, s, i, end + 2));
        } else if nested {
            add(hits, "sqli.blind-function", 3, 1, span(text, s, i, end));
        } else if sqlish || compared && inner.iter().any(|t| matches!(t.t.kind, Kind::Num)) {
            add(hits, "sqli.sql-function", 2, 2, span(text, s, i, end));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Part;
    use super::*;

    /// Every keyword of `lexer::classify` that `worth_lexing` accepts is a gate trigger
    /// (read from the source: a keyword added there without its trigger fails here).
    #[test]
    fn gate_keywords_follow_the_lexer() {
        let src = include_str!("lexer.rs");
        let body = src.split("pub fn classify").nth(1).and_then(|r| r.split("_ => Kw::None").next()).expect("classify");
        let mut n = 0;
        for lit in body.split("b\"").skip(1).filter_map(|r| r.split('"').next()) {
            n += 1;
            let gated = gated_kind(lexer::classify(lit));
            assert_eq!(gated, GATE_KEYWORDS.contains(&lit), "{lit}: classify and GATE_KEYWORDS disagree");
        }
        assert!(n > 50, "classify's keywords not found ({n})");
    }

    fn score(s: &str) -> u32 {
        crate::detect::testkit::score_pl1(scan, Part::QueryValue, "q", s)
    }

    fn rules(s: &str) -> Vec<&'static str> {
        crate::detect::testkit::rules(scan, Part::QueryValue, "q", s)
    }

    #[test]
    fn classic_attacks() {
        for p in [
            "' or 1=1--",
            "' or 'a'='a",
            "' or ''='",
            "' or ''*'",
            "' OR '1",
            "' OR x=y--",
            "'=0-- ",
            "IF(7423=7424) SELECT 7423 ELSE DROP FUNCTION xcjl--",
            "1 or 1=1",
            "1' and 1=1 #",
            "admin'--",
            "admin') #",
            "1 union select null,null--",
            "-1' UNION ALL SELECT 1,@@version,3-- -",
            "1; drop table users",
            "1';show warnings;--",
            "1 and sleep(5)",
            "1' AND SLEEP(5) AND 'a'='a",
            "1; waitfor delay '0:0:5'--",
            "1 AND BENCHMARK(5000000,MD5(1))",
            "1' and extractvalue(1,concat(0x7e,version()))--",
            "1 and updatexml(1,concat(0x7e,(select user())),1)",
            "1 AND 1=CONVERT(int,(SELECT @@version))",
            "1' and (select 1 from (select count(*),concat(version(),floor(rand(0)*2))x from information_schema.tables group by x)a)--",
            "1) or pg_sleep(5)--",
            "x' || (select chr(65)||chr(66) from dual) || '",
            "1 order by 5--",
            "1 AND ASCII(SUBSTRING((SELECT password FROM users LIMIT 1),1,1))>64",
            "\" or \"\"=\"",
            "1;exec master..xp_cmdshell 'dir'",
            "'||utl_http.request('http://x.example/')||'",
            "-6127/**/oR/**/cASe/**/WhEN/**/6658=3973/**/tHeN/**/6658/**/ElSE/**/JsON(cHAr(99,66,85,67))/**/end",
            "'; exec xp_cmdshell('whoami')--",
            "1' into outfile '/tmp/x'--",
            "select password from users",
            "1/*!50000union*/ /*!50000select*/ 1,2",
        ] {
            assert!(score(p) >= 5, "{p}: {:?}", rules(p));
        }
    }

    #[test]
    fn balanced_quote_expressions() {
        // The query's own closing quote completes the injected expression.
        for p in ["x' OR 'y", "' = '", "'LIKE'", "zz' rlike '1", "k'^!'k", "7'*col is \\N or '7", "q' / 2 != '3", "1') or ('2", "u'=('u')#", "'||pkg.proc('a','b')||'", "bb' not regexp '0"] {
            assert!(score(p) >= 5, "{p}: {:?}", rules(p));
        }
        // Prose quoting a word, quote marks around a search term, feet and inches.
        for p in ["\"IS\" GOOD", "RED \"&\" BLUE", "pick 'or' again", "\"*\"", "5' - 6'", "Rock'n'Roll", "it's - it's", "O'Neil - O'Hara"] {
            assert!(score(p) < 5, "{p}: {:?}", rules(p));
        }
    }

    #[test]
    fn bare_fragments() {
        for p in ["7--", "3 * 4 /*", "@@hostname#", " ( ( 2 ) )  --", " ( 'q' * @v )  -- -", "(SELECT BINARY SIN ( 'z')) --", "-5#\nunion", "2/2/**/union#", "case 3 when 4 then 5 end", "(case when 11=12 then 1 else null end)", "9 && 8 = 8", "4 AND 4 SOUNDS LIKE 4", "3 and 3 not between 1 and 2", "2; delete from accounts", "';if 2=2 drop table t-- -", "1; begin declare @v varchar(99)"] {
            assert!(score(p) >= 5, "{p}: {:?}", rules(p));
        }
        for p in ["5 -- great product", "2024 #goals", "abc--", "1611-Ab9xYz--", "!@#$%^&", "(see above) --", "in case when you arrive then we end", "top 10 #travel", "1 or 2 or 3 people"] {
            assert!(score(p) < 5, "{p}: {:?}", rules(p));
        }
    }

    #[test]
    fn constant_conditions_and_probes() {
        for p in [
            "x having (2 or 2)",
            "(select top 3 name from accounts)",
            "(select 7 alias from dual)",
            "77 + ORD(MID(pw,2,1))-3",
            "VERSION() LIKE DATABASE()",
            "' OR a=b",
            "OR false",
            "2\nor session_user=bob",
            "Q,IIF(11=12,Q,1/0)",
            "1 uni/**/on sel/*x*/ect 1,2--",
            "' un\",\"ion se\",\"lect 1,2",
        ] {
            let mut out = Vec::new();
            let mut total = 0;
            let mut vs = Vec::new();
            crate::decode::variants(p, &[], crate::decode::DecodeOpts::default(), &mut vs);
            for v in &vs {
                out.clear();
                scan(&Value { part: Part::QueryValue, name: "q", text: &v.text }, &mut out);
                total = total.max(out.iter().filter(|h| h.paranoia <= 1).map(|h| h.score).sum::<u32>());
            }
            assert!(total >= 5, "{p}: {:?}", rules(p));
        }
        for p in ["where (it) is", "version 2 - the sequel", "or maybe", "count (3) - 1 people"] {
            assert!(score(p) < 5, "{p}: {:?}", rules(p));
        }
    }

    #[test]
    fn libinjection_bypasses() {
        // Wrapped in brackets and stacked after a harmless statement.
        for p in ["[1 union select password from users]", "1;show warnings;drop table users", "'; while 1=1 shutdown-- -a", "[' or 1=1--]", "1 ; show warnings ; select sleep(5)", "drop table users", "show tables"] {
            assert!(score(p) >= 5, "{p}: {:?}", rules(p));
        }
    }

    #[test]
    fn english_with_quotes_is_quiet() {
        for p in [
            "I'm here or there",
            "O'Reilly and sons",
            "it's 1 or 2",
            "Don't -- please",
            "rock 'n' roll",
            "c/ l' or, 125",
            "ametlla de mar, l'",
            "Tom and Jerry",
            "Please select an option from the list",
            "What's new; show me the menu",
            "The union selected a new leader",
            "5 or 6 people",
            "he said \"hello\" or \"goodbye\"",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)",
            "user's guide (2nd edition) - chapter 1",
            "sleep well tonight",
            "order by price",
            "drop table tennis lessons",
            "show tables near me",
            "He wrote: 'select * from users' in his SQL book",
        ] {
            assert!(score(p) < 5, "{p}: {:?}", rules(p));
        }
    }
}

#[cfg(test)]
mod dialects {
    use super::super::Part;
    use super::*;

    fn score_at(part: Part, s: &str) -> u32 {
        let mut out = Vec::new();
        scan(&Value { part, name: "q", text: s }, &mut out);
        out.iter().filter(|h| h.paranoia <= 1).map(|h| h.score).sum()
    }

    fn score(s: &str) -> u32 {
        score_at(Part::QueryValue, s)
    }

    #[test]
    fn json_operators() {
        for p in [
            "or '{\"k\":1}'::jsonb @> '{\"k\":1}'",
            "2 and '[3,4]'::json ->> 0 = '3'",
            "'{\"u\":\"v\"}'::jsonb #>> '{u}'",
            "' or '{\"x\":9}' ? 'x' --",
            "OR '{\"n\":\"m\"}' ?& array['n']",
            "x'||'{\"p\":[1]}'::jsonb @? '$.p'||'",
            "'{\"q\":{\"r\":5}}' > '$.q.r'",
        ] {
            assert!(score(p) >= 5, "{p}: {:?}", super::tests_rules(p));
        }
        for p in ["{\"a\":[1,2],\"b\":{\"c\":\"d\"}}", "x -> y", "what? 'yes'", "[1,2] ? maybe", "'{not json' ? 'a'", "use A -> B then '[x]'"] {
            assert!(score(p) < 5, "{p}: {:?}", super::tests_rules(p));
        }
    }

    #[test]
    fn json_operators_in_path_segments() {
        // The engine reads each segment of a multi-segment path as a value.
        let engine = crate::detect::Engine::new(&crate::config::InspectionConfig::default());
        let attack = |path: &str| engine.inspect(&crate::request::HttpRequest::test_post(path, &[], "")).attack;
        assert!(attack("/api/v1/OR%20'%7B%22z%22:3%7D'::jsonb%20%3C@%20'%7B%22z%22:3%7D'::jsonb"));
        assert!(attack("/items/7%20or%208=8/view"));
        for p in ["/blog/it's-a-thing/", "/wiki/C++::std::vector", "/a/b/c.json", "/search/rock%20'n'%20roll/"] {
            assert!(!attack(p), "{p}");
        }
    }

    #[test]
    fn postgres_casts() {
        for p in ["starts_with(secret,'q')::int", "unistr(pw)::int", "pw::integer", "2+session_user::int", "to_char(x)::double precision", "md5(pw)::bigint"] {
            assert!(score(p) >= 5, "{p}: {:?}", super::tests_rules(p));
        }
        for p in ["Text::CSV", "Foo::Int", "std::string", "fe80::1", "12:30::00", "a::b", "Module::Text parser"] {
            assert!(score(p) < 5, "{p}: {:?}", super::tests_rules(p));
        }
    }

    #[test]
    fn hints_terminators_and_conditionals() {
        for p in [
            "42 or /*+ INDEX(t) */ true",
            "7 and/**/1",
            "jane.doe@mail.example';",
            "bob_1\";",
            "if(9=",
            ") like (",
            ")or(3=3",
            "case when flag_1 then col_2",
            "case when a>1 then 2 else 3 end",
            "procedure analyse (",
            ";truncate[t1",
            "2;truncate logs",
            ";replace/**/t(a,b) values (1,'x')",
            "select pg_sleep",
            "77 as \"c\" from",
            "` AS `user_name` FROM",
            "1 as \"n\" from tbl_2",
            "...(jsonb_build_array(pw)::jsonb)::int",
            "lower(upper(database()))",
            "9.UNION SELECT.3",
            "1.e(substring(pw,1,1))",
            "``2.e.column_name",
        ] {
            assert!(score(p) >= 5, "{p}: {:?}", super::tests_rules(p));
        }
        for p in [
            "5 or /* maybe */ six people",
            "it's;",
            "rock 'n';",
            "see the note (below) like (above)",
            ":) and (:",
            ") and (see below",
            "case when ready then go",
            "the procedure analyses (2)",
            "please replace the filter; truncate text",
            "x; insert coin(s) values matter",
            "select sleep",
            "if (you are here) then",
            "My email is a@b.com; call me",
            "1984 as 'Orwell' from the library",
            "1984 as \"Orwell\" from Amazon",
            "He is known as \"Bob\" from Texas",
            "version()",
            "see section 1.e(ii)",
            "option 1.e.g. this",
            "select.example.com",
        ] {
            assert!(score(p) < 5, "{p}: {:?}", super::tests_rules(p));
        }
    }
}

#[cfg(test)]
fn tests_rules(s: &str) -> Vec<&'static str> {
    let mut out = Vec::new();
    scan(&Value { part: super::Part::QueryValue, name: "q", text: s }, &mut out);
    out.iter().map(|h| h.rule).collect()
}

#[cfg(test)]
mod bounds {
    use super::super::Part;
    use super::*;

    #[test]
    fn nested_calls_stay_linear() {
        // 4,000 nested calls: every function token would rescan to the end without the bound.
        let text = format!("{}1{}", "sleep(".repeat(4000), ")".repeat(4000));
        let start = std::time::Instant::now();
        let mut out = Vec::new();
        scan(&Value { part: Part::BodyRaw, name: "", text: &text }, &mut out);
        assert!(out.iter().any(|h| h.rule == "sqli.time-blind"));
        assert!(start.elapsed() < std::time::Duration::from_secs(2), "{:?}", start.elapsed());
    }
}
