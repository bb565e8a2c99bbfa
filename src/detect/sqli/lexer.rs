//! A SQL lexer covering the dialects attackers target (MySQL, MSSQL, PostgreSQL, Oracle,
//! SQLite): strings in all quote styles (with doubled-quote and backslash escapes, `N'..'`,
//! `x'..'`), backtick and `[bracket]` identifiers, comments (`--`, `#`, `/* */`, MySQL
//! `/*! */` whose body is lexed as code), numbers (decimal, float, `0x..`, `0b..`),
//! operators, variables (`@x`, `@@x`), and words classified as keywords. Can start *inside*
//! a string (the value landed in `'…'`), which is how injection contexts are evaluated.

/// Word classes the detector reasons about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kw {
    /// Not a keyword: an identifier or an English word.
    None,
    /// `or`, `and`, `xor`, `not`.
    Logic,
    /// Comparison words: `like`, `rlike`, `regexp`, `in`, `is`, `between`, `sounds`, `div`, `mod`.
    Cmp,
    Union,
    Select,
    From,
    Where,
    /// `order`, `group`
    OrderGroup,
    By,
    Having,
    Limit,
    Into,
    /// `null`, `true`, `false`
    Literal,
    /// Statement starters other than `select`: `insert`, `update`, `delete`, `drop`...
    Statement,
    /// `all`, `distinct`
    AllDistinct,
    /// Other reserved words (`as`, `case`, `when`, `then`, `else`, `end`, `procedure`...).
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A string literal; `closed` false when it runs to the end of the input.
    Str { closed: bool },
    Num,
    Word(Kw),
    /// A word followed by `(` (a function call).
    Func,
    /// `@x`, `@@x`
    Var,
    Op,
    LParen,
    RParen,
    Comma,
    Semi,
    Dot,
    Comment,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tok<'a> {
    pub kind: Kind,
    /// The token's text (for strings: without quotes; words: as written).
    pub text: &'a str,
    /// Byte range in the input.
    pub start: usize,
    pub end: usize,
}

impl Tok<'_> {
    pub fn is(&self, word: &str) -> bool {
        self.text.eq_ignore_ascii_case(word)
    }
}

/// Maximum tokens produced for one input (the detector looks at structure, not volume).
pub const MAX_TOKENS: usize = 4096;

/// The keyword class of a word (ASCII case-insensitive).
pub fn classify(w: &str) -> Kw {
    let mut buf = [0u8; 16];
    if w.len() > buf.len() {
        return Kw::None;
    }
    for (d, s) in buf.iter_mut().zip(w.bytes()) {
        *d = s.to_ascii_lowercase();
    }
    match buf.get(..w.len()).unwrap_or_default() {
        b"or" | b"and" | b"xor" | b"not" => Kw::Logic,
        b"like" | b"rlike" | b"regexp" | b"in" | b"is" | b"between" | b"sounds" | b"div" | b"mod" | b"glob" | b"ilike" => Kw::Cmp,
        b"union" | b"intersect" | b"except" | b"minus" => Kw::Union,
        b"select" => Kw::Select,
        b"from" => Kw::From,
        b"where" => Kw::Where,
        b"order" | b"group" => Kw::OrderGroup,
        b"by" => Kw::By,
        b"having" => Kw::Having,
        b"limit" | b"offset" | b"top" => Kw::Limit,
        b"into" => Kw::Into,
        b"null" | b"true" | b"false" => Kw::Literal,
        b"insert" | b"update" | b"delete" | b"drop" | b"create" | b"alter" | b"exec" | b"execute" | b"declare" | b"shutdown"
        | b"show" | b"truncate" | b"grant" | b"revoke" | b"waitfor" | b"set" | b"call" | b"load" | b"replace" | b"rename"
        | b"use" | b"kill" | b"begin" | b"goto" | b"while" | b"do" | b"handler" | b"copy" | b"backup" | b"restore" | b"dbcc" | b"prepare" => Kw::Statement,
        b"all" | b"distinct" | b"distinctrow" => Kw::AllDistinct,
        b"as" | b"case" | b"when" | b"then" | b"else" | b"end" | b"procedure" | b"values" | b"join" | b"exists" | b"escape"
        | b"collate" | b"binary" | b"if" | b"elseif" | b"iif" => Kw::Other,
        _ => Kw::None,
    }
}

