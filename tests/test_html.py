"""The interactive view, driven in real headless Chromium: load, expand, search, details,
selection, export, escaping, and the same geometry as the static diagram."""

from __future__ import annotations

import shutil

import pytest
import torch
from torch import nn

import archplot
from archplot.transforms.view import origin_of
from conftest import optional

playwright = optional("playwright.sync_api")
pytestmark = pytest.mark.slow  # subprocesses, a browser, a docs build or real models: minutes in all
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
torchvision = optional("torchvision")


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM:
        pytest.skip("Debian's chromium is not installed")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--disable-quic"])
        yield b
        b.close()


@pytest.fixture
def open_page(browser, tmp_path):
    pages = []

    def go(diagram, name="m.html"):
        path = tmp_path / name
        diagram.save(path)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        errors, dialogs = [], []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.route("**/*", lambda route: route.abort() if not route.request.url.startswith("file://")
                   else route.continue_())  # the page must not need the network
        page.goto(path.as_uri())
        page.wait_for_selector("body[data-ready='1']", timeout=20000)
        page.errors, page.dialogs = errors, dialogs
        pages.append(page)
        return page

    yield go
    for p in pages:
        p.close()


def resnet50_diagram(depth=2, direction="TB", fit="none"):
    # the interactive view never wraps into columns: it pans; compare with the unwrapped picture
    with torch.device("meta"):
        model = torchvision.models.resnet50()
    return archplot.draw(model, input_size=(1, 3, 224, 224), depth=depth, direction=direction, fit=fit)


def _same(a, b, tol=0.05):
    return all(abs(a[k] - b[k]) <= tol for k in ("x", "y", "width", "height"))


@pytest.mark.parametrize("depth,direction", [(1, "TB"), (2, "TB"), (None, "TB"), (2, "LR"), (None, "LR")])
def test_same_geometry_as_the_static_diagram(open_page, depth, direction):
    d = (resnet50_diagram(depth, direction) if depth else
         archplot.draw(archplot.examples.residual_block(), input_size=(1, 8, 8, 8), direction=direction, fit="none"))
    page = open_page(d)
    js = page.evaluate("archplot.geometry()")
    static = d.geometry()
    assert abs(js["width"] - (static["width"] - 0)) < 400  # the static picture adds a legend below
    by_id = {n["id"]: n for n in static["nodes"]}
    plain = {n.id for n in d.graph if not n.collapsed}
    for n in js["nodes"]:
        assert n["id"] in plain and _same(n, by_id[n["id"]]), n
    boxes = {n.path: by_id[n.id] for n in d.graph if n.collapsed}
    paths = {s["scope"]: s for s in js["collapsed"]}
    assert len(paths) == len(boxes)
    for sid, n in paths.items():
        path = d.graph.scopes[sid].path if sid in d.graph.scopes else None
        match = [b for p, b in boxes.items() if _same(n, b)]
        assert match, f"collapsed box {sid} ({path}) is not where the static diagram has it"
    groups = {g["path"]: g for g in static["groups"]}
    for g in js["groups"]:
        assert _same(g, groups[g["path"]]), g["path"]
    # edges flow as in the static picture: down, or right in a left-to-right one
    axis = 1 if direction == "TB" else 0
    for e in js["edges"]:
        assert e["points"][-1][axis] > e["points"][-2][axis], e
    # tensor labels where the static picture puts them
    from archplot.backends.scene import Text
    from archplot.styles.diagram import EDGE_LABEL

    static_labels = [(t.text, t.x, t.y) for t in d.scene.items if isinstance(t, Text) and t.size == EDGE_LABEL]
    js_labels = [(t["text"], t["x"], t["y"]) for t in page.evaluate("archplot.labels()")]
    assert static_labels and len(js_labels) == len(static_labels)
    for text, x, y in static_labels:
        assert any(t == text and abs(jx - x) <= 0.5 and abs(jy - y) <= 0.5 for t, jx, jy in js_labels), (text, x, y)
    exported = page.evaluate("archplot.exportSVG()")
    assert exported.count("<polygon") == len([e for e in js["edges"] if len(e["points"]) > 1])
    assert "1×256×56×56" in exported or depth is None  # tensor labels are exported too
    assert page.errors == []


