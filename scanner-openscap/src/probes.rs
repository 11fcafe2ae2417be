//! Live collection from an image root: rpminfo and rpmverifyfile from the image's rpm database
//! (`rpmdb` crate), textfilecontent54 and file through the confined `rootfs` API, family, and
//! uname (not applicable to an image, as in oscap's offline mode). Other object kinds answer
//! "not collected", which the engine turns into `unknown` and counts.

use std::cell::OnceCell;
use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;

use pcre2::bytes::RegexBuilder;
use rootfs::{FileKind, Rootfs};

use crate::eval::{ProbeOutput, Probes, Query};
use crate::model::{Datatype, Object, Operation};
use crate::system::{Flag, Item};

/// Largest file textfilecontent54 reads.
const MAX_TEXT_FILE: u64 = 64 << 20;
/// Bytes of subject PCRE2 may scan for one object. Every match call re-validates the UTF-8 of
/// the rest of the subject (PCRE2 does so whenever invalid UTF-8 is allowed, as the pcre2 crate
/// always allows it), so N matches in a file of S bytes cost about N x S: a 64 MiB file of
/// matching lines would take days. The bytes read count as well. Real content (config files
/// of kilobytes) stays far below.
pub const MAX_MATCH_SCAN_BYTES: u64 = 4 << 30;

/// One installed package as the rpm probes report it.
#[derive(Debug, Clone)]
pub struct PkgInfo {
    pub name: String,
    pub epoch: Option<u32>,
    pub version: String,
    pub release: String,
    pub arch: String,
    /// Issuer key id (16 hex digits) of the package signature, v3 or v4 header.
    pub key_id: Option<String>,
    /// The package's files as its header describes them (for rpmverifyfile).
    pub files: Vec<rpmdb::FileEntry>,
}

impl PkgInfo {
    fn epoch_text(&self) -> String {
        self.epoch
            .map(|e| e.to_string())
            .unwrap_or_else(|| "(none)".into())
    }
    fn evr(&self) -> String {
        format!(
            "{}:{}-{}",
            self.epoch.unwrap_or(0),
            self.version,
            self.release
        )
    }
    fn extended_name(&self) -> String {
        format!("{}-{}.{}", self.name, self.evr(), self.arch)
    }
}

/// Reads the installed packages of an image (all signatures considered: SIGPGP/SIGGPG and
/// RSAHEADER/DSAHEADER, first one found in that order).
pub fn load_packages(root: &Rootfs) -> Result<Vec<PkgInfo>, rpmdb::Error> {
    let db = rpmdb::Database::open(root)?;
    let mut out = Vec::new();
    for raw in db.headers()? {
        let Some(p) = rpmdb::parse_package(&raw.blob)? else {
            continue;
        };
        let mut key_id = None;
        for tag in [
            rpmdb::tags::SIGPGP,
            rpmdb::tags::SIGGPG,
            rpmdb::tags::RSAHEADER,
            rpmdb::tags::DSAHEADER,
        ] {
            if let Some(sig) = p.header.bin(tag).and_then(rpmdb::Signature::parse) {
                key_id = Some(sig.key_id);
                break;
            }
        }
        let files = p.files().unwrap_or_default();
        out.push(PkgInfo {
            name: p.name.clone(),
            epoch: p.epoch,
            version: p.version.clone(),
            release: p.release.clone(),
            arch: p.arch.clone().unwrap_or_else(|| "(none)".into()),
            key_id,
            files,
        });
    }
    Ok(out)
}

/// Most items one object collects where the image decides how many there are (accounts of
/// /etc/passwd, pattern matches in a file): 64 MiB of one-line matches, or a 16 MiB passwd of
/// short lines, would otherwise make millions of items and gigabytes of memory. Real content
/// collects a handful per object; past the bound the object is an error, never a verdict.
pub const MAX_ITEMS_PER_OBJECT: usize = 100_000;

/// Collectors over one image root.
pub struct ImageProbes {
    root: Rootfs,
    packages: OnceCell<Result<Vec<PkgInfo>, String>>,
    users: OnceCell<rootfs::users::Users>,
    /// The document's schema version is at least 5.11.1 (rpmverifyfile items then carry
    /// `filedigest_differs`).
    pub schema_5_11_1: bool,
    /// The document's schema version is at least 5.10 (password items then carry `last_login`).
    pub schema_5_10: bool,
}

impl ImageProbes {
    /// Probes for the image at `root`.
    pub fn new(root: Rootfs) -> ImageProbes {
        ImageProbes {
            root,
            packages: OnceCell::new(),
            users: OnceCell::new(),
            schema_5_11_1: false,
            schema_5_10: false,
        }
    }

    /// Probes for the image at `root` evaluating `doc` (its schema version decides which
    /// entities some items carry).
    pub fn for_document(root: Rootfs, doc: &crate::model::Document) -> ImageProbes {
        let mut p = ImageProbes::new(root);
        p.set_document(doc);
        p
    }

