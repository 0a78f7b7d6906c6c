//! The CV editor's form, as HTML built from the document, and the two operations its events
//! map to: setting a field (`data-field` paths such as `sections.1.items.0.title`) and a change
//! of shape (`data-action` on buttons). The page renders this HTML on the server and again in
//! the browser after a change of shape; one delegated listener handles every field, so the WASM
//! bundle carries no view code per field.
//!
//! Deliberately ours: a form generated as HTML (not Leptos views) is what keeps the editor's
//! lazy chunk small, and no crate builds this document's form.

use super::print::escape;
use super::*;
use std::fmt::Write;

fn line(out: &mut String, label: &str, field: &str, value: &str) {
    let _ = write!(
        out,
        "<label class=\"field\"><span>{label}</span><input type=\"text\" value=\"{}\" data-field=\"{field}\" data-testid=\"{}\"></label>",
        escape(value),
        testid(field)
    );
}

fn text(out: &mut String, label: &str, field: &str, value: &str) {
    let rows = (value.len() / 70 + 1).clamp(1, 8);
    let _ = write!(
        out,
        "<label class=\"field\"><span>{label}</span><textarea rows=\"{rows}\" data-field=\"{field}\" data-testid=\"{}\">{}</textarea></label>",
        testid(field),
        escape(value)
    );
}

fn number(out: &mut String, label: &str, field: &str, value: f64, step: &str) {
    let _ = write!(
        out,
        "<label class=\"field\"><span>{label}</span><input type=\"number\" step=\"{step}\" value=\"{value}\" data-field=\"{field}\" data-testid=\"{}\"></label>",
        testid(field)
    );
}

fn testid(field: &str) -> String {
    field.replace('.', "-")
}

/// What a line's chip says, its class and its tooltip: the source it comes from,
/// "user-edited · from" that source, or "user-written".
pub fn chip_parts(provenance: &Option<Provenance>) -> (&'static str, String, String) {
    match provenance {
        Some(p) if p.edited => {
            ("chip user", format!("user-edited · from {}", p.label), p.source.to_string())
        }
        Some(p) => ("chip source", p.label.clone(), p.source.to_string()),
        None => ("chip user", "user-written".into(), String::new()),
    }
}

fn chip(out: &mut String, provenance: &Option<Provenance>) {
    let (class, text, title) = chip_parts(provenance);
    let _ = write!(
        out,
        "<span class=\"{class}\" title=\"{}\" data-testid=\"chip\">{}</span>",
        escape(&title),
        escape(&text)
    );
}

/// The provenance of the line (an entry or one of its bullets) that `field` belongs to.
pub fn provenance_of<'d>(doc: &'d CvDocument, field: &str) -> Option<&'d Option<Provenance>> {
    let parts: Vec<&str> = field.split('.').collect();
    let ["sections", s, "items", i, rest @ ..] = parts.as_slice() else { return None };
    let item = doc.sections.get(index(Some(s))?)?.items.get(index(Some(i))?)?;
    match rest {
        ["bullets", b, "text"] => Some(&item.bullets.get(index(Some(b))?)?.provenance),
        [_] => Some(&item.provenance),
        _ => None,
    }
}

/// Marks the line of `field` user-edited, keeping its source as where it came from.
fn mark_edited(doc: &mut CvDocument, field: &str) {
    let parts: Vec<&str> = field.split('.').collect();
    let ["sections", s, "items", i, rest @ ..] = parts.as_slice() else { return };
    let item = doc
        .sections
        .get_mut(index(Some(s)).unwrap_or(usize::MAX))
        .and_then(|x| x.items.get_mut(index(Some(i)).unwrap_or(usize::MAX)));
    let Some(item) = item else { return };
    let provenance = match rest {
        ["bullets", b, "text"] => {
            item.bullets.get_mut(index(Some(b)).unwrap_or(usize::MAX)).map(|x| &mut x.provenance)
        }
        [_] => Some(&mut item.provenance),
        _ => None,
    };
    if let Some(Some(p)) = provenance {
        p.edited = true;
    }
}

/// Up, down and remove buttons for entry `at` (e.g. `1.0.2`) of a list of `len`.
fn tools(out: &mut String, what: &str, at: &str, index: usize, len: usize) {
    let disabled = |off: bool| if off { " disabled" } else { "" };
    let _ = write!(
        out,
        "<button type=\"button\" class=\"link\" title=\"Move the {what} up\" data-action=\"up\" data-at=\"{at}\"{}>↑</button>\
<button type=\"button\" class=\"link\" title=\"Move the {what} down\" data-action=\"down\" data-at=\"{at}\"{}>↓</button>\
<button type=\"button\" class=\"link\" title=\"Remove the {what}\" data-action=\"remove\" data-at=\"{at}\">✕</button>",
        disabled(index == 0),
        disabled(index + 1 == len),
    );
}

