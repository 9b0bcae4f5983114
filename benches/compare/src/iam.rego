# IAM evaluation of the secret-server workload in Rego.
#
# data.roles[<role ARN>].policy    the role's identity policy (the IAM JSON document, as is)
# data.secrets[<secret ARN>].policy the secret's resource policy (the IAM JSON document, as is)
#
# input: principal (session ARN), principal_role (its role ARN), principal_account, action,
# resource (secret ARN), resource_account, context (condition keys lower-cased).
#
# Supported: Statement as array or object; Action, Resource and Principal.AWS as string or
# array; `*` and `?` wildcards; the operators StringEquals,
# IpAddress and Bool; a policy value that is a whole `${key}` variable.
package iam

import rego.v1

default decision := "ImplicitDeny"

decision := "ExplicitDeny" if explicit_deny

decision := "Allow" if {
	not explicit_deny
	allowed
}

identity_statements := statements(data.roles[input.principal_role].policy)

resource_statements := statements(data.secrets[input.resource].policy)

explicit_deny if {
	some s in identity_statements
	s.Effect == "Deny"
	applies(s)
}

explicit_deny if {
	some s in resource_statements
	s.Effect == "Deny"
	applies(s)
}

identity_allows if {
	some s in identity_statements
	s.Effect == "Allow"
	applies(s)
}

resource_allows if {
	some s in resource_statements
	s.Effect == "Allow"
	applies(s)
}

same_account if input.principal_account == input.resource_account

allowed if {
	same_account
	identity_allows
}

allowed if {
	same_account
	resource_allows
}

allowed if {
	not same_account
	identity_allows
	resource_allows
}

statements(p) := p.Statement if is_array(p.Statement)

statements(p) := [p.Statement] if is_object(p.Statement)

as_list(x) := x if is_array(x)

as_list(x) := [x] if is_string(x)

applies(s) if {
	action_matches(s)
	resource_matches(s)
	principal_matches(s)
	conditions_hold(s)
}

# Action names compare without regard to case.
action_matches(s) if {
	some a in as_list(s.Action)
	wildcard_match(lower(a), lower(input.action))
}

resource_matches(s) if {
	some r in as_list(s.Resource)
	wildcard_match(r, input.resource)
}

# IAM wildcards: `*` any run of characters, `?` one character. The two common shapes (no
# wildcard, one trailing `*`) avoid glob.match, which is much slower in regorus.
wildcard_match(p, s) if {
	not has_wildcard(p)
	p == s
}

wildcard_match(p, s) if {
	endswith(p, "*")
	prefix := trim_suffix(p, "*")
	not has_wildcard(prefix)
	startswith(s, prefix)
}

wildcard_match(p, s) if {
	needs_glob(p)
	glob.match(p, null, s)
}

has_wildcard(p) if contains(p, "*")

has_wildcard(p) if contains(p, "?")

needs_glob(p) if has_wildcard(trim_suffix(p, "*"))

needs_glob(p) if {
	has_wildcard(p)
	not endswith(p, "*")
}

# Identity policies have no Principal.
principal_matches(s) if not s.Principal

principal_matches(s) if s.Principal == "*"

principal_matches(s) if {
	some p in as_list(s.Principal.AWS)
	principal_is(p)
}

principal_is(p) if p == "*"

principal_is(p) if p == input.principal_role

principal_is(p) if p == input.principal

conditions_hold(s) if not s.Condition

conditions_hold(s) if {
	every op, block in s.Condition {
		every key, values in block {
			condition(op, lower(key), as_list(values))
		}
	}
}

condition("StringEquals", key, values) if {
	v := input.context[key]
	some p in values
	resolve(p) == v
}

condition("IpAddress", key, values) if {
	v := input.context[key]
	some p in values
	net.cidr_contains(p, v)
}

condition("Bool", key, values) if {
	v := input.context[key]
	some p in values
	bool_text(v) == lower(p)
}

bool_text(v) := "true" if v == true

bool_text(v) := "false" if v == false

bool_text(v) := lower(v) if is_string(v)

# A policy value that is one whole variable takes the context value; other values are literal.
resolve(p) := input.context[lower(trim_suffix(trim_prefix(p, "${"), "}"))] if {
	startswith(p, "${")
	endswith(p, "}")
}

resolve(p) := p if not startswith(p, "${")
