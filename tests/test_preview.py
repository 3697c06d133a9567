"""`reporter templates preview`: real HTTP requests before and after a file change, a
template error shown in the page, nothing served outside the chart folder, and Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from reporter import preview
from reporter.errors import InputError

ROOT = Path(__file__).resolve().parent.parent


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, ""


def _wait_for(url: str, old: str, seconds: float = 15.0) -> str:
    """The version once it differs from `old` (the watcher has rendered again)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        version = _get(url + "__version")[1]
        if version != old:
            return version
        time.sleep(0.05)
    raise AssertionError("no re-render after the change")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    folder = tmp_path_factory.mktemp("templates")
    work = tmp_path_factory.mktemp("work")
    shown = preview.start(folder, None, work)
    server = preview.serve(shown, 0)
    stop = threading.Event()
    watcher = preview.watch(shown, stop)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    time.sleep(0.3)  # the watcher's first scan
    yield folder, f"http://{preview.HOST}:{server.server_address[1]}/"
    stop.set()
    server.shutdown()
    server.server_close()
    watcher.join(timeout=5)


def test_pages_change_after_a_save(served):
    folder, url = served
    status, page = _get(url)
    assert status == 200 and '<html lang="zh' in page and "/__version" in page
    assert _get(url + "en")[0] == 200
    version = _get(url + "__version")[1]
    (folder / "i18n").mkdir(exist_ok=True)
    (folder / "i18n" / "en.toml").write_text('[cover]\nkicker = "Edited in the preview"\n',
                                             encoding="utf-8")
    version = _wait_for(url, version)
    assert "Edited in the preview" in _get(url + "en")[1]
    (folder / "brief.html.j2").write_text(
        '{% extends "bundled/brief.html.j2" %}\n{% block foreword %}\n{{ nope.x }}\n'
        "{% endblock %}\n", encoding="utf-8")
    version = _wait_for(url, version)
    status, page = _get(url + "en")
    assert status == 200 and "brief.html.j2" in page and "line 3" in page
    (folder / "brief.html.j2").write_text(
        '{% extends "bundled/brief.html.j2" %}\n{% block foreword %}<p>Fixed</p>'
        "{% endblock %}\n", encoding="utf-8")
    _wait_for(url, version)
    assert "<p>Fixed</p>" in _get(url + "en")[1]


def test_only_charts_are_served_beside_the_pages(served):
    _, url = served
    page = _get(url + "en")[1]
    chart = page.split('src="charts/', 1)[1].split('"', 1)[0]
    assert _get(url + "charts/" + chart)[0] == 200
    for path in ("charts/../../etc/passwd", "charts/%2e%2e/x", "fr", "etc/passwd"):
        assert _get(url + path)[0] == 404, path


@pytest.mark.slow
def test_ctrl_c_stops_the_preview_with_exit_130(tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "reporter", "templates", "preview", str(tmp_path), "--port",
         "0"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        line = process.stdout.readline()  # the Chinese line names the address
        url = line.split("预览：", 1)[1].split("（", 1)[0]
        assert _get(url)[0] == 200
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=20)
    finally:
        process.kill()
    assert process.returncode == 130, err
    assert "Traceback" not in err and "SIGINT" in err


def test_a_taken_port_is_exit_2(served):
    _, url = served
    port = int(url.rsplit(":", 1)[1].strip("/"))
    with pytest.raises(InputError) as info:
        preview.serve(preview.Preview.__new__(preview.Preview), port)  # only the port matters
    assert info.value.key == "preview.port" and info.value.exit_code == 2
