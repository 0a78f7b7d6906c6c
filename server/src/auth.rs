//! Authentication: argon2 password hashes, HS256 JWTs (algorithm pinned), and throttling of
//! failed logins per username and per client address.
//!
//! A token proves only which session it belongs to (`sid`): whether that session is still live,
//! whether its user is enabled and which role the user has are read from the store on every
//! request (through `SessionCache`, for a few seconds at most), so signing out, revoking, a
//! password or role change and disabling a user take effect at once.
//!
//! Nothing here reads the time: expiry, throttling windows and cache ages are checked against
//! the `now` each caller passes, which is the services' one clock (so tests move it).

use crate::config::{Config, Environment, Secret};
use crate::error::StartupError;
use crate::store::PasswordHash;
use app::error::AppError;
use app::model::BadValue;
use app::model::{Session, UserInfo};
use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};
use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Mutex;

/// The cookie that carries the same JWT as the Bearer header, for the browser.
pub const COOKIE: &str = "jobintel_token";
/// Minimum and maximum password length accepted when a password is set.
pub const PASSWORD_MIN: usize = 8;
pub const PASSWORD_MAX: usize = 1024;

/// What a token says: the user and the session it belongs to. No role: the stored one counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub sid: String,
    pub iat: i64,
    pub exp: i64,
}

pub struct Auth {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    pub limiter: LoginLimiter,
    pub sessions: SessionCache,
    /// A hash verified when a username does not exist, so both cases take the same time.
    dummy_hash: PasswordHash,
}

impl Auth {
    pub fn new(secret: &Secret) -> Result<Self, AppError> {
        let mut validation = Validation::new(Algorithm::HS256);
        // Expiry is checked against the caller's clock in `verify`, not the library's.
        validation.validate_exp = false;
        validation.set_required_spec_claims(&["exp", "sub", "iat"]);
        // Tokens from before sessions existed carry no `sid` and fail to decode: sign in again.
        let key_error =
            |e: jsonwebtoken::errors::Error| AppError::Internal(format!("invalid JWT key: {e}"));
        Ok(Self {
            encoding: EncodingKey::from_secret(secret.expose().as_bytes()).map_err(key_error)?,
            decoding: DecodingKey::from_secret(secret.expose().as_bytes()).map_err(key_error)?,
            validation,
            limiter: LoginLimiter::new(5, Duration::minutes(5)),
            sessions: SessionCache::new(SESSION_CACHE_TTL),
            dummy_hash: hash_password_blocking("not-a-real-password")?,
        })
    }

    /// Signs a token for `session`, valid until the session expires.
    pub fn issue(&self, session: &Session) -> Result<String, AppError> {
        let claims = Claims {
            sub: session.username.clone(),
            sid: session.id.clone(),
            iat: session.created_at.timestamp(),
            exp: session.expires_at.timestamp(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| AppError::Internal(format!("cannot sign token: {e}")))
    }

    /// Checks signature (HS256 only), shape and expiry at `now` (with a few seconds' leeway for
    /// clocks apart); any failure is one generic 401. Whether the session is still live is the
    /// caller's second step (`Services::authenticate`).
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<Claims, AppError> {
        let invalid = || AppError::Unauthorized("invalid or expired token".into());
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|_| invalid())?
            .claims;
        if claims.exp + TOKEN_LEEWAY_SECONDS < now.timestamp() {
            return Err(invalid());
        }
        Ok(claims)
    }

    pub fn dummy_hash(&self) -> &PasswordHash {
        &self.dummy_hash
    }
}

/// How far past its `exp` a token is still accepted, for clocks a little apart.
const TOKEN_LEEWAY_SECONDS: i64 = 5;

/// The JWT secret: the configured one, or in development one generated once and kept in the
/// data directory (mode 0600) so sessions survive restarts.
pub fn jwt_secret(config: &Config) -> Result<Secret, StartupError> {
    if let Some(s) = &config.jwt_secret {
        return Ok(s.clone());
    }
    if config.environment == Environment::Production {
        return Err(StartupError::Config("JWT_SECRET must be set in production".into()));
    }
    let path = config.data_dir.join("jwt_secret");
    if let Ok(existing) = std::fs::read_to_string(&path)
        && existing.trim().len() >= 32
    {
        return Ok(Secret::new(existing.trim()));
    }
    std::fs::create_dir_all(&config.data_dir)
        .map_err(StartupError::io(format!("cannot create {}", config.data_dir.display())))?;
    let secret: String = (0..48).map(|_| format!("{:02x}", rand::random::<u8>())).collect();
    write_private(&path, &secret)
        .map_err(StartupError::io(format!("cannot write {}", path.display())))?;
    Ok(Secret::new(secret))
}

fn write_private(path: &std::path::Path, content: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(content.as_bytes())
}

