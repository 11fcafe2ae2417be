//! The OVAL evaluation engine: resolves variables, collects objects (from a system
//! characteristics document or through [`Probes`]), applies sets and filters, evaluates tests
//! (check_existence, check, state_operator, entity checks) and definitions (criteria,
//! negate, extend_definition) with OpenSCAP's result algebra, caching every step.

use crate::hash::{FastMap, FastSet};

use crate::compare::{compare, RegexCache};
use crate::model::*;
use crate::result::{test_existence, Counts, OvalResult, Status, StatusCounts};
use crate::system::{Collected, Flag, Item, ItemStore, Syschar};

/// An object entity with its values resolved (literal or from a variable), for probes.
#[derive(Debug, Clone)]
pub struct QueryEntity {
    pub name: String,
    pub operation: Operation,
    pub datatype: Datatype,
    pub values: Vec<String>,
    pub var_check: Check,
    pub nil: bool,
}

/// What a probe is asked to collect: the object's entities with resolved values.
pub struct Query<'a> {
    pub entities: Vec<QueryEntity>,
    pub re: &'a RegexCache,
}

impl Query<'_> {
    /// The entity with this name, if the object has it.
    pub fn entity(&self, name: &str) -> Option<&QueryEntity> {
        self.entities.iter().find(|e| e.name == name)
    }
    /// Whether `candidate` satisfies the object entity `name` (true when the object does not
    /// constrain it or it is nil).
    pub fn matches(&self, name: &str, candidate: &str) -> bool {
        match self.entity(name) {
            None => true,
            Some(e) if e.nil => true,
            Some(e) => self.entity_matches(e, candidate),
        }
    }
    /// Whether `candidate` satisfies one resolved entity.
    pub fn entity_matches(&self, e: &QueryEntity, candidate: &str) -> bool {
        let mut c = Counts::default();
        for v in &e.values {
            c.add(compare(v, e.datatype, candidate, e.operation, self.re));
        }
        c.by_check(e.var_check) == OvalResult::True
    }
}

/// What a probe returns for one object.
#[derive(Debug, Clone)]
pub struct ProbeOutput {
    pub flag: Flag,
    pub items: Vec<Item>,
    pub message: Option<String>,
}

impl ProbeOutput {
    /// Items found: `complete`, or `does not exist` when there are none.
    pub fn found(items: Vec<Item>) -> ProbeOutput {
        ProbeOutput {
            flag: if items.is_empty() {
                Flag::DoesNotExist
            } else {
                Flag::Complete
            },
            items,
            message: None,
        }
    }
    /// A flag without items.
    pub fn flagged(flag: Flag, message: impl Into<String>) -> ProbeOutput {
        ProbeOutput {
            flag,
            items: Vec::new(),
            message: Some(message.into()),
        }
    }
}

/// A collector of items for objects (the live image collectors implement this).
pub trait Probes {
    /// Collects the items of one object (sets, filters and variable objects are handled by the
    /// engine). Unsupported object kinds answer [`Flag::NotCollected`].
    fn collect(&self, object: &Object, query: &Query<'_>) -> ProbeOutput;
}

/// Values of a variable with their collection flag.
#[derive(Debug, Clone)]
pub struct VarValue {
    pub flag: Flag,
    pub values: Vec<String>,
    /// Datatype of each value (the variable's datatype, as oscap compares them).
    pub types: Vec<Datatype>,
}

impl VarValue {
    /// No values, with a flag.
    pub fn none(flag: Flag) -> VarValue {
        VarValue {
            flag,
            values: Vec::new(),
            types: Vec::new(),
        }
    }
    /// Complete values all of one datatype.
    pub fn typed(values: Vec<String>, dt: Datatype) -> VarValue {
        VarValue {
            flag: Flag::Complete,
            types: vec![dt; values.len()],
            values,
        }
    }
}

/// A test's result with the result of each tested item.
#[derive(Debug, Clone)]
pub struct TestOutcome {
    pub result: OvalResult,
    pub items: Vec<(usize, OvalResult)>,
}

enum Source<'d> {
    Syschar,
    Live(&'d dyn Probes),
}

/// One evaluation of a document against one system.
pub struct Engine<'d> {
    doc: &'d Document,
    source: Source<'d>,
    pub store: ItemStore,
    pub collected: FastMap<String, Collected>,
    vars: FastMap<String, VarValue>,
    tests: FastMap<String, TestOutcome>,
    defs: FastMap<String, OvalResult>,
    in_progress: FastSet<String>,
    vars_in_progress: FastSet<String>,
    re: RegexCache,
    external: FastMap<String, Vec<String>>,
    /// Object kinds that no collector supports, with how many objects of each were asked for.
    pub unsupported: FastMap<String, usize>,
    /// Nesting of definition/variable/object evaluations in progress (bounded).
    depth: usize,
    /// Objects or variables that do not exist met while computing variables (a variable left
    /// without values because of one does not exist; one left without values otherwise is
    /// complete and empty, as oscap tells them apart).
    dne_seen: usize,
}

