//! Parsing an OVAL definitions document (streamed, `.xml` or `.xml.bz2`) into the [`Document`]
//! model; unknown enumeration values are reported as errors naming the element.

use std::io::BufRead;
use std::path::Path;

use crate::model::*;
use crate::xml::{self, Node, XmlError};

/// Reads a definitions document from a file (bzip2 detected by content).
pub fn parse_file(path: &Path) -> Result<Document, XmlError> {
    parse_reader(xml::open_maybe_bz2(path)?)
}

/// Reads a definitions document from any buffered reader.
pub fn parse_reader<R: BufRead>(input: R) -> Result<Document, XmlError> {
    let mut doc = Document::default();
    let mut root_ok = None;
    // The definitions are the root element, or the child of an OVAL results document.
    let span = xml::stream(
        input,
        |path| {
            if path.len() == 1 {
                root_ok = Some(path[0] == "oval_definitions");
            } else if path.len() == 2 && path[0] == "oval_results" && path[1] == "oval_definitions"
            {
                root_ok = Some(true);
            }
            let path = match path.first().map(String::as_str) {
                Some("oval_results")
                    if path.get(1).map(String::as_str) == Some("oval_definitions") =>
                {
                    &path[1..]
                }
                Some("oval_definitions") => path,
                _ => return false,
            };
            (path.len() == 2 && path[1] == "generator")
                || (path.len() == 3
                    && matches!(
                        path[1].as_str(),
                        "definitions" | "tests" | "objects" | "states" | "variables"
                    ))
        },
        |path, node| {
            let path = if path.first().map(String::as_str) == Some("oval_results") {
                &path[1..]
            } else {
                path
            };
            add_node(&mut doc, path, node)
        },
    )?;
    doc.source_span = span;
    match root_ok {
        Some(true) => Ok(doc),
        _ => Err(XmlError::Invalid(
            "not an OVAL definitions document (root element is not oval_definitions)".into(),
        )),
    }
}

fn invalid(what: &str, node: &Node, attr: &str, v: &str) -> XmlError {
    XmlError::Invalid(format!(
        "{} {}: invalid {attr} \"{v}\"",
        what,
        node.attr("id").unwrap_or(&node.name)
    ))
}

fn add_node(doc: &mut Document, path: &[String], mut node: Node) -> Result<(), XmlError> {
    if path.len() == 1 {
        for c in &node.children {
            match c.name.as_str() {
                "schema_version" => doc.schema_version = Some(c.text.trim().to_string()),
                "timestamp" => doc.timestamp = Some(c.text.trim().to_string()),
                "product_name" => doc.product_name = Some(c.text.trim().to_string()),
                _ => {}
            }
        }
        return Ok(());
    }
    match path[1].as_str() {
        "definitions" => {
            let d = parse_definition(&mut node)?;
            doc.definition_index
                .insert(d.id.clone(), doc.definitions.len());
            doc.definitions.push(d);
        }
        "tests" => {
            let t = parse_test(&mut node)?;
            doc.tests.insert(t.id.clone(), t);
        }
        "objects" => {
            let o = parse_object(&mut node)?;
            doc.objects.insert(o.id.clone(), o);
        }
        "states" => {
            let s = parse_state(&mut node)?;
            doc.states.insert(s.id.clone(), s);
        }
        "variables" => {
            let v = parse_variable(&mut node)?;
            doc.variables.insert(v.id.clone(), v);
        }
        _ => {}
    }
    Ok(())
}

fn id_of(node: &Node) -> Result<String, XmlError> {
    node.attr("id")
        .map(str::to_string)
        .ok_or_else(|| XmlError::Invalid(format!("<{}> without id", node.name)))
}

fn bool_attr(node: &Node, name: &str) -> Option<bool> {
    node.attr(name).map(|v| v == "true" || v == "1")
}

fn parse_definition(node: &mut Node) -> Result<Definition, XmlError> {
    let mut d = Definition {
        id: id_of(node)?,
        version: node.attr("version").unwrap_or("0").to_string(),
        class: node.attr("class").unwrap_or("").to_string(),
        title: None,
        description: None,
        severity: None,
        references: Vec::new(),
        criteria: None,
    };
    if let Some(md) = node.children.iter_mut().find(|c| c.name == "metadata") {
        for c in &mut md.children {
            match c.name.as_str() {
                "title" => d.title = Some(std::mem::take(&mut c.text)),
                "description" => d.description = Some(std::mem::take(&mut c.text)),
                "reference" => d.references.push(Reference {
                    source: c.attr("source").unwrap_or("").to_string(),
                    ref_id: c.attr("ref_id").unwrap_or("").to_string(),
                    ref_url: c.attr("ref_url").unwrap_or("").to_string(),
                }),
                "advisory" => {
                    if let Some(s) = c.children.iter_mut().find(|x| x.name == "severity") {
                        d.severity = Some(std::mem::take(&mut s.text));
                    }
                }
                _ => {}
            }
        }
    }
    if let Some(c) = node.child("criteria") {
        d.criteria = Some(parse_criteria(c)?);
    }
    Ok(d)
}

