//! The `--engine oscap` driver: runs the installed `oscap xccdf eval` against an offline image
//! root and translates its ARF.
//!
//! How the root is presented (the traps are in the project's openscap reference notes):
//! - `OSCAP_PROBE_ROOT=<root>` puts every probe in offline mode; `OSCAP_EVALUATION_TARGET`
//!   names the target in the TestResult facts; `OSCAP_CONTAINER_VARS` (the image's `Env`, one
//!   `NAME=value` per line) feeds `environmentvariable58` instead of `<root>/proc`.
//! - The RPM probes chroot into the root and ask the *host* librpm for the database path;
//!   Debian's librpm says `~/.rpmdb`. We run oscap with a private `HOME` whose `.rpmmacros` sets
//!   `%_dbpath` to where the image keeps its rpmdb (`/var/lib/rpm` or `/usr/lib/sysimage/rpm`).
//! - SSG marks machine-only rules notapplicable only when `/.dockerenv` or `/run/.containerenv`
//!   exists in the root; `oscap-podman` creates the latter *inside* the container. We never write
//!   into the image: [`ContainerMarker::Overlay`] mounts a private overlay (image as the read-only
//!   lower layer, a temporary upper layer holding `run/.containerenv`) in a new mount namespace
//!   (`unshare --mount`, needs root) and points `OSCAP_PROBE_ROOT` at it. The default,
//!   [`ContainerMarker::Off`], is what the historical atomic scanner did (machine rules evaluated).
//! - oscap exits 0 with every rule notapplicable when it cannot read the rpmdb; the result then
//!   carries a loud warning (see [`crate::ComplianceResult::warnings`]).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::arf::read_arf;
use crate::model::{ComplianceResult, Engine};
use crate::{ComplianceOptions, Error};

/// How to make SSG's "is a container" CPE match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ContainerMarker {
    /// Present the root as it is (historical behaviour).
    #[default]
    Off,
    /// Overlay a `/run/.containerenv` (root privileges; the image is not modified).
    Overlay,
}

/// Options of the oscap engine.
#[derive(Debug, Clone)]
pub struct OscapOptions {
    /// The oscap binary.
    pub oscap: PathBuf,
    pub container_marker: ContainerMarker,
    /// `NAME=value` environment of the image (`OSCAP_CONTAINER_VARS`).
    pub container_vars: Option<Vec<String>>,
    /// `OSCAP_EVALUATION_TARGET`; default `chroot://<root>`.
    pub evaluation_target: Option<String>,
    /// Pass `--skip-validation` (saves ~0.5 s on SSG).
    pub skip_validation: bool,
}

impl Default for OscapOptions {
    fn default() -> Self {
        OscapOptions {
            oscap: PathBuf::from("oscap"),
            container_marker: ContainerMarker::Off,
            container_vars: None,
            evaluation_target: None,
            skip_validation: false,
        }
    }
}

/// A finished oscap run.
#[derive(Debug, Clone)]
pub struct OscapRun {
    pub result: ComplianceResult,
    pub arf: Vec<u8>,
    pub exit_code: i32,
    pub stderr: String,
}

/// The rpmdb directory oscap's librpm must be told about (image path).
fn image_dbpath(root: &Path) -> &'static str {
    match rootfs::Rootfs::open(root) {
        Ok(r) => {
            for p in ["/var/lib/rpm", "/usr/lib/sysimage/rpm"] {
                let has_db = ["rpmdb.sqlite", "Packages", "Packages.db"]
                    .iter()
                    .any(|f| r.exists(format!("{p}/{f}")));
                if has_db {
                    return p;
                }
            }
            "/var/lib/rpm"
        }
        Err(_) => "/var/lib/rpm",
    }
}

fn has_container_marker(root: &Path) -> bool {
    rootfs::Rootfs::open(root)
        .map(|r| r.exists("/run/.containerenv") || r.exists("/.dockerenv"))
        .unwrap_or(false)
}

/// Resolves a short profile name to the full id oscap needs.
fn full_profile(opts: &ComplianceOptions) -> Result<Option<String>, Error> {
    match &opts.profile {
        None => Ok(None),
        Some(p) if p.starts_with("xccdf_") => Ok(Some(p.clone())),
        Some(p) => {
            let ds = crate::DataStreamCollection::load(&opts.datastream)?;
            let (_, _, b) = ds.select(opts.datastream_id.as_deref(), opts.xccdf_id.as_deref())?;
            Ok(Some(crate::profile::find_profile(b, p)?.id.clone()))
        }
    }
}

