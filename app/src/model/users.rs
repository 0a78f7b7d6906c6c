//! Users, roles and sessions.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

string_enum! {
    Role {
        Admin => "admin",
        Viewer => "viewer",
    }
}

/// A signed-in caller: the stored user's name and role (never the role a token claims).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct UserInfo {
    pub username: String,
    pub role: Role,
    /// The name of the API token the request came with; `None` for a browser sign-in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

impl UserInfo {
    pub fn new(username: impl Into<String>, role: Role) -> Self {
        UserInfo { username: username.into(), role, token: None }
    }

    /// How the audit log names this caller: `ana`, or `ana (token deploy)` for a named token.
    pub fn actor(&self) -> String {
        match &self.token {
            Some(name) => format!("{} (token {name})", self.username),
            None => self.username.clone(),
        }
    }
}

string_enum! {
    /// What a session was opened by: a sign-in (browser or `POST /api/auth/login`), or a
    /// long-lived token issued for scripts (`jobintel token issue`).
    SessionKind {
        SignIn => "sign_in",
        Token => "token",
    }
}

/// A session: every token carries the id of one, and a request is served only while its
/// session is live (not revoked, not expired) and its user is enabled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Session {
    pub id: String,
    pub username: String,
    pub kind: SessionKind,
    /// A token's name (the audit log names it); empty for sign-ins.
    pub name: String,
    /// The client address at sign-in (`cli` for issued tokens).
    pub client: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl Session {
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at > now
    }
}
