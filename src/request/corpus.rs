//! The labelled request format of `../shared/corpora` (JSON Lines: method, uri, headers
//! `[[n, v]]`, body, body_encoding, label, class, source, id) and HAR entries, turned into
//! `HttpRequest`s. Used by the offline scanner, the corpus ratchet test and the benchmark.

use serde_json::Value;

use super::HttpRequest;

/// One labelled request.
#[derive(Debug, Clone, Default)]
pub struct Record {
    pub id: String,
    pub source: String,
    /// `attack`, `benign`, or empty (unlabelled input such as HAR).
    pub label: String,
    pub class: String,
    /// CRS records: the paranoia level of the tested rule.
    pub crs_pl: Option<u8>,
    pub req: HttpRequest,
}

fn s(v: &Value, k: &str) -> String {
    v.get(k).and_then(Value::as_str).unwrap_or("").to_string()
}

/// Converts one JSON Lines record; `line` names records without an `id`.
pub fn from_jsonl(v: &Value, line: usize) -> Record {
    let latin1 = s(v, "body_encoding") == "latin-1";
    let body_s = s(v, "body");
    let body: Vec<u8> = if latin1 { body_s.chars().map(|c| (u32::from(c) & 0xFF) as u8).collect() } else { body_s.into_bytes() };
    let headers = v
        .get("headers")
        .and_then(Value::as_array)
        .map(|hs| {
            hs.iter()
                .filter_map(|h| {
                    let a = h.as_array()?;
                    Some((a.first()?.as_str()?.to_ascii_lowercase(), a.get(1)?.as_str()?.as_bytes().to_vec()))
                })
                .collect()
        })
        .unwrap_or_default();
    let id = match v.get("id").and_then(Value::as_str) {
        Some(i) => i.to_string(),
        None => format!("line-{line}"),
    };
    Record {
        id,
        source: s(v, "source"),
        label: s(v, "label"),
        class: s(v, "class"),
        crs_pl: v.get("paranoia_level").and_then(Value::as_u64).map(|p| p.min(9) as u8),
        req: HttpRequest { method: s(v, "method"), uri: s(v, "uri"), headers, body_bytes: body.len() as u64, body, body_truncated: false },
    }
}

/// Converts the entries of a HAR document.
pub fn from_har(v: &Value) -> Vec<Record> {
    let entries = v.pointer("/log/entries").and_then(Value::as_array).cloned().unwrap_or_default();
    entries
        .iter()
        .enumerate()
        .filter_map(|(i, e)| {
            let r = e.get("request")?;
            let url = r.get("url").and_then(Value::as_str).unwrap_or("/");
            // Origin form: drop scheme and authority.
            let uri = match url.find("://") {
                Some(p) => url.get(p + 3..).and_then(|rest| rest.find('/').and_then(|q| rest.get(q..))).unwrap_or("/"),
                None => url,
            }
            .to_string();
            let headers = r
                .get("headers")
                .and_then(Value::as_array)
                .map(|hs| {
                    hs.iter()
                        .filter_map(|h| Some((h.get("name")?.as_str()?.to_ascii_lowercase(), h.get("value")?.as_str()?.as_bytes().to_vec())))
                        .filter(|(n, _)| !n.starts_with(':'))
                        .collect()
                })
                .unwrap_or_default();
            let body = r.pointer("/postData/text").and_then(Value::as_str).unwrap_or("").as_bytes().to_vec();
            Some(Record {
                id: format!("har-{i}"),
                source: "har".into(),
                req: HttpRequest { method: s(r, "method"), uri, headers, body_bytes: body.len() as u64, body, body_truncated: false },
                ..Default::default()
            })
        })
        .collect()
}

/// Parses a whole input: a HAR document, or JSON Lines. Errors name the line.
pub fn parse(text: &str) -> Result<Vec<Record>, String> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') {
        if let Ok(v) = serde_json::from_str::<Value>(trimmed) {
            if v.get("log").is_some() {
                return Ok(from_har(&v));
            }
        }
    }
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: Value = serde_json::from_str(line).map_err(|e| format!("line {}: {e}", i + 1))?;
        out.push(from_jsonl(&v, i + 1));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonl_and_har() {
        let j = r#"{"id":"a","source":"s","method":"POST","uri":"/x?y=1","headers":[["Content-Type","text/plain"]],"body":"\u00ff","body_encoding":"latin-1","label":"attack","class":"sqli","paranoia_level":2}"#;
        let r = parse(j).unwrap();
        assert_eq!(r[0].req.body, vec![0xFF]);
        assert_eq!(r[0].req.headers[0].0, "content-type");
        assert_eq!(r[0].crs_pl, Some(2));
        let h = r#"{"log":{"entries":[{"request":{"method":"GET","url":"https://h.example/p?q=1","headers":[{"name":":authority","value":"h"},{"name":"User-Agent","value":"u"}]}}]}}"#;
        let r = parse(h).unwrap();
        assert_eq!(r[0].req.uri, "/p?q=1");
        assert_eq!(r[0].req.headers.len(), 1);
        assert!(parse("{bad").is_err());
    }
}