/// Runs `oscap xccdf eval` on `root` and translates the ARF.
pub fn run_eval(root: &Path, opts: &ComplianceOptions) -> Result<OscapRun, Error> {
    let root = root
        .canonicalize()
        .map_err(|e| Error::io(format!("root {}", root.display()), e))?;
    let datastream = opts
        .datastream
        .canonicalize()
        .map_err(|e| Error::io(format!("data stream {}", opts.datastream.display()), e))?;
    let o = &opts.oscap;
    let tmp = tempfile::Builder::new()
        .prefix("scanner-openscap-oscap-")
        .tempdir()
        .map_err(|e| Error::io("temporary directory", e))?;
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&home).map_err(|e| Error::io("temporary HOME", e))?;
    std::fs::write(
        home.join(".rpmmacros"),
        format!("%_dbpath {}\n", image_dbpath(&root)),
    )
    .map_err(|e| Error::io("temporary .rpmmacros", e))?;
    let arf_path = tmp.path().join("arf.xml");

    let mut args: Vec<String> = vec!["xccdf".into(), "eval".into()];
    if let Some(p) = full_profile(opts)? {
        args.extend(["--profile".into(), p]);
    }
    if let Some(d) = &opts.datastream_id {
        args.extend(["--datastream-id".into(), d.clone()]);
    }
    if let Some(x) = &opts.xccdf_id {
        args.extend(["--xccdf-id".into(), x.clone()]);
    }
    if o.skip_validation {
        args.push("--skip-validation".into());
    }
    args.extend([
        "--results-arf".into(),
        arf_path.display().to_string(),
        datastream.display().to_string(),
    ]);

    let overlay = o.container_marker == ContainerMarker::Overlay && !has_container_marker(&root);
    let probe_root = if overlay {
        tmp.path().join("merged")
    } else {
        root.clone()
    };
    let mut cmd = if overlay {
        let (upper, work) = (tmp.path().join("upper"), tmp.path().join("work"));
        for d in [upper.join("run"), work.clone(), probe_root.clone()] {
            std::fs::create_dir_all(&d).map_err(|e| Error::io("overlay directories", e))?;
        }
        std::fs::write(upper.join("run/.containerenv"), b"")
            .map_err(|e| Error::io("overlay container marker", e))?;
        for p in [&root, &upper, &work, &probe_root] {
            let s = p.display().to_string();
            if s.contains([',', ':', '\n']) {
                return Err(Error::Unsupported(format!(
                    "container marker overlay: path {s:?} contains ',' or ':'"
                )));
            }
        }
        let mut c = Command::new("unshare");
        c.args(["--mount", "--propagation", "private", "sh", "-c"])
            .arg("mount -t overlay overlay -o \"lowerdir=$1,upperdir=$2,workdir=$3\" \"$4\" || exit 125; shift 4; exec \"$@\"")
            .arg("sh")
            .arg(&root)
            .arg(&upper)
            .arg(&work)
            .arg(&probe_root)
            .arg(&o.oscap)
            .args(&args);
        c
    } else {
        let mut c = Command::new(&o.oscap);
        c.args(&args);
        c
    };
    cmd.env("HOME", &home)
        .env("LC_ALL", "C")
        .env("OSCAP_PROBE_ROOT", &probe_root)
        .env(
            "OSCAP_EVALUATION_TARGET",
            o.evaluation_target
                .clone()
                .unwrap_or_else(|| format!("chroot://{}", root.display())),
        )
        .stdin(Stdio::null());
    match &o.container_vars {
        Some(v) => {
            cmd.env("OSCAP_CONTAINER_VARS", v.join("\n"));
        }
        None => {
            cmd.env_remove("OSCAP_CONTAINER_VARS");
        }
    }
    let out = cmd
        .output()
        .map_err(|e| Error::Oscap(format!("cannot run {}: {e}", o.oscap.display())))?;
    let code = out.status.code().unwrap_or(-1);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    if overlay && code == 125 {
        return Err(Error::Oscap(format!(
            "could not mount the container-marker overlay (needs root): {stderr}"
        )));
    }
    // 0: all pass, 2: some fail/unknown; anything else is an error.
    if code != 0 && code != 2 {
        return Err(Error::Oscap(format!(
            "oscap xccdf eval exited {code}: {stderr}"
        )));
    }
    let arf = std::fs::read(&arf_path).map_err(|e| Error::io("oscap ARF output", e))?;
    let mut result = read_arf(&arf, Engine::Oscap)?;
    result.datastream = opts.datastream.clone();
    result.xccdf_id = opts.xccdf_id.clone().unwrap_or_default();
    if stderr.contains("shell expansion pipe") || stderr.contains("rpmdb") {
        result.warnings.push(format!(
            "oscap reported rpm database problems: {}",
            stderr.trim()
        ));
    }
    Ok(OscapRun {
        result,
        arf,
        exit_code: code,
        stderr,
    })
}

/// `oscap xccdf generate report` on an ARF: the HTML report.
pub fn generate_report(oscap: &Path, arf: &[u8]) -> Result<Vec<u8>, Error> {
    generate(oscap, arf, &["report"])
}

/// `oscap xccdf generate fix --fix-type bash --result-id <id>` on an ARF: a bash script with the
/// remediations of the failed rules.
pub fn generate_fix(oscap: &Path, arf: &[u8], result_id: &str) -> Result<Vec<u8>, Error> {
    generate(
        oscap,
        arf,
        &["fix", "--fix-type", "bash", "--result-id", result_id],
    )
}

fn generate(oscap: &Path, arf: &[u8], what: &[&str]) -> Result<Vec<u8>, Error> {
    let tmp = tempfile::Builder::new()
        .prefix("scanner-openscap-gen-")
        .tempdir()
        .map_err(|e| Error::io("temporary directory", e))?;
    let arf_path = tmp.path().join("arf.xml");
    let out_path = tmp.path().join("out");
    std::fs::write(&arf_path, arf).map_err(|e| Error::io("temporary ARF", e))?;
    let out = Command::new(oscap)
        .args(["xccdf", "generate"])
        .args(what)
        .arg("--output")
        .arg(&out_path)
        .arg(&arf_path)
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| Error::Oscap(format!("cannot run {}: {e}", oscap.display())))?;
    if !out.status.success() {
        return Err(Error::Oscap(format!(
            "oscap xccdf generate {} failed ({}): {}",
            what[0],
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    std::fs::read(&out_path).map_err(|e| Error::io("oscap generate output", e))
}
