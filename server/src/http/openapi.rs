//! `GET /api/openapi.json`, generated from the routes themselves. Each REST operation is
//! declared once, beside its handler, as an [`Op`]: its path, method, words, access, and the Rust
//! types of its request and response. [`Api::route`] registers the handler and keeps the
//! declaration, so nothing can be routed undocumented; the schemas come from the types
//! (schemars), so they cannot drift from what the handlers read and write.
//!
//! Statuses every operation of a kind can answer are added here, once: 401 for signed-in
//! routes, 403 for admin routes, 400/413/422 for JSON bodies, 404 for paths with an id, 429
//! for rate-limited routes and 503 when the store is unreachable.

use super::AppState;
use axum::Router;
use axum::routing::MethodRouter;
use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{Map, Value, json};

type SchemaFn = fn(&mut SchemaGenerator) -> Schema;

fn schema_fn<T: JsonSchema>() -> SchemaFn {
    |generator| generator.subschema_for::<T>()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Method::Get => "get",
            Method::Post => "post",
            Method::Put => "put",
            Method::Patch => "patch",
            Method::Delete => "delete",
        }
    }
}

/// Who may call an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Public,
    SignedIn,
    Admin,
}

/// The document's sections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tag {
    Auth,
    Health,
    Jobs,
    Runs,
    Profile,
    Cv,
    Pdf,
    Admin,
    Meta,
}

impl Tag {
    fn as_str(self) -> &'static str {
        match self {
            Tag::Auth => "auth",
            Tag::Health => "health",
            Tag::Jobs => "jobs",
            Tag::Runs => "runs",
            Tag::Profile => "profile",
            Tag::Cv => "cv",
            Tag::Pdf => "pdf",
            Tag::Admin => "admin",
            Tag::Meta => "meta",
        }
    }
}

/// A request or response body.
#[derive(Clone, Copy)]
pub enum Body {
    Json(SchemaFn),
    /// `text/csv` or a JSON array of the given type (job imports).
    JsonOrCsv(SchemaFn),
    Pdf,
    /// Text of this media type (Prometheus, server-sent events).
    Text(&'static str),
}

#[derive(Clone, Copy)]
enum In {
    Query,
    Path,
    Header,
}

#[derive(Clone, Copy)]
struct Param {
    name: &'static str,
    location: In,
    required: bool,
    description: &'static str,
    schema: SchemaFn,
}

/// One operation's declaration.
#[derive(Clone)]
pub struct Op {
    method: Method,
    path: &'static str,
    summary: &'static str,
    tag: Tag,
    access: Access,
    rate_limited: bool,
    request: Option<(Body, bool)>,
    response: (u16, &'static str, Option<Body>),
    errors: Vec<(u16, &'static str)>,
    params: Vec<Param>,
}

impl Op {
    fn new(method: Method, path: &'static str, summary: &'static str) -> Self {
        Op {
            method,
            path,
            summary,
            tag: Tag::Meta,
            access: Access::SignedIn,
            rate_limited: false,
            request: None,
            response: (200, "OK", None),
            errors: Vec::new(),
            params: Vec::new(),
        }
    }

    pub fn get(path: &'static str, summary: &'static str) -> Self {
        Op::new(Method::Get, path, summary)
    }
    pub fn post(path: &'static str, summary: &'static str) -> Self {
        Op::new(Method::Post, path, summary)
    }
    pub fn put(path: &'static str, summary: &'static str) -> Self {
        Op::new(Method::Put, path, summary)
    }
    pub fn patch(path: &'static str, summary: &'static str) -> Self {
        Op::new(Method::Patch, path, summary)
    }
    pub fn delete(path: &'static str, summary: &'static str) -> Self {
        Op::new(Method::Delete, path, summary)
    }

    pub fn method(&self) -> Method {
        self.method
    }
    pub fn path(&self) -> &'static str {
        self.path
    }

    pub fn tag(mut self, tag: Tag) -> Self {
        self.tag = tag;
        self
    }
    pub fn public(mut self) -> Self {
        self.access = Access::Public;
        self
    }
    pub fn admin(mut self) -> Self {
        self.access = Access::Admin;
        self
    }
    pub fn rate_limited(mut self) -> Self {
        self.rate_limited = true;
        self
    }

    /// A JSON body of type `T`, required.
    pub fn body<T: JsonSchema>(mut self) -> Self {
        self.request = Some((Body::Json(schema_fn::<T>()), true));
        self
    }
    /// A JSON body of type `T` that may be left out.
    pub fn optional_body<T: JsonSchema>(mut self) -> Self {
        self.request = Some((Body::Json(schema_fn::<T>()), false));
        self
    }
    /// A body of another kind.
    pub fn body_of(mut self, body: Body) -> Self {
        self.request = Some((body, true));
        self
    }

    /// The success answer: `status` with a JSON `T`.
    pub fn ok<T: JsonSchema>(mut self, status: u16, description: &'static str) -> Self {
        self.response = (status, description, Some(Body::Json(schema_fn::<T>())));
        self
    }
    /// The success answer with another kind of body.
    pub fn ok_as(mut self, status: u16, description: &'static str, body: Body) -> Self {
        self.response = (status, description, Some(body));
        self
    }
    /// `204 No Content`.
    pub fn no_content(mut self, description: &'static str) -> Self {
        self.response = (204, description, None);
        self
    }

    /// An error status this operation answers, and when.
    pub fn error(mut self, status: u16, description: &'static str) -> Self {
        self.errors.push((status, description));
        self
    }

    pub fn query<T: JsonSchema>(mut self, name: &'static str, description: &'static str) -> Self {
        let schema = schema_fn::<T>();
        self.params.push(Param { name, location: In::Query, required: false, description, schema });
        self
    }
    /// A path parameter other than a plain string (those are documented from the path).
    pub fn path_param<T: JsonSchema>(
        mut self,
        name: &'static str,
        description: &'static str,
    ) -> Self {
        let schema = schema_fn::<T>();
        self.params.push(Param { name, location: In::Path, required: true, description, schema });
        self
    }
    pub fn header<T: JsonSchema>(mut self, name: &'static str, description: &'static str) -> Self {
        let schema = schema_fn::<T>();
        self.params.push(Param {
            name,
            location: In::Header,
            required: false,
            description,
            schema,
        });
        self
    }

    /// Every status the operation answers, with the ones its kind implies.
    fn statuses(&self) -> Vec<(u16, &'static str)> {
        let mut all = self.errors.clone();
        let mut imply = |status: u16, description: &'static str| {
            if !all.iter().any(|(s, _)| *s == status) {
                all.push((status, description));
            }
        };
        if self.access != Access::Public {
            imply(401, "Missing or invalid token, or its session has ended");
        }
        if self.access == Access::Admin {
            imply(403, "Needs the admin role");
        }
        if let Some((Body::Json(_) | Body::JsonOrCsv(_), _)) = self.request {
            imply(400, "Malformed JSON");
            imply(413, "Body larger than the limit");
            imply(422, "A field is missing, unknown or invalid (named in the message)");
        }
        if self.path.contains('{') {
            imply(404, "Not found (named in the message)");
        }
        if self.rate_limited {
            imply(
                429,
                "Too many requests from this user (RATE_LIMIT_*_PER_MINUTE); see Retry-After",
            );
        }
        imply(503, "The store is unreachable");
        all.sort_by_key(|(s, _)| *s);
        all
    }

