//! User and group names of the image, from its own /etc/passwd and /etc/group (never the host's),
//! and the full /etc/passwd entries as glibc's `fgetpwent` reads them ([`PasswdEntry`]).

use std::collections::HashMap;

use crate::Rootfs;

/// Largest /etc/passwd or /etc/group read (bigger files are ignored as hostile).
pub const MAX_DB_SIZE: u64 = 16 << 20;

/// Name <-> id maps of an image. The first entry wins for both directions, as with getpwnam/getpwuid
/// on a files database. Malformed lines are skipped.
#[derive(Debug, Default, Clone)]
pub struct Users {
    user_by_id: HashMap<u32, String>,
    uid_by_name: HashMap<String, u32>,
    group_by_id: HashMap<u32, String>,
    gid_by_name: HashMap<String, u32>,
}

/// Parses `name:passwd:id:...` lines (passwd and group share the first three fields) the way
/// glibc's files database does for getpwnam/getgrnam: white space (`isspace`) before a line is
/// skipped, blank and `#` lines are ignored, ids are read like `strtoul` ([`c_id_field`]); a
/// passwd line also needs its gid (`name:x:1` is no account, `name:x:1:1` is), a group line only
/// its gid. NIS compat lines (`+`, `-`) and empty names are left out; bytes that are not UTF-8
/// are read as U+FFFD, as the header's names are.
fn parse(
    text: &[u8],
    passwd: bool,
    by_id: &mut HashMap<u32, String>,
    by_name: &mut HashMap<String, u32>,
) {
    for line in text.split(|b| *b == b'\n') {
        // Bytes that are not UTF-8 (a Latin-1 GECOS) do not make glibc skip the account.
        let line = String::from_utf8_lossy(line);
        let line = line.trim_start_matches(is_c_space);
        if line.is_empty()
            || line.starts_with('#')
            || line.starts_with('+')
            || line.starts_with('-')
        {
            continue;
        }
        let Some((name, rest)) = line.split_once(':') else {
            continue;
        };
        let Some((_pw, rest)) = rest.split_once(':') else {
            continue;
        };
        let Some((id, rest)) = c_id_field(rest, false) else {
            continue;
        };
        if name.is_empty() || (passwd && c_id_field(rest, false).is_none()) {
            continue;
        }
        by_id.entry(id).or_insert_with(|| name.to_string());
        by_name.entry(name.to_string()).or_insert(id);
    }
}

/// One /etc/passwd entry, all seven fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswdEntry {
    pub name: String,
    pub password: String,
    pub uid: u32,
    pub gid: u32,
    pub gecos: String,
    pub home: String,
    /// Everything after the sixth colon (a shell field may itself hold colons).
    pub shell: String,
}

impl PasswdEntry {
    /// Every entry of a passwd file, in file order, read the way glibc's `fgetpwent` (2.36)
    /// reads one, which is what `oscap`'s password probe uses:
    /// - leading white space (`isspace`) is skipped; blank lines and `#` lines are ignored;
    /// - name and password end at a colon (the name may be empty);
    /// - uid and gid are read like `strtoul`: leading white space and a `+` allowed, decimal
    ///   digits, at most `u32::MAX`, then a colon or the end of the line, else the line is
    ///   skipped (` 0`, `+0` and `007` are numbers; `-1`, `7 `, `0x10` are not);
    /// - on NIS compat lines (`+name`, `-name`) an empty id followed by a colon is 0; `+` and
    ///   `+name` alone, which glibc returns with null fields, are not accounts and are left out;
    /// - gecos and home end at a colon or the end of the line (missing ones are empty); the shell
    ///   is the rest of the line, a trailing `\r` included.
    pub fn parse_all(text: &[u8]) -> Vec<PasswdEntry> {
        PasswdEntry::entries(text).collect()
    }

    /// [`PasswdEntry::parse_all`] one entry at a time.
    pub fn entries(text: &[u8]) -> impl Iterator<Item = PasswdEntry> + '_ {
        text.split(|b| *b == b'\n').filter_map(|line| {
            let line = String::from_utf8_lossy(line);
            PasswdEntry::parse_line(line.trim_start_matches(is_c_space))
        })
    }

    fn parse_line(line: &str) -> Option<PasswdEntry> {
        if line.is_empty() || line.starts_with('#') {
            return None;
        }
        let (name, rest) = line.split_once(':')?;
        let (password, rest) = rest.split_once(':')?;
        let compat = name.starts_with(['+', '-']);
        let (uid, rest) = c_id_field(rest, compat)?;
        let (gid, rest) = c_id_field(rest, compat)?;
        let (gecos, rest) = rest.split_once(':').unwrap_or((rest, ""));
        let (home, shell) = rest.split_once(':').unwrap_or((rest, ""));
        Some(PasswdEntry {
            name: name.to_string(),
            password: password.to_string(),
            uid,
            gid,
            gecos: gecos.to_string(),
            home: home.to_string(),
            shell: shell.to_string(),
        })
    }

    /// The bytes of the image's /etc/passwd (at most [`MAX_DB_SIZE`]), for
    /// [`PasswdEntry::entries`].
    pub fn read_file(root: &Rootfs) -> Result<Vec<u8>, crate::Error> {
        root.read("/etc/passwd", MAX_DB_SIZE)
    }
}

