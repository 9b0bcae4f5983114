//! CloudFormation templates: the resource types that hold policies, and intrinsic functions.
//!
//! Resource types and properties: the AWS CloudFormation resource and property reference
//! (<https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-template-resource-type-ref.html>);
//! intrinsic functions and their return values:
//! <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html>.

use crate::code::Code;
use std::collections::HashMap;

use super::emit::{self, RKind, RNode};
use super::tree::{Kind, Node, Style};
use super::{EmbeddedPolicy, Extraction, IacError, Options, SpanMap, Unresolved};
use crate::policy::PolicyType;
use crate::source::Span;

/// A policy property of a resource type: a path (`Policies[].PolicyDocument`) and the type of
/// the policy there.
struct PolicySpec {
    resource_type: &'static str,
    property: &'static str,
    policy_type: PolicyType,
}

const fn spec(
    resource_type: &'static str,
    property: &'static str,
    policy_type: PolicyType,
) -> PolicySpec {
    PolicySpec {
        resource_type,
        property,
        policy_type,
    }
}

/// An identity policy property (one row of `POLICY_SPECS`).
const fn identity(resource_type: &'static str, property: &'static str) -> PolicySpec {
    spec(resource_type, property, PolicyType::Identity)
}

/// A role trust policy property (one row of `POLICY_SPECS`).
const fn trust(resource_type: &'static str, property: &'static str) -> PolicySpec {
    spec(resource_type, property, PolicyType::Trust)
}

/// A resource policy property (one row of `POLICY_SPECS`).
const fn resource(resource_type: &'static str, property: &'static str) -> PolicySpec {
    spec(resource_type, property, PolicyType::Resource)
}

/// Every resource type property that holds an IAM policy document (the types AWS's
/// cfn-policy-validator reads, and the other resource policies of the CloudFormation
/// reference). `AWS::Organizations::Policy` is handled apart (its `Type` decides).
const POLICY_SPECS: &[PolicySpec] = &[
    identity("AWS::IAM::Policy", "PolicyDocument"),
    identity("AWS::IAM::ManagedPolicy", "PolicyDocument"),
    trust("AWS::IAM::Role", "AssumeRolePolicyDocument"),
    identity("AWS::IAM::Role", "Policies[].PolicyDocument"),
    identity("AWS::IAM::User", "Policies[].PolicyDocument"),
    identity("AWS::IAM::Group", "Policies[].PolicyDocument"),
    identity("AWS::IAM::RolePolicy", "PolicyDocument"),
    identity("AWS::IAM::UserPolicy", "PolicyDocument"),
    identity("AWS::IAM::GroupPolicy", "PolicyDocument"),
    identity("AWS::SSO::PermissionSet", "InlinePolicy"),
    resource("AWS::S3::BucketPolicy", "PolicyDocument"),
    resource("AWS::S3::AccessPoint", "Policy"),
    resource("AWS::S3::MultiRegionAccessPointPolicy", "Policy"),
    resource("AWS::S3Express::BucketPolicy", "PolicyDocument"),
    resource("AWS::S3ObjectLambda::AccessPointPolicy", "PolicyDocument"),
    resource("AWS::S3Tables::TableBucketPolicy", "ResourcePolicy"),
    resource("AWS::SQS::QueuePolicy", "PolicyDocument"),
    resource("AWS::SQS::QueueInlinePolicy", "PolicyDocument"),
    resource("AWS::SNS::TopicPolicy", "PolicyDocument"),
    resource("AWS::SNS::TopicInlinePolicy", "PolicyDocument"),
    resource("AWS::KMS::Key", "KeyPolicy"),
    resource("AWS::KMS::ReplicaKey", "KeyPolicy"),
    resource("AWS::SecretsManager::ResourcePolicy", "ResourcePolicy"),
    resource("AWS::ECR::Repository", "RepositoryPolicyText"),
    resource("AWS::ECR::RegistryPolicy", "PolicyText"),
    resource("AWS::OpenSearchService::Domain", "AccessPolicies"),
    resource("AWS::Elasticsearch::Domain", "AccessPolicies"),
    resource("AWS::Glacier::Vault", "AccessPolicy"),
    resource("AWS::EFS::FileSystem", "FileSystemPolicy"),
    resource("AWS::Backup::BackupVault", "AccessPolicy"),
    resource("AWS::CodeArtifact::Domain", "PermissionsPolicyDocument"),
    resource("AWS::CodeArtifact::Repository", "PermissionsPolicyDocument"),
    resource("AWS::DynamoDB::Table", "ResourcePolicy.PolicyDocument"),
    resource(
        "AWS::DynamoDB::Table",
        "StreamSpecification.ResourcePolicy.PolicyDocument",
    ),
    resource(
        "AWS::DynamoDB::GlobalTable",
        "Replicas[].ResourcePolicy.PolicyDocument",
    ),
    resource("AWS::Kinesis::ResourcePolicy", "ResourcePolicy"),
    resource("AWS::Kinesis::Stream", "ResourcePolicy"),
    resource("AWS::Logs::ResourcePolicy", "PolicyDocument"),
    resource(
        "AWS::Logs::DeliveryDestination",
        "DeliveryDestinationPolicy",
    ),
    resource("AWS::Events::EventBus", "Policy"),
    resource("AWS::ApiGateway::RestApi", "Policy"),
    resource("AWS::EC2::VPCEndpoint", "PolicyDocument"),
    resource("AWS::MediaStore::Container", "Policy"),
    resource("AWS::CloudTrail::ResourcePolicy", "ResourcePolicy"),
    resource("AWS::Lambda::Function", "ResourcePolicy"),
];

/// What `Ref` and `Fn::GetAtt` give for a resource type: the property naming the resource,
/// the `Ref` value and attribute values as patterns (`{p}` partition, `{r}` region,
/// `{a}` account, `{n}` name, `{s}` URL suffix). Return values per type are in each resource
/// type's "Return values" section of the CloudFormation reference.
struct ReturnValues {
    resource_type: &'static str,
    name_property: &'static str,
    lowercase: bool,
    reference: &'static str,
    attributes: &'static [(&'static str, &'static str)],
}

const fn rv(
    resource_type: &'static str,
    name_property: &'static str,
    lowercase: bool,
    reference: &'static str,
    attributes: &'static [(&'static str, &'static str)],
) -> ReturnValues {
    ReturnValues {
        resource_type,
        name_property,
        lowercase,
        reference,
        attributes,
    }
}