fn add(out: &mut String, label: &str, action: &str, at: &str, testid: &str) {
    let _ = write!(
        out,
        "<button type=\"button\" class=\"secondary small\" data-action=\"{action}\" data-at=\"{at}\" data-testid=\"{testid}\">{label}</button>"
    );
}

fn select(out: &mut String, label: &str, field: &str, options: &[(&str, String)], selected: &str) {
    let _ = write!(
        out,
        "<label class=\"field\"><span>{label}</span><select data-field=\"{field}\" data-testid=\"{}\">",
        testid(field)
    );
    for (value, text) in options {
        let on = if *value == selected { " selected" } else { "" };
        let _ = write!(out, "<option value=\"{value}\"{on}>{}</option>", escape(text));
    }
    out.push_str("</select></label>");
}

fn item(out: &mut String, kind: SectionKind, s: usize, i: usize, len: usize, item: &CvItem) {
    let at = format!("sections.{s}.items.{i}");
    out.push_str("<div class=\"cv-item\"><div class=\"row item-tools\">");
    chip(out, &item.provenance);
    tools(out, "entry", &format!("{s}.{i}"), i, len);
    out.push_str("</div>");
    let (title_label, subtitle_label) = kind.item_labels();
    if kind != SectionKind::Summary {
        line(out, title_label, &format!("{at}.title"), &item.title);
        if !subtitle_label.is_empty() {
            line(out, subtitle_label, &format!("{at}.subtitle"), &item.subtitle);
        }
    }
    let lists = !matches!(kind, SectionKind::Summary | SectionKind::Skills);
    if lists {
        out.push_str("<div class=\"row\">");
        line(out, "Dates", &format!("{at}.dates"), &item.dates);
        line(out, "Location", &format!("{at}.location"), &item.location);
        out.push_str("</div>");
    }
    let text_label = match kind {
        SectionKind::Skills => "Skills (comma separated)",
        SectionKind::Summary => "Summary",
        _ => "Text",
    };
    text(out, text_label, &format!("{at}.text"), &item.text);
    for (b, bullet) in item.bullets.iter().enumerate() {
        out.push_str("<div class=\"bullet\">");
        text(out, "Bullet", &format!("{at}.bullets.{b}.text"), &bullet.text);
        out.push_str("<div class=\"bullet-tools\">");
        chip(out, &bullet.provenance);
        tools(out, "bullet", &format!("{s}.{i}.{b}"), b, item.bullets.len());
        out.push_str("</div></div>");
    }
    if lists {
        add(out, "+ Bullet", "add-bullet", &format!("{s}.{i}"), &format!("add-bullet-{s}-{i}"));
    }
    out.push_str("</div>");
}

/// The whole form for `doc`.
pub fn form_html(doc: &CvDocument) -> String {
    let mut out = String::new();
    let h = &doc.header;
    out.push_str("<fieldset class=\"cv-block\"><legend>Header</legend>");
    line(&mut out, "Name", "header.name", &h.name);
    line(&mut out, "Headline", "header.headline", &h.headline);
    for (i, link) in h.links.iter().enumerate() {
        out.push_str("<div class=\"row\">");
        line(&mut out, "Label", &format!("header.links.{i}.label"), &link.label);
        line(&mut out, "Address (https, mailto, tel)", &format!("header.links.{i}.url"), &link.url);
        let _ = write!(
            out,
            "<button type=\"button\" class=\"link\" title=\"Remove this contact line\" data-action=\"remove-link\" data-at=\"{i}\">✕</button></div>"
        );
    }
    add(&mut out, "+ Contact line", "add-link", "", "add-link");
    out.push_str("</fieldset>");
    for (s, section) in doc.sections.iter().enumerate() {
        let _ = write!(
            out,
            "<fieldset class=\"cv-block\" data-testid=\"section-{s}\"><legend>{} section</legend><div class=\"row\">",
            section.kind.default_title()
        );
        line(&mut out, "Heading", &format!("sections.{s}.title"), &section.title);
        tools(&mut out, "section", &s.to_string(), s, doc.sections.len());
        out.push_str("</div>");
        for (i, it) in section.items.iter().enumerate() {
            item(&mut out, section.kind, s, i, section.items.len(), it);
        }
        add(&mut out, "+ Entry", "add-item", &s.to_string(), &format!("add-item-{s}"));
        out.push_str("</fieldset>");
    }
    out.push_str(
        "<div class=\"row\"><select id=\"new-section-kind\" data-testid=\"new-section-kind\">",
    );
    for kind in SectionKind::ALL {
        let on = if kind == SectionKind::Custom { " selected" } else { "" };
        let _ = write!(
            out,
            "<option value=\"{}\"{on}>{}</option>",
            kind.as_str(),
            kind.default_title()
        );
    }
    out.push_str("</select>");
    let _ = write!(
        out,
        "<button type=\"button\" data-action=\"add-section\" data-at=\"\" data-testid=\"add-section\">+ Section</button></div>"
    );
    settings(&mut out, &doc.settings);
    out
}

