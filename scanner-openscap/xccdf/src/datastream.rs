//! SCAP 1.2/1.3 source data stream collections: the data streams with their checklist, check and
//! dictionary component references (and their XML catalogs), the components (XCCDF benchmarks,
//! OVAL definitions, CPE dictionaries...), and resolution of a checklist's `check-content-ref
//! @href` to the component it names.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use roxmltree::Node;

use crate::benchmark::Benchmark;
use crate::cpe::CpeDictionary;
use crate::xml::{self, children, is, NS_CAT, NS_CPE_DICT, NS_DS, NS_OVAL_DEF, NS_XCCDF, NS_XLINK};
use crate::Error;

/// A `ds:component-ref`.
#[derive(Debug, Clone)]
pub struct ComponentRef {
    pub id: String,
    /// `xlink:href`: `#component-id` for a local component, else a (remote) URL.
    pub href: String,
    /// `cat:catalog`: file name used in `href` attributes -> `#component-ref-id`.
    pub catalog: BTreeMap<String, String>,
}

/// A `ds:data-stream`.
#[derive(Debug, Clone)]
pub struct DataStream {
    pub id: String,
    pub scap_version: String,
    pub dictionaries: Vec<ComponentRef>,
    pub checklists: Vec<ComponentRef>,
    pub checks: Vec<ComponentRef>,
}

impl DataStream {
    fn all_refs(&self) -> impl Iterator<Item = &ComponentRef> {
        self.dictionaries
            .iter()
            .chain(self.checklists.iter())
            .chain(self.checks.iter())
    }

    /// The component-ref with this id.
    pub fn component_ref(&self, id: &str) -> Option<&ComponentRef> {
        self.all_refs().find(|r| r.id == id)
    }
}

/// What a component holds.
#[derive(Debug, Clone)]
pub enum ComponentContent {
    Benchmark(Box<Benchmark>),
    Oval(OvalInfo),
    CpeDictionary(CpeDictionary),
    /// Anything else (OCIL...), by root element name.
    Other(String),
}

/// Facts about an OVAL definitions component needed to map its results to XCCDF.
#[derive(Debug, Clone, Default)]
pub struct OvalInfo {
    /// Definition id -> `@class` (compliance, inventory, patch, vulnerability, miscellaneous).
    pub classes: BTreeMap<String, String>,
    /// Definition ids in document order.
    pub order: Vec<String>,
}

/// A `ds:component`.
#[derive(Debug, Clone)]
pub struct Component {
    pub id: String,
    pub content: ComponentContent,
    /// Byte range of the component's root element in the collection text.
    range: std::ops::Range<usize>,
    /// Namespace declarations in scope at that element, for standalone extraction.
    namespaces: Vec<(String, String)>,
}

/// Where a `check-content-ref @href` leads.
#[derive(Debug, Clone)]
pub enum Target<'a> {
    Local(&'a Component),
    /// The component-ref points outside the file (e.g. the Red Hat RHSA feed in SSG).
    Remote(String),
    /// Nothing in the catalog or the collection.
    Missing,
}

/// A loaded source data stream collection.
#[derive(Debug)]
pub struct DataStreamCollection {
    pub path: PathBuf,
    pub id: String,
    pub streams: Vec<DataStream>,
    components: BTreeMap<String, Component>,
    text: String,
}

fn component_ref(n: Node) -> ComponentRef {
    let mut catalog = BTreeMap::new();
    for cat in children(n, NS_CAT, "catalog") {
        for u in children(cat, NS_CAT, "uri") {
            if let (Some(name), Some(uri)) = (u.attribute("name"), u.attribute("uri")) {
                catalog.insert(name.to_string(), uri.to_string());
            }
        }
    }
    ComponentRef {
        id: n.attribute("id").unwrap_or("").to_string(),
        href: n.attribute((NS_XLINK, "href")).unwrap_or("").to_string(),
        catalog,
    }
}

fn refs_in(stream: Node, section: &'static str) -> Vec<ComponentRef> {
    children(stream, NS_DS, section)
        .flat_map(|s| {
            children(s, NS_DS, "component-ref")
                .map(component_ref)
                .collect::<Vec<_>>()
        })
        .collect()
}

fn oval_info(root: Node) -> OvalInfo {
    let mut info = OvalInfo::default();
    for defs in children(root, NS_OVAL_DEF, "definitions") {
        for d in children(defs, NS_OVAL_DEF, "definition") {
            if let Some(id) = d.attribute("id") {
                info.order.push(id.to_string());
                info.classes.insert(
                    id.to_string(),
                    d.attribute("class").unwrap_or("").to_string(),
                );
            }
        }
    }
    info
}

