//! The "secret-server" workload: a deterministic set of roles, secrets, policies and requests
//! shared by the criterion benches and the side-by-side comparison in `benches/compare/`.
//!
//! Only `std` is used, so the module can be included from any bench target with
//! `#[path = "..."] mod workload;`.
//!
//! The shape follows a Secrets Manager deployment:
//!
//! - 16 teams; each has two roles in account [`ACCOUNT`] (`<team>-app`, `<team>-batch`) tagged
//!   `team=<team>` with a five-statement identity policy, and one consumer role in account
//!   [`CONSUMER_ACCOUNT`] (`<team>-consumer`) allowed to read `prod/*` secrets.
//! - `n` secrets `prod/<team>/<app>-<i>/db-credentials` (about 4 % under `prod/<team>/admin/`),
//!   tagged `team=<team>` (about 3 % tagged with another team by mistake), each with a resource
//!   policy that lets its team's consumer role read the `AWSCURRENT` version and denies every
//!   `secretsmanager:*` call made without TLS.
//! - requests from role sessions, each with the decision the workload intends, computed here by
//!   plain logic over the workload's own structure (not by any policy engine).
//!
//! Evaluation logic of AWS: explicit deny wins; in the same account, the identity policy or the
//! resource policy may allow; across accounts, both must
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html>).
#![allow(
    dead_code,
    reason = "each bench uses a different part of the shared workload"
)]

use std::net::Ipv4Addr;

/// The account that owns the secrets and the team roles.
pub const ACCOUNT: &str = "111122223333";
/// The account of the consumer roles (cross-account readers).
pub const CONSUMER_ACCOUNT: &str = "444455556666";
/// The region of every secret and key.
pub const REGION: &str = "us-east-1";
/// The fixed seed of the standard workload.
pub const SEED: u64 = 0x5EC2_E75E_2B1D_2024;
/// How many requests the standard workload holds for each `n`.
pub const REQUESTS: usize = 4096;
/// The sizes of the standard workload.
pub const SIZES: [usize; 3] = [10, 1_000, 100_000];

/// The teams.
pub const TEAMS: [&str; 16] = [
    "payments", "search", "identity", "billing", "ledger", "growth", "catalog", "checkout",
    "fraud", "risk", "mobile", "platform", "data", "ml", "infra", "support",
];

/// Application names used in secret names.
const APPS: [&str; 8] = [
    "api",
    "worker",
    "gateway",
    "reports",
    "scheduler",
    "ingest",
    "web",
    "sync",
];

/// `secretsmanager:GetSecretValue`.
pub const GET_SECRET_VALUE: &str = "secretsmanager:GetSecretValue";
/// `secretsmanager:DescribeSecret`.
pub const DESCRIBE_SECRET: &str = "secretsmanager:DescribeSecret";
/// `secretsmanager:PutSecretValue`.
pub const PUT_SECRET_VALUE: &str = "secretsmanager:PutSecretValue";
/// `secretsmanager:UpdateSecret`.
pub const UPDATE_SECRET: &str = "secretsmanager:UpdateSecret";
/// `secretsmanager:DeleteSecret`.
pub const DELETE_SECRET: &str = "secretsmanager:DeleteSecret";
/// `secretsmanager:ListSecrets`.
pub const LIST_SECRETS: &str = "secretsmanager:ListSecrets";
/// `kms:Decrypt`.
pub const KMS_DECRYPT: &str = "kms:Decrypt";
/// The actions named in the policies (the write actions are denied by the team roles).
pub const ACTIONS: [&str; 7] = [
    GET_SECRET_VALUE,
    DESCRIBE_SECRET,
    PUT_SECRET_VALUE,
    UPDATE_SECRET,
    DELETE_SECRET,
    LIST_SECRETS,
    KMS_DECRYPT,
];

