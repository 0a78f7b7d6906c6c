//! The candidate profile: the master CV (a JSON Resume document) and the STAR records.

use super::jobs::split_list;
use super::{Services, require_admin};
use crate::error::ServiceResult;
use crate::store;
use app::error::AppError;
use app::model::*;
use app::resume::Resume;
use serde_json::Value;

const MAX_STAR_TEXT: usize = 5_000;
const MAX_LIST_ITEMS: usize = 50;

/// A JSON Resume must be an object whose keys are plain names (no `$…` operators, no dots,
/// which MongoDB would read as paths), nested at most 16 deep.
/// Then its known fields must have their JSON Resume types (`work[0].highlights[1]` must be a
/// string); the error names the first one that does not.
fn check_resume(value: &Value) -> Result<Resume, AppError> {
    fn walk(v: &Value, path: &str, depth: usize) -> Result<(), AppError> {
        if depth > 16 {
            return Err(AppError::Invalid(format!("`{path}` is nested too deeply")));
        }
        match v {
            Value::Object(map) => {
                for (k, child) in map {
                    if k.starts_with('$') || k.contains('.') || k.is_empty() {
                        return Err(AppError::Invalid(format!(
                            "`{path}`: key `{k}` is not allowed"
                        )));
                    }
                    walk(child, &format!("{path}.{k}"), depth + 1)?;
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    walk(child, &format!("{path}[{i}]"), depth + 1)?;
                }
            }
            _ => {}
        }
        Ok(())
    }
    let Some(obj) = value.as_object() else {
        return Err(AppError::Invalid("a JSON Resume must be a JSON object".into()));
    };
    match obj.get("basics") {
        Some(Value::Object(b)) => match b.get("name") {
            Some(Value::String(n)) if !n.trim().is_empty() => {}
            _ => return Err(AppError::Invalid("`basics.name` must be a non-empty string".into())),
        },
        _ => return Err(AppError::Invalid("`basics` must be an object with a `name`".into())),
    }
    walk(value, "resume", 0)?;
    serde_path_to_error::deserialize(value)
        .map_err(|e| AppError::Invalid(format!("`resume.{}`: {}", e.path(), e.inner())))
}

fn check_basics(b: &ProfileBasics) -> Result<(), AppError> {
    let field = |name: &str, v: &str, max: usize| {
        if v.chars().count() > max {
            Err(AppError::Invalid(format!("`{name}` is longer than {max} characters")))
        } else {
            Ok(())
        }
    };
    if b.name.trim().is_empty() {
        return Err(AppError::Invalid("`name` must not be empty".into()));
    }
    field("name", &b.name, 200)?;
    field("label", &b.label, 300)?;
    field("phone", &b.phone, 60)?;
    field("city", &b.city, 200)?;
    field("summary", &b.summary, 5_000)?;
    if !b.email.is_empty() && (!b.email.contains('@') || b.email.len() > 254) {
        return Err(AppError::Invalid("`email` is not an email address".into()));
    }
    let web_url = b.url.starts_with("https://") || b.url.starts_with("http://");
    if !b.url.is_empty() && !web_url {
        return Err(AppError::Invalid("`url` must start with http:// or https://".into()));
    }
    let two_letters =
        b.country_code.len() == 2 && b.country_code.chars().all(|c| c.is_ascii_alphabetic());
    if !b.country_code.is_empty() && !two_letters {
        return Err(AppError::Invalid("`country_code` must be two letters, e.g. DE".into()));
    }
    Ok(())
}

fn check_star(input: &StarInput) -> Result<(), AppError> {
    let required = |name: &str, v: &str, max: usize| {
        let n = v.trim().chars().count();
        if n == 0 {
            Err(AppError::Invalid(format!("`{name}` must not be empty")))
        } else if n > max {
            Err(AppError::Invalid(format!("`{name}` is longer than {max} characters")))
        } else {
            Ok(())
        }
    };
    required("title", &input.title, 300)?;
    required("situation", &input.situation, MAX_STAR_TEXT)?;
    required("task", &input.task, MAX_STAR_TEXT)?;
    for (name, list, max) in [
        ("actions", &input.actions, 2_000),
        ("results", &input.results, 2_000),
        ("metrics", &input.metrics, 500),
        ("skills", &input.skills, 60),
        ("tags", &input.tags, 60),
    ] {
        if list.len() > MAX_LIST_ITEMS {
            return Err(AppError::Invalid(format!(
                "`{name}` has more than {MAX_LIST_ITEMS} items"
            )));
        }
        if let Some(item) = list.iter().find(|i| i.chars().count() > max) {
            return Err(AppError::Invalid(format!(
                "an item of `{name}` is longer than {max} characters: `{}…`",
                item.chars().take(20).collect::<String>()
            )));
        }
    }
    if input.company.chars().count() > 300 || input.role.chars().count() > 300 {
        return Err(AppError::Invalid("`company` and `role` are at most 300 characters".into()));
    }
    Ok(())
}

/// Validates a submitted STAR record and builds the stored one, saved `now`.
pub fn build_star(
    id: String,
    created_at: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
    input: StarInput,
) -> Result<StarRecord, AppError> {
    check_star(&input)?;
    Ok(StarRecord {
        id,
        title: input.title.trim().into(),
        company: input.company.trim().into(),
        role: input.role.trim().into(),
        situation: input.situation.trim().into(),
        task: input.task.trim().into(),
        actions: clean(input.actions),
        results: clean(input.results),
        metrics: clean(input.metrics),
        skills: clean(input.skills),
        tags: clean(input.tags),
        created_at,
        updated_at: now,
    })
}

