//! The XCCDF 1.2 Benchmark model (profiles, groups, rules, values, checks, fixes, CPE-AL platform
//! specifications) and its parser from a data stream component element.

use std::collections::BTreeMap;

use roxmltree::Node;

use crate::cpe::{parse_platform_specification, PlatformExpr};
use crate::xml::{bool_attr, child, child_text, children, flat_text, is, NS_CPE_LANG, NS_XCCDF};
use crate::Error;

/// An XCCDF `Benchmark`.
#[derive(Debug, Clone)]
pub struct Benchmark {
    pub id: String,
    pub title: String,
    pub version: String,
    pub description: String,
    /// `platform/@idref` of the Benchmark itself (CPE names or `#platform-id`).
    pub platforms: Vec<String>,
    /// CPE-AL `platform` elements by id (referenced as `#id`).
    pub platform_specs: BTreeMap<String, PlatformExpr>,
    pub profiles: Vec<Profile>,
    /// Every `Value` of the benchmark (wherever it sits in the group tree) by id.
    pub values: BTreeMap<String, Value>,
    /// Top-level groups and rules in document order.
    pub items: Vec<Item>,
    /// `model/@system` of the scoring models besides the default one, in document order.
    pub models: Vec<String>,
}

/// A group or a rule of the item tree.
#[derive(Debug, Clone)]
pub enum Item {
    Group(Group),
    Rule(Box<Rule>),
}

/// An XCCDF `Group`.
#[derive(Debug, Clone)]
pub struct Group {
    pub id: String,
    pub title: String,
    pub selected: bool,
    pub weight: f64,
    pub cluster_id: Option<String>,
    pub platforms: Vec<String>,
    /// `requires`: each entry is met when any of its ids is selected.
    pub requires: Vec<Vec<String>>,
    /// `conflicts`: ids that must not be selected.
    pub conflicts: Vec<String>,
    pub children: Vec<Item>,
}

/// An identifier of a rule (`ident`), e.g. a CCE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident {
    pub system: String,
    pub value: String,
}

/// One piece of fix text: literal text or a `<sub idref=...>` Value substitution.
#[derive(Debug, Clone)]
pub enum FixPart {
    Text(String),
    Sub(String),
}

/// A `fix` element.
#[derive(Debug, Clone)]
pub struct Fix {
    pub id: Option<String>,
    pub system: String,
    pub parts: Vec<FixPart>,
}

/// An XCCDF `Rule`.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub title: String,
    /// Description as plain text (XHTML markup and `sub` elements dropped), untrimmed.
    pub description: String,
    /// The whitespace following `</description>` in the source (kept for the historical atomic
    /// json, whose description included it).
    pub description_tail: String,
    pub rationale: String,
    /// `@severity` ("unknown" when absent, as XCCDF says).
    pub severity: String,
    pub weight: f64,
    /// `@role`: full (default), unscored, unchecked.
    pub role: String,
    pub selected: bool,
    pub cluster_id: Option<String>,
    pub platforms: Vec<String>,
    /// `requires`: each entry is met when any of its ids is selected.
    pub requires: Vec<Vec<String>>,
    /// `conflicts`: ids that must not be selected.
    pub conflicts: Vec<String>,
    pub idents: Vec<Ident>,
    pub checks: Vec<Check>,
    pub complex_check: Option<ComplexCheck>,
    pub fixes: Vec<Fix>,
}

/// A `check-content-ref`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentRef {
    pub href: String,
    pub name: Option<String>,
}

/// A `check`.
#[derive(Debug, Clone)]
pub struct Check {
    pub system: String,
    pub selector: Option<String>,
    pub negate: bool,
    pub multi_check: bool,
    /// `check-export`: (Value id, OVAL external variable id).
    pub exports: Vec<(String, String)>,
    pub content_refs: Vec<ContentRef>,
}

/// Operator of a `complex-check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    And,
    Or,
}

/// A `complex-check`.
#[derive(Debug, Clone)]
pub struct ComplexCheck {
    pub operator: Operator,
    pub negate: bool,
    pub children: Vec<CheckNode>,
}

/// An operand of a complex check.
#[derive(Debug, Clone)]
pub enum CheckNode {
    Check(Check),
    Complex(ComplexCheck),
}

/// An XCCDF `Value`.
#[derive(Debug, Clone)]
pub struct Value {
    pub id: String,
    pub title: String,
    /// `@type`: string (default), number, boolean.
    pub value_type: String,
    /// `value` elements: (selector, text); the selector is None for the default.
    pub values: Vec<(Option<String>, String)>,
}

