//! Scan targets and the per-target run loop: enumeration of `--scanin` (or one `--rootfs`), one
//! closure call per target with failures and panics isolated, and the `json` (plus extra files)
//! written to `<scanout>/<id>/`.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::document::{self, RunInfo, ScanResult};
use crate::time;
use crate::write::{create_target_dir, is_safe_component, write_atomically};

/// Exit status when the scanner could not run at all (unreadable `--scanin`, missing `--scanout`,
/// a result that could not be written). Findings and failed targets do not change the exit status
/// in atomic mode: atomic reads them from `json` (a non-zero exit hides every result).
pub const EXIT_CANNOT_RUN: i32 = 2;

/// Where the targets come from and where results go; flatten into a scanner's clap parser.
#[derive(Debug, Clone, clap::Args)]
pub struct TargetOptions {
    /// Directory whose immediate subdirectories are the image root filesystems to scan (atomic
    /// mounts them at /scanin/<id>).
    #[arg(long, value_name = "DIR", default_value = "/scanin")]
    pub scanin: PathBuf,
    /// Directory receiving <id>/json and the other result files of each target.
    #[arg(long, value_name = "DIR", default_value = "/scanout")]
    pub scanout: PathBuf,
    /// Scan this one root filesystem instead of the subdirectories of --scanin.
    #[arg(long, value_name = "PATH")]
    pub rootfs: Option<PathBuf>,
    /// With --rootfs: write json and the other result files into DIR (default: json on stdout).
    #[arg(long, value_name = "DIR", requires = "rootfs")]
    pub output: Option<PathBuf>,
}

impl Default for TargetOptions {
    fn default() -> Self {
        TargetOptions {
            scanin: PathBuf::from("/scanin"),
            scanout: PathBuf::from("/scanout"),
            rootfs: None,
            output: None,
        }
    }
}

/// One image root to scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanTarget {
    /// The /scanin sub-directory name (atomic: the image/container ID or `_path_of_rootfs`).
    pub id: String,
    /// `"UUID"` of the json: `/scanin/<id>` in atomic mode, the path given with `--rootfs`.
    pub uuid: String,
    /// Host path of the root filesystem (a symlinked /scanin entry already followed once).
    pub rootfs_path: PathBuf,
    /// Where this target's results go; `None` when the json goes to stdout.
    pub out_dir: Option<PathBuf>,
}

/// A problem that prevents scanning at all.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot list the scan input directory {path}: {source}")]
    Scanin {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the output directory {0} does not exist or is not a directory")]
    Scanout(PathBuf),
}

/// Targets found under `--scanin` (id, host path) and warnings about skipped entries.
pub type Enumeration = (Vec<(String, PathBuf)>, Vec<String>);

/// The targets under `scanin`, sorted by id: each immediate sub-directory, and each symlink whose
/// target (followed once, relative to `scanin`) is a real directory, as atomic leaves for OSTree
/// images. Other entries are skipped with a warning (returned).
pub fn enumerate_targets(scanin: &Path) -> Result<Enumeration, Error> {
    let err = |source| Error::Scanin {
        path: scanin.to_path_buf(),
        source,
    };
    let mut targets = Vec::new();
    let mut warnings = Vec::new();
    for entry in std::fs::read_dir(scanin).map_err(err)? {
        let entry = entry.map_err(err)?;
        let path = entry.path();
        let Some(id) = entry.file_name().to_str().map(str::to_string) else {
            warnings.push(format!("{}: skipped: name is not UTF-8", path.display()));
            continue;
        };
        let meta = match std::fs::symlink_metadata(&path) {
            Ok(m) => m,
            Err(e) => {
                warnings.push(format!("{}: skipped: {e}", path.display()));
                continue;
            }
        };
        if meta.is_dir() {
            targets.push((id, path));
        } else if meta.file_type().is_symlink() {
            let target = match std::fs::read_link(&path) {
                Ok(t) => scanin.join(t),
                Err(e) => {
                    warnings.push(format!("{}: skipped: {e}", path.display()));
                    continue;
                }
            };
            match std::fs::symlink_metadata(&target) {
                Ok(m) if m.is_dir() => targets.push((id, target)),
                Ok(_) => warnings.push(format!(
                    "{}: skipped: symlink to {} which is not a directory (links are followed once)",
                    path.display(),
                    target.display()
                )),
                Err(e) => warnings.push(format!("{}: skipped: {e}", path.display())),
            }
        } else {
            warnings.push(format!(
                "{}: skipped: not a directory (each target is a root filesystem directory)",
                path.display()
            ));
        }
    }
    targets.sort();
    Ok((targets, warnings))
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    }
}

