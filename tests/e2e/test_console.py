"""The console page (GET /console) in headless Chromium against the local cloud: a run followed live over the
WebSocket API through its rounds, its answer rendered from Markdown, its sources as links that say which pages
were read, and hostile text from sources and models shown as text, never run."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from researcher_pro.core.clock import now_rfc3339
from researcher_pro.providers.reader import Page
from researcher_pro.research.pages import PageStore
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException, StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.perplexity_server import FakePerplexity
from tests.fakes.web import FakeWeb
from tests.harness import Cloud

pytestmark = pytest.mark.e2e

Fakes = tuple[FakeOpenAI, FakePerplexity]
TENANT = "console"
DATA_TABLE = "researcher-pro-local-DataTable"
ARTIFACTS_BUCKET = "researcher-pro-local-artifactsbucket"
WAIT = 60
FINISHED = ("succeeded", "failed", "cancelled")
# What the progress bar calls each stage, and why a finished run stopped looking (its `stop_reason`).
STAGES = {
    "plan": "Planning",
    "search": "Searching",
    "read": "Reading pages",
    "analyze": "Analysing",
    "reflect": "Reflecting",
}
STOPS = {
    "complete": "nothing left to look for",
    "rounds": "round limit reached",
    "budget": "budget reached",
    "deadline": "time limit reached",
}
MEDIA_TYPES = {"html": "text/html", "pdf": "application/pdf", "text": "text/plain"}

FORMATTED = (
    "### What it means\n\n"
    "- **Heat pumps** keep working in the cold [1].\n"
    "- Their efficiency *drops* as it gets colder [2, 3].\n\n"
    "See [the agency's guide](https://example.org/guide) for more."
)
HOSTILE_ANSWER = (
    "### Hostile\n\n"
    '<img src=x onerror="window.__pwned=1;alert(1)"> and <script>window.__pwned=2</script> '
    "and [click me](javascript:window.__pwned=3) and [a data link](data:text/html,<script>alert(4)</script>) "
    "and ![pic](javascript:window.__pwned=5) "
    '<a href="javascript:window.__pwned=6">raw link</a>\n\n'
    '<iframe src="javascript:window.__pwned=7"></iframe>\n\n'
    '<div onmouseover="window.__pwned=8">block html</div>'
)
HOSTILE_TITLE = '<img src=x onerror="window.__pwned=9;alert(9)">Evil <script>window.__pwned=10</script>'
HOSTILE_SOURCES = [
    {
        "id": 50,
        "title": HOSTILE_TITLE,
        "url": "javascript:window.__pwned=11",
        "snippet": "<b onmouseover=window.__pwned=12>bold?</b>",
        "date": None,
        "last_updated": None,
        "source": "web",
    },
    {
        "id": 51,
        "title": 'Quotes " and <i>tags</i>',
        "url": 'https://evil.example/a"onmouseover="window.__pwned=13',
        "snippet": "A plain snippet.",
        "date": "2026-01-02",
        "last_updated": None,
        "source": "web",
    },
]

# Records every value the progress bar takes, with its label, as the user would have seen them.
RECORD_PROGRESS = """
window.__progress = [];
const bar = document.getElementById("progress");
new MutationObserver(() => window.__progress.push([Number(bar.getAttribute("aria-valuenow")),
    document.getElementById("progress-label").textContent]))
  .observe(bar, {attributes: true, attributeFilter: ["aria-valuetext"]});
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    chromium, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver_path):
        pytest.fail("headless Chromium is needed: `make browser` installs Debian's chromium and chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--hide-scrollbars"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_window_size(1280, 1000)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def key(online_cloud: Cloud) -> str:
    return online_cloud.create_key(TENANT)


def open_console(browser: WebDriver, cloud: Cloud, key: str) -> None:
    browser.get(f"{cloud.url}/console")
    field = browser.find_element(By.ID, "api-key")
    field.clear()
    field.send_keys(key, Keys.ENTER)


def start_in_page(browser: WebDriver, query: str, depth: str = "quick", documents: bool = False) -> str:
    browser.find_element(By.ID, "query").send_keys(query)
    Select(browser.find_element(By.ID, "depth")).select_by_value(depth)
    if documents:
        browser.find_element(By.CSS_SELECTOR, 'input[name="sources"][value="documents"]').click()
    browser.find_element(By.ID, "start").click()
    WebDriverWait(browser, WAIT).until(lambda b: b.find_element(By.ID, "research-id").get_attribute("value"))
    return str(browser.find_element(By.ID, "research-id").get_attribute("value"))


def wait_until_finished(browser: WebDriver) -> str:
    WebDriverWait(browser, WAIT).until(lambda b: b.find_element(By.ID, "status").text in FINISHED)
    return str(browser.find_element(By.ID, "status").text)


def text_of(browser: WebDriver, element_id: str) -> str:
    return str(browser.find_element(By.ID, element_id).get_attribute("textContent"))


def page_errors(browser: WebDriver) -> list[dict[str, Any]]:
    """Script errors and policy violations (CSP, Trusted Types) the page logged; refused API calls log too,
    as network entries, and are not errors of the page."""
    return [entry for entry in browser.get_log("browser") if entry["source"] != "network"]


def remember_pages_read(cloud: Cloud, web: FakeWeb) -> None:
    """The stand-in web's articles in the tenant's page cache, as an earlier run that read them leaves them: a
    run counts a cached page as read without fetching it again. This cloud may not fetch pages on loopback,
    where the stand-in web is; the members' area is left out, as its robots.txt keeps readers out of it."""
    pages = PageStore(DATA_TABLE, ARTIFACTS_BUCKET, 3600, db=cloud.aws("dynamodb"), s3=cloud.aws("s3"))
    for document in web.search_documents():
        article = web.article(document.url)
        if article is not None and not article.path.startswith("/members/"):
            page = Page(
                document.url, document.url, article.title, article.text, MEDIA_TYPES[article.kind], now_rfc3339()
            )
            pages.put(TENANT, document.url, page)


def progress_label(event: dict[str, Any]) -> str:
    """What the progress bar says for a progress event: its stage, its round if it has one, and how far."""
    where = f" · round {event['round']} of {event['of']}" if event.get("round") else ""
    return f"{STAGES[event['stage']]}{where} · {round(event['progress'] * 100)}%"


def test_a_run_is_followed_round_by_round_then_reads_as_formatted_text_with_linked_sources_marked_read(
    online_cloud: Cloud, fakes: Fakes, fake_web: FakeWeb, browser: WebDriver, key: str, tmp_path: Path
) -> None:
    openai, perplexity = fakes
    perplexity.script.delay = 0.3
    openai.answer_appendix = FORMATTED
    http = online_cloud.client(key)
    remember_pages_read(online_cloud, fake_web)
    notes = {"title": "Winter notes", "text": "Our heat pumps cope with winter: they kept the house warm at -20 °C."}
    assert http.post("/v1/documents", json=notes).status_code == 201
    query = "How do <b>heat pumps</b> cope with winter?"
    open_console(browser, online_cloud, key)
    browser.execute_script(RECORD_PROGRESS)
    research_id = start_in_page(browser, query, depth="standard", documents=True)
    assert wait_until_finished(browser) == "succeeded"

    research = http.get(f"/v1/research/{research_id}").json()
    log = http.get(f"/v1/research/{research_id}/events").json()["items"]
    steps = [e for e in log if e["type"] == "research.progress"]
    # The bar moved with every step of the loop, labelled with the step's stage and its round, then completed.
    seen = browser.execute_script("return window.__progress")
    assert [value for value, _ in seen] == [0] + [round(e["progress"] * 100) for e in steps] + [100]
    labels = [label for _, label in seen][1:]
    assert labels == [progress_label(e) for e in steps] + ["Complete · 100%"]
    # A standard run may take 2 rounds: the first one searches, reads pages, analyses and reflects.
    assert [label.rsplit(" · ", 1)[0] for label in labels[:5]] == [
        "Planning",
        "Searching · round 1 of 2",
        "Reading pages · round 1 of 2",
        "Analysing · round 1 of 2",
        "Reflecting · round 1 of 2",
    ]
    logged = [item.get_attribute("data-seq") for item in browser.find_elements(By.CSS_SELECTOR, "#events li")]
    assert logged == [str(e["seq"]) for e in log]
    rounds = f"{research['rounds']} round{'' if research['rounds'] == 1 else 's'}"
    assert text_of(browser, "run-details").startswith(f"standard · {rounds}, {STOPS[research['stop_reason']]} · ")

    # The answer: its sections as headings, then the Markdown the model ended it with, as formatted text.
    answer = browser.find_element(By.ID, "answer")
    sections = re.findall(r"^## (.+)$", research["answer"], flags=re.MULTILINE)
    assert sections and [h.text for h in answer.find_elements(By.CSS_SELECTOR, "h2, h3")] == [
        *sections,
        "What it means",
    ]
    assert "Heat pumps" in [s.text for s in answer.find_elements(By.TAG_NAME, "strong")]
    assert "drops" in [s.text for s in answer.find_elements(By.TAG_NAME, "em")]
    assert "keep working in the cold" in answer.find_element(By.CSS_SELECTOR, "ul > li").text
    guide = answer.find_element(By.LINK_TEXT, "the agency's guide")
    assert guide.get_attribute("href") == "https://example.org/guide"
    assert (guide.get_attribute("target"), guide.get_attribute("rel")) == ("_blank", "noopener noreferrer")
    assert "**" not in answer.text and "##" not in answer.text

    # Every [n] marker of the answer links to its numbered source; the sources are links with their titles, each
    # web page marked read or not, and the tenant's document as theirs.
    cited = [a.get_attribute("href").rsplit("#", 1)[1] for a in answer.find_elements(By.CSS_SELECTOR, ".cite a")]
    assert cited and set(cited) <= {f"source-{s['n']}" for s in research["sources"]}
    assert "source-1" in cited and "source-3" in cited
    for source in research["sources"]:
        item = browser.find_element(By.ID, f"source-{source['n']}")
        title = item.find_element(By.CLASS_NAME, "source-title")
        marks = [mark.text for mark in item.find_elements(By.CLASS_NAME, "read")]
        assert title.text == source["title"]
        if source["origin"] == "documents":
            assert (title.tag_name, marks) == ("span", []) and "your document" in item.text
        else:
            assert title.get_attribute("href").lower().rstrip("/") == source["url"].lower().rstrip("/")
            assert marks == ["✓ page read" if source["read"] else "snippet only"]
    web = [s for s in research["sources"] if s["origin"] == "web"]
    read = [s for s in web if s["read"]]
    assert read and len(read) < len(web) and research["pages_read"] == len(read)
    assert any(s["origin"] == "documents" and s["title"] == notes["title"] for s in research["sources"])
    assert text_of(browser, "sources-note") == f"{len(read)} of {len(web)} web pages read"

    usage, spent = text_of(browser, "usage"), research["usage"]
    assert f"${spent['cost_usd']:.4f}" in usage and f"{spent['model_calls']} model calls" in usage

    recent = browser.find_element(By.CSS_SELECTOR, f'#recent-list button[data-id="{research_id}"]')
    assert recent.find_element(By.CLASS_NAME, "run-item-query").text == query  # the markup is not parsed
    assert recent.find_element(By.CLASS_NAME, "run-item-meta").text.startswith("succeeded · standard · ")
    assert text_of(browser, "run-query") == query

    for width in (1280, 420):
        browser.set_window_size(width, 1000)
        height = browser.execute_script("return document.documentElement.scrollHeight")
        browser.set_window_size(width, height)
        assert browser.execute_script("return document.documentElement.scrollWidth") <= width  # no sideways scroll
        assert browser.save_screenshot(str(tmp_path / f"console-{width}.png"))
    browser.set_window_size(1280, 1000)
    assert page_errors(browser) == []


def test_a_run_can_be_cancelled_while_it_runs(online_cloud: Cloud, fakes: Fakes, browser: WebDriver, key: str) -> None:
    _, perplexity = fakes
    perplexity.script.delay = 3.0  # the search takes this long: time to cancel the run while it searches
    open_console(browser, online_cloud, key)
    research_id = start_in_page(browser, "What do cold-climate heat pumps cost?")
    WebDriverWait(browser, WAIT).until(lambda b: text_of(b, "progress-label").startswith("Planning · "))
    assert browser.find_element(By.ID, "cancel").is_displayed()

    browser.find_element(By.ID, "cancel").click()
    assert wait_until_finished(browser) == "cancelled"
    research = online_cloud.client(key).get(f"/v1/research/{research_id}").json()
    assert research["status"] == "cancelled"
    assert text_of(browser, "progress-label") == (
        f"Cancelled while {STAGES[research['stage']].lower()} · {round(research['progress'] * 100)}%"
    )
    assert not browser.find_element(By.ID, "cancel").is_displayed()
    assert page_errors(browser) == []


def test_hostile_titles_and_answers_are_shown_as_text_and_nothing_of_them_runs(
    online_cloud: Cloud, fakes: Fakes, browser: WebDriver, key: str
) -> None:
    openai, perplexity = fakes
    openai.answer_appendix = HOSTILE_ANSWER
    perplexity.extra_results = HOSTILE_SOURCES
    http = online_cloud.client(key)
    research = online_cloud.start({"query": "Is <img src=x onerror=alert(0)> safe?", "depth": "quick"}, http=http)
    assert online_cloud.wait(research["id"], http=http)["status"] == "succeeded"

    open_console(browser, online_cloud, key)  # then open it from the list of recent runs
    WebDriverWait(browser, WAIT, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda b: open_recent(b, research["id"])
    )
    WebDriverWait(browser, WAIT).until(lambda b: b.find_elements(By.CSS_SELECTOR, "#sources li"))

    with pytest.raises(NoAlertPresentException):
        _ = browser.switch_to.alert.text
    assert browser.execute_script("return window.__pwned") is None
    answer, sources = text_of(browser, "answer"), text_of(browser, "sources")
    assert '<img src=x onerror="window.__pwned=1;alert(1)">' in answer  # shown as the text it is
    assert "<script>window.__pwned=2</script>" in answer and "block html" in answer
    assert HOSTILE_TITLE in sources and "<b onmouseover=window.__pwned=12>bold?</b>" in sources
    assert '<div onmouseover="window.__pwned=8">block html</div>' in answer
    assert "click me" in answer and "a data link" in answer and "pic" in answer
    elements = browser.execute_script(
        """
        const page = [...document.querySelectorAll("#answer *, #sources *")];
        return {
          tags: [...new Set(page.map((e) => e.tagName.toLowerCase()))],
          handlers: page.flatMap((e) => [...e.attributes].map((a) => a.name)).filter((n) => n.startsWith("on")),
          hrefs: page.filter((e) => e.hasAttribute("href")).map((e) => e.getAttribute("href")),
        };
        """
    )
    assert not {"img", "script", "iframe", "b"} & set(elements["tags"])
    assert elements["handlers"] == []
    assert all(href.startswith(("https://", "http://", "#source-")) for href in elements["hrefs"]), elements["hrefs"]
    assert "javascript:" not in " ".join(elements["hrefs"])
    quoted = browser.find_element(By.CSS_SELECTOR, "#sources li:nth-last-child(1) a.source-title")
    assert quoted.text == 'Quotes " and <i>tags</i>'
    assert page_errors(browser) == []


def test_the_key_is_kept_for_the_tab_and_problems_are_shown_as_the_api_states_them(
    online_cloud: Cloud, browser: WebDriver, key: str, tmp_path: Path
) -> None:
    anonymous = online_cloud.client("rp_not-a-key")
    refused = anonymous.get("/v1/research", params={"limit": 10}).json()
    open_console(browser, online_cloud, "rp_not-a-key")
    WebDriverWait(browser, WAIT).until(lambda b: b.find_element(By.ID, "recent-problem").is_displayed())
    assert text_of(browser, "recent-problem") == f"{refused['title']} (401){refused['detail']}"

    open_console(browser, online_cloud, key)
    WebDriverWait(browser, WAIT).until(lambda b: not b.find_element(By.ID, "recent-problem").is_displayed())
    browser.refresh()
    assert browser.find_element(By.ID, "api-key").get_attribute("value") == key  # sessionStorage, this tab only

    # A start the API refuses (no source to search) shows its problem detail and the fields it names.
    invalid = online_cloud.client(key).post("/v1/research", json={"query": "Anything?", "sources": []})
    assert invalid.status_code == 422
    browser.find_element(By.ID, "query").send_keys("Anything?")
    browser.find_element(By.CSS_SELECTOR, 'input[name="sources"][value="web"]').click()
    browser.find_element(By.ID, "start").click()
    WebDriverWait(browser, WAIT).until(lambda b: b.find_element(By.ID, "ask-problem").is_displayed())
    problem = text_of(browser, "ask-problem")
    assert problem.startswith(f"{invalid.json()['title']} (422){invalid.json()['detail']}")
    assert all(f"{error['field']}: {error['message']}" in problem for error in invalid.json()["errors"])

    # An upload as multipart/form-data: the document is listed with what it is; a file the API refuses is shown
    # with its problem as the API states it.
    primer = tmp_path / "primer.md"
    primer.write_text("# Heat pumps\n\nHeat pumps move heat rather than generating it.\n", encoding="utf-8")
    browser.find_element(By.ID, "document-file").send_keys(str(primer))
    browser.find_element(By.ID, "document-title").send_keys("Primer")
    browser.find_element(By.ID, "upload-button").click()
    WebDriverWait(browser, WAIT).until(lambda b: "Uploaded “Primer”." in text_of(b, "documents-note"))
    (uploaded,) = [d for d in online_cloud.client(key).get("/v1/documents").json()["items"] if d["title"] == "Primer"]
    assert (uploaded["status"], uploaded["kind"]) == ("ready", "markdown")
    listed = browser.find_elements(By.CSS_SELECTOR, "#documents-list li")
    (entry,) = [item for item in listed if item.find_element(By.CLASS_NAME, "document-title").text == "Primer"]
    assert entry.find_element(By.CLASS_NAME, "note").text.startswith("markdown · ")

    picture = tmp_path / "diagram.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    with picture.open("rb") as file:
        refused = online_cloud.client(key).post("/v1/documents", files={"file": ("diagram.png", file, "image/png")})
    assert refused.status_code == 415
    browser.find_element(By.ID, "document-file").send_keys(str(picture))
    browser.find_element(By.ID, "upload-button").click()
    WebDriverWait(browser, WAIT).until(lambda b: b.find_element(By.ID, "documents-problem").is_displayed())
    problem = refused.json()
    assert text_of(browser, "documents-problem") == f"{problem['title']} (415){problem['detail']}"
    assert page_errors(browser) == []


def open_recent(browser: WebDriver, research_id: str) -> bool:
    """Click the run in the list of recent runs, once it is listed. The list is drawn again when it loads, so a
    button found may be replaced before the click reaches it: the wait then looks again."""
    buttons = browser.find_elements(By.CSS_SELECTOR, f'#recent-list button[data-id="{research_id}"]')
    if buttons:
        buttons[0].click()
    return bool(buttons)