fn is_word_start(c: char) -> bool {
    c.is_alphabetic() || c == '_' || c == '$'
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

/// Lexes `s`. With `in_quote = Some(q)`, lexing starts inside a string opened by `q`.
pub fn lex<'a>(s: &'a str, in_quote: Option<u8>, out: &mut Vec<Tok<'a>>) {
    out.clear();
    let b = s.as_bytes();
    let mut i = 0;
    let mut in_exec_comment = false;
    let tok = |kind, start: usize, end: usize| Tok { kind, text: s.get(start..end).unwrap_or(""), start, end };
    if let Some(q) = in_quote {
        let (end, closed) = string_end(b, 0, q);
        out.push(tok(Kind::Str { closed }, 0, end.min(b.len())));
        i = if closed { end + 1 } else { b.len() };
    }
    while i < b.len() && out.len() < MAX_TOKENS {
        let c = match s.get(i..).and_then(|r| r.chars().next()) {
            Some(c) => c,
            None => {
                i += 1;
                continue;
            }
        };
        let n = b.get(i + 1).copied().unwrap_or(0);
        if c.is_whitespace() || c.is_control() || c == '\u{FFFD}' {
            i += c.len_utf8();
            continue;
        }
        match c {
            '\'' | '"' => {
                let q = c as u8;
                let (end, closed) = string_end(b, i + 1, q);
                out.push(tok(Kind::Str { closed }, i + 1, end.min(b.len())));
                i = if closed { end + 1 } else { b.len() };
            }
            '`' => {
                let end = memchr::memchr(b'`', b.get(i + 1..).unwrap_or_default()).map(|p| i + 1 + p).unwrap_or(b.len());
                out.push(tok(Kind::Word(Kw::None), i + 1, end));
                i = end + 1;
            }
            '-' if n == b'-' => {
                let end = memchr::memchr(b'\n', b.get(i..).unwrap_or_default()).map(|p| i + p).unwrap_or(b.len());
                out.push(tok(Kind::Comment, i, end));
                i = end;
            }
            // PostgreSQL JSON path operators `#>` / `#>>` before an operand (else a MySQL comment).
            '#' if n == b'>' && json_operand_follows(b, i + if b.get(i + 2) == Some(&b'>') { 3 } else { 2 }) => {
                let len = if b.get(i + 2) == Some(&b'>') { 3 } else { 2 };
                out.push(tok(Kind::Op, i, i + len));
                i += len;
            }
            '#' => {
                let end = memchr::memchr(b'\n', b.get(i..).unwrap_or_default()).map(|p| i + p).unwrap_or(b.len());
                out.push(tok(Kind::Comment, i, end));
                i = end;
            }
            '/' if n == b'*' => {
                if b.get(i + 2) == Some(&b'!') {
                    // MySQL executable comment: its body is code.
                    let mut j = i + 3;
                    while b.get(j).is_some_and(u8::is_ascii_digit) {
                        j += 1;
                    }
                    in_exec_comment = true;
                    i = j;
                } else {
                    let end = crate::decode::find_from(b, i + 2, b"*/").map(|p| p + 2).unwrap_or(b.len());
                    out.push(tok(Kind::Comment, i, end));
                    i = end;
                }
            }
            '*' if n == b'/' && in_exec_comment => {
                in_exec_comment = false;
                i += 2;
            }
            '(' => {
                out.push(tok(Kind::LParen, i, i + 1));
                i += 1;
            }
            ')' => {
                out.push(tok(Kind::RParen, i, i + 1));
                i += 1;
            }
            ',' => {
                out.push(tok(Kind::Comma, i, i + 1));
                i += 1;
            }
            ';' => {
                out.push(tok(Kind::Semi, i, i + 1));
                i += 1;
            }
            '.' if !n.is_ascii_digit() => {
                out.push(tok(Kind::Dot, i, i + 1));
                i += 1;
            }
            // PostgreSQL JSON operators: `@>` (contains), `@?` (path exists), `@@` (path
            // match) when no variable name follows.
            '@' if n == b'>' || (matches!(n, b'?' | b'@') && quoted_operand_follows(b, i + 2)) => {
                out.push(tok(Kind::Op, i, i + 2));
                i += 2;
            }
            '@' => {
                let mut j = i + 1;
                if b.get(j) == Some(&b'@') {
                    j += 1;
                }
                while b.get(j).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'$' || *c == b'.') {
                    j += 1;
                }
                out.push(tok(Kind::Var, i, j));
                i = j;
            }
            '\\' if n == b'N' && !b.get(i + 2).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_') => {
                // MySQL's `\N` is NULL.
                out.push(tok(Kind::Word(Kw::Literal), i, i + 2));
                i += 2;
            }
            '[' => {
                // MSSQL bracket identifier when it closes on the same word, else punctuation.
                let end = memchr::memchr(b']', b.get(i + 1..).unwrap_or_default()).map(|p| i + 1 + p);
                match end {
                    Some(e) if b.get(i + 1..e).is_some_and(|w| !w.is_empty() && w.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')) => {
                        out.push(tok(Kind::Word(Kw::None), i + 1, e));
                        i = e + 1;
                    }
                    _ => {
                        out.push(tok(Kind::Other, i, i + 1));
                        i += 1;
                    }
                }
            }
            '0'..='9' | '.' => {
                let end = number_end(b, i);
                out.push(tok(Kind::Num, i, end));
                i = end;
            }
            c if is_word_start(c) => {
                // N'..' / x'..' / b'..' / E'..' string prefixes.
                if matches!(c, 'n' | 'N' | 'x' | 'X' | 'b' | 'B' | 'e' | 'E') && n == b'\'' {
                    let (end, closed) = string_end(b, i + 2, b'\'');
                    out.push(tok(Kind::Str { closed }, i + 2, end.min(b.len())));
                    i = if closed { end + 1 } else { b.len() };
                    continue;
                }
                let mut j = i;
                while let Some(ch) = s.get(j..).and_then(|r| r.chars().next()) {
                    if !is_word_char(ch) {
                        break;
                    }
                    j += ch.len_utf8();
                }
                let word = s.get(i..j).unwrap_or("");
                let kw = classify(word);
                // Keywords stay keywords before `(` (`and (`, `select(`), except the few
                // that are also functions.
                let func_kw = matches!(kw, Kw::None) || ["if", "iif", "replace", "insert", "mod", "char", "binary", "left", "right"].iter().any(|f| word.eq_ignore_ascii_case(f));
                let kind = if func_kw && next_is_paren(b, j) { Kind::Func } else { Kind::Word(kw) };
                out.push(tok(kind, i, j));
                i = j;
            }
            _ => {
                let len = op_len(b, i);
                if len > 0 {
                    out.push(tok(Kind::Op, i, i + len));
                    i += len;
                } else {
                    let l = c.len_utf8();
                    out.push(tok(Kind::Other, i, i + l));
                    i += l;
                }
            }
        }
    }
}