fn parse_criteria(node: &Node) -> Result<Criteria, XmlError> {
    let negate = bool_attr(node, "negate").unwrap_or(false);
    let applicability_check = bool_attr(node, "applicability_check");
    Ok(match node.name.as_str() {
        "criteria" => {
            let op = node.attr("operator").unwrap_or("AND");
            let operator =
                Operator::parse(op).ok_or_else(|| invalid("criteria", node, "operator", op))?;
            let mut children = Vec::new();
            for c in &node.children {
                if matches!(
                    c.name.as_str(),
                    "criteria" | "criterion" | "extend_definition"
                ) {
                    children.push(parse_criteria(c)?);
                }
            }
            Criteria::Criteria {
                operator,
                negate,
                applicability_check,
                children,
            }
        }
        "criterion" => Criteria::Criterion {
            test_ref: node
                .attr("test_ref")
                .ok_or_else(|| XmlError::Invalid("criterion without test_ref".into()))?
                .to_string(),
            negate,
            applicability_check,
        },
        _ => Criteria::Extend {
            definition_ref: node
                .attr("definition_ref")
                .ok_or_else(|| {
                    XmlError::Invalid("extend_definition without definition_ref".into())
                })?
                .to_string(),
            negate,
            applicability_check,
        },
    })
}

fn kind_of(node: &Node, suffix: &str) -> String {
    node.name
        .strip_suffix(suffix)
        .unwrap_or(&node.name)
        .to_string()
}

fn parse_test(node: &mut Node) -> Result<Test, XmlError> {
    let check = node.attr("check").unwrap_or("all");
    // The deprecated check "none exist" stands for check "none satisfy" *and* check_existence
    // "none_exist" (whatever the test says), as oscap evaluates and reports it.
    let ce = if check == "none exist" {
        "none_exist"
    } else {
        node.attr("check_existence")
            .unwrap_or("at_least_one_exists")
    };
    let so = node.attr("state_operator").unwrap_or("AND");
    let mut t = Test {
        id: id_of(node)?,
        family: node.family().to_string(),
        kind: kind_of(node, "_test"),
        version: node.attr("version").unwrap_or("0").to_string(),
        comment: node.attr("comment").unwrap_or("").to_string(),
        check: Check::parse(check).ok_or_else(|| invalid("test", node, "check", check))?,
        check_existence: Existence::parse(ce)
            .ok_or_else(|| invalid("test", node, "check_existence", ce))?,
        state_operator: Operator::parse(so)
            .ok_or_else(|| invalid("test", node, "state_operator", so))?,
        object_ref: None,
        state_refs: Vec::new(),
    };
    for c in &node.children {
        match c.name.as_str() {
            "object" => t.object_ref = c.attr("object_ref").map(str::to_string),
            "state" => {
                if let Some(s) = c.attr("state_ref") {
                    t.state_refs.push(s.to_string())
                }
            }
            _ => {}
        }
    }
    Ok(t)
}

/// Parses one object/state entity element.
pub fn parse_entity(node: &mut Node) -> Result<Entity, XmlError> {
    let dt = node.attr("datatype").unwrap_or("string");
    let op = node.attr("operation").unwrap_or("equals");
    let vc = node.attr("var_check").unwrap_or("all");
    let ec = node.attr("entity_check").unwrap_or("all");
    let ce = node
        .attr("check_existence")
        .unwrap_or("at_least_one_exists");
    let datatype = Datatype::parse(dt).ok_or_else(|| invalid("entity", node, "datatype", dt))?;
    let operation = Operation::parse(op).ok_or_else(|| invalid("entity", node, "operation", op))?;
    let var_check = Check::parse(vc).ok_or_else(|| invalid("entity", node, "var_check", vc))?;
    let entity_check =
        Check::parse(ec).ok_or_else(|| invalid("entity", node, "entity_check", ec))?;
    let check_existence =
        Existence::parse(ce).ok_or_else(|| invalid("entity", node, "check_existence", ce))?;
    let var_ref = node.attr("var_ref").map(str::to_string);
    let nil = node.attr("nil") == Some("true");
    let mut fields = Vec::new();
    for c in &mut node.children {
        if c.name == "field" {
            let fname = c.attr("name").unwrap_or("").to_string();
            let mut f = parse_entity(c)?;
            f.name = fname;
            fields.push(f);
        }
    }
    Ok(Entity {
        name: std::mem::take(&mut node.name),
        value: std::mem::take(&mut node.text),
        datatype,
        operation,
        var_ref,
        var_check,
        entity_check,
        check_existence,
        nil,
        fields,
    })
}