/// Longest chain of extend_definition / variable / object references followed.
pub const MAX_CHAIN: usize = 100;

impl<'d> Engine<'d> {
    /// An engine that probes the system through `probes`.
    pub fn live(doc: &'d Document, probes: &'d dyn Probes) -> Engine<'d> {
        Engine::new(doc, Source::Live(probes))
    }

    /// An engine that evaluates against a system characteristics document.
    pub fn from_syschar(doc: &'d Document, sc: Syschar) -> Engine<'d> {
        let mut e = Engine::new(doc, Source::Syschar);
        e.store = sc.store;
        e.collected = sc.objects;
        e
    }

    fn new(doc: &'d Document, source: Source<'d>) -> Engine<'d> {
        Engine {
            doc,
            source,
            store: ItemStore::default(),
            collected: FastMap::default(),
            vars: FastMap::default(),
            tests: FastMap::default(),
            defs: FastMap::default(),
            in_progress: FastSet::default(),
            vars_in_progress: FastSet::default(),
            re: RegexCache::default(),
            external: FastMap::default(),
            unsupported: FastMap::default(),
            depth: 0,
            dne_seen: 0,
        }
    }

    /// Binds external variables.
    pub fn set_external(&mut self, id: &str, values: Vec<String>) {
        self.external.insert(id.to_string(), values);
    }

    /// The document evaluated.
    pub fn document(&self) -> &'d Document {
        self.doc
    }

    /// Every test evaluated so far.
    pub fn evaluated_tests(&self) -> &FastMap<String, TestOutcome> {
        &self.tests
    }

    /// Evaluates every definition, in document order.
    pub fn evaluate_all(&mut self) -> Vec<(String, OvalResult)> {
        let doc = self.doc;
        doc.definitions
            .iter()
            .map(|d| (d.id.clone(), self.definition(&d.id)))
            .collect()
    }

    /// The result of one definition.
    pub fn definition(&mut self, id: &str) -> OvalResult {
        if let Some(&r) = self.defs.get(id) {
            return r;
        }
        if self.depth >= MAX_CHAIN || !self.in_progress.insert(id.to_string()) {
            return OvalResult::Error; // extend_definition cycle or absurd chain
        }
        self.depth += 1;
        let doc = self.doc;
        let r = match doc.definition(id) {
            None => OvalResult::Error,
            Some(d) => match &d.criteria {
                // A definition without criteria (the schema allows it for deprecated ones) is
                // not evaluated, as oscap reports it.
                None => OvalResult::NotEvaluated,
                Some(c) => self.criteria(c),
            },
        };
        self.depth -= 1;
        self.in_progress.remove(id);
        self.defs.insert(id.to_string(), r);
        r
    }

    /// The result of a criteria node.
    pub fn criteria(&mut self, c: &Criteria) -> OvalResult {
        match c {
            Criteria::Criteria {
                operator,
                negate,
                children,
                ..
            } => {
                let mut counts = Counts::default();
                for ch in children {
                    counts.add(self.criteria(ch));
                }
                counts.by_operator(*operator).negate(*negate)
            }
            Criteria::Criterion {
                test_ref, negate, ..
            } => self.test_result(test_ref).negate(*negate),
            Criteria::Extend {
                definition_ref,
                negate,
                ..
            } => self.definition(definition_ref).negate(*negate),
        }
    }

    /// The result of one test (evaluated once).
    pub fn test_result(&mut self, id: &str) -> OvalResult {
        if let Some(t) = self.tests.get(id) {
            return t.result;
        }
        self.test(id).result
    }

    /// The outcome of one test.
    pub fn test(&mut self, id: &str) -> TestOutcome {
        if let Some(t) = self.tests.get(id) {
            return t.clone();
        }
        let doc = self.doc;
        let out = match doc.tests.get(id) {
            None => TestOutcome {
                result: OvalResult::Error,
                items: Vec::new(),
            },
            Some(t) => self.eval_test(t),
        };
        self.tests.insert(id.to_string(), out.clone());
        out
    }

    fn eval_test(&mut self, t: &Test) -> TestOutcome {
        let unknown = TestOutcome {
            result: OvalResult::Unknown,
            items: Vec::new(),
        };
        let Some(obj_ref) = &t.object_ref else {
            return unknown;
        };
        let Some(col) = self.collect(obj_ref) else {
            return unknown;
        };
        let has_state = !t.state_refs.is_empty();
        let mut items: Vec<(usize, OvalResult)> = col
            .items
            .iter()
            .map(|&i| (i, OvalResult::NotEvaluated))
            .collect();
        let (mut exists, mut errors) = (0, 0);
        for &i in &col.items {
            match self.store.items[i].status.get() {
                Status::Exists => exists += 1,
                Status::Error => errors += 1,
                _ => {}
            }
        }
        let any_no_state = t.check_existence == Existence::AnyExist && !has_state;
        let result = match col.flag {
            Flag::Error => {
                if any_no_state {
                    OvalResult::True
                } else {
                    OvalResult::Error
                }
            }
            Flag::NotCollected => {
                if any_no_state {
                    OvalResult::True
                } else {
                    OvalResult::Unknown
                }
            }
            Flag::NotApplicable => {
                if any_no_state {
                    OvalResult::True
                } else {
                    OvalResult::NotApplicable
                }
            }
            Flag::DoesNotExist => OvalResult::from_bool(matches!(
                t.check_existence,
                Existence::NoneExist | Existence::AnyExist
            )),
            Flag::Complete => {
                let r = test_existence(t.check_existence, exists, errors);
                if r == OvalResult::True && has_state {
                    self.check_states(t, &mut items)
                } else {
                    r
                }
            }
            Flag::Incomplete => {
                let mut r = match t.check_existence {
                    Existence::AnyExist => OvalResult::True,
                    Existence::AtLeastOneExists if exists > 0 => OvalResult::True,
                    Existence::NoneExist if exists > 0 => OvalResult::False,
                    Existence::OnlyOneExists if exists > 1 => OvalResult::False,
                    _ => OvalResult::Unknown,
                };
                if r == OvalResult::True && has_state {
                    r = self.check_states(t, &mut items);
                    if r == OvalResult::True {
                        if t.check != Check::AtLeastOne {
                            r = OvalResult::Unknown;
                        }
                    } else if r != OvalResult::False {
                        r = OvalResult::Unknown;
                    }
                }
                r
            }
        };
        TestOutcome { result, items }
    }

    fn check_states(&mut self, t: &Test, items: &mut [(usize, OvalResult)]) -> OvalResult {
        let doc = self.doc;
        let mut item_counts = Counts::default();
        for slot in items.iter_mut() {
            let idx = slot.0;
            let r = match self.store.items[idx].status.get() {
                Status::Error | Status::NotCollected => OvalResult::Error,
                Status::DoesNotExist => OvalResult::False,
                Status::Exists => {
                    let mut sc = Counts::default();
                    for sref in &t.state_refs {
                        sc.add(match doc.states.get(sref) {
                            Some(s) => self.eval_state(idx, s),
                            None => OvalResult::Error,
                        });
                    }
                    sc.by_operator(t.state_operator)
                }
            };
            slot.1 = r;
            item_counts.add(r);
        }
        item_counts.by_check(t.check)
    }

    /// Compares one stored item with a state.
    pub fn eval_state(&mut self, idx: usize, state: &State) -> OvalResult {
        let mut ste = Counts::default();
        // OpenSCAP compares textfilecontent_state/line with the item's `text` entity when the
        // document's schema is 5.4 or newer (the item kept `line` for the object's pattern).
        let line_is_text = state.kind == "textfilecontent"
            && state.family == "independent"
            && schema_at_least(self.doc.schema_version.as_deref(), 5, 4);
        for se in &state.entities {
            let se_name = if line_is_text && se.name == "line" {
                "text"
            } else {
                se.name.as_str()
            };
            let mut statuses = StatusCounts::default();
            let mut ent = Counts::default();
            let n = self.store.items[idx].entities.len();
            for k in 0..n {
                let (status, matches_name) = {
                    let ie = &self.store.items[idx].entities[k];
                    (ie.status.get(), ie.name == se_name)
                };
                statuses.add(status);
                if !matches_name {
                    continue;
                }
                let r = if status == Status::DoesNotExist {
                    OvalResult::False
                } else if let Some(var) = &se.var_ref {
                    let vv = self.variable(var);
                    match vv.flag {
                        Flag::Complete | Flag::Incomplete => {
                            let value = self.store.items[idx].entities[k].value.clone();
                            // oscap compares with the values' datatype, not the entity's.
                            let mut vc = Counts::default();
                            for (v, dt) in vv.values.iter().zip(&vv.types) {
                                vc.add(compare(v, *dt, &value, se.operation, &self.re));
                            }
                            vc.by_check(se.var_check)
                        }
                        _ => OvalResult::Error,
                    }
                } else if se.datatype == Datatype::Record {
                    OvalResult::Error
                } else {
                    let value = &self.store.items[idx].entities[k].value;
                    compare(&se.value, se.datatype, value, se.operation, &self.re)
                };
                ent.add(r);
            }
            // oscap 1.3.7: the entity check counts only when the entity existence check holds;
            // otherwise the existence result stands for the entity.
            let existence = statuses.entity_existence(se.check_existence);
            ste.add(if existence == OvalResult::True {
                ent.by_check(se.entity_check)
            } else {
                existence
            });
        }
        ste.by_operator(state.operator)
    }

    /// Collects an object (cached). `None`: a system characteristics document without it.
    pub fn collect(&mut self, id: &str) -> Option<Collected> {
        if let Some(c) = self.collected.get(id) {
            return Some(c.clone());
        }
        if matches!(self.source, Source::Syschar) {
            return None;
        }
        let doc = self.doc;
        let c = match doc.objects.get(id) {
            None => Collected::flagged(Flag::Error, format!("object {id} is not defined")),
            Some(_) if self.depth >= MAX_CHAIN => {
                Collected::flagged(Flag::Error, "object references nested too deeply")
            }
            Some(o) => {
                // Guard against set/variable cycles.
                self.collected.insert(
                    id.to_string(),
                    Collected::flagged(Flag::Error, "object refers to itself"),
                );
                self.depth += 1;
                let c = self.collect_object(o);
                self.depth -= 1;
                c
            }
        };
        self.collected.insert(id.to_string(), c.clone());
        Some(c)
    }

    fn collect_object(&mut self, o: &Object) -> Collected {
        if let Some(set) = &o.set {
            return self.collect_set(set);
        }
        let mut col = if o.kind == "variable" && o.family == "independent" {
            self.collect_variable_object(o)
        } else {
            let mut entities = Vec::new();
            for e in &o.entities {
                let values = match &e.var_ref {
                    Some(v) => {
                        let vv = self.variable(v);
                        match vv.flag {
                            Flag::Complete | Flag::Incomplete if !vv.values.is_empty() => vv.values,
                            // As oscap: an object whose variable has no value (or could not
                            // be computed) matches nothing.
                            Flag::Complete
                            | Flag::Incomplete
                            | Flag::DoesNotExist
                            | Flag::Error => {
                                return Collected::flagged(
                                    Flag::DoesNotExist,
                                    format!("Referenced variable has no values ({v})."),
                                )
                            }
                            f => {
                                return Collected::flagged(
                                    Flag::Error,
                                    format!("variable {v} has flag {}", f.as_str()),
                                )
                            }
                        }
                    }
                    None => vec![e.value.clone()],
                };
                entities.push(QueryEntity {
                    name: e.name.clone(),
                    operation: e.operation,
                    datatype: e.datatype,
                    values,
                    var_check: e.var_check,
                    nil: e.nil,
                });
            }
            let Source::Live(probes) = self.source else {
                return Collected::flagged(Flag::NotCollected, "no collector");
            };
            let out = {
                let q = Query {
                    entities,
                    re: &self.re,
                };
                probes.collect(o, &q)
            };
            if out.flag == Flag::NotCollected {
                *self
                    .unsupported
                    .entry(format!("{}:{}_object", o.family, o.kind))
                    .or_default() += 1;
            }
            Collected {
                flag: out.flag,
                items: out
                    .items
                    .into_iter()
                    .map(|i| self.store.intern(i))
                    .collect(),
                message: out.message,
            }
        };
        self.apply_filters(&mut col, &o.filters);
        col
    }

    fn collect_variable_object(&mut self, o: &Object) -> Collected {
        let Some(e) = o.entity("var_ref") else {
            return Collected::flagged(Flag::Error, "variable_object without var_ref");
        };
        let var_id = e.value.trim().to_string();
        let vv = self.variable(&var_id);
        match vv.flag {
            Flag::Complete | Flag::Incomplete => {}
            // oscap: a variable that could not be computed still gives its variable_object one
            // item, without any value (a state on `value` is then unknown).
            Flag::Error => {
                let item = Item::new("independent", "variable").with("var_ref", var_id.clone());
                return Collected {
                    flag: Flag::Complete,
                    items: vec![self.store.intern(item)],
                    message: None,
                };
            }
            f => return Collected::flagged(f, format!("variable {var_id} not available")),
        }
        if vv.values.is_empty() {
            // Complete without values (a substring past the end, say): one item without
            // value, as for a variable in error.
            let item = Item::new("independent", "variable").with("var_ref", var_id.clone());
            return Collected {
                flag: Flag::Complete,
                items: vec![self.store.intern(item)],
                message: None,
            };
        }
        let mut item = Item::new("independent", "variable").with("var_ref", var_id.clone());
        let dt = self
            .doc
            .variables
            .get(&var_id)
            .map(|v| v.datatype)
            .unwrap_or(Datatype::String);
        for v in vv.values {
            item.push("value", v, dt);
        }
        Collected {
            flag: vv.flag,
            items: vec![self.store.intern(item)],
            message: None,
        }
    }

    fn apply_filters(&mut self, col: &mut Collected, filters: &[Filter]) {
        if filters.is_empty() || !matches!(col.flag, Flag::Complete | Flag::Incomplete) {
            return;
        }
        let doc = self.doc;
        let mut kept = Vec::new();
        'items: for &i in &col.items {
            for f in filters {
                let Some(state) = doc.states.get(&f.state_ref) else {
                    col.flag = Flag::Error;
                    col.message = Some(format!("filter state {} is not defined", f.state_ref));
                    return;
                };
                // oscap drops an item only on a definite answer: an include filter whose
                // state is false, an exclude filter whose state is true (an error keeps it).
                let r = self.eval_state(i, state);
                let drop = if f.include {
                    r == OvalResult::False
                } else {
                    r == OvalResult::True
                };
                if drop {
                    continue 'items;
                }
            }
            kept.push(i);
        }
        col.items = kept;
        if col.items.is_empty() && col.flag == Flag::Complete {
            col.flag = Flag::DoesNotExist;
        }
    }

    fn collect_set(&mut self, set: &ObjectSet) -> Collected {
        let mut parts: Vec<Collected> = Vec::new();
        for s in &set.sets {
            parts.push(self.collect_set(s));
        }
        for r in &set.object_refs {
            let mut c = self
                .collect(r)
                .unwrap_or_else(|| Collected::flagged(Flag::NotCollected, "object not collected"));
            self.apply_filters(&mut c, &set.filters);
            parts.push(c);
        }
        // Members combine left to right; the flag follows OVAL's set-operator flag tables
        // (as oscap applies them), the items the set operation.
        let mut parts = parts.into_iter();
        let Some(mut acc) = parts.next() else {
            return Collected::flagged(Flag::Error, "empty set");
        };
        for p in parts {
            let flag = combine_set_flags(set.operator, acc.flag, p.flag);
            let mut items: Vec<usize> = Vec::new();
            match set.operator {
                SetOperator::Union => {
                    for &i in acc.items.iter().chain(&p.items) {
                        if !items.contains(&i) {
                            items.push(i);
                        }
                    }
                }
                SetOperator::Intersection => {
                    for &i in &acc.items {
                        if p.items.contains(&i) && !items.contains(&i) {
                            items.push(i);
                        }
                    }
                }
                SetOperator::Complement => {
                    for &i in &acc.items {
                        if !p.items.contains(&i) && !items.contains(&i) {
                            items.push(i);
                        }
                    }
                }
            }
            acc = Collected {
                flag,
                items,
                message: None,
            };
        }
        if acc.flag == Flag::Complete && acc.items.is_empty() {
            acc.flag = Flag::DoesNotExist;
        }
        if !matches!(acc.flag, Flag::Complete | Flag::Incomplete) {
            acc.items.clear();
        }
        acc
    }

    /// The values of a variable (cached).
    pub fn variable(&mut self, id: &str) -> VarValue {
        if let Some(v) = self.vars.get(id) {
            return v.clone();
        }
        if self.depth >= MAX_CHAIN || !self.vars_in_progress.insert(id.to_string()) {
            return VarValue::none(Flag::Error);
        }
        self.depth += 1;
        let doc = self.doc;
        let vv = match doc.variables.get(id) {
            None => VarValue::none(Flag::Error),
            Some(v) => match &v.kind {
                VariableKind::Constant(vals) => VarValue::typed(vals.clone(), v.datatype),
                VariableKind::External => match self.external.get(id) {
                    Some(vals) => VarValue::typed(vals.clone(), v.datatype),
                    None => VarValue::none(Flag::Error),
                },
                VariableKind::Local(c) => match (self.dne_seen, self.component(c)) {
                    (before, Ok(values)) if values.is_empty() && self.dne_seen > before => {
                        VarValue::none(Flag::DoesNotExist)
                    }
                    (_, Ok(values)) if values.is_empty() => VarValue::typed(Vec::new(), v.datatype),
                    // oscap types a local variable's values with the variable's datatype
                    // (checked against oscap: features.oval.xml definition 120).
                    (_, Ok(values)) => {
                        VarValue::typed(values.into_iter().map(|(v, _)| v).collect(), v.datatype)
                    }
                    (_, Err(flag)) => VarValue::none(flag),
                },
            },
        };
        self.depth -= 1;
        self.vars_in_progress.remove(id);
        self.vars.insert(id.to_string(), vv.clone());
        vv
    }

    fn component(&mut self, c: &Component) -> Result<Vec<(String, Datatype)>, Flag> {
        match c {
            Component::Literal(s, dt) => Ok(vec![(s.clone(), *dt)]),
            Component::Variable(v) => {
                let vv = self.variable(v);
                match vv.flag {
                    // oscap: a reference to a variable left without values (not for want of
                    // an object) cannot be computed.
                    Flag::Complete | Flag::Incomplete if vv.values.is_empty() => Err(Flag::Error),
                    Flag::Complete | Flag::Incomplete => {
                        Ok(vv.values.into_iter().zip(vv.types).collect())
                    }
                    Flag::DoesNotExist => {
                        self.dne_seen += 1;
                        Ok(Vec::new())
                    }
                    f => Err(f),
                }
            }
            Component::Object {
                object_ref,
                item_field,
                record_field,
            } => {
                if record_field.is_some() {
                    return Err(Flag::Error);
                }
                let col = self.collect(object_ref).ok_or(Flag::NotCollected)?;
                match col.flag {
                    Flag::Complete | Flag::Incomplete => {}
                    Flag::DoesNotExist => self.dne_seen += 1,
                    f => return Err(f),
                }
                let mut out = Vec::new();
                for &i in &col.items {
                    let mut found = false;
                    for e in &self.store.items[i].entities {
                        if e.name == *item_field {
                            found = true;
                            out.push((e.value.clone(), e.datatype.get()));
                        }
                    }
                    // oscap: an item without the field makes the component an error.
                    if !found {
                        return Err(Flag::Error);
                    }
                }
                Ok(out)
            }
            Component::Function { name, attrs, args } => {
                let mut vals: Vec<Vec<String>> = Vec::new();
                let before = self.dne_seen;
                for a in args {
                    vals.push(self.component(a)?.into_iter().map(|(v, _)| v).collect());
                }
                // oscap: counting an object (or variable) that does not exist gives a variable
                // that does not exist, not the value 0.
                if name == "count" && self.dne_seen > before {
                    return Ok(Vec::new());
                }
                let out = crate::functions::apply(name, attrs, vals, &self.re)?;
                let dt = match name.as_str() {
                    "count" => Datatype::Int,
                    "arithmetic" if out.iter().all(|v| v.parse::<i64>().is_ok()) => Datatype::Int,
                    "arithmetic" => Datatype::Float,
                    _ => Datatype::String,
                };
                Ok(out.into_iter().map(|v| (v, dt)).collect())
            }
        }
    }
}

