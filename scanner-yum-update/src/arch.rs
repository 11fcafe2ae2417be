//! Architecture rules: which package arches a machine arch can install (libsolv's arch policy
//! table, non-Fedora build as shipped by Debian's dnf), and dnf's `$basearch` family map.

/// The arches installable on `machine`, best first, without `noarch`.
pub fn compatible_arches(machine: &str) -> Vec<&str> {
    let policy: &str = match machine {
        "x86_64_v4" => "x86_64_v4:x86_64_v3:x86_64_v2:x86_64:i686:i586:i486:i386",
        "x86_64_v3" => "x86_64_v3:x86_64_v2:x86_64:i686:i586:i486:i386",
        "x86_64_v2" => "x86_64_v2:x86_64:i686:i586:i486:i386",
        "x86_64" => "x86_64:i686:i586:i486:i386",
        "i686" => "i686:i586:i486:i386",
        "i586" => "i586:i486:i386",
        "i486" => "i486:i386",
        "s390x" => "s390x:s390",
        "ppc64" => "ppc64:ppc",
        "ppc64p7" => "ppc64p7:ppc64:ppc",
        "ia64" => "ia64:i686:i586:i486:i386",
        "armv8hl" => "armv8hl:armv7hl:armv6hl",
        "armv7hnl" => "armv7hnl:armv7hl:armv6hl",
        "armv7hl" => "armv7hl:armv6hl",
        "armv7l" => "armv7l:armv6l:armv5tejl:armv5tel:armv5tl:armv5l:armv4tl:armv4l:armv3l",
        "armv6l" => "armv6l:armv5tejl:armv5tel:armv5tl:armv5l:armv4tl:armv4l:armv3l",
        "sh4a" => "sh4a:sh4",
        "sparc64v" => "sparc64v:sparc64:sparcv9v:sparcv9:sparcv8:sparc",
        "sparc64" => "sparc64:sparcv9:sparcv8:sparc",
        "sparcv9" => "sparcv9:sparcv8:sparc",
        other => other,
    };
    policy.split(':').collect()
}

/// Whether a package of arch `pkg_arch` is installable on `machine` (noarch always is; src and
/// nosrc never are).
pub fn installable(machine: &str, pkg_arch: &str) -> bool {
    match pkg_arch {
        "noarch" => true,
        "src" | "nosrc" => false,
        a => compatible_arches(machine).contains(&a),
    }
}

/// dnf's `$basearch` for a machine arch (`dnf/rpm/__init__.py` map); unknown arches map to
/// themselves.
pub fn basearch(arch: &str) -> &str {
    match arch {
        "alpha" | "alphaev4" | "alphaev45" | "alphaev5" | "alphaev56" | "alphaev6"
        | "alphaev67" | "alphaev68" | "alphaev7" | "alphapca56" => "alpha",
        "armv5tejl" | "armv5tel" | "armv5tl" | "armv6l" | "armv7l" | "armv8l" => "arm",
        "armv6hl" | "armv7hl" | "armv7hnl" | "armv8hl" => "armhfp",
        "i386" | "athlon" | "geode" | "i486" | "i586" | "i686" => "i386",
        "ppc64" | "ppc64iseries" | "ppc64p7" | "ppc64pseries" => "ppc64",
        "sh4" | "sh4a" => "sh4",
        "sparc" | "sparc64" | "sparc64v" | "sparcv8" | "sparcv9" | "sparcv9v" => "sparc",
        "x86_64" | "amd64" | "ia32e" => "x86_64",
        other => other,
    }
}

/// The machine arch of an image judged from its installed packages' arches: the most common
/// non-noarch arch, ties broken by the arch whose policy covers more of the others (x86_64 over
/// i686). `None` when every package is noarch.
pub fn detect_machine_arch<'a>(arches: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
    for a in arches {
        if matches!(a, "noarch" | "src" | "nosrc" | "" | "(none)") {
            continue;
        }
        *counts.entry(a).or_default() += 1;
    }
    let all: Vec<&str> = counts.keys().copied().collect();
    counts
        .iter()
        .max_by_key(|(arch, n)| {
            let covers = all
                .iter()
                .filter(|o| compatible_arches(arch).contains(o))
                .count();
            (**n, covers)
        })
        .map(|(a, _)| a.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multilib_image_is_x86_64() {
        let a = ["x86_64", "x86_64", "i686", "noarch", "noarch", "noarch"];
        assert_eq!(detect_machine_arch(a).as_deref(), Some("x86_64"));
        assert!(installable("x86_64", "i686"));
        assert!(!installable("i686", "x86_64"));
        assert!(!installable("x86_64", "aarch64"));
        assert_eq!(basearch("i686"), "i386");
    }
}