    /// Adapts the items to the schema version of the document about to be evaluated.
    pub fn set_document(&mut self, doc: &crate::model::Document) {
        let version: Vec<u32> = doc
            .schema_version
            .as_deref()
            .map(|v| {
                v.trim()
                    .split('.')
                    .map(|x| x.parse().unwrap_or(0))
                    .collect()
            })
            .unwrap_or_default();
        self.schema_5_11_1 = version >= vec![5, 11, 1];
        self.schema_5_10 = version >= vec![5, 10];
    }

    /// The root being probed.
    pub fn root(&self) -> &Rootfs {
        &self.root
    }

    /// The image's packages (read once).
    pub fn packages(&self) -> Result<&[PkgInfo], String> {
        self.packages
            .get_or_init(|| load_packages(&self.root).map_err(|e| e.to_string()))
            .as_deref()
            .map_err(|e| e.clone())
    }

    fn rpminfo(&self, o: &Object, q: &Query<'_>) -> ProbeOutput {
        // Behavior `filepaths` (OVAL 5.11.1): every path of the package as `filepath`.
        let with_files = o.behavior("filepaths") == Some("true");
        let pkgs = match self.packages() {
            Ok(p) => p,
            Err(e) => return ProbeOutput::flagged(Flag::Error, e),
        };
        // oscap compiles the name pattern before looking at the packages: one that does not
        // compile makes the object an error, not an empty match.
        if let Some(e) = q.entity("name") {
            if !e.nil && e.operation == Operation::PatternMatch {
                if let Some(bad) = e.values.iter().find(|v| q.re.get(v).is_none()) {
                    return ProbeOutput::flagged(
                        Flag::Error,
                        format!("rpminfo name pattern {bad:?} does not compile"),
                    );
                }
            }
        }
        let mut items = Vec::new();
        for p in pkgs {
            if !q.matches("name", &p.name) {
                continue;
            }
            let mut it = Item::new("linux", "rpminfo")
                .with("name", p.name.clone())
                .with("arch", p.arch.clone())
                .with("epoch", p.epoch_text())
                .with("release", p.release.clone())
                .with("version", p.version.clone());
            it.push("evr", p.evr(), Datatype::EvrString);
            let mut it = it
                .with(
                    "signature_keyid",
                    p.key_id.clone().unwrap_or_else(|| "0".into()),
                )
                .with("extended_name", p.extended_name());
            if with_files {
                for f in &p.files {
                    it.push("filepath", f.path.clone(), Datatype::String);
                }
            }
            items.push(it);
        }
        ProbeOutput::found(items)
    }

    fn rpmverifyfile(&self, o: &Object, q: &Query<'_>) -> ProbeOutput {
        use rpmverify::attrs::verify as v;
        let pkgs = match self.packages() {
            Ok(p) => p,
            Err(e) => return ProbeOutput::flagged(Flag::Error, e),
        };
        let on = |b: &str| o.behavior(b) == Some("true");
        let mut omit = 0u32;
        for (b, bit) in [
            ("nolinkto", v::LINKTO),
            ("nomd5", v::FILEDIGEST),
            ("nofiledigest", v::FILEDIGEST),
            ("nosize", v::FILESIZE),
            ("nouser", v::USER),
            ("nogroup", v::GROUP),
            ("nomtime", v::MTIME),
            ("nomode", v::MODE),
            ("nordev", v::RDEV),
            ("nocaps", v::CAPS),
        ] {
            if on(b) {
                omit |= bit;
            }
        }
        let (skip_config, skip_ghost) = (on("noconfigfiles"), on("noghostfiles"));
        let users = self
            .users
            .get_or_init(|| rootfs::users::Users::load(&self.root));
        let verifier = rpmverify::Verifier::new(&self.root, users).with_omit(omit);
        use rpmdb::tags::fileflags as ff;
        let mut items = Vec::new();
        for p in pkgs {
            if !(q.matches("name", &p.name)
                && q.matches("epoch", &p.epoch_text())
                && q.matches("version", &p.version)
                && q.matches("release", &p.release)
                && q.matches("arch", &p.arch))
            {
                continue;
            }
            for f in &p.files {
                if (skip_config && f.flags & ff::CONFIG != 0)
                    || (skip_ghost && f.flags & ff::GHOST != 0)
                    || !q.matches("filepath", &f.path)
                {
                    continue;
                }
                let res = verifier.verify_file(&rpmverify::FileSpec::from(f));
                // As oscap: omitted checks and files rpm could not verify at all are "not
                // performed"; every other check passes unless rpm flagged it.
                let outcome = |bit: u32| {
                    if omit & bit != 0 || res.failed & v::FAILURES != 0 {
                        "not performed"
                    } else if res.failed & bit != 0 {
                        "fail"
                    } else {
                        "pass"
                    }
                };
                let mut it = Item::new("linux", "rpmverifyfile")
                    .with("name", p.name.clone())
                    .with("epoch", p.epoch_text())
                    .with("version", p.version.clone())
                    .with("release", p.release.clone())
                    .with("arch", p.arch.clone())
                    .with("filepath", f.path.clone())
                    .with("extended_name", p.extended_name())
                    .with("size_differs", outcome(v::FILESIZE))
                    .with("mode_differs", outcome(v::MODE))
                    .with("md5_differs", outcome(v::FILEDIGEST));
                if self.schema_5_11_1 {
                    it = it.with("filedigest_differs", outcome(v::FILEDIGEST));
                }
                it = it
                    .with("device_differs", outcome(v::RDEV))
                    .with("link_mismatch", outcome(v::LINKTO))
                    .with("ownership_differs", outcome(v::USER))
                    .with("group_differs", outcome(v::GROUP))
                    .with("mtime_differs", outcome(v::MTIME))
                    .with("capabilities_differ", outcome(v::CAPS));
                for (e, bit) in [
                    ("configuration_file", ff::CONFIG),
                    ("documentation_file", ff::DOC),
                    ("ghost_file", ff::GHOST),
                    ("license_file", ff::LICENSE),
                    ("readme_file", ff::README),
                ] {
                    it.push(e, (f.flags & bit != 0).to_string(), Datatype::Boolean);
                }
                items.push(it);
            }
        }
        ProbeOutput::found(items)
    }

