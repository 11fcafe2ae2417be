//! One scan of one image: configuration, installed packages, repositories, excludes and
//! includes, the update computation, and the advisories of each update.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;

use rootfs::Rootfs;

use crate::advisories::{self, AdvisoryHit};
use crate::config::{Config, ConfigError, Overrides};
use crate::image::{self, ImageError, Installed, RootfsFiles};
use crate::model::{AvailablePkg, Evr, InstalledPkg, RepoRef};
use crate::pattern::{Candidate, Spec};
use crate::repo::{self, Cache, RepoData};
use crate::solver::{self, Universe};

fn cand_i(p: &InstalledPkg) -> Candidate<'_> {
    Candidate {
        name: &p.name,
        evr: &p.evr,
        arch: &p.arch,
    }
}

fn cand_a<'a>(p: &AvailablePkg<'a>) -> Candidate<'a> {
    Candidate {
        name: p.name,
        evr: p.evr,
        arch: p.arch,
    }
}

/// Why a scan could not produce an answer at all.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("cannot open the image: {0}")]
    Rootfs(#[from] rootfs::Error),
    #[error("{0}")]
    Image(#[from] ImageError),
    #[error("{0}")]
    Config(#[from] ConfigError),
    #[error("failed to load repositories: {}", .0.iter().map(|(id, e)| format!("{id}: {e}")).collect::<Vec<_>>().join("; "))]
    Repos(Vec<(String, String)>),
    #[error(
        "no enabled repository ({defined} defined; the image's reposdir: {reposdir}): nothing \
         to compare the installed packages with (dnf check-update fails the same way); add one \
         with --repo-file FILE or enable one with --enable-repo ID"
    )]
    NoEnabledRepos { defined: usize, reposdir: String },
}

/// One line of updates.tsv.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Update {
    pub name: String,
    pub evr: Evr,
    pub arch: String,
    pub repo: String,
    /// The installed EVRs of the same name this replaces (compatible arch).
    pub installed: Vec<(Evr, String)>,
    pub advisories: Vec<String>,
}

/// One line of obsoletes.tsv.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Obsolete {
    pub name: String,
    pub evr: Evr,
    pub arch: String,
    pub repo: String,
    pub old_name: String,
    pub old_evr: Evr,
    pub old_arch: String,
}

/// A repository as the report shows it.
#[derive(Debug, Clone)]
pub struct RepoStatus {
    pub id: String,
    pub name: String,
    pub enabled: bool,
    pub priority: i32,
    pub gpgcheck: bool,
    pub baseurl: Vec<String>,
    pub loaded_from: Option<String>,
    pub packages: usize,
    pub advisories: usize,
    pub error: Option<String>,
}

/// Everything a scan found.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub updates: Vec<Update>,
    pub obsoletes: Vec<Obsolete>,
    /// `dnf updateinfo list` (available) rows.
    pub advisory_rows: Vec<AdvisoryHit>,
    pub advisories: BTreeMap<String, crate::metadata::updateinfo::Advisory>,
    pub repos: Vec<RepoStatus>,
    pub releasever: Option<String>,
    pub arch: String,
    pub basearch: String,
    pub os_release: Option<String>,
    pub installed_count: usize,
    pub warnings: Vec<String>,
}

/// Scans the image at `root` (a host path).
pub fn scan_path(root: &Path, overrides: &Overrides, cache: &Cache) -> Result<Outcome, ScanError> {
    let rootfs = Rootfs::open(root)?;
    scan(&rootfs, overrides, cache)
}

