//! PDFs of a job's CV, cover letter and dossier, and of the master CV: the print view is built
//! here from stored data, then printed by the renderer.

use super::Services;
use crate::pdf::print::{Entry, Font, PrintDoc, Section};
use crate::pdf::{PdfError, PrintOptions};
use crate::pipeline::layers::{CvLine, master_cv_lines, structural};
use app::error::AppError;
use app::model::*;
use serde_json::Value;

/// A rendered PDF and the file name to offer it under.
pub struct Pdf {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

impl From<PdfError> for AppError {
    fn from(e: PdfError) -> Self {
        match e {
            PdfError::Busy => AppError::Busy(5),
            PdfError::Timeout(_) => AppError::Timeout(e.to_string()),
            PdfError::Unavailable(_) => {
                tracing::error!(error = %e, "PDF renderer");
                AppError::Unavailable(e.to_string())
            }
        }
    }
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

fn section_title(section: &str) -> String {
    match section {
        "summary" => "Summary".into(),
        "experience" => "Experience".into(),
        "skills" => "Skills".into(),
        "education" => "Education".into(),
        "certifications" => "Certifications".into(),
        other => other.replace('_', " "),
    }
}

/// CV lines (with provenance) as a print document: the header lines become the heading, each
/// experience entry keeps its title, employer and dates together, bullets follow.
pub fn cv_doc(lines: &[CvLine], title: &str) -> PrintDoc {
    let mut doc = PrintDoc { title: title.into(), font: Font::Inter, ..Default::default() };
    for line in lines {
        if line.section == "header" {
            if doc.heading.is_empty() {
                doc.heading = line.text.clone();
                doc.author = line.text.clone();
            } else {
                doc.subheading.push(line.text.clone());
            }
            continue;
        }
        let title = section_title(&line.section);
        if doc.sections.last().is_none_or(|s| s.title != title) {
            doc.sections.push(Section { title, entries: Vec::new() });
        }
        let Some(section) = doc.sections.last_mut() else { continue };
        let fact = structural(&line.source) && line.section == "experience";
        let starts_entry = fact && line.source.ends_with(".position");
        if starts_entry
            || section.entries.is_empty()
            || (fact && !section.entries.last().is_some_and(|e| e.bullets.is_empty()))
        {
            section.entries.push(Entry::default());
        }
        let Some(entry) = section.entries.last_mut() else { continue };
        match (line.section.as_str(), fact) {
            (_, true) => entry.header.push(line.text.clone()),
            ("experience", false) => entry.bullets.push(line.text.clone()),
            _ => entry.paragraphs.push(line.text.clone()),
        }
    }
    doc
}

fn text_doc(title: &str, author: &str, heading: &str, text: &str) -> PrintDoc {
    let paragraphs =
        text.split("\n\n").map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).collect();
    PrintDoc {
        title: title.into(),
        author: author.into(),
        heading: heading.into(),
        sections: vec![Section {
            title: String::new(),
            entries: vec![Entry { paragraphs, ..Default::default() }],
        }],
        font: Font::SourceSerif,
        ..Default::default()
    }
}

impl Services {
    /// The admin's "restart PDF renderer": the next render launches a fresh Chromium.
    pub async fn restart_pdf(&self, actor: &UserInfo) -> Result<(), AppError> {
        super::require_admin(actor)?;
        self.pdf.restart().await;
        self.audit(&actor.username, "pdf.restart", "pdf_service", serde_json::json!({})).await;
        Ok(())
    }

    /// The newest output of `layer` among the job's finished runs.
    async fn latest_output(&self, job_id: &str, layer: &str) -> Result<Option<Value>, AppError> {
        let runs = self
            .list_runs(RunQuery { job_id: Some(job_id.into()), limit: 20, ..Default::default() })
            .await?;
        Ok(runs
            .into_iter()
            .filter(|r| matches!(r.status, RunStatus::Completed | RunStatus::Partial))
            .find_map(|r| r.layers.into_iter().find(|l| l.name == layer).and_then(|l| l.output))
            .filter(|o| o.get("skipped").is_none()))
    }

    async fn candidate_name(&self) -> String {
        let profile = self.profile().await.ok();
        profile
            .and_then(|p| p.resume["basics"]["name"].as_str().map(str::to_string))
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "Candidate".into())
    }

