//! Package specs as dnf's excludepkgs/includepkgs use them: a glob pattern tried as NEVRA, NA,
//! NAME, NEVR and NEV forms in that order, the first form matching any package of the whole
//! set winning, then a glob over the full `name-[epoch:]version-release.arch` string
//! (libdnf `Query::filterSubject` with provides and file names off).

use crate::model::Evr;

/// fnmatch(3) without flags: `*`, `?`, `[...]` (with `!`/`^` negation and ranges), `\` escapes.
pub fn fnmatch(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    glob_at(&p, &t)
}

fn glob_at(p: &[char], t: &[char]) -> bool {
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() {
            match p[pi] {
                '*' => {
                    star = Some((pi, ti));
                    pi += 1;
                    continue;
                }
                '?' => {
                    pi += 1;
                    ti += 1;
                    continue;
                }
                '[' => {
                    if let Some((matched, next)) = bracket(&p[pi..], t[ti]) {
                        if matched {
                            pi += next;
                            ti += 1;
                            continue;
                        }
                    } else if t[ti] == '[' {
                        pi += 1;
                        ti += 1;
                        continue;
                    }
                }
                '\\' if pi + 1 < p.len() => {
                    if p[pi + 1] == t[ti] {
                        pi += 2;
                        ti += 1;
                        continue;
                    }
                }
                c => {
                    if c == t[ti] {
                        pi += 1;
                        ti += 1;
                        continue;
                    }
                }
            }
        }
        match star {
            Some((sp, st)) => {
                pi = sp + 1;
                ti = st + 1;
                star = Some((sp, st + 1));
            }
            None => return false,
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// Matches a `[...]` class at the start of `p` against `c`: (matched, length of the class), or
/// None when the bracket is not closed (then `[` is literal).
fn bracket(p: &[char], c: char) -> Option<(bool, usize)> {
    let mut i = 1;
    let negate = matches!(p.get(i), Some('!') | Some('^'));
    if negate {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    while i < p.len() {
        if p[i] == ']' && !first {
            return Some((matched != negate, i + 1));
        }
        first = false;
        let lo = p[i];
        if i + 2 < p.len() && p[i + 1] == '-' && p[i + 2] != ']' {
            if lo <= c && c <= p[i + 2] {
                matched = true;
            }
            i += 3;
        } else {
            if lo == c {
                matched = true;
            }
            i += 1;
        }
    }
    None
}

fn is_glob(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

fn field_matches(pattern: &str, value: &str) -> bool {
    if pattern.is_empty() || pattern == "*" {
        return true;
    }
    if is_glob(pattern) {
        fnmatch(pattern, value)
    } else {
        pattern == value
    }
}

/// One parsed form of a spec.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Form {
    name: String,
    epoch: Option<u32>,
    version: String,
    release: String,
    arch: String,
}

/// The package fields a spec is matched against.
pub struct Candidate<'a> {
    pub name: &'a str,
    pub evr: &'a Evr,
    pub arch: &'a str,
}

fn bad_char(c: char) -> bool {
    matches!(c, ':' | '(' | '/' | '=' | '<' | '>' | ' ')
}

fn valid_name(s: &str) -> bool {
    !s.is_empty() && !s.chars().any(bad_char)
}

fn valid_ver(s: &str) -> bool {
    !s.is_empty() && !s.chars().any(|c| c == '-' || bad_char(c))
}

fn valid_arch(s: &str) -> bool {
    !s.is_empty() && !s.chars().any(|c| c == '-' || c == '.' || bad_char(c))
}

/// `[E:]V` split.
fn split_epoch(s: &str) -> Option<(Option<u32>, &str)> {
    match s.split_once(':') {
        Some((e, v)) if !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit()) => {
            Some((e.parse().ok(), v))
        }
        Some(_) => None,
        None => Some((None, s)),
    }
}

impl Form {
    fn nevra(s: &str) -> Option<Form> {
        let (rest, arch) = s.rsplit_once('.')?;
        let mut f = Form::nevr(rest)?;
        if !valid_arch(arch) {
            return None;
        }
        f.arch = arch.to_string();
        Some(f)
    }
    fn nevr(s: &str) -> Option<Form> {
        let (rest, release) = s.rsplit_once('-')?;
        let mut f = Form::nev(rest)?;
        if !valid_ver(release) {
            return None;
        }
        f.release = release.to_string();
        Some(f)
    }
    fn nev(s: &str) -> Option<Form> {
        let (name, ev) = s.rsplit_once('-')?;
        let (epoch, version) = split_epoch(ev)?;
        if !valid_name(name) || !valid_ver(version) {
            return None;
        }
        Some(Form {
            name: name.to_string(),
            epoch,
            version: version.to_string(),
            release: String::new(),
            arch: String::new(),
        })
    }
    fn na(s: &str) -> Option<Form> {
        let (name, arch) = s.rsplit_once('.')?;
        if !valid_name(name) || !valid_arch(arch) {
            return None;
        }
        Some(Form {
            name: name.to_string(),
            epoch: None,
            version: String::new(),
            release: String::new(),
            arch: arch.to_string(),
        })
    }
    fn name(s: &str) -> Option<Form> {
        valid_name(s).then(|| Form {
            name: s.to_string(),
            epoch: None,
            version: String::new(),
            release: String::new(),
            arch: String::new(),
        })
    }

    fn matches(&self, c: &Candidate) -> bool {
        field_matches(&self.name, c.name)
            && self.epoch.is_none_or(|e| e == c.evr.epoch)
            && field_matches(&self.version, &c.evr.version)
            && field_matches(&self.release, &c.evr.release)
            && field_matches(&self.arch, c.arch)
    }
}

/// A resolved spec: how it matches packages, decided once against the whole package set.
#[derive(Debug, Clone)]
pub enum Spec {
    Form(Box<FormSpec>),
    /// Glob over `name-[epoch:]version-release.arch`.
    NevraGlob(String),
    Nothing,
}

/// A form chosen for a spec (opaque).
#[derive(Debug, Clone)]
pub struct FormSpec(Form);

impl Spec {
    /// Resolves `pattern` against every package dnf's sack would hold at exclude time.
    pub fn resolve<'a>(
        pattern: &str,
        all: impl Fn() -> Box<dyn Iterator<Item = Candidate<'a>> + 'a>,
    ) -> Spec {
        let parsers: [fn(&str) -> Option<Form>; 5] =
            [Form::nevra, Form::na, Form::name, Form::nevr, Form::nev];
        for parse in parsers {
            if let Some(form) = parse(pattern) {
                if all().any(|c| form.matches(&c)) {
                    return Spec::Form(Box::new(FormSpec(form)));
                }
            }
        }
        if all().any(|c| nevra_glob(pattern, &c)) {
            return Spec::NevraGlob(pattern.to_string());
        }
        Spec::Nothing
    }

    pub fn matches(&self, c: &Candidate) -> bool {
        match self {
            Spec::Form(f) => f.0.matches(c),
            Spec::NevraGlob(p) => nevra_glob(p, c),
            Spec::Nothing => false,
        }
    }
}

fn nevra_glob(pattern: &str, c: &Candidate) -> bool {
    let with_epoch = pattern.contains(':');
    let s = if with_epoch {
        format!(
            "{}-{}:{}-{}.{}",
            c.name, c.evr.epoch, c.evr.version, c.evr.release, c.arch
        )
    } else {
        format!("{}-{}.{}", c.name, c.evr, c.arch)
    };
    fnmatch(pattern, &s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globbing() {
        assert!(fnmatch("multi*", "multi"));
        assert!(fnmatch("m?lti", "multi"));
        assert!(fnmatch("[lm]ulti", "multi"));
        assert!(!fnmatch("[!m]ulti", "multi"));
        assert!(!fnmatch("multi", "multix"));
    }

    #[test]
    fn forms() {
        let f = Form::nevra("foo-bar-1:2.0-3.el9.x86_64").unwrap();
        assert_eq!(
            (
                f.name.as_str(),
                f.epoch,
                f.version.as_str(),
                f.release.as_str(),
                f.arch.as_str()
            ),
            ("foo-bar", Some(1), "2.0", "3.el9", "x86_64")
        );
        assert_eq!(Form::na("multi.i686").unwrap().arch, "i686");
        assert!(Form::na("a.b-c").is_none());
    }
}
