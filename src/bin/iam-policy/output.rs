//! Rendering lint findings as text (with source snippets), JSON, or SARIF 2.1.0.

use std::io::Write;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use clap::ValueEnum;
use iam_policy::LineCol;
use iam_policy::PolicyType;
use iam_policy::Span;
use iam_policy::lint::{Code, Finding, Severity};
use serde_json::{Value, json};

/// `--format` of `lint`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// `file:line:col: SEVERITY CODE message` and a source snippet.
    Text,
    /// A JSON array of findings.
    Json,
    /// SARIF 2.1.0 (GitHub code scanning).
    Sarif,
}

/// The findings of one file, with its text for snippets.
pub struct FileFindings {
    /// The file name as shown (repository-relative).
    pub file: String,
    /// The file's text (lossy for a file that is not UTF-8).
    pub text: String,
    /// Findings after configuration (overrides, suppressions).
    pub findings: Vec<Finding>,
    /// The policies of a template or plan (empty for a policy file).
    pub policies: Vec<PolicyMeta>,
    /// For each finding, the index of its policy in `policies` (empty, or `None`, for a
    /// finding about the file itself).
    pub origins: Vec<Option<usize>>,
}

/// A policy of a template or plan, as findings name it.
pub struct PolicyMeta {
    /// `AppRole.AssumeRolePolicyDocument`, `module.x.aws_iam_policy.y.policy`.
    pub locator: String,
    /// The logical id or resource address.
    pub resource: String,
    /// `AWS::IAM::Role`, `aws_iam_policy`, ...
    pub resource_type: String,
    /// The type it was checked as.
    pub policy_type: PolicyType,
}

impl FileFindings {
    /// The template or plan policy finding `i` is in.
    pub fn policy_of(&self, i: usize) -> Option<&PolicyMeta> {
        self.origins
            .get(i)
            .copied()
            .flatten()
            .and_then(|p| self.policies.get(p))
    }
}

impl FileFindings {
    /// A file that is not UTF-8: one `JSON_SYNTAX_ERROR` at the first invalid byte.
    pub fn not_utf8(file: String, lossy: String, offset: usize) -> Self {
        let index = iam_policy::LineIndex::new(&lossy);
        // The lossy text has U+FFFD (3 bytes) where the bad byte was; its offset is the same.
        let span = Span::from_usize(offset, offset.saturating_add(1));
        let start = index.line_col(&lossy, span.start);
        Self {
            file,
            findings: vec![Finding {
                code: Code::JsonSyntaxError,
                severity: Severity::Error,
                message: "file is not valid UTF-8".to_owned(),
                span,
                start,
                end: LineCol {
                    line: start.line,
                    column: start.column + 1,
                },
                path: String::new(),
                help: Some("policy documents must be UTF-8 text".to_owned()),
            }],
            text: lossy,
            policies: Vec::new(),
            origins: Vec::new(),
        }
    }
}

/// Writes the findings of every file to standard output.
pub fn write_findings(
    files: &[FileFindings],
    format: Format,
    color: bool,
    suppressed: usize,
) -> std::io::Result<()> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match format {
        Format::Text => write_text(&mut out, files, color)?,
        Format::Json => {
            let v = json_findings(files);
            serde_json::to_writer_pretty(&mut out, &v)?;
            writeln!(out)?;
        }
        Format::Sarif => {
            let v = sarif(files, suppressed);
            serde_json::to_writer_pretty(&mut out, &v)?;
            writeln!(out)?;
        }
    }
    out.flush()
}

fn write_text(out: &mut impl Write, files: &[FileFindings], color: bool) -> std::io::Result<()> {
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    for file in files {
        for (i, f) in file.findings.iter().enumerate() {
            let within = file
                .policy_of(i)
                .map(|p| format!(" [{} policy {}]", p.policy_type, p.locator))
                .unwrap_or_default();
            writeln!(
                out,
                "{}:{}:{}: {} {} {}{within}",
                file.file, f.start.line, f.start.column, f.severity, f.code, f.message
            )?;
            let level = match f.severity {
                Severity::Error => Level::ERROR,
                Severity::SecurityWarning | Severity::Warning => Level::WARNING,
                Severity::Suggestion => Level::NOTE,
            };
            let (start, end) = snippet_range(&file.text, f.span);
            let mut group = Group::with_level(level.clone()).element(
                Snippet::source(file.text.as_str())
                    .path(file.file.as_str())
                    .annotation(AnnotationKind::Primary.span(start..end)),
            );
            if let Some(help) = &f.help {
                group = group.element(Level::HELP.message(help.as_str()));
            }
            writeln!(out, "{}", renderer.render(&[group]))?;
        }
    }
    Ok(())
}