/// Context key `aws:SourceIp`.
pub const KEY_SOURCE_IP: &str = "aws:SourceIp";
/// Context key `aws:SecureTransport`.
pub const KEY_SECURE_TRANSPORT: &str = "aws:SecureTransport";
/// Context key `aws:PrincipalTag/team`.
pub const KEY_PRINCIPAL_TAG: &str = "aws:PrincipalTag/team";
/// Context key `secretsmanager:ResourceTag/team`.
pub const KEY_RESOURCE_TAG: &str = "secretsmanager:ResourceTag/team";
/// Context key `secretsmanager:VersionStage` (present on `GetSecretValue` only).
pub const KEY_VERSION_STAGE: &str = "secretsmanager:VersionStage";

/// A decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Decision {
    /// Allowed.
    Allow,
    /// Denied by a `Deny` statement.
    ExplicitDeny,
    /// Denied because nothing allowed it.
    ImplicitDeny,
}

/// A context value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ContextValue {
    /// A string.
    String(String),
    /// A boolean.
    Bool(bool),
    /// A multi-valued key.
    List(Vec<String>),
}

/// What a role is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoleKind {
    /// `<team>-app` in [`ACCOUNT`].
    App,
    /// `<team>-batch` in [`ACCOUNT`].
    Batch,
    /// `<team>-consumer` in [`CONSUMER_ACCOUNT`].
    Consumer,
}

/// An IAM role.
#[derive(Clone, Debug)]
pub struct Role {
    /// The role name, `<team>-app`.
    pub name: String,
    /// The role ARN, `arn:aws:iam::<account>:role/<name>`.
    pub arn: String,
    /// The account id.
    pub account: &'static str,
    /// The team (index into [`TEAMS`]).
    pub team_index: usize,
    /// The team, also the value of the role's `team` tag.
    pub team: &'static str,
    /// What the role is for.
    pub kind: RoleKind,
    /// The team's KMS key ARN (team roles only).
    pub kms_key_arn: Option<String>,
    /// The identity policy, IAM JSON text.
    pub policy_json: String,
}

/// A secret.
#[derive(Clone, Debug)]
pub struct Secret {
    /// The name, `prod/<team>/<app>-<i>/db-credentials`.
    pub name: String,
    /// The ARN: `arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 chars>`.
    pub arn: String,
    /// The owning team (from the name).
    pub team: &'static str,
    /// The value of the `team` tag (another team for a mis-tagged secret).
    pub tag_team: &'static str,
    /// Under `prod/<team>/admin/`.
    pub admin: bool,
    /// The resource policy, IAM JSON text.
    pub policy_json: String,
}

impl Secret {
    /// Whether the `team` tag names the owning team.
    #[must_use]
    pub fn correctly_tagged(&self) -> bool {
        self.team == self.tag_team
    }
}

/// What a request is meant to exercise.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RequestKind {
    /// A team role reads one of its team's secrets.
    OwnRead,
    /// A team role describes one of its team's secrets.
    Describe,
    /// The team's consumer role reads a secret from the other account.
    CrossAccountRead,
    /// A team role reads an admin-tier secret of its team.
    AdminRead,
    /// A team role reads or describes without TLS.
    NoTls,
    /// A team role writes or deletes a secret.
    Write,
    /// A team role reads another team's secret.
    OtherTeam,
    /// A team role reads from outside `10.0.0.0/8`.
    OutsideIp,
    /// A team role reads a secret tagged with another team.
    MisTagged,
    /// The consumer role reads the `AWSPREVIOUS` version.
    CrossAccountPrevious,
    /// Another team's consumer role reads a secret.
    WrongConsumer,
    /// The consumer role describes a secret.
    CrossAccountDescribe,
}

/// Kinds and their weights (per cent of the requests).
const KIND_WEIGHTS: [(RequestKind, u64); 12] = [
    (RequestKind::OwnRead, 20),
    (RequestKind::Describe, 10),
    (RequestKind::CrossAccountRead, 13),
    (RequestKind::AdminRead, 6),
    (RequestKind::NoTls, 7),
    (RequestKind::Write, 8),
    (RequestKind::OtherTeam, 7),
    (RequestKind::OutsideIp, 6),
    (RequestKind::MisTagged, 5),
    (RequestKind::CrossAccountPrevious, 6),
    (RequestKind::WrongConsumer, 6),
    (RequestKind::CrossAccountDescribe, 6),
];