fn clean(list: Vec<String>) -> Vec<String> {
    list.into_iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()
}

/// Builds a `StarInput` from form text: list fields one item per line, skills/tags by comma.
pub fn star_input_from_form(get: impl Fn(&str) -> String) -> StarInput {
    let lines = |s: String| s.lines().map(str::to_string).collect::<Vec<_>>();
    StarInput {
        title: get("title"),
        company: get("company"),
        role: get("role"),
        situation: get("situation"),
        task: get("task"),
        actions: lines(get("actions")),
        results: lines(get("results")),
        metrics: lines(get("metrics")),
        skills: split_list(&get("skills")),
        tags: split_list(&get("tags")),
    }
}

impl Services {
    /// The master CV; an empty one until a CV is imported or the basics are saved.
    pub async fn profile(&self) -> ServiceResult<Profile> {
        Ok(self
            .store
            .get_profile()
            .await?
            .unwrap_or_else(|| Profile { resume: Resume::empty(), updated_at: self.now() }))
    }

    pub async fn put_resume(&self, user: &UserInfo, resume: Value) -> ServiceResult<Profile> {
        require_admin(user)?;
        let resume = check_resume(&resume)?;
        let profile = Profile { resume, updated_at: self.now() };
        self.store.put_profile(&profile).await?;
        self.audit(&user.actor(), "profile.replace", "master_cv", Value::Null).await;
        Ok(profile)
    }

    /// Saves the basics into the stored resume, keeping everything else in it.
    pub async fn update_basics(&self, user: &UserInfo, b: ProfileBasics) -> ServiceResult<Profile> {
        require_admin(user)?;
        let b = ProfileBasics {
            name: b.name.trim().into(),
            label: b.label.trim().into(),
            email: b.email.trim().into(),
            phone: b.phone.trim().into(),
            url: b.url.trim().into(),
            summary: b.summary.trim().into(),
            city: b.city.trim().into(),
            country_code: b.country_code.trim().to_uppercase(),
        };
        check_basics(&b)?;
        let mut profile = self.profile().await?;
        let basics = &mut profile.resume.basics;
        basics.name = Some(b.name);
        basics.label = Some(b.label);
        basics.email = Some(b.email);
        basics.phone = Some(b.phone);
        basics.url = Some(b.url);
        basics.summary = Some(b.summary);
        let location = basics.location.get_or_insert_with(Default::default);
        location.city = Some(b.city);
        location.country_code = Some(b.country_code);
        profile.updated_at = self.now();
        self.store.put_profile(&profile).await?;
        self.audit(&user.actor(), "profile.basics", "master_cv", Value::Null).await;
        Ok(profile)
    }

    pub async fn list_stars(&self) -> ServiceResult<Vec<StarRecord>> {
        Ok(self.store.list_stars().await?)
    }

    pub async fn get_star(&self, id: &str) -> ServiceResult<StarRecord> {
        Ok(self.store.get_star(id).await?.ok_or_else(|| AppError::not_found("STAR record", id))?)
    }

    /// Creates (`id` None) or replaces a STAR record.
    pub async fn save_star(
        &self,
        user: &UserInfo,
        id: Option<&str>,
        input: StarInput,
    ) -> ServiceResult<StarRecord> {
        require_admin(user)?;
        let (id, created_at) = match id {
            Some(id) => (id.to_string(), self.get_star(id).await?.created_at),
            None => (store::new_id(), self.now()),
        };
        let star = build_star(id, created_at, self.now(), input)?;
        self.store.put_star(&star).await?;
        self.audit(&user.actor(), "star.save", &star.id, Value::Null).await;
        Ok(star)
    }

    pub async fn delete_star(&self, user: &UserInfo, id: &str) -> ServiceResult<()> {
        require_admin(user)?;
        if !self.store.delete_star(id).await? {
            return Err(AppError::not_found("STAR record", id).into());
        }
        self.audit(&user.actor(), "star.delete", id, Value::Null).await;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn resume_with_operator_keys_is_refused() {
        let bad = json!({"basics": {"name": "A", "$where": "1"}});
        assert!(check_resume(&bad).unwrap_err().to_string().contains("$where"));
        assert!(check_resume(&json!({"basics": {"name": "A"}, "work": [{"a.b": 1}]})).is_err());
        assert!(check_resume(&json!([1, 2])).is_err());
        assert!(check_resume(&json!({"basics": {"name": "Ada"}})).is_ok());
    }

    #[test]
    fn resume_with_a_mistyped_known_field_names_it() {
        let bad = json!({"basics": {"name": "A"}, "work": [{"highlights": ["ok", 7]}]});
        let e = check_resume(&bad).unwrap_err().to_string();
        assert!(e.contains("`resume.work[0].highlights[1]`"), "{e}");
    }

    #[test]
    fn star_form_splits_lines_and_commas() {
        let s = star_input_from_form(|k| match k {
            "actions" => "one\ntwo\n".into(),
            "skills" => "Rust, Go".into(),
            _ => "x".into(),
        });
        assert_eq!(s.actions, vec!["one", "two"]);
        assert_eq!(s.skills, vec!["Rust", "Go"]);
    }
}
