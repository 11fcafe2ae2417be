//! Creation of per-target output directories that never follow symlinks or leave the output
//! directory. The result files in them are written by [`cli::write_atomically`].

use std::io;
use std::path::{Path, PathBuf};

pub use cli::write::{is_safe_component, write_atomically};

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg)
}

/// Creates (or reuses) `out/<id>` for a target: `id` must be a safe single component; the directory
/// is made with `mkdir` (never `create_dir_all`), and an existing entry is accepted only if it is a
/// real directory, not a symlink.
pub fn create_target_dir(out: &Path, id: &str) -> io::Result<PathBuf> {
    if !is_safe_component(id) {
        return Err(invalid(format!("refusing unsafe target id {id:?}")));
    }
    let dir = out.join(id);
    match std::fs::create_dir(&dir) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            let m = std::fs::symlink_metadata(&dir)?;
            if !m.file_type().is_dir() {
                return Err(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    format!("{} exists and is not a directory", dir.display()),
                ));
            }
        }
        Err(e) => return Err(e),
    }
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_dirs_do_not_follow_symlinks() {
        let t = tempfile::tempdir().unwrap();
        let out = t.path().join("out");
        std::fs::create_dir(&out).unwrap();
        let elsewhere = t.path().join("elsewhere");
        std::fs::create_dir(&elsewhere).unwrap();
        std::os::unix::fs::symlink(&elsewhere, out.join("evil")).unwrap();
        assert!(create_target_dir(&out, "evil").is_err());
        assert!(create_target_dir(&out, "..").is_err());
        assert!(create_target_dir(&out, "a/b").is_err());
        let d = create_target_dir(&out, "good").unwrap();
        assert_eq!(d, out.join("good"));
        assert!(create_target_dir(&out, "good").is_ok());
    }
}
