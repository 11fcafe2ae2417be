//! scanner-rpm-verify binary: parse options, verify each target, hand results to `report`.

/// See the workspace Cargo.toml: allocation-heavy parsing runs markedly faster on mimalloc.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::ExitCode;

use anyhow::Context;
use clap::{CommandFactory, Parser};
use report::document::ScanResult;
use report::targets::TargetOptions;
use scanner_rpm_verify::outputs;
use scanner_rpm_verify::policy::Policy;

/// `rpm -Va` for container images without rpm: verifies every installed package's files
/// against the image's own rpm database and writes, per target, `json` (atomic format),
/// `rpm_verify_scanner_results.json` (historical CentOS format) and `rpm-Va.txt` (every
/// finding, unfiltered, in rpm's own line format).
#[derive(Debug, Parser)]
#[command(name = "scanner-rpm-verify", version)]
struct Args {
    #[command(flatten)]
    targets: TargetOptions,
    /// Report `%config` files in `json` and the legacy file (the historical default leaves
    /// them out; `rpm-Va.txt` always has them).
    #[arg(long)]
    include_config: bool,
    /// Leave findings under this image path glob out of `json` and the legacy file
    /// (repeatable; `*` stays within one path component, `**` crosses them).
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// Do not apply the historical path filters (/var, /run, /media, /mnt, /tmp, /proc, /sys,
    /// /boot, /, udev hwdb files).
    #[arg(long)]
    no_default_excludes: bool,
}

fn main() -> ExitCode {
    if let Some(code) = cli::handle_install_flags("scanner-rpm-verify", Args::command) {
        return ExitCode::from(code as u8);
    }
    let args = Args::parse_from(report::args::normalize_scanner_args(std::env::args_os()));
    let policy = match Policy::new(
        args.include_config,
        !args.no_default_excludes,
        &args.exclude,
    ) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("scanner-rpm-verify: {e}");
            return ExitCode::from(2);
        }
    };
    let code = report::targets::run_targets(
        &args.targets,
        outputs::SCANNER,
        outputs::SCAN_TYPE,
        |target| {
            let started = report::time::legacy_timestamp(std::time::SystemTime::now());
            let out = match scanner_rpm_verify::run::scan_target(
                &target.rootfs_path,
                &target.id,
                &policy,
            )
            .with_context(|| format!("verifying {}", target.rootfs_path.display()))
            {
                Ok(out) => out,
                Err(e) => {
                    // The legacy consumers still get their file, saying why.
                    let reason = report::targets::error_chain(&e);
                    let finished = report::time::legacy_timestamp(std::time::SystemTime::now());
                    let legacy = outputs::legacy_failure(&target.id, &started, &finished, &reason);
                    let mut failed = ScanResult::failure(reason);
                    failed.extra_files = vec![(
                        outputs::LEGACY_FILE.to_string(),
                        report::pyjson::legacy_file_bytes(&legacy),
                    )];
                    return Ok(failed);
                }
            };
            let mut result = ScanResult::success();
            result.vulnerabilities = Some(out.vulnerabilities);
            result.custom = Some(out.custom);
            result.extra_files = out.files;
            Ok(result)
        },
    );
    ExitCode::from(code.clamp(0, 255) as u8)
}
