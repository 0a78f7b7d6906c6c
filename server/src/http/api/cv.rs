//! A job's tailored CV in the editor, its versions, and every document as a PDF.

use super::{ApiResult, Op, Tag, invalid_body};
use crate::http::openapi::{Api, Body};
use crate::http::{ApiJson, AppState, BodyText, CurrentUser};
use crate::services::{Pdf, PrintOverrides, require_admin};
use app::cv::{CvEditorState, CvSave, CvVersion, CvVersionSummary};
use app::error::AppError;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub fn routes() -> Api {
    let version = |op: Op| {
        op.tag(Tag::Cv)
            .path_param::<u32>("number", "The version number, from 1")
            .error(400, "Not a version number")
            .error(404, "No such job or version")
    };
    Api::new()
        .route(
            Op::get(
                "/api/jobs/{id}/cv-editor",
                "The job's CV for the editor: the latest saved version, else the pipeline's \
                 draft, else the master CV; with the posting's keywords",
            )
            .tag(Tag::Cv)
            .ok::<CvEditorState>(200, "The editor state")
            .error(404, "No such job"),
            get(cv_editor),
        )
        .route(
            Op::put("/api/jobs/{id}/cv-editor", "Saves the document as the job's next version")
                .tag(Tag::Cv)
                .admin()
                .body::<CvSave>()
                .ok::<CvVersionSummary>(200, "The new version")
                .error(404, "No such job")
                .error(409, "Another save happened since base_version")
                .error(422, "An invalid document; the message names the field"),
            axum::routing::put(save_cv),
        )
        .route(
            Op::get("/api/jobs/{id}/cv-editor/versions", "The job's CV versions, newest first")
                .tag(Tag::Cv)
                .ok::<Vec<CvVersionSummary>>(200, "Versions")
                .error(404, "No such job"),
            get(cv_versions),
        )
        .route(
            version(Op::get(
                "/api/jobs/{id}/cv-editor/versions/{number}",
                "One CV version with its document",
            ))
            .ok::<CvVersion>(200, "The version"),
            get(cv_version),
        )
        .route(
            version(Op::post(
                "/api/jobs/{id}/cv-editor/versions/{number}/restore",
                "Makes an old version the newest again, as a new version",
            ))
            .admin()
            .ok::<CvVersionSummary>(200, "The new version"),
            post(restore_cv_version),
        )
        .route(
            version(Op::post(
                "/api/jobs/{id}/cv-editor/versions/{number}/sent",
                "Marks the version sent to the employer (no body) and locks what was sent: the \
                 PDF byte for byte, the letter, the posting, the run (audited). A sent version \
                 cannot be marked again or unmarked; {\"sent\": false} unmarks only versions \
                 marked before packets existed",
            ))
            .admin()
            .error(409, "The version was sent and is locked")
            .optional_body::<SentRequest>()
            .ok::<CvVersionSummary>(200, "The version"),
            post(mark_cv_sent),
        )
        .route(
            version(Op::get(
                "/api/jobs/{id}/cv-editor/versions/{number}/packet",
                "What was sent: the PDF's SHA-256 and size, the cover letter, the posting as it \
                 read, the run, models and prompt versions (locked when the version was marked \
                 sent)",
            ))
            .ok::<app::cv::SentPacket>(200, "The sent packet")
            .error(404, "No such job, or that version was not sent"),
            get(sent_packet),
        )
        .route(
            version(Op::get(
                "/api/jobs/{id}/cv-editor/versions/{number}/packet/pdf",
                "The PDF that was sent, byte for byte (its SHA-256 is the packet's `pdf_sha256`)",
            ))
            .ok_as(200, "The PDF, as an attachment", Body::Pdf)
            .error(404, "No such job, or that version was not sent"),
            get(sent_pdf),
        )
        .route(
            pdf(Op::post(
                "/api/jobs/{id}/cv-editor/pdf",
                "The job's CV as a PDF (CV_<Company>_<Role>.pdf): the editor's latest version, \
                 else the pipeline's draft, else the master CV",
            )),
            post(cv_pdf),
        )
        .route(
            Op::get(
                "/api/jobs/{id}/cv-editor/claims",
                "The claims to check in the saved CV: in each line the user wrote or edited, \
                 the numbers, degrees, employers and technologies no record supports (a \
                 warning; nothing is blocked)",
            )
            .ok::<Vec<app::outputs::BlockedClaim>>(200, "The claims, with their line")
            .error(404, "No such job"),
            get(cv_claims),
        )
        .route(
            Op::post(
                "/api/jobs/{id}/cv-editor/pdf-check",
                "Prints the job's CV as its export would and reads the PDF's text back: every \
                 line present, in order, with the same characters",
            )
            .tag(Tag::Pdf)
            .rate_limited()
            .ok::<app::cv::ParseBack>(200, "The parse-back report")
            .error(404, "No such job")
            .error(503, "Renderer busy (with Retry-After) or unavailable")
            .error(504, "The render took longer than PDF_TIMEOUT_SECONDS"),
            post(cv_pdf_check),
        )
        .route(
            Op::post(
                "/api/jobs/{id}/cv-editor/fit",
                "Fits the CV (the document sent, else the saved one) to a page count (else its \
                 page budget) by cutting its least relevant bullets, lowest first, never by \
                 shrinking the type (body text stays at 9 pt or more, line height 1.15, margins \
                 8 mm); returns the fitted document and what was cut, without saving it",
            )
            .tag(Tag::Pdf)
            .rate_limited()
            .body::<app::cv::fit::FitRequest>()
            .ok::<app::cv::fit::CvFit>(
                200,
                "The fit (`fits` false when even every cut would not do)",
            )
            .error(404, "No such job")
            .error(422, "An invalid document or page count (the field is named)")
            .error(503, "Renderer busy (with Retry-After) or unavailable")
            .error(504, "The render took longer than PDF_TIMEOUT_SECONDS"),
            post(cv_fit),
        )
        .route(
            pdf(Op::post("/api/jobs/{id}/cover-letter/pdf", "The job's cover letter as a PDF")),
            post(cover_letter_pdf),
        )
        .route(
            pdf(Op::post("/api/jobs/{id}/dossier/pdf", "The job's dossier as a PDF")),
            post(dossier_pdf),
        )
        .route(pdf(Op::post("/api/profile/cv/pdf", "The master CV as a PDF")), post(master_cv_pdf))
}

