//! The attributes of an XML start tag, read by quick-xml, with the duplicate-name check done in
//! linear time.
//!
//! quick-xml's own check ([`BytesStart::attributes`]) compares each name with every name before
//! it in the tag: a tag of 80 000 attributes (770 KB) takes 8.5 s, and one of a few megabytes
//! hours. Repository metadata and SCAP content come from images and mirrors, so the scanners
//! read attributes through [`attributes`] instead: quick-xml reads them without its check and
//! names are looked up in a hash map once a tag has more than a few.
//!
//! [`namespace_declarations`] counts a tag's namespace declarations as XML readers keep them
//! (a repeated one each time), and [`NamespaceScope`] those in scope, for readers that bound
//! them.
//!
//! Up to and including the first error, the items are the ones quick-xml's checked iterator
//! gives, errors and their positions included (a test holds the two side by side). After an
//! error it goes on reading attributes as quick-xml's unchecked iterator does and still reports
//! repeated names, where quick-xml's checked one skips ahead its own way: a document with a
//! malformed attribute is not well-formed XML, and the reference tools (libsolv, OpenSCAP
//! through libxml2) reject all of it anyway.

use std::collections::HashMap;
use std::ops::Range;

use quick_xml::events::attributes::{AttrError, Attribute};
use quick_xml::events::BytesStart;

/// Names are compared one by one up to this many, then looked up in a hash map.
const LINEAR: usize = 16;

/// The attributes of `tag` as [`BytesStart::attributes`] gives them (with its duplicate check),
/// in time linear in the length of the tag.
pub fn attributes<'a>(tag: &'a BytesStart<'a>) -> Attributes<'a> {
    let content: &'a [u8] = tag;
    Attributes {
        inner: unchecked(tag),
        content,
        next_key: Some(tag.name().as_ref().len()),
        names: Names::default(),
    }
}

/// quick-xml's attribute iterator with its duplicate check turned off: the one use of it that
/// the workspace allows (clippy.toml).
fn unchecked<'a>(tag: &'a BytesStart<'a>) -> quick_xml::events::attributes::Attributes<'a> {
    #[allow(clippy::disallowed_methods)]
    let mut attrs = tag.attributes();
    attrs.with_checks(false);
    attrs
}

/// Iterator returned by [`attributes`].
pub struct Attributes<'a> {
    inner: quick_xml::events::attributes::Attributes<'a>,
    /// The tag's content (name and attributes), which every key and value borrows from.
    content: &'a [u8],
    /// Where quick-xml starts looking for the next name, while no error has come yet.
    next_key: Option<usize>,
    names: Names,
}

/// The names read so far, by their range in the tag's content.
#[derive(Default)]
struct Names {
    few: Vec<Range<usize>>,
    many: Option<HashMap<Box<[u8]>, usize>>,
}

impl Names {
    /// Records `key` (a range of `content`); the start of the same name read earlier, if any.
    fn insert(&mut self, content: &[u8], key: Range<usize>) -> Option<usize> {
        let name = &content[key.clone()];
        if let Some(map) = &mut self.many {
            return match map.get(name) {
                Some(&earlier) => Some(earlier),
                None => {
                    map.insert(name.into(), key.start);
                    None
                }
            };
        }
        if let Some(earlier) = self.few.iter().find(|r| &content[(*r).clone()] == name) {
            return Some(earlier.start);
        }
        self.few.push(key);
        if self.few.len() > LINEAR {
            let map = self
                .few
                .drain(..)
                .map(|r| (content[r.clone()].into(), r.start))
                .collect();
            self.many = Some(map);
        }
        None
    }
}

/// The namespace declarations of one start tag, as XML readers keep them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NamespaceDeclarations {
    /// How many.
    pub count: usize,
    /// The longest prefix declared (the `p` of `xmlns:p`), in bytes.
    pub longest_prefix: usize,
}

