//! Admin actions on the external services: switch FireCrawl on or off at runtime and clear the
//! company research cache. The admin API and the CLI call these.

use super::{Actor, Services};
use crate::error::ServiceResult;
use app::error::AppError;
use serde_json::json;

impl Services {
    /// Persists the FireCrawl switch (every process sharing the store follows it).
    pub async fn set_firecrawl(&self, actor: Actor<'_>, enabled: bool) -> ServiceResult<bool> {
        let who = actor.admin()?;
        let firecrawl = &self.providers.firecrawl;
        if enabled && !firecrawl.configured() {
            return Err(AppError::Invalid(
                "FireCrawl cannot be enabled: FIRECRAWL_API_KEY is not set".into(),
            )
            .into());
        }
        firecrawl.set_enabled(enabled).await?;
        self.audit(&who, "firecrawl.set", "firecrawl", json!({"enabled": enabled})).await;
        Ok(enabled)
    }

    /// Deletes the cached research of one company (matched case- and space-insensitively) or
    /// of all; returns how many entries went.
    pub async fn clear_company_cache(
        &self,
        actor: Actor<'_>,
        company: Option<&str>,
    ) -> ServiceResult<u64> {
        let who = actor.admin()?;
        let company = company.map(str::trim).filter(|c| !c.is_empty());
        if let Some(c) = company
            && c.chars().count() > 200
        {
            return Err(AppError::Invalid("`company` is longer than 200 characters".into()).into());
        }
        let deleted = self.store.delete_companies(company).await?;
        self.audit(
            &who,
            "company_cache.clear",
            company.unwrap_or("*"),
            json!({"deleted": deleted}),
        )
        .await;
        Ok(deleted)
    }
}
