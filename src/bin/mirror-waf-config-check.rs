//! `mirror-waf-config-check`: validates plugin configuration JSON (DESIGN §3) with the very
//! parser the filter uses (`Config::parse`), so a `pluginConfig` can be checked before it is
//! applied. Reads each file argument (or stdin when none / `-`); prints `ok` or the error naming
//! the field; exits 1 if any input is rejected, 2 on I/O errors.

use std::io::Read;
use std::process::ExitCode;

use mirror_waf::config::Config;

fn read_input(arg: &str) -> std::io::Result<Vec<u8>> {
    if arg == "-" {
        let mut buf = Vec::new();
        std::io::stdin().read_to_end(&mut buf)?;
        Ok(buf)
    } else {
        std::fs::read(arg)
    }
}

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("usage: mirror-waf-config-check [FILE.json|-]...\nValidates mirror-waf plugin configuration JSON; no argument reads stdin.");
        return ExitCode::SUCCESS;
    }
    if args.is_empty() {
        args.push("-".into());
    }
    let mut rejected = false;
    for arg in &args {
        let name = if arg == "-" { "<stdin>" } else { arg.as_str() };
        let bytes = match read_input(arg) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("{name}: cannot read: {e}");
                return ExitCode::from(2);
            }
        };
        match Config::parse(&bytes) {
            Ok(cfg) => println!("{name}: ok (role {:?})", cfg.role),
            Err(e) => {
                println!("{name}: invalid: {e}");
                rejected = true;
            }
        }
    }
    if rejected {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
