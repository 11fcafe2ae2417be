//! The Severity of a finding in the atomic `json`, and its human-readable Title.
//!
//! Mapping (first rule that applies):
//! - **Important**: changed file capabilities (`P`) on any file; changed content or size
//!   (`5`, `S`) or a changed symlink target (`L`) of an executable (a regular file with any
//!   execute bit in its packaged mode) or of a shared library (a name containing `.so`, e.g.
//!   `libz.so.1`); an executable or shared library replaced by another file type.
//! - **Moderate**: changed content, size or link target of any other file; a changed mode,
//!   owner, group or device number; a missing executable or shared library.
//! - **Low**: everything else: only the mtime differs, a check could not be made (`?`), a
//!   missing ordinary file, a file rpm lists only for its state (`(replaced)`, `(no state)`).

use rpmverify::attrs::verify;

use crate::scan::Issue;

const S_IFMT: u16 = 0o170000;
const S_IFREG: u16 = 0o100000;

/// Atomic severities used by this scanner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Low,
    Moderate,
    Important,
}

impl Severity {
    /// The text atomic shows.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "Low",
            Severity::Moderate => "Moderate",
            Severity::Important => "Important",
        }
    }
}

/// True for a packaged executable (regular file with an execute bit).
pub fn is_executable(issue: &Issue) -> bool {
    issue.mode & S_IFMT == S_IFREG && issue.mode & 0o111 != 0
}

/// True for a shared library by name (`*.so`, `*.so.*`).
pub fn is_library(issue: &Issue) -> bool {
    let base = issue.path.rsplit('/').next().unwrap_or("");
    base.ends_with(".so") || base.contains(".so.")
}

/// The severity of one finding.
pub fn severity(issue: &Issue) -> Severity {
    let failed = issue.result.failed;
    let sensitive = is_executable(issue) || is_library(issue);
    if failed & verify::CAPS != 0 {
        return Severity::Important;
    }
    if issue.result.is_missing() {
        return if sensitive {
            Severity::Moderate
        } else {
            Severity::Low
        };
    }
    let content = failed & (verify::FILEDIGEST | verify::FILESIZE | verify::LINKTO) != 0
        && failed & (verify::READFAIL | verify::READLINKFAIL) == 0;
    let retyped = failed & verify::MODE != 0
        && issue.result.disk_mode & u32::from(S_IFMT) != u32::from(issue.mode & S_IFMT);
    if sensitive && (content || retyped) {
        return Severity::Important;
    }
    if content || failed & (verify::MODE | verify::USER | verify::GROUP | verify::RDEV) != 0 {
        return Severity::Moderate;
    }
    Severity::Low
}

/// The names of what changed, in rpm's column order.
pub fn changes(issue: &Issue) -> Vec<&'static str> {
    let failed = issue.result.failed;
    if issue.result.is_missing() {
        return vec!["missing"];
    }
    let mut out = Vec::new();
    let table = [
        (verify::FILESIZE, "size"),
        (verify::MODE, "mode"),
        (verify::FILEDIGEST, "digest"),
        (verify::RDEV, "device"),
        (verify::LINKTO, "link target"),
        (verify::USER, "owner"),
        (verify::GROUP, "group"),
        (verify::MTIME, "mtime"),
        (verify::CAPS, "capabilities"),
    ];
    for (bit, name) in table {
        if failed & bit != 0 {
            out.push(match (bit, failed) {
                (verify::FILEDIGEST, f) if f & verify::READFAIL != 0 => "digest (unreadable)",
                (verify::LINKTO, f) if f & verify::READLINKFAIL != 0 => "link target (unreadable)",
                _ => name,
            });
        }
    }
    out
}

/// The Title of a finding: the path and what changed.
pub fn title(issue: &Issue) -> String {
    if issue.result.is_missing() {
        return format!("{} is missing", issue.path);
    }
    let c = changes(issue);
    if c.is_empty() {
        let state = issue.state.label().unwrap_or("listed");
        return format!("{} ({state})", issue.path);
    }
    format!("{} changed: {}", issue.path, c.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rpmverify::{FileResult, FileState};

    fn issue(path: &str, mode: u16, failed: u32, disk_mode: u32) -> Issue {
        Issue {
            package: 0,
            path: path.into(),
            line_bytes: Vec::new(),
            flags: 0,
            mode,
            state: FileState::Normal,
            result: FileResult {
                checked: verify::ALL_CHECKS,
                failed,
                missing_errno: None,
                disk_mode,
            },
        }
    }

    #[test]
    fn mapping_follows_the_documented_rules() {
        let exe = |f| issue("/usr/bin/x", 0o100755, f, 0o100755);
        let lib = |f| issue("/usr/lib64/libx.so.1.2", 0o100644, f, 0o100644);
        let data = |f| issue("/usr/share/x/data", 0o100644, f, 0o100644);
        assert_eq!(severity(&exe(verify::FILEDIGEST)), Severity::Important);
        assert_eq!(severity(&lib(verify::FILESIZE)), Severity::Important);
        assert_eq!(severity(&data(verify::CAPS)), Severity::Important);
        assert_eq!(severity(&data(verify::FILEDIGEST)), Severity::Moderate);
        assert_eq!(severity(&exe(verify::USER)), Severity::Moderate);
        assert_eq!(severity(&data(verify::MTIME)), Severity::Low);
        // unreadable content is not a proven change
        assert_eq!(
            severity(&exe(verify::FILEDIGEST | verify::READFAIL)),
            Severity::Low
        );
        // an executable replaced by a directory
        let retyped = issue("/usr/bin/x", 0o100755, verify::MODE, 0o040755);
        assert_eq!(severity(&retyped), Severity::Important);
        let missing_exe = exe(verify::LSTATFAIL);
        assert_eq!(severity(&missing_exe), Severity::Moderate);
        assert_eq!(title(&missing_exe), "/usr/bin/x is missing");
        assert_eq!(
            title(&lib(verify::FILESIZE | verify::FILEDIGEST)),
            "/usr/lib64/libx.so.1.2 changed: size, digest"
        );
    }
}