/// The flag of `first <operator> second` (OVAL's set-operator flag tables).
fn combine_set_flags(op: SetOperator, first: Flag, second: Flag) -> Flag {
    use Flag::*;
    match op {
        SetOperator::Union => match (first, second) {
            (Error, _) | (_, Error) => Error,
            (NotApplicable, f) => f,
            (Complete, Complete | DoesNotExist | NotApplicable) => Complete,
            (Complete, Incomplete | NotCollected) => Incomplete,
            (Incomplete, _) => Incomplete,
            (DoesNotExist, Complete) => Complete,
            (DoesNotExist, Incomplete | NotCollected) => Incomplete,
            (DoesNotExist, NotApplicable | DoesNotExist) => DoesNotExist,
            (NotCollected, Complete | Incomplete | DoesNotExist) => Incomplete,
            (NotCollected, NotApplicable | NotCollected) => NotCollected,
        },
        SetOperator::Intersection => match (first, second) {
            (Error, _) => Error,
            (DoesNotExist, _) => DoesNotExist,
            (_, Error) => Error,
            (_, DoesNotExist) => DoesNotExist,
            (Complete, Complete | NotApplicable) => Complete,
            (Complete, f) => f,
            (Incomplete, NotApplicable) => NotApplicable,
            (Incomplete, _) => Incomplete,
            (NotCollected, _) => NotCollected,
            (NotApplicable, f) => f,
        },
        SetOperator::Complement => match (first, second) {
            (Error | NotApplicable, _) => Error,
            (DoesNotExist, NotApplicable) => Error,
            (DoesNotExist, _) => DoesNotExist,
            (NotCollected, NotApplicable | Error) => Error,
            (NotCollected, _) => NotCollected,
            (Complete, Complete | DoesNotExist) => Complete,
            (Incomplete, Complete | DoesNotExist) => Incomplete,
            (Complete | Incomplete, _) => Error,
        },
    }
}

fn schema_at_least(v: Option<&str>, major: u32, minor: u32) -> bool {
    let Some(v) = v else { return true };
    let mut it = v.trim().split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let (a, b) = (it.next().unwrap_or(0), it.next().unwrap_or(0));
    (a, b) >= (major, minor)
}
