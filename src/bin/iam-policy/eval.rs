//! `iam-policy eval`: decide one request and explain the decision.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use iam_policy::case::parse_context;
use iam_policy::{
    Context, ContextScalar, ContextValue, Decision, LineIndex, PolicyKind, PolicySet, PolicyType,
    Request, Span, parse_policy,
};
use iam_policy::{PrincipalOutcome, ResourceOutcome, StatementTrace};
use serde_json::{Value, json};

use crate::iac::{IacArgs, Referenced, resolve, split_reference};
use crate::{EXIT_OK, EXIT_USAGE};

/// Exit code of `eval --exit-code` for an implicit deny.
pub const EXIT_IMPLICIT_DENY: u8 = 3;
/// Exit code of `eval --exit-code` for an explicit deny.
pub const EXIT_EXPLICIT_DENY: u8 = 4;

const EVAL_AFTER_HELP: &str = "\
Example:
  iam-policy eval \\
    --identity fixtures/policies/valid/identity-secretsmanager-get-secret-value.json \\
    --principal arn:aws:sts::111122223333:assumed-role/app/session-1 \\
    --action secretsmanager:GetSecretValue \\
    --resource arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/app/db-AbCdEf \\
    --context aws:SourceIp=10.1.2.3 --context aws:TagKeys=env --context aws:TagKeys=team

--scp and --rcp: each occurrence is one level of the organization (root first); the files of
one occurrence, separated by commas, are the policies attached at that level.
A policy FILE may name a policy of a CloudFormation template or Terraform plan as
FILE#LOCATOR, such as infra/app.yaml#AppRole.Policies[0].PolicyDocument or
plan.json#module.app.aws_iam_role.this.assume_role_policy (the locator `lint` prints; a
resource's logical id or address alone when it holds one policy). Template values are
resolved with --parameter, --account-id, --region and --partition; a policy that still holds
an unresolved value is refused.
--context KEY=VALUE: repeating a key makes it multi-valued. Values are strings; the operators
read numbers, dates, booleans and IP addresses from them. --context-file takes a JSON object
(strings, numbers, booleans, lists).

Exit codes:
  0  a decision was printed (with --exit-code: Allow)
  2  usage error, unreadable or invalid policy, invalid request
  3  with --exit-code: ImplicitDeny
  4  with --exit-code: ExplicitDeny";

/// Arguments of `iam-policy eval`.
#[derive(Debug, Args)]
#[command(about = "Decide one request and explain why", after_help = EVAL_AFTER_HELP)]
pub struct EvalArgs {
    /// An identity-based policy of the principal (repeatable).
    #[arg(long, value_name = "FILE")]
    identity: Vec<PathBuf>,
    /// The resource-based policy of the target (a role's trust policy for sts:AssumeRole*,
    /// sts:TagSession, sts:SetSourceIdentity and sts:SetContext on a role).
    #[arg(long, value_name = "FILE")]
    resource_policy: Option<PathBuf>,
    /// The principal's permissions boundary.
    #[arg(long, value_name = "FILE")]
    boundary: Option<PathBuf>,
    /// The session policy.
    #[arg(long, value_name = "FILE")]
    session_policy: Option<PathBuf>,
    /// One level of service control policies, root first (repeatable).
    #[arg(long, value_name = "FILE[,FILE...]")]
    scp: Vec<String>,
    /// One level of resource control policies, root first (repeatable).
    #[arg(long, value_name = "FILE[,FILE...]")]
    rcp: Vec<String>,
    /// The caller: an IAM user, role session, federated user or root ARN, a service
    /// principal such as `lambda.amazonaws.com`, or `anonymous`.
    #[arg(long, value_name = "ARN")]
    principal: String,
    /// The caller's account (default: from the principal ARN).
    #[arg(long, value_name = "ID")]
    principal_account: Option<String>,
    /// The action, such as `secretsmanager:GetSecretValue`.
    #[arg(long)]
    action: String,
    /// The resource ARN, or `*` for actions without a resource type.
    #[arg(long, value_name = "ARN")]
    resource: String,
    /// The resource's account (default: from the resource ARN).
    #[arg(long, value_name = "ID")]
    resource_account: Option<String>,
    /// A context key and value (repeatable; a repeated key is multi-valued).
    #[arg(long, value_name = "KEY=VALUE")]
    context: Vec<String>,
    /// Context keys from a JSON object file.
    #[arg(long, value_name = "FILE")]
    context_file: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = EvalFormat::Text)]
    format: EvalFormat,
    /// Exit 0 on Allow, 3 on ImplicitDeny, 4 on ExplicitDeny.
    #[arg(long)]
    exit_code: bool,
    #[command(flatten)]
    iac: IacArgs,
}