    /// Image paths selected by `filepath` or `path`+`filename` entities and the object's
    /// recursion behaviors, as oscap's file walker selects them: `(dir, name)` pairs of
    /// existing entries (`name` empty = the directory itself, for a nil filename). Paths that do
    /// not start with `/` never match (oscap compares them with absolute image paths).
    fn select_paths(
        &self,
        o: &Object,
        q: &Query<'_>,
        want_files: bool,
    ) -> Result<Vec<(String, String)>, String> {
        // One budget for every walk this object makes (overlapping starts included).
        let budget = &mut WalkBudget::new();
        let mut out = Vec::new();
        if let Some(fp) = q.entity("filepath") {
            if fp.operation == Operation::Equals {
                // The path itself (a symlink without target counts), unless it is or leads to
                // a directory.
                // Each value is a candidate, kept when it satisfies the entity's var_check.
                for v in &fp.values {
                    if v.starts_with('/')
                        && q.entity_matches(fp, v)
                        && self.root.symlink_metadata(v).is_ok()
                        && !self.is_dir(v)
                    {
                        out.push(split_path(v));
                    }
                }
            } else {
                for f in self.walk_candidates(&fp.values, fp.operation, budget)? {
                    if !f.is_dir && !f.cycle && q.entity_matches(fp, &f.path) {
                        out.push(split_path(&f.path));
                    }
                }
            }
            return Ok(out);
        }
        let Some(pe) = q.entity("path") else {
            return Ok(out);
        };
        let dirs: Vec<String> = if pe.operation == Operation::Equals {
            pe.values
                .iter()
                .filter(|v| v.starts_with('/') && q.entity_matches(pe, v) && self.is_dir(v))
                .cloned()
                .collect()
        } else {
            let mut ds = vec![];
            for f in self.walk_candidates(&pe.values, pe.operation, budget)? {
                if f.is_dir && !f.cycle && q.entity_matches(pe, &f.path) {
                    ds.push(f.path);
                }
            }
            ds
        };
        let rec = Recursion::of(o);
        let fname = q.entity("filename");
        for d in dirs {
            match fname {
                Some(f) if f.nil => {
                    if want_files {
                        continue;
                    }
                    if !rec.down {
                        out.push((d.clone(), String::new()));
                        continue;
                    }
                    // Directories met (a symlink to one only when symlinks are followed).
                    for e in self.walk_logical(&d, &|e| rec.descend(e), budget)? {
                        if e.is_dir
                            && !e.cycle
                            && (!e.is_link || rec.symlinks || e.depth == 0)
                            && rec.within(e.depth)
                        {
                            out.push((e.path, String::new()));
                        }
                    }
                }
                Some(f) => {
                    // Every entry that is not a directory (a symlink counts by its own name,
                    // whatever it points to, even a directory above it) in the directory, or
                    // below it when recursing.
                    for e in self.walk_logical(&d, &|e| rec.descend(e), budget)? {
                        if e.depth == 0 || (e.is_dir && !e.is_link) {
                            continue;
                        }
                        let (dir, name) = split_path(&e.path);
                        if q.entity_matches(f, &name) {
                            out.push((dir, name));
                        }
                    }
                }
                None => {}
            }
        }
        // Matched directories may overlap when recursing: each entry once (oscap keeps one of
        // identical items).
        let mut seen = std::collections::HashSet::new();
        out.retain(|p| seen.insert(p.clone()));
        Ok(out)
    }

    fn is_dir(&self, path: &str) -> bool {
        self.root
            .metadata(path)
            .map(|m| m.is_dir())
            .unwrap_or(false)
    }

    /// Every entry under the walk start of each pattern (see [`walk_start`]), symlinks
    /// followed.
    fn walk_candidates(
        &self,
        patterns: &[String],
        op: Operation,
        budget: &mut WalkBudget,
    ) -> Result<Vec<Found>, String> {
        let mut starts: Vec<String> = Vec::new();
        for p in patterns {
            let s = if op == Operation::PatternMatch {
                walk_start(p)
            } else {
                "/".to_string()
            };
            if !starts.contains(&s) {
                starts.push(s);
            }
        }
        let mut out = Vec::new();
        for s in starts {
            out.extend(self.walk_logical(&s, &|_| true, budget)?);
        }
        Ok(out)
    }

