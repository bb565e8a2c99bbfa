//! URL path normalisation: backslashes as slashes, repeated slashes folded, `.` segments
//! dropped. `..` segments are kept (traversal detectors need them).

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
}