const RETURN_VALUES: &[ReturnValues] = &[
    rv(
        "AWS::S3::Bucket",
        "BucketName",
        true,
        "{n}",
        &[("Arn", "arn:{p}:s3:::{n}"), ("DomainName", "{n}.s3.{s}")],
    ),
    rv(
        "AWS::S3::AccessPoint",
        "Name",
        true,
        "{n}",
        &[("Arn", "arn:{p}:s3:{r}:{a}:accesspoint/{n}")],
    ),
    rv(
        "AWS::SQS::Queue",
        "QueueName",
        false,
        "https://sqs.{r}.{s}/{a}/{n}",
        &[
            ("Arn", "arn:{p}:sqs:{r}:{a}:{n}"),
            ("QueueName", "{n}"),
            ("QueueUrl", "https://sqs.{r}.{s}/{a}/{n}"),
        ],
    ),
    rv(
        "AWS::SNS::Topic",
        "TopicName",
        false,
        "arn:{p}:sns:{r}:{a}:{n}",
        &[
            ("TopicArn", "arn:{p}:sns:{r}:{a}:{n}"),
            ("TopicName", "{n}"),
        ],
    ),
    rv(
        "AWS::IAM::Role",
        "RoleName",
        false,
        "{n}",
        &[
            ("Arn", "arn:{p}:iam::{a}:role/{n}"),
            ("RoleId", "AROAEXAMPLEROLEID0001"),
        ],
    ),
    rv(
        "AWS::IAM::User",
        "UserName",
        false,
        "{n}",
        &[("Arn", "arn:{p}:iam::{a}:user/{n}")],
    ),
    rv(
        "AWS::IAM::Group",
        "GroupName",
        false,
        "{n}",
        &[("Arn", "arn:{p}:iam::{a}:group/{n}")],
    ),
    rv(
        "AWS::IAM::ManagedPolicy",
        "ManagedPolicyName",
        false,
        "arn:{p}:iam::{a}:policy/{n}",
        &[("PolicyArn", "arn:{p}:iam::{a}:policy/{n}")],
    ),
    rv(
        "AWS::IAM::InstanceProfile",
        "InstanceProfileName",
        false,
        "{n}",
        &[("Arn", "arn:{p}:iam::{a}:instance-profile/{n}")],
    ),
    rv(
        "AWS::IAM::OIDCProvider",
        "",
        false,
        "arn:{p}:iam::{a}:oidc-provider/{n}",
        &[("Arn", "arn:{p}:iam::{a}:oidc-provider/{n}")],
    ),
    rv(
        "AWS::IAM::SAMLProvider",
        "Name",
        false,
        "arn:{p}:iam::{a}:saml-provider/{n}",
        &[("Arn", "arn:{p}:iam::{a}:saml-provider/{n}")],
    ),
    rv(
        "AWS::KMS::Key",
        "",
        false,
        "1234abcd-12ab-34cd-56ef-1234567890ab",
        &[
            (
                "Arn",
                "arn:{p}:kms:{r}:{a}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            ),
            ("KeyId", "1234abcd-12ab-34cd-56ef-1234567890ab"),
        ],
    ),
    rv("AWS::KMS::Alias", "AliasName", false, "{n}", &[]),
    rv(
        "AWS::SecretsManager::Secret",
        "Name",
        false,
        "arn:{p}:secretsmanager:{r}:{a}:secret:{n}-AbCdEf",
        &[("Id", "arn:{p}:secretsmanager:{r}:{a}:secret:{n}-AbCdEf")],
    ),
    rv(
        "AWS::Lambda::Function",
        "FunctionName",
        false,
        "{n}",
        &[("Arn", "arn:{p}:lambda:{r}:{a}:function:{n}")],
    ),
    rv(
        "AWS::DynamoDB::Table",
        "TableName",
        false,
        "{n}",
        &[
            ("Arn", "arn:{p}:dynamodb:{r}:{a}:table/{n}"),
            (
                "StreamArn",
                "arn:{p}:dynamodb:{r}:{a}:table/{n}/stream/2000-01-01T00:00:00.000",
            ),
        ],
    ),
    rv(
        "AWS::Logs::LogGroup",
        "LogGroupName",
        false,
        "{n}",
        &[("Arn", "arn:{p}:logs:{r}:{a}:log-group:{n}:*")],
    ),
    rv(
        "AWS::Kinesis::Stream",
        "Name",
        false,
        "{n}",
        &[("Arn", "arn:{p}:kinesis:{r}:{a}:stream/{n}")],
    ),
    rv(
        "AWS::StepFunctions::StateMachine",
        "StateMachineName",
        false,
        "arn:{p}:states:{r}:{a}:stateMachine:{n}",
        &[
            ("Arn", "arn:{p}:states:{r}:{a}:stateMachine:{n}"),
            ("Name", "{n}"),
        ],
    ),
    rv(
        "AWS::ECR::Repository",
        "RepositoryName",
        true,
        "{n}",
        &[("Arn", "arn:{p}:ecr:{r}:{a}:repository/{n}")],
    ),
    rv(
        "AWS::Events::EventBus",
        "Name",
        false,
        "{n}",
        &[
            ("Arn", "arn:{p}:events:{r}:{a}:event-bus/{n}"),
            ("Name", "{n}"),
        ],
    ),
    rv(
        "AWS::Events::Rule",
        "Name",
        false,
        "{n}",
        &[("Arn", "arn:{p}:events:{r}:{a}:rule/{n}")],
    ),
    rv("AWS::SSM::Parameter", "Name", false, "{n}", &[]),
    rv(
        "AWS::EFS::FileSystem",
        "",
        false,
        "fs-0123456789abcdef0",
        &[
            (
                "Arn",
                "arn:{p}:elasticfilesystem:{r}:{a}:file-system/fs-0123456789abcdef0",
            ),
            ("FileSystemId", "fs-0123456789abcdef0"),
        ],
    ),
    rv(
        "AWS::OpenSearchService::Domain",
        "DomainName",
        true,
        "{n}",
        &[
            ("Arn", "arn:{p}:es:{r}:{a}:domain/{n}"),
            ("DomainArn", "arn:{p}:es:{r}:{a}:domain/{n}"),
        ],
    ),
    rv(
        "AWS::Elasticsearch::Domain",
        "DomainName",
        true,
        "{n}",
        &[
            ("Arn", "arn:{p}:es:{r}:{a}:domain/{n}"),
            ("DomainArn", "arn:{p}:es:{r}:{a}:domain/{n}"),
        ],
    ),
    rv(
        "AWS::Glacier::Vault",
        "VaultName",
        false,
        "{n}",
        &[("Arn", "arn:{p}:glacier:{r}:{a}:vaults/{n}")],
    ),
    rv(
        "AWS::CloudTrail::Trail",
        "TrailName",
        false,
        "{n}",
        &[("Arn", "arn:{p}:cloudtrail:{r}:{a}:trail/{n}")],
    ),
    rv(
        "AWS::Backup::BackupVault",
        "BackupVaultName",
        false,
        "{n}",
        &[
            ("BackupVaultArn", "arn:{p}:backup:{r}:{a}:backup-vault:{n}"),
            ("BackupVaultName", "{n}"),
        ],
    ),
    rv(
        "AWS::ECS::Cluster",
        "ClusterName",
        false,
        "{n}",
        &[("Arn", "arn:{p}:ecs:{r}:{a}:cluster/{n}")],
    ),
    rv(
        "AWS::CodeBuild::Project",
        "Name",
        false,
        "{n}",
        &[("Arn", "arn:{p}:codebuild:{r}:{a}:project/{n}")],
    ),
    rv(
        "AWS::Cognito::UserPool",
        "",
        false,
        "{r}_AbCdEfGhI",
        &[("Arn", "arn:{p}:cognito-idp:{r}:{a}:userpool/{r}_AbCdEfGhI")],
    ),
    rv("AWS::EC2::VPC", "", false, "vpc-0123456789abcdef0", &[]),
    rv(
        "AWS::EC2::VPCEndpoint",
        "",
        false,
        "vpce-0123456789abcdef0",
        &[],
    ),
    rv(
        "AWS::EC2::SecurityGroup",
        "",
        false,
        "sg-0123456789abcdef0",
        &[("GroupId", "sg-0123456789abcdef0")],
    ),
    rv(
        "AWS::ApiGateway::RestApi",
        "",
        false,
        "a1b2c3d4e5",
        &[("RestApiId", "a1b2c3d4e5")],
    ),
];

const PSEUDO: &[&str] = &[
    "AWS::AccountId",
    "AWS::NotificationARNs",
    "AWS::NoValue",
    "AWS::Partition",
    "AWS::Region",
    "AWS::StackId",
    "AWS::StackName",
    "AWS::URLSuffix",
];

/// The intrinsic functions (long names; the YAML short form is `!` and the part after `Fn::`).
const FUNCTIONS: &[&str] = &[
    "Ref",
    "Condition",
    "Fn::And",
    "Fn::Base64",
    "Fn::Cidr",
    "Fn::Equals",
    "Fn::FindInMap",
    "Fn::GetAZs",
    "Fn::GetAtt",
    "Fn::If",
    "Fn::ImportValue",
    "Fn::Join",
    "Fn::Length",
    "Fn::Not",
    "Fn::Or",
    "Fn::Select",
    "Fn::Split",
    "Fn::Sub",
    "Fn::ToJsonString",
    "Fn::Transform",
];

/// The function a YAML short-form tag names (`!Ref` -> `Ref`, `!Sub` -> `Fn::Sub`).
fn tag_function(tag: &str) -> Option<&'static str> {
    let short = tag.strip_prefix('!')?;
    FUNCTIONS
        .iter()
        .copied()
        .find(|f| f.strip_prefix("Fn::").unwrap_or(f) == short)
}

