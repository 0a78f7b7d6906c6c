//! The CV editor: a job's tailored CV as a structured document, initialised from the
//! pipeline's draft (or the master CV) and saved as numbered versions. Provenance is checked
//! against the profile on every save and its labels are written here, never taken from the
//! client.

use super::Services;
use crate::cv::{document_from_lines, master_cv_lines, source_label};
use crate::error::ServiceResult;
use crate::store::StoreError;
use app::cv::*;
use app::error::AppError;
use app::model::*;
use app::outputs::{Cv, Jd, OrSkipped};

/// Versions kept per job; older ones are dropped unless marked as sent.
pub const KEEP_VERSIONS: u32 = 200;

/// The posting's keywords: those the CV layer measured coverage of, else the extraction's.
fn posting_keywords(cv: Option<&Cv>, jd: Option<&Jd>) -> Vec<String> {
    if let Some(cv) = cv {
        return cv.keyword_coverage.keywords.clone();
    }
    let mut keywords: Vec<String> = Vec::new();
    for k in jd.into_iter().flat_map(|jd| jd.technical_skills.iter().chain(&jd.top_keywords)) {
        if !keywords.iter().any(|x| x.eq_ignore_ascii_case(k)) {
            keywords.push(k.clone());
        }
    }
    keywords
}

fn version_not_found(job_id: &str, number: u32) -> AppError {
    AppError::NotFound(format!("job `{job_id}` has no CV version {number}"))
}

impl Services {
    /// The job's tailored CV for the editor: the latest saved version, else the pipeline's
    /// draft, else the master CV.
    pub async fn cv_editor(&self, job_id: &str) -> ServiceResult<CvEditorState> {
        let job = self.get_job(job_id).await?;
        let outputs = self.latest_outputs(job_id).await?;
        let cv = outputs.find::<OrSkipped<Cv>>().and_then(OrSkipped::done);
        let keywords = posting_keywords(cv.as_ref(), outputs.find::<Jd>().as_ref());
        let latest = self.store.latest_cv_version(job_id).await?;
        let (document, origin, version, saved_at) = match latest {
            Some(v) => (v.document, CvOrigin::Saved, Some(v.number), Some(v.saved_at)),
            None => {
                let (document, origin) = self.cv_draft(cv).await?;
                (document, origin, None, None)
            }
        };
        Ok(CvEditorState {
            job_id: job.id,
            title: job.title,
            company: job.company,
            document,
            version,
            saved_at,
            origin,
            keywords,
        })
    }

    /// The document a job's CV starts from: the pipeline's draft (`cv`, the CV layer's output),
    /// or the master CV.
    async fn cv_draft(&self, cv: Option<Cv>) -> ServiceResult<(CvDocument, CvOrigin)> {
        let resume = self.profile().await?.resume;
        let stars = self.list_stars().await?;
        let (lines, origin) = match cv {
            Some(cv) => (cv.lines, CvOrigin::Pipeline),
            None => (master_cv_lines(&resume), CvOrigin::MasterCv),
        };
        let mut document = document_from_lines(&lines, &resume, &stars);
        if document.header.name.trim().is_empty() {
            document.header.name = "Candidate".into();
        }
        Ok((document, origin))
    }

    /// The document a job's CV PDF is printed from: the latest saved version, else the draft.
    pub async fn cv_document(&self, job_id: &str) -> ServiceResult<CvDocument> {
        Ok(match self.store.latest_cv_version(job_id).await? {
            Some(v) => v.document,
            None => {
                let cv = self.latest_output::<OrSkipped<Cv>>(job_id).await?;
                self.cv_draft(cv.and_then(OrSkipped::done)).await?.0
            }
        })
    }

