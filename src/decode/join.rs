//! Word splits that a filter or the application removes before the value reaches SQL:
//! block comments inside a keyword (`un/**/ion sel/**/ect`, for filters that strip comments)
//! and array-element joins (`un","ion`, `un\",\"ion`, for values built by joining a JSON
//! array). Only splits with a letter on both sides are joined.

const SPLITS: &[&[u8]] = &[b"\\\",\\\"", b"\",\""];

fn comment_len(b: &[u8], i: usize) -> Option<usize> {
    if b.get(i) != Some(&b'/') || b.get(i + 1) != Some(&b'*') {
        return None;
    }
    let end = crate::decode::find_from(b, i + 2, b"*/")?;
    (end + 2 - i <= 64).then_some(end + 2 - i)
}

fn split_at(b: &[u8], i: usize) -> Option<usize> {
    comment_len(b, i).or_else(|| SPLITS.iter().find(|p| b.get(i..i + p.len()) == Some(**p)).map(|p| p.len()))
}

/// Whether `s` has a split between two letters.
pub fn has_splits(s: &str) -> bool {
    let b = s.as_bytes();
    memchr::memchr3_iter(b'/', b'"', b'\\', b).any(|i| i > 0 && b.get(i - 1).is_some_and(u8::is_ascii_alphabetic) && split_at(b, i).is_some_and(|n| b.get(i + n).is_some_and(u8::is_ascii_alphabetic)))
}

/// Removes every split that has a letter on both sides.
pub fn join(s: &str) -> String {
    let b = s.as_bytes();
    super::without_spans(b, |i| {
        if i > 0 && b.get(i - 1).is_some_and(u8::is_ascii_alphabetic) {
            split_at(b, i).filter(|n| b.get(i + n).is_some_and(u8::is_ascii_alphabetic))
        } else {
            None
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_split_keywords() {
        assert!(has_splits("1 un/**/ion se/*x*/lect 2"));
        assert_eq!(join("1 un/**/ion se/*x*/lect 2"), "1 union select 2");
        assert_eq!(join("' un\\\",\\\"ion se\",\"lect 1"), "' union select 1");
        assert!(!has_splits("[\"a\", \"b\"]"));
    }
}
