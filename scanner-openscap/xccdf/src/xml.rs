//! Small XML helpers shared by the parsers and writers: namespace URIs, element matching,
//! plain-text flattening of mixed content, escaping, and cutting a standalone document out of a
//! data stream component.

use roxmltree::Node;

pub const NS_DS: &str = "http://scap.nist.gov/schema/scap/source/1.2";
pub const NS_XCCDF: &str = "http://checklists.nist.gov/xccdf/1.2";
pub const NS_XLINK: &str = "http://www.w3.org/1999/xlink";
pub const NS_CAT: &str = "urn:oasis:names:tc:entity:xmlns:xml:catalog";
pub const NS_CPE_DICT: &str = "http://cpe.mitre.org/dictionary/2.0";
pub const NS_CPE_LANG: &str = "http://cpe.mitre.org/language/2.0";
pub const NS_OVAL_DEF: &str = "http://oval.mitre.org/XMLSchema/oval-definitions-5";
pub const NS_OVAL_RES: &str = "http://oval.mitre.org/XMLSchema/oval-results-5";
pub const NS_ARF: &str = "http://scap.nist.gov/schema/asset-reporting-format/1.1";
pub const NS_XHTML: &str = "http://www.w3.org/1999/xhtml";

/// The OVAL check system URI used by XCCDF `check/@system`.
pub const OVAL_SYSTEM: &str = "http://oval.mitre.org/XMLSchema/oval-definitions-5";

/// Whether `node` is the element `{ns}local`.
pub fn is(node: &Node, ns: &str, local: &str) -> bool {
    node.is_element() && node.tag_name().name() == local && node.tag_name().namespace() == Some(ns)
}

/// Child elements `{ns}local` of `node`.
pub fn children<'a, 'input: 'a>(
    node: Node<'a, 'input>,
    ns: &'static str,
    local: &'static str,
) -> impl Iterator<Item = Node<'a, 'input>> + 'a {
    node.children().filter(move |c| is(c, ns, local))
}

/// First child element `{ns}local`.
pub fn child<'a, 'input>(
    node: Node<'a, 'input>,
    ns: &str,
    local: &str,
) -> Option<Node<'a, 'input>> {
    node.children().find(|c| is(c, ns, local))
}

/// The concatenated text of every descendant text node (XHTML markup dropped, its text kept,
/// `<sub>` and other empty elements contribute nothing).
pub fn flat_text(node: Node) -> String {
    let mut s = String::new();
    for d in node.descendants() {
        if d.is_text() {
            if let Some(t) = d.text() {
                s.push_str(t);
            }
        }
    }
    s
}

/// The trimmed text of the first child `{ns}local`, or "".
pub fn child_text(node: Node, ns: &str, local: &str) -> String {
    child(node, ns, local)
        .map(|c| flat_text(c).trim().to_string())
        .unwrap_or_default()
}

/// XCCDF/XSD boolean attribute ("true"/"1").
pub fn bool_attr(node: Node, name: &str) -> Option<bool> {
    node.attribute(name)
        .map(|v| matches!(v.trim(), "true" | "1"))
}

/// Escapes text for element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            _ => out.push(c),
        }
    }
    out
}

/// The namespace declarations in scope at `node` (`("xmlns:p" or "xmlns", uri)`, without the
/// implicit `xml` prefix), for [`with_namespaces`].
pub fn namespaces_in_scope(node: Node) -> Vec<(String, String)> {
    node.namespaces()
        .filter(|ns| ns.name() != Some("xml"))
        .map(|ns| {
            let attr = match ns.name() {
                Some(p) => format!("xmlns:{p}"),
                None => "xmlns".to_string(),
            };
            (attr, ns.uri().to_string())
        })
        .collect()
}

/// The source text of element `node` as a standalone document: the start tag gets a declaration
/// for every namespace in scope (data stream components rely on declarations made on the
/// collection root). `text` must be the text the node was parsed from.
pub fn standalone(text: &str, node: Node) -> String {
    with_namespaces(&text[node.range()], &namespaces_in_scope(node))
}

