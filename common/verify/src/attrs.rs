//! rpm's numeric vocabulary for verification: the verify-attribute bits (FILEVERIFYFLAGS and
//! results), the file-attribute bits (FILEFLAGS) and the file states (FILESTATES), with the
//! values of rpm 4.18's `rpmfiles.h`.

/// Bits of a verify mask or result (`rpmVerifyAttrs`).
pub mod verify {
    /// File content digest (column `5`).
    pub const FILEDIGEST: u32 = 1 << 0;
    /// File size (column `S`).
    pub const FILESIZE: u32 = 1 << 1;
    /// Symlink target (column `L`).
    pub const LINKTO: u32 = 1 << 2;
    /// Owner (column `U`).
    pub const USER: u32 = 1 << 3;
    /// Group (column `G`).
    pub const GROUP: u32 = 1 << 4;
    /// Modification time (column `T`).
    pub const MTIME: u32 = 1 << 5;
    /// Mode incl. file type (column `M`).
    pub const MODE: u32 = 1 << 6;
    /// Device numbers (column `D`).
    pub const RDEV: u32 = 1 << 7;
    /// File capabilities (column `P`).
    pub const CAPS: u32 = 1 << 8;
    /// Every check rpm can make (the usual FILEVERIFYFLAGS value is 0xffffffff).
    pub const ALL_CHECKS: u32 =
        FILEDIGEST | FILESIZE | LINKTO | USER | GROUP | MTIME | MODE | RDEV | CAPS;
    /// readlink failed: column `L` shows `?`.
    pub const READLINKFAIL: u32 = 1 << 28;
    /// Reading the content failed: column `5` shows `?`.
    pub const READFAIL: u32 = 1 << 29;
    /// lstat failed: the file is missing.
    pub const LSTATFAIL: u32 = 1 << 30;
    /// SELinux context lookup failed (never produced here).
    pub const LGETFILECONFAIL: u32 = 1 << 31;
    /// The failure-marker bits, never "checks".
    pub const FAILURES: u32 = READLINKFAIL | READFAIL | LSTATFAIL | LGETFILECONFAIL;
}

/// Bits of FILEFLAGS (`rpmfileAttrs`).
pub mod fileflags {
    pub const CONFIG: u32 = 1 << 0;
    pub const DOC: u32 = 1 << 1;
    pub const ICON: u32 = 1 << 2;
    pub const MISSINGOK: u32 = 1 << 3;
    pub const NOREPLACE: u32 = 1 << 4;
    pub const SPECFILE: u32 = 1 << 5;
    pub const GHOST: u32 = 1 << 6;
    pub const LICENSE: u32 = 1 << 7;
    pub const README: u32 = 1 << 8;
    pub const PUBKEY: u32 = 1 << 11;
    pub const ARTIFACT: u32 = 1 << 12;
}

/// FILESTATES values (`rpmfileState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileState {
    /// 0: installed normally.
    Normal,
    /// 1: replaced by another package's file; only existence is checked.
    Replaced,
    /// 2: not installed (`--excludedocs`, `%_install_langs`, ...): nothing is checked.
    NotInstalled,
    /// 3: on a `%_netsharedpath`: nothing is checked.
    NetShared,
    /// 4: wrong multilib colour: digest, size, mtime and rdev are not checked.
    WrongColor,
    /// The header has no FILESTATES (rpm's `RPMFILE_STATE_MISSING`).
    Missing,
    /// Any other stored value.
    Unknown(u8),
}

impl FileState {
    /// The state of one file from its FILESTATES byte (`None` when the tag is absent).
    pub fn from_raw(raw: Option<u8>) -> FileState {
        match raw {
            None => FileState::Missing,
            Some(0) => FileState::Normal,
            Some(1) => FileState::Replaced,
            Some(2) => FileState::NotInstalled,
            Some(3) => FileState::NetShared,
            Some(4) => FileState::WrongColor,
            Some(0xff) => FileState::Missing,
            Some(v) => FileState::Unknown(v),
        }
    }

    /// The suffix rpm prints after the path (non-verbose `rpm -V`), if any.
    pub fn label(self) -> Option<&'static str> {
        match self {
            FileState::Replaced => Some("replaced"),
            FileState::Missing => Some("no state"),
            FileState::Unknown(_) => Some("unknown state"),
            _ => None,
        }
    }

    /// The suffix `rpm -Vv` prints (every state but normal).
    pub fn verbose_label(self) -> Option<&'static str> {
        match self {
            FileState::NotInstalled => Some("not installed"),
            FileState::NetShared => Some("net shared"),
            FileState::WrongColor => Some("wrong color"),
            other => other.label(),
        }
    }
}

/// rpm's digest algorithm numbers (`rpmHashAlgo`) that FILEDIGESTALGO may hold.
pub mod algo {
    pub const MD5: u32 = 1;
    pub const SHA1: u32 = 2;
    pub const SHA256: u32 = 8;
    pub const SHA384: u32 = 9;
    pub const SHA512: u32 = 10;
    pub const SHA224: u32 = 11;
}
