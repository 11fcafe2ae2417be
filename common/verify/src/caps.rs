//! File capabilities for the `P` column: the `security.capability` xattr decoded the way
//! libcap's `cap_get_file` does, FILECAPS text parsed the way `cap_from_text` does, and the
//! set comparison rpm makes with `cap_compare`.

/// Capability names by bit number (Linux `capability.h`, bits 0..=40).
const NAMES: [&str; 41] = [
    "cap_chown",
    "cap_dac_override",
    "cap_dac_read_search",
    "cap_fowner",
    "cap_fsetid",
    "cap_kill",
    "cap_setgid",
    "cap_setuid",
    "cap_setpcap",
    "cap_linux_immutable",
    "cap_net_bind_service",
    "cap_net_broadcast",
    "cap_net_admin",
    "cap_net_raw",
    "cap_ipc_lock",
    "cap_ipc_owner",
    "cap_sys_module",
    "cap_sys_rawio",
    "cap_sys_chroot",
    "cap_sys_ptrace",
    "cap_sys_pacct",
    "cap_sys_admin",
    "cap_sys_boot",
    "cap_sys_nice",
    "cap_sys_resource",
    "cap_sys_time",
    "cap_sys_tty_config",
    "cap_mknod",
    "cap_lease",
    "cap_audit_write",
    "cap_audit_control",
    "cap_setfcap",
    "cap_mac_override",
    "cap_mac_admin",
    "cap_syslog",
    "cap_wake_alarm",
    "cap_block_suspend",
    "cap_audit_read",
    "cap_perfmon",
    "cap_bpf",
    "cap_checkpoint_restore",
];

/// Highest capability bit representable in the two 32-bit words of a VFS xattr.
const MAX_BITS: u32 = 64;

/// The name of the extended attribute holding file capabilities.
pub const XATTR_NAME: &str = "security.capability";

/// The `security.capability` value of an open file (`fgetxattr`), `None` when absent or
/// unreadable (libcap's `cap_get_file` then reports no capabilities).
pub fn file_xattr(file: &std::fs::File) -> Option<Vec<u8>> {
    rootfs::file_xattr(file, XATTR_NAME).ok().flatten()
}

/// The three capability sets of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CapSet {
    pub effective: u64,
    pub permitted: u64,
    pub inheritable: u64,
}