fn settings(out: &mut String, s: &CvSettings) {
    out.push_str(
        "<fieldset class=\"cv-block\"><legend>Document settings</legend><div class=\"row\">",
    );
    let fonts: Vec<(&str, String)> =
        Font::ALL.iter().map(|f| (f.as_str(), f.label().to_string())).collect();
    select(out, "Font", "settings.font", &fonts, s.font.as_str());
    number(out, "Size (pt)", "settings.font_size_pt", s.font_size_pt, "0.5");
    number(out, "Line height", "settings.line_height", s.line_height, "0.05");
    let _ = write!(
        out,
        "<label class=\"field\"><span>Accent</span><input type=\"color\" value=\"{}\" data-field=\"settings.accent\" data-testid=\"settings-accent\"></label></div><div class=\"row\">",
        escape(&s.accent)
    );
    let papers = [Paper::A4, Paper::Letter].map(|p| (p.as_str(), p.as_str().to_string()));
    select(out, "Paper", "settings.paper", &papers, s.paper.as_str());
    let mut presets: Vec<(&str, String)> =
        MARGIN_PRESETS.iter().map(|(name, mm)| (*name, format!("{name} ({mm} mm)"))).collect();
    presets.push(("custom", "Custom".into()));
    let preset = MARGIN_PRESETS.iter().find(|(_, mm)| *mm == s.margin_mm).map_or("custom", |p| p.0);
    select(out, "Margins", "settings.margin_preset", &presets, preset);
    number(out, "Margin (mm)", "settings.margin_mm", s.margin_mm, "1");
    let checked = if s.page_numbers { " checked" } else { "" };
    let _ = write!(
        out,
        "</div><div class=\"row\"><label class=\"check\"><input type=\"checkbox\" data-field=\"settings.page_numbers\"{checked}> Page numbers</label>"
    );
    number(out, "Page budget", "settings.page_budget", f64::from(s.page_budget), "1");
    out.push_str("</div></fieldset>");
}

fn index(part: Option<&str>) -> Option<usize> {
    part?.parse().ok()
}

/// Sets the field a `data-field` path names; false when the path or the value does not fit
/// (a number field holding no number yet, say), leaving the document as it was.
pub fn set_field(doc: &mut CvDocument, field: &str, value: &str) -> bool {
    let parts: Vec<&str> = field.split('.').collect();
    let number = || value.trim().parse::<f64>().ok();
    let slot: Option<&mut String> = match parts.as_slice() {
        ["header", "name"] => Some(&mut doc.header.name),
        ["header", "headline"] => Some(&mut doc.header.headline),
        ["header", "links", i, key] => {
            let link = doc.header.links.get_mut(index(Some(i)).unwrap_or(usize::MAX));
            link.and_then(|l| match *key {
                "label" => Some(&mut l.label),
                "url" => Some(&mut l.url),
                _ => None,
            })
        }
        ["sections", s, "title"] => {
            doc.sections.get_mut(index(Some(s)).unwrap_or(usize::MAX)).map(|x| &mut x.title)
        }
        ["sections", s, "items", i, rest @ ..] => {
            let item = doc
                .sections
                .get_mut(index(Some(s)).unwrap_or(usize::MAX))
                .and_then(|x| x.items.get_mut(index(Some(i)).unwrap_or(usize::MAX)));
            item.and_then(|it| match rest {
                ["title"] => Some(&mut it.title),
                ["subtitle"] => Some(&mut it.subtitle),
                ["dates"] => Some(&mut it.dates),
                ["location"] => Some(&mut it.location),
                ["text"] => Some(&mut it.text),
                ["bullets", b, "text"] => {
                    it.bullets.get_mut(index(Some(b)).unwrap_or(usize::MAX)).map(|x| &mut x.text)
                }
                _ => None,
            })
        }
        ["settings", key] => {
            let s = &mut doc.settings;
            return match *key {
                "font" => Font::ALL
                    .into_iter()
                    .find(|f| f.as_str() == value)
                    .map(|f| s.font = f)
                    .is_some(),
                "paper" => {
                    s.paper = if value == "Letter" { Paper::Letter } else { Paper::A4 };
                    true
                }
                "accent" => {
                    s.accent = value.to_string();
                    true
                }
                "font_size_pt" => number().map(|v| s.font_size_pt = v).is_some(),
                "line_height" => number().map(|v| s.line_height = v).is_some(),
                "margin_mm" => number().map(|v| s.margin_mm = v).is_some(),
                "margin_preset" => MARGIN_PRESETS
                    .iter()
                    .find(|p| p.0 == value)
                    .map(|p| s.margin_mm = p.1)
                    .is_some(),
                "page_numbers" => {
                    s.page_numbers = value == "true";
                    true
                }
                "page_budget" => {
                    number().map(|v| s.page_budget = v.clamp(0.0, 100.0) as u32).is_some()
                }
                _ => false,
            };
        }
        _ => None,
    };
    match slot {
        Some(slot) if *slot == value => true,
        Some(slot) => {
            *slot = value.to_string();
            mark_edited(doc, field);
            true
        }
        None => false,
    }
}