/// Scans an opened image.
pub fn scan(rootfs: &Rootfs, overrides: &Overrides, cache: &Cache) -> Result<Outcome, ScanError> {
    let timing = std::env::var_os("YUM_UPDATE_TIMING").is_some();
    let t0 = std::time::Instant::now();
    let phase = |what: &str| {
        if timing {
            eprintln!("{:>8.1} ms  {what}", t0.elapsed().as_secs_f64() * 1000.0);
        }
    };
    let files = RootfsFiles(rootfs);
    // While the rpm database is read, repositories whose URLs need no detected variable
    // ($releasever, $arch, ...) are already loaded; the real configuration reuses those whose
    // fetch settings come out identical.
    let (installed, mut early) = std::thread::scope(|sc| {
        let inst = sc.spawn(|| image::installed_packages(rootfs));
        let early: Vec<(LoadKey, Result<RepoData, repo::RepoError>)> =
            match Config::load(&files, BTreeMap::new(), overrides) {
                Ok(c) => {
                    let handles: Vec<_> = c
                        .repos
                        .into_iter()
                        .filter(|r| r.enabled && !LoadKey::of(r).0.contains('$'))
                        .map(|r| {
                            let key = LoadKey::of(&r);
                            (key, sc.spawn(move || repo::load(&r, cache)))
                        })
                        .collect();
                    handles
                        .into_iter()
                        .filter_map(|(k, h)| h.join().ok().map(|res| (k, res)))
                        .collect()
                }
                Err(_) => Vec::new(),
            };
        let inst = inst
            .join()
            .unwrap_or_else(|_| panic!("rpm database reader panicked"));
        (inst, early)
    });
    let installed = installed?;
    phase("installed packages read");
    let mut warnings = Vec::new();
    let arch = match &overrides.arch {
        Some(a) => a.clone(),
        None => crate::arch::detect_machine_arch(installed.iter().map(|i| i.pkg.arch.as_str()))
            .unwrap_or_else(|| {
                warnings.push(format!(
                    "no arch-specific package installed; assuming the scanner's arch {}",
                    std::env::consts::ARCH
                ));
                std::env::consts::ARCH.to_string()
            }),
    };
    let mut builtin = BTreeMap::new();
    builtin.insert("arch".to_string(), arch.clone());
    builtin.insert(
        "basearch".to_string(),
        crate::arch::basearch(&arch).to_string(),
    );
    if let Some(r) = crate::vars::detect_releasever(&installed) {
        builtin.insert("releasever".to_string(), r);
    } else {
        warnings.push("unable to detect the release version ($releasever)".into());
    }
    let config = Config::load(&files, builtin, overrides)?;
    warnings.extend(config.warnings.iter().cloned());
    if !config.repos.iter().any(|r| r.enabled) {
        return Err(ScanError::NoEnabledRepos {
            defined: config.repos.len(),
            reposdir: config.main.reposdir.join(", "),
        });
    }
    let os = rootfs::os_release::load(rootfs).ok().flatten();
    let os_release = os.as_ref().and_then(|o| o.pretty_name.clone());

    // Load the enabled repositories.
    let mut statuses = Vec::new();
    let mut loaded: Vec<(usize, RepoData)> = Vec::new();
    let mut failures = Vec::new();
    let results: Vec<Option<Result<RepoData, repo::RepoError>>> = std::thread::scope(|sc| {
        let handles: Vec<_> = config
            .repos
            .iter()
            .map(|r| {
                r.enabled.then(|| {
                    let key = LoadKey::of(r);
                    let reuse = early
                        .iter()
                        .position(|(k, _)| *k == key)
                        .map(|i| early.swap_remove(i).1);
                    sc.spawn(move || match reuse {
                        Some(res) => res,
                        None => repo::load(r, cache),
                    })
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err(repo::RepoError::Several("loader panicked".into())))
                })
            })
            .collect()
    });
    for ((k, r), res) in config.repos.iter().enumerate().zip(results) {
        let mut st = RepoStatus {
            id: r.id.clone(),
            name: r.name.clone(),
            enabled: r.enabled,
            priority: r.priority,
            gpgcheck: r.gpgcheck,
            baseurl: r.baseurl.clone(),
            loaded_from: None,
            packages: 0,
            advisories: 0,
            error: None,
        };
        match res {
            None => {}
            Some(Ok(d)) => {
                st.loaded_from = Some(d.baseurl.clone());
                st.packages = d.packages.len();
                st.advisories = d.advisories.len();
                loaded.push((k, d));
            }
            Some(Err(e)) => {
                st.error = Some(e.to_string());
                if r.skip_if_unavailable {
                    warnings.push(format!("repository {} skipped: {e}", r.id));
                } else {
                    failures.push((r.id.clone(), e.to_string()));
                }
            }
        }
        statuses.push(st);
    }
    if !failures.is_empty() {
        return Err(ScanError::Repos(failures));
    }
    phase("repositories loaded");

    // The solver's universe.
    let repo_refs: Vec<RepoRef> = loaded
        .iter()
        .map(|(k, _)| RepoRef {
            id: config.repos[*k].id.clone(),
            priority: config.repos[*k].priority,
        })
        .collect();
    let mut available: Vec<AvailablePkg> = Vec::new();
    for (ri, (_, d)) in loaded.iter().enumerate() {
        for p in d.packages.iter() {
            if p.arch == "src" || p.arch == "nosrc" {
                continue;
            }
            available.push(AvailablePkg {
                name: &p.name,
                evr: &p.evr,
                arch: &p.arch,
                repo: ri,
                obsoletes: &p.obsoletes,
            });
        }
    }
    let installed_pkgs: Vec<InstalledPkg> = installed.into_iter().map(|i| i.pkg).collect();
    let (inst_vis, mut avail_vis) = visibility(&config, &loaded, &installed_pkgs, &available);
    let platform = config
        .main
        .module_platform_id
        .clone()
        .or_else(|| os.as_ref().and_then(|o| o.platform_id.clone()));
    let masking = module_masking(&files, &loaded, platform.as_deref())?;
    if let Some(m) = &masking {
        let hotfix: Vec<bool> = loaded
            .iter()
            .map(|(k, _)| config.repos[*k].module_hotfixes)
            .collect();
        let mut provides = loaded.iter().flat_map(|(_, d)| {
            d.packages
                .iter()
                .filter(|p| p.arch != "src" && p.arch != "nosrc")
        });
        for (a, p) in available.iter().enumerate() {
            let prim = provides
                .next()
                .expect("one primary entry per available package");
            if hotfix[p.repo] || !avail_vis[a] {
                continue;
            }
            let key = crate::modules::nevra_key(p.name, p.evr, p.arch);
            if m.include.contains(&key) {
                continue;
            }
            if m.exclude.contains(&key)
                || m.names.contains(p.name)
                || prim.provide_names().any(|n| m.names.contains(n))
            {
                avail_vis[a] = false;
            }
        }
        if !m.active.is_empty() {
            warnings.push(format!(
                "active module streams: {}",
                m.active.iter().cloned().collect::<Vec<_>>().join(", ")
            ));
        }
    }
    let active_modules = masking.map(|m| m.active).unwrap_or_default();
    // Usually every installed package is visible: no copy then.
    let inst_f: Cow<[InstalledPkg]> = if inst_vis.iter().all(|v| *v) {
        Cow::Borrowed(&installed_pkgs)
    } else {
        installed_pkgs
            .iter()
            .zip(&inst_vis)
            .filter(|(_, v)| **v)
            .map(|(p, _)| p.clone())
            .collect()
    };
    let avail_f: Vec<AvailablePkg> = available
        .iter()
        .zip(&avail_vis)
        .filter(|(_, v)| **v)
        .map(|(p, _)| *p)
        .collect();
    phase("excludes applied");
    let answer = solver::solve(&Universe {
        installed: &inst_f,
        all_installed: &installed_pkgs,
        available: &avail_f,
        repos: &repo_refs,
        obsoletes: config.main.obsoletes,
    });

    phase("solved");
    // Advisories from every loaded repo.
    let all_adv: Vec<&crate::metadata::updateinfo::Advisory> = loaded
        .iter()
        .flat_map(|(_, d)| d.advisories.iter())
        .collect();
    // Installed packages hidden by main-level excludes/includes count as not installed, as in
    // dnf's installed query.
    let advisory_rows = advisories::available(&all_adv, &inst_f, &active_modules);

    let mut inst_by_name: BTreeMap<&str, Vec<&InstalledPkg>> = BTreeMap::new();
    for i in installed_pkgs.iter() {
        inst_by_name.entry(i.name.as_str()).or_default().push(i);
    }
    let adv_index = advisories::Index::new(&all_adv, &active_modules);
    let mut updates: Vec<Update> = answer
        .updates
        .iter()
        .map(|&k| {
            let p = &avail_f[k];
            let inst: Vec<(Evr, String)> = inst_by_name
                .get(p.name)
                .into_iter()
                .flatten()
                .filter(|i| i.arch == p.arch || i.arch == "noarch" || p.arch == "noarch")
                .map(|i| (i.evr.clone(), i.arch.clone()))
                .collect();
            Update {
                advisories: adv_index.fixed_by(p, &inst),
                name: p.name.to_string(),
                evr: p.evr.clone(),
                arch: p.arch.to_string(),
                repo: repo_refs[p.repo].id.clone(),
                installed: inst,
            }
        })
        .collect();
    updates.sort();
    updates.dedup_by(|a, b| {
        a.name == b.name && a.evr == b.evr && a.arch == b.arch && a.repo == b.repo
    });
    let mut obsoletes: Vec<Obsolete> = answer
        .obsoletes
        .iter()
        .map(|&(k, j)| {
            let p = &avail_f[k];
            let o = &inst_f[j];
            Obsolete {
                name: p.name.to_string(),
                evr: p.evr.clone(),
                arch: p.arch.to_string(),
                repo: repo_refs[p.repo].id.clone(),
                old_name: o.name.clone(),
                old_evr: o.evr.clone(),
                old_arch: o.arch.clone(),
            }
        })
        .collect();
    obsoletes.sort();
    obsoletes.dedup();

    phase("advisories matched");
    let mut adv_map = BTreeMap::new();
    for a in &all_adv {
        adv_map.entry(a.id.clone()).or_insert_with(|| (*a).clone());
    }
    phase("outcome assembled");
    Ok(Outcome {
        updates,
        obsoletes,
        advisory_rows,
        advisories: adv_map,
        repos: statuses,
        releasever: config.vars.get("releasever").cloned(),
        basearch: config.vars.get("basearch").cloned().unwrap_or_default(),
        arch,
        os_release,
        installed_count: installed_pkgs.len(),
        warnings,
    })
}

