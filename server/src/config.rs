//! Typed configuration from environment variables (and `.env`). Every variable is parsed once
//! here; an invalid value stops start-up with a message naming the variable.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

/// A secret value: never printed, never serialised.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Development,
    Production,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LlmProvider {
    Offline,
    OpenAi,
    Anthropic,
    OpenRouter,
}

impl LlmProvider {
    pub fn parse(name: &str) -> Option<Self> {
        match name.trim().to_lowercase().as_str() {
            "offline" => Some(LlmProvider::Offline),
            "openai" => Some(LlmProvider::OpenAi),
            "anthropic" => Some(LlmProvider::Anthropic),
            "openrouter" => Some(LlmProvider::OpenRouter),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            LlmProvider::Offline => "offline",
            LlmProvider::OpenAi => "openai",
            LlmProvider::Anthropic => "anthropic",
            LlmProvider::OpenRouter => "openrouter",
        }
    }
}

/// The whole configuration, one part per subsystem.
#[derive(Debug, Clone)]
pub struct Config {
    pub environment: Environment,
    pub addr: SocketAddr,
    /// Where this instance is reached (sent to OpenRouter as `HTTP-Referer`; `https://` turns
    /// on secure cookies and HSTS).
    pub public_url: String,
    /// The SQLite file and the generated development secret live here.
    pub data_dir: PathBuf,
    pub jwt_secret: Option<Secret>,
    pub store: StoreConfig,
    pub log: LogConfig,
    pub runner: RunnerConfig,
    pub llm: LlmConfig,
    pub firecrawl: FirecrawlConfig,
    pub pdf: PdfConfig,
    pub rate_limits: RateLimitConfig,
    pub import: ImportConfig,
}

/// Where imports read postings from, and which private hosts they may reach.
#[derive(Debug, Clone)]
pub struct ImportConfig {
    pub allow_hosts: Vec<String>,
    pub greenhouse_api_url: String,
    pub lever_api_url: String,
    pub lever_eu_api_url: String,
    pub ashby_api_url: String,
}

/// MongoDB when `uri` is set, else the embedded SQLite store in the data directory.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    pub mongodb_uri: Option<Secret>,
    pub mongodb_db: String,
}

#[derive(Debug, Clone)]
pub struct LogConfig {
    pub level: String,
    pub format: LogFormat,
}

#[derive(Debug, Clone)]
pub struct RunnerConfig {
    pub max_concurrent_runs: u32,
    pub timeout_seconds: u64,
    /// How long a claimed run stays held without a heartbeat.
    pub lease_seconds: u64,
    /// How often expired leases are looked for.
    pub sweep_seconds: u64,
}

/// One hosted LLM provider: its key (unset: not configured) and base URL.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub api_key: Option<Secret>,
    pub base_url: String,
}

#[derive(Debug, Clone)]
pub struct LlmConfig {
    pub primary: LlmProvider,
    /// Providers tried after the primary, in order; `offline` (last) keeps the offline
    /// provider as the final fallback.
    pub fallback: Vec<LlmProvider>,
    pub openai: Endpoint,
    pub anthropic: Endpoint,
    pub openrouter: Endpoint,
    pub daily_budget_usd: Option<f64>,
    pub max_retries: u32,
    pub timeout_seconds: u64,
    pub models_file: Option<PathBuf>,
}

#[derive(Debug, Clone)]
pub struct FirecrawlConfig {
    pub enabled: bool,
    pub api_key: Option<Secret>,
    pub base_url: String,
    pub per_minute: u32,
    pub per_day: u32,
}

#[derive(Debug, Clone)]
pub struct PdfConfig {
    pub chromium_path: PathBuf,
    pub max_concurrency: u32,
    pub timeout_seconds: u64,
}

/// Per user and minute: PDF renders, pipeline runs queued, imports.
#[derive(Debug, Clone)]
pub struct RateLimitConfig {
    pub pdf_per_minute: u32,
    pub runs_per_minute: u32,
    pub imports_per_minute: u32,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid {variable}: {message}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub message: String,
}