/// One request and the decision the workload intends.
#[derive(Clone, Debug)]
pub struct Request {
    /// What the request exercises.
    pub kind: RequestKind,
    /// The caller: `arn:aws:sts::<account>:assumed-role/<role>/<session>`.
    pub session_arn: String,
    /// Index of the session's role in [`Workload::roles`].
    pub role: usize,
    /// The session's role ARN.
    pub role_arn: String,
    /// The caller's account.
    pub principal_account: &'static str,
    /// `service:Action`.
    pub action: &'static str,
    /// Index of the secret in [`Workload::secrets`].
    pub secret: usize,
    /// The secret's ARN.
    pub resource_arn: String,
    /// The account that owns the resource.
    pub resource_account: &'static str,
    /// Condition keys and values.
    pub context: Vec<(String, ContextValue)>,
    /// The decision the workload intends.
    pub expected: Decision,
}

impl Request {
    /// The value of `key` (exact spelling), if present.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&ContextValue> {
        self.context.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    fn get_str(&self, key: &str) -> Option<&str> {
        match self.get(key) {
            Some(ContextValue::String(s)) => Some(s.as_str()),
            _ => None,
        }
    }

    fn get_bool(&self, key: &str) -> Option<bool> {
        match self.get(key) {
            Some(ContextValue::Bool(b)) => Some(*b),
            _ => None,
        }
    }
}

/// The whole workload.
#[derive(Clone, Debug)]
pub struct Workload {
    /// Team roles (`app`, `batch` for each team, in team order), then consumer roles.
    pub roles: Vec<Role>,
    /// The secrets.
    pub secrets: Vec<Secret>,
    /// The requests.
    pub requests: Vec<Request>,
}

impl Workload {
    /// Share of each decision among the requests, in per cent: (allow, explicit deny, implicit
    /// deny).
    #[must_use]
    pub fn mix(&self) -> (f64, f64, f64) {
        let total = self.requests.len().max(1) as f64;
        let count = |d: Decision| {
            self.requests.iter().filter(|r| r.expected == d).count() as f64 * 100.0 / total
        };
        (
            count(Decision::Allow),
            count(Decision::ExplicitDeny),
            count(Decision::ImplicitDeny),
        )
    }
}

/// The ARN prefix of every secret.
#[must_use]
pub fn secret_arn_prefix() -> String {
    format!("arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:")
}

/// A team role's ARN.
#[must_use]
pub fn role_arn(account: &str, name: &str) -> String {
    format!("arn:aws:iam::{account}:role/{name}")
}

/// The identity policy of a team role (`app` or `batch`).
#[must_use]
pub fn team_role_policy(team: &str, kms_key_arn: &str) -> String {
    let prefix = secret_arn_prefix();
    format!(
        r#"{{
  "Version": "2012-10-17",
  "Statement": [
    {{
      "Sid": "ReadTeamSecrets",
      "Effect": "Allow",
      "Action": ["{GET_SECRET_VALUE}", "{DESCRIBE_SECRET}"],
      "Resource": "{prefix}prod/{team}/*",
      "Condition": {{
        "StringEquals": {{"{KEY_RESOURCE_TAG}": "${{{KEY_PRINCIPAL_TAG}}}"}},
        "IpAddress": {{"{KEY_SOURCE_IP}": "10.0.0.0/8"}},
        "Bool": {{"{KEY_SECURE_TRANSPORT}": "true"}}
      }}
    }},
    {{
      "Sid": "DenyAdminTier",
      "Effect": "Deny",
      "Action": "{GET_SECRET_VALUE}",
      "Resource": "{prefix}prod/{team}/admin/*"
    }},
    {{
      "Sid": "DenyWrites",
      "Effect": "Deny",
      "Action": ["{PUT_SECRET_VALUE}", "{UPDATE_SECRET}", "{DELETE_SECRET}"],
      "Resource": "*"
    }},
    {{
      "Sid": "ListSecrets",
      "Effect": "Allow",
      "Action": "{LIST_SECRETS}",
      "Resource": "*"
    }},
    {{
      "Sid": "DecryptViaSecretsManager",
      "Effect": "Allow",
      "Action": "{KMS_DECRYPT}",
      "Resource": "{kms_key_arn}",
      "Condition": {{
        "StringEquals": {{"kms:ViaService": "secretsmanager.{REGION}.amazonaws.com"}}
      }}
    }}
  ]
}}"#
    )
}

