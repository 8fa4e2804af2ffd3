"""Full-page screenshots of every report, in English and Arabic, taken offline in headless Chromium.

Runs ``growthkit run --all`` into ``OUT`` (English) and ``OUT/ar`` (Arabic), as ``make reports``
does, then opens each report and landing page from ``file://`` in Chromium with the network off
and saves ``OUT/shots/LANGUAGE-NAME.png``: a full-page picture of what a reader sees. Not part of
``make test``; run it by hand (needs Debian's ``chromium``)::

    .venv/bin/python tools/screenshots.py /tmp/shots
    .venv/bin/python tools/screenshots.py /tmp/shots --no-run   # screenshot existing reports

Chromium is driven over its DevTools pipe (``--remote-debugging-pipe``: commands on fd 3,
answers on fd 4, each a JSON message ending in a NUL byte), so nothing but the standard library
and the browser is needed.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

#: The flags that keep Chromium from reaching the network on its own (background updates,
#: sync, QUIC probes) and let it run as root in a container.
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars", "--remote-debugging-pipe",
)
REPORTS = ("clv", "abtest", "cohorts", "subscriptions")
LANGUAGES = {"en": "", "ar": "ar"}  # language -> folder under OUT
WIDTH = 1280  # CSS pixels: a laptop's browser window
SETTLE_SECONDS = 1.0  # after the load event: let fonts and the page's scripts lay out


class DevTools:
    """One headless Chromium, spoken to over the DevTools pipe."""

    def __init__(self, executable: str) -> None:
        self.profile = tempfile.mkdtemp(prefix="growthkit-chromium-")
        commands, self.to_browser = os.pipe()
        self.from_browser, answers = os.pipe()

        def on_fds_3_and_4() -> None:  # in the child: commands on fd 3, answers on fd 4
            high = [os.dup(commands), os.dup(answers)]  # above 4, so dup2 clobbers neither
            os.dup2(high[0], 3, inheritable=True)
            os.dup2(high[1], 4, inheritable=True)

        self.process = subprocess.Popen(
            [executable, *CHROMIUM_FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
            # close_fds would close 3 and 4 after preexec_fn; Python's own fds are not
            # inheritable (PEP 446), so none but these reach the browser.
            close_fds=False, preexec_fn=on_fds_3_and_4,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        os.close(commands)
        os.close(answers)
        self.buffer = b""
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def send(self, method: str, params: dict[str, Any] | None = None,
             session: str | None = None) -> dict[str, Any]:
        """Send one command and return its result (events seen meanwhile are kept)."""
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.to_browser, json.dumps(message).encode() + b"\0")
        while True:
            answer = self.receive()
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer.get("result", {})
            self.events.append(answer)

    def receive(self) -> dict[str, Any]:
        """The next message from the browser."""
        while b"\0" not in self.buffer:
            chunk = os.read(self.from_browser, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the DevTools pipe")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def wait_for(self, method: str, timeout: float = 60.0) -> None:
        """Wait until an event named ``method`` arrives."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(e.get("method") == method for e in self.events):
                self.events.clear()
                return
            self.events.append(self.receive())
        raise TimeoutError(method)

    def close(self) -> None:
        """Stop the browser and remove its profile."""
        with contextlib.suppress(RuntimeError, OSError):
            self.send("Browser.close")
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        os.close(self.to_browser)
        os.close(self.from_browser)
        shutil.rmtree(self.profile, ignore_errors=True)


def screenshot(browser: DevTools, page: Path, png: Path) -> None:
    """Open ``page`` offline and save a full-page PNG of it to ``png``."""
    target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
        "sessionId"]
    browser.send("Network.enable", session=session)
    browser.send("Network.emulateNetworkConditions", {
        "offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
        session=session)
    browser.send("Emulation.setDeviceMetricsOverride", {
        "width": WIDTH, "height": 900, "deviceScaleFactor": 1, "mobile": False},
        session=session)
    browser.send("Page.enable", session=session)
    browser.events.clear()
    browser.send("Page.navigate", {"url": page.resolve().as_uri()}, session=session)
    browser.wait_for("Page.loadEventFired")
    time.sleep(SETTLE_SECONDS)
    size = browser.send("Page.getLayoutMetrics", session=session)["cssContentSize"]
    shot = browser.send("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": WIDTH, "height": size["height"], "scale": 1}},
        session=session)
    png.write_bytes(base64.b64decode(shot["data"]))
    browser.send("Target.closeTarget", {"targetId": target})


def run_reports(out: Path) -> None:
    """``growthkit run --all`` into ``out`` (English) and ``out/ar`` (Arabic)."""
    growthkit = Path(sys.executable).parent / "growthkit"
    for language, folder in LANGUAGES.items():
        argv = [str(growthkit), "run", "--all", "--out", str(out / folder), "--quiet"]
        if language != "en":
            argv[3:3] = ["-p", "language", language]
        subprocess.run(argv, check=True)


def main(argv: list[str] | None = None) -> int:
    """Run the reports (unless ``--no-run``) and screenshot them; print each PNG's path."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder for the reports and shots/")
    parser.add_argument("--no-run", action="store_true", help="screenshot existing reports")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    args = parser.parse_args(argv)
    if not args.no_run:
        run_reports(args.out)
    shots = args.out / "shots"
    shots.mkdir(parents=True, exist_ok=True)
    browser = DevTools(args.chromium)
    try:
        for language, folder in LANGUAGES.items():
            for name in (*REPORTS, "index"):
                page = args.out / folder / f"{name}.html"
                if not page.exists():
                    print(f"missing: {page}", file=sys.stderr)
                    continue
                png = shots / f"{language}-{name}.png"
                screenshot(browser, page, png)
                print(png)
    finally:
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
