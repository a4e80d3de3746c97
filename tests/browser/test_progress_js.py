"""static/js/progress.js, the one progress bar of long jobs (import steps, report generation), in the browser
suite's Chromium, on a page served by Playwright's request routing (no server, no network). The status views
it polls answer the same keys: tests/test_progress_status.py."""

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGE = """<!doctype html><html lang="en"><title>Job</title>
<section data-progress-url="/status"><progress max="100" value="0">0%</progress>
<span data-role="percent">0%</span> <span data-role="message">Queued</span></section>
<script src="/progress.js"></script></html>"""


def test_the_bar_follows_the_status_and_the_page_reloads_when_the_job_is_done(browser):
    answers = [{"done": False, "percent": 40, "message": "Checking the rows"}, {"done": True, "percent": 100}]
    loads = []

    def route(r):
        path = r.request.url.split("progress.test", 1)[1]
        if path == "/page":
            loads.append(path)
            r.fulfill(body=PAGE, content_type="text/html")
        elif path == "/progress.js":
            r.fulfill(body=(ROOT / "static/js/progress.js").read_text(), content_type="text/javascript")
        else:
            r.fulfill(body=json.dumps(answers[0] if len(loads) == 1 else answers[1]), content_type="application/json")

    context = browser.new_context()
    page = context.new_page()
    page.route("http://progress.test/**", route)
    page.goto("http://progress.test/page")
    page.wait_for_function("document.querySelector('progress').value === 40")
    assert page.inner_text("[data-role=percent]") == "40%"
    assert page.inner_text("[data-role=message]") == "Checking the rows"
    # The next answer says the job is done: the page reloads to show what came of it.
    answers[0] = answers[1]
    page.wait_for_function("performance.getEntriesByType('navigation')[0].type === 'reload'", timeout=10000)
    context.close()
    assert len(loads) == 2