/// The identity policy of a consumer role.
#[must_use]
pub fn consumer_policy() -> String {
    let prefix = secret_arn_prefix();
    format!(
        r#"{{
  "Version": "2012-10-17",
  "Statement": [
    {{
      "Sid": "ReadProdSecrets",
      "Effect": "Allow",
      "Action": "{GET_SECRET_VALUE}",
      "Resource": "{prefix}prod/*"
    }}
  ]
}}"#
    )
}

/// The resource policy of a secret owned by `team`.
#[must_use]
pub fn secret_policy(team: &str) -> String {
    let consumer = role_arn(CONSUMER_ACCOUNT, &format!("{team}-consumer"));
    format!(
        r#"{{
  "Version": "2012-10-17",
  "Statement": [
    {{
      "Sid": "ConsumerReadsCurrent",
      "Effect": "Allow",
      "Principal": {{"AWS": "{consumer}"}},
      "Action": "{GET_SECRET_VALUE}",
      "Resource": "*",
      "Condition": {{"StringEquals": {{"{KEY_VERSION_STAGE}": "AWSCURRENT"}}}}
    }},
    {{
      "Sid": "DenyInsecureTransport",
      "Effect": "Deny",
      "Principal": "*",
      "Action": "secretsmanager:*",
      "Resource": "*",
      "Condition": {{"Bool": {{"{KEY_SECURE_TRANSPORT}": "false"}}}}
    }}
  ]
}}"#
    )
}

/// splitmix64: small, fast, deterministic.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    #[must_use]
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`0` when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        // The modulo bias is irrelevant at these sizes.
        usize::try_from(self.next_u64() % (n as u64)).unwrap_or(0)
    }

    /// True with probability `percent` / 100.
    pub fn percent(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    /// An element of `items`.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        let i = self.below(items.len());
        items.get(i)
    }

    fn alphanumeric(&mut self, len: usize) -> String {
        const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        (0..len)
            .filter_map(|_| self.pick(CHARS).map(|&b| char::from(b)))
            .collect()
    }

    fn hex(&mut self, len: usize) -> String {
        const CHARS: &[u8] = b"0123456789abcdef";
        (0..len)
            .filter_map(|_| self.pick(CHARS).map(|&b| char::from(b)))
            .collect()
    }
}

fn team_name(i: usize) -> &'static str {
    TEAMS.get(i % TEAMS.len()).copied().unwrap_or("payments")
}

/// Index of a team's role of `kind` in [`Workload::roles`].
#[must_use]
pub fn role_index(team_index: usize, kind: RoleKind) -> usize {
    match kind {
        RoleKind::App => team_index * 2,
        RoleKind::Batch => team_index * 2 + 1,
        RoleKind::Consumer => TEAMS.len() * 2 + team_index,
    }
}