    /// The claims to check in the job's saved CV: in each line the user wrote or edited, the
    /// numbers, degrees, employers and technologies no record of the candidate supports.
    /// The user decides; nothing is blocked.
    pub async fn cv_claims(&self, job_id: &str) -> ServiceResult<Vec<app::outputs::BlockedClaim>> {
        self.get_job(job_id).await?;
        let doc = self.cv_document(job_id).await?;
        let resume = self.profile().await?.resume;
        let stars = self.list_stars().await?;
        let skills = self.latest_output::<Jd>(job_id).await?.map(|jd| jd.technical_skills);
        let records = crate::facts::candidate_sources(&resume, &stars);
        let gate = crate::facts::Gate::of_records(
            crate::facts::Lexicon::bundled(),
            &records,
            skills.unwrap_or_default(),
        );
        let user_text = |p: &Option<Provenance>| p.as_ref().is_none_or(|p| p.edited);
        let mut lines = vec![doc.header.headline.clone()];
        for item in doc.sections.iter().flat_map(|s| &s.items) {
            if user_text(&item.provenance) {
                lines.extend([item.title.clone(), item.subtitle.clone(), item.text.clone()]);
            }
            let bullets = item.bullets.iter().filter(|b| user_text(&b.provenance));
            lines.extend(bullets.map(|b| b.text.clone()));
        }
        let mut claims = Vec::new();
        for line in lines.iter().map(|l| plain(l)).filter(|l| !l.trim().is_empty()) {
            gate.filter_into(&line, &mut claims);
        }
        Ok(claims)
    }

    /// Fits a CV (the one sent, else the saved one) to `pages` (else its page budget) by
    /// cutting its least relevant bullets (`crate::page_fit`), never its type: the fewest cuts
    /// that print within the budget, found by bisection over the cut order (each probe is one
    /// print). The result is not saved; the editor applies it.
    pub async fn fit_cv(
        &self,
        job_id: &str,
        request: fit::FitRequest,
    ) -> ServiceResult<fit::CvFit> {
        use crate::page_fit::{Relevance, cut_order, without};
        let job = self.get_job(job_id).await?;
        let sent = match request.document {
            Some(d) => self.checked(d).await?,
            None => self.cv_document(job_id).await?,
        };
        let budget = request.pages.unwrap_or(sent.settings.page_budget);
        if !(1..=10).contains(&budget) {
            return Err(
                AppError::Invalid(format!("`pages` must be from 1 to 10, got {budget}")).into()
            );
        }
        let outputs = self.latest_outputs(job_id).await?;
        let cv = outputs.find::<OrSkipped<Cv>>().and_then(OrSkipped::done);
        let keywords = posting_keywords(cv.as_ref(), outputs.find::<Jd>().as_ref());
        let ledger = outputs.find::<app::outputs::Fit>().map(|f| f.ledger);
        let relevance = Relevance::new(ledger.as_ref(), outputs.find().as_ref(), &keywords);
        let title = format!("CV — {} — {}", job.title, job.company);
        let pages = async |doc: &CvDocument| -> ServiceResult<u32> {
            let pdf = self.pdf.render(&crate::pdf::print::page(doc, &title)).await?;
            crate::pdf::info::page_count(&pdf)
                .ok_or_else(|| AppError::Internal("the printed CV has no page count".into()).into())
        };
        let pages_before = pages(&sent).await?;
        let mut base = sent.clone();
        base.settings = sent.settings.with_floors();
        let base_pages = if base == sent { pages_before } else { pages(&base).await? };
        let order = cut_order(&base, &relevance);
        let unchanged = |pages_after, fits| fit::CvFit {
            document: sent.clone(),
            cut: Vec::new(),
            budget,
            pages_before,
            pages_after,
            fits,
        };
        if pages_before <= budget {
            return Ok(unchanged(pages_before, true));
        }
        if base_pages <= budget {
            let fitted = fit::CvFit { document: base, ..unchanged(base_pages, true) };
            return Ok(fitted);
        }
        let every_cut = pages(&without(&base, &order)).await?;
        if every_cut > budget {
            return Ok(unchanged(pages_before, false));
        }
        // The fewest cuts within budget, by bisection: more cuts never print more pages.
        let (mut lo, mut hi, mut pages_at_hi) = (1, order.len(), every_cut);
        while lo < hi {
            let mid = (lo + hi) / 2;
            let n = pages(&without(&base, &order[..mid])).await?;
            if n <= budget {
                (hi, pages_at_hi) = (mid, n);
            } else {
                lo = mid + 1;
            }
        }
        let cut = order[..hi].to_vec();
        Ok(fit::CvFit {
            document: without(&base, &cut),
            cut,
            pages_after: pages_at_hi,
            ..unchanged(pages_before, true)
        })
    }

