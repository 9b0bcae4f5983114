//! `.iam-policy.toml`: per-code severity overrides and suppressions.
//!
//! ```toml
//! [severity]
//! REDUNDANT_ACTION = "WARNING"          # any code -> ERROR | SECURITY_WARNING | WARNING | SUGGESTION
//!
//! [[suppress]]
//! code = "PUBLIC_ACCESS"                # required
//! files = "policies/public/*.json"      # required: a glob on the file path as shown
//! path = "Statement[0].Principal"       # optional: only findings at this JSON path
//! reason = "the bucket is a public website"   # required
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use iam_policy::lint::Severity;
use serde::Deserialize;

/// The file name searched upward from the working directory.
pub const CONFIG_FILE: &str = ".iam-policy.toml";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    severity: BTreeMap<String, String>,
    #[serde(default)]
    suppress: Vec<RawSuppression>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSuppression {
    code: String,
    files: String,
    path: Option<String>,
    reason: String,
}

/// One suppression rule.
#[derive(Debug)]
struct Suppression {
    code: String,
    files: glob::Pattern,
    path: Option<String>,
}

/// A loaded configuration (empty when there is no file).
#[derive(Debug, Default)]
pub struct Config {
    severity: BTreeMap<String, Severity>,
    suppress: Vec<Suppression>,
}

impl Config {
    /// Loads `explicit`, or the nearest `.iam-policy.toml` upward from the working directory,
    /// or nothing when `disabled`.
    pub fn load(explicit: Option<&Path>, disabled: bool) -> Result<Self, String> {
        if disabled {
            return Ok(Self::default());
        }
        let path = match explicit {
            Some(p) => Some(p.to_path_buf()),
            None => find_upward(),
        };
        let Some(path) = path else {
            return Ok(Self::default());
        };
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{shown}: {e}"))?;
        Self::parse(&text).map_err(|e| format!("{shown}: {e}"))
    }

    /// Parses the TOML text of a configuration.
    pub fn parse(text: &str) -> Result<Self, String> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut severity = BTreeMap::new();
        for (code, sev) in raw.severity {
            let s = Severity::from_name(&sev).ok_or_else(|| {
                format!("severity of `{code}`: unknown severity `{sev}` (expected ERROR, SECURITY_WARNING, WARNING or SUGGESTION)")
            })?;
            severity.insert(code, s);
        }
        let mut suppress = Vec::new();
        for s in raw.suppress {
            if s.reason.trim().is_empty() {
                return Err(format!(
                    "suppression of `{}`: `reason` must not be empty",
                    s.code
                ));
            }
            let files = glob::Pattern::new(&s.files)
                .map_err(|e| format!("suppression of `{}`: bad glob `{}`: {e}", s.code, s.files))?;
            suppress.push(Suppression {
                code: s.code,
                files,
                path: s.path,
            });
        }
        Ok(Self { severity, suppress })
    }

    /// The configured severity of `code`, if overridden.
    pub fn severity_override(&self, code: &str) -> Option<Severity> {
        self.severity.get(code).copied()
    }

    /// Whether a finding of `code` in `file` at JSON `path` is suppressed.
    pub fn is_suppressed(&self, code: &str, file: &str, path: &str) -> bool {
        self.suppress.iter().any(|s| {
            s.code == code && s.files.matches(file) && s.path.as_deref().is_none_or(|p| p == path)
        })
    }
}

fn find_upward() -> Option<PathBuf> {
    let mut dir = std::env::current_dir().ok()?;
    loop {
        let candidate = dir.join(CONFIG_FILE);
        if candidate.is_file() {
            return Some(candidate);
        }
        if !dir.pop() {
            return None;
        }
    }
}
