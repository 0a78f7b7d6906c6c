//! One sentence of a generated document, with what it rests on and how it was made: the part
//! of every document's output that the evidence chain reads.

use crate::resume::Source;
use serde::{Deserialize, Serialize};

string_enum! {
    /// How a sentence was made from its sources.
    Transform {
        /// The source's own words.
        Verbatim => "verbatim",
        /// The source's words in another order.
        Reorder => "reorder",
        /// Most of the source's words, rewritten.
        Rephrase => "rephrase",
        /// A shorter or combined account of its sources.
        Summarise => "summarise",
        /// The writer's fixed wording (a greeting, a sign-off) around the job's own names.
        Template => "template",
        /// Written or edited by the user.
        UserWritten => "user_written",
    }
}

string_enum! {
    /// The document, or the part of an outreach message, a sentence belongs to.
    DocPart {
        Cv => "cv",
        CoverLetter => "cover_letter",
        LinkedinNote => "linkedin_note",
        EmailSubject => "email_subject",
        EmailBody => "email_body",
        Dossier => "dossier",
    }
}

/// What a sentence rests on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Grounding {
    /// A record of the candidate: a master-CV item or a STAR record.
    Record { source: Source },
    /// A span of the posting, quoted: the sentence speaks about the posting, not the candidate.
    Posting { quote: String },
    /// A company-research signal, with the page it came from.
    Signal { text: String, url: Option<String> },
}

/// One sentence of a generated document, with its sources and its transform.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Sentence {
    pub part: DocPart,
    pub text: String,
    pub transform: Transform,
    pub sources: Vec<Grounding>,
}