/// Whether the next significant character after `j` is `(` (whitespace and block comments
/// may sit between, as MySQL and MSSQL allow).
fn next_is_paren(b: &[u8], mut j: usize) -> bool {
    for _ in 0..8 {
        while b.get(j).is_some_and(|c| c.is_ascii_whitespace()) {
            j += 1;
        }
        if b.get(j) == Some(&b'/') && b.get(j + 1) == Some(&b'*') {
            match crate::decode::find_from(b, j + 2, b"*/") {
                Some(e) => j = e + 2,
                None => return false,
            }
            continue;
        }
        break;
    }
    b.get(j) == Some(&b'(')
}

/// End of a string body starting at `i` (index of the closing quote) and whether it closed.
fn string_end(b: &[u8], mut i: usize, q: u8) -> (usize, bool) {
    while let Some(&c) = b.get(i) {
        if c == b'\\' {
            i += 2;
            continue;
        }
        if c == q {
            if b.get(i + 1) == Some(&q) {
                i += 2;
                continue;
            }
            return (i, true);
        }
        i += 1;
    }
    (b.len(), false)
}

fn number_end(b: &[u8], i: usize) -> usize {
    let mut j = i;
    if b.get(i) == Some(&b'0') && matches!(b.get(i + 1), Some(b'x' | b'X')) {
        j = i + 2;
        while b.get(j).is_some_and(u8::is_ascii_hexdigit) {
            j += 1;
        }
        return j;
    }
    if b.get(i) == Some(&b'0') && matches!(b.get(i + 1), Some(b'b' | b'B')) && matches!(b.get(i + 2), Some(b'0' | b'1')) {
        j = i + 2;
        while matches!(b.get(j), Some(b'0' | b'1')) {
            j += 1;
        }
        return j;
    }
    while b.get(j).is_some_and(|c| c.is_ascii_digit() || *c == b'.') {
        j += 1;
    }
    if matches!(b.get(j), Some(b'e' | b'E')) {
        let k = if matches!(b.get(j + 1), Some(b'+' | b'-')) { j + 2 } else { j + 1 };
        if b.get(k).is_some_and(u8::is_ascii_digit) {
            j = k;
            while b.get(j).is_some_and(u8::is_ascii_digit) {
                j += 1;
            }
        }
    }
    // Oracle/MSSQL type suffixes (`1d`, `1f`) before a word: `1DUNION` is `1D UNION`.
    if matches!(b.get(j), Some(b'd' | b'D' | b'f' | b'F')) && b.get(j + 1).is_some_and(u8::is_ascii_alphabetic) && j > i {
        j += 1;
    }
    j.max(i + 1)
}