/// `src`, the source text of one element, as a standalone document whose start tag declares
/// each of `namespaces` it does not declare itself.
pub fn with_namespaces(src: &str, namespaces: &[(String, String)]) -> String {
    // End of the element name in the start tag.
    let name_end = src[1..]
        .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
        .map(|i| i + 1)
        .unwrap_or(src.len());
    let start_tag = &src[..src.find('>').unwrap_or(src.len())];
    let mut decls = String::new();
    for (attr, uri) in namespaces {
        let declared =
            start_tag.contains(&format!("{attr}=\"")) || start_tag.contains(&format!("{attr}='"));
        if !declared {
            decls.push(' ');
            decls.push_str(attr);
            decls.push_str("=\"");
            decls.push_str(&escape(uri));
            decls.push('"');
        }
    }
    let mut out = String::with_capacity(src.len() + decls.len() + 64);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&src[..name_end]);
    out.push_str(&decls);
    out.push_str(&src[name_end..]);
    out
}

/// Deepest element nesting accepted in SCAP content. SSG data streams nest about 20 levels
/// (collection, component, Benchmark, Groups, Rule, check, OVAL criteria, XHTML); the content is
/// walked recursively (Groups, criteria), so absurd nesting is refused here, before any walk,
/// rather than overflowing a stack.
pub const MAX_DEPTH: usize = 256;

/// Most attributes accepted on one element of SCAP content (SSG elements have a handful).
/// roxmltree compares each attribute's name with every earlier one of its element: an element
/// of 40 000 attributes takes it 1.4 s, and a few such elements minutes.
pub const MAX_ATTRIBUTES: usize = 1024;

/// Most namespace declarations in scope at once, and in a whole document, and the longest
/// prefix one may declare. roxmltree copies the namespaces in scope for every element that
/// declares one, comparing the prefix of each with those already copied: 10 000 small elements
/// each declaring one under a root declaring 1024 took it 14 s, and long prefixes of the same
/// length multiply that. SSG data streams declare 13 to 15, all on the root; ARFs of the rhel8
/// standard and stig profiles 68 (at most 18 in scope), a CVE result 148 (at most 11); prefixes
/// are a few bytes long. The worst document within these limits that a review built parses in
/// 6 ms.
pub const MAX_NAMESPACES_IN_SCOPE: usize = 64;
/// See [`MAX_NAMESPACES_IN_SCOPE`].
pub const MAX_NAMESPACE_DECLARATIONS: usize = 1024;
/// See [`MAX_NAMESPACES_IN_SCOPE`] (bytes).
pub const MAX_NAMESPACE_PREFIX: usize = 64;

/// Only start tags longer than this are counted: more than [`MAX_ATTRIBUTES`] attributes take
/// more, ` a=""` (5 bytes) each at least. quick-xml also reads attributes without white space
/// between them (`a=""b=""`), but roxmltree refuses those at the first one, before its duplicate
/// check, so a shorter tag cannot cost it more than about [`MAX_ATTRIBUTES`] names.
const MANY_ATTRIBUTES_BYTES: usize = 5 * MAX_ATTRIBUTES;