/// A byte range inside `text`, on character boundaries, at least one character long when the
/// text allows it (so the caret is visible).
fn snippet_range(text: &str, span: Span) -> (usize, usize) {
    let len = text.len();
    let mut start = (span.start as usize).min(len);
    while start > 0 && !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (span.end as usize).clamp(start, len);
    while end < len && !text.is_char_boundary(end) {
        end += 1;
    }
    if end == start && start < len {
        end = start + 1;
        while end < len && !text.is_char_boundary(end) {
            end += 1;
        }
    }
    (start, end)
}

fn position(lc: LineCol, offset: u32) -> Value {
    json!({"line": lc.line, "column": lc.column, "offset": offset})
}

/// The `--format json` document: an array of findings in file order, then document order.
pub fn json_findings(files: &[FileFindings]) -> Value {
    let mut all = Vec::new();
    for file in files {
        for (i, f) in file.findings.iter().enumerate() {
            let mut item = json!({
                "file": file.file,
                "code": f.code.as_str(),
                "severity": f.severity.as_str(),
                "message": f.message,
                "path": f.path,
                "span": {
                    "start": position(f.start, f.span.start),
                    "end": position(f.end, f.span.end),
                },
                "help": f.help,
            });
            if let (Some(p), Value::Object(m)) = (file.policy_of(i), &mut item) {
                m.insert("policy".to_owned(), policy_json(p));
            }
            all.push(item);
        }
    }
    Value::Array(all)
}

/// The `policy` object of a finding in a template or plan.
fn policy_json(p: &PolicyMeta) -> Value {
    json!({
        "locator": p.locator,
        "resource": p.resource,
        "resource_type": p.resource_type,
        "policy_type": p.policy_type.name(),
    })
}

/// A rule's SARIF `name`: the code in PascalCase (`PASS_ROLE_WITH_STAR_IN_RESOURCE` ->
/// `PassRoleWithStarInResource`); SARIF wants it readable and different from the `id`.
fn rule_name(code: &str) -> String {
    code.split('_')
        .map(|w| {
            let lower = w.to_ascii_lowercase();
            let mut cs = lower.chars();
            cs.next()
                .map(|c| c.to_ascii_uppercase().to_string() + cs.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// SARIF 2.1.0 log with one run.
pub fn sarif(files: &[FileFindings], suppressed: usize) -> Value {
    // Sorted by the wire form, which is what SARIF consumers see.
    let mut codes: Vec<Code> = files
        .iter()
        .flat_map(|f| &f.findings)
        .map(|f| f.code)
        .collect();
    codes.sort_by_key(|c| c.as_str());
    codes.dedup();
    let rules: Vec<Value> = codes
        .iter()
        .map(|&code| {
            let info = code.rule();
            let (summary, uri, severity) = (info.summary, info.help_uri, info.severity);
            let props = match security_severity(severity) {
                Some(score) => json!({"tags": ["security", "iam"], "security-severity": score}),
                None => json!({"tags": ["iam"]}),
            };
            json!({
                "id": code.as_str(),
                "name": rule_name(code.as_str()),
                "shortDescription": {"text": summary},
                "fullDescription": {"text": summary},
                "help": {
                    "text": format!("{summary}. See {uri}"),
                    "markdown": format!("{summary}. See [{code}]({uri})."),
                },
                "helpUri": uri,
                "defaultConfiguration": {"level": sarif_level(severity)},
                "properties": props,
            })
        })
        .collect();
    let mut results = Vec::new();
    for file in files {
        let uri = relative_uri(&file.file);
        for (i, f) in file.findings.iter().enumerate() {
            let policy = file.policy_of(i);
            let qualified = match policy {
                Some(p) if f.path.is_empty() => p.locator.clone(),
                Some(p) => format!("{}.{}", p.locator, f.path),
                None => f.path.clone(),
            };
            let rule_index = codes.iter().position(|&c| c == f.code).unwrap_or(0);
            let mut message = f.message.clone();
            if let Some(help) = &f.help {
                message.push_str(" (");
                message.push_str(help);
                message.push(')');
            }
            results.push(json!({
                "ruleId": f.code.as_str(),
                "ruleIndex": rule_index,
                "level": sarif_level(f.severity),
                "message": {"text": message},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"},
                        "region": {
                            "startLine": f.start.line,
                            "startColumn": f.start.column,
                            "endLine": f.end.line,
                            "endColumn": end_column(f),
                            "byteOffset": f.span.start,
                            "byteLength": f.span.len(),
                        }
                    },
                    "logicalLocations": [{"fullyQualifiedName": qualified, "kind": "element"}],
                }],
                "partialFingerprints": {
                    "iamPolicyFinding/v1": match policy {
                        Some(p) => fingerprint(&[&file.file, &p.locator, f.code.as_str(), &f.path, &f.message]),
                        None => fingerprint(&[&file.file, f.code.as_str(), &f.path, &f.message]),
                    },
                },
                "properties": match policy {
                    Some(p) => json!({"severity": f.severity.as_str(), "path": f.path, "policy": policy_json(p)}),
                    None => json!({"severity": f.severity.as_str(), "path": f.path}),
                },
            }));
        }
    }
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "iam-policy",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html",
                "rules": rules,
                "properties": catalog_properties(),
            }},
            "columnKind": "unicodeCodePoints",
            "originalUriBaseIds": src_root(),
            "results": results,
            "properties": {"suppressedFindings": suppressed},
        }],
    })
}

