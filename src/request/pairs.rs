//! Decoding of the proxy-wasm header-map serialisation (`u32 n`, n × (`u32 klen`,
//! `u32 vlen`), then `key\0value\0` …), trusting no length: the host's bytes are
//! untrusted input like any other. Keys are lossily UTF-8; values stay bytes.

#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]

fn read_u32(bytes: &[u8], at: usize) -> Option<usize> {
    let b = bytes.get(at..at.checked_add(4)?)?;
    let arr: [u8; 4] = b.try_into().ok()?;
    usize::try_from(u32::from_le_bytes(arr)).ok()
}

/// Decodes as many well-formed pairs as the buffer holds.
pub fn deserialize(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let Some(n) = read_u32(bytes, 0) else { return out };
    let Some(mut p) = n.checked_mul(8).and_then(|x| x.checked_add(4)) else { return out };
    for i in 0..n {
        let Some(s) = i.checked_mul(8).and_then(|x| x.checked_add(4)) else { break };
        let (Some(kl), Some(vl)) = (read_u32(bytes, s), s.checked_add(4).and_then(|s4| read_u32(bytes, s4))) else { break };
        let Some(kend) = p.checked_add(kl) else { break };
        let Some(k) = bytes.get(p..kend) else { break };
        p = kend.saturating_add(1);
        let Some(vend) = p.checked_add(vl) else { break };
        let Some(v) = bytes.get(p..vend) else { break };
        p = vend.saturating_add(1);
        out.push((String::from_utf8_lossy(k).into_owned(), v.to_vec()));
    }
    out
}

/// The inverse, for tests and for building call headers.
pub fn serialize(pairs: &[(&str, &[u8])]) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(&(pairs.len() as u32).to_le_bytes());
    for (k, val) in pairs {
        v.extend_from_slice(&(k.len() as u32).to_le_bytes());
        v.extend_from_slice(&(val.len() as u32).to_le_bytes());
    }
    for (k, val) in pairs {
        v.extend_from_slice(k.as_bytes());
        v.push(0);
        v.extend_from_slice(val);
        v.push(0);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_and_garbage() {
        let b = serialize(&[(":path", b"/x"), ("x-bin", &[0xff, 0xfe, b'a'])]);
        let d = deserialize(&b);
        assert_eq!(d, vec![(":path".to_string(), b"/x".to_vec()), ("x-bin".to_string(), vec![0xff, 0xfe, b'a'])]);
        // every truncation decodes a prefix without panicking
        for cut in 0..b.len() {
            let d = deserialize(&b[..cut]);
            assert!(d.len() <= 2);
        }
        assert!(deserialize(&[0xff, 0xff, 0xff, 0xff]).is_empty());
        assert!(deserialize(&[]).is_empty());
    }
}
