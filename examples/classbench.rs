use std::time::Instant;
use mirror_waf::config::InspectionConfig;
use mirror_waf::detect::Engine;
use mirror_waf::request::corpus;
fn main() {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora");
    let mut recs = Vec::new();
    for f in ["apache-logs.jsonl", "httpparams.jsonl", "csic.jsonl"] {
        let t = std::fs::read_to_string(dir.join(f)).unwrap();
        recs.extend(corpus::parse(&t).unwrap());
    }
    let reqs: Vec<_> = recs.iter().filter(|r| r.label == "benign").map(|r| r.req.clone()).collect();
    let classes = ["sqli","xss","traversal","rfi","rce","ssrf","ssti","nosqli","ldapi","xxe","jndi","crlf","php","java","scanner","protocol"];
    let run = |only: Option<&str>| {
        let mut cfg = InspectionConfig::default();
        if let Some(o) = only { for c in classes { cfg.classes.insert(c.to_string(), c == o); } }
        let e = Engine::new(&cfg);
        let mut ns: Vec<u128> = Vec::new();
        for _ in 0..3 { for r in &reqs { let t = Instant::now(); std::hint::black_box(e.inspect(r)); ns.push(t.elapsed().as_nanos()); } }
        ns.sort();
        ns[ns.len()/2]
    };
    println!("all: {} ns", run(None));
    println!("none: {} ns", run(Some("nothing")));
    for c in classes { println!("{c}: {} ns", run(Some(c))); }
}