    /// A pre-order walk from `start` (depth 0) that follows symlinks inside the image, as
    /// oscap's file walker follows them (an entry keeps the path it was reached by). A
    /// directory already on the current path (a cycle) is never entered; a symlink leading to
    /// one is still listed, marked `cycle`. `descend` decides whether to enter a directory
    /// below the start. Paths of [`PATH_MAX`] bytes or more are left out (`stat` cannot name
    /// them). Every entry is charged to `budget`, shared by the object's walks: symlinks to
    /// directories can make a small image hold exponentially many paths, so an exhausted budget
    /// is an error, not a partial answer.
    fn walk_logical(
        &self,
        start: &str,
        descend: &dyn Fn(&Found) -> bool,
        budget: &mut WalkBudget,
    ) -> Result<Vec<Found>, String> {
        let mut out = Vec::new();
        let Ok(md) = self.root.metadata(start) else {
            return Ok(out);
        };
        let is_link = self
            .root
            .symlink_metadata(start)
            .map(|m| m.file_type().is_symlink())
            .unwrap_or(false);
        budget.charge(1, start.len(), start)?;
        out.push(Found {
            path: start.to_string(),
            is_dir: md.is_dir(),
            is_link,
            cycle: false,
            depth: 0,
        });
        if !md.is_dir() {
            return Ok(out);
        }
        // (directory, its depth, the (dev, ino) of it and its ancestors)
        let mut stack = vec![(
            start.to_string(),
            0usize,
            Ancestors::root((md.dev(), md.ino())),
        )];
        while let Some((dir, depth, ancestors)) = stack.pop() {
            if depth >= rootfs::DEFAULT_WALK_DEPTH {
                continue;
            }
            let Ok(entries) = self.root.read_dir(&dir) else {
                continue;
            };
            // The listing is paid for whole, entries that are then left out included.
            let names: usize = entries.iter().map(|e| e.name.len()).sum();
            budget.charge(entries.len(), names, start)?;
            let mut subdirs = Vec::new();
            for e in entries {
                if dir.len() + 1 + e.name.len() >= PATH_MAX {
                    continue;
                }
                let path = join(&dir, &e.name.to_string_lossy());
                if path.len() >= PATH_MAX {
                    continue;
                }
                let is_link = e.file_type == FileKind::Symlink;
                let (is_dir, id) = if is_link || e.file_type == FileKind::Dir {
                    match self.root.metadata(&path) {
                        Ok(m) => (m.is_dir(), Some((m.dev(), m.ino()))),
                        Err(_) => (false, None),
                    }
                } else {
                    (false, None)
                };
                let id = id.filter(|_| is_dir);
                let cycle = id.is_some_and(|id| ancestors.contains(id));
                if cycle && !is_link {
                    continue;
                }
                budget.charge(0, path.len(), start)?;
                let f = Found {
                    path,
                    is_dir,
                    is_link,
                    cycle,
                    depth: depth + 1,
                };
                if let (true, Some(id)) = (is_dir && !cycle && descend(&f), id) {
                    subdirs.push((f.path.clone(), depth + 1, ancestors.push(id)));
                }
                out.push(f);
            }
            stack.extend(subdirs.into_iter().rev());
        }
        Ok(out)
    }

