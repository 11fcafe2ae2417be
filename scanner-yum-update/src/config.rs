//! The image's dnf configuration: the main options from `/etc/dnf/dnf.conf` (or `/etc/yum.conf`
//! when there is no dnf.conf), the repositories of every `*.repo` file in the reposdirs, the
//! variables of the varsdirs, and the scanner's overrides (extra repo files, base URLs,
//! releasever, arch, disabled repos). Nothing is read from the host's configuration.

use std::collections::{BTreeMap, HashMap};

use crate::ini::{self, Section};
use crate::vars::substitute;

/// Reading the image's configuration failed.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("reading {path} in the image: {message}")]
    Image { path: String, message: String },
    #[error("reading repo file {path}: {source}")]
    HostRepoFile {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("parsing {path} in the image failed: {source}")]
    Parse {
        path: String,
        #[source]
        source: ini::IniError,
    },
    #[error(
        "[{section}] {key} in {path} in the image would be longer than {limit} bytes once its \
         variables are substituted"
    )]
    ValueTooLong {
        path: String,
        section: String,
        key: String,
        limit: usize,
    },
    #[error("bad override {what}: {value}")]
    BadOverride { what: &'static str, value: String },
}

/// Read access to the image (implemented over the confined `rootfs` API).
pub trait ImageFiles {
    /// The text of a regular file, `None` when it does not exist.
    fn read_text(&self, path: &str) -> Result<Option<String>, ConfigError>;
    /// The bytes of a regular file, `None` when it does not exist: dnf reads its INI files as
    /// bytes, not text.
    fn read_bytes(&self, path: &str) -> Result<Option<Vec<u8>>, ConfigError> {
        Ok(self.read_text(path)?.map(String::into_bytes))
    }
    /// Names of the regular files (after following links) in a directory; empty when the
    /// directory does not exist.
    fn list_files(&self, dir: &str) -> Result<Vec<String>, ConfigError>;
}

/// An image made of files in memory (image path to text), for tests and fuzzing.
#[derive(Debug, Clone, Default)]
pub struct MemoryImage(pub BTreeMap<String, String>);

impl ImageFiles for MemoryImage {
    fn read_text(&self, path: &str) -> Result<Option<String>, ConfigError> {
        Ok(self.0.get(path).cloned())
    }
    fn list_files(&self, dir: &str) -> Result<Vec<String>, ConfigError> {
        let prefix = format!("{}/", dir.trim_end_matches('/'));
        Ok(self
            .0
            .keys()
            .filter_map(|k| k.strip_prefix(&prefix))
            .filter(|n| !n.contains('/'))
            .map(str::to_string)
            .collect())
    }
}

/// `[main]` options the scan needs.
#[derive(Debug, Clone)]
pub struct MainConfig {
    /// Which file they came from (image path), or None for built-in defaults.
    pub file: Option<String>,
    pub reposdir: Vec<String>,
    pub varsdir: Vec<String>,
    pub excludepkgs: Vec<String>,
    pub includepkgs: Vec<String>,
    pub disable_excludes: Vec<String>,
    pub obsoletes: bool,
    pub skip_if_unavailable: bool,
    pub gpgcheck: bool,
    pub sslverify: bool,
    pub sslcacert: Option<String>,
    pub sslclientcert: Option<String>,
    pub sslclientkey: Option<String>,
    pub proxy: Option<String>,
    pub proxy_username: Option<String>,
    pub proxy_password: Option<String>,
    pub module_platform_id: Option<String>,
}

impl Default for MainConfig {
    fn default() -> Self {
        MainConfig {
            file: None,
            reposdir: vec![
                "/etc/yum.repos.d".into(),
                "/etc/yum/repos.d".into(),
                "/etc/distro.repos.d".into(),
            ],
            varsdir: vec!["/etc/yum/vars".into(), "/etc/dnf/vars".into()],
            excludepkgs: Vec::new(),
            includepkgs: Vec::new(),
            disable_excludes: Vec::new(),
            obsoletes: true,
            skip_if_unavailable: false,
            gpgcheck: false,
            sslverify: true,
            sslcacert: None,
            sslclientcert: None,
            sslclientkey: None,
            proxy: None,
            proxy_username: None,
            proxy_password: None,
            module_platform_id: None,
        }
    }
}

