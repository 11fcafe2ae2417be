//! The atomic.d registrations bundled into the binaries, and copying them into (or removing them
//! from) the host's `/etc/atomic.d`, which the image sees at [`HOST_CONFD`].

use crate::Error;
use std::fs;
use std::path::{Path, PathBuf};

/// Where the `INSTALL`/`UNINSTALL` labels bind-mount the host's `/etc/atomic.d`.
pub const HOST_CONFD: &str = "/host/etc/atomic.d";

const REGISTRATIONS: &[(&str, &str)] = &[
    (
        "scanner-rpm-verify",
        include_str!("../../../install/atomic.d/scanner-rpm-verify"),
    ),
    (
        "scanner-yum-update",
        include_str!("../../../install/atomic.d/scanner-yum-update"),
    ),
    (
        "scanner-openscap",
        include_str!("../../../install/atomic.d/scanner-openscap"),
    ),
];

/// The bundled registration (the text of `install/atomic.d/<name>`) for a scanner binary name.
pub fn registration(name: &str) -> Option<&'static str> {
    REGISTRATIONS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| *text)
}

/// Whether `image` is a reference atomic can put into `docker run` without docker guessing a
/// registry: `host[:port]/path[:tag|@digest]` where the first component names a host
/// (contains `.` or `:`, or is `localhost`), and no whitespace (atomic re-splits the command).
pub fn is_fully_qualified(image: &str) -> bool {
    if image.is_empty() || image.chars().any(|c| c.is_whitespace() || c == '$') {
        return false;
    }
    match image.split_once('/') {
        Some((host, rest)) => {
            !rest.is_empty() && (host == "localhost" || host.contains('.') || host.contains(':'))
        }
        None => false,
    }
}

/// `text` with the value of its top-level `image_name:` line replaced by `image`.
pub fn with_image_name(text: &str, image: &str) -> Result<String, Error> {
    if !is_fully_qualified(image) {
        return Err(Error::BadImageName(image.to_string()));
    }
    let mut out = String::with_capacity(text.len() + image.len());
    for line in text.split_inclusive('\n') {
        if line.starts_with("image_name:") {
            out.push_str("image_name: ");
            out.push_str(image);
            out.push('\n');
        } else {
            out.push_str(line);
        }
    }
    Ok(out)
}

/// Copies `bytes` to [`HOST_CONFD`]`/<name>` (see [`install_registration_in`]).
pub fn install_registration(name: &str, bytes: &[u8]) -> Result<PathBuf, Error> {
    install_registration_in(Path::new(HOST_CONFD), name, bytes)
}

/// Writes `bytes` to `dir/<name>` atomically and durably ([`crate::write::write_durably`]),
/// mode 0644.
/// `dir` must exist: it is the bind mount of the host's `/etc/atomic.d`, and creating it inside
/// the container would silently install nothing on the host.
pub fn install_registration_in(dir: &Path, name: &str, bytes: &[u8]) -> Result<PathBuf, Error> {
    if !dir.is_dir() {
        return Err(Error::NoConfd(dir.display().to_string()));
    }
    let target = dir.join(name);
    crate::write::write_durably(dir, name, bytes).map_err(|source| Error::Io {
        path: target.display().to_string(),
        source,
    })?;
    Ok(target)
}

/// Removes [`HOST_CONFD`]`/<name>`; see [`uninstall_registration_in`].
pub fn uninstall_registration(name: &str) -> Result<bool, Error> {
    uninstall_registration_in(Path::new(HOST_CONFD), name)
}

/// Removes `dir/<name>`. Returns whether a file was there; a missing file is not an error, so
/// uninstalling twice is harmless.
pub fn uninstall_registration_in(dir: &Path, name: &str) -> Result<bool, Error> {
    let target = dir.join(name);
    match fs::remove_file(&target) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(source) => Err(Error::Io {
            path: target.display().to_string(),
            source,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qualified_names() {
        for ok in [
            "localhost/scanner-rpm-verify:latest",
            "registry.example.com/a/b",
            "host:5000/x@sha256:00",
        ] {
            assert!(is_fully_qualified(ok), "{ok}");
        }
        for bad in [
            "scanner-rpm-verify",
            "rhel7/openscap",
            "localhost/",
            "a b/c",
            "$IMAGE",
            "",
        ] {
            assert!(!is_fully_qualified(bad), "{bad}");
        }
    }

    #[test]
    fn bundled_registrations_name_their_own_image_and_binary() {
        for (name, text) in REGISTRATIONS {
            let line = |key: &str| {
                text.lines()
                    .find_map(|l| l.strip_prefix(key))
                    .map(str::trim)
                    .unwrap_or_else(|| panic!("{name}: no {key}"))
            };
            assert_eq!(line("type:"), "scanner", "{name}");
            assert_eq!(line("image_name:"), format!("localhost/{name}:latest"));
            assert!(is_fully_qualified(line("image_name:")));
            assert!(
                text.contains(&format!(
                    "args: ['/usr/bin/{name}', '--scanin', '/scanin', '--scanout', '/scanout'"
                )),
                "{name}: scans must run the image's /usr/bin/{name} on /scanin and /scanout"
            );
        }
    }

    #[test]
    fn image_name_is_replaced_only_on_its_line() {
        let text = registration("scanner-rpm-verify").unwrap();
        let new = with_image_name(text, "quay.example/x/rpm-verify:1").unwrap();
        assert_eq!(new.lines().count(), text.lines().count());
        assert!(new.contains("\nimage_name: quay.example/x/rpm-verify:1\n"));
        assert!(!new.contains("image_name: localhost/"));
        assert!(with_image_name(text, "rpm-verify").is_err());
    }

    #[test]
    fn install_and_uninstall() {
        let dir = tempfile::tempdir().unwrap();
        let path = install_registration_in(dir.path(), "scanner-x", b"type: scanner\n").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"type: scanner\n");
        // overwrite in place, no temporary left behind
        install_registration_in(dir.path(), "scanner-x", b"v2\n").unwrap();
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("scanner-x")]);
        assert!(uninstall_registration_in(dir.path(), "scanner-x").unwrap());
        assert!(!uninstall_registration_in(dir.path(), "scanner-x").unwrap());
        assert!(matches!(
            install_registration_in(&dir.path().join("absent"), "s", b""),
            Err(Error::NoConfd(_))
        ));
    }
}