/// Stack of the thread each target is scanned on: generous, so that deeply nested hostile input
/// (XML, directory trees) meets a parser's own depth limits long before a stack overflow, which
/// would abort the whole process and every other target with it.
pub const TARGET_STACK_SIZE: usize = 256 << 20;

/// Runs `f(target)` on its own thread with a [`TARGET_STACK_SIZE`] stack, a panic becoming `Err`.
fn call_isolated<F>(target: &ScanTarget, f: &F) -> std::thread::Result<anyhow::Result<ScanResult>>
where
    F: Fn(&ScanTarget) -> anyhow::Result<ScanResult> + Sync,
{
    std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new()
            .name(format!("scan {}", target.id))
            .stack_size(TARGET_STACK_SIZE)
            .spawn_scoped(scope, || f(target));
        match spawned {
            Ok(handle) => handle.join(),
            // No thread available: run here, still catching panics.
            Err(_) => catch_unwind(AssertUnwindSafe(|| f(target))),
        }
    })
}

/// Runs the scanner closure on one target (on its own thread, see [`TARGET_STACK_SIZE`]), turning
/// an error or a panic into an unsuccessful result whose `"Custom": {"Error": ...}` says why.
/// Returns the `json` document and the extra files.
pub fn scan_target<F>(
    target: &ScanTarget,
    scanner: &str,
    scan_type: &str,
    f: &F,
) -> (Value, Vec<(String, Vec<u8>)>)
where
    F: Fn(&ScanTarget) -> anyhow::Result<ScanResult> + Sync,
{
    let started = time::now();
    let outcome = call_isolated(target, f);
    let finished = time::now();
    let mut result = match outcome {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => ScanResult::failure(error_chain(&e)),
        Err(p) => ScanResult::failure(format!("scanner panicked: {}", panic_message(&*p))),
    };
    let extra = std::mem::take(&mut result.extra_files);
    let run = RunInfo {
        uuid: target.uuid.clone(),
        scanner: scanner.to_string(),
        scan_type: scan_type.to_string(),
        time: started,
        finished_time: finished,
    };
    (document::into_document(&run, result), extra)
}

/// Writes extra files then `json` (last, so a reader that sees `json` sees everything) into `dir`.
fn write_outputs(dir: &Path, doc: &Value, extra: &[(String, Vec<u8>)]) -> std::io::Result<()> {
    for (name, bytes) in extra {
        if name == "json" {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "extra file named json would replace the result document",
            ));
        }
        write_atomically(dir, name, bytes)?;
    }
    write_atomically(dir, "json", &document::to_bytes(doc))
}

fn successful(doc: &Value) -> bool {
    document::is_successful(doc)
}

