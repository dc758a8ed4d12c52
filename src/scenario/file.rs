//! Reading a scenario file: TOML text into a table, `extends` resolved by laying a variant
//! over its parent (tables key by key, segments by name), and parse errors located at
//! `file:line:col` with the dotted key (segments by name) where serde knows it.

use std::io::Read;
use std::path::Path;

use super::error::{ScenarioError, reword};
use super::overrides::{Override, apply_overrides};
use super::spec::ScenarioSpec;

/// Where a scenario's text came from, for error messages.
#[derive(Debug, Clone)]
pub struct Origin {
    /// The file name as the user gave it (or a description such as `<string>`).
    pub file: String,
    /// The default for `meta.name`: the file stem.
    pub stem: String,
}

impl Origin {
    /// The origin of a scenario file at `path`.
    pub fn of_path(path: &Path) -> Origin {
        Origin {
            file: path.display().to_string(),
            stem: path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "scenario".to_string()),
        }
    }
}

impl Origin {
    /// The origin of text that names itself `file` (`"test.toml"`, `"notebook"`): messages
    /// start with `file`, and `meta.name` defaults to its stem.
    pub fn new(file: &str) -> Origin {
        Origin::of_path(Path::new(file))
    }
}

/// The largest scenario file read, in bytes (1 MiB; the shipped scenarios are a few kB). A
/// scenario file, and every file it `extends`, must be a regular file of at most this size:
/// anything else is refused before a byte is read, so that a device (`/dev/zero`) or a FIFO
/// cannot be read until memory runs out or forever.
pub const MAX_SCENARIO_BYTES: u64 = 1 << 20;

/// Why a scenario file was not read.
pub(super) enum Unreadable {
    /// The file system said no (`No such file or directory`).
    Io(String),
    /// Not a regular file, or too large: refused before reading (`is a device`).
    Refused(String),
}

impl Unreadable {
    /// The whole phrase, after the file's name.
    pub(super) fn phrase(&self) -> String {
        match self {
            Unreadable::Io(e) => format!("cannot read: {e}"),
            Unreadable::Refused(why) => format!(
                "{why}: a scenario file must be a regular file of at most {}",
                limit_text()
            ),
        }
    }
}

/// The text of the scenario file at `path`. Only a regular file (or a link to one) of at most
/// [`MAX_SCENARIO_BYTES`] is opened, and no more than that is ever read.
pub(super) fn read_scenario_file(path: &Path) -> Result<String, Unreadable> {
    let io = |e: std::io::Error| Unreadable::Io(e.to_string());
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(Unreadable::Refused(format!(
            "is {}, not a regular file",
            kind_of(&meta.file_type())
        )));
    }
    if meta.len() > MAX_SCENARIO_BYTES {
        return Err(too_large(meta.len()));
    }
    let file = std::fs::File::open(path).map_err(io)?;
    // The file may have been swapped or grown since it was looked at: read at most one byte
    // more than allowed, to tell.
    let mut bytes = Vec::new();
    file.take(MAX_SCENARIO_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_SCENARIO_BYTES {
        return Err(too_large(bytes.len() as u64));
    }
    String::from_utf8(bytes)
        .map_err(|_| Unreadable::Refused("is not UTF-8 text (save it as UTF-8)".to_string()))
}

/// `1 MiB`.
fn limit_text() -> String {
    format!("{} MiB", MAX_SCENARIO_BYTES >> 20)
}

fn too_large(bytes: u64) -> Unreadable {
    Unreadable::Refused(format!("is {bytes} bytes, more than {}", limit_text()))
}

/// What a file that is not a regular one is, for a message.
fn kind_of(t: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() {
        "a folder"
    } else {
        "a special file"
    }
}

