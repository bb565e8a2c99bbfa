//! Tag stripping as naive sanitizers do it: a filter that deletes `<x>`-like tags turns
//! `o<x>nmouseover=alert<x>(1)` into `onmouseover=alert(1)`. Only attribute-less tags with
//! a short name are removed, and only when one of them sits inside a word (a letter right
//! before it, a letter or `(` right after), which is what such payloads rely on and ordinary markup never does.

const MAX_NAME: usize = 10;

/// Length of an attribute-less tag (`<x>`, `</x>`, `<>`) starting at `i`, if any.
fn inline_tag(b: &[u8], i: usize) -> Option<usize> {
    if b.get(i) != Some(&b'<') {
        return None;
    }
    let mut j = i + 1;
    if b.get(j) == Some(&b'/') {
        j += 1;
    }
    let name_start = j;
    while b.get(j).is_some_and(u8::is_ascii_alphanumeric) && j - name_start <= MAX_NAME {
        j += 1;
    }
    (b.get(j) == Some(&b'>') && j - name_start <= MAX_NAME).then_some(j + 1 - i)
}

/// Whether `s` has a short tag inside a word.
pub fn has_inline_tags(s: &str) -> bool {
    let b = s.as_bytes();
    memchr::memchr_iter(b'<', b).any(|i| {
        i > 0 && b.get(i - 1).is_some_and(u8::is_ascii_alphabetic) && inline_tag(b, i).is_some_and(|n| b.get(i + n).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'('))
    })
}

/// Removes every short attribute-less tag.
pub fn strip_inline_tags(s: &str) -> String {
    let b = s.as_bytes();
    super::without_spans(b, |i| inline_tag(b, i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_tags_inside_words() {
        assert!(has_inline_tags("o<q>nclick=x"));
        assert_eq!(strip_inline_tags("\"o<q>nclick=pr<q>ompt<q>(2)"), "\"onclick=prompt(2)");
        assert!(!has_inline_tags("a <b>bold</b> word"));
        assert!(!has_inline_tags("x<y and y>z"));
    }
}
