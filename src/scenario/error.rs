//! What can be wrong with a scenario, as one error type. Every message names the file and,
//! where there is one, the dotted key, the value as the user wrote it and what is allowed;
//! a value that came from an override says so ("set by an override"). The library names keys
//! and values, never command-line flags: the command line says `--set` itself.

use std::fmt;

/// Something wrong with a scenario: always names the file, and where possible the key, the value
/// and what is allowed.
#[derive(Debug, Clone, PartialEq)]
pub enum ScenarioError {
    /// The file could not be read, or was refused unread (a device, a FIFO, a folder, a
    /// file too large); `message` follows the file's name (`cannot read: ...`).
    Io { file: String, message: String },
    /// The TOML does not parse, or a value has the wrong type or an unknown key.
    Parse {
        file: String,
        /// Dotted path of the key, when known.
        key: Option<String>,
        message: String,
        /// 1-based line and column, when the parser gives them.
        position: Option<(usize, usize)>,
    },
    /// A value is out of its allowed range, or breaks a rule between keys.
    Value {
        file: String,
        key: String,
        value: String,
        allowed: String,
        from_override: bool,
    },
    /// An override `key=value` that is malformed or names no key.
    Override { spec: String, message: String },
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScenarioError::Io { file, message } => write!(f, "{file}: {message}"),
            ScenarioError::Parse {
                file,
                key,
                message,
                position,
            } => {
                write!(f, "{file}")?;
                if let Some((line, col)) = position {
                    write!(f, ":{line}:{col}")?;
                }
                if let Some(key) = key {
                    write!(f, ": {}", shorten(key))?;
                }
                write!(f, ": {}", shorten_words(message))
            }
            ScenarioError::Value {
                file,
                key,
                value,
                allowed,
                from_override,
            } => {
                write!(f, "{file}: {} = {}", shorten(key), shorten(value))?;
                if *from_override {
                    write!(f, " ({OVERRIDDEN})")?;
                }
                write!(f, ": allowed: {allowed}")
            }
            ScenarioError::Override { spec, message } => {
                write!(f, "override {}: {}", shorten(spec), shorten_words(message))
            }
        }
    }
}

impl std::error::Error for ScenarioError {}

/// What a value that came from an override is said to be, in the library's words.
pub const OVERRIDDEN: &str = "set by an override";

impl ScenarioError {
    /// A value error whose `allowed` is said anew by `say` (every other error as it is).
    pub fn with_allowed(mut self, say: impl FnOnce(&str) -> String) -> ScenarioError {
        if let ScenarioError::Value { allowed, .. } = &mut self {
            *allowed = say(allowed);
        }
        self
    }

    /// The message without the file name, for a message that names the file itself (a study
    /// that changed one key of a scenario it has already named).
    pub fn describe(&self) -> String {
        match self {
            ScenarioError::Value {
                key,
                value,
                allowed,
                ..
            } => format!(
                "{} = {} is not allowed ({allowed})",
                shorten(key),
                shorten(value)
            ),
            ScenarioError::Override { message, .. } => shorten_words(message),
            other => other.to_string(),
        }
    }
}

/// Print a value as the user would write it: `0.08`, `nan`, `-inf`, and `1e308` or `3e-12`
/// rather than hundreds of digits or dozens of zeros.
pub(super) fn fmt_value(v: f64) -> String {
    if v.is_nan() {
        "nan".to_string()
    } else if v.is_infinite() {
        if v > 0.0 {
            "inf".to_string()
        } else {
            "-inf".to_string()
        }
    } else if v != 0.0 && !(1e-5..1e15).contains(&v.abs()) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

/// How many characters of a key or value a message echoes: a pasted paragraph or a
/// 100,000-character key is cut to its start and `…`.
pub const ECHO_CHARS: usize = 60;

/// `text` as a message echoes it: at most [`ECHO_CHARS`] characters, then `…`.
pub fn shorten(text: &str) -> String {
    match text.char_indices().nth(ECHO_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// A message from the parser, which may quote a key or value in full: every word longer than
/// [`ECHO_CHARS`] is shortened.
pub fn shorten_words(message: &str) -> String {
    if message.len() <= ECHO_CHARS {
        return message.to_string();
    }
    let mut out = String::with_capacity(message.len().min(1024));
    for (i, word) in message.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(&shorten(word));
    }
    out
}

/// The message of a type error from the parser (`invalid type: string "150m", expected f64`),
/// reworded for someone who writes scenarios rather than Rust: what to write, with an example,
/// and what was found. `key` is the dotted key, when known. Other messages pass unchanged.
pub(super) fn reword(message: &str, key: Option<&str>) -> String {
    let key = key.unwrap_or("");
    // TOML's integers are those of an i64: the parser's word for a larger one names a Rust type.
    if message.ends_with("value was too large") {
        return format!("a whole number too large: at most {} (2^63 − 1)", i64::MAX);
    }
    if key == "segment" && message.starts_with("invalid type: map") {
        return "write each segment as its own [[segment]] table, with double brackets and a \
                name, e.g. [[segment]] then name = \"micro\" on the next line"
            .to_string();
    }
    let (found, expected) = match message
        .strip_prefix("invalid type: ")
        .and_then(|rest| rest.rsplit_once(", expected "))
    {
        Some(parts) => parts,
        None => return message.to_string(),
    };
    let want = if key.ends_with("simulation.seed") && expected == "i64" {
        format!("a whole number from 0 to {} (2^63 − 1)", i64::MAX)
    } else {
        match expected {
            "f64" => "a number, such as 150e6 or 0.08".to_string(),
            "i64" | "a whole number" => "a whole number, such as 60".to_string(),
            "a string" => "text in quotes, such as \"baseline\"".to_string(),
            "a sequence" => "a list in brackets, such as [0, -1.5]".to_string(),
            _ => return message.to_string(),
        }
    };
    let hint = found
        .strip_prefix("string ")
        .and_then(|v| percent_hint(v.trim_matches('"')))
        .map_or(String::new(), |h| format!("; {h}"));
    format!("expected {want}, not {}{hint}", found_as_written(found))
}

/// For a value written as a percentage (`5%`), how to write it: rates and shares are
/// fractions in a scenario, `0.05` for 5%.
pub fn percent_hint(written: &str) -> Option<String> {
    let number = written.trim().strip_suffix('%')?.trim();
    let x: f64 = number.parse().ok().filter(|x: &f64| x.is_finite())?;
    Some(format!(
        "write {} for {number}% (rates and shares are fractions)",
        x / 100.0
    ))
}

/// serde's `string "x"`, `floating point `1.5``, `map` as a scenario's author would say it.
fn found_as_written(found: &str) -> String {
    let quoted = |prefix: &str| {
        found
            .strip_prefix(prefix)
            .map(|v| v.trim_matches('`').to_string())
    };
    if let Some(v) = found.strip_prefix("string ") {
        format!("the text {v}")
    } else if let Some(v) = quoted("floating point ") {
        format!("the number {v}")
    } else if let Some(v) = quoted("integer ") {
        format!("the whole number {v}")
    } else if let Some(v) = quoted("boolean ") {
        v.to_string()
    } else if found == "map" {
        "a table".to_string()
    } else if found == "sequence" {
        "a list".to_string()
    } else {
        found.to_string()
    }
}
