/* Researcher Pro console. Everything that comes from the API is put on the page as text (textContent,
   attributes), except a run's answer: Markdown, rendered by marked and then sanitised by DOMPurify, whose
   Trusted Types policy is the only one the page's Content-Security-Policy allows. */
(() => {
  "use strict";

  const $ = (id) => document.getElementById(id);
  const WS_URL = document.querySelector('meta[name="rp-ws-url"]').content;
  const KEY_ITEM = "researcher-pro.api-key";
  const RECENT_PAGE = 10;
  const STATUSES = new Set(["queued", "running", "succeeded", "failed", "cancelled"]);
  const FINISHED = new Set(["succeeded", "failed", "cancelled"]);
  const ENDINGS = { "research.completed": "Complete", "research.failed": "Failed", "research.cancelled": "Cancelled" };
  const STAGES = {
    plan: "planning",
    search: "searching",
    read: "reading pages",
    analyze: "analysing",
    reflect: "reflecting",
    synthesize: "writing the answer",
  };

  // --- Small helpers ------------------------------------------------------------------------------
  const text = (value) => (typeof value === "string" ? value : value == null ? "" : String(value));
  const count = new Intl.NumberFormat();
  const capitalised = (words) => words.charAt(0).toUpperCase() + words.slice(1);

  function el(tag, attributes = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (value == null || value === false) continue;
      if (name === "class") node.className = value;
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    node.append(
      ...children.filter((child) => child != null && child !== false).map((c) => (c instanceof Node ? c : text(c))),
    );
    return node;
  }

  function percent(progress) {
    const value = Number(progress);
    return Number.isFinite(value) ? Math.round(Math.min(Math.max(value, 0), 1) * 100) : 0;
  }

  const wholeNumber = (value) => (Number.isInteger(value) && value > 0 ? value : null);

  /* "Reading pages · round 1 of 2 · 33%": the stage the event reports, and its round for the steps of a
     round (searching, reading pages, analysing, reflecting); planning has none. */
  function progressLabel(event) {
    const round = wholeNumber(event.round);
    const of = wholeNumber(event.of);
    const parts = [STAGES[event.stage] || text(event.stage)];
    if (round) parts.push(of ? `round ${round} of ${of}` : `round ${round}`);
    parts.push(`${percent(event.progress)}%`);
    return capitalised(parts.filter(Boolean).join(" · "));
  }

  /* Why a run stopped looking for more, as `stop_reason` says. */
  const STOPS = {
    complete: "nothing left to look for",
    rounds: "round limit reached",
    budget: "budget reached",
    deadline: "time limit reached",
  };

  /* "2 rounds, round limit reached": how long a finished run looked. */
  function roundsDone(research) {
    const rounds = wholeNumber(research.rounds);
    if (!rounds) return "";
    const stop = STOPS[research.stop_reason];
    return `${rounds} round${rounds === 1 ? "" : "s"}${stop ? `, ${stop}` : ""}`;
  }

  function money(usd) {
    const value = Number(usd) || 0;
    if (value > 0 && value < 0.0001) return "< $0.0001";
    return `$${value.toFixed(value > 0 && value < 1 ? 4 : 2)}`;
  }

  function when(iso, options = { dateStyle: "medium", timeStyle: "short" }) {
    const date = new Date(text(iso));
    return Number.isNaN(date.getTime()) ? "" : date.toLocaleString(undefined, options);
  }

  /* A publication date is a day ("2026-10-01"), the same wherever the reader is. */
  const day = (iso) => when(iso, { dateStyle: "medium", timeZone: "UTC" });

  /* A link only to http(s): a source's URL comes from the web and could be javascript: or data:. */
  function webUrl(url) {
    try {
      const parsed = new URL(text(url));
      return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
    } catch {
      return null;
    }
  }

  // --- The API and its problems -------------------------------------------------------------------
  class Problem extends Error {
    constructor(status, title, detail, errors = []) {
      super(detail || title);
      Object.assign(this, { status, title, detail, errors });
    }
  }

  const apiKey = () => $("api-key").value.trim();

  async function api(method, path, { json, form } = {}) {
    const key = apiKey();
    if (!key) throw new Problem(0, "No API key", "Enter your API key (rp_…) at the top of the page first.");
    const headers = { Authorization: `Bearer ${key}` };
    let body;
    if (json !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(json);
    } else if (form !== undefined) {
      body = form; // the browser writes the multipart/form-data boundary itself
    }
    let response;
    try {
      response = await fetch(path, { method, headers, body, cache: "no-store" });
    } catch (error) {
      throw new Problem(0, "The API could not be reached", text(error && error.message));
    }
    const raw = await response.text();
    let data = null;
    try {
      data = raw ? JSON.parse(raw) : null;
    } catch {
      data = null;
    }
    if (!response.ok) {
      const problem = data && typeof data === "object" ? data : {};
      throw new Problem(
        response.status,
        text(problem.title) || `HTTP ${response.status}`,
        text(problem.detail) || text(problem.message) || response.statusText,
        Array.isArray(problem.errors) ? problem.errors : [],
      );
    }
    return data;
  }

  function showProblem(id, error) {
    const box = $(id);
    box.replaceChildren();
    box.hidden = !error;
    if (!error) return;
    const problem =
      error instanceof Problem ? error : new Problem(0, "Something went wrong", text(error.message || error));
    box.append(el("strong", {}, problem.status ? `${problem.title} (${problem.status})` : problem.title));
    if (problem.detail && problem.detail !== problem.title) box.append(el("p", {}, problem.detail));
    const issues = problem.errors
      .slice(0, 6)
      .map((issue) =>
        issue && typeof issue === "object"
          ? [issue.field, issue.message].filter(Boolean).map(text).join(": ")
          : text(issue),
      );
    if (issues.length) box.append(el("ul", {}, ...issues.map((issue) => el("li", {}, issue))));
  }

  // --- The answer: Markdown to sanitised DOM, with its [n] markers linked to the sources ------------
  const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
  const escapeHtml = (value) => text(value).replace(/[&<>"']/g, (c) => ESCAPES[c]);

  const markdown = new marked.Marked(
    { gfm: true, breaks: false },
    {
      renderer: {
        // HTML in an answer is shown as the text it is: a model that writes <script> means those words.
        html: ({ text: raw }) => escapeHtml(raw),
        // Images would load from anywhere (the page's policy blocks them anyway): a link to them instead.
        image: ({ href, text: alt }) => `<a href="${escapeHtml(href)}">${escapeHtml(alt || href)}</a>`,
      },
    },
  );

  const SANITISE = {
    ALLOWED_TAGS:
      "a p br hr h1 h2 h3 h4 h5 h6 strong em del code pre blockquote ul ol li table thead tbody tr th td".split(" "),
    ALLOWED_ATTR: ["href", "title", "start", "align"],
    ALLOWED_URI_REGEXP: /^(?:https?|mailto):/i,
    RETURN_DOM_FRAGMENT: true,
  };
  DOMPurify.addHook("afterSanitizeAttributes", (node) => {
    if (node.nodeName === "A" && node.hasAttribute("href")) {
      node.setAttribute("target", "_blank");
      node.setAttribute("rel", "noopener noreferrer");
    }
  });

  /* "[1]", "[1, 2]" and runs of them ("[2][3]"): one citation, kept on the line of the word before it. */
  const MARKERS = /(?:\[\d+(?:\s*,\s*\d+)*\])+/g;

  function citation(numbers, sources) {
    const cite = el("span", { class: "cite" }, "[");
    numbers.forEach((n, i) => {
      if (i) cite.append(", ");
      const source = sources.get(n);
      cite.append(source ? el("a", { href: `#source-${n}`, title: text(source.title) }, String(n)) : String(n));
    });
    cite.append("]");
    return cite;
  }

  function linkCitations(root, sources) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
      acceptNode: (node) =>
        node.parentElement && node.parentElement.closest("a, code, pre")
          ? NodeFilter.FILTER_REJECT
          : NodeFilter.FILTER_ACCEPT,
    });
    const nodes = [];
    while (walker.nextNode()) nodes.push(walker.currentNode);
    for (const node of nodes) {
      const value = node.data;
      const parts = [];
      let last = 0;
      for (const found of value.matchAll(MARKERS)) {
        const numbers = [...new Set(found[0].match(/\d+/g).map(Number))];
        parts.push(value.slice(last, found.index).replace(/ $/, "\u00a0"), citation(numbers, sources));
        last = found.index + found[0].length;
      }
      if (parts.length) node.replaceWith(...parts, value.slice(last));
    }
  }

  function renderAnswer(answer, sources) {
    const fragment = DOMPurify.sanitize(markdown.parse(text(answer)), SANITISE);
    linkCitations(fragment, sources);
    $("answer").replaceChildren(fragment);
  }

  /* A web source's page is read, or only its search snippet used; a document's text is always whole. */
  const fromWeb = (source) => source.origin !== "documents";

  function renderSources(sources) {
    $("sources").replaceChildren(
      ...[...sources.values()].map((source) => {
        const url = webUrl(source.url);
        const title = text(source.title) || text(source.url) || `Source ${source.n}`;
        const heading = url
          ? el("a", { class: "source-title", href: url, target: "_blank", rel: "noopener noreferrer" }, title)
          : el("span", { class: "source-title" }, title);
        const about = [fromWeb(source) ? (url ? new URL(url).host : "") : "your document"];
        if (source.published_at) about.push(day(source.published_at));
        const read = !fromWeb(source)
          ? null
          : source.read === true
            ? el("span", { class: "read", title: "Its page was read, not only its search snippet" }, "✓ page read")
            : el("span", { class: "read unread", title: "Only its search snippet was used" }, "snippet only");
        return el(
          "li",
          { id: `source-${source.n}`, value: source.n },
          heading,
          el("div", { class: "source-about" }, about.filter(Boolean).join(" · "), read),
          source.snippet ? el("p", { class: "snippet" }, text(source.snippet)) : null,
        );
      }),
    );
    const web = [...sources.values()].filter(fromWeb);
    const read = web.filter((source) => source.read === true).length;
    $("sources-note").textContent = web.length ? `${read} of ${web.length} web pages read` : "";
    $("sources-section").hidden = sources.size === 0;
  }

  // --- A run: its header, progress, answer, sources and usage ---------------------------------------
  const run = {
    id: null,
    lastSeq: 0,
    finished: false,
    socket: null,
    timer: null,
    pinger: null,
    retry: 1000,
    loading: null,
  };

  function setStatus(status) {
    const known = STATUSES.has(status) ? status : "other";
    $("status").textContent = status;
    $("status").className = `status status-${known}`;
    $("cancel").hidden = FINISHED.has(status);
  }

  function setProgress(value, label, state) {
    const bar = $("progress");
    bar.setAttribute("aria-valuenow", String(value));
    bar.setAttribute("aria-valuetext", label);
    bar.dataset.state = state;
    $("progress-fill").style.width = `${value}%`; // CSSOM, which the policy allows (no inline style attribute)
    $("progress-label").textContent = label;
  }

  function renderUsage(usage, running) {
    const u = usage || {};
    $("usage").replaceChildren(
      running ? "So far: " : "",
      el("strong", {}, money(u.cost_usd)),
      ` · ${count.format(u.input_tokens || 0)} input and ${count.format(u.output_tokens || 0)} output tokens`,
      ` · ${count.format(u.model_calls || 0)} model call${u.model_calls === 1 ? "" : "s"}`,
      ` · ${count.format(u.cache_hits || 0)} from cache`,
    );
  }

  function renderResearch(research) {
    $("run-query").textContent = text(research.query);
    const looked = FINISHED.has(research.status) ? roundsDone(research) : "";
    $("run-details").textContent = [text(research.depth), looked, when(research.created_at), text(research.id)]
      .filter(Boolean)
      .join(" · ");
    setStatus(text(research.status));
    renderUsage(research.usage, !FINISHED.has(research.status));
    if (!FINISHED.has(research.status)) {
      if (!$("answer").childElementCount)
        $("answer").replaceChildren(el("p", { class: "waiting" }, "The answer appears here when the run is complete."));
      return;
    }
    const sources = new Map((research.sources || []).map((source) => [source.n, source]));
    const stage = STAGES[research.stage] || text(research.stage);
    if (research.status === "succeeded") {
      setProgress(100, "Complete · 100%", "succeeded");
      renderAnswer(research.answer || "_No answer._", sources);
    } else {
      const ended = `${research.status === "failed" ? "Failed" : "Cancelled"}${stage ? ` while ${stage}` : ""}`;
      setProgress(percent(research.progress), `${ended} · ${percent(research.progress)}%`, research.status);
      $("answer").replaceChildren();
      if (research.error)
        showProblem(
          "run-problem",
          new Problem(
            0,
            `The run ${research.status}`,
            `${text(research.error.message)} (${text(research.error.code)})`,
          ),
        );
    }
    $("progress-message").textContent = "";
    renderSources(sources);
  }

  function logEvent(event) {
    const label = ENDINGS[event.type] || progressLabel(event);
    const time = new Date(text(event.ts));
    $("events").append(
      el(
        "li",
        { "data-seq": event.seq },
        el("span", { class: "seq" }, `#${event.seq}`),
        Number.isNaN(time.getTime()) ? null : el("time", {}, time.toLocaleTimeString()),
        ` ${label}`,
        event.message ? el("span", { class: "message" }, ` — ${text(event.message)}`) : null,
      ),
    );
    $("events-count").textContent = `(${$("events").childElementCount})`;
  }

  function stopFollowing() {
    clearTimeout(run.timer);
    clearInterval(run.pinger);
    if (run.socket) {
      const socket = run.socket;
      run.socket = null;
      socket.close();
    }
    $("connection").textContent = "";
  }

  async function open(id) {
    stopFollowing();
    Object.assign(run, { id, lastSeq: 0, finished: false, retry: 1000 });
    $("research-id").value = id;
    $("run-empty").hidden = true;
    $("run-body").hidden = false;
    const parts = "run-query run-details progress-message answer sources sources-note usage events events-count";
    for (const part of parts.split(" ")) $(part).replaceChildren();
    $("sources-section").hidden = true;
    showProblem("run-problem", null);
    setStatus("loading");
    setProgress(0, "Waiting for the first event…", "running");
    markCurrent();
    let research;
    try {
      research = await api("GET", `/v1/research/${encodeURIComponent(id)}`);
    } catch (error) {
      if (run.id === id) {
        setStatus("unavailable");
        setProgress(0, "", "failed");
        showProblem("run-problem", error);
      }
      return;
    }
    if (run.id !== id) return; // another run was opened meanwhile
    renderResearch(research);
    if (FINISHED.has(research.status)) {
      run.finished = true;
      await readLog(id);
    } else if (WS_URL) {
      connect(id);
    } else {
      poll(id);
    }
  }

  /* A finished run's log, for the activity list: it is read once, not followed. */
  async function readLog(id) {
    try {
      for (;;) {
        const page = await api("GET", `/v1/research/${encodeURIComponent(id)}/events?after=${run.lastSeq}`);
        if (run.id !== id || !page.items.length) return;
        for (const event of page.items) {
          if (event.seq > run.lastSeq) {
            run.lastSeq = event.seq;
            logEvent(event);
          }
        }
      }
    } catch (error) {
      showProblem("run-problem", error);
    }
  }

  function handle(event) {
    if (typeof event.seq !== "number" || event.research_id !== run.id || event.seq <= run.lastSeq || run.finished)
      return;
    run.lastSeq = event.seq;
    logEvent(event);
    if (ENDINGS[event.type]) {
      finish(run.id);
      return;
    }
    setStatus("running");
    setProgress(percent(event.progress), progressLabel(event), "running");
    $("progress-message").textContent = event.message ? `— ${text(event.message)}` : "";
    refreshUsage(run.id);
  }

  async function finish(id) {
    run.finished = true;
    stopFollowing();
    try {
      const research = await api("GET", `/v1/research/${encodeURIComponent(id)}`);
      if (run.id === id) renderResearch(research);
    } catch (error) {
      showProblem("run-problem", error);
    }
    loadRecent();
  }

  /* The cost so far, while the run goes on: one read at a time, and never over a finished run's figures. */
  function refreshUsage(id) {
    if (run.loading) return;
    run.loading = api("GET", `/v1/research/${encodeURIComponent(id)}`)
      .then((research) => {
        if (run.id === id && !run.finished) renderUsage(research.usage, true);
      })
      .catch(() => {})
      .finally(() => {
        run.loading = null;
      });
  }

  function connect(id) {
    const socket = new WebSocket(`${WS_URL}?token=${encodeURIComponent(apiKey())}`);
    run.socket = socket;
    socket.onopen = () => {
      $("connection").textContent = "● live";
      run.retry = 1000;
      // Resumable: `after` is the last event shown, so nothing is missed or shown twice.
      socket.send(JSON.stringify({ action: "subscribe", research_id: id, after: run.lastSeq }));
      clearInterval(run.pinger);
      run.pinger = setInterval(() => socket.readyState === WebSocket.OPEN && socket.send('{"action":"ping"}'), 60000);
    };
    socket.onmessage = (message) => {
      let event;
      try {
        event = JSON.parse(message.data);
      } catch {
        return;
      }
      if (event.type === "error")
        showProblem("run-problem", new Problem(0, "The live connection refused a request", text(event.detail)));
      else handle(event);
    };
    socket.onclose = () => {
      if (run.socket !== socket) return;
      run.socket = null;
      $("connection").textContent = "reconnecting…";
      run.timer = setTimeout(() => run.id === id && !run.finished && connect(id), run.retry);
      run.retry = Math.min(run.retry * 2, 15000);
    };
  }

  /* Without a WebSocket API, the event log is read every second instead. */
  async function poll(id) {
    try {
      const page = await api("GET", `/v1/research/${encodeURIComponent(id)}/events?after=${run.lastSeq}`);
      page.items.forEach(handle);
    } catch (error) {
      showProblem("run-problem", error);
    }
    if (run.id === id && !run.finished) run.timer = setTimeout(() => poll(id), 1000);
  }

  /* Lists are reloaded when the key changes: only the answer to the latest request may fill one. */
  const requests = { recent: 0, documents: 0 };
  const latest = (list) => {
    const ticket = ++requests[list];
    return () => ticket === requests[list];
  };

  // --- Recent runs ----------------------------------------------------------------------------------
  let recentCursor = null;

  function markCurrent() {
    for (const button of document.querySelectorAll("#recent-list button")) {
      button.classList.toggle("current", button.dataset.id === run.id);
    }
  }

  async function loadRecent(more = false) {
    const current = latest("recent");
    try {
      const cursor = more && recentCursor ? `&cursor=${encodeURIComponent(recentCursor)}` : "";
      const page = await api("GET", `/v1/research?limit=${RECENT_PAGE}${cursor}`);
      if (!current()) return;
      const items = page.items.map((item) => {
        const status = STATUSES.has(item.status) ? item.status : "running";
        const button = el(
          "button",
          { type: "button", class: "run-item", "data-id": item.id },
          el("span", { class: "run-item-query" }, text(item.query)),
          el(
            "span",
            { class: "run-item-meta" },
            el("span", { class: `dot status-${status}` }),
            `${text(item.status)} · ${text(item.depth)} · ${when(item.created_at)}`,
          ),
        );
        button.addEventListener("click", () => open(item.id));
        return el("li", {}, button);
      });
      if (more) $("recent-list").append(...items);
      else
        $("recent-list").replaceChildren(...(items.length ? items : [el("li", { class: "note" }, "No research yet.")]));
      recentCursor = page.next_cursor || null;
      $("recent-more").hidden = !recentCursor;
      markCurrent();
      showProblem("recent-problem", null);
    } catch (error) {
      if (current()) showProblem("recent-problem", error);
    }
  }

  // --- Documents ------------------------------------------------------------------------------------
  /* "pdf · 31 pages · Nov 30, 2026": what it is once its text is read, and until then where it stands
     (research searches only a ready document). */
  function documentAbout(doc) {
    const about = [doc.status === "ready" ? text(doc.kind) : text(doc.status)];
    if (wholeNumber(doc.pages)) about.push(`${count.format(doc.pages)} page${doc.pages === 1 ? "" : "s"}`);
    about.push(when(doc.created_at, { dateStyle: "medium" }));
    return about.filter(Boolean).join(" · ");
  }

  async function loadDocuments() {
    const current = latest("documents");
    try {
      const page = await api("GET", "/v1/documents?limit=20");
      if (!current()) return;
      $("documents-list").replaceChildren(
        ...(page.items.length
          ? page.items.map((doc) =>
              el(
                "li",
                {},
                el("span", { class: "document-title" }, text(doc.title)),
                el("span", { class: "note" }, documentAbout(doc)),
              ),
            )
          : [el("li", { class: "note" }, "No documents yet.")]),
      );
      showProblem("documents-problem", null);
    } catch (error) {
      if (current()) showProblem("documents-problem", error);
    }
  }

  $("upload").addEventListener("submit", async (submitted) => {
    submitted.preventDefault();
    const file = $("document-file").files[0];
    const form = new FormData();
    form.append("file", file, file.name);
    if ($("document-title").value.trim()) form.append("title", $("document-title").value.trim());
    $("upload-button").disabled = true;
    $("documents-note").hidden = true;
    try {
      const doc = await api("POST", "/v1/documents", { form });
      showProblem("documents-problem", null);
      $("documents-note").textContent = `Uploaded “${text(doc.title)}”.`;
      $("documents-note").hidden = false;
      $("upload").reset();
      loadDocuments();
    } catch (error) {
      showProblem("documents-problem", error);
    } finally {
      $("upload-button").disabled = false;
    }
  });

  // --- Starting, opening and cancelling -------------------------------------------------------------
  $("ask").addEventListener("submit", async (submitted) => {
    submitted.preventDefault();
    const sources = [...document.querySelectorAll('input[name="sources"]:checked')].map((box) => box.value);
    $("start").disabled = true;
    try {
      const research = await api("POST", "/v1/research", {
        json: { query: $("query").value, depth: $("depth").value, sources },
      });
      showProblem("ask-problem", null);
      open(research.id);
      loadRecent();
    } catch (error) {
      showProblem("ask-problem", error);
    } finally {
      $("start").disabled = false;
    }
  });

  $("open-form").addEventListener("submit", (submitted) => {
    submitted.preventDefault();
    const id = $("research-id").value.trim();
    if (id) open(id);
  });

  $("cancel").addEventListener("click", async () => {
    try {
      await api("POST", `/v1/research/${encodeURIComponent(run.id)}/cancel`);
      $("progress-message").textContent = "— cancelling at the next step";
    } catch (error) {
      showProblem("run-problem", error);
    }
  });

  $("recent").addEventListener("click", () => loadRecent());
  $("recent-more").addEventListener("click", () => loadRecent(true));

  // --- The API key: entered once, kept for this tab only (sessionStorage) ---------------------------
  function keyChanged() {
    try {
      if (apiKey()) sessionStorage.setItem(KEY_ITEM, apiKey());
      else sessionStorage.removeItem(KEY_ITEM);
    } catch {
      // Storage may be off (private modes): the key then lasts as long as the page.
    }
    if (apiKey()) {
      loadRecent();
      loadDocuments();
    }
  }

  $("key-form").addEventListener("submit", (submitted) => {
    submitted.preventDefault();
    keyChanged();
  });
  $("api-key").addEventListener("change", keyChanged);
  try {
    $("api-key").value = sessionStorage.getItem(KEY_ITEM) || "";
  } catch {
    // as above
  }
  if (apiKey()) keyChanged();
})();
