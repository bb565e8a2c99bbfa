//! A small recogniser for SQL *expressions* over the significant tokens of a value:
//! operands (numbers, strings and adjacent-string concatenation, variables, `NULL`/`\N`,
//! qualified names, calls, parenthesised lists and subqueries, `CASE … END`) joined by
//! binary operators (arithmetic, bitwise, comparison, `||`/`&&`, `AND`/`OR`/`XOR`, and
//! multi-word comparisons such as `NOT LIKE`, `SOUNDS LIKE`, `IS NOT`, `NOT BETWEEN`), with
//! unary prefixes (`-`, `+`, `!`, `~`, `NOT`, `BINARY`) and Postgres casts (`::type`).
//!
//! The detector uses it to tell a value that *is* SQL from text that merely contains SQL
//! words: English never alternates operand/operator all the way through, an injection
//! fragment does (`aa' like '0`, `' = '`, `( 1 * @a ) --`).

use super::lexer::{Kind, Kw};
use super::Sig;

/// Nesting bound for parenthesised sub-expressions.
const MAX_DEPTH: u8 = 8;

/// What a parsed expression consisted of.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Expr {
    /// Index after the expression.
    pub end: usize,
    /// Binary operators seen (at any depth).
    pub ops: u32,
    /// Operands that are literals, variables, calls or subqueries (not bare names).
    pub literals: u32,
    /// Bare identifiers (column names or English words).
    pub idents: u32,
    /// A comment follows the last token of the expression.
    pub commented: bool,
}

fn is_unary(x: &Sig<'_>) -> bool {
    (x.t.kind == Kind::Op && matches!(x.t.text, "-" | "+" | "!" | "~")) || x.t.is("not") || x.t.is("binary")
}