    /// The job's tailored CV (from its latest run; the master CV when it has none).
    pub async fn job_cv_pdf(&self, job_id: &str, options: PrintOptions) -> Result<Pdf, AppError> {
        let job = self.get_job(job_id).await?;
        let lines: Vec<CvLine> = match self.latest_output(job_id, "cv_generation").await? {
            Some(cv) => serde_json::from_value(cv["lines"].clone())
                .map_err(|e| AppError::Internal(format!("stored CV unreadable: {e}")))?,
            None => master_cv_lines(&self.profile().await?.resume),
        };
        let title = format!("CV — {} — {}", job.title, job.company);
        let html = crate::pdf::print::html(&cv_doc(&lines, &title));
        let bytes = self.pdf.render(&html, options).await?;
        Ok(Pdf { file_name: file_name("CV", &job.company, &job.title), bytes })
    }

    pub async fn cover_letter_pdf(
        &self,
        job_id: &str,
        options: PrintOptions,
    ) -> Result<Pdf, AppError> {
        let job = self.get_job(job_id).await?;
        let letter = self.latest_output(job_id, "cover_letter").await?.ok_or_else(|| {
            AppError::NotFound(format!(
                "job `{job_id}` has no cover letter yet; run the pipeline first"
            ))
        })?;
        let name = self.candidate_name().await;
        let title = format!("Cover letter — {} — {}", job.title, job.company);
        let doc = text_doc(&title, &name, &name, letter["text"].as_str().unwrap_or_default());
        let bytes = self.pdf.render(&crate::pdf::print::html(&doc), options).await?;
        Ok(Pdf { file_name: file_name("Cover_Letter", &job.company, &job.title), bytes })
    }

    pub async fn dossier_pdf(&self, job_id: &str, options: PrintOptions) -> Result<Pdf, AppError> {
        let job = self.get_job(job_id).await?;
        let dossier = self.latest_output(job_id, "publish").await?.ok_or_else(|| {
            AppError::NotFound(format!("job `{job_id}` has no dossier yet; run the pipeline first"))
        })?;
        let text = dossier["dossier"].as_str().unwrap_or_default().replace('\n', "\n\n");
        let title = format!("Dossier — {} — {}", job.title, job.company);
        let doc = text_doc(&title, &self.candidate_name().await, &title, &text);
        let bytes = self.pdf.render(&crate::pdf::print::html(&doc), options).await?;
        Ok(Pdf { file_name: file_name("Dossier", &job.company, &job.title), bytes })
    }

    pub async fn master_cv_pdf(&self, options: PrintOptions) -> Result<Pdf, AppError> {
        let resume = self.profile().await?.resume;
        let name = self.candidate_name().await;
        let html =
            crate::pdf::print::html(&cv_doc(&master_cv_lines(&resume), &format!("CV — {name}")));
        let bytes = self.pdf.render(&html, options).await?;
        Ok(Pdf {
            file_name: format!("CV_{}.pdf", name.split_whitespace().collect::<Vec<_>>().join("_")),
            bytes,
        })
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
    fn experience_entries_keep_their_facts_together() {
        let l = |section: &str, text: &str, source: &str| CvLine {
            section: section.into(),
            text: text.into(),
            source: source.into(),
        };
        let lines = vec![
            l("header", "Ada Lovelace", "master_cv:basics.name"),
            l("header", "Engineer", "master_cv:basics.label"),
            l("experience", "Staff Engineer", "master_cv:work[0].position"),
            l("experience", "Lumen", "master_cv:work[0].name"),
            l("experience", "2020-01 – present", "master_cv:work[0]"),
            l("experience", "Cut latency 40%", "master_cv:work[0].highlights[0]"),
            l("experience", "Engineer", "master_cv:work[1].position"),
            l("experience", "Tide", "master_cv:work[1].name"),
            l("skills", "Languages: Rust", "master_cv:skills[0]"),
        ];
        let doc = cv_doc(&lines, "CV");
        assert_eq!(
            (doc.heading.as_str(), doc.subheading.clone()),
            ("Ada Lovelace", vec!["Engineer".to_string()])
        );
        let exp = &doc.sections[0];
        assert_eq!(exp.entries.len(), 2);
        assert_eq!(exp.entries[0].header, ["Staff Engineer", "Lumen", "2020-01 – present"]);
        assert_eq!(exp.entries[0].bullets, ["Cut latency 40%"]);
        assert_eq!(doc.sections[1].entries[0].paragraphs, ["Languages: Rust"]);
    }
}