fn swap<T>(list: &mut [T], a: usize, b: usize) -> bool {
    let ok = a < list.len() && b < list.len();
    if ok {
        list.swap(a, b);
    }
    ok
}

fn reorder<T>(list: &mut Vec<T>, i: usize, action: &str) -> bool {
    match action {
        "up" => i > 0 && swap(list, i, i - 1),
        "down" => swap(list, i, i + 1),
        "remove" if i < list.len() => {
            list.remove(i);
            true
        }
        _ => false,
    }
}

/// Applies a button's `data-action` at `data-at` (`s`, `s.i` or `s.i.b`); `kind` is the new
/// section's kind for `add-section`. False when nothing changed.
pub fn apply_action(doc: &mut CvDocument, action: &str, at: &str, kind: Option<&str>) -> bool {
    let idx: Vec<usize> = at.split('.').filter_map(|p| p.parse().ok()).collect();
    match (action, idx.as_slice()) {
        ("add-link", _) => {
            doc.header.links.push(CvLink::default());
            true
        }
        ("remove-link", [i]) => reorder(&mut doc.header.links, *i, "remove"),
        ("add-section", _) => {
            let kind = kind.and_then(SectionKind::parse).unwrap_or_default();
            doc.sections.push(CvSection {
                kind,
                title: kind.default_title().into(),
                items: vec![CvItem::default()],
            });
            true
        }
        ("add-item", [s]) => {
            doc.sections.get_mut(*s).map(|x| x.items.push(CvItem::default())).is_some()
        }
        ("add-bullet", [s, i]) => doc
            .sections
            .get_mut(*s)
            .and_then(|x| x.items.get_mut(*i))
            .map(|x| x.bullets.push(CvBullet::default()))
            .is_some(),
        (op, [s]) => reorder(&mut doc.sections, *s, op),
        (op, [s, i]) => doc.sections.get_mut(*s).is_some_and(|x| reorder(&mut x.items, *i, op)),
        (op, [s, i, b]) => doc
            .sections
            .get_mut(*s)
            .and_then(|x| x.items.get_mut(*i))
            .is_some_and(|x| reorder(&mut x.bullets, *b, op)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> CvDocument {
        let item = |t: &str| CvItem {
            title: t.into(),
            bullets: vec![
                CvBullet { text: "a".into(), provenance: None },
                CvBullet { text: "b".into(), provenance: None },
            ],
            ..Default::default()
        };
        CvDocument {
            header: CvHeader { name: "Ada".into(), ..Default::default() },
            sections: vec![
                CvSection {
                    kind: SectionKind::Summary,
                    title: "Summary".into(),
                    items: vec![CvItem::default()],
                },
                CvSection {
                    kind: SectionKind::Experience,
                    title: "Experience".into(),
                    items: vec![item("x"), item("y")],
                },
            ],
            settings: CvSettings::default(),
        }
    }

    #[test]
    fn fields_are_set_by_path_and_bad_paths_change_nothing() {
        let mut d = doc();
        assert!(set_field(&mut d, "header.headline", "Engineer"));
        assert!(set_field(&mut d, "sections.1.items.1.bullets.0.text", "Led <x>"));
        assert!(set_field(&mut d, "settings.font_size_pt", "12.5"));
        assert!(set_field(&mut d, "settings.margin_preset", "Wide"));
        assert!(set_field(&mut d, "settings.page_numbers", "false"));
        assert_eq!(d.header.headline, "Engineer");
        assert_eq!(d.sections[1].items[1].bullets[0].text, "Led <x>");
        assert_eq!((d.settings.font_size_pt, d.settings.margin_mm), (12.5, 25.0));
        assert!(!d.settings.page_numbers);
        let before = d.clone();
        for bad in [
            "sections.9.title",
            "sections.1.items.0.bullets.7.text",
            "settings.font_size_pt",
            "nope",
            "sections.x.title",
        ] {
            assert!(!set_field(&mut d, bad, "?"), "{bad}");
        }
        assert_eq!(d, before);
    }

    #[test]
    fn an_edited_line_becomes_user_edited_and_keeps_its_source_as_from() {
        let mut d = doc();
        let sourced = |label: &str| {
            Some(Provenance {
                source: "master_cv:work[0].highlights[1]".parse().unwrap(),
                label: label.into(),
                edited: false,
            })
        };
        d.sections[1].items[0].provenance = sourced("Master CV · Fjordpay AB");
        d.sections[1].items[0].bullets[0].provenance =
            sourced("Master CV · Fjordpay AB, highlight 2");
        d.sections[1].items[0].bullets[1].provenance =
            sourced("Master CV · Fjordpay AB, highlight 3");
        // Setting a field to what it already says is no edit.
        assert!(set_field(&mut d, "sections.1.items.0.bullets.0.text", "a"));
        assert!(!d.sections[1].items[0].bullets[0].provenance.as_ref().unwrap().edited);

        assert!(set_field(&mut d, "sections.1.items.0.bullets.0.text", "Led 12 teams at Initech"));
        let field = "sections.1.items.0.bullets.0.text";
        let edited = provenance_of(&d, field).unwrap();
        assert!(edited.as_ref().unwrap().edited);
        let (class, text, title) = chip_parts(edited);
        assert_eq!(class, "chip user");
        assert_eq!(text, "user-edited · from Master CV · Fjordpay AB, highlight 2");
        assert_eq!(title, "master_cv:work[0].highlights[1]", "the source is kept");
        let untouched = provenance_of(&d, "sections.1.items.0.bullets.1.text").unwrap();
        assert_eq!(chip_parts(untouched).0, "chip source", "only the edited line changes");
        assert!(!d.sections[1].items[0].provenance.as_ref().unwrap().edited);
        assert!(set_field(&mut d, "sections.1.items.0.title", "Principal"));
        assert!(d.sections[1].items[0].provenance.as_ref().unwrap().edited, "the entry too");
        assert!(form_html(&d).contains("user-edited · from Master CV · Fjordpay AB, highlight 2"));
        assert_eq!(chip_parts(&None).1, "user-written");
    }

    #[test]
    fn actions_reorder_add_and_remove() {
        let mut d = doc();
        assert!(apply_action(&mut d, "down", "0", None));
        assert_eq!(d.sections[0].kind, SectionKind::Experience);
        assert!(apply_action(&mut d, "up", "0.1", None));
        assert_eq!(d.sections[0].items[0].title, "y");
        assert!(apply_action(&mut d, "remove", "0.0.0", None));
        assert_eq!(d.sections[0].items[0].bullets.len(), 1);
        assert!(apply_action(&mut d, "add-bullet", "0.1", None));
        assert_eq!(d.sections[0].items[1].bullets.len(), 3);
        assert!(apply_action(&mut d, "add-section", "", Some("projects")));
        assert_eq!(d.sections[2].kind, SectionKind::Projects);
        assert!(!apply_action(&mut d, "up", "0", None), "the first cannot move up");
        assert!(!apply_action(&mut d, "remove", "9.9", None));
    }

    #[test]
    fn the_form_escapes_user_text_and_names_every_field() {
        let mut d = doc();
        d.header.name = "<script>\"x\"</script>".into();
        let html = form_html(&d);
        assert!(!html.contains("<script>") && html.contains("&lt;script&gt;&quot;x&quot;"));
        assert!(html.contains("data-field=\"sections.1.items.1.bullets.1.text\""));
        assert!(html.contains("data-testid=\"add-bullet-1-0\""));
        assert!(
            html.contains("title=\"Move the section down\" data-action=\"down\" data-at=\"0\">")
        );
    }
}
