//! PDFs of a job's CV, cover letter and dossier, and of the master CV: the print view is built
//! here from stored data, then printed by the renderer.

use super::Services;
use crate::cv::master_cv_lines;
use crate::error::ServiceResult;
use app::cv::{CvDocument, CvHeader, CvItem, CvSection, CvSettings, Font, Paper, SectionKind};
use app::error::AppError;
use app::model::*;
use app::outputs::{Dossier, LayerOutputType, Letter, OrSkipped, RunOutputs};
use serde::Deserialize;

/// A rendered PDF, the file name to offer it under, and what reading its text back found.
pub struct Pdf {
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub check: app::cv::ParseBack,
}

/// `CV_<Company>_<Role>.pdf`: words joined by `_`, characters a file system dislikes dropped.
pub fn file_name(kind: &str, company: &str, role: &str) -> String {
    let part = |s: &str| {
        s.split(|c: char| c.is_whitespace() || matches!(c, '/' | '\\' | ',' | '(' | ')'))
            .map(|w| {
                w.chars()
                    .filter(|c| c.is_alphanumeric() || matches!(c, '-' | '&' | '.' | '+'))
                    .collect::<String>()
            })
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join("_")
    };
    format!("{kind}_{}_{}.pdf", part(company), part(role))
}

/// What a PDF request may change for this print: paper, page numbers, margins. Anything not
/// given keeps the document's own settings.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PrintOverrides {
    pub paper: Option<Paper>,
    pub page_numbers: Option<bool>,
    pub margin_mm: Option<f64>,
}

impl PrintOverrides {
    /// Applies the overrides when the result is valid; leaves `settings` as it was otherwise.
    fn apply(&self, settings: &mut CvSettings) -> Result<(), AppError> {
        let mut next = settings.clone();
        if let Some(p) = self.paper {
            next.paper = p;
        }
        if let Some(n) = self.page_numbers {
            next.page_numbers = n;
        }
        if let Some(m) = self.margin_mm {
            next.margin_mm = m;
        }
        next.validate().map_err(|e| AppError::Invalid(e.to_string()))?;
        *settings = next;
        Ok(())
    }
}

/// A letter-like document: the candidate's name, then the text's paragraphs.
fn text_doc(name: &str, headline: &str, text: &str) -> CvDocument {
    CvDocument {
        header: CvHeader { name: name.into(), headline: headline.into(), links: Vec::new() },
        sections: vec![CvSection {
            kind: SectionKind::Custom,
            title: String::new(),
            items: vec![CvItem { text: text.into(), ..Default::default() }],
        }],
        settings: CvSettings { font: Font::SourceSerif, ..Default::default() },
    }
}

impl Services {
    /// The admin's "restart PDF renderer": the next render launches a fresh Chromium.
    pub async fn restart_pdf(&self, actor: &UserInfo) -> ServiceResult<()> {
        super::require_admin(actor)?;
        self.pdf.restart().await;
        self.audit(&actor.actor(), "pdf.restart", "pdf_service", serde_json::json!({})).await;
        Ok(())
    }

    /// The newest output of each of `layers` among the job's finished runs (one store read).
    /// What the job's finished runs produced: each layer's output from the newest finished
    /// run that has one.
    pub(super) async fn latest_outputs(&self, job_id: &str) -> ServiceResult<RunOutputs> {
        let runs = self
            .list_runs(RunQuery { job_id: Some(job_id.into()), limit: 20, ..Default::default() })
            .await?;
        let mut outputs = RunOutputs::default();
        let finished =
            runs.iter().filter(|r| matches!(r.status, RunStatus::Completed | RunStatus::Partial));
        for layer in finished.flat_map(|r| &r.layers) {
            if let Some(output) = &layer.output
                && !outputs.contains(layer.name)
            {
                outputs.insert(layer.name, output.clone());
            }
        }
        Ok(outputs)
    }

    /// The newest output of the layer that writes `T`.
    pub(super) async fn latest_output<T: LayerOutputType>(
        &self,
        job_id: &str,
    ) -> ServiceResult<Option<T>> {
        Ok(self.latest_outputs(job_id).await?.find())
    }

