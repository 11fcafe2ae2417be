//! scanner-yum-update binary: parse options, scan each target with the library, hand the
//! results to `report` (json, pipeline_scanner_results.json, updates.tsv, obsoletes.tsv,
//! advisories.tsv).

/// See the workspace Cargo.toml: allocation-heavy parsing runs markedly faster on mimalloc.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{CommandFactory, Parser};
use report::document::ScanResult;
use report::targets::TargetOptions;
use yum_update::{output, Cache, Overrides};

const SCANNER: &str = "yum-update";
const SCAN_TYPE: &str = "yum-update";
const LEGACY_FILE: &str = "pipeline_scanner_results.json";

/// `dnf check-update` for container images, read-only: the updates (and obsoleting packages)
/// the image's own enabled repositories offer, as dnf 4 computes them, and the updateinfo
/// advisories they fix. Per target writes `json` (atomic format: security advisories as
/// vulnerabilities, every update as a result), `pipeline_scanner_results.json` (historical
/// CentOS format), `updates.tsv`, `obsoletes.tsv` and `advisories.tsv`.
#[derive(Debug, Parser)]
#[command(name = "scanner-yum-update", version)]
struct Args {
    #[command(flatten)]
    targets: TargetOptions,
    /// Extra .repo file on the scanning host, read after the image's (repeatable).
    #[arg(long, value_name = "FILE")]
    repo_file: Vec<PathBuf>,
    /// Replace a repository's base URLs, e.g. a local mirror: ID=URL (repeatable). file://
    /// URLs name paths on the scanning host.
    #[arg(long, value_name = "ID=URL")]
    repo_baseurl: Vec<String>,
    /// Disable repositories whose id matches this glob (repeatable).
    #[arg(long, value_name = "GLOB")]
    disable_repo: Vec<String>,
    /// Enable repositories whose id matches this glob (repeatable).
    #[arg(long, value_name = "GLOB")]
    enable_repo: Vec<String>,
    /// `$releasever` (default: detected from the image's release package, as dnf does).
    #[arg(long)]
    releasever: Option<String>,
    /// The image's machine arch, `$arch` (default: from its installed packages).
    #[arg(long)]
    arch: Option<String>,
    /// `$basearch` (default: derived from the arch).
    #[arg(long)]
    basearch: Option<String>,
    /// Keep the metadata files downloaded from http(s) repositories in DIR, keyed by their
    /// checksum, and reuse them on later runs (always verified against repomd.xml).
    #[arg(long, value_name = "DIR")]
    cachedir: Option<PathBuf>,
}

fn overrides(args: &Args) -> anyhow::Result<Overrides> {
    let mut baseurls = Vec::new();
    for b in &args.repo_baseurl {
        let (id, url) = b
            .split_once('=')
            .with_context(|| format!("--repo-baseurl {b}: expected ID=URL"))?;
        baseurls.push((id.to_string(), url.to_string()));
    }
    Ok(Overrides {
        extra_repo_files: args.repo_file.clone(),
        baseurls,
        releasever: args.releasever.clone(),
        arch: args.arch.clone(),
        basearch: args.basearch.clone(),
        disable_repos: args.disable_repo.clone(),
        enable_repos: args.enable_repo.clone(),
    })
}

fn main() -> ExitCode {
    if let Some(code) = cli::handle_install_flags("scanner-yum-update", Args::command) {
        return ExitCode::from(code as u8);
    }
    let args = Args::parse_from(report::args::normalize_scanner_args(std::env::args_os()));
    let ov = match overrides(&args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("scanner-yum-update: {}", report::targets::error_chain(&e));
            return ExitCode::from(2);
        }
    };
    let cache = match &args.cachedir {
        Some(d) => Cache::with_dir(d),
        None => Cache::default(),
    };
    let code = report::targets::run_targets(&args.targets, SCANNER, SCAN_TYPE, |target| {
        let started = report::time::legacy_timestamp(std::time::SystemTime::now());
        let os_release = rootfs::Rootfs::open(&target.rootfs_path)
            .ok()
            .and_then(|r| rootfs::os_release::load(&r).ok().flatten())
            .and_then(|o| o.pretty_name);
        let t_scan = std::time::Instant::now();
        let scanned = yum_update::scan_path(&target.rootfs_path, &ov, &cache)
            .with_context(|| format!("scanning {}", target.rootfs_path.display()));
        if std::env::var_os("YUM_UPDATE_TIMING").is_some() {
            eprintln!(
                "{:>8.1} ms  scan returned",
                t_scan.elapsed().as_secs_f64() * 1000.0
            );
        }
        let finished = report::time::legacy_timestamp(std::time::SystemTime::now());
        let timing = std::env::var_os("YUM_UPDATE_TIMING").is_some();
        let t_out = std::time::Instant::now();
        let o = match scanned {
            Ok(o) => o,
            Err(e) => {
                let reason = report::targets::error_chain(&e);
                let legacy = output::pipeline_json(
                    &target.id,
                    &started,
                    &finished,
                    os_release.as_deref(),
                    Err(&reason),
                );
                let mut failed = ScanResult::failure(reason);
                failed.extra_files = vec![(
                    LEGACY_FILE.to_string(),
                    report::pyjson::legacy_file_bytes(&legacy),
                )];
                return Ok(failed);
            }
        };
        let legacy = output::pipeline_json(
            &target.id,
            &started,
            &finished,
            os_release.as_deref(),
            Ok(&o),
        );
        let mut result = ScanResult::success();
        result.vulnerabilities = Some(output::vulnerabilities(&o));
        result.results = Some(output::results(&o));
        result.custom = Some(output::custom(&o));
        result.extra_files = vec![
            (
                LEGACY_FILE.to_string(),
                report::pyjson::legacy_file_bytes(&legacy),
            ),
            (
                "updates.tsv".to_string(),
                output::updates_tsv(&o).into_bytes(),
            ),
            (
                "obsoletes.tsv".to_string(),
                output::obsoletes_tsv(&o).into_bytes(),
            ),
            (
                "advisories.tsv".to_string(),
                output::advisories_tsv(&o).into_bytes(),
            ),
        ];
        if timing {
            eprintln!(
                "{:>8.1} ms  outputs built",
                t_out.elapsed().as_secs_f64() * 1000.0
            );
        }
        Ok(result)
    });
    ExitCode::from(code.clamp(0, 255) as u8)
}
