//! Rendering lint findings as text (with source snippets), JSON, or SARIF 2.1.0.

use std::io::Write;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use clap::ValueEnum;
use iam_policy::LineCol;
use iam_policy::Span;
use iam_policy::lint::{Finding, Severity};
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
                code: "JSON_SYNTAX_ERROR",
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
        for f in &file.findings {
            writeln!(
                out,
                "{}:{}:{}: {} {} {}",
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
        for f in &file.findings {
            all.push(json!({
                "file": file.file,
                "code": f.code,
                "severity": f.severity.as_str(),
                "message": f.message,
                "path": f.path,
                "span": {
                    "start": position(f.start, f.span.start),
                    "end": position(f.end, f.span.end),
                },
                "help": f.help,
            }));
        }
    }
    Value::Array(all)
}

/// The documentation page of the Access Analyzer policy checks.
const ACCESS_ANALYZER_URI: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html";

/// SARIF 2.1.0 log with one run.
pub fn sarif(files: &[FileFindings], suppressed: usize) -> Value {
    let mut codes: Vec<(&'static str, Severity)> = files
        .iter()
        .flat_map(|f| &f.findings)
        .map(|f| (f.code, f.severity))
        .collect();
    codes.sort_by_key(|(c, _)| *c);
    codes.dedup_by_key(|(c, _)| *c);
    let rules: Vec<Value> = codes
        .iter()
        .map(|(code, severity)| {
            let info = iam_policy::lint::rule(code);
            let summary = info.map_or(*code, |i| i.summary);
            let uri = info.map_or(ACCESS_ANALYZER_URI, |i| i.help_uri);
            let severity = info.map_or(*severity, |i| i.severity);
            let props = match security_severity(severity) {
                Some(score) => json!({"tags": ["security", "iam"], "security-severity": score}),
                None => json!({"tags": ["iam"]}),
            };
            json!({
                "id": code,
                "name": code,
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
        for f in &file.findings {
            let rule_index = codes.iter().position(|(c, _)| *c == f.code).unwrap_or(0);
            let mut message = f.message.clone();
            if let Some(help) = &f.help {
                message.push_str(" (");
                message.push_str(help);
                message.push(')');
            }
            results.push(json!({
                "ruleId": f.code,
                "ruleIndex": rule_index,
                "level": sarif_level(f.severity),
                "message": {"text": message},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": file.file, "uriBaseId": "%SRCROOT%"},
                        "region": {
                            "startLine": f.start.line,
                            "startColumn": f.start.column,
                            "endLine": f.end.line,
                            "endColumn": end_column(f),
                            "byteOffset": f.span.start,
                            "byteLength": f.span.len(),
                        }
                    },
                    "logicalLocations": [{"fullyQualifiedName": f.path, "kind": "element"}],
                }],
                "partialFingerprints": {
                    "iamPolicyFinding/v1": fingerprint(&[&file.file, f.code, &f.path, &f.message]),
                },
                "properties": {"severity": f.severity.as_str(), "path": f.path},
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
            "originalUriBaseIds": {"%SRCROOT%": {"uri": "./"}},
            "results": results,
            "properties": {"suppressedFindings": suppressed},
        }],
    })
}

/// The bundled service catalog's date and version, for the SARIF driver.
fn catalog_properties() -> Value {
    match iam_policy::catalog::Catalog::get() {
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