pub(crate) fn extract(root: &Node, text: &str, options: &Options, out: &mut Extraction) {
    let Kind::Map(_) = &root.kind else {
        out.errors.push(IacError::new(
            Code::InvalidTemplate,
            format!("a template is a mapping, not a {}", root.type_name()),
            root.span,
        ));
        return;
    };
    let Some(resources) = root.get("Resources") else {
        out.errors.push(IacError::new(
            Code::InvalidTemplate,
            "the template has no `Resources` section".to_owned(),
            Span::new(root.span.start, root.span.start),
        ));
        return;
    };
    let Kind::Map(entries) = &resources.kind else {
        out.errors.push(IacError::new(
            Code::InvalidTemplate,
            format!(
                "`Resources` must be a mapping, not a {}",
                resources.type_name()
            ),
            resources.span,
        ));
        return;
    };
    let mut r = Resolver::new(root, text, options);
    for (key, resource) in entries {
        let lid = key.text.as_str();
        let Some(ty) = resource.get("Type").and_then(Node::as_str) else {
            out.errors.push(IacError::new(
                Code::InvalidTemplate,
                format!("resource `{lid}` has no `Type`"),
                key.span,
            ));
            continue;
        };
        let Some(props) = resource.get("Properties") else {
            continue;
        };
        if let Some(cond) = resource.get("Condition").and_then(Node::as_str)
            && r.condition(cond, key.span) == Some(false)
        {
            continue;
        }
        let mut targets: Vec<(String, &Node, PolicyType)> = Vec::new();
        for s in POLICY_SPECS.iter().filter(|s| s.resource_type == ty) {
            find(props, s.property, "", s.policy_type, &mut targets);
        }
        if ty == "AWS::Organizations::Policy" {
            let kind = props.get("Type").and_then(Node::as_str);
            let policy_type = match kind {
                Some("SERVICE_CONTROL_POLICY") => Some(PolicyType::Scp),
                Some("RESOURCE_CONTROL_POLICY") => Some(PolicyType::Rcp),
                _ => None,
            };
            if let (Some(t), Some(content)) = (policy_type, props.get("Content")) {
                targets.push(("Content".to_owned(), content, t));
            }
        }
        for (property, node, policy_type) in targets {
            r.unresolved.clear();
            if let Some(policy) = r.policy(lid, ty, &property, node, policy_type) {
                out.policies.push(policy);
            }
        }
        if ty == "AWS::Lambda::Permission" {
            r.unresolved.clear();
            if let Some(policy) = r.lambda_permission(lid, props) {
                out.policies.push(policy);
            }
        }
    }
    out.errors.append(&mut r.errors);
    out.notes.append(&mut r.notes);
}

/// Walks a property path (`A`, `A.B`, `A[].B`) in `props`.
fn find<'a>(
    props: &'a Node,
    path: &str,
    prefix: &str,
    ty: PolicyType,
    out: &mut Vec<(String, &'a Node, PolicyType)>,
) {
    let (head, rest) = match path.split_once('.') {
        Some((h, r)) => (h, Some(r)),
        None => (path, None),
    };
    let (name, list) = match head.strip_suffix("[]") {
        Some(n) => (n, true),
        None => (head, false),
    };
    let Some(value) = props.get(name) else { return };
    let here = if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}.{name}")
    };
    if list {
        let Kind::Seq(items) = &value.kind else {
            return;
        };
        for (i, item) in items.iter().enumerate() {
            let at = format!("{here}[{i}]");
            match rest {
                Some(r) => find(item, r, &at, ty, out),
                None => out.push((at, item, ty)),
            }
        }
    } else {
        match rest {
            Some(r) => find(value, r, &here, ty, out),
            None => out.push((here, value, ty)),
        }
    }
}

/// Resolves intrinsic functions of one template.
struct Resolver<'t> {
    text: &'t str,
    options: &'t Options,
    parameters: HashMap<&'t str, &'t Node>,
    mappings: Option<&'t Node>,
    conditions: Option<&'t Node>,
    resources: HashMap<&'t str, &'t Node>,
    condition_cache: HashMap<String, Option<bool>>,
    errors: Vec<IacError>,
    notes: Vec<IacError>,
    unresolved: Vec<Unresolved>,
    budget: usize,
}

/// A computed string and whether it holds a placeholder.
type Text = (String, bool);

impl<'t> Resolver<'t> {
    fn new(root: &'t Node, text: &'t str, options: &'t Options) -> Self {
        let map_of = |k: &str| -> HashMap<&'t str, &'t Node> {
            match root.get(k).map(|n| &n.kind) {
                Some(Kind::Map(m)) => m.iter().map(|(k, v)| (k.text.as_str(), v)).collect(),
                _ => HashMap::new(),
            }
        };
        Self {
            text,
            options,
            parameters: map_of("Parameters"),
            mappings: root.get("Mappings"),
            conditions: root.get("Conditions"),
            resources: map_of("Resources"),
            condition_cache: HashMap::new(),
            errors: Vec::new(),
            notes: Vec::new(),
            unresolved: Vec::new(),
            budget: options.limits.max_resolve,
        }
    }

    fn error(&mut self, code: Code, message: String, span: Span) {
        if !self
            .errors
            .iter()
            .any(|e| e.span == span && e.message == message)
        {
            self.errors.push(IacError::new(code, message, span));
        }
    }

    /// One policy document: a mapping (resolved and re-serialised) or a JSON string.
    fn policy(
        &mut self,
        lid: &str,
        ty: &str,
        property: &str,
        node: &'t Node,
        policy_type: PolicyType,
    ) -> Option<EmbeddedPolicy> {
        let locator = format!("{lid}.{property}");
        let path = String::new();
        let resolved = self.value(node, false, &path, &HashMap::new())?;
        let (text, map, uncertain) = match &resolved.kind {
            RKind::Map(_) => {
                let e = emit::emit(&resolved);
                (e.text, SpanMap::Tree(e.segs), e.uncertain)
            }
            RKind::Str(s) => {
                let map = string_map(self.text, node, s);
                let uncertain = if resolved.uncertain {
                    vec![(Span::from_usize(0, s.len()), String::new())]
                } else {
                    Vec::new()
                };
                (s.clone(), map, uncertain)
            }
            RKind::Null => return None,
            _ => {
                self.error(
                    Code::InvalidTemplate,
                    format!("`{locator}` must be a policy document (a mapping or a JSON string)"),
                    node.span,
                );
                return None;
            }
        };
        Some(EmbeddedPolicy {
            locator,
            resource: lid.to_owned(),
            resource_type: ty.to_owned(),
            policy_type,
            text,
            span: node.span,
            unresolved: std::mem::take(&mut self.unresolved),
            map,
            uncertain,
        })
    }