    async fn candidate_name(&self) -> String {
        let profile = self.profile().await.ok();
        profile
            .and_then(|p| p.resume.basics.name)
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "Candidate".into())
    }

    /// Prints a document through the print view the editor previews, then reads the PDF's
    /// text back and checks it against the lines the document prints.
    pub(super) async fn print(
        &self,
        mut doc: CvDocument,
        title: &str,
        overrides: &PrintOverrides,
        file_name: String,
    ) -> ServiceResult<Pdf> {
        overrides.apply(&mut doc.settings)?;
        let pdf = self.pdf.render(&crate::pdf::print::page(&doc, title)).await?;
        let bytes = crate::pdf::info::with_info(pdf, title, &doc.header.name);
        let check =
            crate::pdf::parse_back::check(&bytes, app::cv::print::printed_lines(&doc)).await;
        if !check.passed() {
            tracing::warn!(file = %file_name, check = %check.summary(), "PDF parse-back check");
        }
        Ok(Pdf { file_name, bytes, check })
    }

    /// The job's CV as the editor last saved it (the pipeline's draft, or the master CV,
    /// before the first save).
    pub async fn job_cv_pdf(&self, job_id: &str, overrides: &PrintOverrides) -> ServiceResult<Pdf> {
        let job = self.get_job(job_id).await?;
        let doc = self.cv_document(job_id).await?;
        self.cv_pdf(&job, doc, overrides).await
    }

    /// A CV document of `job` printed under the job's CV title and file name.
    pub(super) async fn cv_pdf(
        &self,
        job: &Job,
        doc: CvDocument,
        overrides: &PrintOverrides,
    ) -> ServiceResult<Pdf> {
        let title = format!("CV — {} — {}", job.title, job.company);
        self.print(doc, &title, overrides, file_name("CV", &job.company, &job.title)).await
    }

    pub async fn cover_letter_pdf(
        &self,
        job_id: &str,
        overrides: &PrintOverrides,
    ) -> ServiceResult<Pdf> {
        let job = self.get_job(job_id).await?;
        let letter = self.latest_output::<OrSkipped<Letter>>(job_id).await?;
        let letter = letter.and_then(OrSkipped::done).ok_or_else(|| {
            AppError::NotFound(format!(
                "job `{job_id}` has no cover letter yet; run the pipeline first"
            ))
        })?;
        let name = self.candidate_name().await;
        let title = format!("Cover letter — {} — {}", job.title, job.company);
        let doc = text_doc(&name, "", &letter.text);
        self.print(doc, &title, overrides, file_name("Cover_Letter", &job.company, &job.title))
            .await
    }

    pub async fn dossier_pdf(
        &self,
        job_id: &str,
        overrides: &PrintOverrides,
    ) -> ServiceResult<Pdf> {
        let job = self.get_job(job_id).await?;
        let dossier = self.latest_output::<Dossier>(job_id).await?.ok_or_else(|| {
            AppError::NotFound(format!("job `{job_id}` has no dossier yet; run the pipeline first"))
        })?;
        let text = dossier.dossier.replace('\n', "\n\n");
        let title = format!("Dossier — {} — {}", job.title, job.company);
        let doc = text_doc(&self.candidate_name().await, &title, &text);
        self.print(doc, &title, overrides, file_name("Dossier", &job.company, &job.title)).await
    }

    pub async fn master_cv_pdf(&self, overrides: &PrintOverrides) -> ServiceResult<Pdf> {
        let resume = self.profile().await?.resume;
        let stars = self.list_stars().await?;
        let name = self.candidate_name().await;
        let mut doc = crate::cv::document_from_lines(&master_cv_lines(&resume), &resume, &stars);
        doc.header.name = name.clone();
        let file_name = format!("CV_{}.pdf", name.split_whitespace().collect::<Vec<_>>().join("_"));
        self.print(doc, &format!("CV — {name}"), overrides, file_name).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_keep_letters_and_drop_separators() {
        assert_eq!(
            file_name("CV", "Lumen Bank", "Staff Engineer, Payments"),
            "CV_Lumen_Bank_Staff_Engineer_Payments.pdf"
        );
        assert_eq!(
            file_name("CV", "Zürich Café AG", "Développeur / Rust"),
            "CV_Zürich_Café_AG_Développeur_Rust.pdf"
        );
        assert_eq!(file_name("CV", "a\"b;c", "x\\y"), "CV_abc_x_y.pdf");
    }

    #[test]
    fn overrides_are_validated_with_the_settings() {
        let mut settings = CvSettings::default();
        let o = PrintOverrides {
            paper: Some(Paper::Letter),
            margin_mm: Some(99.0),
            ..Default::default()
        };
        assert!(
            matches!(o.apply(&mut settings), Err(AppError::Invalid(m)) if m.contains("settings.margin_mm"))
        );
        let o = PrintOverrides { page_numbers: Some(false), ..Default::default() };
        assert_eq!(settings, CvSettings::default(), "a refused override changes nothing");
        o.apply(&mut settings).unwrap();
        assert!(!settings.page_numbers);
    }
}