    fn operation(&self, responses: &mut SchemaGenerator, requests: &mut SchemaGenerator) -> Value {
        let mut op = json!({
            "summary": self.summary,
            "tags": [self.tag.as_str()],
            "operationId": format!("{}{}", self.method.as_str(), self.path.replace(['/', '{', '}', '-', '.'], "_")),
        });
        if self.access == Access::Public {
            op["security"] = json!([]);
        }
        let mut params: Vec<Value> = Vec::new();
        for name in path_names(self.path) {
            if !self.params.iter().any(|p| p.name == name) {
                params.push(json!({"name": name, "in": "path", "required": true,
                    "schema": {"type": "string"}}));
            }
        }
        for p in &self.params {
            let location = match p.location {
                In::Query => "query",
                In::Path => "path",
                In::Header => "header",
            };
            params.push(json!({
                "name": p.name, "in": location, "required": p.required,
                "description": p.description, "schema": (p.schema)(requests),
            }));
        }
        if !params.is_empty() {
            op["parameters"] = Value::Array(params);
        }
        if let Some((body, required)) = self.request {
            op["requestBody"] = json!({"required": required, "content": content(body, requests)});
        }
        let mut answers = Map::new();
        let (status, description, body) = self.response;
        let mut ok = json!({"description": description});
        if let Some(body) = body {
            ok["content"] = content(body, responses);
        }
        answers.insert(status.to_string(), ok);
        for (status, description) in self.statuses() {
            answers.insert(
                status.to_string(),
                json!({"description": description, "content": {"application/json":
                    {"schema": {"$ref": "#/components/schemas/Error"}}}}),
            );
        }
        op["responses"] = Value::Object(answers);
        op
    }
}

fn path_names(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
}

fn content(body: Body, generator: &mut SchemaGenerator) -> Value {
    match body {
        Body::Json(schema) => json!({"application/json": {"schema": schema(generator)}}),
        Body::JsonOrCsv(item) => json!({
            "application/json": {"schema": {"type": "array", "items": item(generator)}},
            "text/csv": {"schema": {"type": "string"}},
        }),
        Body::Pdf => json!({"application/pdf": {"schema": {"type": "string", "format": "binary"}}}),
        Body::Text(media) => json!({media: {"schema": {"type": "string"}}}),
    }
}

/// The REST routes and their declarations, built together.
#[derive(Default)]
pub struct Api {
    router: Router<AppState>,
    ops: Vec<Op>,
}

impl Api {
    pub fn new() -> Self {
        Api::default()
    }

    /// Routes `handler` at the operation's path and keeps the declaration.
    pub fn route(mut self, op: Op, handler: MethodRouter<AppState>) -> Self {
        self.router = self.router.route(op.path, handler);
        self.ops.push(op);
        self
    }