def test_expand_collapse_search_details_select_export(open_page, tmp_path):
    d = resnet50_diagram(2)
    page = open_page(d)
    s0 = page.evaluate("archplot.state()")
    assert s0["collapsedNodes"] == 8 and s0["boxes"] == 4
    # click the collapsed layer2.0 Bottleneck: it opens in place, the rest keeps its place
    sid = next(s.id for s in origin_of(d.graph).scopes.values() if s.path == "layer2.0")
    before = page.evaluate(f"archplot.screenOf('s{sid}')")
    x, y = before
    page.mouse.click(x + 20, y + 10)
    s1 = page.evaluate("archplot.state()")
    assert s1["boxes"] == 5 and s1["nodes"] > s0["nodes"]
    after = page.evaluate(f"archplot.screenOf('s{sid}')")
    assert abs(after[0] - before[0]) < 1 and abs(after[1] - before[1]) < 1
    # click its title: it closes again
    page.mouse.click(x + 20, y + 6)
    assert page.evaluate("archplot.state()")["boxes"] == 4
    # search highlights the collapsed modules holding the matches; enter opens only the first
    page.fill("#ap-search", "downsample\\.0")
    st = page.evaluate("archplot.state()")
    assert st["matches"] == 4 and st["boxes"] == 4 and len(st["highlighted"]) == 4
    assert page.inner_text("#ap-count") == "4 matches"
    page.press("#ap-search", "Enter")
    st = page.evaluate("archplot.state()")
    assert st["boxes"] == 6 and page.inner_text("#ap-count") == "1/4"  # layer1.0 and its downsample
    panel = page.inner_text("#ap-panel")
    assert "downsample.0 · Conv2d" in panel and "kernel_size" in panel and "[1, 1]" in panel
    page.keyboard.press("Escape")
    # selecting a node: the panel lists its attributes
    page.evaluate("archplot.select('n1')")
    panel = page.inner_text("#ap-panel")
    assert "conv1" in panel and "[7, 7]" in panel and "parameters" in panel and "9,408" in panel
    # expand all and collapse to depth 1
    page.click("#ap-expand")
    full = page.evaluate("archplot.state()")
    assert full["collapsedNodes"] == 0 and full["nodes"] > 90  # everything open; repeats still folded
    assert page.evaluate("archplot.state()")["depth"] == 4  # everything open: one past the deepest module
    page.fill("#ap-depth", "1")
    page.dispatch_event("#ap-depth", "change")
    assert page.evaluate("archplot.state()")["boxes"] == 0
    # exports
    svg = page.evaluate("archplot.exportSVG()")
    assert svg.startswith("<svg") and "layer1" in svg
    assert page.evaluate("archplot.exportPNG()") > 1000
    with page.expect_download() as dl:
        page.click("#ap-svg")
    assert dl.value.suggested_filename == "archplot.svg"
    page.screenshot(path=str(tmp_path / "view.png"))
    assert page.errors == []


def test_fold_toggle_and_keyboard(open_page):
    cfg = pytest.importorskip("transformers").GPT2Config(n_layer=6, n_embd=64, n_head=4, vocab_size=100)
    model = pytest.importorskip("transformers").GPT2Model(cfg)
    page = open_page(archplot.draw(model, input_size=(1, 8), dtypes=torch.long, depth=1))
    folded = page.evaluate("archplot.state()")
    page.uncheck("#ap-fold")
    unfolded = page.evaluate("archplot.state()")
    assert unfolded["collapsedNodes"] == folded["collapsedNodes"] + 5  # GPT2Block ×6 -> six blocks
    z = page.evaluate("archplot.state()")["zoom"]
    page.keyboard.press("+")
    assert page.evaluate("archplot.state()")["zoom"] > z
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "ap-search"
    assert page.errors == []


def test_hostile_names_stay_text(open_page):
    evil = type("<img src=x onerror=alert(1)>", (nn.Module,), {"forward": lambda self, x: self.lin(x) + 1})
    inner = evil()
    inner.lin = nn.Linear(2, 2)
    model = nn.Sequential()
    model.add_module("<script>alert(2)</script>", inner)
    d = archplot.draw(model, input_size=(1, 2), depth=1, title="</script><script>alert(3)</script>")
    page_html = d.to_html()
    assert "<script>alert" not in page_html.split("</style>")[1].split('id="archplot-data"')[0]
    page = open_page(d)
    page.fill("#ap-search", "onerror")
    page.press("#ap-search", "Enter")
    panel = page.inner_text("#ap-panel")
    assert "<img src=x onerror=alert(1)>" in panel
    assert "▸ <img src=x onerror=alert(1)>" in page.inner_text("#ap-key")  # the type, as text
    assert page.evaluate("document.querySelectorAll('#ap-panel img, #ap-panel script, #ap-legend img, #ap-key img').length") == 0
    assert page.dialogs == [] and page.errors == []
    assert page.title().startswith("</script><script>alert(3)</script>")


