//! Users, sign-in, sessions and tokens.
//!
//! Every token belongs to a session in the store. `authenticate` honours a token only while
//! its session is live and its user enabled, and takes the role from the stored user. Signing
//! out ends the session; a password change, a role change, disabling a user and
//! `user revoke` end all of that user's sessions.

use super::{Actor, Services};
use crate::auth::{self, hash_password, verify_password};
use crate::error::{ServiceError, ServiceResult};
use crate::store::{self, User};
use app::error::AppError;
use app::model::{Role, Session, SessionKind, UserInfo};
use serde_json::json;

/// Browser sessions and login tokens last this long.
pub const SESSION_TTL_HOURS: i64 = 12;
/// How many characters a token's name may have.
const TOKEN_NAME_MAX: usize = 64;

fn validate_username(name: &str) -> Result<(), AppError> {
    let ok_chars = name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !(3..=64).contains(&name.len()) || !ok_chars {
        return Err(AppError::Invalid(
            "username must be 3–64 characters of letters, digits, '.', '_' or '-'".into(),
        ));
    }
    Ok(())
}

fn validate_token_name(name: &str) -> Result<(), AppError> {
    let ok_chars =
        name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | ' '));
    if name.trim().is_empty() || name.len() > TOKEN_NAME_MAX || !ok_chars {
        return Err(AppError::Invalid(format!(
            "token name must be 1–{TOKEN_NAME_MAX} characters of letters, digits, spaces, '.', \
             '_' or '-'"
        )));
    }
    Ok(())
}

fn unauthorized() -> AppError {
    AppError::Unauthorized("invalid or expired token".into())
}

impl Services {
    /// Creates a user. `actor` is `None` for the CLI (an operator on the machine).
    pub async fn create_user(
        &self,
        actor: Actor<'_>,
        username: &str,
        role: Role,
        password: String,
    ) -> ServiceResult<UserInfo> {
        let who = actor.admin()?;
        validate_username(username)?;
        auth::validate_password(&password)?;
        let now = self.now();
        let user = User {
            id: store::new_id(),
            username: username.to_string(),
            role,
            password_hash: hash_password(password).await?,
            disabled: false,
            created_at: now,
            updated_at: now,
        };
        self.store.insert_user(&user).await.map_err(|e| match e {
            store::StoreError::Duplicate { .. } => {
                ServiceError::from(AppError::Conflict(format!("user `{username}` already exists")))
            }
            other => other.into(),
        })?;
        self.audit(&who, "user.create", username, json!({"role": role})).await;
        Ok(UserInfo::new(user.username, role))
    }

    pub async fn list_users(&self) -> ServiceResult<Vec<UserInfo>> {
        Ok(self
            .store
            .list_users()
            .await?
            .into_iter()
            .map(|u| UserInfo::new(u.username, u.role))
            .collect())
    }

    /// Sets a password and ends every session of the user.
    pub async fn set_password(&self, username: &str, password: String) -> ServiceResult<()> {
        auth::validate_password(&password)?;
        let hash = hash_password(password).await?;
        if !self.store.set_password_hash(username, &hash).await? {
            return Err(AppError::not_found("user", username).into());
        }
        let ended = self.end_sessions_of(username).await?;
        self.audit("cli", "user.set_password", username, json!({"sessions_ended": ended})).await;
        Ok(())
    }

    /// Changes a role and ends every session of the user, so no token keeps the old role.
    pub async fn set_role(
        &self,
        actor: Actor<'_>,
        username: &str,
        role: Role,
    ) -> ServiceResult<()> {
        let who = actor.admin()?;
        if !self.store.set_role(username, role).await? {
            return Err(AppError::not_found("user", username).into());
        }
        let ended = self.end_sessions_of(username).await?;
        self.audit(&who, "user.set_role", username, json!({"role": role, "sessions_ended": ended}))
            .await;
        Ok(())
    }

    /// Disables (ending every session) or enables a user.
    pub async fn set_disabled(
        &self,
        actor: Actor<'_>,
        username: &str,
        disabled: bool,
    ) -> ServiceResult<()> {
        let who = actor.admin()?;
        if !self.store.set_disabled(username, disabled).await? {
            return Err(AppError::not_found("user", username).into());
        }
        let ended = if disabled { self.end_sessions_of(username).await? } else { 0 };
        let action = if disabled { "user.disable" } else { "user.enable" };
        self.audit(&who, action, username, json!({"sessions_ended": ended})).await;
        Ok(())
    }

    /// Ends every session of a user (`jobintel user revoke`); returns how many.
    pub async fn revoke_user(&self, actor: Actor<'_>, username: &str) -> ServiceResult<u64> {
        let who = actor.admin()?;
        if self.store.get_user(username).await?.is_none() {
            return Err(AppError::not_found("user", username).into());
        }
        let ended = self.end_sessions_of(username).await?;
        self.audit(&who, "user.revoke", username, json!({"sessions_ended": ended})).await;
        Ok(ended)
    }

    async fn end_sessions_of(&self, username: &str) -> ServiceResult<u64> {
        let ended = self.store.revoke_user_sessions(username, self.now()).await?;
        self.auth.sessions.forget(None, username);
        Ok(ended)
    }