/// The namespace declarations of `tag`, counted as the readers that keep them count: every
/// `xmlns` and `xmlns:p` attribute, a repeated one as often as it appears (quick-xml's resolver
/// keeps each copy, roxmltree each `xmlns`), and `p:xmlns`, which roxmltree takes for `xmlns`.
/// Malformed attributes are not counted. Readers keep the namespaces in scope in lists that
/// they search for every name, or copy for every element that declares one, comparing
/// prefixes: callers bound how many may be in scope and how long a prefix may be.
pub fn namespace_declarations(tag: &BytesStart<'_>) -> NamespaceDeclarations {
    let mut found = NamespaceDeclarations::default();
    let content: &[u8] = tag;
    if memchr::memmem::find(content, b"xmlns").is_none() {
        return found;
    }
    // Without the duplicate check: repeated declarations are what is counted here.
    for a in unchecked(tag).flatten() {
        let key = a.key.as_ref();
        let prefix = if key == b"xmlns" || key.ends_with(b":xmlns") {
            0
        } else if let Some(prefix) = key.strip_prefix(b"xmlns:") {
            prefix.len()
        } else {
            continue;
        };
        found.count += 1;
        found.longest_prefix = found.longest_prefix.max(prefix);
    }
    found
}

/// The namespace declarations in scope while a document is read tag by tag, counted as
/// [`namespace_declarations`] counts them, for readers that bound them.
#[derive(Debug, Default)]
pub struct NamespaceScope {
    /// The declarations of each open element.
    declared: Vec<usize>,
    in_scope: usize,
    in_document: usize,
}

/// What [`NamespaceScope::start`] counted at a start tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Counted {
    /// Declarations in scope on the element, its own included.
    pub in_scope: usize,
    /// Declarations in the document so far, the element's included.
    pub in_document: usize,
    /// The longest prefix the element declares, in bytes.
    pub longest_prefix: usize,
}

impl NamespaceScope {
    /// Counts the declarations of start tag `tag`; `open` when an end tag is to close it (not
    /// for an empty element read as one event).
    pub fn start(&mut self, tag: &BytesStart<'_>, open: bool) -> Counted {
        let here = namespace_declarations(tag);
        self.in_document += here.count;
        let in_scope = self.in_scope + here.count;
        if open {
            self.declared.push(here.count);
            self.in_scope = in_scope;
        }
        Counted {
            in_scope,
            in_document: self.in_document,
            longest_prefix: here.longest_prefix,
        }
    }

    /// An end tag: the declarations of the element it closes go out of scope (an end tag
    /// without an open element closes nothing).
    pub fn end(&mut self) {
        self.in_scope -= self.declared.pop().unwrap_or(0);
    }
}

/// Offset of `part` (a slice borrowed from `whole`) in `whole`.
fn offset_in(whole: &[u8], part: &[u8]) -> usize {
    (part.as_ptr() as usize).wrapping_sub(whole.as_ptr() as usize)
}

fn is_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\r' | b'\n' | b'\t')
}

/// The name quick-xml reads from `at` on, when it is followed by `=` (quick-xml records only
/// such names for its check). The name's first byte is whatever follows the white space, even
/// `=`: the end of the name is looked for after it.
fn key_at(content: &[u8], at: usize) -> Option<Range<usize>> {
    let rest = content.get(at..)?;
    let start = at + rest.iter().position(|&b| !is_whitespace(b))?;
    let end = start
        + 1
        + content[start + 1..]
            .iter()
            .position(|&b| b == b'=' || is_whitespace(b))?;
    let after = content[end..].iter().position(|&b| !is_whitespace(b))?;
    (content[end + after] == b'=').then_some(start..end)
}

impl<'a> Iterator for Attributes<'a> {
    type Item = Result<Attribute<'a>, AttrError>;