fn make_roles(rng: &mut Rng) -> Vec<Role> {
    let mut roles = Vec::with_capacity(TEAMS.len() * 3);
    let mut consumers = Vec::with_capacity(TEAMS.len());
    for (team_index, &team) in TEAMS.iter().enumerate() {
        let key = format!(
            "arn:aws:kms:{REGION}:{ACCOUNT}:key/{}-{}-{}-{}-{}",
            rng.hex(8),
            rng.hex(4),
            rng.hex(4),
            rng.hex(4),
            rng.hex(12)
        );
        for kind in [RoleKind::App, RoleKind::Batch] {
            let name = match kind {
                RoleKind::App => format!("{team}-app"),
                _ => format!("{team}-batch"),
            };
            roles.push(Role {
                arn: role_arn(ACCOUNT, &name),
                name,
                account: ACCOUNT,
                team_index,
                team,
                kind,
                policy_json: team_role_policy(team, &key),
                kms_key_arn: Some(key.clone()),
            });
        }
        let name = format!("{team}-consumer");
        consumers.push(Role {
            arn: role_arn(CONSUMER_ACCOUNT, &name),
            name,
            account: CONSUMER_ACCOUNT,
            team_index,
            team,
            kind: RoleKind::Consumer,
            kms_key_arn: None,
            policy_json: consumer_policy(),
        });
    }
    roles.extend(consumers);
    roles
}

fn make_secrets(rng: &mut Rng, n: usize) -> Vec<Secret> {
    let prefix = secret_arn_prefix();
    (0..n)
        .map(|i| {
            let team_index = rng.below(TEAMS.len());
            let team = team_name(team_index);
            let app = rng.pick(&APPS).copied().unwrap_or("api");
            // Secrets 1 and 2 make sure that every size has an admin-tier and a mis-tagged
            // secret.
            let admin = i == 1 || (i > 2 && rng.percent(4));
            let mistagged = i == 2 || (i > 2 && rng.percent(3));
            let tag_team = if mistagged {
                team_name(team_index + 1 + rng.below(TEAMS.len() - 1))
            } else {
                team
            };
            let name = if admin {
                format!("prod/{team}/admin/{app}-{i}/db-credentials")
            } else {
                format!("prod/{team}/{app}-{i}/db-credentials")
            };
            let arn = format!("{prefix}{name}-{}", rng.alphanumeric(6));
            Secret {
                name,
                arn,
                team,
                tag_team,
                admin,
                policy_json: secret_policy(team),
            }
        })
        .collect()
}

fn inside_ip(rng: &mut Rng) -> String {
    format!(
        "10.{}.{}.{}",
        rng.below(256),
        rng.below(256),
        1 + rng.below(254)
    )
}

fn outside_ip(rng: &mut Rng) -> String {
    let net = rng
        .pick(&["192.0.2", "198.51.100", "203.0.113", "172.16.4"])
        .copied();
    format!("{}.{}", net.unwrap_or("192.0.2"), 1 + rng.below(254))
}

/// Secrets by category, for picking request targets.
struct Pools {
    regular: Vec<usize>,
    admin: Vec<usize>,
    mistagged: Vec<usize>,
}

/// The parts of a request a kind chooses.
struct Draft {
    role: usize,
    secret: usize,
    action: &'static str,
    source_ip: String,
    secure: bool,
    stage: &'static str,
}

