//! The hidden first-argument modes every scanner binary understands (install/uninstall of its
//! atomic.d registration, man page generation), dispatched before the scanner parses its options.

use crate::registration::{self, HOST_CONFD};
use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Handles `--install-registration [IMAGE]`, `--uninstall-registration`,
/// `--print-registration` and `--generate-man DIR` when one of them is the first argument of
/// the process. Returns the exit code to exit with when it did, `None` otherwise (the scanner
/// then parses its arguments as usual). `binary` is the scanner's binary name (which is also its
/// registration's file name); `command` builds its clap definition (only called for man pages).
pub fn handle_install_flags(binary: &str, command: impl FnOnce() -> clap::Command) -> Option<i32> {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    run(
        binary,
        &args,
        command,
        Path::new(HOST_CONFD),
        &mut stdout.lock(),
        &mut stderr.lock(),
    )
}

/// [`handle_install_flags`] with its inputs and outputs explicit (for tests).
pub fn run(
    binary: &str,
    args: &[OsString],
    command: impl FnOnce() -> clap::Command,
    confd: &Path,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Option<i32> {
    let mode = args.first()?.to_str()?;
    let rest = &args[1..];
    let result = match mode {
        "--install-registration" => install(binary, rest, confd, out),
        "--uninstall-registration" => uninstall(binary, rest, confd, out),
        "--print-registration" => print(binary, rest, out),
        "--generate-man" => man(binary, rest, command, out),
        _ => return None,
    };
    Some(match result {
        Ok(()) => 0,
        Err(msg) => {
            let _ = writeln!(err, "{binary}: error: {msg}");
            1
        }
    })
}

fn bundled(binary: &str) -> Result<&'static str, String> {
    registration::registration(binary)
        .ok_or_else(|| crate::Error::UnknownScanner(binary.to_string()).to_string())
}

fn no_more(mode: &str, rest: &[OsString]) -> Result<(), String> {
    match rest.first() {
        None => Ok(()),
        Some(extra) => Err(format!(
            "unexpected argument {extra:?} after {mode}; usage: {}",
            usage(mode)
        )),
    }
}

fn usage(mode: &str) -> &'static str {
    match mode {
        "--install-registration" => "--install-registration [IMAGE]",
        "--generate-man" => "--generate-man DIR",
        "--uninstall-registration" => "--uninstall-registration",
        _ => "--print-registration",
    }
}

fn install(
    binary: &str,
    rest: &[OsString],
    confd: &Path,
    out: &mut dyn Write,
) -> Result<(), String> {
    let mut text = bundled(binary)?.to_string();
    if let Some(image) = rest.first() {
        no_more("--install-registration", &rest[1..])?;
        let image = image.to_string_lossy();
        if registration::is_fully_qualified(&image) {
            text = registration::with_image_name(&text, &image).map_err(|e| e.to_string())?;
        } else {
            let _ = writeln!(
                out,
                "warning: `{image}` is not a fully qualified image name; keeping the bundled image_name"
            );
        }
    }
    let path = registration::install_registration_in(confd, binary, text.as_bytes())
        .map_err(|e| e.to_string())?;
    let image = text
        .lines()
        .find_map(|l| l.strip_prefix("image_name:"))
        .unwrap_or("")
        .trim();
    let _ = writeln!(out, "installed {} (image_name: {image})", host_view(&path));
    warn_duplicates(binary, &text, confd, out);
    let _ = writeln!(out, "Installation complete.");
    Ok(())
}

/// Warns when another file in the atomic.d directory declares the same `scanner_name`: atomic
/// would then offer two scanners with one name.
fn warn_duplicates(binary: &str, text: &str, confd: &Path, out: &mut dyn Write) {
    let name_of = |t: &str| {
        t.lines()
            .find_map(|l| l.strip_prefix("scanner_name:"))
            .map(|v| v.trim().trim_matches(['\'', '"']).to_string())
    };
    let Some(ours) = name_of(text) else { return };
    let Ok(entries) = std::fs::read_dir(confd) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.file_name() == binary || !entry.path().is_file() {
            continue;
        }
        let Ok(other) = std::fs::read_to_string(entry.path()) else {
            continue;
        };
        if name_of(&other).as_deref() == Some(ours.as_str()) {
            let _ = writeln!(
                out,
                "warning: {} also registers scanner_name `{ours}`; remove one of them",
                host_view(&entry.path())
            );
        }
    }
}

/// The path as the host sees it (`/host/etc/atomic.d/x` is the host's `/etc/atomic.d/x`).
fn host_view(path: &Path) -> String {
    match path.strip_prefix("/host") {
        Ok(p) => Path::new("/").join(p).display().to_string(),
        Err(_) => path.display().to_string(),
    }
}

