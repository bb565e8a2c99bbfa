//! `make bench-engine`: native inspection time per request (median, p99) over the corpora,
//! for typical requests, benign traffic alone, ~1 KiB browser-like requests, and 128 KiB
//! bodies; plus the prefilter's measured savings. A plain harness (no criterion).

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Instant;

use mirror_waf::config::InspectionConfig;
use mirror_waf::detect::Engine;
use mirror_waf::request::{corpus, HttpRequest};

fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or(0)
}

/// Times each request `rounds` times; returns per-inspection nanoseconds, sorted.
fn time(engine: &Engine, reqs: &[HttpRequest], rounds: usize) -> Vec<u64> {
    let mut ns = Vec::with_capacity(reqs.len() * rounds);
    for _ in 0..rounds {
        for r in reqs {
            let t = Instant::now();
            black_box(engine.inspect(black_box(r)));
            ns.push(t.elapsed().as_nanos() as u64);
        }
    }
    ns.sort_unstable();
    ns
}

fn report(name: &str, engine: &Engine, reqs: &[HttpRequest], rounds: usize) -> u64 {
    if reqs.is_empty() {
        println!("{name:<40} (no requests)");
        return 0;
    }
    let ns = time(engine, reqs, rounds);
    let avg_bytes = reqs.iter().map(|r| r.uri.len() + r.body.len() + r.headers.iter().map(|(n, v)| n.len() + v.len() + 4).sum::<usize>()).sum::<usize>() / reqs.len();
    let med = percentile(&ns, 0.5);
    println!(
        "{name:<40} n={:<7} avg {:>6} B  median {:>8.2} µs  p99 {:>8.2} µs  max {:>9.2} µs",
        reqs.len(),
        avg_bytes,
        med as f64 / 1000.0,
        percentile(&ns, 0.99) as f64 / 1000.0,
        ns.last().copied().unwrap_or(0) as f64 / 1000.0
    );
    med
}

fn header(n: &str, v: &str) -> (String, Vec<u8>) {
    (n.to_string(), v.as_bytes().to_vec())
}

/// A realistic ~1 KiB browser GET.
fn browser_get(i: usize) -> HttpRequest {
    HttpRequest {
        method: "GET".into(),
        uri: format!("/shop/products/{}/reviews?page={}&sort=newest&filter=verified&q=blue+running+shoes&utm_source=newsletter&utm_campaign=spring-2024", 1000 + i, i % 7),
        headers: vec![
            header("host", "shop.example.com"),
            header("user-agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"),
            header("accept", "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"),
            header("accept-language", "en-US,en;q=0.9,de;q=0.8"),
            header("accept-encoding", "gzip, deflate, br"),
            header("referer", "https://shop.example.com/shop/products?category=shoes&page=2"),
            header("cookie", &format!("session=6f1c2e7a9b3d4c5e8f0a1b2c3d4e5f60; cart_id=c-{i}-88213; theme=dark; consent=analytics%3Dfalse%26ads%3Dfalse; _ga=GA1.2.1234567890.1700000000")),
            header("x-forwarded-for", "203.0.113.9, 10.0.0.1"),
            header("x-request-id", "5b6c7d8e-9f00-4a1b-8c2d-3e4f5a6b7c8d"),
            header("sec-fetch-mode", "navigate"),
        ],
        ..Default::default()
    }
}

/// A 2 KiB JSON POST (the DESIGN §5 shape).
fn json_post(i: usize) -> HttpRequest {
    let body = format!(
        r#"{{"order":{{"id":{i},"customer":{{"name":"Jane O'Neil","email":"jane.oneil@example.com","phone":"+1 555 0100","address":{{"street":"12 Main St, Apt 4","city":"Springfield","zip":"01101","country":"US"}}}},"items":[{{"sku":"SHOE-BLU-42","qty":1,"price":89.99,"note":"gift wrap, please"}},{{"sku":"SOCK-WHT-M","qty":3,"price":4.5}}],"coupon":"SPRING24","comment":"Please leave the parcel at the back door if nobody's home. Thanks!","tags":["web","newsletter","returning"],"consent":{{"marketing":false,"terms":true}}}}}}"#
    );
    let body = body.repeat(3);
    let body = format!("[{}]", body.replace("}}}{", "}}},{"));
    HttpRequest {
        method: "POST".into(),
        uri: "/api/v2/orders".into(),
        headers: vec![header("host", "shop.example.com"), header("content-type", "application/json"), header("user-agent", "shop-app/3.2 (iOS 17.4)")],
        body_bytes: body.len() as u64,
        body: body.into_bytes(),
        ..Default::default()
    }
}

