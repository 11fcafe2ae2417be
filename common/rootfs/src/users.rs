//! User and group names of the image, from its own /etc/passwd and /etc/group (never the host's).

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