    pub fn merge(mut self, other: Api) -> Self {
        self.router = self.router.merge(other.router);
        self.ops.extend(other.ops);
        self
    }

    pub fn into_parts(self) -> (Router<AppState>, Vec<Op>) {
        (self.router, self.ops)
    }
}

const DESCRIPTION: &str = "Every route except POST /api/auth/login needs `Authorization: \
Bearer <JWT>` (or the session cookie). Errors are JSON: {\"error\", \"message\"}. A token is \
honoured only while its session is live: signing out, a password or role change, disabling the \
user or revoking the session ends it at once.";

/// The OpenAPI 3.1 document of `ops`. Responses are described as the server writes them and
/// requests as it reads them; a type whose two shapes differ gets a second, `…Input`, schema.
pub fn document(ops: &[Op]) -> Value {
    let settings = |contract: SchemaSettings| {
        contract.with(|s| s.definitions_path = "/components/schemas".into())
    };
    let mut responses = settings(SchemaSettings::draft2020_12().for_serialize()).into_generator();
    let mut requests = settings(SchemaSettings::draft2020_12().for_deserialize()).into_generator();
    let mut paths = Map::new();
    for op in ops {
        let entry = paths.entry(op.path).or_insert_with(|| json!({}));
        entry[op.method.as_str()] = op.operation(&mut responses, &mut requests);
    }
    let mut schemas = responses.take_definitions(true);
    let renames = merge_request_schemas(&mut schemas, requests.take_definitions(true));
    let mut paths = Value::Object(paths);
    rename_request_refs(&mut paths, &renames, false);
    schemas.insert(
        "Error".into(),
        json!({"type": "object", "required": ["error", "message"], "properties": {
            "error": {"type": "string", "description": "The kind: bad_request, unauthorized, forbidden, not_found, conflict, too_large, invalid, rate_limited, unavailable, busy, timeout or internal"},
            "message": {"type": "string", "description": "What was wrong, naming the field or parameter"},
        }}),
    );
    json!({
        "openapi": "3.1.0",
        "info": {"title": "jobintel API", "version": env!("CARGO_PKG_VERSION"), "description": DESCRIPTION},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
            "schemas": schemas,
        },
        "paths": paths,
    })
}

/// Adds the request-side schemas; one whose shape differs from its response-side namesake is
/// kept as `{name}Input`. Returns those names.
fn merge_request_schemas(
    schemas: &mut Map<String, Value>,
    requests: Map<String, Value>,
) -> Vec<String> {
    let renamed: Vec<String> = requests
        .iter()
        .filter(|(name, schema)| schemas.get(*name).is_some_and(|s| s != *schema))
        .map(|(name, _)| name.clone())
        .collect();
    for (name, mut schema) in requests {
        rename_request_refs(&mut schema, &renamed, true);
        let key = if renamed.contains(&name) { format!("{name}Input") } else { name };
        schemas.entry(key).or_insert(schema);
    }
    renamed
}

/// Points request-side `$ref`s at the `…Input` schemas. In `paths`, only request bodies and
/// parameters are request-side.
fn rename_request_refs(value: &mut Value, renamed: &[String], request_side: bool) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                let inside = request_side || key == "requestBody" || key == "parameters";
                if inside
                    && key == "$ref"
                    && let Value::String(target) = child
                    && let Some(name) = target.strip_prefix("#/components/schemas/")
                    && renamed.iter().any(|r| r == name)
                {
                    *target = format!("{target}Input");
                } else {
                    rename_request_refs(child, renamed, inside);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                rename_request_refs(item, renamed, request_side);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize, serde::Deserialize, JsonSchema)]
    struct Thing {
        #[serde(default)]
        size: u32,
    }

    #[test]
    fn kinds_of_operation_imply_their_statuses_and_request_shapes_stay_apart() {
        let ops = [
            Op::put("/api/things/{id}", "Replace a thing")
                .admin()
                .body::<Thing>()
                .ok::<Thing>(200, "The thing"),
            Op::post("/api/auth/login", "Sign in").public().error(401, "Wrong password"),
        ];
        let doc = document(&ops);
        let put = &doc["paths"]["/api/things/{id}"]["put"];
        let statuses: Vec<&str> =
            put["responses"].as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(statuses, ["200", "400", "401", "403", "404", "413", "422", "503"]);
        assert_eq!(put["parameters"][0]["name"], "id");
        // `size` is always written but may be left out when read: two shapes, two schemas.
        let schemas = &doc["components"]["schemas"];
        assert_eq!(schemas["Thing"]["required"], json!(["size"]));
        assert!(schemas["ThingInput"].get("required").is_none());
        assert_eq!(
            put["requestBody"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/ThingInput"
        );
        assert_eq!(
            put["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/Thing"
        );
        let login = &doc["paths"]["/api/auth/login"]["post"];
        assert_eq!(login["security"], json!([]));
        assert!(login["responses"].get("403").is_none() && login["responses"].get("401").is_some());
    }
}