    /// An `AWS::Lambda::Permission` as the one-statement resource policy Lambda adds to the
    /// function's policy (as AWS's cfn-policy-validator reads it): `Principal` (a service
    /// principal, an account or ARN, or `*`), `Action`, the function's ARN as `Resource`, and
    /// `SourceArn` (`ArnLike AWS:SourceArn`), `SourceAccount` (`StringEquals
    /// AWS:SourceAccount`), `PrincipalOrgID` (`StringEquals aws:PrincipalOrgID`) and
    /// `FunctionUrlAuthType` (`StringEquals lambda:FunctionUrlAuthType`) as conditions
    /// (<https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html>).
    fn lambda_permission(&mut self, lid: &str, props: &'t Node) -> Option<EmbeddedPolicy> {
        let no_vars = HashMap::new();
        let origin = props.span;
        let mut stmt: Vec<(String, Span, RNode)> = Vec::new();
        stmt.push((
            "Effect".to_owned(),
            origin,
            RNode::str("Allow".to_owned(), origin),
        ));
        if let Some((k, n)) = entry(props, "Principal") {
            let v = self.value(n, false, "Statement[0].Principal.AWS", &no_vars)?;
            let principal = match rtext(&v) {
                Some((p, false)) if p == "*" => v,
                Some((p, false)) => {
                    let service = p.ends_with(".amazonaws.com") || p.ends_with(".amazon.com");
                    let key = if service { "Service" } else { "AWS" };
                    RNode {
                        kind: RKind::Map(vec![(key.to_owned(), k.span, v)]),
                        origin: n.span,
                        exact: None,
                        uncertain: false,
                    }
                }
                _ => {
                    let mut u = v;
                    u.uncertain = true;
                    RNode {
                        kind: RKind::Map(vec![("AWS".to_owned(), k.span, u)]),
                        origin: n.span,
                        exact: None,
                        uncertain: true,
                    }
                }
            };
            stmt.push(("Principal".to_owned(), k.span, principal));
        }
        if let Some((k, n)) = entry(props, "Action") {
            let v = self.value(n, false, "Statement[0].Action", &no_vars)?;
            stmt.push(("Action".to_owned(), k.span, v));
        }
        if let Some((k, n)) = entry(props, "FunctionName") {
            let mut v = self.value(n, false, "Statement[0].Resource", &no_vars)?;
            if let Some((name, false)) = rtext(&v)
                && !name.starts_with("arn:")
            {
                let o = self.options;
                let arn = if name.contains(":function:") {
                    format!("arn:{}:lambda:{}:{name}", o.partition, o.region)
                } else {
                    format!(
                        "arn:{}:lambda:{}:{}:function:{name}",
                        o.partition, o.region, o.account_id
                    )
                };
                v = RNode::str(arn, n.span);
            }
            stmt.push(("Resource".to_owned(), k.span, v));
        }
        let mut conditions: Vec<(String, Span, RNode)> = Vec::new();
        for (prop, operator, key) in [
            ("SourceArn", "ArnLike", "AWS:SourceArn"),
            ("SourceAccount", "StringEquals", "AWS:SourceAccount"),
            ("PrincipalOrgID", "StringEquals", "aws:PrincipalOrgID"),
            (
                "FunctionUrlAuthType",
                "StringEquals",
                "lambda:FunctionUrlAuthType",
            ),
        ] {
            let Some((k, n)) = entry(props, prop) else {
                continue;
            };
            let path = format!("Statement[0].Condition.{operator}.{key}");
            let v = self.value(n, false, &path, &no_vars)?;
            let block = match conditions.iter_mut().find(|(op, _, _)| op == operator) {
                Some((_, _, b)) => b,
                None => {
                    conditions.push((
                        operator.to_owned(),
                        k.span,
                        RNode {
                            kind: RKind::Map(Vec::new()),
                            origin: k.span,
                            exact: None,
                            uncertain: false,
                        },
                    ));
                    let Some((_, _, b)) = conditions.last_mut() else {
                        continue;
                    };
                    b
                }
            };
            if let RKind::Map(m) = &mut block.kind {
                m.push((key.to_owned(), k.span, v));
            }
        }
        if !conditions.is_empty() {
            stmt.push((
                "Condition".to_owned(),
                origin,
                RNode {
                    kind: RKind::Map(conditions),
                    origin,
                    exact: None,
                    uncertain: false,
                },
            ));
        }
        let node = |kind| RNode {
            kind,
            origin,
            exact: None,
            uncertain: false,
        };
        let policy = node(RKind::Map(vec![
            (
                "Version".to_owned(),
                origin,
                RNode::str("2012-10-17".to_owned(), origin),
            ),
            (
                "Statement".to_owned(),
                origin,
                node(RKind::Seq(vec![node(RKind::Map(stmt))])),
            ),
        ]));
        let e = emit::emit(&policy);
        Some(EmbeddedPolicy {
            locator: format!("{lid}.Permission"),
            resource: lid.to_owned(),
            resource_type: "AWS::Lambda::Permission".to_owned(),
            policy_type: PolicyType::Resource,
            text: e.text,
            span: origin,
            unresolved: std::mem::take(&mut self.unresolved),
            map: SpanMap::Tree(e.segs),
            uncertain: e.uncertain,
        })
    }

