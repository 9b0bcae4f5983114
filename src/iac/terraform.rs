//! Terraform plans and states as JSON (`terraform show -json`): the policy attributes of the
//! AWS provider's resources
//! (<https://developer.hashicorp.com/terraform/internals/json-format>).

use super::emit;
use super::tree::{Kind, Node};
use super::{EmbeddedPolicy, Extraction, IacError, SpanMap};
use crate::code::Code;
use crate::policy::PolicyType;

/// Resource types and the attributes that hold a policy document (a JSON string).
const ATTRIBUTES: &[(&str, &str, PolicyType)] = &[
    ("aws_iam_policy", "policy", PolicyType::Identity),
    ("aws_iam_role", "assume_role_policy", PolicyType::Trust),
    ("aws_iam_role_policy", "policy", PolicyType::Identity),
    ("aws_iam_user_policy", "policy", PolicyType::Identity),
    ("aws_iam_group_policy", "policy", PolicyType::Identity),
    (
        "aws_ssoadmin_permission_set_inline_policy",
        "inline_policy",
        PolicyType::Identity,
    ),
    ("aws_s3_bucket_policy", "policy", PolicyType::Resource),
    ("aws_s3_bucket", "policy", PolicyType::Resource),
    ("aws_s3_access_point", "policy", PolicyType::Resource),
    (
        "aws_s3control_access_point_policy",
        "policy",
        PolicyType::Resource,
    ),
    (
        "aws_s3control_bucket_policy",
        "policy",
        PolicyType::Resource,
    ),
    (
        "aws_secretsmanager_secret_policy",
        "policy",
        PolicyType::Resource,
    ),
    ("aws_secretsmanager_secret", "policy", PolicyType::Resource),
    ("aws_kms_key", "policy", PolicyType::Resource),
    ("aws_kms_replica_key", "policy", PolicyType::Resource),
    ("aws_kms_key_policy", "policy", PolicyType::Resource),
    ("aws_sqs_queue_policy", "policy", PolicyType::Resource),
    ("aws_sqs_queue", "policy", PolicyType::Resource),
    ("aws_sns_topic_policy", "policy", PolicyType::Resource),
    ("aws_sns_topic", "policy", PolicyType::Resource),
    ("aws_ecr_repository_policy", "policy", PolicyType::Resource),
    ("aws_ecr_registry_policy", "policy", PolicyType::Resource),
    (
        "aws_opensearch_domain_policy",
        "access_policies",
        PolicyType::Resource,
    ),
    (
        "aws_opensearch_domain",
        "access_policies",
        PolicyType::Resource,
    ),
    (
        "aws_elasticsearch_domain_policy",
        "access_policies",
        PolicyType::Resource,
    ),
    (
        "aws_elasticsearch_domain",
        "access_policies",
        PolicyType::Resource,
    ),
    ("aws_glacier_vault", "access_policy", PolicyType::Resource),
    ("aws_efs_file_system_policy", "policy", PolicyType::Resource),
    ("aws_backup_vault_policy", "policy", PolicyType::Resource),
    (
        "aws_cloudwatch_log_resource_policy",
        "policy_document",
        PolicyType::Resource,
    ),
    (
        "aws_cloudwatch_event_bus_policy",
        "policy",
        PolicyType::Resource,
    ),
    ("aws_vpc_endpoint", "policy", PolicyType::Resource),
    ("aws_vpc_endpoint_policy", "policy", PolicyType::Resource),
    (
        "aws_dynamodb_resource_policy",
        "policy",
        PolicyType::Resource,
    ),
    (
        "aws_kinesis_resource_policy",
        "policy",
        PolicyType::Resource,
    ),
    (
        "aws_api_gateway_rest_api_policy",
        "policy",
        PolicyType::Resource,
    ),
    ("aws_api_gateway_rest_api", "policy", PolicyType::Resource),
    (
        "aws_codeartifact_domain_permissions_policy",
        "policy_document",
        PolicyType::Resource,
    ),
    (
        "aws_codeartifact_repository_permissions_policy",
        "policy_document",
        PolicyType::Resource,
    ),
    (
        "aws_media_store_container_policy",
        "policy",
        PolicyType::Resource,
    ),
];