fn draft(rng: &mut Rng, kind: RequestKind, secrets: &[Secret], pools: &Pools) -> Option<Draft> {
    use RequestKind as K;
    let pool = match kind {
        K::AdminRead => &pools.admin,
        K::MisTagged => &pools.mistagged,
        _ => &pools.regular,
    };
    let secret_index = *rng.pick(pool)?;
    let secret = secrets.get(secret_index)?;
    let owner = TEAMS.iter().position(|&t| t == secret.team)?;
    let team_role = if rng.percent(50) {
        RoleKind::App
    } else {
        RoleKind::Batch
    };
    let other_team = (owner + 1 + rng.below(TEAMS.len() - 1)) % TEAMS.len();
    let stage = if rng.percent(90) {
        "AWSCURRENT"
    } else {
        "AWSPREVIOUS"
    };
    let mut d = Draft {
        role: role_index(owner, team_role),
        secret: secret_index,
        action: GET_SECRET_VALUE,
        source_ip: inside_ip(rng),
        secure: true,
        stage,
    };
    match kind {
        K::OwnRead | K::AdminRead => {}
        K::Describe => d.action = DESCRIBE_SECRET,
        K::CrossAccountRead => {
            d.role = role_index(owner, RoleKind::Consumer);
            d.source_ip = outside_ip(rng);
            d.stage = "AWSCURRENT";
        }
        K::NoTls => {
            d.secure = false;
            if rng.percent(30) {
                d.action = DESCRIBE_SECRET;
            }
        }
        K::Write => {
            d.action = *rng.pick(&[PUT_SECRET_VALUE, UPDATE_SECRET, DELETE_SECRET])?;
        }
        K::OtherTeam => d.role = role_index(other_team, team_role),
        K::OutsideIp => d.source_ip = outside_ip(rng),
        K::MisTagged => {
            if rng.percent(30) {
                d.action = DESCRIBE_SECRET;
            }
        }
        K::CrossAccountPrevious => {
            d.role = role_index(owner, RoleKind::Consumer);
            d.source_ip = outside_ip(rng);
            d.stage = "AWSPREVIOUS";
        }
        K::WrongConsumer => {
            d.role = role_index(other_team, RoleKind::Consumer);
            d.source_ip = outside_ip(rng);
            d.stage = "AWSCURRENT";
        }
        K::CrossAccountDescribe => {
            d.role = role_index(owner, RoleKind::Consumer);
            d.source_ip = outside_ip(rng);
            d.action = DESCRIBE_SECRET;
        }
    }
    Some(d)
}

fn pick_kind(rng: &mut Rng) -> RequestKind {
    let total: u64 = KIND_WEIGHTS.iter().map(|(_, w)| w).sum();
    let mut x = rng.next_u64() % total;
    for &(kind, weight) in &KIND_WEIGHTS {
        if x < weight {
            return kind;
        }
        x -= weight;
    }
    RequestKind::OwnRead
}

fn build_request(
    rng: &mut Rng,
    kind: RequestKind,
    roles: &[Role],
    secrets: &[Secret],
    pools: &Pools,
) -> Option<Request> {
    let d = draft(rng, kind, secrets, pools)?;
    let role = roles.get(d.role)?;
    let secret = secrets.get(d.secret)?;
    let session = format!("{}-{}", role.kind_label(), rng.hex(12));
    let mut context = vec![
        (KEY_SOURCE_IP.to_owned(), ContextValue::String(d.source_ip)),
        (
            KEY_SECURE_TRANSPORT.to_owned(),
            ContextValue::Bool(d.secure),
        ),
        (
            KEY_PRINCIPAL_TAG.to_owned(),
            ContextValue::String(role.team.to_owned()),
        ),
        (
            KEY_RESOURCE_TAG.to_owned(),
            ContextValue::String(secret.tag_team.to_owned()),
        ),
    ];
    if d.action == GET_SECRET_VALUE {
        context.push((
            KEY_VERSION_STAGE.to_owned(),
            ContextValue::String(d.stage.to_owned()),
        ));
    }
    let mut request = Request {
        kind,
        session_arn: format!(
            "arn:aws:sts::{}:assumed-role/{}/{session}",
            role.account, role.name
        ),
        role: d.role,
        role_arn: role.arn.clone(),
        principal_account: role.account,
        action: d.action,
        secret: d.secret,
        resource_arn: secret.arn.clone(),
        resource_account: ACCOUNT,
        context,
        expected: Decision::ImplicitDeny,
    };
    request.expected = intended_decision(role, secret, &request);
    Some(request)
}

impl Role {
    fn kind_label(&self) -> &'static str {
        match self.kind {
            RoleKind::App => "app",
            RoleKind::Batch => "batch",
            RoleKind::Consumer => "consumer",
        }
    }
}

/// (allows, denies) of a policy for a request.
type Effects = (bool, bool);

fn source_ip_in_ten_slash_eight(request: &Request) -> bool {
    request
        .get_str(KEY_SOURCE_IP)
        .and_then(|s| s.parse::<Ipv4Addr>().ok())
        .is_some_and(|ip| ip.octets().first() == Some(&10))
}

