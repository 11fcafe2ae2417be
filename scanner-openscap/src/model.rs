//! The in-memory model of an OVAL 5.x definitions document: definitions and their criteria,
//! tests, objects, states and variables, with the enumerations of the OVAL common schema.

use crate::hash::FastMap;

/// OVAL datatypes (oval-common-5 SimpleDatatypeEnumeration, plus record).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Datatype {
    String,
    Int,
    Float,
    Boolean,
    Binary,
    EvrString,
    DebianEvrString,
    Version,
    Ipv4Address,
    Ipv6Address,
    FilesetRevision,
    IosVersion,
    Record,
}

impl Datatype {
    /// Parses the `datatype` attribute; `None` for an unknown name.
    pub fn parse(s: &str) -> Option<Datatype> {
        Some(match s {
            "string" => Datatype::String,
            "int" => Datatype::Int,
            "float" => Datatype::Float,
            "boolean" => Datatype::Boolean,
            "binary" => Datatype::Binary,
            "evr_string" => Datatype::EvrString,
            "debian_evr_string" => Datatype::DebianEvrString,
            "version" => Datatype::Version,
            "ipv4_address" => Datatype::Ipv4Address,
            "ipv6_address" => Datatype::Ipv6Address,
            "fileset_revision" => Datatype::FilesetRevision,
            "ios_version" => Datatype::IosVersion,
            "record" => Datatype::Record,
            _ => return None,
        })
    }
}

/// OVAL OperationEnumeration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Equals,
    NotEqual,
    CaseInsensitiveEquals,
    CaseInsensitiveNotEqual,
    GreaterThan,
    LessThan,
    GreaterThanOrEqual,
    LessThanOrEqual,
    BitwiseAnd,
    BitwiseOr,
    PatternMatch,
    SubsetOf,
    SupersetOf,
}

impl Operation {
    /// Parses the `operation` attribute; `None` for an unknown name.
    pub fn parse(s: &str) -> Option<Operation> {
        Some(match s {
            "equals" => Operation::Equals,
            "not equal" => Operation::NotEqual,
            "case insensitive equals" => Operation::CaseInsensitiveEquals,
            "case insensitive not equal" => Operation::CaseInsensitiveNotEqual,
            "greater than" => Operation::GreaterThan,
            "less than" => Operation::LessThan,
            "greater than or equal" => Operation::GreaterThanOrEqual,
            "less than or equal" => Operation::LessThanOrEqual,
            "bitwise and" => Operation::BitwiseAnd,
            "bitwise or" => Operation::BitwiseOr,
            "pattern match" => Operation::PatternMatch,
            "subset of" => Operation::SubsetOf,
            "superset of" => Operation::SupersetOf,
            _ => return None,
        })
    }
}

/// OVAL CheckEnumeration (`none exist` is the deprecated spelling of `none satisfy`; on a test it
/// also forces check_existence `none_exist`, see `parse_test`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    All,
    AtLeastOne,
    NoneSatisfy,
    OnlyOne,
}

impl Check {
    /// Parses a check attribute value.
    pub fn parse(s: &str) -> Option<Check> {
        Some(match s {
            "all" => Check::All,
            "at least one" => Check::AtLeastOne,
            "none satisfy" | "none exist" => Check::NoneSatisfy,
            "only one" => Check::OnlyOne,
            _ => return None,
        })
    }
    /// The attribute spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Check::All => "all",
            Check::AtLeastOne => "at least one",
            Check::NoneSatisfy => "none satisfy",
            Check::OnlyOne => "only one",
        }
    }
}

/// OVAL ExistenceEnumeration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existence {
    AllExist,
    AnyExist,
    AtLeastOneExists,
    NoneExist,
    OnlyOneExists,
}

impl Existence {
    /// Parses a check_existence attribute value.
    pub fn parse(s: &str) -> Option<Existence> {
        Some(match s {
            "all_exist" => Existence::AllExist,
            "any_exist" => Existence::AnyExist,
            "at_least_one_exists" => Existence::AtLeastOneExists,
            "none_exist" => Existence::NoneExist,
            "only_one_exists" => Existence::OnlyOneExists,
            _ => return None,
        })
    }
    /// The attribute spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Existence::AllExist => "all_exist",
            Existence::AnyExist => "any_exist",
            Existence::AtLeastOneExists => "at_least_one_exists",
            Existence::NoneExist => "none_exist",
            Existence::OnlyOneExists => "only_one_exists",
        }
    }
}

/// OVAL OperatorEnumeration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    And,
    Or,
    One,
    Xor,
}

impl Operator {
    /// Parses an operator attribute value.
    pub fn parse(s: &str) -> Option<Operator> {
        Some(match s {
            "AND" => Operator::And,
            "OR" => Operator::Or,
            "ONE" => Operator::One,
            "XOR" => Operator::Xor,
            _ => return None,
        })
    }
    /// The attribute spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Operator::And => "AND",
            Operator::Or => "OR",
            Operator::One => "ONE",
            Operator::Xor => "XOR",
        }
    }
}

