"""GET /console: one page to try Researcher Pro in a browser. It takes an API key, starts or picks a
research run, follows it over the WebSocket API (resuming with `after` if the socket drops) and shows
its progress and answer. No build step: the page is this string. Everything that comes from data is
set with textContent, never parsed as HTML."""

from __future__ import annotations

import html
import secrets
from typing import Any
from urllib.parse import urlsplit

from researcher_pro.config import get_settings

WS_URL = get_settings().ws_url

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="rp-ws-url" content="__WS_URL__">
<title>Researcher Pro console</title>
<style nonce="__NONCE__">
  body { font: 15px/1.45 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
  fieldset { border: 1px solid #ccc; margin: 0 0 1rem; }
  input[type=text], input[type=password], textarea { width: 100%; box-sizing: border-box; font: inherit; }
  button { font: inherit; margin: .4rem .4rem 0 0; }
  #events li { font-family: ui-monospace, monospace; font-size: 13px; }
  #answer { white-space: pre-wrap; border-left: 3px solid #4a7; padding-left: .8rem; }
  .muted { color: #777; }
</style>
</head>
<body>
<h1>Researcher Pro</h1>
<fieldset>
  <legend>API key</legend>
  <input id="api-key" type="password" placeholder="rp_…" autocomplete="off">
</fieldset>
<fieldset>
  <legend>Research</legend>
  <textarea id="query" rows="2" placeholder="Ask a research question"></textarea>
  <button id="start" type="button">Start research</button>
  <button id="recent" type="button">Show my recent research</button>
  <ul id="recent-list"></ul>
  <input id="research-id" type="text" placeholder="or a research id: res_…">
  <button id="follow" type="button">Follow</button>
</fieldset>
<p>Status: <strong id="status">idle</strong> <span id="socket" class="muted"></span></p>
<h2>Progress</h2>
<ol id="events"></ol>
<h2>Answer</h2>
<div id="answer" class="muted"></div>
<ol id="sources"></ol>
<script nonce="__NONCE__">
"use strict";
const WS_URL = document.querySelector('meta[name="rp-ws-url"]').content;
const $ = (id) => document.getElementById(id);
const TERMINAL = new Set(["research.completed", "research.failed", "research.cancelled"]);
let socket = null, current = null, lastSeq = 0, pinger = null;

function key() { return $("api-key").value.trim(); }
function say(text) { $("status").textContent = text; }
function add(list, text) {
  const li = document.createElement("li");
  li.textContent = text;
  $(list).appendChild(li);
  return li;
}

async function api(method, path, body) {
  const response = await fetch(path, {
    method, headers: { "Authorization": "Bearer " + key(), "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = response.status === 204 ? null : await response.json();
  if (!response.ok) { throw new Error((data && (data.detail || data.title)) || ("HTTP " + response.status)); }
  return data;
}

function follow(id) {
  current = id; lastSeq = 0;
  $("research-id").value = id;
  $("events").textContent = ""; $("sources").textContent = "";
  $("answer").textContent = ""; $("answer").className = "muted";
  say("following " + id);
  connect();
}

function connect() {
  if (socket) { socket.onclose = null; socket.close(); }
  if (!WS_URL) { $("socket").textContent = "(no WebSocket API configured)"; return; }
  const ws = new WebSocket(WS_URL + "?token=" + encodeURIComponent(key()));
  socket = ws;
  ws.onopen = () => {
    $("socket").textContent = "(connected)";
    ws.send(JSON.stringify({ action: "subscribe", research_id: current, after: lastSeq }));
    clearInterval(pinger);
    pinger = setInterval(() => ws.readyState === 1 && ws.send(JSON.stringify({ action: "ping" })), 60000);
  };
  ws.onmessage = (message) => {
    let event;
    try { event = JSON.parse(message.data); } catch (e) { return; }
    if (event.type === "error") { say("error: " + event.detail); return; }
    if (typeof event.seq !== "number" || event.research_id !== current || event.seq <= lastSeq) { return; }
    lastSeq = event.seq;
    const pct = Math.round((event.progress || 0) * 100);
    const stage = event.stage || "";
    add("events", "#" + event.seq + " " + event.type + " " + stage + " " + pct + "% " + (event.message || ""));
    say(event.type);
    if (TERMINAL.has(event.type)) { finish(); }
  };
  ws.onclose = () => {
    $("socket").textContent = "(disconnected, reconnecting…)";
    // Resumable: the next subscribe carries after=lastSeq, so nothing is missed or repeated.
    setTimeout(() => { if (current && socket === ws) { connect(); } }, 1000);
  };
}

async function finish() {
  const research = await api("GET", "/v1/research/" + encodeURIComponent(current));
  say(research.status);
  $("answer").className = "";
  $("answer").textContent = research.answer || (research.error ? research.error.message : "(no answer)");
  for (const source of research.sources || []) { add("sources", source.title + " — " + source.url); }
  if (socket) { socket.onclose = null; socket.close(); socket = null; $("socket").textContent = ""; }
}

$("start").onclick = async () => {
  try {
    const research = await api("POST", "/v1/research", { query: $("query").value, depth: "quick" });
    follow(research.id);
  } catch (error) { say("error: " + error.message); }
};
$("follow").onclick = () => { const id = $("research-id").value.trim(); if (id) { follow(id); } };
$("recent").onclick = async () => {
  try {
    const page = await api("GET", "/v1/research?limit=10");
    $("recent-list").textContent = "";
    for (const item of page.items) {
      const li = add("recent-list", "");
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = item.status + ": " + item.query;
      button.onclick = () => follow(item.id);
      li.appendChild(button);
    }
  } catch (error) { say("error: " + error.message); }
};
</script>
</body>
</html>
"""


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    nonce = secrets.token_urlsafe(16)
    page = PAGE.replace("__WS_URL__", html.escape(WS_URL, quote=True)).replace("__NONCE__", nonce)
    policy = (
        f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; "
        f"connect-src 'self' {_origin(WS_URL)}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
    return {
        "statusCode": 200,
        "headers": {
            "content-type": "text/html; charset=utf-8",
            "content-security-policy": policy,
            "cache-control": "no-store",
            "x-content-type-options": "nosniff",
            "referrer-policy": "no-referrer",
        },
        "body": page,
    }