/// C's `isspace` in the C locale.
fn is_c_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r')
}

/// One numeric id field of a passwd line as glibc reads it (see [`PasswdEntry::parse_all`]):
/// the id and the rest of the line after its colon, or None when the line is to be skipped.
fn c_id_field(field: &str, compat: bool) -> Option<(u32, &str)> {
    let (value, rest, had_colon) = match field.split_once(':') {
        Some((v, r)) => (v, r, true),
        None => (field, "", false),
    };
    let digits = value.trim_start_matches(is_c_space);
    let digits = digits.strip_prefix('+').unwrap_or(digits);
    if digits.is_empty() {
        // Nothing to read: only a compat line's empty field that ends at a colon counts, as 0.
        return (compat && value.is_empty() && had_colon).then_some((0, rest));
    }
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((digits.parse().ok()?, rest))
}

impl Users {
    /// Loads the image's /etc/passwd and /etc/group; a missing, unreadable or oversized file gives
    /// empty maps for it.
    pub fn load(root: &Rootfs) -> Users {
        let mut u = Users::default();
        if let Ok(b) = root.read("/etc/passwd", MAX_DB_SIZE) {
            parse(&b, true, &mut u.user_by_id, &mut u.uid_by_name);
        }
        if let Ok(b) = root.read("/etc/group", MAX_DB_SIZE) {
            parse(&b, false, &mut u.group_by_id, &mut u.gid_by_name);
        }
        u
    }

    /// Builds the maps from passwd and group file contents.
    pub fn from_bytes(passwd: &[u8], group: &[u8]) -> Users {
        let mut u = Users::default();
        parse(passwd, true, &mut u.user_by_id, &mut u.uid_by_name);
        parse(group, false, &mut u.group_by_id, &mut u.gid_by_name);
        u
    }

    pub fn user_name(&self, uid: u32) -> Option<&str> {
        self.user_by_id.get(&uid).map(String::as_str)
    }

    pub fn group_name(&self, gid: u32) -> Option<&str> {
        self.group_by_id.get(&gid).map(String::as_str)
    }

    pub fn uid(&self, name: &str) -> Option<u32> {
        self.uid_by_name.get(name).copied()
    }