/// `--format` of `eval`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum EvalFormat {
    /// The decision and the statement trace, for people.
    Text,
    /// One JSON object.
    Json,
}

/// A policy file read and parsed.
struct Loaded {
    file: String,
    text: String,
    /// For a policy of a template or plan: the policy (to map spans) and the template's text.
    embedded: Option<Referenced>,
}

impl Loaded {
    /// `file`, line and column of a span of the policy's text.
    fn line_col(&self, span: Span) -> (String, u32, u32) {
        match &self.embedded {
            Some(r) => {
                let at = r.policy.map_span(span);
                let lc = LineIndex::new(&r.source).line_col(&r.source, at.start);
                (self.file.clone(), lc.line, lc.column)
            }
            None => {
                let lc = LineIndex::new(&self.text).line_col(&self.text, span.start);
                (self.file.clone(), lc.line, lc.column)
            }
        }
    }
}

/// The files behind the policies, by (kind, level, index).
type Sources = BTreeMap<(PolicyKind, u16, u32), Loaded>;

/// Runs `iam-policy eval`; returns the exit code.
pub fn run(args: &EvalArgs) -> u8 {
    match decide(args) {
        Ok(decision) if args.exit_code => match decision {
            Decision::Allow => EXIT_OK,
            Decision::ImplicitDeny => EXIT_IMPLICIT_DENY,
            Decision::ExplicitDeny => EXIT_EXPLICIT_DENY,
        },
        Ok(_) => EXIT_OK,
        Err(message) => {
            eprintln!("{message}");
            EXIT_USAGE
        }
    }
}

fn decide(args: &EvalArgs) -> Result<Decision, String> {
    let request = build_request(args)?;
    let options = args
        .iac
        .options(&crate::config::IacConfig::default())
        .map_err(|e| format!("error: {e}"))?;
    let trust = request.resource_kind() == iam_policy::ResourceKind::RoleTrust;
    let mut set = PolicySet::new();
    let mut sources = Sources::new();
    let mut errors = Vec::new();
    // The slot follows from the type the document is validated as (`PolicyType::kind`).
    let mut add = |set: &mut PolicySet, ty: PolicyType, path: &Path| match load(path, ty, &options)
    {
        Ok((policy, loaded)) => {
            let id = set.add(ty.kind(), policy);
            sources.insert((id.kind, id.level, id.index), loaded);
        }
        Err(e) => errors.push(e),
    };
    for p in &args.identity {
        add(&mut set, PolicyType::Identity, p);
    }
    if let Some(p) = &args.resource_policy {
        let ty = if trust {
            PolicyType::Trust
        } else {
            PolicyType::Resource
        };
        add(&mut set, ty, p);
    }
    if let Some(p) = &args.boundary {
        add(&mut set, PolicyType::PermissionsBoundary, p);
    }
    if let Some(p) = &args.session_policy {
        add(&mut set, PolicyType::Session, p);
    }
    for (ty, levels) in [(PolicyType::Scp, &args.scp), (PolicyType::Rcp, &args.rcp)] {
        for level in levels {
            set.push_level(ty.kind());
            for file in level.split(',').filter(|f| !f.is_empty()) {
                add(&mut set, ty, Path::new(file));
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors.join("\n"));
    }
    let compiled = set.compile();
    let explanation = compiled.explain(&request);
    let evaluation = explanation.evaluation();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let written = match args.format {
        EvalFormat::Text => write_text(&mut out, &explanation, &sources),
        EvalFormat::Json => {
            let v = to_json(&explanation, &sources);
            writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&v).unwrap_or_default()
            )
        }
    };
    written
        .and_then(|()| out.flush())
        .map_err(|e| format!("error: cannot write output: {e}"))?;
    Ok(evaluation.decision())
}