/// `originalUriBaseIds`: `%SRCROOT%` is the working directory as an absolute `file:` URI
/// ending in `/` (SARIF 2.1.0 §3.14.14: a base URI must be absolute; the validator's
/// SARIF1004). Result URIs stay relative to it, as code scanning wants. Without a usable
/// working directory the base is described but given no URI.
fn src_root() -> Value {
    let description =
        json!({"text": "The directory iam-policy ran in; result URIs are relative to it."});
    match std::env::current_dir().ok().and_then(|d| file_uri(&d)) {
        Some(uri) => json!({"%SRCROOT%": {"uri": uri, "description": description}}),
        None => json!({"%SRCROOT%": {"description": description}}),
    }
}

/// An absolute directory as a `file:` URI ending in `/`.
fn file_uri(dir: &std::path::Path) -> Option<String> {
    let s = dir.to_str()?.replace('\\', "/");
    let path = if s.starts_with('/') {
        s
    } else {
        format!("/{s}")
    };
    let mut uri = format!("file://{}", percent_encode(&path));
    if !uri.ends_with('/') {
        uri.push('/');
    }
    Some(uri)
}

/// A relative reference for a file name as shown (`<stdin>` becomes `stdin`).
fn relative_uri(file: &str) -> String {
    if file == "<stdin>" {
        return "stdin".to_owned();
    }
    percent_encode(file)
}

/// Percent-encodes everything but RFC 3986 unreserved characters and `/` (and `:` after the
/// first segment, kept for Windows drive letters).
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The bundled service catalog's date and version, for the SARIF driver.
fn catalog_properties() -> Value {
    match iam_policy::unstable::catalog::Catalog::get() {
        Ok(c) => json!({"awsServiceCatalog": {"date": c.data_date(), "version": c.data_version()}}),
        Err(e) => json!({"awsServiceCatalog": {"error": e.to_string()}}),
    }
}

/// SARIF's exclusive end column; an empty span still covers one character.
fn end_column(f: &Finding) -> u32 {
    if f.end.line == f.start.line && f.end.column <= f.start.column {
        f.start.column + 1
    } else {
        f.end.column
    }
}

fn sarif_level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::SecurityWarning | Severity::Warning => "warning",
        Severity::Suggestion => "note",
    }
}

/// GitHub's `security-severity` score (0.0–10.0) for security rules.
fn security_severity(severity: Severity) -> Option<&'static str> {
    match severity {
        Severity::Error => Some("7.5"),
        Severity::SecurityWarning => Some("8.0"),
        Severity::Warning | Severity::Suggestion => None,
    }
}

/// A stable 64-bit FNV-1a hash of the parts, in hex: independent of line numbers, so a
/// finding keeps its identity when lines move.
fn fingerprint(parts: &[&str]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.bytes().chain(std::iter::once(0)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}