/// Length (in tokens) of the binary operator at `j`, 0 when there is none.
pub fn binop_len(s: &[Sig<'_>], j: usize) -> usize {
    let Some(x) = s.get(j) else { return 0 };
    match x.t.kind {
        Kind::Op => usize::from(!matches!(x.t.text, "!" | "~" | "::")),
        Kind::Word(Kw::Logic) if !x.t.is("not") => 1,
        Kind::Word(Kw::Cmp) => {
            // `sounds like`, `is not` (the `not` then reads as a unary prefix).
            let mut k = j + 1;
            while s.get(k).is_some_and(|n| n.t.kind == Kind::Word(Kw::Cmp) && !n.t.is("is")) && k < j + 3 {
                k += 1;
            }
            k - j
        }
        Kind::Word(Kw::Logic) => {
            // `not like`, `not between`, `not in`, `not regexp`.
            let mut k = j + 1;
            while s.get(k).is_some_and(|n| n.t.kind == Kind::Word(Kw::Cmp)) && k < j + 3 {
                k += 1;
            }
            if k > j + 1 {
                k - j
            } else {
                0
            }
        }
        _ => 0,
    }
}

/// Parses an expression starting at `j`. Returns `None` when no operand starts there.
/// The expression ends at the first token that continues neither an operand nor an
/// operator, or right after an operand followed by a comment.
pub fn parse(s: &[Sig<'_>], j: usize) -> Option<Expr> {
    let mut e = Expr::default();
    parse_into(s, j, 0, &mut e).map(|end| {
        e.end = end;
        e
    })
}

fn parse_into(s: &[Sig<'_>], mut j: usize, depth: u8, e: &mut Expr) -> Option<usize> {
    loop {
        let mut guard = 0;
        while s.get(j).is_some_and(is_unary) && guard < 16 {
            j += 1;
            guard += 1;
        }
        j = operand(s, j, depth, e)?;
        // Postgres casts: `'1'::int`, `x::jsonb`.
        while s.get(j).is_some_and(|x| x.t.kind == Kind::Op && x.t.text == "::") && s.get(j + 1).is_some_and(|x| matches!(x.t.kind, Kind::Word(_))) {
            j += 2;
            // Two-word type names: `double precision`, `character varying`.
            if s.get(j - 1).is_some_and(|t| t.t.is("double") || t.t.is("character")) && s.get(j).is_some_and(|t| t.t.is("precision") || t.t.is("varying")) {
                j += 1;
            }
        }
        if j > 0 && s.get(j - 1).is_some_and(|p| p.comment_after) {
            e.commented = true;
            return Some(j);
        }
        let n = binop_len(s, j);
        if n == 0 {
            e.commented = false;
            return Some(j);
        }
        e.ops += 1;
        j += n;
        if s.get(j).is_none() {
            // A dangling operator: the expression is cut here.
            return Some(j);
        }
    }
}

/// One operand at `j`; returns the index after it.
fn operand(s: &[Sig<'_>], j: usize, depth: u8, e: &mut Expr) -> Option<usize> {
    let x = s.get(j)?;
    match x.t.kind {
        // A lone `@`/`@@` names nothing (`!@#$%` is punctuation, not a variable).
        Kind::Var if x.t.text.trim_start_matches('@').is_empty() => None,
        Kind::Num | Kind::Var | Kind::Word(Kw::Literal) => {
            e.literals += 1;
            Some(j + 1)
        }
        Kind::Str { .. } => {
            // Adjacent literals concatenate (`'a' 'b'`), unless a comment separates them.
            let mut k = j + 1;
            while s.get(k).is_some_and(|n| matches!(n.t.kind, Kind::Str { .. })) && !s.get(k - 1).is_some_and(|p| p.comment_after) && k < j + 8 {
                k += 1;
            }
            e.literals += 1;
            Some(k)
        }
        Kind::Word(Kw::None) => {
            let mut k = j + 1;
            let mut call = false;
            // Qualified names and package calls: `t.col`, `pkg.fn(…)`.
            while s.get(k).is_some_and(|d| d.t.kind == Kind::Dot) && !s.get(k - 1).is_some_and(|p| p.comment_after) {
                match s.get(k + 1).map(|n| n.t.kind) {
                    Some(Kind::Word(_)) => k += 2,
                    Some(Kind::Func) => {
                        k = super::skip_parens(s, k + 2);
                        call = true;
                        break;
                    }
                    _ => break,
                }
            }
            if call {
                e.literals += 1;
            } else {
                e.idents += 1;
            }
            Some(k)
        }
        Kind::Func => {
            e.literals += 1;
            Some(super::skip_parens(s, j + 1))
        }
        Kind::LParen => {
            if s.get(j + 1).is_some_and(|n| n.t.kind == Kind::Word(Kw::Select)) {
                e.literals += 1;
                return Some(super::skip_parens(s, j));
            }
            if depth >= MAX_DEPTH {
                return None;
            }
            // `( expr [, expr]… )`; an unclosed group at the end is left for the query to close.
            let mut k = j + 1;
            for _ in 0..64 {
                k = parse_into(s, k, depth + 1, e)?;
                match s.get(k).map(|n| n.t.kind) {
                    Some(Kind::Comma) => k += 1,
                    Some(Kind::RParen) => return Some(k + 1),
                    None => return Some(k),
                    _ => return None,
                }
            }
            None
        }
        Kind::Word(Kw::Other) if x.t.is("case") => {
            // `CASE [x] WHEN … THEN … [ELSE …] END`, bounded.
            let end = s.iter().skip(j + 1).take(64).position(|n| n.t.is("end"))?;
            let body = s.get(j + 1..j + 1 + end).unwrap_or_default();
            if !body.iter().any(|n| n.t.is("when")) || !body.iter().any(|n| n.t.is("then")) {
                return None;
            }
            e.literals += 1;
            Some(j + end + 2)
        }
        _ => None,
    }
}

/// Whether `s[from..]` is one whole `CASE … END` whose parts are expressions.
pub fn case_expression(s: &[Sig<'_>], from: usize) -> bool {
    let Some(x) = s.get(from) else { return false };
    if !x.t.is("case") {
        return false;
    }
    let mut j = from + 1;
    let mut e = Expr::default();
    // Optional operand after CASE.
    if !s.get(j).is_some_and(|n| n.t.is("when")) {
        match parse_into(s, j, 1, &mut e) {
            Some(k) => j = k,
            None => return false,
        }
    }
    let mut arms = 0;
    for _ in 0..16 {
        let Some(w) = s.get(j) else { return false };
        if w.t.is("when") || w.t.is("then") || w.t.is("else") {
            if w.t.is("then") {
                arms += 1;
            }
            match parse_into(s, j + 1, 1, &mut e) {
                Some(k) => j = k,
                None => return false,
            }
        } else {
            return w.t.is("end") && arms > 0;
        }
    }
    false
}
