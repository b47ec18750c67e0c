//! Reading a page the way a person does: the heading, fields by their label, links and buttons
//! by their text, and what the browser would send when a button is pressed. Shared by the tests
//! that drive the emulator's and the portal's forms.

use std::collections::HashMap;

use scraper::{Html, Selector};

pub struct Page {
    pub url: url::Url,
    pub status: u16,
    pub html: String,
}

pub fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap()
}

impl Page {
    pub fn doc(&self) -> Html {
        Html::parse_document(&self.html)
    }

    pub fn text(&self) -> String {
        self.doc()
            .root_element()
            .text()
            .collect::<Vec<_>>()
            .join(" ")
    }

    pub fn heading(&self) -> String {
        self.doc()
            .select(&sel("h1"))
            .next()
            .map(|h| h.text().collect::<String>().trim().to_string())
            .unwrap_or_default()
    }

    /// The `name` of the control that the `<label>` with this text points at.
    pub fn field(&self, label: &str) -> String {
        let doc = self.doc();
        let l = doc
            .select(&sel("label"))
            .find(|l| l.text().collect::<String>().trim() == label)
            .unwrap_or_else(|| panic!("no label {label:?} on {}: {}", self.url, self.html));
        let id = l.value().attr("for").expect("label without for");
        doc.select(&sel(&format!("#{id}")))
            .next()
            .unwrap_or_else(|| panic!("label {label:?} points at nothing"))
            .value()
            .attr("name")
            .unwrap()
            .to_string()
    }

    /// Where the link with this text goes.
    pub fn link(&self, text: &str) -> url::Url {
        let href = self
            .doc()
            .select(&sel("a"))
            .find(|a| a.text().collect::<String>().trim() == text)
            .and_then(|a| a.value().attr("href").map(str::to_string))
            .unwrap_or_else(|| panic!("no link {text:?} on {}", self.url));
        self.url.join(&href).unwrap()
    }

    /// The form holding the button, as a browser would send it when the button is pressed:
    /// its fields as they stand, `fill` typed into the labelled ones, and the button itself.
    pub fn submission(
        &self,
        fill: &[(&str, &str)],
        button: &str,
    ) -> (url::Url, Vec<(String, String)>) {
        let doc = self.doc();
        let pressed_in = |f: &scraper::ElementRef| {
            f.select(&sel("button"))
                .any(|b| b.text().collect::<String>().trim() == button)
        };
        let form = doc
            .select(&sel("form"))
            .find(pressed_in)
            .unwrap_or_else(|| panic!("no button {button:?} on {}: {}", self.url, self.html));
        let action = self
            .url
            .join(form.value().attr("action").unwrap_or(""))
            .unwrap();
        let mut values: HashMap<String, String> = HashMap::new();
        for input in form.select(&sel("input[name]")) {
            values.insert(
                input.value().attr("name").unwrap().into(),
                input.value().attr("value").unwrap_or("").into(),
            );
        }
        for select in form.select(&sel("select[name]")) {
            let chosen = select
                .select(&sel("option[selected]"))
                .next()
                .or_else(|| select.select(&sel("option")).next())
                .and_then(|o| o.value().attr("value"))
                .unwrap_or("")
                .to_string();
            values.insert(select.value().attr("name").unwrap().into(), chosen);
        }
        for (label, value) in fill {
            values.insert(self.field(label), value.to_string());
        }
        let pressed = form
            .select(&sel("button"))
            .find(|b| b.text().collect::<String>().trim() == button)
            .unwrap();
        let mut fields: Vec<(String, String)> = values.into_iter().collect();
        if let (Some(n), Some(v)) = (pressed.value().attr("name"), pressed.value().attr("value")) {
            fields.push((n.into(), v.into()));
        }
        (action, fields)
    }
}