impl DataStreamCollection {
    /// Reads and parses a source data stream collection file.
    pub fn load(path: &Path) -> Result<DataStreamCollection, Error> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_text(path, text)
    }

    /// Parses collection text (`path` is only used in messages and reports).
    pub fn from_text(path: &Path, text: String) -> Result<DataStreamCollection, Error> {
        let what = path.display().to_string();
        let doc = xml::parse(&text, &what)?;
        let root = doc.root_element();
        if !is(&root, NS_DS, "data-stream-collection") {
            return Err(Error::NotDataStream(what));
        }
        let streams = children(root, NS_DS, "data-stream")
            .map(|s| DataStream {
                id: s.attribute("id").unwrap_or("").to_string(),
                scap_version: s.attribute("scap-version").unwrap_or("").to_string(),
                dictionaries: refs_in(s, "dictionaries"),
                checklists: refs_in(s, "checklists"),
                checks: refs_in(s, "checks"),
            })
            .collect();
        let mut components = BTreeMap::new();
        for c in children(root, NS_DS, "component") {
            let id = c.attribute("id").unwrap_or("").to_string();
            let Some(inner) = c.children().find(|n| n.is_element()) else {
                continue;
            };
            let content = if is(&inner, NS_XCCDF, "Benchmark") {
                ComponentContent::Benchmark(Box::new(Benchmark::parse(inner)?))
            } else if is(&inner, NS_OVAL_DEF, "oval_definitions") {
                ComponentContent::Oval(oval_info(inner))
            } else if is(&inner, NS_CPE_DICT, "cpe-list") {
                ComponentContent::CpeDictionary(CpeDictionary::parse(inner))
            } else {
                ComponentContent::Other(inner.tag_name().name().to_string())
            };
            components.insert(
                id.clone(),
                Component {
                    id,
                    content,
                    range: inner.range(),
                    namespaces: xml::namespaces_in_scope(inner),
                },
            );
        }
        Ok(DataStreamCollection {
            path: path.to_path_buf(),
            id: root.attribute("id").unwrap_or("").to_string(),
            streams,
            components,
            text,
        })
    }

    /// The whole collection text (embedded into ARF report requests).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// A component by id.
    pub fn component(&self, id: &str) -> Option<&Component> {
        self.components.get(id)
    }

    /// The component a component-ref points at, or where it points outside.
    pub fn follow(&self, cref: &ComponentRef) -> Target<'_> {
        match cref.href.strip_prefix('#') {
            Some(id) => self
                .components
                .get(id)
                .map(Target::Local)
                .unwrap_or(Target::Missing),
            None if cref.href.is_empty() => Target::Missing,
            None => Target::Remote(cref.href.clone()),
        }
    }

    /// Resolves `href` as used inside the component referenced by `from` (its catalog first,
    /// then a component-ref or component of that id when `href` is `#id`).
    pub fn resolve_href(&self, stream: &DataStream, from: &ComponentRef, href: &str) -> Target<'_> {
        let target = from.catalog.get(href).map(String::as_str).unwrap_or(href);
        let Some(id) = target.strip_prefix('#') else {
            return if target.contains("://") {
                Target::Remote(target.to_string())
            } else {
                Target::Missing
            };
        };
        if let Some(cref) = stream.component_ref(id) {
            return self.follow(cref);
        }
        self.components
            .get(id)
            .map(Target::Local)
            .unwrap_or(Target::Missing)
    }

    /// The XML of a component's root element as a standalone document.
    pub fn component_xml(&self, c: &Component) -> String {
        xml::with_namespaces(&self.text[c.range.clone()], &c.namespaces)
    }

    /// Chooses the data stream and checklist: by ids when given, else the first data stream and
    /// its first checklist holding a Benchmark (as oscap does).
    pub fn select(
        &self,
        datastream_id: Option<&str>,
        xccdf_id: Option<&str>,
    ) -> Result<(&DataStream, &ComponentRef, &Benchmark), Error> {
        let streams: Vec<&DataStream> = match datastream_id {
            Some(id) => self.streams.iter().filter(|s| s.id == id).collect(),
            None => self.streams.iter().collect(),
        };
        if streams.is_empty() {
            return Err(Error::Selection(match datastream_id {
                Some(id) => format!("no data stream with id {id:?} in {}", self.path.display()),
                None => format!("{} holds no data stream", self.path.display()),
            }));
        }
        for s in streams {
            for cref in &s.checklists {
                if xccdf_id.is_some_and(|x| x != cref.id) {
                    continue;
                }
                if let Target::Local(c) = self.follow(cref) {
                    if let ComponentContent::Benchmark(b) = &c.content {
                        return Ok((s, cref, b));
                    }
                }
            }
        }
        Err(Error::Selection(format!(
            "no XCCDF checklist{} in {}",
            xccdf_id
                .map(|x| format!(" with component-ref id {x:?}"))
                .unwrap_or_default(),
            self.path.display()
        )))
    }

    /// The CPE dictionaries of a data stream with the component-ref each came from.
    pub fn dictionaries<'a>(
        &'a self,
        stream: &'a DataStream,
    ) -> Vec<(&'a ComponentRef, &'a CpeDictionary)> {
        let mut out = Vec::new();
        for cref in &stream.dictionaries {
            if let Target::Local(c) = self.follow(cref) {
                if let ComponentContent::CpeDictionary(d) = &c.content {
                    out.push((cref, d));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DS: &str = r##"<ds:data-stream-collection xmlns:ds="http://scap.nist.gov/schema/scap/source/1.2" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:cat="urn:oasis:names:tc:entity:xmlns:xml:catalog" id="c">
  <ds:data-stream id="s1" scap-version="1.3">
    <ds:checklists>
      <ds:component-ref id="cr-a" xlink:href="#comp-a"><cat:catalog><cat:uri name="o.xml" uri="#cr-o"/></cat:catalog></ds:component-ref>
      <ds:component-ref id="cr-b" xlink:href="#comp-b"/>
    </ds:checklists>
    <ds:checks>
      <ds:component-ref id="cr-o" xlink:href="#comp-o"/>
      <ds:component-ref id="cr-r" xlink:href="https://example.org/remote.xml"/>
    </ds:checks>
  </ds:data-stream>
  <ds:data-stream id="s2" scap-version="1.2">
    <ds:checklists><ds:component-ref id="cr-b2" xlink:href="#comp-b"/></ds:checklists>
  </ds:data-stream>
  <ds:component id="comp-a"><Benchmark xmlns="http://checklists.nist.gov/xccdf/1.2" id="xccdf_t_benchmark_a"><title>A</title>
    <Profile id="xccdf_t_profile_p"><title>P</title><select idref="xccdf_t_rule_1" selected="true"/></Profile>
    <Rule id="xccdf_t_rule_1" selected="false"><title>one</title></Rule></Benchmark></ds:component>
  <ds:component id="comp-b"><Benchmark xmlns="http://checklists.nist.gov/xccdf/1.2" id="xccdf_t_benchmark_b"><title>B</title></Benchmark></ds:component>
  <ds:component id="comp-o"><oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5"><definitions>
    <definition id="oval:t:def:1" class="patch" version="1"/></definitions></oval_definitions></ds:component>
</ds:data-stream-collection>"##;

    fn load() -> DataStreamCollection {
        DataStreamCollection::from_text(Path::new("t.xml"), DS.to_string()).unwrap()
    }

    #[test]
    fn selects_streams_and_checklists() {
        let ds = load();
        assert_eq!(ds.select(None, None).unwrap().2.id, "xccdf_t_benchmark_a");
        assert_eq!(
            ds.select(None, Some("cr-b")).unwrap().2.id,
            "xccdf_t_benchmark_b"
        );
        assert_eq!(ds.select(Some("s2"), None).unwrap().1.id, "cr-b2");
        assert!(matches!(
            ds.select(Some("nope"), None),
            Err(Error::Selection(_))
        ));
        assert!(matches!(
            ds.select(None, Some("nope")),
            Err(Error::Selection(_))
        ));
        let (_, _, b) = ds.select(None, None).unwrap();
        assert!(crate::profile::find_profile(b, "p").is_ok());
        assert!(matches!(
            crate::profile::find_profile(b, "q"),
            Err(Error::Selection(_))
        ));
        let r = crate::profile::resolve(b, Some("xccdf_t_profile_p")).unwrap();
        assert!(r.rule_selected("xccdf_t_rule_1"));
        assert!(!crate::profile::resolve(b, None)
            .unwrap()
            .rule_selected("xccdf_t_rule_1"));
    }

    #[test]
    fn resolves_hrefs_through_catalogs() {
        let ds = load();
        let (s, cref, _) = ds.select(None, None).unwrap();
        match ds.resolve_href(s, cref, "o.xml") {
            Target::Local(c) => match &c.content {
                ComponentContent::Oval(info) => assert_eq!(info.classes["oval:t:def:1"], "patch"),
                other => panic!("{other:?}"),
            },
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            ds.resolve_href(s, cref, "#cr-r"),
            Target::Remote(_)
        ));
        assert!(matches!(
            ds.resolve_href(s, cref, "missing.xml"),
            Target::Missing
        ));
        // The extracted component is a standalone document.
        let Target::Local(c) = ds.resolve_href(s, cref, "o.xml") else {
            unreachable!()
        };
        let xml = ds.component_xml(c);
        assert!(roxmltree::Document::parse(&xml).is_ok(), "{xml}");
    }

    #[test]
    fn rejects_other_documents() {
        let e = DataStreamCollection::from_text(Path::new("x.xml"), "<a/>".into()).unwrap_err();
        assert!(matches!(e, Error::NotDataStream(_)));
        let e = DataStreamCollection::from_text(Path::new("x.xml"), "<a>".into()).unwrap_err();
        assert!(matches!(e, Error::Xml { .. }));
    }
}