    fn textfilecontent54(&self, o: &Object, q: &Query<'_>) -> ProbeOutput {
        let paths = match self.select_paths(o, q, true) {
            Ok(p) => p,
            Err(e) => return ProbeOutput::flagged(Flag::Error, e),
        };
        let Some(pat) = q.entity("pattern") else {
            return ProbeOutput::flagged(Flag::Error, "textfilecontent54_object without pattern");
        };
        let multiline = o.behavior("multiline").map(|v| v == "true").unwrap_or(true);
        let singleline = o.behavior("singleline") == Some("true");
        let caseless = o.behavior("ignore_case") == Some("true");
        // Every value of the pattern (a variable may give several) is searched for on its
        // own, as oscap runs the object once per value; compiled once for every file.
        let mut compiled = Vec::new();
        for p in &pat.values {
            match RegexBuilder::new()
                .utf(true)
                .multi_line(multiline)
                .dotall(singleline)
                .caseless(caseless)
                .build(p)
            {
                Ok(r) => compiled.push((p, r)),
                Err(e) => return ProbeOutput::flagged(Flag::Error, format!("pattern {p:?}: {e}")),
            }
        }
        let mut items = Vec::new();
        let mut scanned = 0u64;
        for (dir, name) in paths {
            let fp = join(&dir, &name);
            let md = match self.root.metadata(&fp) {
                Ok(m) => m,
                Err(_) => continue,
            };
            if !md.is_file() {
                continue;
            }
            let bytes = match self.root.read(&fp, MAX_TEXT_FILE) {
                Ok(b) => b,
                Err(e) => return ProbeOutput::flagged(Flag::Error, e.to_string()),
            };
            // Reading counts too: many paths (symlinks) to one big file whose text a NUL
            // ends at once would otherwise be read again and again for free.
            scanned += bytes.len() as u64;
            if scanned > MAX_MATCH_SCAN_BYTES {
                return ProbeOutput::flagged(
                    Flag::Error,
                    format!(
                        "reading {fp} makes this object read and scan more than \
                         {MAX_MATCH_SCAN_BYTES} bytes; refusing to go on"
                    ),
                );
            }
            // As oscap: the file is one C string (up to a NUL byte), matched repeatedly from
            // the end of the previous match (one past it after an empty match) while the
            // offset is inside the string including its terminator, so an empty match at the
            // very end counts twice; groups that did not participate are left out.
            let subject = match bytes.iter().position(|&b| b == 0) {
                Some(n) => &bytes[..n],
                None => &bytes[..],
            };
            for (p, re) in &compiled {
                let mut locs = re.capture_locations();
                let used = subject.len() + 1;
                let mut ofs = 0usize;
                let mut instance = 0u64;
                loop {
                    scanned += (subject.len() - ofs.min(subject.len())) as u64;
                    if scanned > MAX_MATCH_SCAN_BYTES {
                        return ProbeOutput::flagged(
                            Flag::Error,
                            format!(
                                "matching {p:?} in {fp} ({} bytes) would scan more than \
                                 {MAX_MATCH_SCAN_BYTES} bytes ({instance} matches so far); \
                                 refusing to go on",
                                subject.len()
                            ),
                        );
                    }
                    let found = match re.captures_read_at(&mut locs, subject, ofs) {
                        Ok(m) => m,
                        Err(e) => {
                            return ProbeOutput::flagged(
                                Flag::Error,
                                format!("pattern match failed in {fp}: {e}"),
                            )
                        }
                    };
                    let Some(m) = found else { break };
                    let end = m.end();
                    ofs = if ofs == end { end + 1 } else { end };
                    instance += 1;
                    if q.matches("instance", &instance.to_string()) {
                        if items.len() == MAX_ITEMS_PER_OBJECT {
                            return ProbeOutput::flagged(
                                Flag::Error,
                                format!(
                                    "more than {MAX_ITEMS_PER_OBJECT} matches of {p:?} \
                                     (last in {fp}); refusing to collect them all"
                                ),
                            );
                        }
                        let text = |s: usize, e: usize| {
                            String::from_utf8_lossy(&subject[s..e]).into_owned()
                        };
                        let mut it = Item::new("independent", "textfilecontent")
                            .with("filepath", fp.clone())
                            .with("path", dir.clone())
                            .with("filename", name.clone())
                            .with("pattern", p.to_string());
                        it.push("instance", instance.to_string(), Datatype::Int);
                        it.push("line", p.to_string(), Datatype::String);
                        it.push("text", text(m.start(), end), Datatype::String);
                        for g in 1..locs.len() {
                            if let Some((s, e)) = locs.get(g) {
                                it.push("subexpression", text(s, e), Datatype::String);
                            }
                        }
                        items.push(it);
                    }
                    if ofs >= used {
                        break;
                    }
                }
            }
        }
        ProbeOutput::found(items)
    }

    fn file(&self, o: &Object, q: &Query<'_>) -> ProbeOutput {
        let paths = match self.select_paths(o, q, false) {
            Ok(p) => p,
            Err(e) => return ProbeOutput::flagged(Flag::Error, e),
        };
        let mut items = Vec::new();
        for (dir, name) in paths {
            let fp = join(&dir, &name);
            let Ok(md) = self.root.symlink_metadata(&fp) else {
                continue;
            };
            let kind = FileKind::from_mode(md.mode());
            let t = match kind {
                FileKind::File => "regular",
                FileKind::Dir => "directory",
                FileKind::Symlink => "symbolic link",
                FileKind::Fifo => "named pipe",
                FileKind::Socket => "socket",
                FileKind::CharDevice => "character special",
                FileKind::BlockDevice => "block special",
                _ => "unknown",
            };
            let mut it = Item::new("unix", "file");
            if name.is_empty() {
                // oscap's directory items carry an empty (nil) filename.
                it = it.with("path", dir.clone()).with("filename", "");
            } else {
                it = it
                    .with("filepath", fp.clone())
                    .with("path", dir.clone())
                    .with("filename", name.clone());
            }
            it = it.with("type", t);
            it.push("group_id", md.gid().to_string(), Datatype::Int);
            it.push("user_id", md.uid().to_string(), Datatype::Int);
            it.push("a_time", md.atime().to_string(), Datatype::Int);
            it.push("c_time", md.ctime().to_string(), Datatype::Int);
            it.push("m_time", md.mtime().to_string(), Datatype::Int);
            it.push("size", md.size().to_string(), Datatype::Int);
            let mode = md.mode();
            for (e, bit) in [
                ("suid", 0o4000),
                ("sgid", 0o2000),
                ("sticky", 0o1000),
                ("uread", 0o400),
                ("uwrite", 0o200),
                ("uexec", 0o100),
                ("gread", 0o40),
                ("gwrite", 0o20),
                ("gexec", 0o10),
                ("oread", 0o4),
                ("owrite", 0o2),
                ("oexec", 0o1),
            ] {
                it.push(e, (mode & bit != 0).to_string(), Datatype::Boolean);
            }
            match self.has_extended_acl(&fp, kind) {
                Some(acl) => it.push("has_extended_acl", acl.to_string(), Datatype::Boolean),
                // A symlink without target: the entity "does not exist", as in oscap.
                None => it.entities.push(crate::system::ItemEntity {
                    name: "has_extended_acl".into(),
                    value: String::new(),
                    datatype: crate::system::DatatypeKey::of(Datatype::Boolean),
                    status: crate::system::StatusKey::of(crate::result::Status::DoesNotExist),
                }),
            }
            items.push(it);
        }
        ProbeOutput::found(items)
    }

