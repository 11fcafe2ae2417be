//! `atomic-summary DIR`: prints what `atomic scan` prints after a scan, for the `json` result
//! files a scanner wrote under DIR (one per target, in `DIR/<id>/json`, as `report::load_results`
//! finds them), so that a scanner run
//! outside atomic (the demo, a pipeline) reads the same. `--json` prints the documents instead,
//! as `atomic scan --json` does. The exit code follows atomic: 1 if any target was not
//! successful, else 0.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Parser;

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

fn main() -> Result<()> {
    let args = Args::parse();
    let results = report::load_results(&args.results_dir)
        .with_context(|| format!("reading results in {}", args.results_dir.display()))?;
    let text = if args.json {
        results
            .iter()
            .map(|(_, doc)| report::pyjson::to_string_indent(doc, 4) + "\n")
            .collect::<String>()
    } else {
        report::render_atomic_summary(&results, &args.results_dir)
    };
    // A reader that went away (`| head`) is no error; the exit code still tells the outcome.
    cli::stdout::print(text.as_bytes()).context("writing to stdout")?;
    let all_ok = results.iter().all(|(_, doc)| report::is_successful(doc));
    std::process::exit(if all_ok { 0 } else { 1 });
}