/// Everything that decides how a repository is fetched (URLs, TLS, proxy), as one comparable
/// value; its first field holds the URLs.
#[derive(Debug, Clone, PartialEq, Eq)]
struct LoadKey(String, String);

impl LoadKey {
    fn of(r: &crate::config::RepoConfig) -> LoadKey {
        LoadKey(
            format!("{:?} {:?} {:?}", r.baseurl, r.mirrorlist, r.metalink),
            format!(
                "{:?} {} {:?} {:?} {:?} {:?} {:?} {:?}",
                r.sslcacert,
                r.sslverify,
                r.sslclientcert,
                r.sslclientkey,
                r.proxy,
                r.proxy_username,
                r.proxy_password,
                r.skip_if_unavailable
            ),
        )
    }
}

/// Applies excludepkgs/includepkgs as dnf's `_setup_excludes_includes` does: patterns are
/// resolved against every package (installed and available); repo-level ones then only affect
/// that repo's packages; main-level ones affect everything, installed packages included.
fn visibility(
    config: &Config,
    loaded: &[(usize, RepoData)],
    installed: &[InstalledPkg],
    available: &[AvailablePkg],
) -> (Vec<bool>, Vec<bool>) {
    let all = || -> Box<dyn Iterator<Item = Candidate<'_>> + '_> {
        Box::new(
            installed
                .iter()
                .map(|p| Candidate {
                    name: &p.name,
                    evr: &p.evr,
                    arch: &p.arch,
                })
                .chain(available.iter().map(cand_a)),
        )
    };
    let specs = |patterns: &[String]| -> Vec<Spec> {
        let mut uniq: Vec<&String> = patterns.iter().collect();
        uniq.sort();
        uniq.dedup();
        uniq.into_iter().map(|p| Spec::resolve(p, all)).collect()
    };
    let disabled = &config.main.disable_excludes;
    let all_disabled = disabled.iter().any(|d| d == "all");
    let mut inst_vis = vec![true; installed.len()];
    let mut avail_vis = vec![true; available.len()];
    if all_disabled {
        return (inst_vis, avail_vis);
    }
    // Per repo: (uses includes, included flags) and excludes.
    let mut repo_uses_includes = vec![false; loaded.len()];
    let mut included_avail = vec![false; available.len()];
    for (ri, (k, _)) in loaded.iter().enumerate() {
        let rc = &config.repos[*k];
        if disabled.iter().any(|d| d == &rc.id) {
            continue;
        }
        if !rc.includepkgs.is_empty() {
            repo_uses_includes[ri] = true;
            let inc = specs(&rc.includepkgs);
            for (a, p) in available.iter().enumerate() {
                if p.repo == ri && inc.iter().any(|s| s.matches(&cand_a(p))) {
                    included_avail[a] = true;
                }
            }
        }
        let exc = specs(&rc.excludepkgs);
        for (a, p) in available.iter().enumerate() {
            if p.repo == ri && exc.iter().any(|s| s.matches(&cand_a(p))) {
                avail_vis[a] = false;
            }
        }
    }
    let mut main_includes = false;
    let mut included_inst = vec![false; installed.len()];
    if !disabled.iter().any(|d| d == "main") {
        let exc = specs(&config.main.excludepkgs);
        for (v, p) in avail_vis.iter_mut().zip(available) {
            if exc.iter().any(|s| s.matches(&cand_a(p))) {
                *v = false;
            }
        }
        for (v, p) in inst_vis.iter_mut().zip(installed) {
            if exc.iter().any(|s| s.matches(&cand_i(p))) {
                *v = false;
            }
        }
        if !config.main.includepkgs.is_empty() {
            main_includes = true;
            let inc = specs(&config.main.includepkgs);
            for (a, p) in available.iter().enumerate() {
                if inc.iter().any(|s| s.matches(&cand_a(p))) {
                    included_avail[a] = true;
                }
            }
            for (j, p) in installed.iter().enumerate() {
                if inc.iter().any(|s| s.matches(&cand_i(p))) {
                    included_inst[j] = true;
                }
            }
        }
    }
    for (a, p) in available.iter().enumerate() {
        let uses = main_includes || repo_uses_includes[p.repo];
        if uses && !included_avail[a] {
            avail_vis[a] = false;
        }
    }
    if main_includes {
        for (v, inc) in inst_vis.iter_mut().zip(&included_inst) {
            if !inc {
                *v = false;
            }
        }
    }
    (inst_vis, avail_vis)
}

