//! `GET /api/openapi.json`: the OpenAPI 3 description of every REST route. It is written by
//! hand; `tests/api.rs` checks that every documented operation exists and that every API route
//! is documented, so the two cannot drift apart.

pub const DOCUMENT: &str = include_str!("openapi.json");