fn parse_filter(node: &Node) -> Filter {
    Filter {
        include: node.attr("action") == Some("include"),
        state_ref: node.text.trim().to_string(),
    }
}

fn parse_set(node: &Node) -> Result<ObjectSet, XmlError> {
    let op = node.attr("set_operator").unwrap_or("UNION");
    let operator = match op {
        "UNION" => SetOperator::Union,
        "INTERSECTION" => SetOperator::Intersection,
        "COMPLEMENT" => SetOperator::Complement,
        _ => return Err(invalid("set", node, "set_operator", op)),
    };
    let mut s = ObjectSet {
        operator,
        sets: Vec::new(),
        object_refs: Vec::new(),
        filters: Vec::new(),
    };
    for c in &node.children {
        match c.name.as_str() {
            "set" => s.sets.push(parse_set(c)?),
            "object_reference" => s.object_refs.push(c.text.trim().to_string()),
            "filter" => s.filters.push(parse_filter(c)),
            _ => {}
        }
    }
    Ok(s)
}

fn parse_object(node: &mut Node) -> Result<Object, XmlError> {
    let mut o = Object {
        id: id_of(node)?,
        version: node.attr("version").unwrap_or("0").to_string(),
        family: node.family().to_string(),
        kind: kind_of(node, "_object"),
        entities: Vec::new(),
        behaviors: Vec::new(),
        set: None,
        filters: Vec::new(),
    };
    for c in &mut node.children {
        match c.name.as_str() {
            "set" => o.set = Some(parse_set(c)?),
            "filter" => o.filters.push(parse_filter(c)),
            "behaviors" => o.behaviors = std::mem::take(&mut c.attrs),
            "notes" | "signature" => {}
            _ => o.entities.push(parse_entity(c)?),
        }
    }
    Ok(o)
}

fn parse_state(node: &mut Node) -> Result<State, XmlError> {
    let op = node.attr("operator").unwrap_or("AND");
    let mut s = State {
        id: id_of(node)?,
        version: node.attr("version").unwrap_or("0").to_string(),
        family: node.family().to_string(),
        kind: kind_of(node, "_state"),
        operator: Operator::parse(op).ok_or_else(|| invalid("state", node, "operator", op))?,
        entities: Vec::new(),
    };
    for c in &mut node.children {
        if !matches!(c.name.as_str(), "notes" | "signature") {
            s.entities.push(parse_entity(c)?);
        }
    }
    Ok(s)
}

fn parse_component(node: &Node) -> Result<Component, XmlError> {
    Ok(match node.name.as_str() {
        "literal_component" => Component::Literal(
            node.text.clone(),
            node.attr("datatype")
                .and_then(Datatype::parse)
                .unwrap_or(Datatype::String),
        ),
        "object_component" => Component::Object {
            object_ref: node.attr("object_ref").unwrap_or("").to_string(),
            item_field: node.attr("item_field").unwrap_or("").to_string(),
            record_field: node.attr("record_field").map(str::to_string),
        },
        "variable_component" => Component::Variable(node.attr("var_ref").unwrap_or("").to_string()),
        name => Component::Function {
            name: name.to_string(),
            attrs: node.attrs.clone(),
            args: node
                .children
                .iter()
                .map(parse_component)
                .collect::<Result<_, _>>()?,
        },
    })
}

fn parse_variable(node: &mut Node) -> Result<Variable, XmlError> {
    let dt = node.attr("datatype").unwrap_or("string");
    let datatype = Datatype::parse(dt).ok_or_else(|| invalid("variable", node, "datatype", dt))?;
    let kind = match node.name.as_str() {
        "constant_variable" => VariableKind::Constant(
            node.children
                .iter()
                .filter(|c| c.name == "value")
                .map(|c| c.text.clone())
                .collect(),
        ),
        "local_variable" => {
            let comp = node
                .children
                .iter()
                .find(|c| !matches!(c.name.as_str(), "notes" | "signature"))
                .ok_or_else(|| {
                    XmlError::Invalid(format!(
                        "local_variable {} has no component",
                        node.attr("id").unwrap_or("")
                    ))
                })?;
            VariableKind::Local(parse_component(comp)?)
        }
        _ => VariableKind::External,
    };
    Ok(Variable {
        id: id_of(node)?,
        datatype,
        kind,
    })
}