/// Whether an operand of a JSON operator starts at `j` (after blanks): a string, a number,
/// `{`, `[` or `array[`.
fn json_operand_follows(b: &[u8], mut j: usize) -> bool {
    while b.get(j).is_some_and(|c| c.is_ascii_whitespace()) {
        j += 1;
    }
    match b.get(j) {
        Some(b'\'' | b'"' | b'{' | b'[') => true,
        Some(c) if c.is_ascii_digit() => true,
        _ => b.get(j..j + 6).is_some_and(|w| w.eq_ignore_ascii_case(b"array[")),
    }
}

/// Whether a single-quoted string (a JSON key or path) or `array[` starts at `j` (after blanks).
fn quoted_operand_follows(b: &[u8], mut j: usize) -> bool {
    while b.get(j).is_some_and(|c| c.is_ascii_whitespace()) {
        j += 1;
    }
    b.get(j) == Some(&b'\'') || b.get(j..j + 6).is_some_and(|w| w.eq_ignore_ascii_case(b"array["))
}

fn op_len(b: &[u8], i: usize) -> usize {
    let two = [b.get(i).copied().unwrap_or(0), b.get(i + 1).copied().unwrap_or(0)];
    if b.get(i..i + 3) == Some(b"<=>") || b.get(i..i + 3) == Some(b"->>") {
        return 3;
    }
    // PostgreSQL JSON operators: `->` (member), `<@` (contained in), `?|` / `?&` (any / all
    // keys exist), and `?` (key exists) when a JSON operand follows.
    match &two {
        b"->" => return 2,
        b"<@" if json_operand_follows(b, i + 2) => return 2,
        b"?|" | b"?&" if quoted_operand_follows(b, i + 2) => return 2,
        _ => {}
    }
    if two[0] == b'?' && quoted_operand_follows(b, i + 1) {
        return 1;
    }
    match &two {
        b"||" | b"&&" | b"<>" | b"!=" | b"<=" | b">=" | b":=" | b"::" | b"<<" | b">>" | b"!<" | b"!>" => return 2,
        _ => {}
    }
    match two[0] {
        b'=' | b'<' | b'>' | b'+' | b'-' | b'*' | b'/' | b'%' | b'&' | b'|' | b'^' | b'~' | b'!' => 1,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &str, q: Option<u8>) -> Vec<(Kind, String)> {
        let mut v = Vec::new();
        lex(s, q, &mut v);
        v.iter().map(|t| (t.kind, t.text.to_string())).collect()
    }

    #[test]
    fn tautology_in_quote() {
        let k = kinds("x' or 'a'='a", Some(b'\''));
        assert_eq!(
            k,
            vec![
                (Kind::Str { closed: true }, "x".into()),
                (Kind::Word(Kw::Logic), "or".into()),
                (Kind::Str { closed: true }, "a".into()),
                (Kind::Op, "=".into()),
                (Kind::Str { closed: false }, "a".into()),
            ]
        );
    }

    #[test]
    fn comments_numbers_funcs() {
        let k = kinds("1/*!50000union*/ sElEcT 0x41,@@version,sleep (5)-- x", None);
        let kinds_only: Vec<Kind> = k.iter().map(|x| x.0).collect();
        assert_eq!(
            kinds_only,
            vec![
                Kind::Num,
                Kind::Word(Kw::Union),
                Kind::Word(Kw::Select),
                Kind::Num,
                Kind::Comma,
                Kind::Var,
                Kind::Comma,
                Kind::Func,
                Kind::LParen,
                Kind::Num,
                Kind::RParen,
                Kind::Comment
            ]
        );
    }

    #[test]
    fn escapes_and_doubled_quotes() {
        assert_eq!(kinds("'it''s' x", None)[0], (Kind::Str { closed: true }, "it''s".into()));
        assert_eq!(kinds(r"'a\'b'", None)[0], (Kind::Str { closed: true }, r"a\'b".into()));
        assert_eq!(kinds("' or ''='", Some(b'\''))[0], (Kind::Str { closed: true }, "".into()));
        assert_eq!(kinds("[users]", None)[0], (Kind::Word(Kw::None), "users".into()));
        assert_eq!(kinds("1union", None)[1].0, Kind::Word(Kw::Union));
    }
}
