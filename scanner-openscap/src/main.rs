//! scanner-openscap binary: parse options, run the CVE or configuration-compliance scan on each
//! target through `report`.

/// See the workspace Cargo.toml: allocation-heavy parsing runs markedly faster on mimalloc.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use report::targets::TargetOptions;
use scanner_openscap::compliance::{self, ComplianceConfig, DataStreamCache};
use scanner_openscap::cve::{self, CveConfig, FeedCache};

/// OpenSCAP scans of container images with a native OVAL engine. `cve` (default): evaluates the
/// vendor OVAL feed for each image's OS against its rpm database and files, and writes per target
/// `json` (atomic's format, as the historical openscap scanner), `cve.xml` (OVAL results) and
/// `results.tsv` (definition id and result). `configuration_compliance`: evaluates an XCCDF
/// profile of a SCAP Security Guide data stream and writes `json`, `arf.xml`, `results.tsv`,
/// `report.html` and, with `--fix-type bash`, `fix.sh`.
#[derive(Debug, Parser)]
#[command(name = "scanner-openscap", version)]
struct Args {
    #[command(flatten)]
    targets: TargetOptions,
    /// Scan type: `cve` or `configuration_compliance`.
    #[arg(long, value_name = "TYPE", default_value = "cve")]
    scan_type: String,
    /// configuration_compliance: the SCAP source data stream to evaluate (default: the
    /// `ssg-<product>-ds.xml` of each image's OS in --ssg-content-dir).
    #[arg(long, value_name = "FILE")]
    datastream: Option<PathBuf>,
    /// configuration_compliance: directory of SCAP Security Guide data streams.
    #[arg(long, value_name = "DIR", default_value = compliance::DEFAULT_CONTENT_DIR)]
    ssg_content_dir: PathBuf,
    /// configuration_compliance: XCCDF profile id, or a unique suffix such as `standard`, `stig`
    /// or `cis` (default: the benchmark's default selection).
    #[arg(long, value_name = "ID")]
    profile: Option<String>,
    /// configuration_compliance: the data stream's id, where the file holds several.
    #[arg(long, value_name = "ID")]
    datastream_id: Option<String>,
    /// configuration_compliance: the XCCDF checklist's component-ref id, where there are several.
    #[arg(long, value_name = "ID")]
    xccdf_id: Option<String>,
    /// configuration_compliance: `native` (this scanner's OVAL engine; rules it cannot check are
    /// `notchecked`) or `oscap` (drive an installed oscap for full coverage).
    #[arg(long, value_name = "ENGINE", default_value = "native")]
    engine: EngineArg,
    /// configuration_compliance: write report.html (the default; kept for the historical
    /// `--scanner_args report`).
    #[arg(long, overrides_with = "no_report")]
    report: bool,
    /// configuration_compliance: do not write report.html.
    #[arg(long)]
    no_report: bool,
    /// configuration_compliance: also write the remediation of the failed rules; only `bash`
    /// (fix.sh, as `oscap xccdf generate fix` writes it) is supported.
    #[arg(long, value_name = "TYPE")]
    fix_type: Option<String>,
    /// Print the profiles of the data stream given with --datastream (id, selected rules, title)
    /// and exit.
    #[arg(long)]
    list_profiles: bool,
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

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum EngineArg {
    Native,
    Oscap,
}

/// `--list-profiles`: one line per profile, tab-separated.
fn list_profiles(datastream: Option<&PathBuf>) -> ExitCode {
    let Some(ds) = datastream else {
        eprintln!("scanner-openscap: --list-profiles needs --datastream FILE");
        return ExitCode::from(2);
    };
    match openscap_xccdf::list_profiles(ds) {
        Ok(profiles) => {
            let mut text = String::from("PROFILE\tRULES\tTITLE\n");
            for p in profiles {
                text += &format!("{}\t{}\t{}\n", p.id, p.selected_rules, p.title);
            }
            match cli::stdout::print(text.as_bytes()) {
                Ok(_) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("scanner-openscap: writing the profile list: {e}");
                    ExitCode::from(2)
                }
            }
        }
        Err(e) => {
            eprintln!("scanner-openscap: {}: {e}", ds.display());
            ExitCode::from(2)
        }
    }
}

/// Runs the configuration-compliance scan on every target.
fn run_compliance(args: &Args) -> ExitCode {
    let fix = match args.fix_type.as_deref() {
        None => false,
        Some("bash") => true,
        Some(other) => {
            eprintln!("scanner-openscap: --fix-type {other}: only bash is supported");
            return ExitCode::from(2);
        }
    };
    let cfg = ComplianceConfig {
        datastream: args.datastream.clone(),
        content_dir: args.ssg_content_dir.clone(),
        profile: args.profile.clone(),
        datastream_id: args.datastream_id.clone(),
        xccdf_id: args.xccdf_id.clone(),
        engine: match args.engine {
            EngineArg::Native => openscap_xccdf::Engine::Native,
            EngineArg::Oscap => openscap_xccdf::Engine::Oscap,
        },
        report: !args.no_report,
        fix,
    };
    if let Some(ds) = &cfg.datastream {
        if let Err(why) = usable_input_file(ds) {
            eprintln!("scanner-openscap: --datastream {}: {why}", ds.display());
            return ExitCode::from(2);
        }
    }
    let cache = DataStreamCache::default();
    let code = report::targets::run_targets(
        &args.targets,
        "openscap",
        "Configuration Compliance",
        |target| compliance::scan(&target.rootfs_path, &cfg, &cache).map_err(anyhow::Error::from),
    );
    ExitCode::from(code.clamp(0, 255) as u8)
}

/// Whether a content file given on the command line can be read: the system's reason when it
/// cannot be opened (missing, permission denied...), or what it is when not a regular file.
fn usable_input_file(path: &std::path::Path) -> Result<(), String> {
    let meta = std::fs::File::open(path)
        .and_then(|f| f.metadata())
        .map_err(|e| e.to_string())?;
    if meta.is_file() {
        return Ok(());
    }
    Err(if meta.is_dir() {
        "is a directory, not a file".to_string()
    } else {
        "is not a regular file".to_string()
    })
}

fn main() -> ExitCode {
    if let Some(code) = cli::handle_install_flags("scanner-openscap", Args::command) {
        return ExitCode::from(code as u8);
    }
    let args = Args::parse_from(report::args::normalize_scanner_args(std::env::args_os()));
    if args.list_profiles {
        return list_profiles(args.datastream.as_ref());
    }
    match args.scan_type.as_str() {
        "cve" => {}
        "configuration_compliance" | "configuration-compliance" => return run_compliance(&args),
        other => {
            eprintln!(
                "scanner-openscap: scan type {other:?} is not supported (cve, configuration_compliance)"
            );
            return ExitCode::from(2);
        }
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
            if let Err(why) = usable_input_file(&f) {
                eprintln!("scanner-openscap: --oval {}: {why}", f.display());
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
