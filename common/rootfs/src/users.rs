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

/// Parses `name:passwd:id:...` lines (passwd and group share the first three fields).
fn parse(text: &[u8], by_id: &mut HashMap<u32, String>, by_name: &mut HashMap<String, u32>) {
    for line in text.split(|b| *b == b'\n') {
        let Ok(line) = std::str::from_utf8(line) else {
            continue;
        };
        let line = line.trim_end_matches('\r');
        if line.is_empty()
            || line.starts_with('#')
            || line.starts_with('+')
            || line.starts_with('-')
        {
            continue;
        }
        let mut fields = line.split(':');
        let (Some(name), Some(_pw), Some(id)) = (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        if name.is_empty() {
            continue;
        }
        let Ok(id) = id.parse::<u32>() else {
            continue;
        };
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
    /// Every entry of a passwd file, in file order, read the way glibc's `fgetpwent` reads one
    /// (what `oscap`'s password probe uses): leading blanks are skipped, blank and `#` lines
    /// ignored; name and password end at a colon; uid and gid must be decimal numbers ending at a
    /// colon or the end of the line (else the line is skipped; empty is 0 on NIS compat lines);
    /// gecos and home end at a colon or the end (missing ones are empty); the shell is the rest
    /// of the line.
    pub fn parse_all(text: &[u8]) -> Vec<PasswdEntry> {
        text.split(|b| *b == b'\n')
            .filter_map(|line| {
                let line = String::from_utf8_lossy(line);
                PasswdEntry::parse_line(line.trim_start_matches([' ', '\t']))
            })
            .collect()
    }

    fn parse_line(line: &str) -> Option<PasswdEntry> {
        if line.is_empty() || line.starts_with('#') {
            return None;
        }
        let (name, rest) = line.split_once(':')?;
        let (password, rest) = rest.split_once(':')?;
        // NIS compat entries (`+name`, `-name`) may leave the ids empty: 0, as glibc reads them.
        let compat = name.starts_with(['+', '-']);
        let number = |rest: &str| -> Option<(u32, String)> {
            let (digits, after) = rest.split_once(':').unwrap_or((rest, ""));
            if digits.is_empty() && compat {
                return Some((0, after.to_string()));
            }
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            Some((digits.parse().ok()?, after.to_string()))
        };
        let (uid, rest) = number(rest)?;
        let (gid, rest) = number(&rest)?;
        let (gecos, rest) = rest.split_once(':').unwrap_or((&rest, ""));
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

    /// The entries of the image's /etc/passwd.
    pub fn load(root: &Rootfs) -> Result<Vec<PasswdEntry>, crate::Error> {
        Ok(PasswdEntry::parse_all(
            &root.read("/etc/passwd", MAX_DB_SIZE)?,
        ))
    }
}

impl Users {
    /// Loads the image's /etc/passwd and /etc/group; a missing, unreadable or oversized file gives
    /// empty maps for it.
    pub fn load(root: &Rootfs) -> Users {
        let mut u = Users::default();
        if let Ok(b) = root.read("/etc/passwd", MAX_DB_SIZE) {
            parse(&b, &mut u.user_by_id, &mut u.uid_by_name);
        }
        if let Ok(b) = root.read("/etc/group", MAX_DB_SIZE) {
            parse(&b, &mut u.group_by_id, &mut u.gid_by_name);
        }
        u
    }

    /// Builds the maps from passwd and group file contents.
    pub fn from_bytes(passwd: &[u8], group: &[u8]) -> Users {
        let mut u = Users::default();
        parse(passwd, &mut u.user_by_id, &mut u.uid_by_name);
        parse(group, &mut u.group_by_id, &mut u.gid_by_name);
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
        // The lines and the entries oscap 1.3.7's password probe reported for them.
        let text = b"root:x:0:0:root:/root:/bin/bash\n# comment\n\n\
            alice:x:1000:1000:Alice A:/home/alice:/bin/bash\nbad:x::1:x:/h:/bin/sh\n\
            \x20 bob:x:1001:1001::/home/bob:/bin/sh:extra\nshort:x:5:6\nnogid:x:7\n+nis::::::\n";
        let e = PasswdEntry::parse_all(text);
        let names: Vec<&str> = e.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["root", "alice", "bob", "short", "+nis"]);
        assert_eq!(e[1].gecos, "Alice A");
        assert_eq!((e[2].uid, e[2].gid), (1001, 1001));
        assert_eq!(e[2].gecos, "");
        assert_eq!(e[2].shell, "/bin/sh:extra");
        assert_eq!((e[3].home.as_str(), e[3].shell.as_str()), ("", ""));
        assert_eq!((e[4].uid, e[4].gid), (0, 0));
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
        assert_eq!(u.user_name(9), None);
        assert_eq!(u.uid("bad"), None);
        assert_eq!(u.uid("short"), None);
        assert_eq!(u.gid("wheel"), Some(10));
        assert_eq!(u.group_name(11), Some("wheel"));
        assert_eq!(u.group_name(10), Some("wheel"));
    }
}