pub(crate) fn extract(root: &Node, text: &str, out: &mut Extraction) {
    let module = root
        .get("planned_values")
        .or_else(|| root.get("values"))
        .and_then(|v| v.get("root_module"));
    let Some(module) = module else {
        out.errors.push(IacError::new(
            Code::InvalidTemplate,
            "the plan has no `planned_values.root_module` (nor `values.root_module`)".to_owned(),
            root.span,
        ));
        return;
    };
    let unknown = unknown_attributes(root);
    let mut stack = vec![module];
    let mut depth = 0usize;
    while let Some(m) = stack.pop() {
        depth += 1;
        if depth > 100_000 {
            break;
        }
        if let Some(Node {
            kind: Kind::Seq(resources),
            ..
        }) = m.get("resources")
        {
            for r in resources {
                resource(r, text, &unknown, out);
            }
        }
        if let Some(Node {
            kind: Kind::Seq(children),
            ..
        }) = m.get("child_modules")
        {
            // Reversed so that modules come out in plan order.
            stack.extend(children.iter().rev());
        }
    }
}

/// `address.attribute` of values known only after apply (`resource_changes[].change.after_unknown`).
fn unknown_attributes(root: &Node) -> Vec<(String, String, crate::source::Span)> {
    let mut out = Vec::new();
    let Some(Node {
        kind: Kind::Seq(changes),
        ..
    }) = root.get("resource_changes")
    else {
        return out;
    };
    for c in changes {
        let (Some(address), Some(unknown)) = (
            c.get("address").and_then(Node::as_str),
            c.get("change").and_then(|c| c.get("after_unknown")),
        ) else {
            continue;
        };
        let ty = c.get("type").and_then(Node::as_str).unwrap_or_default();
        for (t, attr, _) in ATTRIBUTES {
            if *t == ty && matches!(unknown.get(attr).map(|n| &n.kind), Some(Kind::Bool(true))) {
                out.push((address.to_owned(), (*attr).to_owned(), c.span));
            }
        }
    }
    out
}

fn resource(
    r: &Node,
    text: &str,
    unknown: &[(String, String, crate::source::Span)],
    out: &mut Extraction,
) {
    if r.get("mode").and_then(Node::as_str) == Some("data") {
        return;
    }
    let (Some(address), Some(ty)) = (
        r.get("address").and_then(Node::as_str),
        r.get("type").and_then(Node::as_str),
    ) else {
        return;
    };
    let Some(values) = r.get("values") else {
        return;
    };
    let mut targets: Vec<(String, &Node, PolicyType)> = Vec::new();
    for (t, attr, policy_type) in ATTRIBUTES {
        if *t != ty {
            continue;
        }
        match values.get(attr) {
            Some(v) if !matches!(v.kind, Kind::Null) => {
                targets.push(((*attr).to_owned(), v, *policy_type))
            }
            _ => {
                if let Some((_, _, span)) =
                    unknown.iter().find(|(a, at, _)| a == address && at == attr)
                {
                    out.notes.push(IacError::new(
                        Code::IacPolicySkipped,
                        format!("`{address}.{attr}` is known only after apply; it was not checked"),
                        *span,
                    ));
                }
            }
        }
    }
    if ty == "aws_iam_role"
        && let Some(Node {
            kind: Kind::Seq(items),
            ..
        }) = values.get("inline_policy")
    {
        for (i, item) in items.iter().enumerate() {
            if let Some(p) = item.get("policy") {
                targets.push((
                    format!("inline_policy[{i}].policy"),
                    p,
                    PolicyType::Identity,
                ));
            }
        }
    }
    if ty == "aws_organizations_policy" {
        let policy_type = match values.get("type").and_then(Node::as_str) {
            Some("SERVICE_CONTROL_POLICY") => Some(PolicyType::Scp),
            Some("RESOURCE_CONTROL_POLICY") => Some(PolicyType::Rcp),
            _ => None,
        };
        if let (Some(t), Some(c)) = (policy_type, values.get("content")) {
            targets.push(("content".to_owned(), c, t));
        }
    }
    for (attr, node, policy_type) in targets {
        let locator = format!("{address}.{attr}");
        let Kind::Str(s, _) = &node.kind else {
            out.errors.push(IacError::new(
                Code::InvalidTemplate,
                format!(
                    "`{locator}` must be a policy document as a JSON string, not a {}",
                    node.type_name()
                ),
                node.span,
            ));
            continue;
        };
        if s.trim().is_empty() {
            continue;
        }
        let raw = node.span.slice(text).unwrap_or_default();
        out.policies.push(EmbeddedPolicy {
            locator,
            resource: address.to_owned(),
            resource_type: ty.to_owned(),
            policy_type,
            text: s.clone(),
            span: node.span,
            unresolved: Vec::new(),
            map: SpanMap::Bytes(emit::json_string_offsets(raw, node.span.start)),
            uncertain: Vec::new(),
        });
    }
}