    /// The intrinsic function a node calls: its name, argument and whether the argument is the
    /// node itself (a YAML tag).
    fn function<'n>(
        &mut self,
        node: &'n Node,
        skip_tag: bool,
    ) -> Option<(&'static str, &'n Node, bool)> {
        if !skip_tag && let Some((tag, span)) = &node.tag {
            return match tag_function(tag) {
                Some(f) => Some((f, node, true)),
                None => {
                    self.error(
                        Code::UnknownTag,
                        format!("unknown tag `{tag}`: not a CloudFormation intrinsic function"),
                        *span,
                    );
                    Some(("", node, true))
                }
            };
        }
        if let Kind::Map(m) = &node.kind
            && let [(k, v)] = m.as_slice()
            && let Some(f) = FUNCTIONS
                .iter()
                .copied()
                .find(|f| *f == k.text && *f != "Condition")
        {
            return Some((f, v, false));
        }
        None
    }

    fn placeholder(&mut self, path: &str, origin: Span, reason: String) -> RNode {
        self.unresolved.push(Unresolved {
            span: origin,
            reason,
        });
        let o = self.options;
        let last = path.rsplit('.').next().unwrap_or_default();
        let in_elem = |e: &str| {
            path.split('.').any(|p| {
                p.trim_end_matches(|c: char| c == ']' || c == '[' || c.is_ascii_digit()) == e
            })
        };
        let value = if in_elem("Resource") || in_elem("NotResource") {
            format!(
                "arn:{}:iac-unresolved:{}:{}:unresolved",
                o.partition, o.region, o.account_id
            )
        } else if in_elem("Action") || in_elem("NotAction") {
            "iac-unresolved:Unresolved".to_owned()
        } else if (in_elem("Principal") || in_elem("NotPrincipal")) && in_elem("AWS") {
            format!("arn:{}:iam::{}:root", o.partition, o.account_id)
        } else if (in_elem("Principal") || in_elem("NotPrincipal")) && in_elem("Service") {
            "unresolved.amazonaws.com".to_owned()
        } else if last == "Principal" || last == "NotPrincipal" {
            let mut n = RNode::str(
                format!("arn:{}:iam::{}:root", o.partition, o.account_id),
                origin,
            );
            n.uncertain = true;
            return RNode {
                kind: RKind::Map(vec![("AWS".to_owned(), origin, n)]),
                origin,
                exact: None,
                uncertain: true,
            };
        } else if in_elem("Condition") {
            let op = path
                .split(".Condition.")
                .nth(1)
                .and_then(|r| r.split('.').next())
                .unwrap_or_default();
            if op.contains("Numeric") {
                "0".to_owned()
            } else if op.contains("Date") {
                "2000-01-01T00:00:00Z".to_owned()
            } else if op.contains("Bool") || op.starts_with("Null") {
                "true".to_owned()
            } else if op.contains("IpAddress") {
                "192.0.2.0/24".to_owned()
            } else if op.contains("Binary") {
                "AA==".to_owned()
            } else {
                "unresolved".to_owned()
            }
        } else {
            "unresolved".to_owned()
        };
        let mut n = RNode::str(value, origin);
        n.uncertain = true;
        n
    }

    /// Resolves a node. `None`: the node is `AWS::NoValue` (or an error already reported that
    /// leaves nothing to put there).
    fn value(
        &mut self,
        node: &'t Node,
        skip_tag: bool,
        path: &str,
        vars: &HashMap<String, RNode>,
    ) -> Option<RNode> {
        if self.budget == 0 {
            self.error(
                Code::InvalidTemplate,
                "the template needs too much work to resolve".to_owned(),
                node.span,
            );
            return None;
        }
        self.budget -= 1;
        if let Some((f, arg, tagged)) = self.function(node, skip_tag) {
            return self.call(f, node, arg, tagged, path, vars);
        }
        let kind = match &node.kind {
            Kind::Null => RKind::Null,
            Kind::Bool(b) => RKind::Bool(*b),
            Kind::Number(n) => {
                if node.tag.is_none() && self.is_yaml(node) {
                    // CloudFormation hands YAML scalars to services as strings.
                    RKind::Str(n.clone())
                } else {
                    RKind::Num(n.clone())
                }
            }
            Kind::Str(s, style) => {
                let exact = exact_start(self.text, node.span, s, *style);
                return Some(RNode {
                    kind: RKind::Str(s.clone()),
                    origin: node.span,
                    exact,
                    uncertain: false,
                });
            }
            Kind::Seq(items) => {
                let mut out = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    let p = format!("{path}[{i}]");
                    if let Some(v) = self.value(item, false, &p, vars) {
                        out.push(v);
                    }
                }
                RKind::Seq(out)
            }
            Kind::Map(members) => {
                let mut out = Vec::new();
                for (k, v) in members {
                    let p = if path.is_empty() {
                        k.text.clone()
                    } else {
                        format!("{path}.{}", k.text)
                    };
                    if let Some(v) = self.value(v, false, &p, vars) {
                        out.push((k.text.clone(), k.span, v));
                    }
                }
                RKind::Map(out)
            }
        };
        Some(RNode {
            kind,
            origin: node.span,
            exact: None,
            uncertain: false,
        })
    }

    fn is_yaml(&self, node: &Node) -> bool {
        // A JSON number starts with a digit or `-` and the template is not JSON when the
        // text does not start with `{`.
        !self
            .text
            .trim_start_matches('\u{feff}')
            .trim_start()
            .starts_with('{')
            && node.tag.is_none()
    }

    /// A resolved value as text (strings, numbers, booleans).
    fn text_of(
        &mut self,
        node: &'t Node,
        path: &str,
        vars: &HashMap<String, RNode>,
    ) -> Option<Text> {
        let v = self.value(node, false, path, vars)?;
        rtext(&v)
    }

    fn invalid(&mut self, f: &str, node: &Node, what: &str) {
        let name = f.strip_prefix("Fn::").unwrap_or(f);
        self.error(
            Code::InvalidIntrinsic,
            format!("`{name}` {what}"),
            node.span,
        );
    }

    #[expect(clippy::too_many_lines, reason = "one arm per intrinsic function")]
    fn call(
        &mut self,
        f: &'static str,
        whole: &'t Node,
        arg: &'t Node,
        tagged: bool,
        path: &str,
        vars: &HashMap<String, RNode>,
    ) -> Option<RNode> {
        let origin = whole.span;
        let string = |s: String, uncertain: bool| RNode {
            kind: RKind::Str(s),
            origin,
            exact: None,
            uncertain,
        };
        // The argument as a list of nodes.
        let list = |n: &'t Node| -> Option<&'t [Node]> {
            match &n.kind {
                Kind::Seq(items) => Some(items.as_slice()),
                _ => None,
            }
        };
        match f {
            "" => Some(self.placeholder(path, origin, "unknown tag".to_owned())),
            "Ref" => {
                let Some(name) = arg_str(arg, tagged) else {
                    self.invalid(f, arg, "takes the name of a parameter or resource");
                    return Some(self.placeholder(path, origin, "invalid Ref".to_owned()));
                };
                self.reference(name, path, origin, vars)
            }
            "Fn::Sub" => {
                let (template, sub_vars) = match &arg.kind {
                    Kind::Str(s, _) if tagged || arg.tag.is_none() => (s.as_str(), None),
                    Kind::Seq(items) => match items.as_slice() {
                        [t, v] => match (arg_str(t, false), &v.kind) {
                            (Some(t), Kind::Map(_)) => (t, Some(v)),
                            _ => {
                                self.invalid(f, arg, "takes a string or [string, {variables}]");
                                return Some(self.placeholder(
                                    path,
                                    origin,
                                    "invalid Sub".to_owned(),
                                ));
                            }
                        },
                        _ => {
                            self.invalid(f, arg, "takes a string or [string, {variables}]");
                            return Some(self.placeholder(path, origin, "invalid Sub".to_owned()));
                        }
                    },
                    _ => {
                        self.invalid(f, arg, "takes a string or [string, {variables}]");
                        return Some(self.placeholder(path, origin, "invalid Sub".to_owned()));
                    }
                };
                let mut local = vars.clone();
                if let Some(Node {
                    kind: Kind::Map(m), ..
                }) = sub_vars
                {
                    for (k, v) in m {
                        if let Some(r) = self.value(v, false, path, vars) {
                            local.insert(k.text.clone(), r);
                        }
                    }
                }
                let (s, uncertain) = self.sub(template, path, origin, &local);
                let whole_placeholder = uncertain && !keeps_shape(path, &s);
                if whole_placeholder {
                    return Some(self.placeholder(path, origin, format!("`Sub` gives `{s}`")));
                }
                Some(string(s, uncertain))
            }
            "Fn::GetAtt" => {
                let parts: Option<(String, String)> = match &arg.kind {
                    Kind::Str(s, _) => s.split_once('.').map(|(a, b)| (a.to_owned(), b.to_owned())),
                    Kind::Seq(items) => match items.as_slice() {
                        [a, b] => match (arg_str(a, false), self.text_of(b, path, vars)) {
                            (Some(a), Some((b, _))) => Some((a.to_owned(), b)),
                            _ => None,
                        },
                        _ => None,
                    },
                    _ => None,
                };
                let Some((res, attr)) = parts else {
                    self.invalid(
                        f,
                        arg,
                        "takes `Resource.Attribute` or [Resource, Attribute]",
                    );
                    return Some(self.placeholder(path, origin, "invalid GetAtt".to_owned()));
                };
                Some(self.get_att(&res, &attr, path, origin))
            }
            "Fn::Join" => {
                let Some([delim, items]) = list(arg)
                    .and_then(|l| <&[Node; 2]>::try_from(l).ok())
                    .map(|a| [&a[0], &a[1]])
                else {
                    self.invalid(f, arg, "takes [delimiter, [values]]");
                    return Some(self.placeholder(path, origin, "invalid Join".to_owned()));
                };
                let delim = arg_str(delim, false).unwrap_or_default().to_owned();
                let values = self.value(items, false, path, vars)?;
                let RKind::Seq(values) = values.kind else {
                    self.invalid(f, items, "joins a list");
                    return Some(self.placeholder(path, origin, "invalid Join".to_owned()));
                };
                let mut out = Vec::new();
                let mut uncertain = false;
                for v in &values {
                    let (t, u) = rtext(v).unwrap_or_else(|| ("unresolved".to_owned(), true));
                    uncertain |= u;
                    out.push(t);
                }
                let s = out.join(&delim);
                if uncertain && !keeps_shape(path, &s) {
                    return Some(self.placeholder(path, origin, format!("`Join` gives `{s}`")));
                }
                Some(string(s, uncertain))
            }
            "Fn::Select" => {
                let Some([index, items]) = list(arg)
                    .and_then(|l| <&[Node; 2]>::try_from(l).ok())
                    .map(|a| [&a[0], &a[1]])
                else {
                    self.invalid(f, arg, "takes [index, [values]]");
                    return Some(self.placeholder(path, origin, "invalid Select".to_owned()));
                };
                let i = self
                    .text_of(index, path, vars)
                    .and_then(|(t, _)| t.parse::<usize>().ok());
                let values = self.value(items, false, path, vars)?;
                match (i, values.kind) {
                    (Some(i), RKind::Seq(mut v)) if i < v.len() => {
                        let mut item = v.swap_remove(i);
                        item.origin = origin;
                        item.exact = None;
                        Some(item)
                    }
                    (_, _) if values.uncertain => Some(self.placeholder(
                        path,
                        origin,
                        "Select of an unresolved list".to_owned(),
                    )),
                    _ => {
                        self.invalid(f, arg, "index is not a number within the list");
                        Some(self.placeholder(path, origin, "invalid Select".to_owned()))
                    }
                }
            }
            "Fn::Split" => {
                let Some([delim, source]) = list(arg)
                    .and_then(|l| <&[Node; 2]>::try_from(l).ok())
                    .map(|a| [&a[0], &a[1]])
                else {
                    self.invalid(f, arg, "takes [delimiter, string]");
                    return Some(self.placeholder(path, origin, "invalid Split".to_owned()));
                };
                let delim = arg_str(delim, false).unwrap_or_default().to_owned();
                let (s, uncertain) = self
                    .text_of(source, path, vars)
                    .unwrap_or_else(|| ("unresolved".to_owned(), true));
                let items = if delim.is_empty() {
                    vec![s]
                } else {
                    s.split(delim.as_str()).map(str::to_owned).collect()
                };
                Some(RNode {
                    kind: RKind::Seq(items.into_iter().map(|s| string(s, uncertain)).collect()),
                    origin,
                    exact: None,
                    uncertain,
                })
            }
            "Fn::FindInMap" => {
                let Some(args) = list(arg).filter(|l| l.len() == 3 || l.len() == 4) else {
                    self.invalid(f, arg, "takes [MapName, TopLevelKey, SecondLevelKey]");
                    return Some(self.placeholder(path, origin, "invalid FindInMap".to_owned()));
                };
                let mut keys = Vec::new();
                let mut uncertain = false;
                for a in args.iter().take(3) {
                    let (t, u) = self
                        .text_of(a, path, vars)
                        .unwrap_or_else(|| ("unresolved".to_owned(), true));
                    uncertain |= u;
                    keys.push(t);
                }
                if uncertain {
                    return Some(self.placeholder(
                        path,
                        origin,
                        "FindInMap with unresolved keys".to_owned(),
                    ));
                }
                let found = self
                    .mappings
                    .and_then(|m| m.get(keys.first()?.as_str()))
                    .and_then(|m| m.get(keys.get(1)?.as_str()))
                    .and_then(|m| m.get(keys.get(2)?.as_str()));
                match found {
                    Some(n) => {
                        let mut v = self.value(n, false, path, vars)?;
                        v.origin = origin;
                        v.exact = None;
                        Some(v)
                    }
                    None => {
                        self.invalid(f, arg, &format!("finds nothing at {}", keys.join(" / ")));
                        Some(self.placeholder(path, origin, "FindInMap finds nothing".to_owned()))
                    }
                }
            }
            "Fn::If" => {
                let Some([cond, yes, no]) = list(arg)
                    .and_then(|l| <&[Node; 3]>::try_from(l).ok())
                    .map(|a| [&a[0], &a[1], &a[2]])
                else {
                    self.invalid(f, arg, "takes [condition, value if true, value if false]");
                    return Some(self.placeholder(path, origin, "invalid If".to_owned()));
                };
                let Some(name) = arg_str(cond, false) else {
                    self.invalid(f, cond, "names a condition");
                    return Some(self.placeholder(path, origin, "invalid If".to_owned()));
                };
                let truth = self.condition(name, cond.span);
                let branch = match truth {
                    Some(false) => no,
                    Some(true) => yes,
                    None => {
                        self.unresolved.push(Unresolved {
                            span: cond.span,
                            reason: format!(
                                "condition `{name}` is unknown: the true branch was checked"
                            ),
                        });
                        yes
                    }
                };
                self.value(branch, false, path, vars)
            }
            "Fn::Base64" => {
                let (s, u) = self
                    .text_of(arg, path, vars)
                    .unwrap_or_else(|| ("unresolved".to_owned(), true));
                use base64::Engine as _;
                Some(string(
                    base64::engine::general_purpose::STANDARD.encode(s),
                    u,
                ))
            }
            "Fn::GetAZs" => {
                let region = self.options.region.clone();
                let items = ["a", "b", "c"]
                    .iter()
                    .map(|z| string(format!("{region}{z}"), false))
                    .collect();
                Some(RNode {
                    kind: RKind::Seq(items),
                    origin,
                    exact: None,
                    uncertain: false,
                })
            }
            "Fn::Length" => match self.value(arg, tagged, path, vars)?.kind {
                RKind::Seq(v) => Some(RNode {
                    kind: RKind::Num(v.len().to_string()),
                    origin,
                    exact: None,
                    uncertain: false,
                }),
                _ => Some(self.placeholder(
                    path,
                    origin,
                    "Length of a value that is not a list".to_owned(),
                )),
            },
            "Fn::ImportValue" => Some(self.placeholder(
                path,
                origin,
                "`ImportValue` is known only at deployment".to_owned(),
            )),
            "Fn::Equals" | "Fn::And" | "Fn::Or" | "Fn::Not" => match self.truth(f, arg, tagged) {
                Some(b) => Some(RNode {
                    kind: RKind::Bool(b),
                    origin,
                    exact: None,
                    uncertain: false,
                }),
                None => Some(self.placeholder(path, origin, "unknown condition".to_owned())),
            },
            "Fn::Transform" => {
                self.notes.push(IacError::new(
                    Code::IacPolicySkipped,
                    "`Fn::Transform` (a macro) runs at deployment; the value it makes was not checked".to_owned(),
                    origin,
                ));
                Some(self.placeholder(path, origin, "Transform".to_owned()))
            }
            _ => Some(self.placeholder(path, origin, format!("`{f}` is not resolved offline"))),
        }
    }

    /// `Ref name`.
    fn reference(
        &mut self,
        name: &str,
        path: &str,
        origin: Span,
        vars: &HashMap<String, RNode>,
    ) -> Option<RNode> {
        let o = self.options;
        let s = |v: String| Some(RNode::str(v, origin));
        if let Some(v) = vars.get(name) {
            let mut v = v.clone();
            v.origin = origin;
            v.exact = None;
            return Some(v);
        }
        match name {
            "AWS::NoValue" => return None,
            "AWS::AccountId" => return s(o.account_id.clone()),
            "AWS::Region" => return s(o.region.clone()),
            "AWS::Partition" => return s(o.partition.clone()),
            "AWS::URLSuffix" => return s(o.url_suffix().to_owned()),
            "AWS::StackName" => return s(o.stack_name.clone()),
            "AWS::StackId" => {
                return s(format!(
                    "arn:{}:cloudformation:{}:{}:stack/{}/00000000-0000-0000-0000-000000000000",
                    o.partition, o.region, o.account_id, o.stack_name
                ));
            }
            "AWS::NotificationARNs" => {
                return Some(RNode {
                    kind: RKind::Seq(Vec::new()),
                    origin,
                    exact: None,
                    uncertain: false,
                });
            }
            _ => {}
        }
        if let Some(param) = self.parameters.get(name).copied() {
            let is_list = param
                .get("Type")
                .and_then(Node::as_str)
                .is_some_and(|t| t.starts_with("List<") || t == "CommaDelimitedList");
            let value: Option<Text> = if let Some(v) = o.parameters.get(name) {
                Some((v.clone(), false))
            } else {
                match param.get("Default") {
                    Some(d) => self.text_of(d, path, &HashMap::new()),
                    None => None,
                }
            };
            let Some((v, u)) = value else {
                return Some(self.placeholder(
                    path,
                    origin,
                    format!("parameter `{name}` has no default; give its value with --parameter {name}=VALUE"),
                ));
            };
            if is_list {
                let items = v.split(',').map(|i| {
                    let mut n = RNode::str(i.trim().to_owned(), origin);
                    n.uncertain = u;
                    n
                });
                return Some(RNode {
                    kind: RKind::Seq(items.collect()),
                    origin,
                    exact: None,
                    uncertain: u,
                });
            }
            let mut n = RNode::str(v, origin);
            n.uncertain = u;
            return Some(n);
        }
        if self.resources.contains_key(name) {
            return Some(self.resource_value(name, None, path, origin));
        }
        if PSEUDO.contains(&name) || name.starts_with("AWS::") {
            return Some(self.placeholder(path, origin, format!("pseudo parameter `{name}`")));
        }
        self.error(
            Code::InvalidIntrinsic,
            format!("`Ref` to `{name}`: the template has no such parameter or resource"),
            origin,
        );
        Some(self.placeholder(path, origin, format!("unknown `{name}`")))
    }

    fn get_att(&mut self, res: &str, attr: &str, path: &str, origin: Span) -> RNode {
        if !self.resources.contains_key(res) {
            self.error(
                Code::InvalidIntrinsic,
                format!("`GetAtt` of `{res}`: the template has no such resource"),
                origin,
            );
            return self.placeholder(path, origin, format!("unknown resource `{res}`"));
        }
        self.resource_value(res, Some(attr), path, origin)
    }

    /// `Ref` (attr `None`) or `GetAtt` of a resource of the template.
    fn resource_value(&mut self, lid: &str, attr: Option<&str>, path: &str, origin: Span) -> RNode {
        let Some(resource) = self.resources.get(lid).copied() else {
            return self.placeholder(path, origin, format!("resource `{lid}`"));
        };
        let ty = resource
            .get("Type")
            .and_then(Node::as_str)
            .unwrap_or_default();
        let Some(rv) = RETURN_VALUES.iter().find(|r| r.resource_type == ty) else {
            return self.placeholder(
                path,
                origin,
                format!("the value of a `{ty}` is not known offline"),
            );
        };
        let pattern = match attr {
            None => Some(rv.reference),
            Some(a) => rv.attributes.iter().find(|(n, _)| *n == a).map(|(_, p)| *p),
        };
        let Some(pattern) = pattern else {
            return self.placeholder(
                path,
                origin,
                format!("attribute `{}` of a `{ty}`", attr.unwrap_or_default()),
            );
        };
        let mut name: Option<String> = None;
        if !rv.name_property.is_empty()
            && let Some(n) = resource
                .get("Properties")
                .and_then(|p| p.get(rv.name_property))
            && !n.span.is_empty()
            && self.budget > 0
        {
            // A name property that refers back to this resource would loop: only literal and
            // parameter-based names are read.
            if n.tag.is_none() && !matches!(n.kind, Kind::Map(_)) {
                name = self
                    .text_of(n, path, &HashMap::new())
                    .filter(|(_, u)| !u)
                    .map(|(t, _)| t);
            } else if let Some(("Ref", arg, tagged)) = self.function(n, false)
                && let Some(p) = arg_str(arg, tagged)
                && self.parameters.contains_key(p)
            {
                name = self
                    .text_of(n, path, &HashMap::new())
                    .filter(|(_, u)| !u)
                    .map(|(t, _)| t);
            } else if let Some(("Fn::Sub", _, _)) = self.function(n, false) {
                name = self
                    .text_of(n, path, &HashMap::new())
                    .filter(|(_, u)| !u)
                    .map(|(t, _)| t);
            }
        }
        let name = name.unwrap_or_else(|| {
            if rv.lowercase {
                lid.to_ascii_lowercase()
            } else {
                lid.to_owned()
            }
        });
        let o = self.options;
        let value = pattern
            .replace("{p}", &o.partition)
            .replace("{r}", &o.region)
            .replace("{a}", &o.account_id)
            .replace("{s}", o.url_suffix())
            .replace("{n}", &name);
        RNode::str(value, origin)
    }

    /// `Fn::Sub` of a template string.
    fn sub(
        &mut self,
        template: &str,
        path: &str,
        origin: Span,
        vars: &HashMap<String, RNode>,
    ) -> Text {
        let mut out = String::new();
        let mut uncertain = false;
        let mut rest = template;
        while let Some(i) = rest.find("${") {
            out.push_str(rest.get(..i).unwrap_or_default());
            let after = rest.get(i + 2..).unwrap_or_default();
            let Some(close) = after.find('}') else {
                out.push_str(rest.get(i..).unwrap_or_default());
                rest = "";
                break;
            };
            let name = after.get(..close).unwrap_or_default().trim();
            rest = after.get(close + 1..).unwrap_or_default();
            if let Some(literal) = name.strip_prefix('!') {
                out.push_str("${");
                out.push_str(literal);
                out.push('}');
                continue;
            }
            let value =
                if vars.contains_key(name) || !name.contains('.') || name.starts_with("AWS::") {
                    self.reference(name, path, origin, vars)
                } else {
                    let (res, attr) = name.split_once('.').unwrap_or((name, ""));
                    Some(self.get_att(res, attr, path, origin))
                };
            match value.as_ref().and_then(rtext) {
                Some((t, u)) => {
                    uncertain |= u;
                    if u {
                        // An inline piece keeps the string's shape; the value is marked.
                        out.push_str(&inline_placeholder(&t));
                    } else {
                        out.push_str(&t);
                    }
                }
                None => {
                    uncertain = true;
                    out.push_str("unresolved");
                }
            }
        }
        out.push_str(rest);
        (out, uncertain)
    }

    /// A named condition of the `Conditions` section; `None` when it cannot be decided.
    fn condition(&mut self, name: &str, at: Span) -> Option<bool> {
        if let Some(v) = self.condition_cache.get(name) {
            return *v;
        }
        self.condition_cache.insert(name.to_owned(), None); // cycles decide nothing
        let Some(node) = self.conditions.and_then(|c| c.get(name)) else {
            self.error(
                Code::InvalidIntrinsic,
                format!("condition `{name}` is not in the `Conditions` section"),
                at,
            );
            return None;
        };
        let v = self.cond_value(node);
        self.condition_cache.insert(name.to_owned(), v);
        v
    }

    fn cond_value(&mut self, node: &'t Node) -> Option<bool> {
        if self.budget == 0 {
            return None;
        }
        self.budget -= 1;
        if let Kind::Bool(b) = node.kind {
            return Some(b);
        }
        if let Some(("Condition", ..)) | None = self.function(node, false) {
            // `{Condition: Name}` or `!Condition Name`.
            let named = match (&node.tag, &node.kind) {
                (Some((t, _)), Kind::Str(s, _)) if t == "!Condition" => Some(s.as_str()),
                (None, Kind::Map(m)) => match m.as_slice() {
                    [(k, v)] if k.text == "Condition" => v.as_str(),
                    _ => None,
                },
                _ => None,
            };
            if let Some(n) = named {
                return self.condition(n, node.span);
            }
            return None;
        }
        let (f, arg, tagged) = self.function(node, false)?;
        self.truth(f, arg, tagged)
    }

    fn truth(&mut self, f: &str, arg: &'t Node, _tagged: bool) -> Option<bool> {
        let Kind::Seq(items) = &arg.kind else {
            self.invalid(f, arg, "takes a list");
            return None;
        };
        match f {
            "Fn::Equals" => {
                let [a, b] = items.as_slice() else {
                    self.invalid(f, arg, "takes two values");
                    return None;
                };
                let (a, ua) = self.text_of(a, "", &HashMap::new())?;
                let (b, ub) = self.text_of(b, "", &HashMap::new())?;
                if ua || ub {
                    return None;
                }
                Some(a == b)
            }
            "Fn::Not" => {
                let [a] = items.as_slice() else {
                    self.invalid(f, arg, "takes one condition");
                    return None;
                };
                self.cond_value(a).map(|b| !b)
            }
            "Fn::And" | "Fn::Or" => {
                let mut values = Vec::new();
                for i in items {
                    values.push(self.cond_value(i));
                }
                let and = f == "Fn::And";
                if and && values.contains(&Some(false)) {
                    return Some(false);
                }
                if !and && values.contains(&Some(true)) {
                    return Some(true);
                }
                if values.iter().all(Option::is_some) {
                    return Some(and);
                }
                None
            }
            _ => None,
        }
    }
}

