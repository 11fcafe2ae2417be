//! rpm's text for verify results: the nine `SM5DLUGTP` columns, the attribute marker, the
//! `missing` line and the state suffix, exactly as `rpm -V` prints them (non-verbose).

use crate::attrs::{fileflags, verify, FileState};
use crate::file::{FileResult, FileSpec};

/// The nine result columns (`rpmVerifyString` with `.` as padding).
pub fn verify_string(failed: u32) -> String {
    let col = |bit: u32, c: char| if failed & bit != 0 { c } else { '.' };
    let mut s = String::with_capacity(9);
    s.push(col(verify::FILESIZE, 'S'));
    s.push(col(verify::MODE, 'M'));
    s.push(if failed & verify::READFAIL != 0 {
        '?'
    } else {
        col(verify::FILEDIGEST, '5')
    });
    s.push(col(verify::RDEV, 'D'));
    s.push(if failed & verify::READLINKFAIL != 0 {
        '?'
    } else {
        col(verify::LINKTO, 'L')
    });
    s.push(col(verify::USER, 'U'));
    s.push(col(verify::GROUP, 'G'));
    s.push(col(verify::MTIME, 'T'));
    s.push(col(verify::CAPS, 'P'));
    s
}

/// All attribute letters of FILEFLAGS in rpm's order (`d c s m n g l r a`).
pub fn attr_letters(flags: u32) -> String {
    let table = [
        (fileflags::DOC, 'd'),
        (fileflags::CONFIG, 'c'),
        (fileflags::SPECFILE, 's'),
        (fileflags::MISSINGOK, 'm'),
        (fileflags::NOREPLACE, 'n'),
        (fileflags::GHOST, 'g'),
        (fileflags::LICENSE, 'l'),
        (fileflags::README, 'r'),
        (fileflags::ARTIFACT, 'a'),
    ];
    table
        .iter()
        .filter(|(bit, _)| flags & bit != 0)
        .map(|(_, c)| *c)
        .collect()
}

/// The single marker `rpm -V` prints: the first attribute letter, or a space.
pub fn attr_char(flags: u32) -> char {
    attr_letters(flags).chars().next().unwrap_or(' ')
}

/// The text of an errno as glibc's `strerror` gives it in the C locale.
pub fn strerror(errno: i32) -> String {
    let text = std::io::Error::from_raw_os_error(errno).to_string();
    match text.rfind(" (os error ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

/// The exact bytes of the line `rpm -V` prints for this file (the path as the header has it),
/// or `None` when it prints nothing. `result` is the outcome after the shared-file mtime
/// filter.
pub fn line_bytes(spec: &FileSpec<'_>, result: &FileResult) -> Option<Vec<u8>> {
    let ac = attr_char(spec.flags);
    let state = spec.state.label();
    let mut buf = if result.failed & verify::LSTATFAIL != 0 {
        if spec.flags & (fileflags::MISSINGOK | fileflags::GHOST) != 0 {
            return None;
        }
        let mut s = format!("missing   {ac} ").into_bytes();
        s.extend_from_slice(spec.path_bytes);
        if let Some(e) = result.missing_errno {
            s.extend_from_slice(format!(" ({})", strerror(e)).as_bytes());
        }
        s
    } else if result.failed != 0 || state.is_some() {
        let mut s = format!("{}  {ac} ", verify_string(result.failed)).into_bytes();
        s.extend_from_slice(spec.path_bytes);
        s
    } else {
        return None;
    };
    if let Some(st) = state {
        buf.extend_from_slice(format!(" ({st})").as_bytes());
    }
    Some(buf)
}

/// Whether this result makes rpm count the package as failed (missing `%ghost` and
/// `%config(missingok)` files do not).
pub fn counts_as_failure(spec: &FileSpec<'_>, result: &FileResult) -> bool {
    let mut failed = result.failed;
    if spec.flags & (fileflags::MISSINGOK | fileflags::GHOST) != 0 {
        failed &= !verify::LSTATFAIL;
    }
    failed != 0
}

/// True for the states whose files rpm does not look at.
pub fn is_skipped_state(state: FileState) -> bool {
    matches!(state, FileState::NotInstalled | FileState::NetShared)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns() {
        assert_eq!(verify_string(0), ".........");
        assert_eq!(
            verify_string(verify::FILESIZE | verify::FILEDIGEST | verify::MTIME),
            "S.5....T."
        );
        assert_eq!(
            verify_string(verify::READFAIL | verify::FILEDIGEST | verify::READLINKFAIL),
            "..?.?...."
        );
        assert_eq!(attr_char(fileflags::CONFIG | fileflags::DOC), 'd');
        assert_eq!(attr_char(fileflags::CONFIG | fileflags::NOREPLACE), 'c');
        assert_eq!(attr_char(0), ' ');
        assert_eq!(strerror(libc::ENOTDIR), "Not a directory");
    }
}