/// 1-based line and column of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// Turn serde_path_to_error's `segment[1].annual_pd` into `segment.<name>.annual_pd` (and
/// `funding.facility[0].limit` into `funding.facility.<name>.limit`).
pub(super) fn dotted(path: &serde_path_to_error::Path, doc: &toml::Table) -> String {
    use serde_path_to_error::Segment as S;
    let mut out = String::new();
    let mut in_segment = false;
    for seg in path.iter() {
        match seg {
            S::Seq { index } if in_segment => {
                let list = if out == "segment" {
                    doc.get("segment")
                } else {
                    doc.get("funding").and_then(|f| f.get("facility"))
                };
                let name = list
                    .and_then(|s| s.as_array())
                    .and_then(|a| a.get(*index))
                    .and_then(|s| s.get("name"))
                    .and_then(|n| n.as_str());
                match name {
                    Some(n) => out.push_str(&format!(".{n}")),
                    None => out.push_str(&format!("[{index}]")),
                }
                in_segment = false;
            }
            S::Seq { index } => out.push_str(&format!("[{index}]")),
            S::Map { key } | S::Enum { variant: key } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
                in_segment = out == "segment" || out == "funding.facility";
            }
            S::Unknown => {}
        }
    }
    out
}

/// Strip toml's own rendering ("TOML parse error at line..." and the snippet) down to the
/// message, since we print file, line and column ourselves.
fn parse_error(
    file: &str,
    text: &str,
    err: &toml::de::Error,
    key: Option<String>,
) -> ScenarioError {
    let key = key.filter(|k| !k.is_empty());
    // A value TOML cannot read at all, such as `5%`: say what was meant, not that text needs
    // quotes (quoting it would not help either).
    let written: Option<&str> = err.span().map(|s| {
        let rest = &text[s.start.min(text.len())..];
        let end = rest
            .find(|c: char| c.is_whitespace() || matches!(c, ',' | ']' | '}' | '#'))
            .unwrap_or(rest.len());
        &rest[..end]
    });
    let message = match written.and_then(super::error::percent_hint) {
        Some(hint) => format!("`{}` is not a number: {hint}", written.unwrap_or_default()),
        None => reword(&err.message().trim().replace('\n', "; "), key.as_deref()),
    };
    ScenarioError::Parse {
        file: file.to_string(),
        message,
        key,
        position: err.span().map(|s| line_col(text, s.start)),
    }
}

/// How many `extends` a scenario may chain (a longer chain is taken for a cycle).
const MAX_EXTENDS_DEPTH: usize = 8;

/// What a scenario file that `extends` another is made of: the file it extends (as written in
/// `extends`), that scenario's name, and the keys this file sets, each with its value as
/// written (`credit_cycle.shifts = [0, 0, -1.5, -1.5]`), in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct Lineage {
    pub parent: String,
    pub parent_name: String,
    pub changed: Vec<(String, String)>,
}

impl Lineage {
    /// `baseline, with credit_cycle.shifts = [0, 0, -1.5, -1.5]`: the description of a variant
    /// that says none of its own; the first few keys, and how many more.
    pub fn description(&self) -> String {
        const SHOWN: usize = 4;
        let mut parts: Vec<String> = self
            .changed
            .iter()
            .take(SHOWN)
            .map(|(k, v)| format!("{k} = {v}"))
            .collect();
        if self.changed.len() > SHOWN {
            parts.push(format!("and {} more", self.changed.len() - SHOWN));
        }
        format!("{}, with {}", self.parent_name, parts.join(", "))
    }
}

/// The keys a scenario table sets, dotted (segments and uncertain parameters by name), each
/// with its value as TOML writes it; `meta` and `extends` left out.
pub(super) fn set_keys(doc: &toml::Table) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (section, value) in doc {
        match (section.as_str(), value) {
            ("meta" | "extends", _) => {}
            (_, toml::Value::Table(t)) => {
                for (k, v) in t {
                    out.push((format!("{section}.{k}"), compact(v)));
                }
            }
            ("segment" | "uncertain", toml::Value::Array(items)) => {
                for item in items {
                    let Some(t) = item.as_table() else { continue };
                    let name = t.get("name").and_then(|n| n.as_str()).unwrap_or("?");
                    for (k, v) in t.iter().filter(|(k, _)| *k != "name") {
                        out.push((format!("{section}.{name}.{k}"), compact(v)));
                    }
                }
            }
            (_, v) => out.push((section.clone(), compact(v))),
        }
    }
    out
}

