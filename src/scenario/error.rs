//! What can be wrong with a scenario, as one error type. Every message names the file and,
//! where there is one, the dotted key, the value as the user wrote it and what is allowed;
//! a value that came from an override says so ("set on the command line"). The library names
//! keys and values, never command-line flags: the command line adds those.

use std::fmt;

/// Something wrong with a scenario: always names the file, and where possible the key, the value
/// and what is allowed.
#[derive(Debug, Clone, PartialEq)]
pub enum ScenarioError {
    /// The file could not be read.
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
            ScenarioError::Io { file, message } => write!(f, "{file}: cannot read: {message}"),
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
                    write!(f, ": {key}")?;
                }
                write!(f, ": {message}")
            }
            ScenarioError::Value {
                file,
                key,
                value,
                allowed,
                from_override,
            } => {
                write!(f, "{file}: {key} = {value}")?;
                if *from_override {
                    write!(f, " (set on the command line)")?;
                }
                write!(f, ": allowed: {allowed}")
            }
            ScenarioError::Override { spec, message } => {
                write!(f, "override {spec}: {message}")
            }
        }
    }
}

impl std::error::Error for ScenarioError {}

impl ScenarioError {
    /// The message without the file name, for a message that names the file itself (a study
    /// that changed one key of a scenario it has already named).
    pub fn describe(&self) -> String {
        match self {
            ScenarioError::Value {
                key,
                value,
                allowed,
                ..
            } => format!("{key} = {value} is not allowed ({allowed})"),
            ScenarioError::Override { message, .. } => message.clone(),
            other => other.to_string(),
        }
    }
}

/// Print a value as the user would write it: `0.08`, `nan`, `-inf`.
pub(super) fn fmt_value(v: f64) -> String {
    if v.is_nan() {
        "nan".to_string()
    } else if v.is_infinite() {
        if v > 0.0 {
            "inf".to_string()
        } else {
            "-inf".to_string()
        }
    } else {
        format!("{v}")
    }
}
