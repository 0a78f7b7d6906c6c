//! Users, login and tokens.

use super::{Services, require_admin};
use crate::auth::{self, hash_password, verify_password};
use crate::store::{self, User};
use app::error::AppError;
use app::model::{Role, UserInfo};

/// Browser sessions and login tokens last this long.
pub const SESSION_TTL_HOURS: i64 = 12;

fn validate_username(name: &str) -> Result<(), AppError> {
    let ok_chars = name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !(3..=64).contains(&name.len()) || !ok_chars {
        return Err(AppError::Invalid(
            "username must be 3–64 characters of letters, digits, '.', '_' or '-'".into(),
        ));
    }
    Ok(())
}

impl Services {
    /// Creates a user. `actor` is `None` for the CLI (an operator on the machine).
    pub async fn create_user(
        &self,
        actor: Option<&UserInfo>,
        username: &str,
        role: Role,
        password: String,
    ) -> Result<UserInfo, AppError> {
        if let Some(a) = actor {
            require_admin(a)?;
        }
        validate_username(username)?;
        auth::validate_password(&password)?;
        let now = store::now();
        let user = User {
            id: store::new_id(),
            username: username.to_string(),
            role,
            password_hash: hash_password(password).await?,
            created_at: now,
            updated_at: now,
        };
        self.store.insert_user(&user).await.map_err(|e| match e {
            store::StoreError::Duplicate { .. } => {
                AppError::Conflict(format!("user `{username}` already exists"))
            }
            other => other.into(),
        })?;
        let who = actor.map_or("cli", |a| a.username.as_str());
        self.audit(who, "user.create", username, serde_json::json!({"role": role})).await;
        Ok(UserInfo { username: user.username, role })
    }

    pub async fn list_users(&self) -> Result<Vec<UserInfo>, AppError> {
        Ok(self
            .store
            .list_users()
            .await?
            .into_iter()
            .map(|u| UserInfo { username: u.username, role: u.role })
            .collect())
    }

    pub async fn set_password(&self, username: &str, password: String) -> Result<(), AppError> {
        auth::validate_password(&password)?;
        let hash = hash_password(password).await?;
        if !self.store.set_password_hash(username, &hash).await? {
            return Err(AppError::not_found("user", username));
        }
        self.audit("cli", "user.set_password", username, serde_json::Value::Null).await;
        Ok(())
    }

    /// Checks a username and password; returns a session token. Failures are throttled per
    /// username and per client address, and take the same time whether the user exists or not.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        client: &str,
    ) -> Result<String, AppError> {
        let keys = [format!("user:{username}"), format!("ip:{client}")];
        self.auth.limiter.check(&keys)?;
        if username.len() > 64 || password.len() > auth::PASSWORD_MAX {
            self.auth.limiter.record_failure(&keys);
            return Err(AppError::Unauthorized("wrong username or password".into()));
        }
        let user = self.store.get_user(username).await?;
        let hash = user
            .as_ref()
            .map_or_else(|| self.auth.dummy_hash().clone(), |u| u.password_hash.clone());
        let valid = verify_password(password.to_string(), hash).await;
        match user {
            Some(u) if valid => {
                self.auth.limiter.clear(&keys[0]);
                let info = UserInfo { username: u.username, role: u.role };
                self.auth.issue(&info, chrono::Duration::hours(SESSION_TTL_HOURS))
            }
            _ => {
                self.auth.limiter.record_failure(&keys);
                tracing::warn!(username, client, "failed login");
                Err(AppError::Unauthorized("wrong username or password".into()))
            }
        }
    }

    /// A token for scripts (`jobintel token issue`).
    pub async fn issue_token(
        &self,
        username: &str,
        ttl: chrono::Duration,
    ) -> Result<String, AppError> {
        let user = self
            .store
            .get_user(username)
            .await?
            .ok_or_else(|| AppError::not_found("user", username))?;
        let token = self.auth.issue(&UserInfo { username: user.username, role: user.role }, ttl)?;
        self.audit(
            "cli",
            "token.issue",
            username,
            serde_json::json!({"ttl_seconds": ttl.num_seconds()}),
        )
        .await;
        Ok(token)
    }
}