/// Decodes a `security.capability` value (VFS revisions 1, 2 and 3). `None` when it is not a
/// valid value (libcap then reports no capabilities).
pub fn from_xattr(raw: &[u8]) -> Option<CapSet> {
    let word = |i: usize| -> Option<u32> {
        raw.get(i * 4..i * 4 + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let magic = word(0)?;
    let (words, size) = match magic & 0xff00_0000 {
        0x0100_0000 => (1, 12),
        0x0200_0000 => (2, 20),
        0x0300_0000 => (2, 24),
        _ => return None,
    };
    if raw.len() != size {
        return None;
    }
    let mut set = CapSet::default();
    for i in 0..words {
        let permitted = u64::from(word(1 + 2 * i)?);
        let inheritable = u64::from(word(2 + 2 * i)?);
        set.permitted |= permitted << (32 * i);
        set.inheritable |= inheritable << (32 * i);
    }
    if magic & 1 != 0 {
        set.effective = set.permitted | set.inheritable;
    }
    Some(set)
}

fn lookup(name: &str) -> Option<u32> {
    if !name.is_empty() && name.bytes().all(|b| b.is_ascii_digit()) {
        return name.parse::<u32>().ok().filter(|n| *n < MAX_BITS);
    }
    let lower = name.to_ascii_lowercase();
    NAMES.iter().position(|n| *n == lower).map(|i| i as u32)
}

/// Parses capability text (`cap_from_text` syntax: whitespace-separated clauses of a
/// comma-separated capability list, `all`, or nothing before `=`, followed by one or more
/// `=`/`+`/`-` operators each with flag letters from `e`, `i`, `p`). `None` on a syntax error.
pub fn from_text(text: &str) -> Option<CapSet> {
    let mut set = CapSet::default();
    for clause in text.split_ascii_whitespace() {
        let ops_at = clause.find(['=', '+', '-'])?;
        let (list, mut actions) = clause.split_at(ops_at);
        let mut mask: u64 = 0;
        let all_caps: u64 = (1u64 << NAMES.len()) - 1;
        if list.is_empty() {
            if !actions.starts_with('=') {
                return None;
            }
            mask = all_caps;
        } else {
            for name in list.split(',') {
                if name.eq_ignore_ascii_case("all") {
                    mask |= all_caps;
                } else {
                    mask |= 1u64 << lookup(name)?;
                }
            }
        }
        while let Some(op) = actions.chars().next() {
            actions = &actions[1..];
            let flags_end = actions.find(['=', '+', '-']).unwrap_or(actions.len());
            let (flags, rest) = actions.split_at(flags_end);
            actions = rest;
            let (mut e, mut i, mut p) = (false, false, false);
            for f in flags.chars() {
                match f {
                    'e' => e = true,
                    'i' => i = true,
                    'p' => p = true,
                    _ => return None,
                }
            }
            match op {
                '=' => {
                    set.effective &= !mask;
                    set.inheritable &= !mask;
                    set.permitted &= !mask;
                    if e {
                        set.effective |= mask;
                    }
                    if i {
                        set.inheritable |= mask;
                    }
                    if p {
                        set.permitted |= mask;
                    }
                }
                '+' | '-' => {
                    if flags.is_empty() {
                        return None;
                    }
                    let apply = |v: &mut u64, on: bool| {
                        if on {
                            if op == '+' {
                                *v |= mask;
                            } else {
                                *v &= !mask;
                            }
                        }
                    };
                    apply(&mut set.effective, e);
                    apply(&mut set.inheritable, i);
                    apply(&mut set.permitted, p);
                }
                _ => return None,
            }
        }
    }
    Some(set)
}

/// rpm's capability verdict: true (column `P` fails) when the FILECAPS text and the file's
/// xattr disagree. An empty text means "no capabilities"; an unparsable side counts as absent,
/// and one side absent while the other is present is a difference.
pub fn differs(filecaps: &str, xattr: Option<&[u8]>) -> bool {
    let expected = if filecaps.is_empty() {
        None
    } else {
        from_text(filecaps)
    };
    let actual = xattr.and_then(from_xattr);
    match (expected, actual) {
        (None, None) => false,
        (Some(a), Some(b)) => a != b,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_forms() {
        let raw = 1u64 << 13;
        let s = from_text("cap_net_raw=ep").unwrap();
        assert_eq!((s.effective, s.permitted, s.inheritable), (raw, raw, 0));
        let s = from_text("= cap_net_raw+ep").unwrap();
        assert_eq!((s.effective, s.permitted, s.inheritable), (raw, raw, 0));
        let s = from_text("cap_net_admin,cap_net_raw+p").unwrap();
        assert_eq!(s.permitted, raw | 1 << 12);
        assert_eq!(s.effective, 0);
        assert!(from_text("cap_bogus=p").is_none());
        assert!(from_text("+p").is_none());
    }

    #[test]
    fn xattr_revision2() {
        // magic 0x02000001 (rev 2, effective), permitted word0 bit 13.
        let mut raw = vec![0x01, 0, 0, 0x02];
        raw.extend_from_slice(&(1u32 << 13).to_le_bytes());
        raw.extend_from_slice(&[0; 12]);
        let s = from_xattr(&raw).unwrap();
        assert_eq!(s, from_text("cap_net_raw=ep").unwrap());
        assert!(!differs("cap_net_raw=ep", Some(&raw)));
        assert!(differs("cap_net_raw=p", Some(&raw)));
        assert!(differs("", Some(&raw)));
        assert!(differs("cap_net_raw=ep", None));
        assert!(!differs("", None));
        assert!(from_xattr(&raw[..19]).is_none());
    }
}
