//! `atomic-summary DIR`: prints what `atomic scan` prints after a scan, for the `json` result
//! files a scanner wrote under DIR (one per target, in `DIR/<id>/json`), so that a scanner run
//! outside atomic (the demo, a pipeline) reads the same. `--json` prints the documents instead,
//! as `atomic scan --json` does. The exit code follows atomic: 1 if any target was not
//! successful, else 0.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Parser;
use serde_json::Value;

#[derive(Parser)]
#[command(
    version,
    about = "Print the summary `atomic scan` shows for a scanner's results directory"
)]
struct Args {
    /// The scanner's output directory (what atomic mounts at /scanout).
    results_dir: PathBuf,
    /// Print each json document (indent 4), as `atomic scan --json` does.
    #[arg(long)]
    json: bool,
}

/// Every file named exactly `json` below `dir`, as atomic finds them (os.walk), sorted by path.
fn result_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).with_context(|| format!("reading {}", d.display()))? {
            let entry = entry?;
            let kind = entry.file_type()?;
            if kind.is_dir() {
                stack.push(entry.path());
            } else if kind.is_file() && entry.file_name() == "json" {
                found.push(entry.path());
            }
        }
    }
    found.sort();
    Ok(found)
}

fn main() -> Result<()> {
    let args = Args::parse();
    let mut results = Vec::new();
    for file in result_files(&args.results_dir)? {
        let bytes = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
        let doc: Value = serde_json::from_slice(&bytes)
            .with_context(|| format!("{} is not valid JSON", file.display()))?;
        let name = file
            .parent()
            .and_then(Path::file_name)
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        results.push((name, doc));
    }
    if args.json {
        for (_, doc) in &results {
            println!("{}", report::pyjson::to_string_indent(doc, 4));
        }
    } else {
        print!(
            "{}",
            report::render_atomic_summary(&results, &args.results_dir)
        );
    }
    let all_ok = results.iter().all(|(_, doc)| {
        doc.get("Successful")
            .and_then(Value::as_str)
            .is_some_and(|s| s.eq_ignore_ascii_case("true"))
    });
    std::process::exit(if all_ok { 0 } else { 1 });
}
