#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Loads a report page in headless Chromium and says what a person would see.

    report_browser.py PAGE.html [--chromium PATH] [--screenshots DIR]

Talks to Chromium over the DevTools protocol on a pipe
(--remote-debugging-pipe: JSON messages ended by NUL on fds 3 and 4), so no
port is opened. Loads the page, in the light and then the dark colour
scheme: the network requests it made, what it logged as an error, and for
each chart panel (figure.panel svg) where it is, how much of it is not
background in a screenshot (Pillow decodes the PNG), which of its texts stick
out of it, and the lowest contrast of its text against its background; and
how far the page overflows the window sideways. Then prints the page to
PDF. Prints one JSON object on stdout; the C++ test judges it.
"""

import argparse
import base64
import fcntl
import io
import json
import os
import subprocess
import sys
import tempfile

from PIL import Image

WIDTH = 1280


class Browser:
    def __init__(self, chromium, profile):
        to_child_r, self.to_child = os.pipe()
        self.from_child, from_child_w = os.pipe()

        def fds_3_and_4():
            # In the child, before exec: the pipe ends on 3 and 4, inheritable.
            a = fcntl.fcntl(to_child_r, fcntl.F_DUPFD, 10)
            b = fcntl.fcntl(from_child_w, fcntl.F_DUPFD, 10)
            os.dup2(a, 3)
            os.dup2(b, 4)
            os.close(a)
            os.close(b)

        args = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-extensions",
                "--disable-default-apps", "--mute-audio", "--hide-scrollbars",
                f"--user-data-dir={profile}", "--remote-debugging-pipe", "about:blank"]
        self.process = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        preexec_fn=fds_3_and_4, close_fds=False)
        os.close(to_child_r)
        os.close(from_child_w)
        self.buffer = b""
        self.next_id = 0
        self.events = []
        self.session = None

    def _read_message(self):
        while b"\0" not in self.buffer:
            chunk = os.read(self.from_child, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the DevTools pipe")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def send(self, method, params=None, session=True):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        os.write(self.to_child, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read_message()
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def wait_for(self, method):
        for event in self.events:
            if event["method"] == method:
                return event
        while True:
            event = self._read_message()
            if "method" in event:
                self.events.append(event)
                if event["method"] == method:
                    return event

    def close(self):
        try:
            self.send("Browser.close", session=False)
        except (RuntimeError, OSError):
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self.to_child)
        os.close(self.from_child)


LAYOUT_JS = """JSON.stringify({
  panels: [...document.querySelectorAll('figure.panel')].map(f => {
    const r = f.querySelector('svg').getBoundingClientRect();
    const colors = [...f.querySelectorAll('path.series')].map(s => getComputedStyle(s).stroke)
      .concat([...f.querySelectorAll('.columns rect, .bars .bar')]
              .map(s => getComputedStyle(s).fill));
    const box = f.getBoundingClientRect();
    const texts = [...f.querySelectorAll('svg text, figcaption')];
    // Text that sticks out of its panel, or is clipped by the SVG's box.
    const outside = texts.filter(t => {
      const b = t.getBoundingClientRect();
      const within = t.tagName.toLowerCase() === 'figcaption' ? box : r;
      return b.width > 0 && (b.left < within.left - 1 || b.right > within.right + 1 ||
                             b.top < within.top - 1 || b.bottom > within.bottom + 1);
    }).map(t => t.textContent.slice(0, 60));
    const text_colors = [...new Set([...f.querySelectorAll('svg text')]
      .map(t => getComputedStyle(t).fill)
      .concat([...f.querySelectorAll('figcaption span')].map(t => getComputedStyle(t).color)))];
    return {id: f.id, empty: f.dataset.empty === 'true',
            x: r.left + scrollX, y: r.top + scrollY, width: r.width, height: r.height,
            series_colors: [...new Set(colors)], outside: outside,
            text_colors: text_colors, panel_background: getComputedStyle(f).backgroundColor};
  }),
  height: document.documentElement.scrollHeight,
  overflow_x: document.documentElement.scrollWidth - innerWidth,
  background: getComputedStyle(document.body).backgroundColor,
  scripts: document.scripts.length,
  images: document.images.length,
  title: document.title,
})"""


def rgb(css):
    """'rgb(9, 105, 218)' -> (9, 105, 218)."""
    inside = css[css.index("(") + 1: css.index(")")]
    return tuple(int(float(v)) for v in inside.split(",")[:3])


def distance(a, b):
    return max(abs(x - y) for x, y in zip(a, b))


def contrast(a, b):
    """WCAG 2 contrast ratio of two sRGB colours, 1 to 21."""
    def luminance(c):
        channels = [v / 255 for v in c]
        linear = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def look(browser, theme, screenshots):
    browser.send("Emulation.setEmulatedMedia",
                 {"features": [{"name": "prefers-color-scheme", "value": theme}]})
    layout = json.loads(browser.send("Runtime.evaluate", {"expression": LAYOUT_JS,
                                                          "returnByValue": True})
                        ["result"]["value"])
    height = max(1, int(layout["height"]))
    shot = browser.send("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": WIDTH, "height": height, "scale": 1}})
    png = base64.b64decode(shot["data"])
    if screenshots:
        with open(os.path.join(screenshots, f"{theme}.png"), "wb") as f:
            f.write(png)
    image = Image.open(io.BytesIO(png)).convert("RGB")
    panels = []
    for panel in layout["panels"]:
        box = (int(panel["x"]), int(panel["y"]), int(panel["x"] + panel["width"]),
               int(panel["y"] + panel["height"]))
        crop = image.crop(box)
        # (count, colour) for each colour in the panel: far fewer than pixels.
        histogram = crop.getcolors(crop.width * crop.height) or []
        pixels = sum(n for n, _ in histogram)
        background = max(histogram)[1] if histogram else (0, 0, 0)
        other = sum(n for n, c in histogram if distance(c, background) > 24)
        colours = [rgb(c) for c in panel["series_colors"]]
        series = sum(n for n, c in histogram
                     if any(distance(c, colour) <= 40 for colour in colours))
        backdrop = rgb(panel["panel_background"])
        text_contrast = min((contrast(rgb(c), backdrop) for c in panel["text_colors"]),
                            default=0)
        panels.append({"id": panel["id"], "empty": panel["empty"],
                       "width": panel["width"], "height": panel["height"],
                       "pixels": pixels, "not_background": other,
                       "series_pixels": series, "outside": panel["outside"],
                       "text_contrast": text_contrast})
    page_background = image.getpixel((2, 2))
    return {"background": list(page_background), "css_background": layout["background"],
            "panels": panels, "scripts": layout["scripts"], "images": layout["images"],
            "overflow_x": layout["overflow_x"],
            "title": layout["title"], "height": height}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("page")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--screenshots")
    args = parser.parse_args()
    url = "file://" + os.path.abspath(args.page)

    with tempfile.TemporaryDirectory(prefix="report-browser-") as profile:
        browser = Browser(args.chromium, profile)
        try:
            target = browser.send("Target.createTarget", {"url": "about:blank"}, session=False)
            attached = browser.send("Target.attachToTarget",
                                    {"targetId": target["targetId"], "flatten": True},
                                    session=False)
            browser.session = attached["sessionId"]
            for domain in ("Page", "Network", "Runtime", "Log"):
                browser.send(f"{domain}.enable")
            browser.send("Emulation.setDeviceMetricsOverride",
                         {"width": WIDTH, "height": 900, "deviceScaleFactor": 1,
                          "mobile": False})
            browser.events.clear()
            browser.send("Page.navigate", {"url": url})
            browser.wait_for("Page.loadEventFired")
            result = {"url": url, "themes": {}}
            for theme in ("light", "dark"):
                result["themes"][theme] = look(browser, theme, args.screenshots)
            pdf = base64.b64decode(browser.send("Page.printToPDF", {})["data"])
            result["pdf_bytes"] = len(pdf) if pdf.startswith(b"%PDF") else 0
            if args.screenshots:
                with open(os.path.join(args.screenshots, "print.pdf"), "wb") as f:
                    f.write(pdf)
        finally:
            browser.close()

    requests, errors, dialogs = [], [], 0
    for event in browser.events:
        method, params = event["method"], event.get("params", {})
        if method == "Network.requestWillBeSent":
            if params["request"]["url"] != url:
                requests.append(params["request"]["url"])
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            errors.append("console: " + " ".join(str(a.get("value", a.get("description")))
                                                 for a in params.get("args", [])))
        elif method == "Runtime.exceptionThrown":
            errors.append("exception: " + json.dumps(params.get("exceptionDetails", {}))[:500])
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            errors.append("log: " + params["entry"].get("text", ""))
        elif method == "Page.javascriptDialogOpening":
            dialogs += 1
    result.update({"requests": requests, "errors": errors, "dialogs": dialogs})
    json.dump(result, sys.stdout)
    print()


if __name__ == "__main__":
    main()