pub fn validate_password(password: &str) -> Result<(), AppError> {
    let n = password.chars().count();
    if n < PASSWORD_MIN {
        return Err(AppError::Invalid(format!(
            "password must be at least {PASSWORD_MIN} characters"
        )));
    }
    if n > PASSWORD_MAX {
        return Err(AppError::Invalid(format!(
            "password must be at most {PASSWORD_MAX} characters"
        )));
    }
    Ok(())
}

fn hash_password_blocking(password: &str) -> Result<PasswordHash, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| PasswordHash(h.to_string()))
        .map_err(|e| AppError::Internal(format!("cannot hash password: {e}")))
}

/// Hashes on the blocking pool: argon2 is deliberately slow.
pub async fn hash_password(password: String) -> Result<PasswordHash, AppError> {
    tokio::task::spawn_blocking(move || hash_password_blocking(&password))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
}

pub async fn verify_password(password: String, hash: PasswordHash) -> bool {
    tokio::task::spawn_blocking(move || {
        argon2::password_hash::PasswordHash::new(&hash.0)
            .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// How long a checked session is trusted without asking the store again. Revocations made in
/// this process take effect at once (`forget`); those made by another process sharing the
/// store, within this time.
pub const SESSION_CACHE_TTL: Duration = Duration::seconds(5);

/// Sessions recently found live, with their user as stored then.
pub struct SessionCache {
    ttl: Duration,
    entries: Mutex<HashMap<String, (UserInfo, DateTime<Utc>)>>,
}

impl SessionCache {
    pub fn new(ttl: Duration) -> Self {
        Self { ttl, entries: Mutex::new(HashMap::new()) }
    }

    pub fn get(&self, session_id: &str, now: DateTime<Utc>) -> Option<UserInfo> {
        let map = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        map.get(session_id).filter(|(_, at)| now - *at < self.ttl).map(|(u, _)| u.clone())
    }

    pub fn put(&self, session_id: &str, user: UserInfo, now: DateTime<Utc>) {
        let mut map = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= 1024 {
            let ttl = self.ttl;
            map.retain(|_, (_, at)| now - *at < ttl);
        }
        map.insert(session_id.to_string(), (user, now));
    }

    /// Forgets one session, or (with `None`) every session of `username`.
    pub fn forget(&self, session_id: Option<&str>, username: &str) {
        let mut map = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        match session_id {
            Some(id) => {
                map.remove(id);
            }
            None => map.retain(|_, (u, _)| u.username != username),
        }
    }
}

/// Failed logins per key ("user:NAME", "ip:ADDR") within a sliding window. At the limit,
/// further attempts are refused until the oldest failure leaves the window.
pub struct LoginLimiter {
    max_failures: usize,
    window: Duration,
    failures: Mutex<HashMap<String, Vec<DateTime<Utc>>>>,
}

impl LoginLimiter {
    pub fn new(max_failures: usize, window: Duration) -> Self {
        Self { max_failures, window, failures: Mutex::new(HashMap::new()) }
    }

    /// `Err(RateLimited(seconds))` when any key is at its limit at `now`.
    pub fn check(&self, keys: &[String], now: DateTime<Utc>) -> Result<(), AppError> {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let mut wait = Duration::zero();
        for key in keys {
            if let Some(times) = map.get_mut(key) {
                times.retain(|t| now - *t < self.window);
                if times.len() >= self.max_failures
                    && let Some(oldest) = times.first()
                {
                    wait = wait.max(self.window - (now - *oldest));
                }
            }
        }
        // Forget keys with no recent failures, so the map cannot grow without bound.
        map.retain(|_, times| !times.is_empty());
        if wait <= Duration::zero() {
            Ok(())
        } else {
            Err(AppError::RateLimited(wait.num_seconds().max(1) as u64))
        }
    }

    pub fn record_failure(&self, keys: &[String], now: DateTime<Utc>) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        for key in keys {
            map.entry(key.clone()).or_default().push(now);
        }
    }

    pub fn clear(&self, key: &str) {
        self.failures.lock().unwrap_or_else(|p| p.into_inner()).remove(key);
    }
}

/// Parses a duration like `30d`, `12h`, `45m` or `3600s` (for `token issue --ttl`).
pub fn parse_ttl(text: &str) -> Result<Duration, BadValue> {
    let text = text.trim();
    let (number, unit) =
        text.split_at(text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len()));
    let n: i64 = number
        .parse()
        .map_err(|_| BadValue(format!("`{text}` is not a duration like 30d, 12h, 45m")))?;
    let d = match unit {
        "d" => Duration::days(n),
        "h" => Duration::hours(n),
        "m" => Duration::minutes(n),
        "s" | "" => Duration::seconds(n),
        _ => return Err(BadValue(format!("`{text}`: unknown unit `{unit}`; use d, h, m or s"))),
    };
    if n <= 0 || d > Duration::days(366) {
        return Err(BadValue(format!("`{text}` must be between 1 second and 366 days")));
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth() -> Auth {
        Auth::new(&Secret::new("x".repeat(40))).unwrap()
    }

    fn t0() -> DateTime<Utc> {
        "2026-12-01T09:00:00Z".parse().unwrap()
    }

    fn session(ttl: Duration) -> Session {
        let now = t0();
        Session {
            id: "s1".into(),
            username: "v".into(),
            kind: app::model::SessionKind::SignIn,
            name: String::new(),
            client: "local".into(),
            created_at: now,
            expires_at: now + ttl,
            revoked_at: None,
        }
    }

    #[test]
    fn issued_token_names_its_user_and_session() {
        let a = auth();
        let t = a.issue(&session(Duration::hours(1))).unwrap();
        let claims = a.verify(&t, t0()).unwrap();
        assert_eq!((claims.sub.as_str(), claims.sid.as_str()), ("v", "s1"));
    }

    #[test]
    fn token_expires_by_the_callers_clock_with_a_few_seconds_leeway() {
        let a = auth();
        let t = a.issue(&session(Duration::hours(1))).unwrap();
        let expiry = t0() + Duration::hours(1);
        assert!(a.verify(&t, expiry + Duration::seconds(TOKEN_LEEWAY_SECONDS)).is_ok());
        let late = a.verify(&t, expiry + Duration::seconds(TOKEN_LEEWAY_SECONDS + 1));
        assert!(matches!(late, Err(AppError::Unauthorized(_))));
    }

    #[test]
    fn token_signed_with_another_key_is_rejected() {
        let other = Auth::new(&Secret::new("y".repeat(40))).unwrap();
        let t = other.issue(&session(Duration::hours(1))).unwrap();
        assert!(auth().verify(&t, t0()).is_err());
    }

    #[test]
    fn token_without_a_session_id_is_rejected() {
        let claims = serde_json::json!({"sub": "v", "role": "admin", "iat": 1,
            "exp": t0().timestamp() + 3600});
        let key = EncodingKey::from_secret("x".repeat(40).as_bytes()).unwrap();
        let t = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &key).unwrap();
        assert!(auth().verify(&t, t0()).is_err());
    }

    #[test]
    fn session_cache_forgets_one_session_or_all_of_a_user() {
        let c = SessionCache::new(Duration::seconds(60));
        let now = t0();
        let v = UserInfo::new("v", app::model::Role::Viewer);
        c.put("a", v.clone(), now);
        c.put("b", v.clone(), now);
        c.put("c", UserInfo::new("w", app::model::Role::Admin), now);
        c.forget(Some("a"), "v");
        assert_eq!((c.get("a", now), c.get("b", now)), (None, Some(v)));
        c.forget(None, "v");
        assert_eq!(c.get("b", now), None);
        assert!(c.get("c", now + Duration::seconds(59)).is_some());
        assert_eq!(c.get("c", now + Duration::seconds(60)), None, "older than its ttl");
    }

    #[test]
    fn alg_none_token_is_rejected() {
        use base64::Engine;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let exp = t0().timestamp() + 3600;
        let header = b64.encode(r#"{"alg":"none","typ":"JWT"}"#);
        let body = b64.encode(format!(r#"{{"sub":"a","role":"admin","iat":1,"exp":{exp}}}"#));
        assert!(auth().verify(&format!("{header}.{body}."), t0()).is_err());
    }

    #[test]
    fn limiter_blocks_after_max_failures_and_reports_wait() {
        let l = LoginLimiter::new(2, Duration::seconds(60));
        let keys = vec!["user:a".to_string()];
        let now = t0();
        assert!(l.check(&keys, now).is_ok());
        l.record_failure(&keys, now);
        l.record_failure(&keys, now + Duration::seconds(10));
        match l.check(&keys, now + Duration::seconds(20)) {
            Err(AppError::RateLimited(s)) => assert_eq!(s, 40, "until the oldest failure leaves"),
            other => panic!("expected RateLimited, got {other:?}"),
        }
        assert!(l.check(&keys, now + Duration::seconds(60)).is_ok(), "the window moved on");
        l.record_failure(&keys, now + Duration::seconds(61));
        assert!(l.check(&keys, now + Duration::seconds(62)).is_err());
        l.clear("user:a");
        assert!(l.check(&keys, now + Duration::seconds(62)).is_ok());
    }

    #[tokio::test]
    async fn password_hash_verifies_only_the_right_password() {
        let h = hash_password("correct horse".into()).await.unwrap();
        assert!(verify_password("correct horse".into(), h.clone()).await);
        assert!(!verify_password("wrong".into(), h).await);
    }

    #[test]
    fn ttl_parses_units_and_rejects_nonsense() {
        assert_eq!(parse_ttl("30d").unwrap(), Duration::days(30));
        assert_eq!(parse_ttl("45m").unwrap(), Duration::minutes(45));
        assert!(parse_ttl("soon").is_err());
        assert!(parse_ttl("0h").is_err());
        assert!(parse_ttl("5y").is_err());
    }
}
