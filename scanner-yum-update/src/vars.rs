//! dnf variables: `$releasever` as dnf derives it from the installed packages' provides,
//! `$arch`/`$basearch`, user variables from the image's varsdirs, and the substitution syntax
//! (`$name`, `${name}`, `${name:-default}`, `${name:+alternate}`, `\` escapes; unknown names are
//! left as written).

use std::collections::{BTreeMap, HashMap};

use crate::image::Installed;
use crate::model::SENSE_EQUAL;

/// The provides dnf 4 looks up, in order, to find the release package (`dnf.const.DISTROVERPKG`).
pub const DISTROVERPKG: [&str; 6] = [
    "system-release(releasever)",
    "system-release",
    "distribution-release(releasever)",
    "distribution-release",
    "redhat-release",
    "suse-release",
];

/// `$releasever` from the installed packages (`dnf.rpm.detect_releasever`): the first package
/// providing one of [`DISTROVERPKG`]; its version, unless that provide is `= ver` (exactly the
/// EQUAL flag) and the package is not itself named like the provide, when the provide's version
/// wins.
pub fn detect_releasever(installed: &[Installed]) -> Option<String> {
    for want in DISTROVERPKG {
        for p in installed {
            if let Some((_, flags, ver)) = p.raw_provides.iter().find(|(n, _, _)| n == want) {
                if *flags == SENSE_EQUAL && !ver.is_empty() && p.pkg.name != want {
                    return Some(ver.clone());
                }
                return Some(p.pkg.evr.version.clone());
            }
        }
    }
    None
}

/// Substitutes variables in `s`.
pub fn substitute(s: &str, vars: &BTreeMap<String, String>) -> String {
    subst_depth(s, vars, 0)
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Where the `}` closing each `{` is, in one pass from the start (searching again at each `${`
/// was quadratic in a hostile value). The pass steps over a `\` and the character after it,
/// as the substitution loop does, so it reaches every `{` the loop looks at and sees the same
/// characters after it as a search from there.
fn closing_braces(chars: &[char]) -> HashMap<usize, usize> {
    let mut close = HashMap::new();
    let mut open = Vec::new();
    let mut j = 0;
    while j < chars.len() {
        match chars[j] {
            '\\' => j += 1,
            '{' => open.push(j),
            '}' => {
                if let Some(o) = open.pop() {
                    close.insert(o, j);
                }
            }
            _ => {}
        }
        j += 1;
    }
    close
}

fn subst_depth(s: &str, vars: &BTreeMap<String, String>, depth: usize) -> String {
    if depth > 32 {
        return s.to_string();
    }
    let chars: Vec<char> = s.chars().collect();
    let closing = if s.contains("${") {
        closing_braces(&chars)
    } else {
        HashMap::new()
    };
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && i + 1 < chars.len() {
            out.push(chars[i + 1]);
            i += 2;
            continue;
        }
        if c != '$' {
            out.push(c);
            i += 1;
            continue;
        }
        // $name
        if i + 1 < chars.len() && is_name_char(chars[i + 1]) {
            let start = i + 1;
            let mut end = start;
            while end < chars.len() && is_name_char(chars[end]) {
                end += 1;
            }
            let name: String = chars[start..end].iter().collect();
            match vars.get(&name) {
                Some(v) => out.push_str(v),
                None => out.extend(&chars[i..end]),
            }
            i = end;
            continue;
        }
        // ${...}
        if i + 1 < chars.len() && chars[i + 1] == '{' {
            if let Some(&close) = closing.get(&(i + 1)) {
                let inner: String = chars[i + 2..close].iter().collect();
                let name_end = inner
                    .char_indices()
                    .find(|(_, c)| !is_name_char(*c))
                    .map(|(k, _)| k)
                    .unwrap_or(inner.len());
                let name = &inner[..name_end];
                let rest = &inner[name_end..];
                let value = vars.get(name);
                let replaced = if name.is_empty() {
                    None
                } else if rest.is_empty() {
                    value.cloned()
                } else if let Some(def) = rest.strip_prefix(":-") {
                    Some(match value {
                        Some(v) if !v.is_empty() => v.clone(),
                        _ => subst_depth(def, vars, depth + 1),
                    })
                } else {
                    rest.strip_prefix(":+").map(|alt| match value {
                        Some(v) if !v.is_empty() => subst_depth(alt, vars, depth + 1),
                        _ => String::new(),
                    })
                };
                match replaced {
                    Some(v) => out.push_str(&v),
                    None => out.extend(&chars[i..=close]),
                }
                i = close + 1;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substitution_forms() {
        let mut v = BTreeMap::new();
        v.insert("releasever".to_string(), "9".to_string());
        v.insert("basearch".to_string(), "x86_64".to_string());
        v.insert("empty".to_string(), String::new());
        assert_eq!(
            substitute("http://x/$releasever/${basearch}/os", &v),
            "http://x/9/x86_64/os"
        );
        assert_eq!(substitute("$unknown/${nope}", &v), "$unknown/${nope}");
        assert_eq!(
            substitute("${empty:-dflt}-${releasever:+yes}", &v),
            "dflt-yes"
        );
        assert_eq!(substitute("a\\$releasever", &v), "a$releasever");
    }

    #[test]
    fn many_unclosed_braces() {
        // Searching again for a closing brace at each `${` took quadratic time.
        let mut v = BTreeMap::new();
        v.insert("a".to_string(), "A".to_string());
        let open = "${".repeat(200_000);
        let s = format!("{open}${{a}}\\${{a}}${{x:-${{a}}}}");
        assert_eq!(substitute(&s, &v), format!("{open}A${{a}}A"));
    }
}