/// Scans every target selected by `opts` with `f` and writes the results; returns the process exit
/// status. Atomic mode (`--scanin`): 0 unless the scanner could not run at all or could not write a
/// result ([`EXIT_CANNOT_RUN`]); failed targets are reported through their `json`. `--rootfs` mode
/// (stand-alone): 1 when the target was not scanned successfully, as `atomic scan` itself exits.
pub fn run_targets<F>(opts: &TargetOptions, scanner: &str, scan_type: &str, f: F) -> i32
where
    F: Fn(&ScanTarget) -> anyhow::Result<ScanResult> + Sync,
{
    if let Some(rootfs) = &opts.rootfs {
        return run_rootfs(rootfs, opts.output.as_deref(), scanner, scan_type, &f);
    }
    if !opts.scanout.is_dir() {
        eprintln!("{scanner}: {}", Error::Scanout(opts.scanout.clone()));
        return EXIT_CANNOT_RUN;
    }
    let (targets, warnings) = match enumerate_targets(&opts.scanin) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{scanner}: {e}");
            return EXIT_CANNOT_RUN;
        }
    };
    for w in warnings {
        eprintln!("{scanner}: warning: {w}");
    }
    let mut status = 0;
    for (id, path) in targets {
        if !is_safe_component(&id) {
            eprintln!("{scanner}: {id:?}: skipped: unusable as an output directory name");
            continue;
        }
        let out_dir = match create_target_dir(&opts.scanout, &id) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("{scanner}: {id}: cannot create its output directory: {e}");
                status = EXIT_CANNOT_RUN;
                continue;
            }
        };
        let target = ScanTarget {
            uuid: format!("/scanin/{id}"),
            id: id.clone(),
            rootfs_path: path,
            out_dir: Some(out_dir.clone()),
        };
        let (doc, extra) = scan_target(&target, scanner, scan_type, &f);
        if !successful(&doc) {
            let why = doc
                .pointer("/Custom/Error")
                .and_then(Value::as_str)
                .unwrap_or("");
            eprintln!("{scanner}: {id}: scan not successful: {why}");
        }
        if let Err(e) = write_outputs(&out_dir, &doc, &extra) {
            eprintln!(
                "{scanner}: {id}: cannot write results into {}: {e}",
                out_dir.display()
            );
            status = EXIT_CANNOT_RUN;
        }
    }
    status
}

fn run_rootfs<F>(rootfs: &Path, output: Option<&Path>, scanner: &str, scan_type: &str, f: &F) -> i32
where
    F: Fn(&ScanTarget) -> anyhow::Result<ScanResult> + Sync,
{
    if !rootfs.is_dir() {
        eprintln!("{scanner}: {}: not a directory", rootfs.display());
        return EXIT_CANNOT_RUN;
    }
    let uuid = rootfs.to_string_lossy().into_owned();
    let target = ScanTarget {
        id: uuid.replace('/', "_"),
        uuid,
        rootfs_path: rootfs.to_path_buf(),
        out_dir: output.map(Path::to_path_buf),
    };
    let (doc, extra) = scan_target(&target, scanner, scan_type, f);
    match output {
        Some(dir) => {
            if let Err(e) =
                std::fs::create_dir_all(dir).and_then(|_| write_outputs(dir, &doc, &extra))
            {
                eprintln!(
                    "{scanner}: cannot write results into {}: {e}",
                    dir.display()
                );
                return EXIT_CANNOT_RUN;
            }
        }
        None => {
            use std::io::Write;
            let mut bytes = document::to_bytes(&doc);
            bytes.push(b'\n');
            if std::io::stdout().write_all(&bytes).is_err() {
                return EXIT_CANNOT_RUN;
            }
            if !extra.is_empty() {
                eprintln!(
                    "{scanner}: {} further result file(s) not written: use --output DIR to keep them",
                    extra.len()
                );
            }
        }
    }
    if successful(&doc) {
        0
    } else {
        if let Some(why) = doc.pointer("/Custom/Error").and_then(Value::as_str) {
            eprintln!("{scanner}: scan not successful: {why}");
        }
        1
    }
}

/// An error and its causes as one line, `outer: cause: root cause`. A cause whose text the
/// previous message already contains is left out: error types that print their source in their
/// own message (`"rpm database: {0}"`) would otherwise repeat it once per level.
pub fn error_chain(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

#[cfg(test)]
mod error_chain_tests {
    use super::error_chain;

    #[derive(Debug, thiserror::Error)]
    #[error("no database under /x")]
    struct Root;

    #[derive(Debug, thiserror::Error)]
    #[error("rpm database: {0}")]
    struct Wraps(#[from] Root);

    #[test]
    fn causes_already_in_the_message_are_not_repeated() {
        let e = anyhow::Error::from(Wraps(Root)).context("verifying /x");
        assert_eq!(
            error_chain(&e),
            "verifying /x: rpm database: no database under /x"
        );
        let plain = anyhow::anyhow!("disk full").context("writing json");
        assert_eq!(error_chain(&plain), "writing json: disk full");
    }
}
