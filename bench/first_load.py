"""First chart on a slow phone link: how long from navigation until the
dashboard's SSI chart is drawn, with an empty cache.

Chromium's own network emulation (CDP ``Network.emulateNetworkConditions``)
throttles every request to 1.6 Mbit/s down, 750 kbit/s up, 150 ms latency, with
the cache disabled, at a 390x844 phone viewport. Run it against a production-shaped
server (DEBUG off, collectstatic'd files served by whitenoise); see bench/README.md.

    .venv/bin/python bench/first_load.py --url http://localhost:8765 [--runs 5]
"""

from __future__ import annotations

import argparse
import shutil
import statistics

from playwright.sync_api import sync_playwright

SLOW_3G_ISH = {
    "offline": False,
    "latency": 150,  # ms, added to every round trip
    "downloadThroughput": 1_600_000 / 8,  # bytes per second
    "uploadThroughput": 750_000 / 8,
}
CHART = '[data-figure="ssi-chart-data"] svg.main-svg'

# Installed before the page's own scripts: notes, on the page's clock, when the
# SSI chart's SVG is inserted and the next frame after it (when it can be
# painted), and how long each Plotly.react call runs.
TIMELINE = "var CHART = " + repr(CHART) + ";" + """
window.__bench = {react: []};
new MutationObserver(function (records, observer) {
  if (document.querySelector(CHART)) {
    window.__bench.svg_ms = performance.now();
    requestAnimationFrame(function () { window.__bench.frame_ms = performance.now(); });
    observer.disconnect();
  }
}).observe(document, {childList: true, subtree: true});
var plotly;
Object.defineProperty(window, 'Plotly', {configurable: true, get: function () { return plotly; }, set: function (value) {
  plotly = value;
  window.__bench.plotly_ran_ms = performance.now();
  var react = value.react;
  value.react = function (el) {
    var start = performance.now();
    var out = react.apply(this, arguments);
    window.__bench.react.push([el.getAttribute('data-figure'), start, performance.now()]);
    return out;
  };
}});
"""


def log_in(browser, url: str, email: str, password: str) -> dict:
    """A logged-in session (over an unthrottled link: logging in is not what is measured)."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state("networkidle")
    state = context.storage_state()
    context.close()
    return state


def one_run(browser, url: str, state: dict, throttle: bool = True) -> dict:
    context = browser.new_context(storage_state=state, viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.add_init_script(TIMELINE)
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    if throttle:
        cdp.send("Network.emulateNetworkConditions", SLOW_3G_ISH)
    page.goto(f"{url}/", wait_until="commit")
    page.wait_for_selector(CHART, timeout=120_000)
    page.wait_for_function("() => window.__bench.frame_ms !== undefined", timeout=120_000)
    result = page.evaluate(
        """() => {
            const plotly = performance.getEntriesByType('resource').find(r => r.name.includes('/plotly/'));
            const nav = performance.getEntriesByType('navigation')[0];
            return {chart_ms: window.__bench.frame_ms || window.__bench.svg_ms || performance.now(),
                    svg_ms: window.__bench.svg_ms, waited_ms: performance.now(),
                    plotly: plotly && plotly.name.split('/').pop(),
                    plotly_bytes: plotly ? plotly.transferSize : null,
                    plotly_loaded_ms: plotly ? plotly.responseEnd : null,
                    plotly_ran_ms: window.__bench.plotly_ran_ms,
                    html_ms: nav.responseEnd, html_bytes: nav.transferSize,
                    dom_content_loaded_ms: nav.domContentLoadedEventStart,
                    react: window.__bench.react,
                    resources: performance.getEntriesByType('resource').map(r => [r.name.split('/').pop(), r.transferSize,
                                                                                  r.startTime, r.responseEnd])};
        }"""
    )
    context.close()
    return result


def print_timeline(r: dict) -> None:
    """Where one run's time went, in milliseconds since navigation."""
    print(f"    page HTML {r['html_bytes'] / 1000:.0f} KB on the wire, arrived {r['html_ms']:.0f}")
    for name, size, start, end in r["resources"]:
        print(f"    {name:45} {size / 1000:6.0f} KB  requested {start:5.0f}  arrived {end:5.0f}")
    print(f"    plotly.js ran (window.Plotly set) {r['plotly_ran_ms']:.0f}; DOMContentLoaded {r['dom_content_loaded_ms']:.0f}")
    for name, start, end in r["react"]:
        print(f"    Plotly.react {name:20} {start:5.0f} -> {end:5.0f} ({end - start:.0f})")
    print(f"    SSI chart's SVG inserted {r['svg_ms']:.0f}, next frame {r['chart_ms']:.0f}"
          f" (Playwright saw it at {r['waited_ms']:.0f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://localhost:8765")
    parser.add_argument("--email", default="sales@example.com")
    parser.add_argument("--password", default="demo")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--profile", action="store_true",
                        help="print each run's timeline: every resource, DOMContentLoaded, plotly.js run, each chart drawn")
    parser.add_argument("--unthrottled", action="store_true",
                        help="no network emulation: what is left is the browser's own work (parsing plotly.js, drawing)")
    args = parser.parse_args()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox"])
        state = log_in(browser, args.url, args.email, args.password)
        runs = [one_run(browser, args.url, state, throttle=not args.unthrottled) for _ in range(args.runs)]
        browser.close()
    for r in runs:
        print(f"first chart {r['chart_ms'] / 1000:6.2f} s   {r['plotly']}: {r['plotly_bytes'] / 1000:.0f} KB on the wire,"
              f" loaded at {r['plotly_loaded_ms'] / 1000:.2f} s")
        if args.profile:
            print_timeline(r)
    print(f"median {statistics.median(r['chart_ms'] for r in runs) / 1000:.2f} s over {len(runs)} runs"
          f" (plotly.js loaded: median {statistics.median(r['plotly_loaded_ms'] for r in runs) / 1000:.2f} s)")


if __name__ == "__main__":
    main()