/// What every PDF endpoint takes and answers.
fn pdf(op: Op) -> Op {
    op.tag(Tag::Pdf)
        .rate_limited()
        .optional_body::<PrintOverrides>()
        .ok_as(
            200,
            "The PDF, as an attachment (`filename` and RFC 5987 `filename*`); the `X-Parse-Back` \
             header says whether its text read back as printed (`ok; lines=N`, or `failed; …` \
             with the counts of missing, replaced and out-of-order lines)",
            Body::Pdf,
        )
        .error(404, "No such job, or nothing to print yet")
        .error(422, "Invalid print options")
        .error(503, "Renderer busy (with Retry-After) or unavailable")
        .error(504, "The render took longer than PDF_TIMEOUT_SECONDS")
}

#[derive(Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SentRequest {
    sent: bool,
}

/// The optional body of the PDF endpoints: `paper` (`A4` | `Letter`), `page_numbers`,
/// `margin_mm`; what is left out keeps the document's settings.
fn print_overrides(body: &str) -> Result<PrintOverrides, AppError> {
    if body.trim().is_empty() {
        return Ok(Default::default());
    }
    serde_json::from_str(body).map_err(invalid_body)
}

async fn cv_editor(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<CvEditorState>> {
    Ok(Json(s.services.cv_editor(&id).await?))
}

async fn save_cv(
    State(s): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    ApiJson(save): ApiJson<CvSave>,
) -> ApiResult<Json<CvVersionSummary>> {
    Ok(Json(s.services.save_cv(&user, &id, save).await?))
}

async fn cv_versions(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<CvVersionSummary>>> {
    Ok(Json(s.services.cv_versions(&id).await?))
}

/// A version number from the path: a positive integer, else 400 naming it.
fn version_number(raw: &str) -> Result<u32, AppError> {
    raw.parse::<u32>().ok().filter(|n| *n > 0).ok_or_else(|| {
        AppError::BadRequest(format!("version must be a positive whole number, got `{raw}`"))
    })
}

async fn cv_version(
    State(s): State<AppState>,
    Path((id, number)): Path<(String, String)>,
) -> ApiResult<Json<CvVersion>> {
    Ok(Json(s.services.cv_version(&id, version_number(&number)?).await?))
}

async fn restore_cv_version(
    State(s): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path((id, number)): Path<(String, String)>,
) -> ApiResult<Json<CvVersionSummary>> {
    Ok(Json(s.services.restore_cv_version(&user, &id, version_number(&number)?).await?))
}

async fn mark_cv_sent(
    State(s): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path((id, number)): Path<(String, String)>,
    BodyText(body): BodyText,
) -> ApiResult<Json<CvVersionSummary>> {
    require_admin(&user)?;
    // No body marks the version as sent; `{"sent": false}` takes the mark off.
    let sent = if body.trim().is_empty() {
        true
    } else {
        serde_json::from_str::<SentRequest>(&body).map_err(invalid_body)?.sent
    };
    Ok(Json(s.services.mark_cv_sent(&user, &id, version_number(&number)?, sent).await?))
}

/// Everything but RFC 5987's `attr-char`.
const ATTR_CHAR: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// `attachment` with an ASCII `filename` and the exact name as RFC 5987 `filename*`.
fn content_disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' { c } else { '_' })
        .collect();
    let encoded = percent_encoding::utf8_percent_encode(name, ATTR_CHAR);
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

fn pdf_response(pdf: Pdf) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CONTENT_DISPOSITION, content_disposition(&pdf.file_name)),
            (header::CACHE_CONTROL, "no-store".to_string()),
            (header::HeaderName::from_static("x-parse-back"), pdf.check.summary()),
        ],
        pdf.bytes,
    )
        .into_response()
}