impl Rule {
    /// The text of the rule's first fix for `system` (e.g. `urn:xccdf:fix:script:sh`), with
    /// every `<sub idref>` replaced by the bound value (`values`: Value id -> value), untrimmed.
    pub fn fix_text(&self, system: &str, values: &BTreeMap<String, String>) -> Option<String> {
        let fix = self.fixes.iter().find(|f| f.system == system)?;
        let mut s = String::new();
        for p in &fix.parts {
            match p {
                FixPart::Text(t) => s.push_str(t),
                FixPart::Sub(id) => s.push_str(values.get(id).map(String::as_str).unwrap_or("")),
            }
        }
        Some(s)
    }
}

/// The fix system of shell remediations.
pub const FIX_SH: &str = "urn:xccdf:fix:script:sh";

impl Value {
    /// The `value` whose selector is exactly `selector` (a `value` without one counts as the
    /// empty selector); for the empty selector with no such `value`, the first one (oscap 1.3.7).
    pub fn select_exact(&self, selector: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(s, _)| s.as_deref().unwrap_or("") == selector)
            .or_else(|| self.values.first().filter(|_| selector.is_empty()))
            .map(|(_, v)| v.as_str())
    }

    /// The value chosen by `selector` (XCCDF: an unknown selector falls back to the default,
    /// i.e. the `value` without selector, else the first one).
    pub fn select(&self, selector: Option<&str>) -> Option<&str> {
        if let Some(sel) = selector {
            if let Some((_, v)) = self.values.iter().find(|(s, _)| s.as_deref() == Some(sel)) {
                return Some(v);
            }
        }
        self.values
            .iter()
            .find(|(s, _)| s.is_none())
            .or_else(|| self.values.first())
            .map(|(_, v)| v.as_str())
    }
}

/// One profile statement, kept in document order (XCCDF processes them in order, and an
/// extending profile appends its own after its parent's).
#[derive(Debug, Clone, PartialEq)]
pub enum ProfileStatement {
    Select {
        idref: String,
        selected: bool,
    },
    RefineValue {
        idref: String,
        selector: String,
    },
    SetValue {
        idref: String,
        value: String,
    },
    RefineRule {
        idref: String,
        selector: Option<String>,
        severity: Option<String>,
        weight: Option<f64>,
        role: Option<String>,
    },
}

/// An XCCDF `Profile`.
#[derive(Debug, Clone)]
pub struct Profile {
    pub id: String,
    pub title: String,
    pub description: String,
    pub extends: Option<String>,
    /// `@abstract`: only a base for other profiles (oscap drops it: it cannot be evaluated).
    pub abstract_: bool,
    pub statements: Vec<ProfileStatement>,
}

fn weight_attr(node: Node) -> f64 {
    node.attribute("weight")
        .and_then(|w| w.trim().parse().ok())
        .unwrap_or(1.0)
}

fn requires_of(node: Node) -> Vec<Vec<String>> {
    children(node, NS_XCCDF, "requires")
        .map(|r| {
            r.attribute("idref")
                .unwrap_or("")
                .split_whitespace()
                .map(str::to_string)
                .collect()
        })
        .collect()
}

fn conflicts_of(node: Node) -> Vec<String> {
    children(node, NS_XCCDF, "conflicts")
        .filter_map(|c| c.attribute("idref").map(str::to_string))
        .collect()
}

fn platforms_of(node: Node) -> Vec<String> {
    children(node, NS_XCCDF, "platform")
        .filter_map(|p| p.attribute("idref").map(str::to_string))
        .collect()
}

impl Benchmark {
    /// Parses a `Benchmark` element.
    pub fn parse(node: Node) -> Result<Benchmark, Error> {
        if !is(&node, NS_XCCDF, "Benchmark") {
            return Err(Error::Content(format!(
                "expected an XCCDF 1.2 Benchmark, found {:?}",
                node.tag_name()
            )));
        }
        let id = node
            .attribute("id")
            .ok_or_else(|| Error::Content("Benchmark without @id".into()))?
            .to_string();
        let mut platform_specs = BTreeMap::new();
        for spec in node
            .children()
            .filter(|c| is(c, NS_CPE_LANG, "platform-specification"))
        {
            for p in children(spec, NS_CPE_LANG, "platform") {
                if let Some(pid) = p.attribute("id") {
                    platform_specs.insert(pid.to_string(), parse_platform_specification(p)?);
                }
            }
        }
        let mut values = BTreeMap::new();
        let mut profiles = Vec::new();
        for p in children(node, NS_XCCDF, "Profile") {
            profiles.push(parse_profile(p)?);
        }
        let items = parse_items(node, &mut values)?;
        Ok(Benchmark {
            id,
            title: child_text(node, NS_XCCDF, "title"),
            version: child_text(node, NS_XCCDF, "version"),
            description: child_text(node, NS_XCCDF, "description"),
            platforms: platforms_of(node),
            platform_specs,
            profiles,
            values,
            items,
            models: children(node, NS_XCCDF, "model")
                .filter_map(|m| m.attribute("system"))
                .filter(|s| *s != crate::score::DEFAULT)
                .map(str::to_string)
                .collect(),
        })
    }