/// What the role's identity policy says about the request (the policies of
/// [`team_role_policy`] and [`consumer_policy`], read as plain logic).
fn identity_effects(role: &Role, request: &Request) -> Effects {
    let prefix = secret_arn_prefix();
    let resource = request.resource_arn.as_str();
    let under = |path: &str| {
        resource
            .strip_prefix(prefix.as_str())
            .is_some_and(|name| name.starts_with(path))
    };
    match role.kind {
        RoleKind::App | RoleKind::Batch => {
            let team_prefix = format!("prod/{}/", role.team);
            let read = matches!(request.action, GET_SECRET_VALUE | DESCRIBE_SECRET);
            let tags_match = matches!(
                (request.get_str(KEY_RESOURCE_TAG), request.get_str(KEY_PRINCIPAL_TAG)),
                (Some(r), Some(p)) if r == p
            );
            let allow_read = read
                && under(&team_prefix)
                && tags_match
                && source_ip_in_ten_slash_eight(request)
                && request.get_bool(KEY_SECURE_TRANSPORT) == Some(true);
            let deny_admin =
                request.action == GET_SECRET_VALUE && under(&format!("{team_prefix}admin/"));
            let deny_write = matches!(
                request.action,
                PUT_SECRET_VALUE | UPDATE_SECRET | DELETE_SECRET
            );
            let allow_list = request.action == LIST_SECRETS;
            (allow_read || allow_list, deny_admin || deny_write)
        }
        RoleKind::Consumer => (request.action == GET_SECRET_VALUE && under("prod/"), false),
    }
}

/// What the secret's resource policy ([`secret_policy`]) says about the request.
fn resource_effects(secret: &Secret, role: &Role, request: &Request) -> Effects {
    let consumer = role_arn(CONSUMER_ACCOUNT, &format!("{}-consumer", secret.team));
    let allow = role.arn == consumer
        && request.action == GET_SECRET_VALUE
        && request.get_str(KEY_VERSION_STAGE) == Some("AWSCURRENT");
    let deny = request.action.starts_with("secretsmanager:")
        && request.get_bool(KEY_SECURE_TRANSPORT) == Some(false);
    (allow, deny)
}

/// The decision the workload intends for `request`.
#[must_use]
pub fn intended_decision(role: &Role, secret: &Secret, request: &Request) -> Decision {
    let (identity_allows, identity_denies) = identity_effects(role, request);
    let (resource_allows, resource_denies) = resource_effects(secret, role, request);
    if identity_denies || resource_denies {
        return Decision::ExplicitDeny;
    }
    let allowed = if request.principal_account == request.resource_account {
        identity_allows || resource_allows
    } else {
        identity_allows && resource_allows
    };
    if allowed {
        Decision::Allow
    } else {
        Decision::ImplicitDeny
    }
}

/// The workload with `n` secrets and `requests` requests, from `seed`.
#[must_use]
pub fn generate(n: usize, requests: usize, seed: u64) -> Workload {
    let mut rng = Rng::new(seed ^ (n as u64).wrapping_mul(0x2545_F491_4F6C_DD1D));
    let roles = make_roles(&mut rng);
    let secrets = make_secrets(&mut rng, n);
    let mut pools = Pools {
        regular: Vec::new(),
        admin: Vec::new(),
        mistagged: Vec::new(),
    };
    for (i, s) in secrets.iter().enumerate() {
        if s.admin {
            pools.admin.push(i);
        } else if !s.correctly_tagged() {
            pools.mistagged.push(i);
        } else {
            pools.regular.push(i);
        }
    }
    let mut out = Vec::with_capacity(requests);
    // A kind whose pool is empty (tiny `n`) draws again; the bound keeps this finite.
    let mut attempts = 0usize;
    while out.len() < requests && attempts < requests.saturating_mul(100) {
        attempts += 1;
        let kind = pick_kind(&mut rng);
        if let Some(r) = build_request(&mut rng, kind, &roles, &secrets, &pools) {
            out.push(r);
        }
    }
    Workload {
        roles,
        secrets,
        requests: out,
    }
}

