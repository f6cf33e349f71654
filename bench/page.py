"""The first page's weight: the catalog opened once in Chromium on a phone profile.

    make bench-page                                  # what it runs: bash bench/run.sh with
    BENCH_MODULE=bench.page BENCH_DB=kargah_bench_page bash bench/run.sh --offerings 200

The server is the production one: gunicorn, DEBUG off, collectstatic, static files served by
WhiteNoise (compressed, hashed names). The browser is Debian's Chromium (Playwright) with a
390×844 touch viewport at device scale 2, the Persian (Iran) locale, an empty cache, a slow
4G network (150 ms round trip, 1.6 Mbit/s down) and a 4× slower CPU, as Lighthouse's phone.
The network events of the Chrome DevTools protocol give the requests and the bytes that
crossed the wire (headers and compressed bodies); the Performance API gives the first
contentful paint. The last line reads

    page: url=/catalog/ requests=N kb=N third_party=N fcp_ms=N

where kb is the kilobytes (1,000 bytes) transferred and third_party the requests to a host
other than the server.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.run import (
    LOG_DIR,
    PYTHON,
    _env,
    _free_port,
    _machine,
    _run,
    _serve,
    _stop,
    _wait_ready,
)

CHROMIUM = Path("/usr/bin/chromium")
URL = "/catalog/"
# Lighthouse's "slow 4G" phone: 150 ms round trip, 1.6 Mbit/s down, 750 kbit/s up, CPU ÷4.
NETWORK = {
    "offline": False,
    "latency": 150,
    "downloadThroughput": 1_600_000 / 8,
    "uploadThroughput": 750_000 / 8,
}
CPU_SLOWDOWN = 4


def measure(base: str) -> dict[str, Any]:
    """Opens base + URL once on a fresh phone and returns what crossed the wire."""
    from playwright.sync_api import sync_playwright

    requests: dict[str, str] = {}
    received: dict[str, int] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        context = browser.new_context(
            viewport={"width": 390, "height": 844},
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
            locale="fa-IR",
            timezone_id="Asia/Tehran",
        )
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        cdp.send("Network.emulateNetworkConditions", NETWORK)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})

        def sent(event: dict[str, Any]) -> None:
            requests.setdefault(event["requestId"], event["request"]["url"])

        def finished(event: dict[str, Any]) -> None:
            received[event["requestId"]] = int(event["encodedDataLength"])

        cdp.on("Network.requestWillBeSent", sent)
        cdp.on("Network.loadingFinished", finished)
        response = page.goto(base + URL, wait_until="load")
        if response is None or response.status != 200:
            raise SystemExit(f"bench: GET {URL} answered {response and response.status}")
        # The favicon and late requests: wait until the network has been idle for a moment.
        page.wait_for_load_state("networkidle")
        fcp = page.evaluate(
            "() => (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime"
        )
        browser.close()
    server = urlsplit(base).netloc
    urls = [url for url in requests.values() if not url.startswith("data:")]
    return {
        "requests": len(urls),
        "bytes": sum(received.values()),
        "third_party": sum(1 for url in urls if urlsplit(url).netloc != server),
        "fcp_ms": float(fcp or 0),
        "resources": [{"url": requests[key], "bytes": received.get(key, 0)} for key in requests],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The first page's weight on a phone.")
    parser.add_argument("--offerings", type=int, default=200)
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--no-seed", action="store_true", help="use the data as it is")
    parser.add_argument("--settings", default="bench.settings")
    args = parser.parse_args(argv)

    database_url = os.environ.get("BENCH_DATABASE_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("bench: set BENCH_DATABASE_URL to a PostgreSQL database (bench/run.sh)")
    if not CHROMIUM.is_file():
        raise SystemExit(f"bench: {CHROMIUM} is missing (apt-get install chromium)")
    env = _env(database_url, args.settings)
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    _run([PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], env)
    if not args.no_seed:
        _run([PYTHON, "-m", "bench.seed_catalog", "--offerings", str(args.offerings)], env)
    _run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"], env)
    machine = _machine(env)

    port = _free_port(args.port)
    base = f"http://127.0.0.1:{port}"
    log = LOG_DIR / "gunicorn-page.log"
    server = _serve(env, port=port, workers=2, log=log)
    try:
        _wait_ready(base, server, log)
        result = measure(base)
    finally:
        _stop(server)
    print(
        f"machine: {machine['cores']} cores ({machine['cpu']}), {machine['memory']} RAM; "
        f"Chromium {CHROMIUM}, 390×844 at 2×, slow 4G (150 ms, 1.6 Mbit/s), CPU ÷{CPU_SLOWDOWN}"
    )
    for resource in result["resources"]:
        print(f"  {resource['bytes']:>8} B  {resource['url'].removeprefix(base)}")
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (LOG_DIR / f"page-{stamp}.json").write_text(json.dumps(result, indent=2))
    print(
        f"page: url={URL} requests={result['requests']} kb={round(result['bytes'] / 1000)} "
        f"third_party={result['third_party']} fcp_ms={round(result['fcp_ms'])}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
