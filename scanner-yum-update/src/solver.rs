//! dnf 4's `check-update` answer computed from installed and available packages: per-name repo
//! priority, the installed/arch upgrade rule, latest per name.arch, and obsoleters
//! (libdnf `filterUpdownByPriority`, `what_upgrades`, `filterLatest`,
//! `filterObsoletesByPriority`; dnf `base.py:_list_pattern`). Candidates are not filtered by
//! the machine arch: dnf 4's check-update lists e.g. an aarch64 upgrade of an installed noarch
//! package on x86_64 (verified in the differential tests); only src/nosrc are left out.

use std::cmp::Ordering;

use crate::model::{evr_cmp, AvailablePkg, InstalledPkg, RepoRef};

/// The priority libdnf gives the installed-package repo (`@System`), the default repo priority.
const SYSTEM_PRIORITY: i32 = 99;

/// Everything visible after excludes/includes: the solver's input.
pub struct Universe<'a> {
    /// The installed packages visible after main-level excludes/includes: what obsoleters
    /// are matched and paired with (libdnf's installed query).
    pub installed: &'a [InstalledPkg],
    /// Every installed package: the upgrade test sees them all, excluded or not (libdnf's
    /// `what_upgrades` walks the pool's installed repo, not the query).
    pub all_installed: &'a [InstalledPkg],
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
/// name (`same_name`) has a compatible arch (equal, or either is noarch) and none of those is
/// >= `c`.
fn is_upgrade(c: &AvailablePkg, same_name: &[&InstalledPkg]) -> bool {
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

/// The packages named `name` in `sorted` (sorted by name).
fn named<'a, 'p>(sorted: &'a [&'p InstalledPkg], name: &str) -> &'a [&'p InstalledPkg] {
    let from = sorted.partition_point(|i| i.name.as_str() < name);
    let rest = &sorted[from..];
    &rest[..rest.partition_point(|i| i.name == name)]
}

/// Computes the update list and the obsoletes pairs. Packages are grouped by name by sorting
/// (stable, so each group keeps the input order; repositories list packages by name already),
/// the available groups walked along the installed ones: no hashing, no per-name allocation.
pub fn solve(u: &Universe) -> Answer {
    let av = u.available;
    let prio = |k: usize| u.repos[av[k].repo].priority;
    let mut installed: Vec<&InstalledPkg> = u.installed.iter().collect();
    installed.sort_by(|a, b| a.name.cmp(&b.name));
    let mut every: Vec<&InstalledPkg> = u.all_installed.iter().collect();
    every.sort_by(|a, b| a.name.cmp(&b.name));
    let mut usable: Vec<usize> = (0..av.len())
        .filter(|&k| !matches!(av[k].arch, "src" | "nosrc"))
        .collect();
    usable.sort_by(|&a, &b| av[a].name.cmp(av[b].name));

    let mut updates = Vec::new();
    // Obsoleter candidates: packages with obsoletes from their name's best-priority repos.
    let mut obsoleting = Vec::new();
    let mut upgrades: Vec<usize> = Vec::new();
    let mut rest = &installed[..];
    let mut rest_every = &every[..];
    for group in usable.chunk_by(|&a, &b| av[a].name == av[b].name) {
        let name = av[group[0]].name;
        rest = &rest[rest.partition_point(|i| i.name.as_str() < name)..];
        let same_name = &rest[..rest.partition_point(|i| i.name == name)];
        rest_every = &rest_every[rest_every.partition_point(|i| i.name.as_str() < name)..];
        let every_same_name = &rest_every[..rest_every.partition_point(|i| i.name == name)];
        // Only the best-priority repos count; then the upgrade test.
        let best = group
            .iter()
            .map(|&k| prio(k))
            .min()
            .unwrap_or(SYSTEM_PRIORITY);
        upgrades.clear();
        upgrades.extend(
            group
                .iter()
                .copied()
                .filter(|&k| prio(k) == best && is_upgrade(&av[k], every_same_name)),
        );
        // Latest per name.arch; equal EVRs (the same NEVRA from several repos) all stay.
        upgrades.sort_by(|&a, &b| av[a].arch.cmp(av[b].arch));
        for same_arch in upgrades.chunk_by(|&a, &b| av[a].arch == av[b].arch) {
            let top = same_arch
                .iter()
                .map(|&k| av[k].evr)
                .max_by(|a, b| evr_cmp(a, b))
                .expect("non-empty group");
            updates.extend(
                same_arch
                    .iter()
                    .copied()
                    .filter(|&k| evr_cmp(av[k].evr, top) == Ordering::Equal),
            );
        }
        // `filter(obsoletes_by_priority=installed)`: installed packages take part in the
        // per-name priority grouping with @System's priority, as in libdnf.
        if u.obsoletes {
            let best = if same_name.is_empty() {
                best
            } else {
                best.min(SYSTEM_PRIORITY)
            };
            obsoleting.extend(
                group
                    .iter()
                    .copied()
                    .filter(|&k| prio(k) == best && !av[k].obsoletes.is_empty()),
            );
        }
    }
    // Deterministic whatever the input order (the callers sort their rows anyway).
    updates.sort_unstable();
    obsoleting.sort_unstable();
    Answer {
        updates,
        obsoletes: obsoleters(u, &obsoleting, &installed),
    }
}