/// An entity of an object or a state (`<name operation=".." datatype="..">value</name>`).
#[derive(Debug, Clone)]
pub struct Entity {
    pub name: String,
    pub value: String,
    pub datatype: Datatype,
    pub operation: Operation,
    pub var_ref: Option<String>,
    pub var_check: Check,
    pub entity_check: Check,
    pub check_existence: Existence,
    pub nil: bool,
    /// Record fields (`<field name=..>`) when `datatype="record"`.
    pub fields: Vec<Entity>,
}

/// A filter inside an object or a set: keep (include) or drop (exclude) items matching a state.
#[derive(Debug, Clone)]
pub struct Filter {
    pub include: bool,
    pub state_ref: String,
}

/// Set operation of an object `<set>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetOperator {
    Union,
    Intersection,
    Complement,
}

/// An object `<set>`: either nested sets or object references, with filters.
#[derive(Debug, Clone)]
pub struct ObjectSet {
    pub operator: SetOperator,
    pub sets: Vec<ObjectSet>,
    pub object_refs: Vec<String>,
    pub filters: Vec<Filter>,
}

/// An OVAL object (what to collect).
#[derive(Debug, Clone)]
pub struct Object {
    pub id: String,
    pub version: String,
    /// Platform family of the namespace: "independent", "linux", "unix", ...
    pub family: String,
    /// Element name without `_object`, e.g. "rpminfo".
    pub kind: String,
    pub entities: Vec<Entity>,
    pub behaviors: Vec<(String, String)>,
    pub set: Option<ObjectSet>,
    pub filters: Vec<Filter>,
}

impl Object {
    /// The first entity with this name.
    pub fn entity(&self, name: &str) -> Option<&Entity> {
        self.entities.iter().find(|e| e.name == name)
    }
    /// A behavior attribute value.
    pub fn behavior(&self, name: &str) -> Option<&str> {
        self.behaviors
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// An OVAL state (expected item values).
#[derive(Debug, Clone)]
pub struct State {
    pub id: String,
    pub version: String,
    pub family: String,
    pub kind: String,
    pub operator: Operator,
    pub entities: Vec<Entity>,
}

/// An OVAL test.
#[derive(Debug, Clone)]
pub struct Test {
    pub id: String,
    pub family: String,
    pub kind: String,
    pub version: String,
    pub comment: String,
    pub check: Check,
    pub check_existence: Existence,
    pub state_operator: Operator,
    pub object_ref: Option<String>,
    pub state_refs: Vec<String>,
}

/// A node of a definition's criteria tree.
#[derive(Debug, Clone)]
pub enum Criteria {
    Criteria {
        operator: Operator,
        negate: bool,
        applicability_check: Option<bool>,
        children: Vec<Criteria>,
    },
    Criterion {
        test_ref: String,
        negate: bool,
        applicability_check: Option<bool>,
    },
    Extend {
        definition_ref: String,
        negate: bool,
        applicability_check: Option<bool>,
    },
}

/// A metadata `<reference>`.
#[derive(Debug, Clone)]
pub struct Reference {
    pub source: String,
    pub ref_id: String,
    pub ref_url: String,
}

/// An OVAL definition with the metadata the scanners report.
#[derive(Debug, Clone)]
pub struct Definition {
    pub id: String,
    pub version: String,
    pub class: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub severity: Option<String>,
    pub references: Vec<Reference>,
    pub criteria: Option<Criteria>,
}

/// A component of a local variable (or a function argument).
#[derive(Debug, Clone)]
pub enum Component {
    Literal(String, Datatype),
    Object {
        object_ref: String,
        item_field: String,
        record_field: Option<String>,
    },
    Variable(String),
    Function {
        name: String,
        attrs: Vec<(String, String)>,
        args: Vec<Component>,
    },
}

/// How a variable gets its values.
#[derive(Debug, Clone)]
pub enum VariableKind {
    Constant(Vec<String>),
    External,
    Local(Component),
}

/// An OVAL variable.
#[derive(Debug, Clone)]
pub struct Variable {
    pub id: String,
    pub datatype: Datatype,
    pub kind: VariableKind,
}

/// A whole definitions document.
#[derive(Debug, Default)]
pub struct Document {
    /// Byte range of the `oval_definitions` element in the (decompressed) source.
    pub source_span: Option<(u64, u64)>,
    pub schema_version: Option<String>,
    pub timestamp: Option<String>,
    pub product_name: Option<String>,
    pub definitions: Vec<Definition>,
    pub definition_index: FastMap<String, usize>,
    pub tests: FastMap<String, Test>,
    pub objects: FastMap<String, Object>,
    pub states: FastMap<String, State>,
    pub variables: FastMap<String, Variable>,
}

impl Document {
    /// Looks a definition up by id.
    pub fn definition(&self, id: &str) -> Option<&Definition> {
        self.definition_index.get(id).map(|&i| &self.definitions[i])
    }
}
