//! System characteristics: collected items, collection flags, the item store shared by all
//! objects of one evaluation, and reading an OVAL system-characteristics document (what
//! `oscap oval collect` writes) so the engine can be run without probing anything.

use std::collections::HashMap;

use crate::hash::FastMap;
use std::io::BufRead;
use std::path::Path;

use crate::model::Datatype;
use crate::result::Status;
use crate::xml::{self, Node, XmlError};

/// A collection flag of an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    Complete,
    Incomplete,
    DoesNotExist,
    Error,
    NotCollected,
    NotApplicable,
}

impl Flag {
    /// Parses the schema spelling (unknown: error).
    pub fn parse(s: &str) -> Flag {
        match s {
            "complete" => Flag::Complete,
            "incomplete" => Flag::Incomplete,
            "does not exist" => Flag::DoesNotExist,
            "not collected" => Flag::NotCollected,
            "not applicable" => Flag::NotApplicable,
            _ => Flag::Error,
        }
    }
    /// The schema spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Flag::Complete => "complete",
            Flag::Incomplete => "incomplete",
            Flag::DoesNotExist => "does not exist",
            Flag::Error => "error",
            Flag::NotCollected => "not collected",
            Flag::NotApplicable => "not applicable",
        }
    }
}

/// One entity of a collected item.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ItemEntity {
    pub name: String,
    pub value: String,
    pub datatype: DatatypeKey,
    pub status: StatusKey,
}

/// Hashable wrapper of [`Datatype`] (by its spelling).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DatatypeKey(pub &'static str);

impl DatatypeKey {
    /// The datatype.
    pub fn get(self) -> Datatype {
        Datatype::parse(self.0).unwrap_or(Datatype::String)
    }
    /// From a datatype.
    pub fn of(d: Datatype) -> DatatypeKey {
        DatatypeKey(match d {
            Datatype::String => "string",
            Datatype::Int => "int",
            Datatype::Float => "float",
            Datatype::Boolean => "boolean",
            Datatype::Binary => "binary",
            Datatype::EvrString => "evr_string",
            Datatype::DebianEvrString => "debian_evr_string",
            Datatype::Version => "version",
            Datatype::Ipv4Address => "ipv4_address",
            Datatype::Ipv6Address => "ipv6_address",
            Datatype::FilesetRevision => "fileset_revision",
            Datatype::IosVersion => "ios_version",
            Datatype::Record => "record",
        })
    }
}

/// Hashable item/entity status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StatusKey(pub &'static str);

impl StatusKey {
    /// The status.
    pub fn get(self) -> Status {
        Status::parse(self.0)
    }
    /// From a status.
    pub fn of(s: Status) -> StatusKey {
        StatusKey(s.as_str())
    }
}

/// A collected item (`<lin-sys:rpminfo_item>` ...).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Item {
    /// Platform family ("linux", "independent", "unix").
    pub family: String,
    /// Item kind without `_item` ("rpminfo").
    pub kind: String,
    pub status: StatusKey,
    pub entities: Vec<ItemEntity>,
}

impl Item {
    /// A new existing item.
    pub fn new(family: &str, kind: &str) -> Item {
        Item {
            family: family.to_string(),
            kind: kind.to_string(),
            status: StatusKey::of(Status::Exists),
            entities: Vec::new(),
        }
    }
    /// Appends a string entity.
    pub fn with(mut self, name: &str, value: impl Into<String>) -> Item {
        self.push(name, value, Datatype::String);
        self
    }
    /// Appends an entity of a datatype.
    pub fn push(&mut self, name: &str, value: impl Into<String>, dt: Datatype) {
        self.entities.push(ItemEntity {
            name: name.to_string(),
            value: value.into(),
            datatype: DatatypeKey::of(dt),
            status: StatusKey::of(Status::Exists),
        });
    }
    /// Values of the entities with this name.
    pub fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.entities
            .iter()
            .filter(move |e| e.name == name)
            .map(|e| e.value.as_str())
    }
}

/// The result of collecting one object.
#[derive(Debug, Clone)]
pub struct Collected {
    pub flag: Flag,
    /// Indices into the [`ItemStore`].
    pub items: Vec<usize>,
    pub message: Option<String>,
}

