//! scanner-openscap binary: parse options, run the CVE scan on each target through `report`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use report::targets::TargetOptions;
use scanner_openscap::cve::{self, CveConfig, FeedCache};

/// OVAL CVE scans of container images with a native OVAL engine: evaluates the vendor OVAL feed
/// for each image's OS against its rpm database and files, and writes per target `json`
/// (atomic's format, as the historical openscap scanner), `cve.xml` (OVAL results) and
/// `results.tsv` (definition id and result).
#[derive(Debug, Parser)]
#[command(name = "scanner-openscap", version)]
struct Args {
    #[command(flatten)]
    targets: TargetOptions,
    /// Scan type; only `cve` is implemented.
    #[arg(long, value_name = "TYPE", default_value = "cve")]
    scan_type: String,
    /// Evaluate this OVAL definitions file or http(s) URL (.xml or .xml.bz2) for every
    /// target instead of choosing one by the image's OS.
    #[arg(long, value_name = "FILE|URL")]
    oval: Option<String>,
    /// Directory of OVAL feeds named <os-release ID>-<major>.oval.xml[.bz2] (e.g.
    /// rhel-8.oval.xml.bz2) or com.redhat.rhsa-RHEL<major>.xml[.bz2].
    #[arg(
        long,
        value_name = "DIR",
        default_value = "/var/lib/scanner-openscap/oval"
    )]
    content_dir: PathBuf,
    /// Download the feed from this URL when the content directory has none for an image's
    /// product; `{id}` and `{major}` are replaced from its os-release, e.g.
    /// https://access.redhat.com/security/data/oval/v2/RHEL{major}/rhel-{major}.oval.xml.bz2
    #[arg(long, value_name = "URL")]
    feed_url: Option<String>,
}

fn main() -> ExitCode {
    if let Some(code) = cli::handle_install_flags("scanner-openscap", Args::command) {
        return ExitCode::from(code as u8);
    }
    let args = Args::parse_from(report::args::normalize_scanner_args(std::env::args_os()));
    if args.scan_type != "cve" {
        eprintln!(
            "scanner-openscap: scan type {:?} is not supported (only \"cve\")",
            args.scan_type
        );
        return ExitCode::from(2);
    }
    // A URL is downloaded once, into a private directory removed at exit.
    let mut _download_dir = None;
    let oval: Option<PathBuf> = match &args.oval {
        Some(u) if scanner_openscap::fetch::is_url(u) => {
            let dir = match tempfile::Builder::new()
                .prefix("scanner-openscap-")
                .tempdir()
            {
                Ok(d) => d,
                Err(e) => {
                    eprintln!("scanner-openscap: temporary directory: {e}");
                    return ExitCode::from(2);
                }
            };
            match scanner_openscap::fetch::download(u, dir.path()) {
                Ok(p) => {
                    _download_dir = Some(dir);
                    Some(p)
                }
                Err(e) => {
                    eprintln!("scanner-openscap: --oval {e}");
                    return ExitCode::from(2);
                }
            }
        }
        Some(f) => {
            let f = PathBuf::from(f);
            if !f.is_file() {
                eprintln!("scanner-openscap: --oval {}: no such file", f.display());
                return ExitCode::from(2);
            }
            Some(f)
        }
        None => None,
    };
    let cfg = CveConfig {
        oval,
        content_dir: args.content_dir.clone(),
        feed_url: args.feed_url.clone(),
    };
    let cache = FeedCache::default();
    let code = report::targets::run_targets(&args.targets, "openscap", "CVE", |target| {
        cve::scan(&target.rootfs_path, &cfg, &cache).map_err(anyhow::Error::from)
    });
    // The parsed feeds are freed by the exit itself (dropping them costs measurable time).
    cache.remove_downloads();
    std::mem::forget(cache);
    drop(_download_dir);
    ExitCode::from(code.clamp(0, 255) as u8)
}
