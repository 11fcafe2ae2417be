//! CPE applicability: the CPE 2.x dictionary of a data stream (names with their OVAL checks),
//! CPE applicability-language (`cpe-lang:platform`) expressions, CPE 2.2 name matching, and the
//! evaluation of a platform reference given the results of the dictionary's checks.

use std::collections::BTreeMap;

use roxmltree::Node;

use crate::xml::{bool_attr, children, is, NS_CPE_DICT, NS_CPE_LANG};
use crate::Error;

/// A check of a CPE dictionary item or a `check-fact-ref`: an OVAL definition in a file
/// named by `href` (resolved through the data stream catalog).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct CpeCheck {
    pub system: String,
    pub href: String,
    pub id: String,
}

/// A CPE dictionary item.
#[derive(Debug, Clone)]
pub struct CpeItem {
    pub name: String,
    pub title: String,
    pub checks: Vec<CpeCheck>,
}

/// A CPE dictionary (`cpe-list`).
#[derive(Debug, Clone, Default)]
pub struct CpeDictionary {
    pub items: Vec<CpeItem>,
}

/// A CPE-AL expression.
#[derive(Debug, Clone)]
pub enum PlatformExpr {
    Test {
        and: bool,
        negate: bool,
        children: Vec<PlatformExpr>,
    },
    FactRef(String),
    CheckFactRef(CpeCheck),
}

impl CpeDictionary {
    /// Parses a `cpe-list` element.
    pub fn parse(node: Node) -> CpeDictionary {
        let items = children(node, NS_CPE_DICT, "cpe-item")
            .map(|it| CpeItem {
                name: it.attribute("name").unwrap_or("").to_string(),
                title: children(it, NS_CPE_DICT, "title")
                    .next()
                    .and_then(|t| t.text())
                    .unwrap_or("")
                    .trim()
                    .to_string(),
                checks: children(it, NS_CPE_DICT, "check")
                    .map(|c| CpeCheck {
                        system: c.attribute("system").unwrap_or("").to_string(),
                        href: c.attribute("href").unwrap_or("").to_string(),
                        id: c.text().unwrap_or("").trim().to_string(),
                    })
                    .collect(),
            })
            .collect();
        CpeDictionary { items }
    }

    /// Items whose name matches `name` (CPE 2.2 prefix matching, see [`cpe_match`]).
    pub fn matching<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a CpeItem> + 'a {
        self.items
            .iter()
            .filter(move |it| cpe_match(name, &it.name))
    }
}

/// CPE 2.2 URI matching as used for applicability: every component of `pattern` that is
/// non-empty must equal (case-insensitively) the same component of `candidate`; components
/// missing from the pattern match anything.
pub fn cpe_match(pattern: &str, candidate: &str) -> bool {
    let (Some(p), Some(c)) = (
        pattern.strip_prefix("cpe:/"),
        candidate.strip_prefix("cpe:/"),
    ) else {
        return pattern.eq_ignore_ascii_case(candidate);
    };
    let pc: Vec<&str> = p.split(':').collect();
    let cc: Vec<&str> = c.split(':').collect();
    pc.iter()
        .enumerate()
        .all(|(i, comp)| comp.is_empty() || cc.get(i).is_some_and(|x| x.eq_ignore_ascii_case(comp)))
}

/// Parses a `cpe-lang:platform` element into its logical test.
pub fn parse_platform_specification(platform: Node) -> Result<PlatformExpr, Error> {
    let test = platform
        .children()
        .find(|c| is(c, NS_CPE_LANG, "logical-test"))
        .ok_or_else(|| {
            Error::Content(format!(
                "cpe-lang:platform {:?} without logical-test",
                platform.attribute("id")
            ))
        })?;
    Ok(parse_test(test))
}

fn parse_test(n: Node) -> PlatformExpr {
    let mut kids = Vec::new();
    for c in n.children().filter(|c| c.is_element()) {
        if is(&c, NS_CPE_LANG, "logical-test") {
            kids.push(parse_test(c));
        } else if is(&c, NS_CPE_LANG, "fact-ref") {
            kids.push(PlatformExpr::FactRef(
                c.attribute("name").unwrap_or("").to_string(),
            ));
        } else if is(&c, NS_CPE_LANG, "check-fact-ref") {
            kids.push(PlatformExpr::CheckFactRef(CpeCheck {
                system: c.attribute("system").unwrap_or("").to_string(),
                href: c.attribute("href").unwrap_or("").to_string(),
                id: c.attribute("id-ref").unwrap_or("").to_string(),
            }));
        }
    }
    PlatformExpr::Test {
        and: !n
            .attribute("operator")
            .unwrap_or("AND")
            .eq_ignore_ascii_case("OR"),
        negate: bool_attr(n, "negate").unwrap_or(false),
        children: kids,
    }
}