impl Collected {
    /// A collection without items.
    pub fn flagged(flag: Flag, message: impl Into<String>) -> Collected {
        Collected {
            flag,
            items: Vec::new(),
            message: Some(message.into()),
        }
    }
}

/// Items collected during one evaluation; identical items are stored once (as OpenSCAP does in
/// its system characteristics), so sets can compare items by index.
#[derive(Debug, Default)]
pub struct ItemStore {
    pub items: Vec<Item>,
    /// The document's id of each item (syschar input), or none for probed items.
    pub ids: Vec<Option<String>>,
    index: FastMap<Item, usize>,
}

impl ItemStore {
    /// Stores (or finds) an item and returns its index.
    pub fn intern(&mut self, item: Item) -> usize {
        if let Some(&i) = self.index.get(&item) {
            return i;
        }
        let i = self.items.len();
        self.index.insert(item.clone(), i);
        self.items.push(item);
        self.ids.push(None);
        i
    }
}

/// A parsed system-characteristics document.
#[derive(Debug, Default)]
pub struct Syschar {
    pub store: ItemStore,
    pub objects: FastMap<String, Collected>,
    /// `variable_value`s recorded per object.
    pub variable_values: HashMap<String, Vec<String>>,
}

/// Reads a system-characteristics document (or the syschar part of an OVAL results document).
pub fn parse_syschar(path: &Path) -> Result<Syschar, XmlError> {
    parse_syschar_reader(xml::open_maybe_bz2(path)?)
}

/// As [`parse_syschar`], from a reader.
pub fn parse_syschar_reader<R: BufRead>(input: R) -> Result<Syschar, XmlError> {
    let mut sc = Syschar::default();
    let mut pending: Vec<(String, Flag, Vec<String>, Option<String>)> = Vec::new();
    let mut by_id: HashMap<String, usize> = HashMap::new();
    xml::stream(
        input,
        |path| {
            let n = path.len();
            n >= 3
                && path[n - 3] == "oval_system_characteristics"
                && matches!(path[n - 2].as_str(), "collected_objects" | "system_data")
        },
        |path, node: Node| {
            if path.last().map(String::as_str) == Some("collected_objects") {
                let id = node.attr("id").unwrap_or("").to_string();
                let flag = Flag::parse(node.attr("flag").unwrap_or("error"));
                let mut refs = Vec::new();
                let mut msg = None;
                for c in &node.children {
                    match c.name.as_str() {
                        "reference" => refs.push(c.attr("item_ref").unwrap_or("").to_string()),
                        "variable_value" => sc
                            .variable_values
                            .entry(c.attr("variable_id").unwrap_or("").to_string())
                            .or_default()
                            .push(c.text.clone()),
                        "message" => msg = Some(c.text.clone()),
                        _ => {}
                    }
                }
                pending.push((id, flag, refs, msg));
            } else {
                let id = node.attr("id").unwrap_or("").to_string();
                let kind = node.name.strip_suffix("_item").unwrap_or(&node.name);
                let mut item = Item::new(node.family(), kind);
                item.status = StatusKey::of(Status::parse(node.attr("status").unwrap_or("exists")));
                for c in &node.children {
                    if c.name == "message" {
                        continue;
                    }
                    let dt = c
                        .attr("datatype")
                        .and_then(Datatype::parse)
                        .unwrap_or(Datatype::String);
                    item.entities.push(ItemEntity {
                        name: c.name.clone(),
                        value: c.text.clone(),
                        datatype: DatatypeKey::of(dt),
                        status: StatusKey::of(Status::parse(c.attr("status").unwrap_or("exists"))),
                    });
                }
                let idx = sc.store.intern(item);
                sc.store.ids[idx] = Some(id.clone());
                by_id.insert(id, idx);
            }
            Ok(())
        },
    )?;
    for (id, flag, refs, message) in pending {
        let items = refs.iter().filter_map(|r| by_id.get(r).copied()).collect();
        sc.objects.insert(
            id,
            Collected {
                flag,
                items,
                message,
            },
        );
    }
    Ok(sc)
}