    fn next(&mut self) -> Option<Self::Item> {
        let item = self.inner.next()?;
        Some(match item {
            Ok(attr) => {
                let key = attr.key.as_ref();
                let start = offset_in(self.content, key);
                // quick-xml's keys and values borrow from the tag's content.
                debug_assert!(start + key.len() <= self.content.len());
                self.next_key = match &attr.value {
                    std::borrow::Cow::Borrowed(v) => Some(offset_in(self.content, v) + v.len() + 1),
                    std::borrow::Cow::Owned(_) => None,
                };
                match self.names.insert(self.content, start..start + key.len()) {
                    Some(earlier) => Err(AttrError::Duplicated(start, earlier)),
                    None => Ok(attr),
                }
            }
            Err(err) => {
                // quick-xml checks a name as soon as it has read `name =`, before the value: a
                // repeated name with a bad value is reported as repeated.
                let key = match err {
                    AttrError::UnquotedValue(_)
                    | AttrError::ExpectedValue(_)
                    | AttrError::ExpectedQuote(..) => {
                        self.next_key.and_then(|at| key_at(self.content, at))
                    }
                    _ => None,
                };
                self.next_key = None;
                match key.and_then(|k| Some((k.start, self.names.insert(self.content, k)?))) {
                    Some((start, earlier)) => Err(AttrError::Duplicated(start, earlier)),
                    None => Err(err),
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// quick-xml's own checked iteration.
    #[allow(clippy::disallowed_methods)]
    fn checked<'a>(tag: &'a BytesStart<'a>) -> Vec<Result<Attribute<'a>, AttrError>> {
        tag.attributes().collect()
    }

    /// Items up to and including the first error.
    fn until_error<'a>(
        items: impl IntoIterator<Item = Result<Attribute<'a>, AttrError>>,
    ) -> Vec<Result<Attribute<'a>, AttrError>> {
        let mut out = Vec::new();
        for item in items {
            let stop = item.is_err();
            out.push(item);
            if stop {
                break;
            }
        }
        out
    }

    /// Tags from the pieces that steer quick-xml's attribute reading (names that repeat, `=`,
    /// both quotes, white space, a missing quote or value), as many as 60 attributes so that
    /// both the linear and the hashed lookup are used: the same items as quick-xml's checked
    /// iterator up to the first error, and the same items throughout when there is none.
    #[test]
    fn the_same_items_as_quick_xml_up_to_the_first_error() {
        let pieces: [&str; 17] = [
            " ", "\t", "=", "\"", "'", "a", "b", "ns:a", "x1", "v", " a=\"1\"", " b='2'", "\n",
            "&amp;", " ==", " =a", "\r",
        ];
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut rand = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let mut with_errors = 0;
        let mut hashed = 0;
        for round in 0..30_000 {
            let mut content = String::from("t");
            if round % 3 != 2 {
                // Well-formed attributes: names from a small set (many repeat), or distinct.
                for i in 0..rand(60) {
                    let q = if rand(2) == 0 { '"' } else { '\'' };
                    let name = if round % 3 == 0 { rand(70) } else { i };
                    content.push_str(&format!(" n{name}={q}v{q}"));
                }
            } else {
                for _ in 0..rand(40) {
                    content.push_str(pieces[rand(pieces.len())]);
                }
            }
            let tag = BytesStart::from_content(content.as_str(), 1);
            let theirs = checked(&tag);
            let ours: Vec<_> = attributes(&tag).collect();
            if theirs.iter().any(Result::is_err) {
                with_errors += 1;
                assert_eq!(until_error(ours), until_error(theirs), "{content:?}");
            } else {
                hashed += usize::from(theirs.len() > LINEAR);
                assert_eq!(ours, theirs, "{content:?}");
            }
        }
        // Both kinds of input were met often.
        assert!(
            with_errors > 5_000 && hashed > 3_000,
            "{with_errors} {hashed}"
        );
    }

    /// Every tag of up to 6 bytes from the bytes that steer the reading (names that start with
    /// `=` included), after no name and after 20 names (the hashed lookup): the same items as
    /// quick-xml's checked iterator up to the first error.
    #[test]
    fn every_short_tag_reads_like_quick_xml() {
        let alphabet = [b' ', b'=', b'"', b'\'', b'a', b'\t'];
        for prefix in [
            String::new(),
            (0..20).map(|i| format!(" n{i}=''")).collect(),
        ] {
            let mut compared = 0;
            for len in 0..=6u32 {
                for mut code in 0..alphabet.len().pow(len) {
                    let mut content = format!("t{prefix}");
                    for _ in 0..len {
                        content.push(alphabet[code % alphabet.len()] as char);
                        code /= alphabet.len();
                    }
                    let tag = BytesStart::from_content(content.as_str(), 1);
                    assert_eq!(
                        until_error(attributes(&tag)),
                        until_error(checked(&tag)),
                        "{content:?}"
                    );
                    compared += 1;
                }
            }
            assert_eq!(compared, 55_987);
        }
    }

    /// Repeated declarations count as often as they appear, `p:xmlns` counts (roxmltree reads
    /// it as `xmlns`), malformed attributes and look-alikes do not.
    #[test]
    fn namespace_declarations_are_counted() {
        for (content, count, longest_prefix) in [
            ("t", 0, 0),
            ("t a='1' xmlnsx='2'", 0, 0),
            ("t xmlns='u'", 1, 0),
            (
                "t xmlns:a='u' xmlns:bcd='v' b:c='1' xmlnsx='2' a:xmlns='3'",
                3,
                3,
            ),
            ("t xmlns:a='u' xmlns:a='v' xmlns='w' xmlns='x'", 4, 1),
            ("t xmlns:a=u xmlns:b='v'", 1, 1),
        ] {
            let tag = BytesStart::from_content(content, 1);
            assert_eq!(
                namespace_declarations(&tag),
                NamespaceDeclarations {
                    count,
                    longest_prefix
                },
                "{content}"
            );
        }
    }

    /// Declarations go out of scope with their element; an empty element's never enter it; an
    /// unmatched end tag closes nothing; the document count only grows.
    #[test]
    fn namespace_scope_follows_the_elements() {
        let tag = |s| BytesStart::from_content(s, 1);
        let mut scope = NamespaceScope::default();
        let counted = |in_scope, in_document, longest_prefix| Counted {
            in_scope,
            in_document,
            longest_prefix,
        };
        assert_eq!(
            scope.start(&tag("r xmlns='u' xmlns:ab='v'"), true),
            counted(2, 2, 2)
        );
        assert_eq!(scope.start(&tag("e xmlns:c='w'"), false), counted(3, 3, 1));
        assert_eq!(scope.start(&tag("c p:xmlns='x'"), true), counted(3, 4, 0));
        scope.end();
        assert_eq!(scope.start(&tag("d"), true), counted(2, 4, 0));
        scope.end();
        scope.end();
        scope.end();
        assert_eq!(scope.start(&tag("f xmlns:g='y'"), true), counted(1, 5, 1));
    }

    /// A repeated name after 100 000 distinct ones is found (quick-xml's check alone would
    /// compare some 5 billion pairs of names), and reported where quick-xml reports it.
    #[test]
    fn a_repeated_name_among_many_is_found() {
        let mut content = String::from("t");
        for i in 0..100_000 {
            content.push_str(&format!(" a{i}=\"\""));
        }
        let repeated = content.len() + 1;
        content.push_str(" a77777=\"x\" z=\"1\"");
        let tag = BytesStart::from_content(content.as_str(), 1);
        let items: Vec<_> = attributes(&tag).collect();
        assert_eq!(items.len(), 100_002);
        assert!(items[..100_000].iter().all(Result::is_ok));
        let earlier = content.find(" a77777=").unwrap() + 1;
        assert_eq!(
            items[100_000],
            Err(AttrError::Duplicated(repeated, earlier))
        );
        assert_eq!(
            items[100_001].as_ref().map(|a| a.key.as_ref()),
            Ok(&b"z"[..])
        );
    }

    /// A repeated name whose value is malformed is reported as repeated, as quick-xml does (it
    /// checks the name before reading the value).
    #[test]
    fn a_repeated_name_with_a_bad_value_is_reported_as_repeated() {
        for content in ["t x=\"1\" x=2", "t x=\"1\"  x = ", "t x='1' x=\"2"] {
            let tag = BytesStart::from_content(content, 1);
            let ours: Vec<_> = attributes(&tag).collect();
            assert_eq!(
                ours[1],
                Err(AttrError::Duplicated(content.rfind('x').unwrap(), 2))
            );
            assert_eq!(until_error(ours), until_error(checked(&tag)), "{content:?}");
        }
    }
}