/// dnf's pairing of each obsoleter candidate with `installed.filter(provides=new.obsoletes)`,
/// for those that obsolete an installed package by name and version; pairs in the order of
/// `candidates`, then of the installed packages.
fn obsoleters(
    u: &Universe,
    candidates: &[usize],
    installed_by_name: &[&InstalledPkg],
) -> Vec<(usize, usize)> {
    let mut pairs = Vec::new();
    for &k in candidates {
        let p = &u.available[k];
        let hits = p.obsoletes.iter().any(|dep| {
            named(installed_by_name, &dep.name)
                .iter()
                .any(|i| dep.matches_nevr(&i.name, &i.evr))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Dep, Evr};
    use std::collections::BTreeMap;

    /// The solver as it was written first (BTreeMaps keyed by name, every group looked up):
    /// the reference the sort-based grouping must agree with.
    fn reference(u: &Universe) -> Answer {
        let mut by_installed: BTreeMap<&str, Vec<&InstalledPkg>> = BTreeMap::new();
        for i in u.installed {
            by_installed.entry(i.name.as_str()).or_default().push(i);
        }
        let mut by_every: BTreeMap<&str, Vec<&InstalledPkg>> = BTreeMap::new();
        for i in u.all_installed {
            by_every.entry(i.name.as_str()).or_default().push(i);
        }
        let upgrade =
            |c: &AvailablePkg| is_upgrade(c, by_every.get(c.name).map_or(&[][..], |v| &v[..]));
        let usable: Vec<usize> = (0..u.available.len())
            .filter(|&k| !matches!(u.available[k].arch, "src" | "nosrc"))
            .collect();
        let prio = |k: usize| u.repos[u.available[k].repo].priority;
        let mut by_name: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for &k in &usable {
            by_name.entry(u.available[k].name).or_default().push(k);
        }
        let mut upgrades = Vec::new();
        for ks in by_name.values() {
            let best = ks.iter().map(|&k| prio(k)).min().unwrap_or(SYSTEM_PRIORITY);
            upgrades.extend(
                ks.iter()
                    .copied()
                    .filter(|&k| prio(k) == best && upgrade(&u.available[k])),
            );
        }
        let mut by_na: BTreeMap<(&str, &str), Vec<usize>> = BTreeMap::new();
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
                .unwrap();
            updates.extend(
                ks.iter()
                    .copied()
                    .filter(|&k| evr_cmp(u.available[k].evr, top) == Ordering::Equal),
            );
        }
        updates.sort_unstable();
        let mut pairs = Vec::new();
        if u.obsoletes {
            let mut best: BTreeMap<&str, i32> = BTreeMap::new();
            for &k in &usable {
                let p = &u.available[k];
                let e = best.entry(p.name).or_insert(prio(k));
                *e = (*e).min(prio(k));
            }
            for name in by_installed.keys() {
                if let Some(e) = best.get_mut(name) {
                    *e = (*e).min(SYSTEM_PRIORITY);
                }
            }
            for &k in &usable {
                let p = &u.available[k];
                if prio(k) != best[p.name] {
                    continue;
                }
                let hits = p.obsoletes.iter().any(|dep| {
                    by_installed
                        .get(dep.name.as_str())
                        .is_some_and(|v| v.iter().any(|i| dep.matches_nevr(&i.name, &i.evr)))
                });
                if !hits {
                    continue;
                }
                for (j, i) in u.installed.iter().enumerate() {
                    if p.obsoletes.iter().any(|dep| {
                        i.provides.iter().any(|prov| prov.overlaps(dep)) || self_provide(i, dep)
                    }) {
                        pairs.push((k, j));
                    }
                }
            }
        }
        Answer {
            updates,
            obsoletes: pairs,
        }
    }

    /// Random universes (few names, arches, EVRs and repo priorities, so that groups, ties,
    /// priorities and obsoletes all collide): the same answer as the reference.
    #[test]
    fn agrees_with_the_map_based_solver() {
        let mut rng = testkit::Rng::new(0x2545_F491_4F6C_DD1D);
        let mut rnd = move |n: usize| rng.below(n);
        let names = ["a", "b", "c", "d"];
        let arches = ["noarch", "x86_64", "i686", "aarch64", "src"];
        let flags = [
            None,
            Some("LT"),
            Some("LE"),
            Some("EQ"),
            Some("GE"),
            Some("GT"),
        ];
        let repos = [
            RepoRef {
                id: "r0".into(),
                priority: 10,
            },
            RepoRef {
                id: "r1".into(),
                priority: 99,
            },
            RepoRef {
                id: "r2".into(),
                priority: 99,
            },
            RepoRef {
                id: "r3".into(),
                priority: 120,
            },
        ];
        let (mut nonempty, mut with_obsoletes) = (0, 0);
        for round in 0..2000 {
            let evr = |rnd: &mut dyn FnMut(usize) -> usize| {
                Evr::new(rnd(2) as u32, &(1 + rnd(3)).to_string(), "1")
            };
            let dep = |rnd: &mut dyn FnMut(usize) -> usize| {
                let f = flags[rnd(flags.len())];
                let v = (1 + rnd(3)).to_string();
                Dep::from_xml(
                    names[rnd(names.len())],
                    f,
                    Some("0"),
                    f.map(|_| v.as_str()),
                    None,
                )
            };
            let every: Vec<InstalledPkg> = (0..rnd(6))
                .map(|_| InstalledPkg {
                    name: names[rnd(names.len())].into(),
                    evr: evr(&mut rnd),
                    arch: arches[rnd(4)].into(),
                    provides: (0..rnd(2)).map(|_| dep(&mut rnd)).collect(),
                })
                .collect();
            // Some installed packages hidden by main-level excludes.
            let installed: Vec<InstalledPkg> =
                every.iter().filter(|_| rnd(4) != 0).cloned().collect();
            let metadata: Vec<(String, Evr, String, usize, Vec<Dep>)> = (0..rnd(20))
                .map(|_| {
                    (
                        names[rnd(names.len())].to_string(),
                        evr(&mut rnd),
                        arches[rnd(arches.len())].to_string(),
                        rnd(repos.len()),
                        (0..rnd(3).saturating_sub(1))
                            .map(|_| dep(&mut rnd))
                            .collect(),
                    )
                })
                .collect();
            let available: Vec<AvailablePkg> = metadata
                .iter()
                .map(|(name, evr, arch, repo, obsoletes)| AvailablePkg {
                    name,
                    evr,
                    arch,
                    repo: *repo,
                    obsoletes,
                })
                .collect();
            let u = Universe {
                installed: &installed,
                all_installed: &every,
                available: &available,
                repos: &repos,
                obsoletes: round % 5 != 0,
            };
            let (got, want) = (solve(&u), reference(&u));
            assert_eq!(got.updates, want.updates, "round {round}");
            assert_eq!(got.obsoletes, want.obsoletes, "round {round}");
            nonempty += usize::from(!want.updates.is_empty());
            with_obsoletes += usize::from(!want.obsoletes.is_empty());
        }
        // The cases that matter were generated.
        assert!(
            nonempty > 300 && with_obsoletes > 50,
            "{nonempty} {with_obsoletes}"
        );
    }
}