    /// Whether the file (a symlink's target) has a POSIX ACL beyond its mode bits, as libacl's
    /// `acl_extended_file` tells oscap: an access ACL, or a default ACL on a directory (the
    /// kernel keeps neither attribute when the ACL is only the mode); unreadable: false. `None`
    /// for a symlink without target.
    fn has_extended_acl(&self, path: &str, kind: FileKind) -> Option<bool> {
        let (target, kind) = if kind == FileKind::Symlink {
            match (self.root.resolve(path), self.root.metadata(path)) {
                (Ok(t), Ok(m)) => (
                    t.to_string_lossy().into_owned(),
                    FileKind::from_mode(m.mode()),
                ),
                _ => return None,
            }
        } else {
            (path.to_string(), kind)
        };
        let has = |name: &str| matches!(self.root.lgetxattr(&target, name), Ok(Some(_)));
        Some(
            has("system.posix_acl_access")
                || (kind == FileKind::Dir && has("system.posix_acl_default")),
        )
    }

    /// `unix:password_object`: the image's /etc/passwd entries whose name matches `username`,
    /// read as oscap's password probe reads them offline (glibc `fgetpwent` on the root's file),
    /// with `last_login` from the root's /var/log/lastlog (-1 without a record) for OVAL 5.10+.
    fn password(&self, q: &Query<'_>) -> ProbeOutput {
        let Some(username) = q.entity("username") else {
            return ProbeOutput::flagged(Flag::Error, "password_object without a username");
        };
        let passwd = match rootfs::users::PasswdEntry::read_file(&self.root) {
            Ok(bytes) => bytes,
            Err(e) => return ProbeOutput::flagged(Flag::Error, e.to_string()),
        };
        let lastlog = self.schema_5_10.then(|| LastLog::open(&self.root));
        let mut items = Vec::new();
        for e in rootfs::users::PasswdEntry::entries(&passwd) {
            if !username.nil && !q.entity_matches(username, &e.name) {
                continue;
            }
            if items.len() == MAX_ITEMS_PER_OBJECT {
                return ProbeOutput::flagged(
                    Flag::Error,
                    format!(
                        "/etc/passwd has more than {MAX_ITEMS_PER_OBJECT} matching accounts; \
                         refusing to collect them all"
                    ),
                );
            }
            let mut it = Item::new("unix", "password")
                .with("username", e.name.clone())
                .with("password", e.password.clone());
            it.push("user_id", e.uid.to_string(), Datatype::Int);
            it.push("group_id", e.gid.to_string(), Datatype::Int);
            it = it
                .with("gcos", e.gecos.clone())
                .with("home_dir", e.home.clone())
                .with("login_shell", e.shell.clone());
            if let Some(lastlog) = &lastlog {
                it.push("last_login", lastlog.time(e.uid).to_string(), Datatype::Int);
            }
            items.push(it);
        }
        ProbeOutput::found(items)
    }

    /// `unix:symlink_object` with `filepath` values (equals, as SSG uses it): an item per path
    /// that is a symlink, with its `canonical_path` resolved inside the image. As oscap: a path
    /// that is missing or not a symlink contributes nothing; a dangling or circular link makes
    /// the object an error.
    fn symlink(&self, q: &Query<'_>) -> ProbeOutput {
        let Some(fp) = q.entity("filepath") else {
            return ProbeOutput::flagged(Flag::Error, "symlink_object without a filepath");
        };
        if fp.operation != Operation::Equals {
            return ProbeOutput::flagged(
                Flag::NotCollected,
                format!(
                    "symlink_object filepath with operation {:?} is not supported (oscap takes \
                     the value as a literal path)",
                    fp.operation
                ),
            );
        }
        let mut items = Vec::new();
        for path in &fp.values {
            match self.root.symlink_metadata(path) {
                Ok(md) if md.file_type().is_symlink() => {}
                _ => continue,
            }
            match self.root.resolve(path) {
                Ok(canonical) => items.push(
                    Item::new("unix", "symlink")
                        .with("filepath", path.clone())
                        .with("canonical_path", canonical.to_string_lossy().into_owned()),
                ),
                Err(rootfs::Error::Loop { .. }) => {
                    return ProbeOutput::flagged(
                        Flag::Error,
                        format!("Link '{path}' is a circular link."),
                    )
                }
                Err(e) if e.is_not_found() => {
                    return ProbeOutput::flagged(
                        Flag::Error,
                        format!("Link target of symlink '{path}' does not exist."),
                    )
                }
                Err(e) => return ProbeOutput::flagged(Flag::Error, e.to_string()),
            }
        }
        ProbeOutput::found(items)
    }
}

