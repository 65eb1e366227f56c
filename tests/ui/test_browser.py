"""The chat in a real chromium against the real server and the real embedded model:
ask a question, watch the answer stream in, ask a follow-up that leans on it ("he"),
follow the first source to the highlighted passage. Screenshots and timings go to artifacts/ (1280×800 and 390×844)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rag.settings import REPO_ROOT, Settings
from tests.ui.serving import start_server

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = REPO_ROOT / "artifacts"
QUESTION = "Who led the Chinese delegation?"
FOLLOW_UP = "What did he invite Naqvi to do?"
WIDE = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's chromium at /usr/bin/chromium: apt-get install -y chromium")
    pytest.importorskip("playwright.sync_api", reason="needs the playwright package")
    settings = Settings(home=tmp_path_factory.mktemp("rag"))  # the real embedded model
    yield from start_server(settings, ready_timeout_s=300)


def words(text: str) -> str:
    return " ".join(text.replace("“", "").replace("”", "").split())


def test_ask_stream_and_open_the_cited_passage(base_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    timings: dict[str, Any] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            context = browser.new_context(viewport=WIDE)  # type: ignore[arg-type]
            page = context.new_page()

            started = time.perf_counter()
            page.goto(base_url + "/")
            box = page.locator("#question textarea")
            box.wait_for(state="visible")
            timings["page_interactive_s"] = round(time.perf_counter() - started, 3)

            chat = page.locator("#chatbot")
            started = time.perf_counter()
            box.fill(QUESTION)
            box.press("Enter")
            expect(chat).to_contain_text("Chen Mingguo", timeout=120_000)
            timings["first_words_s"] = round(time.perf_counter() - started, 3)
            expect(chat).to_contain_text("Sources", timeout=120_000)
            timings["answer_s"] = round(time.perf_counter() - started, 3)
            answer = chat.locator(".bot").last.inner_text()
            timings["answer"] = answer
            page.screenshot(path=str(ARTIFACTS / "chat-1280x800.png"))

            # A follow-up: "he" is the person the last answer named, whole, never a title's fragment.
            answers_before = chat.locator(".bot").count()
            box.fill(FOLLOW_UP)
            box.press("Enter")
            expect(chat.locator(".bot")).to_have_count(answers_before + 1, timeout=120_000)
            expect(chat.locator(".bot").last).to_contain_text("Sources", timeout=120_000)
            follow_up = chat.locator(".bot").last.inner_text()
            timings["follow_up"] = follow_up

            link = chat.locator("a[href*='/documents/']").first
            quote = words(chat.locator("blockquote").first.inner_text())
            started = time.perf_counter()
            with context.expect_page() as opened:  # sources open in a new tab
                link.click()
            doc = opened.value
            mark = doc.locator("mark#passage")
            expect(mark).to_be_visible(timeout=30_000)
            timings["source_page_s"] = round(time.perf_counter() - started, 3)
            assert words(mark.inner_text()) == quote
            assert "Chen Mingguo" in mark.inner_text()
            assert doc.url.startswith(base_url + "/documents/") and "#span-" in doc.url
            doc.screenshot(path=str(ARTIFACTS / "doc-1280x800.png"))

            for p, name in ((page, "chat"), (doc, "doc")):
                p.set_viewport_size(PHONE)  # type: ignore[arg-type]
                if name == "doc":
                    mark.scroll_into_view_if_needed()
                else:
                    chat.locator(".bot").last.scroll_into_view_if_needed()
                p.wait_for_timeout(300)
                p.screenshot(path=str(ARTIFACTS / f"{name}-390x844.png"))
                width = p.evaluate("document.documentElement.scrollWidth")
                assert width <= PHONE["width"], f"the {name} page scrolls sideways on a phone ({width} px)"
        finally:
            browser.close()

    (ARTIFACTS / "ui_timings.json").write_text(json.dumps(timings, indent=2) + "\n")
    with capsys.disabled():
        print(
            f"\nbrowser timings: {json.dumps({k: v for k, v in timings.items() if k not in ('answer', 'follow_up')})}"
        )
    assert "Chen Mingguo" in answer
    reply = follow_up.split("Sources")[0]
    assert "Chen Mingguo" in reply and "visit Xinjiang" in reply and "Minister of Political" not in reply, reply