/// Every variable jobintel reads, its default and what it does — the README's table is this.
pub const VARIABLES: &[(&str, &str, &str)] = &[
    ("JOBINTEL_ENV", "development", "`production` enforces a strong JWT_SECRET"),
    ("JOBINTEL_ADDR", "127.0.0.1:3000", "address the server listens on (else `LEPTOS_SITE_ADDR`)"),
    ("JOBINTEL_DATA_DIR", "./data", "SQLite file, generated dev secret"),
    ("MONGODB_URI", "(unset)", "use MongoDB instead of the embedded SQLite store"),
    ("MONGODB_DB", "jobintel", "MongoDB database name"),
    ("JWT_SECRET", "(generated in development)", "HS256 signing key, ≥ 32 bytes in production"),
    ("LOG_LEVEL", "info", "error, warn, info, debug or trace"),
    ("LOG_FORMAT", "text", "`text` or `json` (one object per line)"),
    ("MAX_CONCURRENT_RUNS", "3", "pipeline runs per process"),
    ("PIPELINE_TIMEOUT_SECONDS", "600", "per-run timeout"),
    ("RUN_LEASE_SECONDS", "60", "a run held without a heartbeat this long is taken back"),
    ("RUN_SWEEP_SECONDS", "30", "how often expired leases are looked for"),
    ("PRIMARY_LLM_PROVIDER", "offline", "offline, openai, anthropic or openrouter"),
    ("OPENAI_API_KEY", "(unset)", "OpenAI key"),
    ("OPENAI_BASE_URL", "https://api.openai.com/v1", "OpenAI-compatible base URL"),
    ("ANTHROPIC_API_KEY", "(unset)", "Anthropic key"),
    ("ANTHROPIC_BASE_URL", "https://api.anthropic.com", "Anthropic base URL"),
    ("OPENROUTER_API_KEY", "(unset)", "OpenRouter key"),
    ("OPENROUTER_BASE_URL", "https://openrouter.ai/api/v1", "OpenRouter base URL"),
    ("ENABLE_FIRECRAWL", "true when a key is set", "use FireCrawl for research and contacts"),
    ("FIRECRAWL_API_KEY", "(unset)", "FireCrawl key"),
    ("FIRECRAWL_BASE_URL", "https://api.firecrawl.dev", "FireCrawl base URL"),
    (
        "LLM_FALLBACK",
        "openrouter,anthropic,openai,offline",
        "providers tried after the primary; `none` disables fallback",
    ),
    ("LLM_DAILY_BUDGET_USD", "(unset)", "spend per UTC day after which the pipeline pauses itself"),
    ("LLM_MAX_RETRIES", "2", "retries of a rate-limited or failing call before falling back"),
    ("LLM_TIMEOUT_SECONDS", "60", "per LLM call"),
    ("LLM_MODELS_FILE", "(bundled config/llm-models.json)", "models per tier and prices, dated"),
    (
        "JOBINTEL_PUBLIC_URL",
        "http://<JOBINTEL_ADDR>",
        "this instance's URL (OpenRouter attribution)",
    ),
    ("FIRECRAWL_REQUESTS_PER_MINUTE", "10", "FireCrawl pacing"),
    ("FIRECRAWL_REQUESTS_PER_DAY", "600", "FireCrawl daily cap"),
    ("CHROMIUM_PATH", "/usr/bin/chromium", "Chromium used for PDFs"),
    ("PDF_MAX_CONCURRENCY", "4", "PDF renders at once"),
    ("PDF_TIMEOUT_SECONDS", "30", "per PDF render (then 504)"),
    ("RATE_LIMIT_PDF_PER_MINUTE", "30", "PDF renders per user and minute (then 429)"),
    ("RATE_LIMIT_RUNS_PER_MINUTE", "30", "pipeline runs queued per user and minute (then 429)"),
    ("RATE_LIMIT_IMPORTS_PER_MINUTE", "20", "imports per user and minute (then 429)"),
    (
        "IMPORT_ALLOW_HOSTS",
        "(none)",
        "hosts whose private addresses an import may fetch, comma-separated",
    ),
    ("GREENHOUSE_API_URL", "https://boards-api.greenhouse.io", "Greenhouse job board API"),
    ("LEVER_API_URL", "https://api.lever.co", "Lever postings API"),
    ("LEVER_EU_API_URL", "https://api.eu.lever.co", "Lever postings API, EU instance"),
    ("ASHBY_API_URL", "https://api.ashbyhq.com", "Ashby job posting API"),
];