/// One repository definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoConfig {
    pub id: String,
    pub name: String,
    /// Where it was defined (image path or host path of an extra file).
    pub file: String,
    pub baseurl: Vec<String>,
    pub mirrorlist: Option<String>,
    pub metalink: Option<String>,
    pub enabled: bool,
    pub priority: i32,
    pub cost: i32,
    pub excludepkgs: Vec<String>,
    pub includepkgs: Vec<String>,
    pub skip_if_unavailable: bool,
    pub module_hotfixes: bool,
    pub gpgcheck: bool,
    pub sslverify: bool,
    pub sslcacert: Option<String>,
    pub sslclientcert: Option<String>,
    pub sslclientkey: Option<String>,
    pub proxy: Option<String>,
    pub proxy_username: Option<String>,
    pub proxy_password: Option<String>,
}

/// Scanner-side overrides.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// Extra `.repo` files on the host, read after the image's.
    pub extra_repo_files: Vec<std::path::PathBuf>,
    /// Replace the base URLs of a repo: (repo id, url).
    pub baseurls: Vec<(String, String)>,
    pub releasever: Option<String>,
    /// Machine arch (`$arch`); `$basearch` follows from it.
    pub arch: Option<String>,
    /// `$basearch` override.
    pub basearch: Option<String>,
    /// Repo ids (globs) to disable.
    pub disable_repos: Vec<String>,
    /// Repo ids (globs) to enable.
    pub enable_repos: Vec<String>,
}

/// The whole configuration of a scan.
#[derive(Debug, Clone)]
pub struct Config {
    pub main: MainConfig,
    pub vars: BTreeMap<String, String>,
    /// Enabled and disabled repos in definition order (duplicate ids: the first wins).
    pub repos: Vec<RepoConfig>,
    pub warnings: Vec<String>,
}

/// An option's value with the variables substituted; `None` (the word) reads as empty, as in
/// dnf's `_populate`.
fn opt(sec: &Section, key: &str, vars: &BTreeMap<String, String>) -> Option<String> {
    sec.get(key).map(|v| opt_value(v, vars))
}

/// A raw value as [`opt`] reads it.
fn opt_value(v: &str, vars: &BTreeMap<String, String>) -> String {
    let v = substitute(v, vars);
    if v == "None" {
        String::new()
    } else {
        v
    }
}

/// A boolean option, variables substituted (dnf reads every value substituted).
fn opt_bool(
    sec: &Section,
    key: &str,
    default: bool,
    vars: &BTreeMap<String, String>,
    warnings: &mut Vec<String>,
) -> bool {
    match opt(sec, key, vars) {
        None => default,
        Some(v) => ini::boolean(&v).unwrap_or_else(|| {
            warnings.push(format!(
                "[{}] {key}={v}: not a boolean, using {default}",
                sec.name
            ));
            default
        }),
    }
}

/// An "append" list option (excludepkgs/exclude, includepkgs): every key of `keys` in file
/// order adds its items; an empty value, or an empty first item, empties the list first.
fn opt_list(sec: &Section, keys: &[&str], vars: &BTreeMap<String, String>) -> Vec<String> {
    let mut out = Vec::new();
    for (k, v) in sec.entries() {
        if !keys.contains(&k.as_str()) {
            continue;
        }
        let v = opt_value(v, vars);
        if v.is_empty() {
            out.clear();
        }
        for (i, item) in ini::list(&v).into_iter().enumerate() {
            if !item.is_empty() {
                out.push(item);
            } else if i == 0 {
                out.clear();
            }
        }
    }
    out
}