    /// Checks a document and rewrites its provenance labels from the profile: a source that
    /// does not exist is a 422 naming the field.
    async fn checked(&self, mut document: CvDocument) -> ServiceResult<CvDocument> {
        document.validate().map_err(|e| AppError::Invalid(e.to_string()))?;
        let resume = self.profile().await?.resume;
        let stars = self.list_stars().await?;
        let mut labels = Vec::new();
        for (field, p) in document.provenances() {
            let label = source_label(&resume, &p.source, &stars).ok_or_else(|| {
                AppError::Invalid(format!(
                    "`{field}.source` names `{}`, which is not in the master CV or the STAR records",
                    p.source
                ))
            })?;
            labels.push(label);
        }
        let mut labels = labels.into_iter();
        for section in &mut document.sections {
            for item in &mut section.items {
                let bullets = item.bullets.iter_mut().map(|b| &mut b.provenance);
                for p in std::iter::once(&mut item.provenance).chain(bullets).flatten() {
                    p.label = labels.next().unwrap_or_default();
                }
            }
        }
        Ok(document)
    }

    async fn insert_version(
        &self,
        user: &UserInfo,
        job_id: &str,
        number: u32,
        document: CvDocument,
        restored_from: Option<u32>,
    ) -> ServiceResult<CvVersionSummary> {
        let version = CvVersion {
            job_id: job_id.to_string(),
            number,
            saved_at: self.now(),
            saved_by: user.username.clone(),
            sent_at: None,
            restored_from,
            document,
        };
        match self.store.insert_cv_version(&version, KEEP_VERSIONS).await {
            Err(StoreError::Duplicate { .. }) => Err(AppError::Conflict(format!(
                "CV version {number} of job `{job_id}` was just saved elsewhere; reload to continue"
            ))
            .into()),
            other => Ok(other.map(|_| CvVersionSummary::from(&version))?),
        }
    }

    /// Saves the document as the job's next version. `base_version` (0 = never saved) must be
    /// the latest version, so a second tab cannot silently overwrite the first (409).
    pub async fn save_cv(
        &self,
        user: &UserInfo,
        job_id: &str,
        save: CvSave,
    ) -> ServiceResult<CvVersionSummary> {
        super::require_admin(user)?;
        self.get_job(job_id).await?;
        let document = self.checked(save.document).await?;
        let latest = self.store.latest_cv_version(job_id).await?.map_or(0, |v| v.number);
        if let Some(base) = save.base_version
            && base != latest
        {
            return Err(AppError::Conflict(format!(
                "the CV was edited from version {base}, but version {latest} has been saved since; reload to continue"
            )).into());
        }
        self.insert_version(user, job_id, latest + 1, document, None).await
    }

    pub async fn cv_versions(&self, job_id: &str) -> ServiceResult<Vec<CvVersionSummary>> {
        self.get_job(job_id).await?;
        Ok(self.store.list_cv_versions(job_id).await?)
    }

    pub async fn cv_version(&self, job_id: &str, number: u32) -> ServiceResult<CvVersion> {
        self.get_job(job_id).await?;
        Ok(self
            .store
            .get_cv_version(job_id, number)
            .await?
            .ok_or_else(|| version_not_found(job_id, number))?)
    }

    /// Makes an old version the newest again (as a new version, so nothing is lost).
    pub async fn restore_cv_version(
        &self,
        user: &UserInfo,
        job_id: &str,
        number: u32,
    ) -> ServiceResult<CvVersionSummary> {
        super::require_admin(user)?;
        let old = self.cv_version(job_id, number).await?;
        let document = self.checked(old.document).await?;
        let latest = self.store.latest_cv_version(job_id).await?.map_or(0, |v| v.number);
        self.insert_version(user, job_id, latest + 1, document, Some(number)).await
    }

    /// Marks the version that was sent to the employer and locks what was sent (`SentPacket`):
    /// the PDF printed now, byte for byte, with its SHA-256, the cover letter, the posting as
    /// it reads, and the run, models and prompts behind them. A version with a packet cannot be
    /// marked again or unmarked (409); one marked before packets existed can be unmarked.
    pub async fn mark_cv_sent(
        &self,
        user: &UserInfo,
        job_id: &str,
        number: u32,
        sent: bool,
    ) -> ServiceResult<CvVersionSummary> {
        super::require_admin(user)?;
        let job = self.get_job(job_id).await?;
        let version = self.cv_version(job_id, number).await?;
        if let Some(locked) = self.store.get_sent_packet(job_id, number).await? {
            return Err(AppError::Conflict(format!(
                "version {number} was sent on {} and is locked: what was sent cannot change",
                locked.packet.sent_at.format("%Y-%m-%d %H:%M UTC")
            ))
            .into());
        }
        let at = sent.then(|| self.now());
        if let Some(at) = at {
            let record = self.packet(user, &job, version, at).await?;
            self.store.insert_sent_packet(&record).await?;
        }
        if !self.store.mark_cv_version_sent(job_id, number, at).await? {
            return Err(version_not_found(job_id, number).into());
        }
        let action = if sent { "cv.mark_sent" } else { "cv.unmark_sent" };
        self.audit(&user.actor(), action, job_id, serde_json::json!({"version": number})).await;
        let v = self.cv_version(job_id, number).await?;
        Ok(CvVersionSummary::from(&v))
    }