fn load(
    path: &Path,
    ty: PolicyType,
    options: &iam_policy::iac::Options,
) -> Result<(iam_policy::Policy, Loaded), String> {
    let arg = path.to_string_lossy();
    let loaded = if let Some((file, selector)) = split_reference(&arg) {
        let r = resolve(Path::new(file), selector, options).map_err(|e| format!("error: {e}"))?;
        Loaded {
            file: file.to_owned(),
            text: r.policy.text.clone(),
            embedded: Some(r),
        }
    } else {
        let file = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| format!("error: {file}: {e}"))?;
        let text = String::from_utf8(bytes).map_err(|e| {
            format!(
                "error: {file}: not valid UTF-8 (byte {})",
                e.utf8_error().valid_up_to()
            )
        })?;
        Loaded {
            file,
            text,
            embedded: None,
        }
    };
    match parse_policy(&loaded.text, ty) {
        Ok(policy) => Ok((policy, loaded)),
        Err(errors) => {
            let lines: Vec<String> = errors
                .iter()
                .map(|e| {
                    let (file, line, column) = loaded.line_col(e.span());
                    format!(
                        "error: {file}:{line}:{column}: {} {} (read as {} policy)",
                        e.code(),
                        e.kind(),
                        ty
                    )
                })
                .collect();
            Err(lines.join("\n"))
        }
    }
}

fn build_request(args: &EvalArgs) -> Result<Request, String> {
    let mut context = match &args.context_file {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("error: {}: {e}", path.display()))?;
            parse_context(&text).map_err(|e| format!("error: {}: {e}", path.display()))?
        }
        None => Context::new(),
    };
    let mut pairs: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
    for kv in &args.context {
        let Some((key, value)) = kv.split_once('=') else {
            return Err(format!(
                "error: --context `{kv}`: expected KEY=VALUE, such as aws:SourceIp=10.0.0.1"
            ));
        };
        pairs
            .entry(key.to_ascii_lowercase())
            .or_insert_with(|| (key.to_owned(), Vec::new()))
            .1
            .push(value.to_owned());
    }
    for (key, mut values) in pairs.into_values() {
        let value = if values.len() == 1 {
            ContextValue::Single(ContextScalar::String(values.remove(0)))
        } else {
            ContextValue::Multi(values.into_iter().map(ContextScalar::String).collect())
        };
        context.insert(&key, value);
    }
    let mut builder = Request::builder()
        .principal(&args.principal)
        .action(&args.action)
        .resource(&args.resource)
        .context(context);
    if let Some(a) = &args.principal_account {
        builder = builder.principal_account(a);
    }
    if let Some(a) = &args.resource_account {
        builder = builder.resource_account(a);
    }
    builder
        .build()
        .map_err(|e| format!("error: invalid request: {e}"))
}

/// `file:line:col` of a statement's span.
fn location(sources: &Sources, t: &StatementTrace) -> Option<(String, u32, u32)> {
    let s = &t.statement;
    let loaded = sources.get(&(s.kind, s.level, s.policy))?;
    Some(loaded.line_col(t.span))
}

fn why_not(t: &StatementTrace) -> Vec<String> {
    let mut out = Vec::new();
    if !t.action {
        out.push("action not covered".to_owned());
    }
    match t.resource {
        ResourceOutcome::NotMatched {
            negated: false,
            unresolved,
        } => out.push(if unresolved {
            "resource not covered (a policy variable has no value)".to_owned()
        } else {
            "resource not covered".to_owned()
        }),
        ResourceOutcome::Matched { negated: true, .. } => {
            out.push("resource excluded by NotResource".to_owned());
        }
        _ => {}
    }
    match t.principal {
        PrincipalOutcome::NotMatched => out.push("principal not named".to_owned()),
        PrincipalOutcome::Exempt => out.push("caller exempt by NotPrincipal".to_owned()),
        PrincipalOutcome::AllowWithNotPrincipal => {
            out.push("NotPrincipal in an Allow grants nothing".to_owned());
        }
        _ => {}
    }
    for c in &t.conditions {
        out.push(format!("{} `{}` is {}", c.operator, c.key, c.truth));
    }
    if !t.applies && t.action && t.resource.passed() && t.principal.passed() {
        let failed = t.conditions.iter().any(|c| match t.effect {
            iam_policy::Effect::Allow => c.truth != iam_policy::Truth::True,
            iam_policy::Effect::Deny => c.truth == iam_policy::Truth::False,
        });
        if !failed {
            out.push(
                "takes no part for this caller (SCPs do not govern service principals or \
                 anonymous callers; a boundary is not attached to the root user)"
                    .to_owned(),
            );
        }
    }
    out
}