/// The image's `/var/log/lastlog`, one glibc `struct lastlog` per uid, in the layout of the
/// scanner's own architecture (as oscap reads it on the same host): `ll_time` is 32 bits on
/// x86_64 and on 32-bit targets, 64 bits elsewhere; then 32 + 256 bytes of line and host.
struct LastLog(Option<(std::fs::File, u64)>);

impl LastLog {
    const TIME_BYTES: usize = if cfg!(any(target_arch = "x86_64", target_pointer_width = "32")) {
        4
    } else {
        8
    };
    const RECORD: u64 = LastLog::TIME_BYTES as u64 + 32 + 256;

    fn open(root: &Rootfs) -> LastLog {
        LastLog(root.open_file("/var/log/lastlog").ok().and_then(|f| {
            let len = f.metadata().ok()?.len();
            Some((f, len))
        }))
    }

    /// The login time recorded for `uid`, -1 without a whole record (oscap reads the struct
    /// with one fread).
    fn time(&self, uid: u32) -> i64 {
        let Some((f, len)) = &self.0 else {
            return -1;
        };
        let at = u64::from(uid) * LastLog::RECORD;
        let mut time = [0u8; 8];
        let time = &mut time[..LastLog::TIME_BYTES];
        if at + LastLog::RECORD > *len
            || std::os::unix::fs::FileExt::read_exact_at(f, time, at).is_err()
        {
            return -1;
        }
        match *time {
            [a, b, c, d] => i64::from(i32::from_ne_bytes([a, b, c, d])),
            [a, b, c, d, e, g, h, i] => i64::from_ne_bytes([a, b, c, d, e, g, h, i]),
            _ => -1,
        }
    }
}

fn split_path(p: &str) -> (String, String) {
    match p.rsplit_once('/') {
        Some(("", n)) => ("/".into(), n.into()),
        Some((d, n)) => (d.into(), n.into()),
        None => ("/".into(), p.into()),
    }
}

fn join(dir: &str, name: &str) -> String {
    if name.is_empty() {
        dir.to_string()
    } else if dir.ends_with('/') {
        format!("{dir}{name}")
    } else {
        format!("{dir}/{name}")
    }
}

/// Upper bounds of what the symlink-following walks of one object collect: entries, and the
/// bytes of their paths (a path reached through symlinks grows with every level).
const MAX_WALK_ENTRIES: usize = 1 << 20;
const MAX_WALK_PATH_BYTES: usize = 128 << 20;

/// Linux's PATH_MAX: the longest path (with its NUL) a system call takes.
const PATH_MAX: usize = 4096;

/// What the walks of one object may still collect ([`MAX_WALK_ENTRIES`],
/// [`MAX_WALK_PATH_BYTES`]).
struct WalkBudget {
    entries: usize,
    bytes: usize,
}

impl WalkBudget {
    fn new() -> WalkBudget {
        WalkBudget {
            entries: MAX_WALK_ENTRIES,
            bytes: MAX_WALK_PATH_BYTES,
        }
    }

    /// Takes `entries` entries and `bytes` bytes (met walking from `start`) from the budget.
    fn charge(&mut self, entries: usize, bytes: usize, start: &str) -> Result<(), String> {
        if self.entries < entries || self.bytes < bytes {
            return Err(format!(
                "the walk from {start} met more than {MAX_WALK_ENTRIES} entries or {} MiB of \
                 paths (symlinks to directories repeat what they lead to)",
                MAX_WALK_PATH_BYTES >> 20
            ));
        }
        self.entries -= entries;
        self.bytes -= bytes;
        Ok(())
    }
}

/// The (dev, ino) of a directory and of the directories above it on the walked path: a
/// shared chain, so entering a directory costs one link whatever the depth.
#[derive(Clone)]
struct Ancestors(std::rc::Rc<(u64, u64, Option<Ancestors>)>);

impl Ancestors {
    fn root(id: (u64, u64)) -> Ancestors {
        Ancestors(std::rc::Rc::new((id.0, id.1, None)))
    }

    fn push(&self, id: (u64, u64)) -> Ancestors {
        Ancestors(std::rc::Rc::new((id.0, id.1, Some(self.clone()))))
    }

    fn contains(&self, id: (u64, u64)) -> bool {
        let mut at = Some(self);
        while let Some(a) = at {
            if (a.0 .0, a.0 .1) == id {
                return true;
            }
            at = a.0 .2.as_ref();
        }
        false
    }
}

/// One entry met by [`ImageProbes::walk_logical`].
struct Found {
    /// Image path, through the symlinks it was reached by.
    path: String,
    /// A directory, or a symlink to one.
    is_dir: bool,
    is_link: bool,
    /// A symlink to a directory on the current path.
    cycle: bool,
    depth: usize,
}

/// A path object's recursion behaviors (defaults: no recursion, any depth, through
/// directories and symlinks).
struct Recursion {
    down: bool,
    max_depth: Option<usize>,
    dirs: bool,
    symlinks: bool,
}