/// A key whose value differs between two scenarios: the key, its value in the first and in the
/// second (`None` where one does not set it).
pub type Difference = (String, Option<String>, Option<String>);

/// The keys whose values differ between two resolved scenarios (`scenario.toml` texts), in
/// `b`'s order, then those only `a` sets; `meta` left out. `None` if either is not TOML.
pub fn differences(a: &str, b: &str) -> Option<Vec<Difference>> {
    let a = set_keys(&toml::from_str(a).ok()?);
    let b = set_keys(&toml::from_str(b).ok()?);
    let find = |keys: &[(String, String)], k: &str| {
        keys.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    let mut out: Vec<Difference> = b
        .iter()
        .filter(|(k, v)| find(&a, k).as_ref() != Some(v))
        .map(|(k, v)| (k.clone(), find(&a, k), Some(v.clone())))
        .collect();
    out.extend(
        a.iter()
            .filter(|(k, _)| find(&b, k).is_none())
            .map(|(k, v)| (k.clone(), Some(v.clone()), None)),
    );
    Some(out)
}

/// A TOML value on one line, a number as briefly as it reads back (`1000000`, `0.8`).
fn compact(v: &toml::Value) -> String {
    match v {
        toml::Value::Float(x) => format!("{x}"),
        toml::Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(compact).collect();
            format!("[{}]", inner.join(", "))
        }
        toml::Value::Table(t) => {
            let inner: Vec<String> = t
                .iter()
                .map(|(k, v)| format!("{k} = {}", compact(v)))
                .collect();
            format!("{{ {} }}", inner.join(", "))
        }
        other => other.to_string(),
    }
}

/// Parse one scenario file into a TOML table, checking types and keys against
/// [`ScenarioSpec`] so that errors carry this file's line and column, and resolve its
/// `extends`: the named file (relative to this one) is loaded the same way and this file's
/// keys are laid over it.
fn load_doc(
    text: &str,
    file: &str,
    depth: usize,
) -> Result<(toml::Table, Option<Lineage>), ScenarioError> {
    let mut doc: toml::Table =
        toml::from_str(text).map_err(|e| parse_error(file, text, &e, None))?;
    let de = toml::Deserializer::parse(text).map_err(|e| parse_error(file, text, &e, None))?;
    let _: ScenarioSpec = serde_path_to_error::deserialize(de).map_err(|e| {
        let key = dotted(e.path(), &doc);
        parse_error(file, text, e.inner(), Some(key))
    })?;
    let Some(parent) = doc.remove("extends") else {
        return Ok((doc, None));
    };
    let parent = parent
        .as_str()
        .expect("checked by the deserialiser")
        .to_string();
    let fail = |allowed: String| ScenarioError::Value {
        file: file.to_string(),
        key: "extends".into(),
        value: format!("{parent:?}"),
        allowed,
        from_override: false,
    };
    if depth >= MAX_EXTENDS_DEPTH {
        return Err(fail(format!(
            "a chain of at most {MAX_EXTENDS_DEPTH} files (is there a cycle?)"
        )));
    }
    let path = Path::new(file)
        .parent()
        .unwrap_or(Path::new(""))
        .join(&parent);
    let parent_text = read_scenario_file(&path).map_err(|why| {
        fail(match why {
            Unreadable::Io(e) => format!("a readable scenario file ({}: {e})", path.display()),
            Unreadable::Refused(why) => format!(
                "a regular scenario file of at most {} ({} {why})",
                limit_text(),
                path.display()
            ),
        })
    })?;
    let (mut base, _) = load_doc(&parent_text, &path.display().to_string(), depth + 1)?;
    let parent_name = base
        .get("meta")
        .and_then(|m| m.get("name"))
        .and_then(|n| n.as_str())
        .map(str::to_string)
        .unwrap_or_else(|| Origin::of_path(&path).stem);
    let lineage = Lineage {
        parent,
        parent_name,
        changed: set_keys(&doc),
    };
    // The name is the file's own (its stem by default), never the parent's: a variant must not
    // write over the parent's results. Nor does a variant that changes keys repeat the
    // parent's description, which its changes may contradict: without its own, it is described
    // by what it extends and changes.
    let own_description = doc
        .get("meta")
        .is_some_and(|m| m.get("description").is_some());
    if let Some(meta) = base.get_mut("meta").and_then(|m| m.as_table_mut()) {
        meta.remove("name");
        if !own_description && !lineage.changed.is_empty() {
            meta.insert(
                "description".into(),
                toml::Value::String(lineage.description()),
            );
        }
    } else if !own_description && !lineage.changed.is_empty() {
        let mut meta = toml::Table::new();
        meta.insert(
            "description".into(),
            toml::Value::String(lineage.description()),
        );
        base.insert("meta".into(), toml::Value::Table(meta));
    }
    merge(&mut base, doc);
    Ok((base, Some(lineage)))
}