async fn cv_pdf(
    State(s): State<AppState>,
    Path(id): Path<String>,
    BodyText(body): BodyText,
) -> ApiResult<Response> {
    Ok(pdf_response(s.services.job_cv_pdf(&id, &print_overrides(&body)?).await?))
}

async fn sent_packet(
    State(s): State<AppState>,
    Path((id, number)): Path<(String, String)>,
) -> ApiResult<Json<app::cv::SentPacket>> {
    Ok(Json(s.services.sent_packet(&id, version_number(&number)?).await?))
}

async fn sent_pdf(
    State(s): State<AppState>,
    Path((id, number)): Path<(String, String)>,
) -> ApiResult<Response> {
    let (file_name, bytes) = s.services.sent_pdf(&id, version_number(&number)?).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CONTENT_DISPOSITION, content_disposition(&file_name)),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        bytes,
    )
        .into_response())
}

async fn cv_claims(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<app::outputs::BlockedClaim>>> {
    Ok(Json(s.services.cv_claims(&id).await?))
}

async fn cv_pdf_check(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<app::cv::ParseBack>> {
    Ok(Json(s.services.job_cv_pdf(&id, &PrintOverrides::default()).await?.check))
}

async fn cv_fit(
    State(s): State<AppState>,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<app::cv::fit::FitRequest>,
) -> ApiResult<Json<app::cv::fit::CvFit>> {
    Ok(Json(s.services.fit_cv(&id, request).await?))
}

async fn cover_letter_pdf(
    State(s): State<AppState>,
    Path(id): Path<String>,
    BodyText(body): BodyText,
) -> ApiResult<Response> {
    Ok(pdf_response(s.services.cover_letter_pdf(&id, &print_overrides(&body)?).await?))
}

async fn dossier_pdf(
    State(s): State<AppState>,
    Path(id): Path<String>,
    BodyText(body): BodyText,
) -> ApiResult<Response> {
    Ok(pdf_response(s.services.dossier_pdf(&id, &print_overrides(&body)?).await?))
}

async fn master_cv_pdf(State(s): State<AppState>, BodyText(body): BodyText) -> ApiResult<Response> {
    Ok(pdf_response(s.services.master_cv_pdf(&print_overrides(&body)?).await?))
}