fn write_text(
    out: &mut impl Write,
    explanation: &iam_policy::Explanation,
    sources: &Sources,
) -> std::io::Result<()> {
    let evaluation = explanation.evaluation();
    writeln!(out, "decision: {}", evaluation.decision())?;
    if let Some(gate) = evaluation.gate() {
        writeln!(out, "because: {gate}")?;
    } else if let Some(rule) = evaluation.rule() {
        writeln!(out, "because: {rule}")?;
    }
    if let Some(rule) = evaluation.rule() {
        writeln!(
            out,
            "rule: {} (AWS decides this beyond the policy text; {})",
            rule.name(),
            rule.source()
        )?;
    }
    let reasons: Vec<_> = evaluation.reasons().collect();
    if !reasons.is_empty() {
        writeln!(out, "decided by:")?;
        for r in &reasons {
            if let Some(t) = explanation.statement(*r) {
                let loc = location(sources, t)
                    .map(|(f, l, c)| format!(" at {f}:{l}:{c}"))
                    .unwrap_or_default();
                let sid = t
                    .sid
                    .as_deref()
                    .map(|s| format!(" ({s})"))
                    .unwrap_or_default();
                writeln!(out, "  {}{sid} {}{loc}", t.statement, t.effect.as_str())?;
            }
        }
    }
    writeln!(out, "statements:")?;
    for t in explanation.statements() {
        let sid = t
            .sid
            .as_deref()
            .map(|s| format!(" ({s})"))
            .unwrap_or_default();
        let loc = location(sources, t)
            .map(|(f, l, c)| format!(" at {f}:{l}:{c}"))
            .unwrap_or_default();
        let state = if t.applies {
            "applies"
        } else {
            "does not apply"
        };
        writeln!(
            out,
            "  {}{sid} {} {state}{loc}",
            t.statement,
            t.effect.as_str()
        )?;
        for why in why_not(t) {
            writeln!(out, "      {why}")?;
        }
    }
    Ok(())
}

fn span_json(sources: &Sources, t: &StatementTrace, span: Span) -> Value {
    match location(sources, t) {
        Some((file, line, column)) => {
            json!({"file": file, "line": line, "column": column, "start": span.start, "end": span.end})
        }
        None => json!({"start": span.start, "end": span.end}),
    }
}

fn to_json(explanation: &iam_policy::Explanation, sources: &Sources) -> Value {
    let evaluation = explanation.evaluation();
    let statements: Vec<Value> = explanation
        .statements()
        .iter()
        .map(|t| {
            json!({
                "statement": t.statement.to_string(),
                "sid": t.sid,
                "effect": t.effect.as_str(),
                "applies": t.applies,
                "location": span_json(sources, t, t.span),
                "notes": why_not(t),
            })
        })
        .collect();
    let reasons: Vec<Value> = evaluation
        .reasons()
        .filter_map(|r| explanation.statement(r))
        .map(|t| {
            json!({
                "statement": t.statement.to_string(),
                "sid": t.sid,
                "effect": t.effect.as_str(),
                "location": span_json(sources, t, t.span),
            })
        })
        .collect();
    json!({
        "decision": evaluation.decision().to_string(),
        "gate": evaluation.gate().map(|g| g.to_string()),
        "rule": evaluation.rule().map(|r| json!({
            "name": r.name(),
            "message": r.as_str(),
            "source": r.source(),
        })),
        "reasons": reasons,
        "statements": statements,
    })
}
