//! Checks a JSON value against a layer's JSON Schema: the subset schemars generates (types,
//! properties, required, additionalProperties, items, enum/const, numeric and length bounds,
//! anyOf/oneOf/allOf and local `$ref`s). Used on every answer a model gives, before it is
//! deserialised, so a wrong answer is rejected with the path of the first problem.
//!
//! Kept ours rather than the `jsonschema` crate: it covers exactly what schemars emits (and the
//! tests validate the API's real answers against the generated OpenAPI schemas with it), in a
//! few hundred tested lines; the crate's dependency tree would lengthen the 2-core cold build
//! for checks we do not use.

use serde_json::{Map, Value};

/// The JSON Schema (2020-12) of a type: what a model is asked to answer, and what a layer
/// stores.
pub fn schema_of<T: schemars::JsonSchema>() -> Value {
    schemars::schema_for!(T).to_value()
}

/// `Ok` when `value` conforms; otherwise the first problem, e.g. "`/pain_points/0/confidence`:
/// expected number, got string".
pub fn validate(schema: &Value, value: &Value) -> Result<(), SchemaViolation> {
    validate_in(schema, schema, value)
}

/// As [`validate`], for a schema inside a larger document whose `$ref`s point into `root`
/// (an OpenAPI document's `#/components/schemas/…`).
pub fn validate_in(root: &Value, schema: &Value, value: &Value) -> Result<(), SchemaViolation> {
    Checker { root, depth: 0 }.check(schema, value, "")
}

/// Where a value breaks its schema, and how.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("`{path}`: {message}")]
pub struct SchemaViolation {
    /// A JSON pointer (`/items/0/confidence`; `/` for the value itself).
    pub path: String,
    pub message: String,
}

fn at(path: &str, message: String) -> SchemaViolation {
    SchemaViolation { path: if path.is_empty() { "/".into() } else { path.into() }, message }
}

struct Checker<'a> {
    root: &'a Value,
    depth: usize,
}

/// Deeper than this is a cyclic `$ref`, not a layer output.
const MAX_DEPTH: usize = 64;

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn type_matches(expected: &str, v: &Value) -> bool {
    let actual = type_name(v);
    actual == expected || (expected == "number" && actual == "integer")
}