fn uninstall(
    binary: &str,
    rest: &[OsString],
    confd: &Path,
    out: &mut dyn Write,
) -> Result<(), String> {
    no_more("--uninstall-registration", rest)?;
    bundled(binary)?;
    let path = confd.join(binary);
    let removed =
        registration::uninstall_registration_in(confd, binary).map_err(|e| e.to_string())?;
    let _ = if removed {
        writeln!(out, "removed {}", host_view(&path))
    } else {
        writeln!(out, "{} was not installed", host_view(&path))
    };
    Ok(())
}

fn print(binary: &str, rest: &[OsString], out: &mut dyn Write) -> Result<(), String> {
    no_more("--print-registration", rest)?;
    out.write_all(bundled(binary)?.as_bytes())
        .map_err(|e| e.to_string())
}

fn man(
    binary: &str,
    rest: &[OsString],
    command: impl FnOnce() -> clap::Command,
    out: &mut dyn Write,
) -> Result<(), String> {
    let Some(dir) = rest.first() else {
        return Err(format!("missing DIR; usage: {}", usage("--generate-man")));
    };
    no_more("--generate-man", &rest[1..])?;
    let cmd = command();
    let cmd = if cmd.get_name() == binary {
        cmd
    } else {
        cmd.name(binary.to_string())
    };
    let path = crate::man::write_man_page(cmd, &PathBuf::from(dir)).map_err(|e| e.to_string())?;
    let _ = writeln!(out, "wrote {}", path.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn go(args: &[&str], confd: &Path) -> (Option<i32>, String, String) {
        let args: Vec<OsString> = args.iter().map(OsString::from).collect();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = run(
            "scanner-rpm-verify",
            &args,
            || clap::Command::new("scanner-rpm-verify").about("Verify RPM files"),
            confd,
            &mut out,
            &mut err,
        );
        (
            code,
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    }

    #[test]
    fn other_arguments_are_left_to_the_scanner() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(go(&[], dir.path()).0, None);
        assert_eq!(go(&["--scanin", "/scanin"], dir.path()).0, None);
        assert_eq!(
            go(&["--rootfs", "/x", "--install-registration"], dir.path()).0,
            None
        );
    }

    #[test]
    fn install_uninstall_cycle() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("scanner-rpm-verify");
        let (code, out, _) = go(&["--install-registration"], dir.path());
        assert_eq!(code, Some(0));
        assert!(out.contains("Installation complete."));
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            crate::registration("scanner-rpm-verify").unwrap()
        );
        let (code, _, _) = go(&["--install-registration", "reg.example/x/y:2"], dir.path());
        assert_eq!(code, Some(0));
        assert!(std::fs::read_to_string(&file)
            .unwrap()
            .contains("\nimage_name: reg.example/x/y:2\n"));
        // a short name keeps the bundled, fully qualified one
        let (code, out, _) = go(
            &["--install-registration", "scanner-rpm-verify"],
            dir.path(),
        );
        assert_eq!(code, Some(0));
        assert!(out.contains("warning"));
        assert!(std::fs::read_to_string(&file)
            .unwrap()
            .contains("\nimage_name: localhost/scanner-rpm-verify:latest\n"));
        std::fs::write(
            dir.path().join("old"),
            "type: scanner\nscanner_name: rpm-verify\n",
        )
        .unwrap();
        let (_, out, _) = go(&["--install-registration"], dir.path());
        assert!(
            out.contains("also registers scanner_name `rpm-verify`"),
            "{out}"
        );
        let (code, out, _) = go(&["--uninstall-registration"], dir.path());
        assert_eq!(code, Some(0));
        assert!(out.starts_with("removed "));
        assert!(!file.exists());
        let (code, out, _) = go(&["--uninstall-registration"], dir.path());
        assert_eq!(code, Some(0));
        assert!(out.contains("was not installed"));
    }

    #[test]
    fn errors_exit_one() {
        let dir = tempfile::tempdir().unwrap();
        let (code, _, err) = go(&["--install-registration"], &dir.path().join("nope"));
        assert_eq!(code, Some(1));
        assert!(err.contains("does not exist"), "{err}");
        let (code, _, err) = go(&["--generate-man"], dir.path());
        assert_eq!(code, Some(1));
        assert!(err.contains("usage"));
        let (code, _, _) = go(&["--uninstall-registration", "extra"], dir.path());
        assert_eq!(code, Some(1));
    }

    #[test]
    fn man_page_is_named_after_the_binary() {
        let dir = tempfile::tempdir().unwrap();
        let mandir = dir.path().join("man1");
        let (code, _, _) = go(&["--generate-man", mandir.to_str().unwrap()], dir.path());
        assert_eq!(code, Some(0));
        let text = std::fs::read_to_string(mandir.join("scanner-rpm-verify.1")).unwrap();
        assert!(text.contains("Verify RPM files"));
    }

    #[test]
    fn print_registration() {
        let dir = tempfile::tempdir().unwrap();
        let (code, out, _) = go(&["--print-registration"], dir.path());
        assert_eq!(code, Some(0));
        assert!(out.contains("type: scanner"));
    }
}