def test_names_that_look_like_markup_or_template_slots_and_control_characters(open_page):
    """``<!--`` once blanked the page, ``__DATA__`` in a name corrupted it (the template was filled
    by chained replaces), control characters made the exported SVG ill-formed."""
    import xml.etree.ElementTree as ET

    names = ["<!--", "__SCRIPT__", "__DATA__", "a\x01b\x0bc\x1b[31m", "line\u2028sep", "x&amp;y"]
    model = nn.Sequential()
    for name, act in zip(names, (nn.ReLU, nn.Tanh, nn.Sigmoid, nn.GELU, nn.SiLU, nn.ELU)):  # unlike: no folding
        model.add_module(name, nn.Sequential(nn.Linear(2, 2), act()))
    d = archplot.draw(model, input_size=(1, 2), depth=2, title="__TITLE__ __FONTS__ <!-- \x07")
    text = d.to_html()
    data = text.split('id="archplot-data">')[1].split("</script>")[0]
    assert data.isascii() and "<" not in data and "&" not in data
    page = open_page(d)
    assert page.errors == []
    paths = page.evaluate("Object.values(JSON.parse(document.getElementById('archplot-data').textContent)"
                          ".views.folded.scopes).map(s => s.path)")
    assert set(paths) == {"", "<!--", "__SCRIPT__", "__DATA__", "a?b?c?[31m", "line sep", "x&amp;y"}
    assert len(page.evaluate("archplot.geometry()")["nodes"]) == 14  # drawn: input, 6 × (Linear, act), output
    exported = ET.fromstring(page.evaluate("archplot.exportSVG()"))  # well-formed XML
    assert "__SCRIPT__" in "".join(exported.itertext())
    assert page.title().startswith("__TITLE__ __FONTS__ <!-- ?")


def test_notebook_display_is_the_interactive_view():
    d = archplot.draw(archplot.examples.residual_block(), input_size=(1, 8, 8, 8))
    html = d._repr_html_()
    assert html.startswith("<iframe srcdoc=") and "archplot-data" in html and "<script" not in html.split('srcdoc="')[0]


def test_activation_thumbnails_in_the_details_panel(open_page):
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU())
    d = archplot.draw(model, torch.randn(1, 1, 8, 8), show_activations=True)
    page = open_page(d)
    page.evaluate("archplot.select('n1')")
    assert page.evaluate("document.querySelector('#ap-panel img').naturalWidth") == 8
    assert page.errors == []


def test_overlay_switch_matches_the_static_colours(open_page):
    from archplot.backends.scene import Group, Rect

    def static_fills(d):
        nodes, boxes = {}, {}
        for it in d.scene.items:
            if isinstance(it, Group) and "node" in it.data:
                fill = [p.fill for p in it.items if isinstance(p, Rect)][-1]
                n = d.graph.nodes[it.data["node"]]
                if n.collapsed:
                    boxes[n.path] = fill
                else:
                    nodes[str(n.id)] = fill
        return nodes, boxes

    g = archplot.trace(torchvision.models.resnet18(), input_size=(1, 3, 64, 64))
    d = archplot.draw(g, overlay=["flops", "memory"], depth=2)
    page = open_page(d)
    for i, name in enumerate(["flops", "memory"]):
        if i:
            page.evaluate(f"archplot.setOverlay({i + 1})")
        js = page.evaluate("archplot.fills()")
        nodes, boxes = static_fills(archplot.draw(g, overlay=name, depth=2))
        assert js["nodes"] == nodes and js["collapsed"] == boxes, name
        assert len(set(boxes.values())) >= 3
        legend = page.inner_text("#ap-legend")
        assert ("FLOPs" if name == "flops" else "activation memory") in legend
    page.evaluate("archplot.setOverlay(0)")  # back to colours by op type, no legend
    assert page.is_hidden("#ap-legend")
    js = page.evaluate("archplot.fills()")
    nodes, boxes = static_fills(archplot.draw(g, depth=2))
    assert js["nodes"] == nodes and js["collapsed"] == boxes


def test_depth_box_legend_and_search_frame_what_the_reader_asked_for(open_page):
    d = resnet50_diagram(None)  # the automatic view: stages at depth 2, one Bottleneck run open
    page = open_page(d)
    st = page.evaluate("archplot.state()")
    assert st["depth"] == 2  # the real depth, not "1"
    # the legend lists the colours in sight, collapsed types by name
    assert "convolution" in st["legend"] and "▸ Bottleneck" in st["legend"]
    page.click("#ap-expand")
    st = page.evaluate("archplot.state()")
    assert "▸ Bottleneck" not in st["legend"] and st["depth"] == 4
    page.click("#ap-reset")
    # search: matches hidden in collapsed modules are highlighted through them, nothing opens
    before = page.evaluate("archplot.state()")
    page.fill("#ap-search", "layer4")
    st = page.evaluate("archplot.state()")
    assert st["matches"] > 5 and st["boxes"] == before["boxes"] and st["collapsedNodes"] == before["collapsedNodes"]
    # fit frames the matches: the layer4 box fills the view, the stem is out of it
    page.click("#ap-fit")
    st = page.evaluate("archplot.state()")
    layer4 = next(g for g in page.evaluate("archplot.geometry()")["groups"] if g["path"] == "layer4")
    view = st["view"]
    assert view["y0"] <= layer4["y"] and layer4["y"] + layer4["height"] <= view["y1"]
    assert view["y0"] > 200  # the stem at the top is not in the frame
    assert st["zoom"] > page.evaluate("(() => { archplot.search(''); archplot.fit(); return archplot.state().zoom; })()")
    assert page.errors == []