impl Checker<'_> {
    fn check(&mut self, schema: &Value, v: &Value, path: &str) -> Result<(), SchemaViolation> {
        let fail = |m: String| Err(at(path, m));
        let s = match schema {
            Value::Bool(true) => return Ok(()),
            Value::Bool(false) => return fail("no value is allowed here".into()),
            Value::Object(s) => s,
            _ => return fail("the schema is not an object".into()),
        };
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return fail("schema nesting too deep".into());
        }
        let result = self.check_object_schema(s, v, path);
        self.depth -= 1;
        result
    }

    fn check_object_schema(
        &mut self,
        s: &Map<String, Value>,
        v: &Value,
        path: &str,
    ) -> Result<(), SchemaViolation> {
        if let Some(r) = s.get("$ref").and_then(Value::as_str) {
            let target = r
                .strip_prefix('#')
                .and_then(|p| self.root.pointer(p))
                .ok_or_else(|| at(path, format!("unresolvable $ref `{r}`")))?;
            self.check(target, v, path)?;
        }
        if let Some(Value::Array(all)) = s.get("allOf") {
            for sub in all {
                self.check(sub, v, path)?;
            }
        }
        for key in ["anyOf", "oneOf"] {
            if let Some(Value::Array(options)) = s.get(key) {
                let mut errors = Vec::new();
                let mut matched = 0;
                for sub in options {
                    match self.check(sub, v, path) {
                        Ok(()) => matched += 1,
                        Err(e) => errors.push(e),
                    }
                }
                if matched == 0 {
                    let errors: Vec<String> = errors.iter().map(ToString::to_string).collect();
                    let message =
                        format!("matches none of the allowed shapes ({})", errors.join("; "));
                    return Err(at(path, message));
                }
                if key == "oneOf" && matched > 1 {
                    return Err(at(path, "matches more than one of the allowed shapes".into()));
                }
            }
        }
        match s.get("type") {
            Some(Value::String(t)) if !type_matches(t, v) => {
                return Err(at(path, format!("expected {t}, got {}", type_name(v))));
            }
            Some(Value::Array(ts))
                if !ts.iter().filter_map(Value::as_str).any(|t| type_matches(t, v)) =>
            {
                let names: Vec<&str> = ts.iter().filter_map(Value::as_str).collect();
                return Err(at(
                    path,
                    format!("expected {}, got {}", names.join(" or "), type_name(v)),
                ));
            }
            _ => {}
        }
        if let Some(Value::Array(allowed)) = s.get("enum")
            && !allowed.contains(v)
        {
            return Err(at(path, format!("{v} is not one of {}", Value::Array(allowed.clone()))));
        }
        if let Some(c) = s.get("const")
            && c != v
        {
            return Err(at(path, format!("must be {c}")));
        }
        match v {
            Value::Number(n) => {
                let x = n.as_f64().unwrap_or(f64::NAN);
                if let Some(min) = s.get("minimum").and_then(Value::as_f64)
                    && x < min
                {
                    return Err(at(path, format!("{x} is below the minimum {min}")));
                }
                if let Some(max) = s.get("maximum").and_then(Value::as_f64)
                    && x > max
                {
                    return Err(at(path, format!("{x} is above the maximum {max}")));
                }
            }
            Value::String(text) => {
                let n = text.chars().count() as u64;
                if let Some(min) = s.get("minLength").and_then(Value::as_u64)
                    && n < min
                {
                    return Err(at(path, format!("shorter than {min} characters")));
                }
                if let Some(max) = s.get("maxLength").and_then(Value::as_u64)
                    && n > max
                {
                    return Err(at(path, format!("longer than {max} characters")));
                }
            }
            Value::Array(items) => {
                let n = items.len() as u64;
                if let Some(min) = s.get("minItems").and_then(Value::as_u64)
                    && n < min
                {
                    return Err(at(path, format!("fewer than {min} items")));
                }
                if let Some(max) = s.get("maxItems").and_then(Value::as_u64)
                    && n > max
                {
                    return Err(at(path, format!("more than {max} items")));
                }
                if let Some(item_schema) = s.get("items") {
                    for (i, item) in items.iter().enumerate() {
                        self.check(item_schema, item, &format!("{path}/{i}"))?;
                    }
                }
            }
            Value::Object(fields) => self.check_fields(s, fields, path)?,
            _ => {}
        }
        Ok(())
    }

    fn check_fields(
        &mut self,
        s: &Map<String, Value>,
        fields: &Map<String, Value>,
        path: &str,
    ) -> Result<(), SchemaViolation> {
        let properties = s.get("properties").and_then(Value::as_object);
        if let Some(Value::Array(required)) = s.get("required") {
            for name in required.iter().filter_map(Value::as_str) {
                if !fields.contains_key(name) {
                    return Err(at(path, format!("missing required field `{name}`")));
                }
            }
        }
        for (name, field) in fields {
            let field_path = format!("{path}/{name}");
            match properties.and_then(|p| p.get(name)) {
                Some(field_schema) => self.check(field_schema, field, &field_path)?,
                None => match s.get("additionalProperties") {
                    Some(Value::Bool(false)) => {
                        return Err(at(path, format!("unexpected field `{name}`")));
                    }
                    Some(extra @ Value::Object(_)) => self.check(extra, field, &field_path)?,
                    _ => {}
                },
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::schema_of;
    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};
    use serde_json::json;

    #[derive(Serialize, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    struct Item {
        text: String,
        confidence: f64,
    }

    #[derive(Serialize, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    struct Answer {
        score: u8,
        items: Vec<Item>,
        salary: Option<String>,
    }

    #[test]
    fn accepts_what_the_type_serialises_to() {
        let schema = schema_of::<Answer>();
        let good =
            json!({"score": 80, "items": [{"text": "a", "confidence": 0.5}], "salary": null});
        assert_eq!(validate(&schema, &good), Ok(()));
    }

    #[test]
    fn names_the_path_of_the_first_problem() {
        let schema = schema_of::<Answer>();
        let cases = [
            (
                json!({"score": 80, "items": [{"text": "a", "confidence": "high"}], "salary": null}),
                "`/items/0/confidence`: expected number, got string",
            ),
            (
                json!({"score": 300, "items": [], "salary": null}),
                "`/score`: 300 is above the maximum 255",
            ),
            (json!({"items": [], "salary": null}), "`/`: missing required field `score`"),
            (
                json!({"score": 1, "items": [], "salary": null, "extra": 1}),
                "`/`: unexpected field `extra`",
            ),
            (json!([1, 2]), "`/`: expected object, got array"),
        ];
        for (value, message) in cases {
            assert_eq!(validate(&schema, &value).unwrap_err().to_string(), message);
        }
    }
}