/// The limits on one start tag of `what` at byte `at` (`open`: not an empty element): its
/// attributes, the length of the namespace prefixes it declares, and the declarations in scope
/// and in the document with its own.
fn start_limits(
    tag: &quick_xml::events::BytesStart<'_>,
    open: bool,
    namespaces: &mut xml_attrs::NamespaceScope,
    what: &str,
    at: u64,
) -> Result<(), crate::Error> {
    if tag.len() > MANY_ATTRIBUTES_BYTES && xml_attrs::attributes(tag).count() > MAX_ATTRIBUTES {
        return Err(crate::Error::TooManyAttributes {
            what: what.to_string(),
            limit: MAX_ATTRIBUTES,
            at,
        });
    }
    let counted = namespaces.start(tag, open);
    if counted.longest_prefix > MAX_NAMESPACE_PREFIX {
        return Err(crate::Error::LongNamespacePrefix {
            what: what.to_string(),
            limit: MAX_NAMESPACE_PREFIX,
            at,
        });
    }
    for (count, limit, where_) in [
        (
            counted.in_scope,
            MAX_NAMESPACES_IN_SCOPE,
            "in scope at once",
        ),
        (
            counted.in_document,
            MAX_NAMESPACE_DECLARATIONS,
            "in the document",
        ),
    ] {
        if count > limit {
            return Err(crate::Error::TooManyNamespaces {
                what: what.to_string(),
                limit,
                counted: where_,
                at,
            });
        }
    }
    Ok(())
}

/// Parses with the limits SCAP content needs (large documents, no DTD, nesting at most
/// [`MAX_DEPTH`] elements deep, at most [`MAX_ATTRIBUTES`] attributes on an element, and the
/// namespace declarations bounded by [`MAX_NAMESPACES_IN_SCOPE`]).
pub fn parse<'a>(text: &'a str, what: &str) -> Result<roxmltree::Document<'a>, crate::Error> {
    let opts = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: u32::MAX,
    };
    let err = |message: String| crate::Error::Xml {
        what: what.to_string(),
        message,
    };
    // roxmltree's tokenizer recurses once per nesting level: measure the depth first with
    // quick-xml's flat reader, so absurd nesting is an error and not a stack overflow; and
    // count the attributes of long tags and the namespace declarations, which roxmltree
    // handles in quadratic time.
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().check_end_names = false;
    let mut depth = 0usize;
    let mut namespaces = xml_attrs::NamespaceScope::default();
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Start(e)) => {
                start_limits(&e, true, &mut namespaces, what, reader.buffer_position())?;
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(crate::Error::TooDeep {
                        what: what.to_string(),
                        limit: MAX_DEPTH,
                        at: reader.buffer_position(),
                    });
                }
            }
            Ok(quick_xml::events::Event::Empty(e)) => {
                start_limits(&e, false, &mut namespaces, what, reader.buffer_position())?;
            }
            Ok(quick_xml::events::Event::End(_)) => {
                depth = depth.saturating_sub(1);
                namespaces.end();
            }
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            // Malformed here is refused here: handing it on could let roxmltree recurse into
            // nesting this pass never measured.
            Err(e) => return Err(err(format!("{e} (at byte {})", reader.error_position()))),
        }
    }
    let doc =
        roxmltree::Document::parse_with_options(text, opts).map_err(|e| err(e.to_string()))?;
    Ok(doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standalone_adds_inherited_namespaces() {
        let text = r#"<a:root xmlns:a="urn:a" xmlns:b="urn:b"><b:x id="1"><b:y/></b:x></a:root>"#;
        let doc = roxmltree::Document::parse(text).unwrap();
        let x = doc.root_element().first_child().unwrap();
        let s = standalone(text, x);
        let d2 = roxmltree::Document::parse(&s).unwrap();
        assert_eq!(d2.root_element().tag_name().namespace(), Some("urn:b"));
        assert!(s.contains("xmlns:a=\"urn:a\""));
    }

    #[test]
    fn nesting_is_bounded() {
        let nested = |n: usize| format!("{}{}", "<g>".repeat(n), "</g>".repeat(n));
        assert!(parse(&nested(MAX_DEPTH), "ok").is_ok());
        let e = parse(&nested(200_000), "deep").unwrap_err().to_string();
        assert!(e.contains("nested deeper than 256"), "{e}");
    }

    #[test]
    fn flat_text_keeps_markup_text() {
        let doc = roxmltree::Document::parse("<d>a <h:b xmlns:h='x'>bold</h:b><s/> c</d>").unwrap();
        assert_eq!(flat_text(doc.root_element()), "a bold c");
    }
}
