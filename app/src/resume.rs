//! The master CV as jobintel reads it, and where a generated line comes from.
//!
//! `Resume` is a JSON Resume document with the fields the pipeline uses typed and every other
//! field kept as it came (`extra`, at each level), so a document imported and exported again is
//! the same document. Every field is optional, as in JSON Resume; an absent field stays absent.
//!
//! `Source` is a line's provenance: a master-CV item or a STAR record. It is written as text
//! (`master_cv:work[0].highlights[2]`, `star:ID`) on the wire and in the stores, parsed here
//! and nowhere else.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Resume {
    #[serde(default)]
    pub basics: Basics,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub work: Option<Vec<Work>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub education: Option<Vec<Education>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skills: Option<Vec<SkillGroup>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificates: Option<Vec<Certificate>>,
    /// Everything else (projects, languages, awards, `meta`, extensions), kept as it was.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Basics {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Location {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(default, rename = "countryCode", skip_serializing_if = "Option::is_none")]
    pub country_code: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One job: the employer is `name`, the title `position`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Work {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(default, rename = "startDate", skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    #[serde(default, rename = "endDate", skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub highlights: Option<Vec<String>>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Education {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub institution: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area: Option<String>,
    #[serde(default, rename = "studyType", skip_serializing_if = "Option::is_none")]
    pub study_type: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct SkillGroup {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keywords: Option<Vec<String>>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Certificate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An optional text as `&str`, empty when absent.
pub fn text(field: &Option<String>) -> &str {
    field.as_deref().unwrap_or_default()
}

/// An optional list as a slice, empty when absent.
pub fn list<T>(field: &Option<Vec<T>>) -> &[T] {
    field.as_deref().unwrap_or_default()
}

impl Resume {
    /// What an empty profile holds until a CV is imported or the basics are saved.
    pub fn empty() -> Self {
        Resume {
            basics: Basics { name: Some(String::new()), ..Basics::default() },
            ..Resume::default()
        }
    }

    /// The whole CV as one text (its JSON), for finding skills and keywords in it.
    pub fn as_text(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn work(&self) -> &[Work] {
        list(&self.work)
    }

    pub fn education(&self) -> &[Education] {
        list(&self.education)
    }

    pub fn skills(&self) -> &[SkillGroup] {
        list(&self.skills)
    }

    pub fn certificates(&self) -> &[Certificate] {
        list(&self.certificates)
    }
}

string_enum! {
    /// The basics a CV line can come from.
    BasicsField {
        Name => "name",
        Label => "label",
        Email => "email",
        Phone => "phone",
        Url => "url",
        Summary => "summary",
    }
}

impl Basics {
    pub fn field(&self, field: BasicsField) -> &Option<String> {
        match field {
            BasicsField::Name => &self.name,
            BasicsField::Label => &self.label,
            BasicsField::Email => &self.email,
            BasicsField::Phone => &self.phone,
            BasicsField::Url => &self.url,
            BasicsField::Summary => &self.summary,
        }
    }
}

/// Where a CV line comes from in the candidate's records.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Source {
    /// `master_cv:basics.name` and the other contact fields, and the summary.
    Basics(BasicsField),
    /// `master_cv:work[i]`: the job as a whole (its dates line, an editor item).
    Work(usize),
    /// `master_cv:work[i].position`: the job title.
    Position(usize),
    /// `master_cv:work[i].name`: the employer.
    Employer(usize),
    /// `master_cv:work[i].highlights[j]`.
    Highlight { work: usize, highlight: usize },
    /// `master_cv:skills[i]`: a skills group.
    Skills(usize),
    /// `master_cv:education[i]`.
    Education(usize),
    /// `master_cv:certificates[i].name`.
    Certificate(usize),
    /// `star:ID`: a STAR record.
    Star(String),
}

impl Source {
    /// Lines that state a fact as it is (name, contact, title, employer, dates, degree,
    /// certificate): a model may move them but never change or drop them. Highlights, STAR
    /// results, the summary and skills groups may be chosen and rephrased.
    pub fn is_fact(&self) -> bool {
        !matches!(
            self,
            Source::Highlight { .. }
                | Source::Star(_)
                | Source::Basics(BasicsField::Summary)
                | Source::Skills(_)
        )
    }

    /// The work item a line belongs to, if any.
    pub fn work(&self) -> Option<usize> {
        match self {
            Source::Work(i) | Source::Position(i) | Source::Employer(i) => Some(*i),
            Source::Highlight { work, .. } => Some(*work),
            _ => None,
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Basics(field) => write!(f, "master_cv:basics.{field}"),
            Source::Work(i) => write!(f, "master_cv:work[{i}]"),
            Source::Position(i) => write!(f, "master_cv:work[{i}].position"),
            Source::Employer(i) => write!(f, "master_cv:work[{i}].name"),
            Source::Highlight { work, highlight } => {
                write!(f, "master_cv:work[{work}].highlights[{highlight}]")
            }
            Source::Skills(i) => write!(f, "master_cv:skills[{i}]"),
            Source::Education(i) => write!(f, "master_cv:education[{i}]"),
            Source::Certificate(i) => write!(f, "master_cv:certificates[{i}].name"),
            Source::Star(id) => write!(f, "star:{id}"),
        }
    }
}

/// Text that is not a source jobintel writes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not a source: expected `master_cv:` and a path such as `work[0].highlights[2]`, \
     or `star:` and a STAR record's id"
)]
pub struct BadSource(pub String);

/// `name[3]` → 3.
fn indexed(part: &str, name: &str) -> Option<usize> {
    part.strip_prefix(name)?.strip_prefix('[')?.strip_suffix(']')?.parse().ok()
}

impl std::str::FromStr for Source {
    type Err = BadSource;

    fn from_str(s: &str) -> Result<Self, BadSource> {
        let bad = || BadSource(s.to_string());
        if let Some(id) = s.strip_prefix("star:") {
            if id.is_empty()
                || id.len() > 128
                || id.chars().any(|c| c.is_whitespace() || c.is_control())
            {
                return Err(bad());
            }
            return Ok(Source::Star(id.to_string()));
        }
        let path = s.strip_prefix("master_cv:").ok_or_else(bad)?;
        let parts: Vec<&str> = path.split('.').collect();
        let source = match parts.as_slice() {
            ["basics", field] => Source::Basics(field.parse().map_err(|_| bad())?),
            [work] => match indexed(work, "work") {
                Some(i) => Source::Work(i),
                None => match (indexed(work, "skills"), indexed(work, "education")) {
                    (Some(i), _) => Source::Skills(i),
                    (_, Some(i)) => Source::Education(i),
                    _ => return Err(bad()),
                },
            },
            [work, "position"] => Source::Position(indexed(work, "work").ok_or_else(bad)?),
            [work, "name"] => match (indexed(work, "work"), indexed(work, "certificates")) {
                (Some(i), _) => Source::Employer(i),
                (_, Some(i)) => Source::Certificate(i),
                _ => return Err(bad()),
            },
            [work, highlight] => Source::Highlight {
                work: indexed(work, "work").ok_or_else(bad)?,
                highlight: indexed(highlight, "highlights").ok_or_else(bad)?,
            },
            _ => return Err(bad()),
        };
        Ok(source)
    }
}

impl Serialize for Source {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Source {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str> as Deserialize>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(feature = "ssr")]
impl schemars::JsonSchema for Source {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Source".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "`master_cv:<path>` (e.g. `master_cv:work[0].highlights[2]`) or `star:<id>`",
            "pattern": "^(master_cv:|star:)",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_source_reads_back_from_its_text() {
        let sources = [
            Source::Basics(BasicsField::Name),
            Source::Basics(BasicsField::Summary),
            Source::Work(2),
            Source::Position(0),
            Source::Employer(1),
            Source::Highlight { work: 1, highlight: 12 },
            Source::Skills(3),
            Source::Education(0),
            Source::Certificate(4),
            Source::Star("01HX-abc_9".into()),
        ];
        for s in sources {
            assert_eq!(s.to_string().parse::<Source>(), Ok(s.clone()), "{s}");
        }
        assert_eq!(
            "master_cv:work[0].highlights[2]".parse(),
            Ok(Source::Highlight { work: 0, highlight: 2 })
        );
    }

    #[test]
    fn text_that_is_not_a_source_is_refused() {
        for bad in [
            "",
            "cv:work[0]",
            "master_cv:",
            "master_cv:work[x]",
            "master_cv:work[0].highlights",
            "master_cv:work[0].summary",
            "master_cv:basics.password",
            "master_cv:skills[0].name",
            "master_cv:work[0].highlights[1].x",
            "star:",
            "star:a b",
        ] {
            assert!(bad.parse::<Source>().is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn a_resume_round_trips_with_its_unknown_fields_and_empty_lists() {
        let doc = json!({
            "basics": {"name": "Ada", "profiles": [{"network": "x"}], "location": {"city": "L", "region": "R"}},
            "work": [{"name": "Lumen", "position": "Eng", "highlights": ["a"], "summary": "s", "x-rank": 3}],
            "education": [],
            "projects": [{"name": "p"}],
            "meta": {"version": "v1"}
        });
        let resume: Resume = serde_json::from_value(doc.clone()).unwrap();
        assert_eq!(resume.work()[0].name.as_deref(), Some("Lumen"));
        assert_eq!(serde_json::to_value(&resume).unwrap(), doc);
    }
}
