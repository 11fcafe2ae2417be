//! The image's own `%_dbpath` and `%_db_backend`, read from its rpm macro files.
//!
//! Only simple one-line definitions (`%name value`) are understood, with `%{name}`, `%{?name}`
//! and `%name` references to other simple definitions (and rpm's defaults for `_var`, `_usr`,
//! `_prefix` ...). Nothing is ever executed: a value needing a shell (`%(...)`), lua or any
//! other macro machinery is ignored, and the caller falls back to probing the usual places.
//! Files are read in rpm 4.18's macro path order; later definitions win.

use std::collections::HashMap;
use std::path::Path;

use rootfs::Rootfs;

use crate::backend::Backend;

/// Macro files larger than this are ignored.
const MAX_MACRO_FILE: u64 = 1 << 20;
const MAX_DEPTH: usize = 16;

/// Macro references one expansion may follow in all, and the longest value it may build: a
/// path is short, and fan-out (`%a` using `%b` thousands of times, each using `%c`...) would
/// otherwise grow exponentially with the depth.
const MAX_LOOKUPS: usize = 4096;
const MAX_EXPANDED_LEN: usize = 4096;

/// What the image configures for its rpm database.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Config {
    /// Absolute image path of the database directory (`%_dbpath`), when configured.
    pub dbpath: Option<String>,
    /// The configured backend (`%_db_backend`), when it names one we read.
    pub backend: Option<Backend>,
}

impl Config {
    /// Reads the macro files of the image; unreadable or missing files are skipped.
    pub fn load(root: &Rootfs) -> Config {
        let mut files: Vec<String> = vec!["/usr/lib/rpm/macros".into()];
        files.extend(glob_dir(root, "/usr/lib/rpm/macros.d", "macros."));
        files.push("/usr/lib/rpm/redhat/macros".into());
        files.push("/usr/lib/rpm/suse/macros".into());
        files.extend(glob_dir(root, "/etc/rpm", "macros."));
        files.push("/etc/rpm/macros".into());
        let mut defs = Definitions::default();
        for f in files {
            if let Ok(bytes) = root.read(&f, MAX_MACRO_FILE) {
                defs.parse(&String::from_utf8_lossy(&bytes));
            }
        }
        defs.config()
    }
}

/// Regular files (or links to them) in `dir` whose name starts with `prefix`, sorted.
fn glob_dir(root: &Rootfs, dir: &str, prefix: &str) -> Vec<String> {
    let Ok(entries) = root.read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<String> = entries
        .into_iter()
        .filter_map(|e| e.name.to_str().map(str::to_owned))
        .filter(|n| n.starts_with(prefix) && n.len() > prefix.len())
        .map(|n| format!("{dir}/{n}"))
        .collect();
    out.sort();
    out
}

/// Simple macro definitions collected from macro files.
#[derive(Debug, Default)]
pub(crate) struct Definitions {
    defs: HashMap<String, String>,
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

impl Definitions {
    /// Adds the definitions of one macro file (later ones override earlier ones).
    pub fn parse(&mut self, text: &str) {
        let mut logical = String::new();
        for line in text.lines() {
            if let Some(stripped) = line.strip_suffix('\\') {
                logical.push_str(stripped);
                logical.push('\n');
                continue;
            }
            logical.push_str(line);
            self.parse_line(&logical);
            logical.clear();
        }
        if !logical.is_empty() {
            self.parse_line(&logical);
        }
    }

    fn parse_line(&mut self, line: &str) {
        let Some(rest) = line.trim_start().strip_prefix('%') else {
            return;
        };
        let name_len = rest.find(|c: char| !is_name_char(c)).unwrap_or(rest.len());
        let (name, after) = rest.split_at(name_len);
        if name.is_empty() || !after.starts_with([' ', '\t']) {
            return; // parametric macro (`%name(opts)`), or not a definition
        }
        let value = after.trim();
        if value.contains('\n') {
            return; // multi-line bodies are never simple values
        }
        self.defs.insert(name.to_string(), value.to_string());
    }

    fn lookup(&self, name: &str) -> Option<&str> {
        if let Some(v) = self.defs.get(name) {
            return Some(v);
        }
        // rpm's built-in defaults (macros.in) for the directories a dbpath is built from.
        Some(match name {
            "_usr" | "_prefix" | "_exec_prefix" => "/usr",
            "_var" | "_localstatedir" => "/var",
            "_sharedstatedir" => "/var/lib",
            "_sysconfdir" => "/etc",
            "_datadir" => "%{_prefix}/share",
            "_libdir" => "%{_prefix}/lib",
            _ => return None,
        })
    }

    /// Expands `%{name}`, `%{?name}` and `%name` references; `None` for anything else, and
    /// when the expansion would exceed the depth, lookup or length bounds.
    pub fn expand(&self, value: &str, depth: usize) -> Option<String> {
        let mut lookups = 0;
        self.expand_bounded(value, depth, &mut lookups)
    }