/// The modular masking when any loaded repo has modules metadata: the repos' streams and
/// defaults with the image's `/etc/dnf/modules.d` state.
fn module_masking(
    files: &RootfsFiles,
    loaded: &[(usize, RepoData)],
    platform: Option<&str>,
) -> Result<Option<crate::modules::Masking>, ScanError> {
    use crate::config::ImageFiles;
    let mds: Vec<&crate::modules::ModuleMetadata> = loaded
        .iter()
        .filter_map(|(_, d)| d.modules.as_deref())
        .collect();
    if mds.is_empty() {
        return Ok(None);
    }
    let mut merged = crate::modules::ModuleMetadata::default();
    for md in mds {
        merged.streams.extend(md.streams.iter().cloned());
        for (k, v) in &md.defaults {
            merged
                .defaults
                .entry(k.clone())
                .or_insert_with(|| v.clone());
        }
    }
    let mut state = BTreeMap::new();
    let dir = "/etc/dnf/modules.d";
    let mut names = files.list_files(dir)?;
    names.sort();
    for n in names.iter().filter(|n| n.ends_with(".module")) {
        if let Some(text) = files.read_bytes(&format!("{dir}/{n}"))? {
            crate::modules::parse_state(&text, &mut state);
        }
    }
    let mut m = crate::modules::masking(&merged, &state, platform);
    m.include = m
        .include
        .iter()
        .map(|a| crate::modules::normalize_artifact(a))
        .collect();
    m.exclude = m
        .exclude
        .iter()
        .map(|a| crate::modules::normalize_artifact(a))
        .collect();
    Ok(Some(m))
}

/// Installed packages of a scan, for callers that need them (benchmarks, reports).
pub fn installed(rootfs: &Rootfs) -> Result<Vec<Installed>, ScanError> {
    Ok(image::installed_packages(rootfs)?)
}