/// A plain list option (baseurl, reposdir, varsdir, disable_excludes): the items of its value.
fn opt_plain_list(sec: &Section, key: &str, vars: &BTreeMap<String, String>) -> Vec<String> {
    opt(sec, key, vars)
        .map(|v| {
            ini::list(&v)
                .into_iter()
                .filter(|i| !i.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

impl MainConfig {
    /// Reads the main options from the image: `/etc/dnf/dnf.conf`, else `/etc/yum.conf`. Also
    /// returns the file's bytes, whose other sections define repositories. A file dnf cannot
    /// parse is an error, as dnf refuses to run with it.
    pub fn load(
        img: &dyn ImageFiles,
        warnings: &mut Vec<String>,
    ) -> Result<(MainConfig, Option<Vec<u8>>), ConfigError> {
        let mut main = MainConfig::default();
        for path in ["/etc/dnf/dnf.conf", "/etc/yum.conf"] {
            if let Some(text) = img.read_bytes(path)? {
                main.file = Some(path.to_string());
                let no_vars = BTreeMap::new();
                let sections = ini::parse_bytes(&text).map_err(|source| ConfigError::Parse {
                    path: path.to_string(),
                    source,
                })?;
                if let Some(sec) = sections.iter().find(|s| s.name == "main") {
                    main.apply(sec, &no_vars, warnings);
                }
                return Ok((main, Some(text)));
            }
        }
        Ok((main, None))
    }

    fn apply(
        &mut self,
        sec: &Section,
        vars: &BTreeMap<String, String>,
        warnings: &mut Vec<String>,
    ) {
        if sec.get("reposdir").is_some() {
            self.reposdir = opt_plain_list(sec, "reposdir", vars);
        }
        if sec.get("varsdir").is_some() {
            self.varsdir = opt_plain_list(sec, "varsdir", vars);
        }
        self.excludepkgs = opt_list(sec, &["exclude", "excludepkgs"], vars);
        self.includepkgs = opt_list(sec, &["includepkgs"], vars);
        self.disable_excludes = opt_plain_list(sec, "disable_excludes", vars);
        self.obsoletes = opt_bool(sec, "obsoletes", self.obsoletes, vars, warnings);
        self.skip_if_unavailable = opt_bool(
            sec,
            "skip_if_unavailable",
            self.skip_if_unavailable,
            vars,
            warnings,
        );
        self.gpgcheck = opt_bool(sec, "gpgcheck", self.gpgcheck, vars, warnings);
        self.sslverify = opt_bool(sec, "sslverify", self.sslverify, vars, warnings);
        for (key, slot) in [
            ("sslcacert", &mut self.sslcacert),
            ("sslclientcert", &mut self.sslclientcert),
            ("sslclientkey", &mut self.sslclientkey),
            ("proxy", &mut self.proxy),
            ("proxy_username", &mut self.proxy_username),
            ("proxy_password", &mut self.proxy_password),
            ("module_platform_id", &mut self.module_platform_id),
        ] {
            if let Some(v) = opt(sec, key, vars) {
                *slot = Some(v).filter(|v| !v.is_empty());
            }
        }
    }
}

/// Reads the variables of the varsdirs (later directories override earlier ones): each regular
/// file defines `$<file name>` as its first line.
pub fn load_vars(
    img: &dyn ImageFiles,
    varsdir: &[String],
    vars: &mut BTreeMap<String, String>,
) -> Result<(), ConfigError> {
    for dir in varsdir {
        let mut names = img.list_files(dir)?;
        names.sort();
        for name in names {
            let path = format!("{}/{}", dir.trim_end_matches('/'), name);
            if let Some(text) = img.read_text(&path)? {
                let first = text.split('\n').next().unwrap_or_default();
                vars.insert(name, first.to_string());
            }
        }
    }
    Ok(())
}

fn repo_from_section(
    sec: &Section,
    file: &str,
    main: &MainConfig,
    vars: &BTreeMap<String, String>,
    warnings: &mut Vec<String>,
) -> RepoConfig {
    let id = substitute(&sec.name, vars);
    let priority = match opt(sec, "priority", vars) {
        None => 99,
        Some(v) => v.trim().parse().unwrap_or_else(|_| {
            warnings.push(format!("[{id}] priority={v}: not a number, using 99"));
            99
        }),
    };
    let cost = opt(sec, "cost", vars)
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(1000);
    let inherit = |key: &str, main_value: &Option<String>| -> Option<String> {
        match opt(sec, key, vars) {
            Some(v) => Some(v).filter(|v| !v.is_empty()),
            None => main_value.clone(),
        }
    };
    RepoConfig {
        name: opt(sec, "name", vars).unwrap_or_else(|| id.clone()),
        file: file.to_string(),
        // A local path is a file:// URL (libdnf's baseurl option).
        baseurl: opt_plain_list(sec, "baseurl", vars)
            .into_iter()
            .map(|u| {
                if u.starts_with('/') {
                    format!("file://{u}")
                } else {
                    u
                }
            })
            .collect(),
        mirrorlist: opt(sec, "mirrorlist", vars).filter(|v| !v.is_empty()),
        metalink: opt(sec, "metalink", vars).filter(|v| !v.is_empty()),
        enabled: opt_bool(sec, "enabled", true, vars, warnings),
        priority,
        cost,
        excludepkgs: opt_list(sec, &["exclude", "excludepkgs"], vars),
        includepkgs: opt_list(sec, &["includepkgs"], vars),
        skip_if_unavailable: opt_bool(
            sec,
            "skip_if_unavailable",
            main.skip_if_unavailable,
            vars,
            warnings,
        ),
        module_hotfixes: opt_bool(sec, "module_hotfixes", false, vars, warnings),
        gpgcheck: opt_bool(sec, "gpgcheck", main.gpgcheck, vars, warnings),
        sslverify: opt_bool(sec, "sslverify", main.sslverify, vars, warnings),
        sslcacert: inherit("sslcacert", &main.sslcacert),
        sslclientcert: inherit("sslclientcert", &main.sslclientcert),
        sslclientkey: inherit("sslclientkey", &main.sslclientkey),
        proxy: inherit("proxy", &main.proxy),
        proxy_username: inherit("proxy_username", &main.proxy_username),
        proxy_password: inherit("proxy_password", &main.proxy_password),
        id,
    }
}

/// The characters libdnf allows in a repository id (`Repo::verifyId`).
fn valid_repo_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// The repositories defined so far, and where each id is among them (an image may define
/// very many).
#[derive(Default)]
struct Repos {
    list: Vec<RepoConfig>,
    by_id: HashMap<String, usize>,
}

/// Adds the repositories of one file. A file that does not parse is skipped whole, with a
/// warning, as dnf skips it.
/// The longest a section name or option value may be once its variables are substituted.
pub const MAX_SUBSTITUTED: usize = 4 << 20;

/// The key (or `[]` for the section name) of `sec` whose value could exceed
/// [`MAX_SUBSTITUTED`] once substituted: each `$` adds at most `longest` (the longest
/// variable), so a value of many `$a` and a vars file of megabytes would otherwise expand to
/// terabytes.
fn too_long_once_substituted(sec: &Section, longest: usize) -> Option<String> {
    let bound = |v: &str| {
        let dollars = v.bytes().filter(|&b| b == b'$').count();
        v.len().saturating_add(dollars.saturating_mul(longest))
    };
    if bound(&sec.name) > MAX_SUBSTITUTED {
        return Some("[]".into());
    }
    sec.entries()
        .iter()
        .find(|(_, v)| bound(v) > MAX_SUBSTITUTED)
        .map(|(k, _)| k.clone())
}

/// `longest_var`: the length of the longest value in `vars`.
fn add_repos(
    text: &[u8],
    file: &str,
    main: &MainConfig,
    vars: &BTreeMap<String, String>,
    longest_var: usize,
    repos: &mut Repos,
    warnings: &mut Vec<String>,
) -> Result<(), ConfigError> {
    let sections = match ini::parse_bytes(text) {
        Ok(s) => s,
        Err(e) => {
            warnings.push(format!("parsing {file} failed ({e}): skipped"));
            return Ok(());
        }
    };
    for sec in sections {
        if sec.name == "main" {
            continue;
        }
        if let Some(key) = too_long_once_substituted(&sec, longest_var) {
            return Err(ConfigError::ValueTooLong {
                path: file.to_string(),
                section: sec.name.clone(),
                key,
                limit: MAX_SUBSTITUTED,
            });
        }
        let repo = repo_from_section(&sec, file, main, vars, warnings);
        if !valid_repo_id(&repo.id) {
            warnings.push(format!(
                "bad id for repository [{}] in {file}: skipped",
                sec.name
            ));
            continue;
        }
        if let Some(&prev) = repos.by_id.get(&repo.id) {
            warnings.push(format!(
                "repository {} is listed more than once ({} and {}); the first is used",
                repo.id, repos.list[prev].file, file
            ));
            continue;
        }
        repos.by_id.insert(repo.id.clone(), repos.list.len());
        repos.list.push(repo);
    }
    Ok(())
}

/// The `*.repo` files of all the reposdirs in the order dnf reads them: one list sorted by path
/// components with the `.repo` suffix left out (so `a.repo` comes before `a-b.repo`, and
/// `/etc/yum/repos.d` before `/etc/yum.repos.d`); hidden files are not matched.
fn repo_files(img: &dyn ImageFiles, reposdir: &[String]) -> Result<Vec<String>, ConfigError> {
    let mut files: Vec<(Vec<String>, String)> = Vec::new();
    for dir in reposdir {
        for name in img.list_files(dir)? {
            let Some(stem) = name.strip_suffix(".repo") else {
                continue;
            };
            if name.starts_with('.') {
                continue;
            }
            let dir = dir.trim_end_matches('/');
            let key = format!("{dir}/{stem}")
                .split('/')
                .filter(|c| !c.is_empty())
                .map(str::to_string)
                .collect();
            files.push((key, format!("{dir}/{name}")));
        }
    }
    files.sort();
    Ok(files.into_iter().map(|(_, p)| p).collect())
}

impl Config {
    /// Loads everything. `builtin` holds `releasever`, `arch`, `basearch` (and anything else the
    /// caller derived); varsdir files override them, as dnf does; then `overrides` apply.
    pub fn load(
        img: &dyn ImageFiles,
        builtin: BTreeMap<String, String>,
        overrides: &Overrides,
    ) -> Result<Config, ConfigError> {
        let mut warnings = Vec::new();
        let (main, main_text) = MainConfig::load(img, &mut warnings)?;
        let mut vars = builtin;
        load_vars(img, &main.varsdir, &mut vars)?;
        if let Some(r) = &overrides.releasever {
            vars.insert("releasever".into(), r.clone());
        }
        if let Some(a) = &overrides.arch {
            vars.insert("arch".into(), a.clone());
            vars.insert("basearch".into(), crate::arch::basearch(a).to_string());
        }
        if let Some(b) = &overrides.basearch {
            vars.insert("basearch".into(), b.clone());
        }
        if let Some(r) = vars.get("releasever").cloned() {
            let (major, minor) = match r.split_once('.') {
                Some((a, b)) => (a.to_string(), b.to_string()),
                None => (r.clone(), String::new()),
            };
            vars.entry("releasever_major".into()).or_insert(major);
            vars.entry("releasever_minor".into()).or_insert(minor);
        }
        let longest_var = vars.values().map(String::len).max().unwrap_or(0);
        let mut repos = Repos::default();
        // Repositories defined in the main configuration file come first.
        if let (Some(text), Some(file)) = (&main_text, &main.file) {
            add_repos(
                text,
                file,
                &main,
                &vars,
                longest_var,
                &mut repos,
                &mut warnings,
            )?;
        }
        for path in repo_files(img, &main.reposdir)? {
            if let Some(text) = img.read_bytes(&path)? {
                add_repos(
                    &text,
                    &path,
                    &main,
                    &vars,
                    longest_var,
                    &mut repos,
                    &mut warnings,
                )?;
            }
        }
        for extra in &overrides.extra_repo_files {
            let text = std::fs::read(extra).map_err(|source| ConfigError::HostRepoFile {
                path: extra.display().to_string(),
                source,
            })?;
            add_repos(
                &text,
                &extra.display().to_string(),
                &main,
                &vars,
                longest_var,
                &mut repos,
                &mut warnings,
            )?;
        }
        for (id, url) in &overrides.baseurls {
            match repos.by_id.get(id).map(|&i| &mut repos.list[i]) {
                Some(r) => {
                    r.baseurl = vec![url.clone()];
                    r.mirrorlist = None;
                    r.metalink = None;
                }
                None => {
                    return Err(ConfigError::BadOverride {
                        what: "--repo-baseurl (no such repository)",
                        value: format!("{id}={url}"),
                    })
                }
            }
        }
        let mut repos = repos.list;
        for r in &mut repos {
            if overrides
                .enable_repos
                .iter()
                .any(|p| crate::pattern::fnmatch(p, &r.id))
            {
                r.enabled = true;
            }
            if overrides
                .disable_repos
                .iter()
                .any(|p| crate::pattern::fnmatch(p, &r.id))
            {
                r.enabled = false;
            }
        }
        Ok(Config {
            main,
            vars,
            repos,
            warnings,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_that_substitution_would_blow_up_are_refused() {
        // A 1 MiB variable and a value of 20 `$big`: 20 MiB once substituted (a whole .repo of
        // them, terabytes). Refused, naming the key, before anything is substituted; with a
        // short variable the same value loads.
        let load = |var: String| {
            let files = [
                ("/etc/dnf/vars/big", var),
                (
                    "/etc/yum.repos.d/r.repo",
                    format!("[r]\nname=r\nbaseurl=http://x/{}\n", "$big".repeat(20)),
                ),
            ];
            let img = MemoryImage(files.map(|(p, t)| (p.to_string(), t)).into());
            Config::load(&img, BTreeMap::new(), &Overrides::default())
        };
        match load("v".repeat(1 << 20)) {
            Err(ConfigError::ValueTooLong { key, section, .. }) => {
                assert_eq!((key.as_str(), section.as_str()), ("baseurl", "r"));
            }
            other => panic!(
                "expected ValueTooLong, got {:?}",
                other.map(|c| c.repos.len())
            ),
        }
        let cfg = load("v".into()).unwrap();
        assert_eq!(
            cfg.repos[0].baseurl,
            [format!("http://x/{}", "v".repeat(20))]
        );
    }

    #[test]
    fn many_repositories() {
        // Finding an id already defined must not scan the repositories: an image may hold many
        // .repo files, each with many sections.
        use std::fmt::Write;
        let mut a = String::new();
        let mut b = String::new();
        for i in 0..60_000 {
            writeln!(a, "[r{i}]\nbaseurl=http://a/{i}").unwrap();
            if i % 600 == 7 {
                writeln!(b, "[r{i}]\nbaseurl=http://b/{i}").unwrap();
            }
        }
        writeln!(b, "[new]\nbaseurl=http://b/new").unwrap();
        let mut dnf_conf = String::from("[main]\n");
        for i in 0..1000 {
            writeln!(dnf_conf, "opt{i}=x").unwrap();
        }
        dnf_conf.push_str("exclude=p1 p2\nexcludepkgs=p3\n");
        let files = [
            ("/etc/dnf/dnf.conf", dnf_conf),
            ("/etc/yum.repos.d/a.repo", a),
            ("/etc/yum.repos.d/b.repo", b),
        ];
        let img = MemoryImage(files.map(|(p, t)| (p.to_string(), t)).into());
        let c = Config::load(&img, BTreeMap::new(), &Overrides::default()).unwrap();
        assert_eq!(c.main.excludepkgs, ["p1", "p2", "p3"]);
        assert_eq!(c.repos.len(), 60_001);
        assert_eq!(c.repos[6007].id, "r6007");
        assert_eq!(c.repos[6007].baseurl, ["http://a/6007"]);
        assert_eq!(c.repos[6007].file, "/etc/yum.repos.d/a.repo");
        assert_eq!(c.repos[60_000].id, "new");
        assert_eq!(c.repos[60_000].file, "/etc/yum.repos.d/b.repo");
        let dups = c.warnings.iter().filter(|w| w.contains("more than once"));
        assert_eq!(dups.count(), 100);
        assert!(c.warnings.contains(
            &"repository r59407 is listed more than once (/etc/yum.repos.d/a.repo and \
              /etc/yum.repos.d/b.repo); the first is used"
                .to_string()
        ));
    }
}