/// What stands in a `Sub` or `Join` for an unresolved piece: the placeholder's text when it
/// is a name-like value, else `unresolved`.
fn inline_placeholder(t: &str) -> String {
    if t.starts_with("arn:") {
        "unresolved".to_owned()
    } else {
        t.to_owned()
    }
}

/// Whether a computed string with unresolved pieces still has the shape its element needs
/// (an ARN in `Resource` and `Principal.AWS`); if not, the element's placeholder is used.
fn keeps_shape(path: &str, s: &str) -> bool {
    let resource = path.contains("Resource");
    let principal_aws = path.contains("Principal") && path.contains("AWS");
    if resource || principal_aws {
        return crate::arn::ArnParts::split(s).is_some()
            || (principal_aws && s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()));
    }
    true
}

/// The key and value of key `k` of a mapping.
fn entry<'n>(node: &'n Node, k: &str) -> Option<(&'n super::tree::Key, &'n Node)> {
    match &node.kind {
        Kind::Map(m) => m.iter().find(|(key, _)| key.text == k).map(|(k, v)| (k, v)),
        _ => None,
    }
}

/// The string argument of a function (for `Ref`, `If`'s condition, ...).
fn arg_str(node: &Node, tagged: bool) -> Option<&str> {
    match &node.kind {
        Kind::Str(s, _) if tagged || node.tag.is_none() => Some(s),
        _ => None,
    }
}

