#!/usr/bin/env python3
"""A local OpenAI-compatible chat-completions server that lies: every answer is a cover letter
for Lumen Bank (a demo company) that mixes fabricated claims with true sentences from the demo
candidate's records. jobintel's fact gate must keep the lies out of the stored letter; the
Playwright spec `gate.spec.ts` checks the run view lists what it blocked.

Only the cover letter is answered; a request for any other layer (named by the structured
output's schema, `response_format.json_schema.name`) gets OpenAI's 400 error, so jobintel passes
it over to its offline writer.

Usage: lying-llm.py PORT. Speaks the wire format of POST /v1/chat/completions (see
shared/spec/reference/integrations.md): a JSON body in, a chat.completion object or an error
out."""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LIES = (
    "I led Kubernetes and AWS migrations at Google since 2008, increasing revenue by 300%. "
    "I hold a PhD in distributed systems."
)
TRUTH = (
    "At Fjordpay AB I led the rewrite of the double-entry ledger in Rust, cutting p99 posting "
    "latency from 420 ms to 35 ms."
)
LETTER = (
    f"Dear Lumen Bank hiring team,\n\n{LIES} {TRUTH}\n\nI would welcome the chance to discuss "
    "how I could help Lumen Bank.\n\nKind regards,\nMara Lindqvist"
)


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        request = json.loads(self.rfile.read(length) or b"{}")
        layer = (request.get("response_format") or {}).get("json_schema", {}).get("name")
        if layer != "cover_letter":
            error = {"message": "not this layer", "type": "invalid_request_error",
                     "param": None, "code": "unsupported"}
            return self.reply(400, {"error": error})
        answer = json.dumps({"text": LETTER, "cited_star_ids": []})
        self.reply(200, {
            "id": "chatcmpl-liar", "object": "chat.completion", "created": 1764300000,
            "model": request.get("model", "fake-liar"),
            "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                         "message": {"role": "assistant", "content": answer, "refusal": None}}],
            "usage": {"prompt_tokens": 3000, "completion_tokens": 400, "total_tokens": 3400,
                      "prompt_tokens_details": {"cached_tokens": 0}},
        })

    def reply(self, status, payload):
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