    fn expand_bounded(&self, value: &str, depth: usize, lookups: &mut usize) -> Option<String> {
        if depth > MAX_DEPTH {
            return None;
        }
        let mut out = String::new();
        let mut rest = value;
        while let Some(pos) = rest.find('%') {
            out.push_str(&rest[..pos]);
            let after = &rest[pos + 1..];
            let (name, optional, tail) = if let Some(braced) = after.strip_prefix('{') {
                let end = braced.find('}')?;
                let inner = &braced[..end];
                let (optional, name) = match inner.strip_prefix('?') {
                    Some(n) => (true, n),
                    None => (false, inner),
                };
                (name, optional, &braced[end + 1..])
            } else if let Some(tail) = after.strip_prefix('%') {
                out.push('%');
                rest = tail;
                continue;
            } else {
                let len = after
                    .find(|c: char| !is_name_char(c))
                    .unwrap_or(after.len());
                (&after[..len], false, &after[len..])
            };
            if name.is_empty() || !name.chars().all(is_name_char) {
                return None; // %(shell), %{lua:...}, %{expand:...}: never evaluated
            }
            *lookups += 1;
            if *lookups > MAX_LOOKUPS {
                return None;
            }
            match self.lookup(name) {
                Some(v) => out.push_str(&self.expand_bounded(v, depth + 1, lookups)?),
                None if optional => {}
                None => return None,
            }
            if out.len() > MAX_EXPANDED_LEN {
                return None;
            }
            rest = tail;
        }
        out.push_str(rest);
        (out.len() <= MAX_EXPANDED_LEN).then_some(out)
    }

    /// The database configuration these definitions give.
    pub fn config(&self) -> Config {
        let dbpath = self
            .defs
            .get("_dbpath")
            .and_then(|v| self.expand(v, 0))
            .map(|p| p.trim().to_string())
            .filter(|p| p.starts_with('/') && Path::new(p).components().count() > 1);
        let backend = self
            .defs
            .get("_db_backend")
            .and_then(|v| self.expand(v, 0))
            .and_then(|v| Backend::from_macro_value(&v));
        Config { dbpath, backend }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> Config {
        let mut d = Definitions::default();
        d.parse(text);
        d.config()
    }

    #[test]
    fn upstream_and_distro_definitions() {
        // rpm 4.18 macros.in
        let c = config("%_var\t\t\t/var\n%_dbpath\t\t%{_var}/lib/rpm\n%_db_backend\t\tsqlite\n");
        assert_eq!(c.dbpath.as_deref(), Some("/var/lib/rpm"));
        assert_eq!(c.backend, Some(Backend::Sqlite));
        // Fedora / openSUSE style
        let c = config("%_dbpath %{_usr}/lib/sysimage/rpm\n%_db_backend ndb\n");
        assert_eq!(c.dbpath.as_deref(), Some("/usr/lib/sysimage/rpm"));
        assert_eq!(c.backend, Some(Backend::Ndb));
        // later definitions win; %name form; bdb_ro
        let c = config("%_dbpath /a\n%_dbpath %_var/lib/rpm2\n%_db_backend bdb_ro\n");
        assert_eq!(c.dbpath.as_deref(), Some("/var/lib/rpm2"));
        assert_eq!(c.backend, Some(Backend::Bdb));
    }

    #[test]
    fn fan_out_bombs_stop_at_the_lookup_bound() {
        // Each level uses the next 20 times: 20^12 lookups unbounded.
        let mut text = String::from("%_dbpath /%{l0}\n");
        for i in 0..12 {
            text.push_str(&format!(
                "%l{i} {}\n",
                format!("%{{l{}}}", i + 1).repeat(20)
            ));
        }
        text.push_str("%l12 x\n");
        let started = std::time::Instant::now();
        assert_eq!(config(&text).dbpath, None);
        // Bounded work, not a hang (a generous bound; no timing assertion on the result).
        assert!(started.elapsed() < std::time::Duration::from_secs(30));
        // A normal nested path still expands.
        let c = config("%_dbpath %{_var}/lib/%{a}\n%a %{b}\n%b rpm\n");
        assert_eq!(c.dbpath.as_deref(), Some("/var/lib/rpm"));
    }

    #[test]
    fn nothing_is_executed_and_odd_values_are_ignored() {
        assert_eq!(config("%_dbpath %(echo /x)\n").dbpath, None);
        assert_eq!(config("%_dbpath %{lua: print('/x')}\n").dbpath, None);
        assert_eq!(config("%_dbpath %{undefined}/rpm\n").dbpath, None);
        assert_eq!(config("%_dbpath relative/rpm\n").dbpath, None);
        assert_eq!(config("%_dbpath /\n").dbpath, None);
        assert_eq!(config("%_db_backend berkeley\n").backend, None);
        assert_eq!(config("%_dbpath() /x\n").dbpath, None);
        // self reference terminates
        assert_eq!(config("%a %{b}\n%b %{a}\n%_dbpath %{a}\n").dbpath, None);
        // optional undefined expands to nothing
        assert_eq!(
            config("%_dbpath %{?nothing}/srv/rpm\n").dbpath.as_deref(),
            Some("/srv/rpm")
        );
        // continuation lines are one (multi-line) body: ignored
        assert_eq!(config("%_dbpath /x\\\n/y\n").dbpath, None);
    }
}