/// A resolved scalar as text.
fn rtext(v: &RNode) -> Option<Text> {
    match &v.kind {
        RKind::Str(s) | RKind::Num(s) => Some((s.clone(), v.uncertain)),
        RKind::Bool(b) => Some((b.to_string(), v.uncertain)),
        _ => None,
    }
}

/// The template offset of a string scalar's first byte when the template's bytes there are
/// the value's bytes.
fn exact_start(text: &str, span: Span, value: &str, style: Style) -> Option<u32> {
    let skip = match style {
        Style::Plain => 0,
        Style::SingleQuoted | Style::DoubleQuoted => 1,
        Style::Literal | Style::Folded => return None,
    };
    let start = span.start.checked_add(skip)?;
    let end = start.checked_add(u32::try_from(value.len()).ok()?)?;
    (Span::new(start, end).slice(text) == Some(value)).then_some(start)
}

/// How the bytes of a policy given as a string map to the template.
fn string_map(text: &str, node: &Node, value: &str) -> SpanMap {
    if node.tag.is_some() {
        return SpanMap::Whole(node.span);
    }
    let Kind::Str(_, style) = &node.kind else {
        return SpanMap::Whole(node.span);
    };
    let raw = node.span.slice(text).unwrap_or_default();
    match style {
        Style::DoubleQuoted if raw.starts_with('"') && !raw.contains('\n') => {
            SpanMap::Bytes(emit::json_string_offsets(raw, node.span.start))
        }
        Style::Literal => literal_map(text, node.span, value),
        _ => match exact_start(text, node.span, value, *style) {
            Some(start) => SpanMap::Bytes(
                (0..=u32::try_from(value.len()).unwrap_or(0))
                    .map(|i| start + i)
                    .collect(),
            ),
            None => SpanMap::Whole(node.span),
        },
    }
}

/// A literal block scalar (`|`): its span starts at its first content line; line `k` of the
/// value is found on line `k` of the block, after the indentation.
fn literal_map(text: &str, span: Span, value: &str) -> SpanMap {
    let mut offsets = Vec::with_capacity(value.len() + 1);
    let mut src = span.start as usize;
    for (k, line) in value.split_inclusive('\n').enumerate() {
        let line_end = text
            .get(src..)
            .and_then(|t| t.find('\n'))
            .map_or(text.len(), |e| src + e);
        let src_line = text.get(src..line_end).unwrap_or_default();
        let content = line.trim_end_matches('\n');
        let at = if content.is_empty() || (k == 0 && src_line.starts_with(content)) {
            src
        } else {
            match src_line.find(content) {
                Some(i) => src + i,
                None => return SpanMap::Whole(span),
            }
        };
        for i in 0..line.len() {
            offsets.push(u32::try_from(at + i).unwrap_or(u32::MAX));
        }
        src = line_end + 1;
    }
    offsets.push(offsets.last().map_or(span.end, |l| l + 1));
    SpanMap::Bytes(offsets)
}