    pub fn gid(&self, name: &str) -> Option<u32> {
        self.gid_by_name.get(name).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwd_entries_as_fgetpwent_reads_them() {
        // Each line and what glibc 2.36's fgetpwent returned for it (a C program calling it on
        // this very text): the accounts in order, `None` where it skipped the line.
        // name, uid, gid, gecos, home, shell
        type Entry<'a> = (&'a str, u32, u32, &'a str, &'a str, &'a str);
        let cases: &[(&str, Option<Entry>)] = &[
            (
                "root:x:0:0:root:/root:/bin/bash",
                Some(("root", 0, 0, "root", "/root", "/bin/bash")),
            ),
            (
                "toor:x: 0:0::/:/bin/sh",
                Some(("toor", 0, 0, "", "/", "/bin/sh")),
            ),
            (
                "toor2:x:+0:0::/:/bin/sh",
                Some(("toor2", 0, 0, "", "/", "/bin/sh")),
            ),
            ("neg:x:-1:0::/:/bin/sh", None),
            ("big:x:4294967296:0::/:/bin/sh", None),
            (
                "max:x:4294967295:0::/:/bin/sh",
                Some(("max", u32::MAX, 0, "", "/", "/bin/sh")),
            ),
            (
                "\r cr:x:5:5::/:/bin/sh",
                Some(("cr", 5, 5, "", "/", "/bin/sh")),
            ),
            (
                "\x0b vt:x:6:6::/:/bin/sh",
                Some(("vt", 6, 6, "", "/", "/bin/sh")),
            ),
            ("+n::", None),
            ("+n:::", None),
            ("+", None),
            ("+name", None),
            ("+x::::::", Some(("+x", 0, 0, "", "", ""))),
            ("-y:x:::::", Some(("-y", 0, 0, "", "", ""))),
            ("sp:x:7 :8::/:/bin/sh", None),
            (
                "tab:x:\t9:9::/:/bin/sh",
                Some(("tab", 9, 9, "", "/", "/bin/sh")),
            ),
            ("hex:x:0x10:1::/:/bin/sh", None),
            (
                "lead0:x:007:8::/:/bin/sh",
                Some(("lead0", 7, 8, "", "/", "/bin/sh")),
            ),
            (
                "gidsp:x:1: 2::/:/bin/sh",
                Some(("gidsp", 1, 2, "", "/", "/bin/sh")),
            ),
            ("short:x:5:6", Some(("short", 5, 6, "", "", ""))),
            ("nogid:x:7", None),
            ("nogid2:x:7:", None),
            (
                "trail:x:1:2:g:h:s\r",
                Some(("trail", 1, 2, "g", "h", "s\r")),
            ),
            ("#c", None),
            ("   # indented comment", None),
            ("name only", None),
            (":x:1:1::/:/bin/sh", Some(("", 1, 1, "", "/", "/bin/sh"))),
        ];
        let text: String = cases.iter().map(|(l, _)| format!("{l}\n")).collect();
        let got = PasswdEntry::parse_all(text.as_bytes());
        let want: Vec<_> = cases.iter().filter_map(|(_, e)| *e).collect();
        let got: Vec<_> = got
            .iter()
            .map(|e| {
                (
                    e.name.as_str(),
                    e.uid,
                    e.gid,
                    e.gecos.as_str(),
                    e.home.as_str(),
                    e.shell.as_str(),
                )
            })
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn tolerant_parsing_first_wins() {
        let passwd = b"root:x:0:0:root:/root:/bin/bash\n\
            junk line\n\
            :x:5:5::/:\n\
            bad:x:notanumber:0::/:\n\
            +nisuser::::::\n\
            toor:x:0:0::/:\n\
            root:x:7:7::/:\n\
            daemon:x:2:2:daemon:/sbin:/sbin/nologin\r\n\
            \xff\xfe:x:9:9::/:\n\
            short:x\n";
        let group = b"root:x:0:\nwheel:x:10:alice,bob\n\n# comment\nwheel:x:11:\n";
        let u = Users::from_bytes(passwd, group);
        assert_eq!(u.user_name(0), Some("root"));
        assert_eq!(u.uid("root"), Some(0));
        assert_eq!(u.uid("toor"), Some(0));
        assert_eq!(u.user_name(7), Some("root"));
        assert_eq!(u.uid("daemon"), Some(2));
        // Not UTF-8: read lossily, like the names in package headers.
        assert_eq!(u.user_name(9), Some("\u{fffd}\u{fffd}"));
        assert_eq!(u.uid("bad"), None);
        assert_eq!(u.uid("short"), None);
        assert_eq!(u.gid("wheel"), Some(10));
        assert_eq!(u.group_name(11), Some("wheel"));
        assert_eq!(u.group_name(10), Some("wheel"));
    }

    #[test]
    fn names_found_as_getpwnam_and_getgrnam_find_them() {
        // What rpm 4.18 (getpwnam/getgrnam inside the root, glibc 2.36) resolved for each name;
        // the differential test `image_passwd_and_group_read_like_glibc` checks it against rpm.
        let passwd = b" lead:x:40:40::/:/bin/sh\n\
            idsp:x: 42:\t42::/:/bin/sh\n\
            plus:x:+43:+43::/:/bin/sh\n\
            short:x:44\n\
            nogid:x:45:\n\
            crlf:x:46:46\r\n\
            ok:x:47:47\n\
            trail:x:48 :48::/:/bin/sh\n\
            dup:x:49\n\
            dup:x:50:50::/:/bin/sh\n\
            latin1:x:51:51:J\xfcrgen:/:/bin/sh\n";
        let group = b"\tlead:x:40:\nshort:x:44\nnogid:x:\ncrlf:x:46\r\ncrlf2:x:47:\r\n\
            latin1:x:51:m\xfcller\n";
        let u = Users::from_bytes(passwd, group);
        let uids: Vec<_> = [
            "lead", "idsp", "plus", "short", "nogid", "crlf", "ok", "trail", "dup",
        ]
        .iter()
        .map(|n| u.uid(n))
        .collect();
        assert_eq!(
            uids,
            [
                Some(40),
                Some(42),
                Some(43),
                None,
                None,
                None,
                Some(47),
                None,
                Some(50)
            ]
        );
        let gids: Vec<_> = ["lead", "short", "nogid", "crlf", "crlf2", "latin1"]
            .iter()
            .map(|n| u.gid(n))
            .collect();
        assert_eq!(gids, [Some(40), Some(44), None, None, Some(47), Some(51)]);
    }
}
