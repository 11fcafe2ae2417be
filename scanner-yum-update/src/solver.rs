//! dnf 4's `check-update` answer computed from installed and available packages: per-name repo
//! priority, the installed/arch upgrade rule, latest per name.arch, and obsoleters
//! (libdnf `filterUpdownByPriority`, `what_upgrades`, `filterLatest`,
//! `filterObsoletesByPriority`; dnf `base.py:_list_pattern`). Candidates are not filtered by
//! the machine arch: dnf 4's check-update lists e.g. an aarch64 upgrade of an installed noarch
//! package on x86_64 (verified in the differential tests); only src/nosrc are left out.

use std::cmp::Ordering;
use std::collections::HashMap;

use crate::model::{evr_cmp, AvailablePkg, InstalledPkg, RepoRef};

/// The priority libdnf gives the installed-package repo (`@System`), the default repo priority.
const SYSTEM_PRIORITY: i32 = 99;

/// Everything visible after excludes/includes: the solver's input.
pub struct Universe<'a> {
    pub installed: &'a [InstalledPkg],
    pub available: &'a [AvailablePkg<'a>],
    pub repos: &'a [RepoRef],
    /// `obsoletes` main option.
    pub obsoletes: bool,
}

/// The result: indexes into the universe's package lists.
#[derive(Debug, Default, Clone)]
pub struct Answer {
    /// Available packages printed by check-update, in no particular order.
    pub updates: Vec<usize>,
    /// (obsoleting available package, obsoleted installed package) pairs.
    pub obsoletes: Vec<(usize, usize)>,
}

/// True when `c` is an upgrade (libdnf `what_upgrades`): some installed package of the same
/// name has a compatible arch (equal, or either is noarch) and none of those is >= `c`.
fn is_upgrade(c: &AvailablePkg, installed_by_name: &HashMap<&str, Vec<&InstalledPkg>>) -> bool {
    let Some(same_name) = installed_by_name.get(c.name) else {
        return false;
    };
    let mut any = false;
    for i in same_name {
        if i.arch != c.arch && i.arch != "noarch" && c.arch != "noarch" {
            continue;
        }
        if evr_cmp(&i.evr, c.evr) != Ordering::Less {
            return false;
        }
        any = true;
    }
    any
}

/// Computes the update list and the obsoletes pairs.
pub fn solve(u: &Universe) -> Answer {
    let mut installed_by_name: HashMap<&str, Vec<&InstalledPkg>> = HashMap::new();
    for i in u.installed {
        installed_by_name
            .entry(i.name.as_str())
            .or_default()
            .push(i);
    }
    let usable: Vec<usize> = (0..u.available.len())
        .filter(|&k| !matches!(u.available[k].arch, "src" | "nosrc"))
        .collect();
    let prio = |k: usize| u.repos[u.available[k].repo].priority;

    // Per name, only the best-priority repos count; then the upgrade test.
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    for &k in &usable {
        by_name.entry(u.available[k].name).or_default().push(k);
    }
    let mut upgrades: Vec<usize> = Vec::new();
    for ks in by_name.values() {
        let best = ks.iter().map(|&k| prio(k)).min().unwrap_or(SYSTEM_PRIORITY);
        upgrades.extend(
            ks.iter()
                .copied()
                .filter(|&k| prio(k) == best && is_upgrade(&u.available[k], &installed_by_name)),
        );
    }

    // Latest per name.arch; equal EVRs (the same NEVRA from several repos) all stay.
    let mut by_na: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
    for &k in &upgrades {
        let p = &u.available[k];
        by_na.entry((p.name, p.arch)).or_default().push(k);
    }
    let mut updates = Vec::new();
    for ks in by_na.values() {
        let top = ks
            .iter()
            .map(|&k| u.available[k].evr)
            .max_by(|a, b| evr_cmp(a, b))
            .expect("non-empty group");
        updates.extend(
            ks.iter()
                .copied()
                .filter(|&k| evr_cmp(u.available[k].evr, top) == Ordering::Equal),
        );
    }

    // Deterministic whatever the maps' order (the callers sort their rows anyway).
    updates.sort_unstable();

    let obsoletes = if u.obsoletes {
        obsoleters(u, &usable, &installed_by_name)
    } else {
        Vec::new()
    };
    Answer { updates, obsoletes }
}

/// `filter(obsoletes_by_priority=installed)` then dnf's pairing with
/// `installed.filter(provides=new.obsoletes)`. Installed packages take part in the per-name
/// priority grouping with @System's priority, as in libdnf.
fn obsoleters(
    u: &Universe,
    usable: &[usize],
    installed_by_name: &HashMap<&str, Vec<&InstalledPkg>>,
) -> Vec<(usize, usize)> {
    // Per name: the best priority among available packages and the installed one(s).
    let mut best: HashMap<&str, i32> = HashMap::new();
    for &k in usable {
        let p = &u.available[k];
        let pr = u.repos[p.repo].priority;
        let e = best.entry(p.name).or_insert(pr);
        *e = (*e).min(pr);
    }
    for name in installed_by_name.keys() {
        if let Some(e) = best.get_mut(name) {
            *e = (*e).min(SYSTEM_PRIORITY);
        }
    }
    let mut pairs = Vec::new();
    for &k in usable {
        let p = &u.available[k];
        if u.repos[p.repo].priority != best[p.name] {
            continue;
        }
        // Does it obsolete an installed package by name and version?
        let hits = p.obsoletes.iter().any(|dep| {
            installed_by_name
                .get(dep.name.as_str())
                .is_some_and(|v| v.iter().any(|i| dep.matches_nevr(&i.name, &i.evr)))
        });
        if !hits {
            continue;
        }
        for (j, i) in u.installed.iter().enumerate() {
            let provided = p.obsoletes.iter().any(|dep| {
                i.provides.iter().any(|prov| prov.overlaps(dep)) || self_provide(i, dep)
            });
            if provided {
                pairs.push((k, j));
            }
        }
    }
    pairs
}

/// The `name = EVR` provide libsolv adds to every installed package.
fn self_provide(i: &InstalledPkg, dep: &crate::model::Dep) -> bool {
    dep.matches_nevr(&i.name, &i.evr)
}