    /// Checks a username and password; opens a session and returns its token. Failures are
    /// throttled per username and per client address, and take the same time whether the user
    /// exists or not. Every checked attempt is audited with the address (throttled attempts are
    /// refused before any check, which keeps a flood out of the audit log).
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        client: &str,
    ) -> ServiceResult<String> {
        let keys = [format!("user:{username}"), format!("ip:{client}")];
        self.auth.limiter.check(&keys, self.now())?;
        let refused = || AppError::Unauthorized("wrong username or password".into());
        if username.len() > 64 || password.len() > auth::PASSWORD_MAX {
            self.auth.limiter.record_failure(&keys, self.now());
            return Err(refused().into());
        }
        let user = self.store.get_user(username).await?;
        let hash = user
            .as_ref()
            .map_or_else(|| self.auth.dummy_hash().clone(), |u| u.password_hash.clone());
        let valid = verify_password(password.to_string(), hash).await;
        match user {
            Some(u) if valid && !u.disabled => {
                self.auth.limiter.clear(&keys[0]);
                let ttl = chrono::Duration::hours(SESSION_TTL_HOURS);
                let session = self.open_session(&u.username, SessionKind::SignIn, "", client, ttl);
                self.store.insert_session(&session).await?;
                self.audit(&u.username, "auth.login", &u.username, json!({"client": client})).await;
                Ok(self.auth.issue(&session)?)
            }
            other => {
                self.auth.limiter.record_failure(&keys, self.now());
                let reason = match other {
                    None => "unknown user",
                    Some(u) if u.disabled && valid => "user disabled",
                    Some(_) => "wrong password",
                };
                tracing::warn!(username, client, reason, "failed login");
                let details = json!({"client": client, "reason": reason});
                self.audit(username, "auth.login_failed", username, details).await;
                Err(refused().into())
            }
        }
    }

    fn open_session(
        &self,
        username: &str,
        kind: SessionKind,
        name: &str,
        client: &str,
        ttl: chrono::Duration,
    ) -> Session {
        let now = self.now();
        Session {
            id: store::new_id(),
            username: username.to_string(),
            kind,
            name: name.to_string(),
            client: client.to_string(),
            created_at: now,
            expires_at: now + ttl,
            revoked_at: None,
        }
    }

    /// The caller behind a token: its session must be live and its user enabled; the role is
    /// the stored one. Checked sessions are trusted for `auth::SESSION_CACHE_TTL`.
    pub async fn authenticate(&self, token: &str) -> ServiceResult<UserInfo> {
        let claims = self.auth.verify(token, self.now())?;
        if let Some(user) = self.auth.sessions.get(&claims.sid, self.now()) {
            return Ok(user);
        }
        let session = self
            .store
            .get_session(&claims.sid)
            .await?
            .filter(|s| s.is_live(self.now()) && s.username == claims.sub)
            .ok_or_else(unauthorized)?;
        let user = self
            .store
            .get_user(&session.username)
            .await?
            .filter(|u| !u.disabled)
            .ok_or_else(unauthorized)?;
        let info = UserInfo {
            username: user.username,
            role: user.role,
            token: (session.kind == SessionKind::Token).then_some(session.name),
        };
        self.auth.sessions.put(&claims.sid, info.clone(), self.now());
        Ok(info)
    }

    /// Signs out: ends the token's session. A token that no longer verifies has nothing to end.
    pub async fn logout(&self, token: &str) -> ServiceResult<()> {
        let Ok(claims) = self.auth.verify(token, self.now()) else { return Ok(()) };
        if self.store.revoke_session(&claims.sid, self.now()).await? {
            self.audit(&claims.sub, "auth.logout", &claims.sub, json!({"session": claims.sid}))
                .await;
        }
        self.auth.sessions.forget(Some(&claims.sid), &claims.sub);
        Ok(())
    }

    /// A named token for scripts (`jobintel token issue`): its own session, listed by
    /// `token list` and ended by `token revoke ID`.
    pub async fn issue_token(
        &self,
        username: &str,
        ttl: chrono::Duration,
        name: &str,
    ) -> ServiceResult<(String, Session)> {
        validate_token_name(name)?;
        let user = self
            .store
            .get_user(username)
            .await?
            .ok_or_else(|| AppError::not_found("user", username))?;
        if user.disabled {
            return Err(AppError::Conflict(format!("user `{username}` is disabled")).into());
        }
        let session = self.open_session(&user.username, SessionKind::Token, name, "cli", ttl);
        self.store.insert_session(&session).await?;
        let token = self.auth.issue(&session)?;
        let details = json!({"ttl_seconds": ttl.num_seconds(), "id": session.id, "name": name});
        self.audit("cli", "token.issue", username, details).await;
        Ok((token, session))
    }

    /// Live sessions, newest first: of one user or all, and only tokens when `tokens_only`.
    pub async fn list_sessions(
        &self,
        actor: Actor<'_>,
        username: Option<&str>,
        tokens_only: bool,
    ) -> ServiceResult<Vec<Session>> {
        actor.admin()?;
        let mut sessions = self.store.list_sessions(username, self.now()).await?;
        sessions.retain(|s| !tokens_only || s.kind == SessionKind::Token);
        Ok(sessions)
    }

    /// Ends one session or token by id.
    pub async fn revoke_session(&self, actor: Actor<'_>, id: &str) -> ServiceResult<()> {
        let who = actor.admin()?;
        let session =
            self.store.get_session(id).await?.ok_or_else(|| AppError::not_found("session", id))?;
        if !self.store.revoke_session(id, self.now()).await? {
            return Err(AppError::Conflict(format!("session `{id}` has already ended")).into());
        }
        self.auth.sessions.forget(Some(id), &session.username);
        let details = json!({"kind": session.kind, "name": session.name});
        self.audit(&who, "session.revoke", &session.username, details).await;
        Ok(())
    }
}
