//! Which updateinfo advisories apply to the image: the `dnf updateinfo list` rows (advisory
//! packages newer than the latest installed package of the same name.arch) and, for each
//! update, the advisories it fixes. Collections tied to module streams count only when one of
//! their streams is active in the image.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use crate::metadata::updateinfo::Advisory;
use crate::model::{evr_cmp, AvailablePkg, Evr, InstalledPkg};

/// A package of a modular collection applies only when one of its streams is active.
fn applies(p: &crate::metadata::updateinfo::AdvisoryPkg, active: &BTreeSet<String>) -> bool {
    !p.modular || p.modules.iter().any(|m| active.contains(m))
}

/// One `dnf updateinfo list` row.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct AdvisoryHit {
    pub nevra: String,
    pub id: String,
    pub kind: String,
    pub severity: String,
    pub name: String,
    pub arch: String,
    pub evr: Evr,
}

impl AdvisoryHit {
    /// dnf's type label: `Important/Sec.` for security advisories, else the type.
    pub fn label(&self) -> String {
        if self.kind == "security" {
            match self.severity.as_str() {
                "Critical" | "Important" | "Moderate" | "Low" => format!("{}/Sec.", self.severity),
                _ => "Unknown/Sec.".to_string(),
            }
        } else {
            match self.kind.as_str() {
                "bugfix" | "enhancement" | "newpackage" => self.kind.clone(),
                _ => "unknown".to_string(),
            }
        }
    }
}

/// `dnf updateinfo list` (availability "available"): advisory packages whose EVR is greater than
/// the latest installed package of the same name and arch.
pub fn available(
    advisories: &[&Advisory],
    installed: &[InstalledPkg],
    active_modules: &BTreeSet<String>,
) -> Vec<AdvisoryHit> {
    let mut latest: BTreeMap<(&str, &str), &Evr> = BTreeMap::new();
    for i in installed {
        let e = latest
            .entry((i.name.as_str(), i.arch.as_str()))
            .or_insert(&i.evr);
        if evr_cmp(&i.evr, e) == Ordering::Greater {
            *e = &i.evr;
        }
    }
    let mut out = BTreeSet::new();
    for a in advisories {
        for p in &a.packages {
            if !applies(p, active_modules) {
                continue;
            }
            let Some(inst) = latest.get(&(p.name.as_str(), p.arch.as_str())) else {
                continue;
            };
            if evr_cmp(&p.evr, inst) == Ordering::Greater {
                out.insert(AdvisoryHit {
                    nevra: format!("{}-{}.{}", p.name, p.evr, p.arch),
                    id: a.id.clone(),
                    kind: a.kind.clone(),
                    severity: a.severity.clone(),
                    name: p.name.clone(),
                    arch: p.arch.clone(),
                    evr: p.evr.clone(),
                });
            }
        }
    }
    out.into_iter().collect()
}

/// Advisory packages indexed by (name, arch), for matching updates against them.
pub struct Index<'a> {
    by_na: BTreeMap<(&'a str, &'a str), Vec<(&'a str, &'a Evr)>>,
}

impl<'a> Index<'a> {
    pub fn new(advisories: &[&'a Advisory], active_modules: &BTreeSet<String>) -> Index<'a> {
        let mut by_na: BTreeMap<(&str, &str), Vec<(&str, &Evr)>> = BTreeMap::new();
        for a in advisories {
            for p in a.packages.iter().filter(|p| applies(p, active_modules)) {
                by_na
                    .entry((p.name.as_str(), p.arch.as_str()))
                    .or_default()
                    .push((a.id.as_str(), &p.evr));
            }
        }
        Index { by_na }
    }

    /// Advisory ids an update fixes: a package of the advisory with the update's name and arch,
    /// newer than every installed version it replaces and not newer than the update.
    pub fn fixed_by(&self, update: &AvailablePkg, installed: &[(Evr, String)]) -> Vec<String> {
        let mut ids = BTreeSet::new();
        if let Some(v) = self.by_na.get(&(update.name, update.arch)) {
            for (id, evr) in v {
                if evr_cmp(evr, update.evr) != Ordering::Greater
                    && installed
                        .iter()
                        .all(|(e, _)| evr_cmp(evr, e) == Ordering::Greater)
                {
                    ids.insert(id.to_string());
                }
            }
        }
        ids.into_iter().collect()
    }
}