/// Lay `over` onto `base`: tables merge key by key, segments and funding facilities merge by
/// name (a new name is appended; an empty list of facilities drops the parent's; a facility's
/// `limit` replaces its parent's `limits` and the other way round), anything else is replaced.
fn merge(base: &mut toml::Table, over: toml::Table) {
    for (key, value) in over {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Array(base_segments)), toml::Value::Array(segments))
                if (key == "segment" || key == "facility") && !segments.is_empty() =>
            {
                for seg in segments {
                    let name = seg.get("name").and_then(|n| n.as_str()).map(str::to_string);
                    let existing = base_segments.iter_mut().find(|b| {
                        name.is_some() && b.get("name").and_then(|n| n.as_str()) == name.as_deref()
                    });
                    match (existing, seg) {
                        (Some(toml::Value::Table(b)), toml::Value::Table(s)) => {
                            // A facility's `limit` and `limits` are one setting: the child's
                            // replaces the parent's, as `--set` does.
                            if key == "facility" {
                                for (one, other) in [("limit", "limits"), ("limits", "limit")] {
                                    if s.contains_key(one) {
                                        b.remove(other);
                                    }
                                }
                            }
                            merge(b, s)
                        }
                        (_, seg) => base_segments.push(seg),
                    }
                }
            }
            (Some(toml::Value::Table(b)), toml::Value::Table(t)) => merge(b, t),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

impl ScenarioSpec {
    /// Parse scenario text, apply the overrides in order, and fill in defaults. Does not check
    /// ranges: see [`super::Scenario::from_spec`].
    pub fn parse(
        text: &str,
        origin: &Origin,
        overrides: &[Override],
    ) -> Result<ScenarioSpec, ScenarioError> {
        parse_file(text, origin, overrides).map(|(spec, _)| spec)
    }
}

/// Parse scenario text as [`ScenarioSpec::parse`] does, and say what it extends, if anything.
pub(super) fn parse_file(
    text: &str,
    origin: &Origin,
    overrides: &[Override],
) -> Result<(ScenarioSpec, Option<Lineage>), ScenarioError> {
    let file = origin.file.as_str();
    let (doc, lineage) = load_doc(text, file, 0)?;
    let mut spec = apply_overrides(doc, overrides, file)?;
    spec.extends = None;
    if spec.meta.name.is_none() {
        spec.meta.name = Some(origin.stem.clone());
    }
    Ok((spec, lineage))
}