/// Collects every OVAL check a platform reference needs (dictionary item checks of the CPE
/// names it mentions, and check-fact-refs).
pub fn checks_needed(
    platform: &str,
    specs: &BTreeMap<String, PlatformExpr>,
    dicts: &[&CpeDictionary],
    out: &mut Vec<CpeCheck>,
) {
    fn expr(e: &PlatformExpr, dicts: &[&CpeDictionary], out: &mut Vec<CpeCheck>) {
        match e {
            PlatformExpr::Test { children, .. } => {
                children.iter().for_each(|c| expr(c, dicts, out))
            }
            PlatformExpr::FactRef(name) => name_checks(name, dicts, out),
            PlatformExpr::CheckFactRef(c) => out.push(c.clone()),
        }
    }
    fn name_checks(name: &str, dicts: &[&CpeDictionary], out: &mut Vec<CpeCheck>) {
        for d in dicts {
            for it in d.matching(name) {
                out.extend(it.checks.iter().cloned());
            }
        }
    }
    if let Some(e) = spec_of(platform, specs) {
        expr(e, dicts, out);
    }
    if !platform.starts_with('#') {
        name_checks(platform, dicts, out);
    }
}

/// The CPE-AL platform a platform reference names: `#id`, or (as oscap 1.3.7 also accepts, for
/// content that leaves the `#` out) a bare id.
fn spec_of<'a>(
    platform: &str,
    specs: &'a BTreeMap<String, PlatformExpr>,
) -> Option<&'a PlatformExpr> {
    specs.get(platform.strip_prefix('#').unwrap_or(platform))
}

/// Whether a platform reference (a CPE name or `#platform-id`) applies, given `check` which
/// answers an OVAL check (true = the check's definition is true; anything else false).
pub fn platform_applies(
    platform: &str,
    specs: &BTreeMap<String, PlatformExpr>,
    dicts: &[&CpeDictionary],
    check: &dyn Fn(&CpeCheck) -> bool,
) -> bool {
    let name_applies = |name: &str| {
        dicts
            .iter()
            .flat_map(|d| d.matching(name))
            .any(|it| it.checks.iter().any(check))
    };
    fn eval(
        e: &PlatformExpr,
        name_applies: &dyn Fn(&str) -> bool,
        check: &dyn Fn(&CpeCheck) -> bool,
    ) -> bool {
        match e {
            PlatformExpr::Test {
                and,
                negate,
                children,
            } => {
                let r = if *and {
                    children.iter().all(|c| eval(c, name_applies, check))
                } else {
                    children.iter().any(|c| eval(c, name_applies, check))
                };
                r != *negate
            }
            PlatformExpr::FactRef(n) => name_applies(n),
            PlatformExpr::CheckFactRef(c) => check(c),
        }
    }
    // oscap 1.3.7 tries the reference both as a CPE-AL platform id and (without `#`) as a CPE
    // name of the dictionaries: either applying is enough.
    spec_of(platform, specs).is_some_and(|e| eval(e, &name_applies, check))
        || (!platform.starts_with('#') && name_applies(platform))
}

#[cfg(test)]
mod tests {
    use super::cpe_match;

    #[test]
    fn cpe_prefix_matching() {
        assert!(cpe_match(
            "cpe:/o:redhat:enterprise_linux:8",
            "cpe:/o:redhat:enterprise_linux:8"
        ));
        assert!(cpe_match(
            "cpe:/o:redhat:enterprise_linux:8",
            "cpe:/o:redhat:enterprise_linux:8::server"
        ));
        assert!(!cpe_match(
            "cpe:/o:redhat:enterprise_linux:8",
            "cpe:/o:redhat:enterprise_linux:9"
        ));
        assert!(!cpe_match(
            "cpe:/o:redhat:enterprise_linux:8",
            "cpe:/o:redhat:enterprise_linux"
        ));
        assert!(cpe_match("cpe:/a:machine", "cpe:/a:MACHINE"));
    }
}
