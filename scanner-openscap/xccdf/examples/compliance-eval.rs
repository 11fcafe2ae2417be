//! Evaluates an XCCDF profile of a data stream against an image root and writes the per-target
//! files (json, results.tsv, arf.xml, report.html) into a directory; prints the elapsed time.
//! The native engine uses scanner-openscap's OVAL engine (the same adapter the lead wires into
//! the scanner binary). Used by bench/openscap-compliance.sh.
//!
//! usage: compliance-eval ROOT DATASTREAM PROFILE OUT_DIR [native|oscap]

use openscap_xccdf::{ComplianceOptions, Engine};

use scanner_openscap::compliance::NativeOval as ScannerOval;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 5 {
        eprintln!("usage: compliance-eval ROOT DATASTREAM PROFILE OUT_DIR [native|oscap]");
        std::process::exit(2);
    }
    let t = std::time::Instant::now();
    let engine = match args.get(5).map(String::as_str) {
        Some("oscap") => Engine::Oscap,
        _ => Engine::Native,
    };
    let root = rootfs::Rootfs::open(&args[1]).expect("open root");
    let opts = ComplianceOptions::new(&args[2])
        .profile(&args[3])
        .engine(engine);
    let start = openscap_xccdf::model::now_local();
    let eval = openscap_xccdf::evaluate(&root, &opts, &ScannerOval::default()).expect("evaluate");
    let out = openscap_xccdf::outputs::OutputOptions {
        report: true,
        ..Default::default()
    };
    let mut files = openscap_xccdf::outputs::files(&eval, &out).expect("outputs");
    let run = report::RunInfo {
        uuid: "/scanin/bench".into(),
        scanner: "openscap".into(),
        scan_type: "Configuration Compliance".into(),
        time: start,
        finished_time: openscap_xccdf::model::now_local(),
    };
    let result = openscap_xccdf::atomic::scan_result(&eval.result, &args[2]);
    let json = report::to_bytes(&report::document(&run, &result));
    files.insert(0, ("json".to_string(), json));
    std::fs::create_dir_all(&args[4]).expect("out dir");
    for (name, bytes) in files {
        std::fs::write(std::path::Path::new(&args[4]).join(name), bytes).expect("write");
    }
    for w in &eval.result.warnings {
        eprintln!("warning: {w}");
    }
    eprintln!(
        "{:?} {:?} in {:.3} s",
        engine,
        eval.result.counts(),
        t.elapsed().as_secs_f64()
    );
}
