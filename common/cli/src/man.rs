//! Man pages rendered from a binary's clap definition (clap_mangen), plus a short section on how
//! the scanner plugs into `atomic scan`.

use crate::Error;
use std::fs;
use std::path::{Path, PathBuf};

/// Renders `cmd` as a section-1 man page and writes it to `dir/<name>.1` (the directory is
/// created if needed). Subcommands, if any, get their own `<name>-<sub>.1` pages. Returns the
/// main page's path. The output is deterministic (no build date), so packages are reproducible.
pub fn write_man_page(cmd: clap::Command, dir: &Path) -> Result<PathBuf, Error> {
    fs::create_dir_all(dir).map_err(|source| Error::Io {
        path: dir.display().to_string(),
        source,
    })?;
    let mut cmd = cmd;
    cmd.build();
    write_page(&cmd, dir, None)
}

fn write_page(cmd: &clap::Command, dir: &Path, parent: Option<&str>) -> Result<PathBuf, Error> {
    let name = match parent {
        Some(p) => format!("{p}-{}", cmd.get_name()),
        None => cmd
            .get_display_name()
            .unwrap_or_else(|| cmd.get_name())
            .to_string(),
    };
    let page = clap_mangen::Man::new(cmd.clone().name(name.clone()))
        .manual("atomic-scanners")
        .source(format!(
            "atomic-scanners {}",
            cmd.get_version().unwrap_or(env!("CARGO_PKG_VERSION"))
        ));
    let mut buf = Vec::new();
    let path = dir.join(format!("{name}.1"));
    let io = |source| Error::Io {
        path: path.display().to_string(),
        source,
    };
    page.render(&mut buf).map_err(io)?;
    if parent.is_none() {
        buf.extend_from_slice(atomic_section(&name).as_bytes());
    }
    fs::write(&path, &buf).map_err(io)?;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        write_page(sub, dir, Some(&name))?;
    }
    Ok(path)
}

/// A roff section telling a sysadmin how the scanner is registered with atomic. Only scanner
/// names (letters, digits, `-`) are interpolated, so no roff escaping is needed.
fn atomic_section(name: &str) -> String {
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return String::new();
    }
    format!(
        ".SH \"ATOMIC SCAN\"\n\
         The file /etc/atomic.d/{name} registers this scanner with \\fBatomic scan\\fR. \
         It is installed by the RPM package, or by \\fBatomic install\\fR of the scanner image, \
         whose INSTALL label runs \\fB{name} --install-registration\\fR IMAGE \
         with the host's /etc/atomic.d mounted at /host/etc/atomic.d \
         (UNINSTALL runs \\fB{name} --uninstall-registration\\fR). \
         atomic then runs the image with each target's root file system mounted read-only \
         under /scanin and writes the results under /var/lib/atomic.\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_page_with_options_and_atomic_section() {
        let dir = tempfile::tempdir().unwrap();
        let cmd = clap::Command::new("scanner-demo")
            .version("1.2.3")
            .about("Demo scanner")
            .arg(
                clap::Arg::new("scanin")
                    .long("scanin")
                    .help("Directory of targets"),
            );
        let path = write_man_page(cmd, dir.path()).unwrap();
        assert_eq!(path, dir.path().join("scanner-demo.1"));
        let text = fs::read_to_string(path).unwrap();
        assert!(text.starts_with(".ie"), "{text}");
        assert!(text.contains(".TH scanner-demo 1"), "{text}");
        assert!(text.contains("scanin"));
        assert!(text.contains("Demo scanner"));
        assert!(text.contains("/etc/atomic.d/scanner-demo"));
    }
}