impl Recursion {
    fn of(o: &Object) -> Recursion {
        let recurse = o.behavior("recurse").unwrap_or("symlinks and directories");
        Recursion {
            down: o.behavior("recurse_direction") == Some("down"),
            max_depth: o
                .behavior("max_depth")
                .and_then(|d| d.trim().parse::<i64>().ok())
                .and_then(|d| usize::try_from(d).ok()),
            dirs: recurse.contains("directories"),
            symlinks: recurse.contains("symlinks"),
        }
    }
    fn within(&self, depth: usize) -> bool {
        self.max_depth.is_none_or(|m| depth <= m)
    }
    /// Whether the walk enters this directory (below the start).
    fn descend(&self, e: &Found) -> bool {
        self.down && self.within(e.depth) && if e.is_link { self.symlinks } else { self.dirs }
    }
}

/// Where oscap's walker starts for a path pattern: the pattern (without `^`) up to its first
/// unescaped `^*?$.([`, cut back to the last `/` before it, unescaped ("^/etc/.*\.conf$" →
/// "/etc"); a pattern without any of those is taken whole as the start ("^/etc/su" →
/// "/etc/su", which must exist); "/" when the prefix is not absolute.
fn walk_start(pattern: &str) -> String {
    let p = pattern.strip_prefix('^').unwrap_or(pattern);
    let bytes = p.as_bytes();
    let mut escaped = false;
    let mut meta = bytes.len();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'\\' {
            escaped = !escaped;
        } else if b"^*?$.([".contains(&b) {
            if !escaped {
                meta = i;
                break;
            }
            escaped = false;
        }
    }
    let mut end = meta;
    if meta < bytes.len() {
        end = meta.saturating_sub(1);
        while end > 1 && bytes[end] != b'/' {
            end -= 1;
        }
    }
    if end <= 1 {
        return "/".into();
    }
    let fixed: String = {
        let mut out = String::new();
        let mut chars = p[..end].chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                if let Some(n) = chars.next() {
                    out.push(n);
                }
            } else {
                out.push(c);
            }
        }
        out
    };
    if fixed.starts_with('/') {
        fixed
    } else {
        "/".into()
    }
}

impl Probes for ImageProbes {
    fn collect(&self, o: &Object, q: &Query<'_>) -> ProbeOutput {
        match (o.family.as_str(), o.kind.as_str()) {
            ("linux", "rpminfo") => self.rpminfo(o, q),
            ("linux", "rpmverifyfile") => self.rpmverifyfile(o, q),
            ("independent", "textfilecontent54") => self.textfilecontent54(o, q),
            ("independent", "family") => {
                ProbeOutput::found(vec![
                    Item::new("independent", "family").with("family", "unix")
                ])
            }
            ("unix", "file") => self.file(o, q),
            ("unix", "password") => self.password(q),
            ("unix", "symlink") => self.symlink(q),
            // oscap 1.3.7's shadow probe has no offline mode: with OSCAP_PROBE_ROOT every
            // shadow_object is "not applicable". Same verdicts as oscap means the same here,
            // rather than reading the image's /etc/shadow and disagreeing.
            // Likewise oscap 1.3.7's sysctl probe ("offline mode is not supported"; 1.3.8+
            // reads <root>/proc/sys, which an image does not have anyway).
            ("unix", "sysctl") => ProbeOutput::flagged(
                Flag::NotApplicable,
                "sysctl items are not collected from an image (oscap 1.3.7's sysctl probe has no offline mode)",
            ),
            ("unix", "shadow") => ProbeOutput::flagged(
                Flag::NotApplicable,
                "shadow items are not collected from an image (oscap's shadow probe has no offline mode)",
            ),
            ("unix", "uname") => ProbeOutput::flagged(
                Flag::NotApplicable,
                "the running kernel is not part of an image (uname is not applicable offline)",
            ),
            (f, k) => ProbeOutput::flagged(
                Flag::NotCollected,
                format!("{f}:{k}_object is not supported by this scanner"),
            ),
        }
    }
}

/// Object kinds the image probes support (for documentation and counting).
pub fn supported_kinds() -> HashMap<&'static str, &'static str> {
    HashMap::from([
        ("linux:rpminfo", "installed packages"),
        (
            "linux:rpmverifyfile",
            "package owning a file (no verification)",
        ),
        ("independent:textfilecontent54", "file content regex"),
        ("independent:family", "always unix"),
        ("independent:variable", "variable values"),
        ("unix:file", "file metadata (lstat)"),
        (
            "unix:password",
            "/etc/passwd entries (as glibc's fgetpwent)",
        ),
        ("unix:symlink", "symlink targets resolved inside the image"),
        ("unix:shadow", "not applicable offline (as oscap)"),
        ("unix:uname", "not applicable offline"),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes() {
        assert_eq!(walk_start("^/etc/yum\\.repos\\.d/.*"), "/etc/yum.repos.d");
        assert_eq!(walk_start("^/etc/ssh/sshd_config$"), "/etc/ssh");
        assert_eq!(walk_start("^/etc/.*\\.conf$"), "/etc");
        assert_eq!(walk_start("^/etc/su"), "/etc/su");
        assert_eq!(walk_start("^/e.*"), "/");
        assert_eq!(walk_start(".*"), "/");
        assert_eq!(
            split_path("/etc/os-release"),
            ("/etc".into(), "os-release".into())
        );
    }
}