    /// What is locked when `version` is sent at `at`.
    async fn packet(
        &self,
        user: &UserInfo,
        job: &Job,
        version: CvVersion,
        at: chrono::DateTime<chrono::Utc>,
    ) -> ServiceResult<crate::store::SentPacketRecord> {
        use base64::Engine;
        use sha2::Digest;
        let pdf = self.cv_pdf(job, version.document, &Default::default()).await?;
        let sha: String =
            sha2::Sha256::digest(&pdf.bytes).iter().map(|b| format!("{b:02x}")).collect();
        let letter = self.latest_output::<OrSkipped<app::outputs::Letter>>(&job.id).await?;
        let runs = self
            .list_runs(RunQuery { job_id: Some(job.id.clone()), limit: 20, ..Default::default() })
            .await?;
        let run = runs
            .into_iter()
            .find(|r| matches!(r.status, RunStatus::Completed | RunStatus::Partial));
        let layers = run.iter().flat_map(|r| &r.layers).map(|l| LayerProvenance {
            layer: l.name,
            provider: l.provider.clone(),
            model: l.model.clone(),
            prompt_version: l.prompt_version.clone(),
        });
        let packet = SentPacket {
            job_id: job.id.clone(),
            version: version.number,
            sent_at: at,
            sent_by: user.username.clone(),
            file_name: pdf.file_name,
            pdf_sha256: sha,
            pdf_bytes: pdf.bytes.len(),
            cover_letter: letter.and_then(OrSkipped::done).map(|l| l.text),
            posting: PostingSnapshot {
                title: job.title.clone(),
                company: job.company.clone(),
                location: job.location.clone(),
                url: job.url.clone(),
                description: job.description.clone(),
            },
            layers: layers.collect(),
            run_id: run.as_ref().map(|r| r.id.clone()),
        };
        let pdf_base64 = base64::engine::general_purpose::STANDARD.encode(&pdf.bytes);
        Ok(crate::store::SentPacketRecord { packet, pdf_base64 })
    }

    /// The packet locked when the version was sent.
    pub async fn sent_packet(&self, job_id: &str, number: u32) -> ServiceResult<SentPacket> {
        Ok(self.sent_record(job_id, number).await?.packet)
    }

    /// The PDF that was sent, byte for byte.
    pub async fn sent_pdf(&self, job_id: &str, number: u32) -> ServiceResult<(String, Vec<u8>)> {
        use base64::Engine;
        let record = self.sent_record(job_id, number).await?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(&record.pdf_base64)
            .map_err(|e| crate::store::StoreError::Backend(Box::new(e)))?;
        Ok((record.packet.file_name, bytes))
    }

    async fn sent_record(
        &self,
        job_id: &str,
        number: u32,
    ) -> ServiceResult<crate::store::SentPacketRecord> {
        self.get_job(job_id).await?;
        self.store.get_sent_packet(job_id, number).await?.ok_or_else(|| {
            AppError::NotFound(format!(
                "version {number} of job `{job_id}` has not been sent (no packet)"
            ))
            .into()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keywords_come_from_the_cv_layer_else_the_extraction() {
        let coverage = json!({"keywords": ["Rust", "Kafka"], "in_cv": [], "in_master_cv": [],
            "cv_percent": 0, "master_cv_percent": 0});
        let cv = Cv {
            lines: vec![],
            keyword_coverage: serde_json::from_value(coverage).unwrap(),
            blocked: vec![],
        };
        let jd = Jd {
            technical_skills: vec!["Go".into(), "rust".into()],
            top_keywords: vec!["RUST".into(), "SLOs".into()],
            ..Jd::default()
        };
        assert_eq!(posting_keywords(Some(&cv), Some(&jd)), ["Rust", "Kafka"]);
        assert_eq!(posting_keywords(None, Some(&jd)), ["Go", "rust", "SLOs"]);
        assert!(posting_keywords(None, None).is_empty());
    }
}
