"""The interactive view at scale, measured in headless Chromium (Debian's, through Playwright).

    python benchmarks/bench_html.py [--nodes 20000]

Reports the file size, time to first paint (navigation start to the first drawn frame), one
module expanded and redrawn, expand-all, and one full redraw (what a pan or zoom step costs).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from synthetic import network  # noqa: E402

import archplot  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--nodes", type=int, default=20000)
    args = p.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("skipped: playwright is not installed (pip install playwright)")
        return
    if not chromium:
        print("skipped: Debian's chromium is not installed (apt-get install chromium)")
        return
    g = network(args.nodes, nested=True)
    t = time.perf_counter()
    d = archplot.draw(g)
    html = d.to_html()
    build = time.perf_counter() - t
    path = Path(tempfile.mkdtemp()) / "big.html"
    path.write_text(html, encoding="utf-8")
    print(f"{len(g.nodes)} nodes; archplot.draw + to_html {build:.2f} s; file {path.stat().st_size / 1e6:.1f} MB")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"])
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(path.as_uri())
        page.wait_for_selector("body[data-ready='1']", timeout=120000)
        first_paint = page.evaluate("performance.now()") / 1000
        state = page.evaluate("archplot.state()")
        sid = state["collapsed"][len(state["collapsed"]) // 2] if state["collapsed"] else None
        expand_one = []
        if sid is not None:
            for _ in range(5):
                expand_one.append(page.evaluate(
                    f"(() => {{ const t = performance.now(); archplot.toggle({sid}); return performance.now() - t; }})()"))
        t_all = page.evaluate("(() => { const t = performance.now(); archplot.expandAll(); return performance.now() - t; })()")
        full = page.evaluate("archplot.state()")
        t_unfold = page.evaluate("(() => { const t = performance.now(); document.getElementById('ap-fold').click(); "
                                 "archplot.expandAll(); return performance.now() - t; })()")
        every = page.evaluate("archplot.state()")
        redraw = [page.evaluate("archplot.timeLayout()")[1] for _ in range(5)]
        browser.close()
    print(f"first paint            {first_paint:.2f} s   (aim: under 2 s)")
    if expand_one:
        print(f"expand/collapse one    {statistics.median(expand_one):.0f} ms  (aim: under 100 ms)")
    print(f"expand all             {t_all / 1000:.2f} s   ({full['nodes']} nodes shown, repeats folded)")
    print(f"unfold + expand all    {t_unfold / 1000:.2f} s   ({every['nodes']} nodes shown; aim: under 3 s)")
    print(f"full redraw (pan/zoom) {statistics.median(redraw):.0f} ms")


if __name__ == "__main__":
    main()
