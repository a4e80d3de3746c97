"""static/js/partners.js in a real (headless) browser: the filter boxes and the Ctrl+Enter shortcut.

Before the fix, Ctrl+Enter in a partner or benchmark filter box also picked the first match, so a
saved engagement gained a partner and a benchmark nobody chose. Skipped (with the reason) when no
Chromium is installed; the full keyboard journey is the browser suite's (tests/browser, see
notes/browser-requests.md).
"""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from missions.search import normalise
from tests.test_search import NAMES

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)")


def _run_page(tmp_path, name="partners_filter_shortcut.html", **substitutions) -> dict:
    page = (ROOT / "tests/js" / name).read_text()
    page = page.replace("PARTNERS_JS", (ROOT / "static/js/partners.js").as_uri())
    page = page.replace("APP_JS", (ROOT / "static/js/app.js").as_uri())
    for key, value in substitutions.items():
        page = page.replace(key, value)
    path = tmp_path / "page.html"
    path.write_text(page)
    result = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--allow-file-access-from-files",
         f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", path.as_uri()],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    found = re.search(r'<pre id="result">(.*?)</pre>', result.stdout, re.DOTALL)
    assert found and found.group(1), result.stdout[-2000:] + result.stderr[-2000:]
    return json.loads(found.group(1).replace("&quot;", '"'))


def test_ctrl_enter_in_a_filter_box_saves_without_picking_a_match(tmp_path):
    seen = _run_page(tmp_path)
    assert seen["ctrl_enter"] == {"partners": [], "benchmarks": [], "submits": 1}
    assert seen["cmd_enter"] == {"partners": [], "benchmarks": [], "submits": 2}
    # Plain Enter still picks the first visible match, and does not submit.
    assert seen["plain_enter"] == {"partners": [], "benchmarks": ["7"], "submits": 2}


def test_filter_boxes_ignore_accents_and_case_by_the_same_rule_as_the_server(tmp_path):
    seen = _run_page(tmp_path, "search_normalise.html", NAMES_JSON=json.dumps(NAMES))
    assert seen["normalised"] == [normalise(name) for name in NAMES]
    assert seen["mosquee"] == ["1"]
    assert seen["cedeao"] == ["2"]
    assert seen["solidarite"] == ["3"]
    assert seen["boxes"] == 2 and seen["district"] == ["", "segou"]  # the empty choice stays
