# Build: the same steps as `make build-release`.
FROM rust:1.95-bookworm AS build
RUN rustup target add wasm32-unknown-unknown \
 && cargo install cargo-leptos --locked --version 0.3.10 \
 && cargo install wasm-bindgen-cli --version 0.2.130 \
 && apt-get update && apt-get install -y --no-install-recommends nodejs npm && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY end2end/package.json end2end/package-lock.json end2end/
RUN cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
COPY . .
ENV PATH=/src/end2end/node_modules/.bin:$PATH
# Same flags as `make build-release`: type-erased views on both sides keep the WASM small.
RUN RUSTFLAGS="--cfg erase_components" cargo leptos build --release --split

# Runtime: the binary, the site and Chromium (PDF rendering; the CV fonts are bundled).
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends chromium fonts-dejavu-core ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home /app jobintel
WORKDIR /app
COPY --from=build /src/target/release/jobintel /usr/local/bin/jobintel
COPY --from=build /src/target/site /app/site
ENV JOBINTEL_ENV=production \
    JOBINTEL_ADDR=0.0.0.0:3000 \
    JOBINTEL_DATA_DIR=/app/data \
    LEPTOS_SITE_ROOT=/app/site \
    CHROMIUM_PATH=/usr/bin/chromium
RUN mkdir -p /app/data && chown jobintel /app/data
# Not root, so Chromium runs in its own sandbox wherever the container runtime lets an
# unprivileged user create user namespaces (Podman, or Docker with a seccomp profile that
# allows them). Docker's default profile does not: jobintel then falls back to --no-sandbox,
# logs a warning once, and `/api/health` says so under `pdf_service`.
USER jobintel
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s CMD curl -fsS http://127.0.0.1:3000/health || exit 1
CMD ["jobintel", "serve"]