fn big_body(kind: &str, seed: &str) -> HttpRequest {
    let target = 128 * 1024;
    let (ct, body) = match kind {
        "json" => {
            let mut s = String::from("{\"items\":[");
            let mut i = 0;
            while s.len() < target - 200 {
                s.push_str(&format!("{{\"id\":{i},\"title\":\"Item number {i}, a {seed} description with words\",\"ok\":true}},"));
                i += 1;
            }
            s.push_str("{}]}");
            ("application/json", s)
        }
        "form" => {
            let mut s = String::new();
            let mut i = 0;
            while s.len() < target - 100 {
                s.push_str(&format!("field{i}={}+value+{i}&", seed.replace(' ', "+")));
                i += 1;
            }
            ("application/x-www-form-urlencoded", s)
        }
        _ => {
            let mut s = String::new();
            while s.len() < target - 100 {
                s.push_str(seed);
                s.push('\n');
            }
            ("text/plain", s)
        }
    };
    let body = body.get(..target.min(body.len())).unwrap_or("").as_bytes().to_vec();
    HttpRequest {
        method: "POST".into(),
        uri: "/upload".into(),
        headers: vec![header("host", "example.com"), header("content-type", ct)],
        body_bytes: body.len() as u64,
        body,
        ..Default::default()
    }
}

fn main() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora");
    let mut all = Vec::new();
    let mut benign = Vec::new();
    match std::fs::read_dir(&dir) {
        Ok(entries) => {
            let mut files: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|x| x == "jsonl")).collect();
            files.sort();
            for f in files {
                let text = std::fs::read_to_string(&f).unwrap_or_default();
                for r in corpus::parse(&text).unwrap_or_default() {
                    if r.label == "benign" && r.source != "crs" {
                        benign.push(r.req.clone());
                    }
                    all.push(r.req);
                }
            }
        }
        Err(_) => eprintln!("note: {} absent; corpus rows skipped", dir.display()),
    }
    let engine = Engine::new(&InspectionConfig::default());
    let no_pf = Engine::new(&InspectionConfig::default()).without_prefilter();
    println!("mirror-waf engine benchmark (native, one thread, release build)");
    report("corpora: all requests", &engine, &all, 3);
    let typical: Vec<HttpRequest> = all.iter().filter(|r| r.body.len() + r.uri.len() <= 1024).cloned().collect();
    report("corpora: requests <= 1 KiB", &engine, &typical, 3);
    let med_b = report("corpora: benign requests", &engine, &benign, 3);
    let gets: Vec<HttpRequest> = (0..2000).map(browser_get).collect();
    report("synthetic ~1 KiB browser GET", &engine, &gets, 5);
    let posts: Vec<HttpRequest> = (0..500).map(json_post).collect();
    report("synthetic ~2 KiB JSON POST", &engine, &posts, 5);
    let big = vec![
        big_body("json", "plain"),
        big_body("form", "some plain text"),
        big_body("text", "The quick brown fox jumps over the lazy dog. It's 5 o'clock; time for tea (and cake)."),
        big_body("text", "<p onclick=\"x\">' or 1=1 -- <script>alert(1)</script></p> union select"),
    ];
    report("128 KiB bodies (json/form/text/hostile)", &engine, &big, 20);

    // Prefilter savings on benign traffic.
    let med_no = report("corpora: benign, prefilter off", &no_pf, &benign, 3);
    let (mut values, mut skipped) = (0usize, 0usize);
    for r in &benign {
        let (_, st) = engine.inspect_with_stats(r);
        values += st.values;
        skipped += st.skipped;
    }
    println!(
        "prefilter: skipped {skipped} of {values} benign values ({:.1}%); benign median {:.2} µs with vs {:.2} µs without",
        skipped as f64 * 100.0 / values.max(1) as f64,
        med_b as f64 / 1000.0,
        med_no as f64 / 1000.0
    );
}
