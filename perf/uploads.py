"""Measure how fast the import pages refuse the upload bombs of issue 15 (target: each under 2 s).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mandate_perf .venv/bin/python perf/uploads.py

Through the Django test client (all middleware, session, auth, the form, template rendering; DEBUG off),
as the demo mission's civil affairs officer (the partner import) and electoral officer (the polling-site
import of the demo security plan): each file of `tests.upload_bombs.BOMBS`, and a request declaring a
200 MB body (never sent: it must be refused from its Content-Length). Prints the slowest of REPEAT tries
and whether the answer carried the expected refusal. Loads the demo mission (`seed_demo`) if missing.
"""

from __future__ import annotations

import io
import sys
import tempfile
import time

import _setup  # noqa: E402

_setup.django_setup(VAR_DIR=tempfile.mkdtemp(prefix="mandate-perf-uploads-"))
sys.path.insert(0, str(_setup.ROOT))

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from elections.models import SecurityPlan  # noqa: E402
from tests.upload_bombs import BOMBS  # noqa: E402

REPEAT = 3
TARGET_SECONDS = 2.0


class _Unread(io.RawIOBase):
    def read(self, *args):
        raise RuntimeError("the body was read")

    readline = readinto = read


def main() -> None:
    User = get_user_model()
    if not User.objects.filter(username="civilaffairs").exists():
        call_command("seed_demo")
    plan = SecurityPlan.objects.filter(election_plan__mission__memberships__user__username="electoral").first()
    pages = {
        "partner import": ("civilaffairs", reverse("partners:import")),
        "polling-site import": ("electoral", reverse("elections:site-import", args=[plan.pk])),
    }
    worst = 0.0
    for page, (username, url) in pages.items():
        client = Client()
        client.force_login(User.objects.get(username=username))
        client.get(url)  # warm up: templates, the session
        for label, (name, build, refusal) in BOMBS.items():
            data = build()
            times, refused = [], True
            for _i in range(REPEAT):
                start = time.perf_counter()
                response = client.post(url, {"file": SimpleUploadedFile(name, data)})
                times.append(time.perf_counter() - start)
                refused &= response.status_code == 200 and refusal in response.content.decode()
            worst = max(worst, *times)
            print(f"{page:20} {label:26} {len(data):>7} B  {max(times) * 1000:7.1f} ms  refused: {refused}")
        start = time.perf_counter()
        response = client.generic(
            "POST",
            url,
            CONTENT_LENGTH=str(200 * 1024 * 1024),
            CONTENT_TYPE="multipart/form-data; boundary=x",
            **{"wsgi.input": _Unread()},
        )
        elapsed = time.perf_counter() - start
        worst = max(worst, elapsed)
        print(f"{page:20} {'200 MB declared':26} {'-':>7}    {elapsed * 1000:7.1f} ms  status {response.status_code}")
    print(f"slowest: {worst * 1000:.0f} ms (target < {TARGET_SECONDS * 1000:.0f} ms)")


if __name__ == "__main__":
    with _setup.unhashed_static():
        main()
