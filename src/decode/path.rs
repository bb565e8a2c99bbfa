//! URL path normalisation: backslashes as slashes, repeated slashes folded, `.` segments
//! dropped. `..` segments are kept (traversal detectors need them).

/// Whether `normalize` leaves `p` unchanged: no backslash, no empty segment inside (`//`)
/// and no `.` segment. (A leading or trailing `/` alone is kept by `normalize`.) Lets the
/// caller skip building the normalised copy of an ordinary path.
pub fn is_normal(p: &str) -> bool {
    let b = p.as_bytes();
    memchr::memchr(b'\\', b).is_none() && !b.windows(2).any(|w| w == b"//") && !p.split('/').any(|s| s == ".")
}

/// Normalises `p` as a path. Bounded by its length.
pub fn normalize(p: &str) -> String {
    let unified = p.replace('\\', "/");
    let mut segs: Vec<&str> = Vec::new();
    let lead = unified.starts_with('/');
    let trail = unified.ends_with('/') && unified.len() > 1;
    for s in unified.split('/') {
        if s.is_empty() || s == "." {
            continue;
        }
        segs.push(s);
    }
    let mut out = String::with_capacity(unified.len());
    if lead {
        out.push('/');
    }
    out.push_str(&segs.join("/"));
    if trail && !segs.is_empty() {
        out.push('/');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        assert_eq!(normalize("/a//b/./c/"), "/a/b/c/");
        assert_eq!(normalize("/a/..\\..\\etc"), "/a/../../etc");
        assert_eq!(normalize("/"), "/");
    }

    /// `is_normal` never claims a path that `normalize` would change, and accepts the
    /// ordinary ones.
    #[test]
    fn is_normal_agrees_with_normalize() {
        let pieces = ["/", "a", ".", "..", "\\", "b.c", "//", "./", "/.", "x"];
        let mut seed: u64 = 0x1234_5678_9abc_def1;
        for n in 0..20_000 {
            let mut p = String::new();
            for _ in 0..n % 7 {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                p.push_str(pieces[(seed >> 33) as usize % pieces.len()]);
            }
            if is_normal(&p) {
                assert_eq!(normalize(&p), p, "{p:?}");
            }
        }
        for p in ["", "/", "/a/b.c/", "a/b", "/shop/products/1001/reviews", "/.well-known/x"] {
            assert!(is_normal(p) && normalize(p) == p, "{p:?}");
        }
        for p in ["/a//b", "/a/./b", "./a", "/a/.", "a\\b", "."] {
            assert!(!is_normal(p), "{p:?}");
        }
    }
}
