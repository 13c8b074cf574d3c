"""A small DevTools-protocol client for headless Chromium: load a page, collect errors, screenshot.

Chromium is started with a fresh user-data-dir and `--remote-debugging-port=0`; the port it
picked is read from `DevToolsActivePort`. Everything is bounded in time, and the process is
killed on the way out whatever happens.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-first-run",
    "--no-default-browser-check",
    "--mute-audio",
    "--hide-scrollbars",
]
INSTALL_HINT = "chromium is not installed: run deploy/chromium/install.sh (make test runs it)"


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


@dataclass
class PageVisit:
    """What loading one page produced."""

    console_errors: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)  # every URL the page asked for
    failed: list[str] = field(default_factory=list)
    evaluated: Any = None
    screenshot: bytes = b""

    def network_requests(self) -> list[str]:
        """Requests that would leave the machine's files: anything but file:, data:, about:."""
        return [u for u in self.requests if not u.startswith(("file:", "data:", "about:"))]


class _Session:
    def __init__(self, ws: aiohttp.ClientWebSocketResponse, visit: PageVisit) -> None:
        self.ws = ws
        self.visit = visit
        self.ids = itertools.count(1)
        self.pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.loaded = asyncio.Event()
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for msg in self.ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                break
            data = msg.json()
            if "id" in data:
                future = self.pending.pop(data["id"], None)
                if future is not None and not future.done():
                    future.set_result(data)
                continue
            self._event(data.get("method", ""), data.get("params", {}))

    def _event(self, method: str, params: dict[str, Any]) -> None:
        v = self.visit
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            v.console_errors.append(" ".join(str(a.get("value", a.get("description", ""))) for a in params["args"]))
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            v.exceptions.append(str(details.get("exception", {}).get("description") or details.get("text")))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            v.console_errors.append(f"{entry.get('source')}: {entry.get('text')} {entry.get('url', '')}".strip())
        elif method == "Network.requestWillBeSent":
            v.requests.append(params["request"]["url"])
        elif method == "Network.loadingFailed":
            v.failed.append(str(params.get("errorText")))
        elif method == "Page.loadEventFired":
            self.loaded.set()

    async def call(self, method: str, params: dict[str, Any] | None = None, timeout: float = 20.0) -> dict[str, Any]:
        ident = next(self.ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.pending[ident] = future
        await self.ws.send_json({"id": ident, "method": method, "params": params or {}})
        reply = await asyncio.wait_for(future, timeout)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        result: dict[str, Any] = reply.get("result", {})
        return result


async def _visit(port: int, url: str, expression: str, width: int, max_height: int, timeout: float) -> PageVisit:
    visit = PageVisit()
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as http:
        async with http.get(f"http://127.0.0.1:{port}/json/list") as resp:
            targets = await resp.json()
        page = next(t for t in targets if t.get("type") == "page")
        async with http.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0) as ws:
            session = _Session(ws, visit)
            try:
                for domain in ("Page", "Runtime", "Log", "Network"):
                    await session.call(f"{domain}.enable")
                await session.call(
                    "Emulation.setDeviceMetricsOverride",
                    {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False},
                )
                await session.call("Page.navigate", {"url": url})
                await asyncio.wait_for(session.loaded.wait(), timeout)
                await asyncio.sleep(0.3)  # late console messages
                result = await session.call("Runtime.evaluate", {"expression": expression, "returnByValue": True})
                visit.evaluated = result.get("result", {}).get("value")
                metrics = await session.call("Page.getLayoutMetrics")
                height = min(int(metrics["cssContentSize"]["height"]), max_height)
                shot = await session.call(
                    "Page.captureScreenshot",
                    {
                        "format": "png",
                        "captureBeyondViewport": True,
                        "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
                    },
                    timeout=timeout,
                )
                visit.screenshot = base64.b64decode(shot["data"])
            finally:
                session.reader.cancel()
    return visit


def visit_page(
    url: str, expression: str = "document.title", width: int = 1280, max_height: int = 8000, timeout: float = 45.0
) -> PageVisit:
    """Start a fresh headless Chromium, load `url`, evaluate `expression`, take a full-page screenshot."""
    binary = find_chromium()
    if binary is None:
        raise FileNotFoundError(INSTALL_HINT)
    with tempfile.TemporaryDirectory(prefix="firestorm-chromium-") as profile, tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            [binary, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-port=0", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=log,
            start_new_session=True,  # its own process group: the renderers go with it
        )
        try:
            port_file = Path(profile) / "DevToolsActivePort"
            deadline = time.monotonic() + timeout
            while not port_file.exists() or not port_file.read_text().strip():
                if proc.poll() is not None:
                    log.seek(0)
                    err = log.read().decode(errors="replace")[-2000:]
                    raise RuntimeError(f"chromium exited with {proc.returncode}: {err}")
                if time.monotonic() > deadline:
                    raise TimeoutError("chromium did not open its DevTools port in time")
                time.sleep(0.05)
            port = int(port_file.read_text().split()[0])
            return asyncio.run(asyncio.wait_for(_visit(port, url, expression, width, max_height, timeout), timeout))
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
