"""The library and saved conversations in a real chromium against the real server (the real
embedder; extractive answers, so the model's speed does not set the pace — test_browser.py
drives the real model): upload an article in the library and watch the job finish, delete
another after a confirmation, ask about the new article from an example the corpus gave,
follow up, thumbs down with a note, reload — the conversation and the feedback are still
there. Screenshots of both pages go to artifacts/ (copied by hand to docs/, where the README shows them)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from rag.settings import REPO_ROOT, Settings
from tests.ui.serving import start_server

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
TOKEN = "browser-token-0123456789"
WIDE = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
TITLE = "Harbour authority approves new ferry terminal"
ARTICLE = f"""{TITLE}
March 3, 2026

The harbour authority of Quimbyville on Friday approved plans for a new ferry terminal on the river front, \
officials said, after a decade of delays and two failed tenders.

The terminal, due to open in 2027, will serve 4,500 commuters a day from the south bank and cut journeys \
by half, the authority said.
"""
JUNK = "Notice of a parish bake sale\n\nThe parish of Lower Wickham holds its bake sale on Sunday at noon.\n"
NOTE = "It should give the opening year, 2027."


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's chromium at /usr/bin/chromium: apt-get install -y chromium")
    pytest.importorskip("playwright.sync_api", reason="needs the playwright package")
    settings = Settings(
        home=tmp_path_factory.mktemp("rag"),
        seeds_dir=REPO_ROOT / "seeds",
        llm_backend="extractive",
        api_token=TOKEN,
        _env_file=None,  # type: ignore[call-arg]
    )
    yield from start_server(settings, ready_timeout_s=300)


def test_upload_ask_dislike_reload(base_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    article, junk = tmp_path / "ferry-terminal.txt", tmp_path / "bake-sale.txt"
    article.write_text(ARTICLE)
    junk.write_text(JUNK)
    shots = REPO_ROOT / "artifacts"
    shots.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_context(viewport=WIDE).new_page()  # type: ignore[arg-type]
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

            # -- the library: add two articles as one job, watch it finish, delete one -------------
            page.goto(base_url + "/library")
            table = page.locator("#documents")
            expect(table).to_contain_text("Pakistan set to strengthen counter-terrorism collaboration with China")
            expect(page.locator("button.delete").first).to_be_hidden()  # no token, no delete buttons
            page.get_by_text("Add or delete articles").click()
            page.locator("#token").fill(TOKEN)
            page.locator("#files").set_input_files([str(article), str(junk)])
            page.locator("#add").click()
            expect(page.locator("#job-status")).to_contain_text("Done: 2 of 2", timeout=120_000)
            assert re.search(r"[?&]job=[0-9a-f]{32}", page.url), page.url  # reloaded with the new list
            expect(table).to_contain_text(TITLE)
            expect(page.locator("#job-results")).to_contain_text("ferry-terminal added")
            page.screenshot(path=str(shots / "library.png"))

            row = page.locator("tr", has_text="Notice of a parish bake sale")
            page.once("dialog", lambda d: d.dismiss())
            row.get_by_role("button", name="Delete").click()
            expect(row).to_be_visible()  # dismissed: nothing deleted
            page.once("dialog", lambda d: d.accept())
            row.get_by_role("button", name="Delete").click()
            expect(row).to_have_count(0)
            assert "bake-sale" not in {d["doc_id"] for d in httpx.get(f"{base_url}/v1/documents").json()}

            page.set_viewport_size(PHONE)  # type: ignore[arg-type]
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"the library scrolls sideways on a phone ({width} px)"
            page.set_viewport_size(WIDE)  # type: ignore[arg-type]

            # -- the chat: an example from the corpus, a follow-up, a thumbs down with a note ------
            page.get_by_role("link", name="← Back to the chat").click()
            chat = page.locator("#chatbot")
            example = page.get_by_text(f"What is “{TITLE}” (3 March 2026) about?")
            expect(example).to_be_visible(timeout=30_000)  # the newest article is an example
            example.click()
            expect(chat.locator("a[href*='/documents/ferry-terminal']").first).to_be_visible(timeout=60_000)
            box = page.locator("#question textarea")
            box.fill("How many commuters will the terminal serve?")
            box.press("Enter")
            expect(chat.locator(".bot")).to_have_count(2, timeout=60_000)
            expect(chat.locator(".bot").last).to_contain_text("4,500", timeout=60_000)
            assert re.search(r"[?&]c=[0-9a-f]{32}", page.url), page.url
            conversation = re.search(r"c=([0-9a-f]{32})", page.url)[1]  # type: ignore[index]
            expect(page.locator("#conversations")).to_contain_text(f"What is “{TITLE}”")

            chat.get_by_role("button", name="Dislike").last.click()
            note = page.locator("#feedback-note textarea")
            expect(note).to_be_visible()
            note.fill(NOTE)
            page.locator("#save-note").click()
            expect(page.locator("#feedback-status")).to_contain_text("Note saved")

            # -- reload: the same conversation, its thumbs, and the sidebar --------------------------
            page.reload()
            expect(chat).to_contain_text("How many commuters will the terminal serve?", timeout=30_000)
            expect(chat.locator(".bot")).to_have_count(2)
            expect(chat.get_by_role("button", name="Disliked")).to_have_count(1)
            expect(page.locator("#feedback-status")).to_contain_text(NOTE)
            expect(page.locator("#conversations input:checked")).to_have_value(conversation)
            saved = httpx.get(f"{base_url}/v1/conversations/{conversation}").json()
            assert [t["feedback"] and t["feedback"]["rating"] for t in saved["turns"]] == [None, "down"]
            assert saved["turns"][1]["feedback"]["note"] == NOTE
            assert saved["turns"][0]["citations"][0]["doc_id"] == "ferry-terminal"
            chat.locator(".bot").last.scroll_into_view_if_needed()
            page.wait_for_timeout(300)
            page.screenshot(path=str(shots / "chat.png"))

            page.set_viewport_size(PHONE)  # type: ignore[arg-type]
            page.reload()  # as a phone opens it: the sidebar closed, the conversation in view
            expect(chat.locator(".bot")).to_have_count(2, timeout=30_000)
            expect(page.locator("#sidebar")).not_to_have_class(re.compile(r"\bopen\b"))
            page.wait_for_timeout(300)
            page.screenshot(path=str(shots / "chat-conversation-390x844.png"))
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"the chat scrolls sideways on a phone ({width} px)"
            page.set_viewport_size(WIDE)  # type: ignore[arg-type]
            page.reload()
            expect(chat.locator(".bot")).to_have_count(2, timeout=30_000)

            page.get_by_role("button", name="New chat").click()
            expect(chat.locator(".bot")).to_have_count(0)
            assert "c=" not in page.url
            page.locator("#conversations label", has_text="What is").click()  # reopened from the sidebar
            expect(chat.locator(".bot")).to_have_count(2)
            assert conversation in page.url
            assert not [e for e in errors if "Content Security Policy" in e or "Uncaught" in e], errors
        finally:
            browser.close()