/// A variable's default as [`VARIABLES`] writes it: the one place it is written.
fn default_of(variable: &str) -> &'static str {
    VARIABLES.iter().find(|(v, _, _)| *v == variable).map_or("", |(_, default, _)| default)
}

const WEAK_SECRETS: &[&str] =
    &["secret", "changeme", "change-me", "change-me-in-production", "jwt_secret"];

impl Config {
    /// Reads the process environment (after loading `.env` if present).
    pub fn from_env() -> Result<Self, ConfigError> {
        let _ = dotenvy::dotenv();
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Builds the configuration from any lookup, so tests need not touch the process env.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |k: &str| get(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let bad = |variable: &'static str, message: String| ConfigError { variable, message };

        let environment = match get("JOBINTEL_ENV").as_deref() {
            None | Some("development") | Some("dev") => Environment::Development,
            Some("production") | Some("prod") => Environment::Production,
            Some(v) => {
                return Err(bad(
                    "JOBINTEL_ENV",
                    format!("`{v}`; expected development or production"),
                ));
            }
        };
        // cargo-leptos (watch, end-to-end) announces its address as LEPTOS_SITE_ADDR.
        let (addr_var, addr) = match (get("JOBINTEL_ADDR"), get("LEPTOS_SITE_ADDR")) {
            (Some(a), _) => ("JOBINTEL_ADDR", a),
            (None, Some(a)) => ("LEPTOS_SITE_ADDR", a),
            (None, None) => ("JOBINTEL_ADDR", default_of("JOBINTEL_ADDR").into()),
        };
        let addr = addr
            .parse()
            .map_err(|e| bad(addr_var, format!("{e}; expected host:port, e.g. 127.0.0.1:3000")))?;
        let log_level =
            get("LOG_LEVEL").unwrap_or_else(|| default_of("LOG_LEVEL").into()).to_lowercase();
        if !["error", "warn", "info", "debug", "trace"].contains(&log_level.as_str()) {
            return Err(bad(
                "LOG_LEVEL",
                format!("`{log_level}`; expected error, warn, info, debug or trace"),
            ));
        }
        let log_format = match get("LOG_FORMAT").as_deref().map(str::to_lowercase).as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(v) => return Err(bad("LOG_FORMAT", format!("`{v}`; expected text or json"))),
        };
        let number = |variable: &'static str, min: u64, max: u64| -> Result<u64, ConfigError> {
            match get(variable) {
                None => default_of(variable)
                    .parse()
                    .map_err(|_| bad(variable, "has no numeric default in VARIABLES".into())),
                Some(v) => match v.parse::<u64>() {
                    Ok(n) if (min..=max).contains(&n) => Ok(n),
                    _ => Err(bad(
                        variable,
                        format!("`{v}`; expected a whole number from {min} to {max}"),
                    )),
                },
            }
        };
        let url_or = |variable: &'static str, default: &str| -> Result<String, ConfigError> {
            let v = get(variable).unwrap_or_else(|| default.to_string());
            if v.starts_with("http://") || v.starts_with("https://") {
                Ok(v.trim_end_matches('/').to_string())
            } else {
                Err(bad(variable, format!("`{v}`; expected an http:// or https:// URL")))
            }
        };
        let allow_hosts = get("IMPORT_ALLOW_HOSTS").unwrap_or_default().to_lowercase();
        let primary_llm_provider = match get("PRIMARY_LLM_PROVIDER") {
            None => LlmProvider::Offline,
            Some(v) => LlmProvider::parse(&v).ok_or_else(|| {
                bad(
                    "PRIMARY_LLM_PROVIDER",
                    format!("`{v}`; expected offline, openai, anthropic or openrouter"),
                )
            })?,
        };
        let openai_api_key = get("OPENAI_API_KEY").map(Secret::new);
        let anthropic_api_key = get("ANTHROPIC_API_KEY").map(Secret::new);
        let openrouter_api_key = get("OPENROUTER_API_KEY").map(Secret::new);
        let key_of = |p: LlmProvider| match p {
            LlmProvider::Offline => Some(()),
            LlmProvider::OpenAi => openai_api_key.as_ref().map(|_| ()),
            LlmProvider::Anthropic => anthropic_api_key.as_ref().map(|_| ()),
            LlmProvider::OpenRouter => openrouter_api_key.as_ref().map(|_| ()),
        };
        if key_of(primary_llm_provider).is_none() {
            return Err(bad(
                "PRIMARY_LLM_PROVIDER",
                format!("`{}` has no API key; set its *_API_KEY", primary_llm_provider.as_str()),
            ));
        }
        let fallback_text =
            get("LLM_FALLBACK").unwrap_or_else(|| default_of("LLM_FALLBACK").into());
        let mut llm_fallback = Vec::new();
        let mut offline_seen = false;
        if fallback_text.trim() != "none" {
            for name in fallback_text.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                let p = LlmProvider::parse(name).ok_or_else(|| {
                    bad(
                        "LLM_FALLBACK",
                        format!(
                            "`{name}`; expected openai, anthropic, openrouter, offline or none"
                        ),
                    )
                })?;
                if offline_seen {
                    return Err(bad("LLM_FALLBACK", "`offline` must come last".into()));
                }
                offline_seen = p == LlmProvider::Offline;
                // Providers without a key are not configured: skipped, not an error.
                if p != primary_llm_provider && key_of(p).is_some() && !llm_fallback.contains(&p) {
                    llm_fallback.push(p);
                }
            }
        }
        let llm_daily_budget_usd = match get("LLM_DAILY_BUDGET_USD") {
            None => None,
            Some(v) => match v.parse::<f64>() {
                Ok(usd) if usd.is_finite() && usd >= 0.0 => Some(usd),
                _ => {
                    return Err(bad(
                        "LLM_DAILY_BUDGET_USD",
                        format!("`{v}`; expected an amount in USD, e.g. 5 or 2.50"),
                    ));
                }
            },
        };
        let firecrawl_api_key = get("FIRECRAWL_API_KEY").map(Secret::new);
        let enable_firecrawl =
            match get("ENABLE_FIRECRAWL").as_deref().map(str::to_lowercase).as_deref() {
                None => firecrawl_api_key.is_some(),
                Some("true" | "1" | "yes" | "on") => true,
                Some("false" | "0" | "no" | "off") => false,
                Some(v) => {
                    return Err(bad("ENABLE_FIRECRAWL", format!("`{v}`; expected true or false")));
                }
            };
        let mongodb_uri = get("MONGODB_URI").map(Secret::new);
        if let Some(uri) = &mongodb_uri
            && !(uri.expose().starts_with("mongodb://")
                || uri.expose().starts_with("mongodb+srv://"))
        {
            return Err(bad("MONGODB_URI", "expected a mongodb:// or mongodb+srv:// URI".into()));
        }
        let jwt_secret = get("JWT_SECRET").map(Secret::new);
        if environment == Environment::Production {
            match &jwt_secret {
                None => return Err(bad("JWT_SECRET", "must be set in production".into())),
                Some(s) if s.expose().len() < 32 => {
                    return Err(bad(
                        "JWT_SECRET",
                        "must be at least 32 bytes in production".into(),
                    ));
                }
                Some(s) if WEAK_SECRETS.contains(&s.expose().to_lowercase().as_str()) => {
                    return Err(bad(
                        "JWT_SECRET",
                        "is a well-known default; generate a random one".into(),
                    ));
                }
                Some(_) => {}
            }
        }

        Ok(Config {
            environment,
            addr,
            public_url: url_or("JOBINTEL_PUBLIC_URL", &format!("http://{addr}"))?,
            data_dir: PathBuf::from(
                get("JOBINTEL_DATA_DIR").unwrap_or_else(|| default_of("JOBINTEL_DATA_DIR").into()),
            ),
            jwt_secret,
            store: StoreConfig {
                mongodb_uri,
                mongodb_db: get("MONGODB_DB").unwrap_or_else(|| default_of("MONGODB_DB").into()),
            },
            log: LogConfig { level: log_level, format: log_format },
            runner: RunnerConfig {
                max_concurrent_runs: number("MAX_CONCURRENT_RUNS", 1, 64)? as u32,
                timeout_seconds: number("PIPELINE_TIMEOUT_SECONDS", 10, 86_400)?,
                lease_seconds: number("RUN_LEASE_SECONDS", 3, 3_600)?,
                sweep_seconds: number("RUN_SWEEP_SECONDS", 1, 3_600)?,
            },
            llm: LlmConfig {
                primary: primary_llm_provider,
                fallback: llm_fallback,
                openai: Endpoint {
                    api_key: openai_api_key,
                    base_url: url_or("OPENAI_BASE_URL", default_of("OPENAI_BASE_URL"))?,
                },
                anthropic: Endpoint {
                    api_key: anthropic_api_key,
                    base_url: url_or("ANTHROPIC_BASE_URL", default_of("ANTHROPIC_BASE_URL"))?,
                },
                openrouter: Endpoint {
                    api_key: openrouter_api_key,
                    base_url: url_or("OPENROUTER_BASE_URL", default_of("OPENROUTER_BASE_URL"))?,
                },
                daily_budget_usd: llm_daily_budget_usd,
                max_retries: number("LLM_MAX_RETRIES", 0, 10)? as u32,
                timeout_seconds: number("LLM_TIMEOUT_SECONDS", 1, 3_600)?,
                models_file: get("LLM_MODELS_FILE").map(PathBuf::from),
            },
            firecrawl: FirecrawlConfig {
                enabled: enable_firecrawl,
                api_key: firecrawl_api_key,
                base_url: url_or("FIRECRAWL_BASE_URL", default_of("FIRECRAWL_BASE_URL"))?,
                per_minute: number("FIRECRAWL_REQUESTS_PER_MINUTE", 1, 100_000)? as u32,
                per_day: number("FIRECRAWL_REQUESTS_PER_DAY", 1, 10_000_000)? as u32,
            },
            pdf: PdfConfig {
                chromium_path: PathBuf::from(
                    get("CHROMIUM_PATH").unwrap_or_else(|| default_of("CHROMIUM_PATH").into()),
                ),
                max_concurrency: number("PDF_MAX_CONCURRENCY", 1, 64)? as u32,
                timeout_seconds: number("PDF_TIMEOUT_SECONDS", 1, 600)?,
            },
            rate_limits: RateLimitConfig {
                pdf_per_minute: number("RATE_LIMIT_PDF_PER_MINUTE", 1, 100_000)? as u32,
                runs_per_minute: number("RATE_LIMIT_RUNS_PER_MINUTE", 1, 100_000)? as u32,
                imports_per_minute: number("RATE_LIMIT_IMPORTS_PER_MINUTE", 1, 100_000)? as u32,
            },
            import: ImportConfig {
                allow_hosts: allow_hosts.split(',').map(str::trim).map(str::to_string).collect(),
                greenhouse_api_url: url_or("GREENHOUSE_API_URL", default_of("GREENHOUSE_API_URL"))?,
                lever_api_url: url_or("LEVER_API_URL", default_of("LEVER_API_URL"))?,
                lever_eu_api_url: url_or("LEVER_EU_API_URL", default_of("LEVER_EU_API_URL"))?,
                ashby_api_url: url_or("ASHBY_API_URL", default_of("ASHBY_API_URL"))?,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> =
            vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_need_no_variables() {
        let c = config(&[]).unwrap();
        assert_eq!(c.addr.to_string(), "127.0.0.1:3000");
        assert_eq!(c.runner.max_concurrent_runs, 3);
        assert_eq!(c.llm.primary, LlmProvider::Offline);
        assert!(!c.firecrawl.enabled);
    }

    #[test]
    fn invalid_values_name_the_variable() {
        for (var, value) in [
            ("JOBINTEL_ADDR", "nowhere"),
            ("LOG_LEVEL", "loud"),
            ("LOG_FORMAT", "xml"),
            ("MAX_CONCURRENT_RUNS", "-1"),
            ("PIPELINE_TIMEOUT_SECONDS", "ten"),
            ("PRIMARY_LLM_PROVIDER", "skynet"),
            ("OPENAI_BASE_URL", "ftp://x"),
            ("ENABLE_FIRECRAWL", "maybe"),
            ("PRIMARY_LLM_PROVIDER", "openai"),
            ("LLM_FALLBACK", "offline,openai"),
            ("LLM_FALLBACK", "gemini"),
            ("LLM_DAILY_BUDGET_USD", "-3"),
            ("LLM_MAX_RETRIES", "99"),
            ("MONGODB_URI", "postgres://x"),
        ] {
            let err = config(&[(var, value)]).unwrap_err();
            assert_eq!(err.variable, var, "{var}={value}");
        }
    }

    #[test]
    fn production_refuses_missing_short_or_default_jwt_secret() {
        let prod = ("JOBINTEL_ENV", "production");
        assert_eq!(config(&[prod]).unwrap_err().variable, "JWT_SECRET");
        assert_eq!(config(&[prod, ("JWT_SECRET", "short")]).unwrap_err().variable, "JWT_SECRET");
        let long = "k".repeat(40);
        assert!(config(&[prod, ("JWT_SECRET", &long)]).is_ok());
    }

    #[test]
    fn leptos_site_addr_is_used_when_jobintel_addr_is_unset() {
        let c = config(&[("LEPTOS_SITE_ADDR", "127.0.0.1:4000")]).unwrap();
        assert_eq!(c.addr.to_string(), "127.0.0.1:4000");
        let c =
            config(&[("LEPTOS_SITE_ADDR", "127.0.0.1:4000"), ("JOBINTEL_ADDR", "0.0.0.0:5000")])
                .unwrap();
        assert_eq!(c.addr.to_string(), "0.0.0.0:5000");
        assert_eq!(config(&[("LEPTOS_SITE_ADDR", "x")]).unwrap_err().variable, "LEPTOS_SITE_ADDR");
    }

    #[test]
    fn the_fallback_chain_keeps_only_configured_providers() {
        let c = config(&[
            ("PRIMARY_LLM_PROVIDER", "anthropic"),
            ("ANTHROPIC_API_KEY", "a"),
            ("OPENAI_API_KEY", "o"),
        ])
        .unwrap();
        assert_eq!(c.llm.fallback, [LlmProvider::OpenAi, LlmProvider::Offline]);
        let none = config(&[
            ("OPENAI_API_KEY", "o"),
            ("PRIMARY_LLM_PROVIDER", "openai"),
            ("LLM_FALLBACK", "none"),
        ]);
        assert!(none.unwrap().llm.fallback.is_empty());
        assert!(config(&[]).unwrap().llm.fallback.is_empty(), "offline is already the primary");
    }

    #[test]
    fn the_readme_documents_every_variable() {
        let readme = include_str!("../../README.md");
        for (name, default, _) in VARIABLES {
            let row = format!("| `{name}` | {default} |");
            assert!(readme.contains(&row), "README lacks the row starting {row}");
        }
    }

    #[test]
    fn every_variable_read_has_its_row_and_defaults_come_from_it() {
        let source = include_str!("config.rs");
        let code = &source[..source.find("#[cfg(test)]").unwrap()];
        for read in code.split("get(\"").skip(1) {
            let name = read.split('"').next().unwrap();
            if name != "LEPTOS_SITE_ADDR" {
                assert!(VARIABLES.iter().any(|(v, _, _)| *v == name), "{name} has no row");
            }
        }
        let c = config(&[]).unwrap();
        assert_eq!(c.runner.max_concurrent_runs.to_string(), default_of("MAX_CONCURRENT_RUNS"));
        assert_eq!(c.pdf.timeout_seconds.to_string(), default_of("PDF_TIMEOUT_SECONDS"));
        assert_eq!(c.llm.openai.base_url, default_of("OPENAI_BASE_URL"));
        assert_eq!(c.addr.to_string(), default_of("JOBINTEL_ADDR"));
    }

    #[test]
    fn secrets_do_not_print() {
        let c = config(&[("OPENAI_API_KEY", "sk-very-secret")]).unwrap();
        assert!(!format!("{c:?}").contains("sk-very-secret"));
    }

    #[test]
    fn firecrawl_defaults_to_enabled_when_a_key_is_set() {
        assert!(config(&[("FIRECRAWL_API_KEY", "fc-1")]).unwrap().firecrawl.enabled);
        assert!(
            !config(&[("FIRECRAWL_API_KEY", "fc-1"), ("ENABLE_FIRECRAWL", "false")])
                .unwrap()
                .firecrawl
                .enabled
        );
    }
}