/// The standard workload for `n` secrets.
#[must_use]
pub fn standard(n: usize) -> Workload {
    generate(n, REQUESTS, SEED)
}

/// Gives every secret a resource policy document of its own, as real deployments have (the
/// first statement's `Sid` names the secret's index; decisions do not change).
pub fn make_distinct(w: &mut Workload) {
    for (i, secret) in w.secrets.iter_mut().enumerate() {
        secret.policy_json = secret.policy_json.replacen(
            "\"ConsumerReadsCurrent\"",
            &format!("\"ConsumerReadsCurrent{i}\""),
            1,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mix_is_close_to_the_target_for_every_size() {
        for n in SIZES {
            let w = standard(n);
            assert_eq!(w.requests.len(), REQUESTS);
            assert_eq!(w.secrets.len(), n);
            assert_eq!(w.roles.len(), 48);
            let (allow, explicit, implicit) = w.mix();
            let admin = w.secrets.iter().filter(|s| s.admin).count() as f64 * 100.0 / n as f64;
            let mistagged = w.secrets.iter().filter(|s| !s.correctly_tagged()).count() as f64
                * 100.0
                / n as f64;
            println!(
                "N={n}: allow {allow:.1} % explicit deny {explicit:.1} % implicit deny \
                 {implicit:.1} % (admin secrets {admin:.1} %, mis-tagged {mistagged:.1} %)"
            );
            assert!((40.0..=46.0).contains(&allow), "allow {allow}");
            assert!((18.0..=24.0).contains(&explicit), "explicit {explicit}");
            assert!((33.0..=39.0).contains(&implicit), "implicit {implicit}");
            if n >= 1000 {
                assert!((3.0..=5.5).contains(&admin), "admin {admin}");
                assert!((2.0..=4.5).contains(&mistagged), "mis-tagged {mistagged}");
            }
        }
    }

    #[test]
    fn generation_is_deterministic() {
        let a = standard(1000);
        let b = standard(1000);
        let arns = |w: &Workload| w.secrets.iter().map(|s| s.arn.clone()).collect::<Vec<_>>();
        assert_eq!(arns(&a), arns(&b));
        let sessions = |w: &Workload| {
            w.requests
                .iter()
                .map(|r| (r.session_arn.clone(), r.expected))
                .collect::<Vec<_>>()
        };
        assert_eq!(sessions(&a), sessions(&b));
    }

    #[test]
    fn every_kind_gets_its_intended_decision() {
        let w = standard(1000);
        for r in &w.requests {
            let want = match r.kind {
                RequestKind::OwnRead | RequestKind::Describe | RequestKind::CrossAccountRead => {
                    Decision::Allow
                }
                RequestKind::AdminRead | RequestKind::NoTls | RequestKind::Write => {
                    Decision::ExplicitDeny
                }
                _ => Decision::ImplicitDeny,
            };
            assert_eq!(
                r.expected, want,
                "{:?} {} {}",
                r.kind, r.action, r.resource_arn
            );
        }
    }

    #[test]
    fn names_and_arns_have_the_documented_shape() {
        let w = standard(10);
        let s = &w.secrets[0];
        assert!(s.name.starts_with(&format!("prod/{}/", s.team)));
        assert!(s.name.ends_with("/db-credentials"));
        let suffix = s.arn.rsplit('-').next().unwrap();
        assert_eq!(suffix.len(), 6);
        assert!(suffix.chars().all(|c| c.is_ascii_alphanumeric()));
        assert!(w.secrets[1].name.contains("/admin/"));
        assert!(!w.secrets[2].correctly_tagged());
        let r = &w.requests[0];
        assert!(r.session_arn.starts_with(&format!(
            "arn:aws:sts::{}:assumed-role/{}/",
            r.principal_account, w.roles[r.role].name
        )));
        assert!(w.roles[0].policy_json.contains("${aws:PrincipalTag/team}"));
    }
}