    /// The profile with this exact id.
    pub fn profile(&self, id: &str) -> Option<&Profile> {
        self.profiles.iter().find(|p| p.id == id)
    }

    /// Every rule in document order with the chain of its ancestor groups (outermost first).
    pub fn rules_with_groups(&self) -> Vec<(&Rule, Vec<&Group>)> {
        fn walk<'a>(
            items: &'a [Item],
            stack: &mut Vec<&'a Group>,
            out: &mut Vec<(&'a Rule, Vec<&'a Group>)>,
        ) {
            for it in items {
                match it {
                    Item::Rule(r) => out.push((r, stack.clone())),
                    Item::Group(g) => {
                        stack.push(g);
                        walk(&g.children, stack, out);
                        stack.pop();
                    }
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.items, &mut Vec::new(), &mut out);
        out
    }

    /// Every rule in document order.
    pub fn rules(&self) -> Vec<&Rule> {
        self.rules_with_groups()
            .into_iter()
            .map(|(r, _)| r)
            .collect()
    }
}

fn parse_profile(p: Node) -> Result<Profile, Error> {
    let id = p
        .attribute("id")
        .ok_or_else(|| Error::Content("Profile without @id".into()))?
        .to_string();
    let mut statements = Vec::new();
    for c in p
        .children()
        .filter(|c| c.is_element() && c.tag_name().namespace() == Some(NS_XCCDF))
    {
        let idref = c.attribute("idref").unwrap_or("").to_string();
        let st = match c.tag_name().name() {
            "select" => ProfileStatement::Select {
                idref,
                selected: bool_attr(c, "selected").unwrap_or(false),
            },
            "refine-value" => ProfileStatement::RefineValue {
                idref,
                selector: c.attribute("selector").unwrap_or("").to_string(),
            },
            "set-value" => ProfileStatement::SetValue {
                idref,
                value: flat_text(c),
            },
            "refine-rule" => ProfileStatement::RefineRule {
                idref,
                selector: c.attribute("selector").map(str::to_string),
                severity: c.attribute("severity").map(str::to_string),
                weight: c.attribute("weight").and_then(|w| w.parse().ok()),
                role: c.attribute("role").map(str::to_string),
            },
            "set-complex-value" => {
                return Err(Error::Unsupported(format!(
                    "profile {id}: set-complex-value (XCCDF complex values)"
                )))
            }
            _ => continue,
        };
        statements.push(st);
    }
    Ok(Profile {
        title: child_text(p, NS_XCCDF, "title"),
        description: child_text(p, NS_XCCDF, "description"),
        extends: p.attribute("extends").map(str::to_string),
        abstract_: bool_attr(p, "abstract").unwrap_or(false),
        id,
        statements,
    })
}

fn parse_items(node: Node, values: &mut BTreeMap<String, Value>) -> Result<Vec<Item>, Error> {
    let mut items = Vec::new();
    for c in node
        .children()
        .filter(|c| c.is_element() && c.tag_name().namespace() == Some(NS_XCCDF))
    {
        match c.tag_name().name() {
            "Value" => {
                let v = parse_value(c)?;
                values.insert(v.id.clone(), v);
            }
            "Group" => {
                let children = parse_items(c, values)?;
                items.push(Item::Group(Group {
                    id: c.attribute("id").unwrap_or("").to_string(),
                    title: child_text(c, NS_XCCDF, "title"),
                    selected: bool_attr(c, "selected").unwrap_or(true),
                    weight: weight_attr(c),
                    cluster_id: c.attribute("cluster-id").map(str::to_string),
                    platforms: platforms_of(c),
                    requires: requires_of(c),
                    conflicts: conflicts_of(c),
                    children,
                }));
            }
            "Rule" => items.push(Item::Rule(Box::new(parse_rule(c)?))),
            _ => {}
        }
    }
    Ok(items)
}

fn parse_value(c: Node) -> Result<Value, Error> {
    let id = c
        .attribute("id")
        .ok_or_else(|| Error::Content("Value without @id".into()))?;
    Ok(Value {
        id: id.to_string(),
        title: child_text(c, NS_XCCDF, "title"),
        value_type: c.attribute("type").unwrap_or("string").to_string(),
        values: children(c, NS_XCCDF, "value")
            .map(|v| (v.attribute("selector").map(str::to_string), flat_text(v)))
            .collect(),
    })
}

fn parse_rule(c: Node) -> Result<Rule, Error> {
    let id = c
        .attribute("id")
        .ok_or_else(|| Error::Content("Rule without @id".into()))?
        .to_string();
    let desc = child(c, NS_XCCDF, "description");
    let description_tail = desc
        .and_then(|d| d.next_sibling())
        .filter(|n| n.is_text())
        .and_then(|n| n.text())
        .unwrap_or("")
        .to_string();
    let complex_check = match child(c, NS_XCCDF, "complex-check") {
        Some(cc) => Some(parse_complex(cc)?),
        None => None,
    };
    Ok(Rule {
        title: child_text(c, NS_XCCDF, "title"),
        description: desc.map(flat_text).unwrap_or_default(),
        description_tail,
        rationale: child_text(c, NS_XCCDF, "rationale"),
        severity: c.attribute("severity").unwrap_or("unknown").to_string(),
        weight: weight_attr(c),
        role: c.attribute("role").unwrap_or("full").to_string(),
        selected: bool_attr(c, "selected").unwrap_or(true),
        cluster_id: c.attribute("cluster-id").map(str::to_string),
        platforms: platforms_of(c),
        requires: requires_of(c),
        conflicts: conflicts_of(c),
        idents: children(c, NS_XCCDF, "ident")
            .map(|i| Ident {
                system: i.attribute("system").unwrap_or("").to_string(),
                value: flat_text(i).trim().to_string(),
            })
            .collect(),
        checks: children(c, NS_XCCDF, "check").map(parse_check).collect(),
        complex_check,
        fixes: children(c, NS_XCCDF, "fix").map(parse_fix).collect(),
        id,
    })
}

fn parse_fix(f: Node) -> Fix {
    let mut parts = Vec::new();
    for d in f.children() {
        if d.is_text() {
            parts.push(FixPart::Text(d.text().unwrap_or("").to_string()));
        } else if is(&d, NS_XCCDF, "sub") {
            parts.push(FixPart::Sub(d.attribute("idref").unwrap_or("").to_string()));
        } else if d.is_element() {
            parts.push(FixPart::Text(flat_text(d)));
        }
    }
    Fix {
        id: f.attribute("id").map(str::to_string),
        system: f.attribute("system").unwrap_or("").to_string(),
        parts,
    }
}

fn parse_check(c: Node) -> Check {
    Check {
        system: c.attribute("system").unwrap_or("").to_string(),
        selector: c
            .attribute("selector")
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        negate: bool_attr(c, "negate").unwrap_or(false),
        multi_check: bool_attr(c, "multi-check").unwrap_or(false),
        exports: children(c, NS_XCCDF, "check-export")
            .map(|e| {
                (
                    e.attribute("value-id").unwrap_or("").to_string(),
                    e.attribute("export-name").unwrap_or("").to_string(),
                )
            })
            .collect(),
        content_refs: children(c, NS_XCCDF, "check-content-ref")
            .map(|r| ContentRef {
                href: r.attribute("href").unwrap_or("").to_string(),
                name: r.attribute("name").map(str::to_string),
            })
            .collect(),
    }
}

fn parse_complex(c: Node) -> Result<ComplexCheck, Error> {
    let operator = match c.attribute("operator").unwrap_or("AND") {
        "AND" => Operator::And,
        "OR" => Operator::Or,
        other => return Err(Error::Content(format!("complex-check operator {other:?}"))),
    };
    let mut kids = Vec::new();
    for k in c.children() {
        if is(&k, NS_XCCDF, "check") {
            kids.push(CheckNode::Check(parse_check(k)));
        } else if is(&k, NS_XCCDF, "complex-check") {
            kids.push(CheckNode::Complex(parse_complex(k)?));
        }
    }
    Ok(ComplexCheck {
        operator,
        negate: bool_attr(c, "negate").unwrap_or(false),
        children: kids,
    })
}
