"""Paper- and slide-ready outputs: PDF fonts, print widths, TikZ, draw.io, PowerPoint, editable SVG."""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import pytest
import torch
from PIL import Image, ImageFilter

import archplot
from archplot import InputError

torchvision = pytest.importorskip("torchvision")


@pytest.fixture(scope="module")
def resnet18():
    return archplot.trace(torchvision.models.resnet18(weights=None), input_size=(1, 3, 224, 224))


@pytest.fixture(scope="module")
def googlenet():
    model = torchvision.models.googlenet(weights=None, init_weights=False, aux_logits=False).eval()
    return archplot.trace(model, input_size=(1, 3, 224, 224))


@pytest.fixture(scope="module")
def hostile():
    """A graph whose names hold every character LaTeX and XML treat specially."""
    g = archplot.trace(archplot.examples.residual_block(), input_size=(1, 8, 8, 8))
    for n in g.nodes.values():
        if n.kind == "module":
            n.type = "Odd{}$&%#_^~\\<b>\"'\x07 ×"
            break
    return g


def need(*tools):
    for tool in tools:
        if not shutil.which(tool):
            pytest.skip(f"{tool} is not installed")


def pdf_fonts(path):
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = [line for line in out.splitlines()[2:] if line.strip()]
    fonts = []
    for line in rows:
        # name, type (may hold spaces), encoding, emb, sub, uni, object, generation
        m = re.match(r"(\S+)\s+(.+?)\s{2,}(\S+)\s+(yes|no)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+$", line)
        assert m, line
        fonts.append({"name": m[1], "type": m[2], "emb": m[4] == "yes", "sub": m[5] == "yes"})
    return fonts


def page_size(path):
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    w, h = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", out).groups()
    return float(w), float(h)


def raster(pdf, out_stem, dpi=72):
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-singlefile", str(pdf), str(out_stem)], check=True)
    return Image.open(str(out_stem) + ".png").convert("L")


def looks_alike(a: Image.Image, b: Image.Image) -> float:
    """How alike two renderings are once blurred past their fonts: correlation of darkness."""
    size = (max(8, a.width // 6), max(8, a.height // 6))
    xs = list(a.filter(ImageFilter.GaussianBlur(3)).resize(size).tobytes())
    ys = list(b.filter(ImageFilter.GaussianBlur(3)).resize(size).tobytes())
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    cov = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    vx = sum((x - mx) ** 2 for x in xs) ** 0.5
    vy = sum((y - my) ** 2 for y in ys) ** 0.5
    return cov / (vx * vy)


# -- PDF and print sizes -------------------------------------------------------------------------

def test_pdf_fonts_are_embedded_truetype_subsets_never_type3(resnet18, tmp_path):
    need("pdffonts")
    path = archplot.draw(resnet18, depth=2).save(tmp_path / "r.pdf", width="page")
    fonts = pdf_fonts(path)
    assert fonts, "the PDF has text, so it has fonts"
    for f in fonts:
        assert "Type 3" not in f["type"] and f["emb"] and f["sub"], f
        assert "TrueType" in f["type"], f


@pytest.mark.parametrize("width,expected", [("column", (234.0, None)), ("page", (486.0, None)), (5, (360.0, None))])
def test_width_presets_set_the_printed_width(googlenet, tmp_path, width, expected):
    need("pdfinfo")
    d = archplot.draw(googlenet, depth=1, fit="none")  # one tall column: what a paper's column takes
    path = d.save(tmp_path / "w.pdf", width=width)
    w, h = page_size(path)
    assert w == pytest.approx(expected[0], abs=0.6)
    assert h == pytest.approx(d.scene.height * expected[0] / d.scene.width, rel=0.01)


def test_slide_contains_the_picture_and_fit_to_width_does_not(tmp_path):
    need("pdfinfo")
    d = archplot.draw(archplot.examples.residual_block(), input_size=(1, 8, 8, 8), direction="LR")
    w, h = page_size(d.save(tmp_path / "s.pdf", width="slide"))
    assert w <= 960.0 + 0.6 and h <= 540.0 + 0.6 and (abs(w - 960) < 0.6 or abs(h - 540) < 0.6)
    w, h = page_size(d.save(tmp_path / "s2.pdf", width="slide", fit_to="width"))
    assert w == pytest.approx(960.0, abs=0.6)


def test_text_below_6pt_is_refused_with_a_depth_that_fits(googlenet, tmp_path):
    d = archplot.draw(googlenet, expand="**", fold=False)
    with pytest.raises(InputError, match=r"smallest text would be \d\.\d pt, under 6 pt; draw it with depth=(\d)") as e:
        d.save(tmp_path / "c.pdf", width="page")
    assert not (tmp_path / "c.pdf").exists()
    depth = int(re.search(r"depth=(\d)", str(e.value))[1])
    archplot.draw(googlenet, depth=depth, fold=False).save(tmp_path / "c.pdf", width="page")  # the suggestion works
    assert (tmp_path / "c.pdf").exists()
    with pytest.raises(InputError, match="under 6 pt"):  # TikZ and PowerPoint keep the same rule
        d.to_tikz(width="page")


@pytest.mark.parametrize("kwargs,message", [
    ({"width": "a4"}, "width must be 'column', 'page', 'slide'"),
    ({"width": -2}, "width must be"),
    ({"width": (3, "x")}, "width must be"),
    ({"width": "page", "fit_to": "height"}, "fit_to must be 'width' or 'contain'"),
    ({"fit_to": "width"}, "fit_to needs a width"),
])
def test_bad_print_sizes(resnet18, tmp_path, kwargs, message):
    d = archplot.draw(resnet18, depth=1)
    with pytest.raises(InputError, match=message):
        d.save(tmp_path / "b.pdf", **kwargs)


def test_print_options_only_where_they_apply(resnet18, tmp_path):
    d = archplot.draw(resnet18, depth=1)
    with pytest.raises(InputError, match="width= and fit_to= size .pdf, .tex and .pptx"):
        d.save(tmp_path / "p.png", width="column")
    with pytest.raises(InputError, match="standalone= is for .tex"):
        d.save(tmp_path / "p.pdf", standalone=True)


# -- TikZ ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("engine", ["pdflatex", "lualatex"])
def test_tikz_compiles_and_looks_like_the_svg(resnet18, tmp_path, engine):
    need(engine, "pdftoppm")
    d = archplot.draw(resnet18, depth=2, title="ResNet-18")
    tex = d.save(tmp_path / "fig.tex", standalone=True)
    subprocess.run([engine, "-interaction=nonstopmode", "-halt-on-error", tex.name], cwd=tmp_path,
                   capture_output=True, check=True, timeout=300)
    page = raster(tmp_path / "fig.pdf", tmp_path / "fig")
    svg = Image.open(io.BytesIO(d.to_png(scale=1))).convert("L")
    assert abs(page.width - svg.width) <= 1 and abs(page.height - svg.height) <= 1
    assert looks_alike(page, svg.resize(page.size)) > 0.85
    # and it is not just alike to anything: another model's picture is not
    other = archplot.draw(archplot.trace(archplot.examples.unet(), input_size=(1, 3, 32, 32)), depth=1)
    unlike = Image.open(io.BytesIO(other.to_png(scale=1))).convert("L").resize(page.size)
    assert looks_alike(page, unlike) < 0.6
    if shutil.which("pdffonts"):
        assert all("Type 3" not in f["type"] for f in pdf_fonts(tmp_path / "fig.pdf"))


def test_tikz_inputs_into_a_document_in_its_font_and_escapes_every_label(hostile, tmp_path):
    need("pdflatex", "pdffonts", "pdftotext")
    d = archplot.draw(hostile, title="50% of {x}_1 & $y$ #2")
    text = d.to_tikz(width="page")
    assert text.startswith("% archplot") and "\\begin{tikzpicture}" in text and "\\documentclass" not in text
    assert "\\definecolor{ap0}{HTML}" in text and "\x07" not in text
    assert re.search(r"line width=[\d.]+pt", text) and "fontsize" in text
    (tmp_path / "fig.tex").write_text(text, encoding="utf-8")
    (tmp_path / "paper.tex").write_text(
        "\\documentclass{article}\\usepackage[T1]{fontenc}\\usepackage{tgheros}"
        "\\renewcommand{\\familydefault}{\\sfdefault}\\usepackage{tikz}\n"
        "\\begin{document}\\begin{figure}\\input{fig.tex}\\caption{A block.}\\end{figure}\\end{document}\n")
    subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "paper.tex"], cwd=tmp_path,
                   capture_output=True, check=True, timeout=300)
    names = " ".join(f["name"] for f in pdf_fonts(tmp_path / "paper.pdf"))
    assert "TeXGyreHeros" in names and "DejaVu" not in names  # the document's font, not archplot's
    words = subprocess.run(["pdftotext", str(tmp_path / "paper.pdf"), "-"], capture_output=True, text=True).stdout
    assert "50% of {x}_1 & $y$ #2" in words and "Odd{}$&%#_^~\\<b>\"'" in words.replace("\n", "")


# -- draw.io -------------------------------------------------------------------------------------

def drawio_cells(text):
    """The cells of an uncompressed .drawio file, checked against mxGraph's structure."""
    import xml.etree.ElementTree as ET

    root = ET.fromstring(text)
    assert root.tag == "mxfile"
    (diagram,) = root.findall("diagram")
    (model,) = diagram.findall("mxGraphModel")
    (cells_root,) = model.findall("root")
    cells = {}
    for el in cells_root:
        if el.tag == "UserObject":  # draw.io's cell with data: the id and label sit on the wrapper
            (cell,) = el.findall("mxCell")
            cid, value, data = el.get("id"), el.get("label"), dict(el.attrib)
        else:
            assert el.tag == "mxCell", el.tag
            cell, cid, value, data = el, el.get("id"), el.get("value"), {}
        assert cid and cid not in cells, f"cell ids are unique: {cid}"
        cells[cid] = {"cell": cell, "value": value, "data": data, "style": dict(
            kv.split("=", 1) for kv in (cell.get("style") or "").split(";") if "=" in kv)}
    assert list(cells)[:2] == ["0", "1"] and cells["1"]["cell"].get("parent") == "0"
    seen = set()
    for cid, c in cells.items():  # parents come before their children, and exist
        parent = c["cell"].get("parent")
        if cid != "0":
            assert parent in seen, (cid, parent)
        seen.add(cid)
        if c["cell"].get("vertex") == "1" or c["cell"].get("edge") == "1":
            geo = c["cell"].find("mxGeometry")
            assert geo is not None and geo.get("as") == "geometry"
    return cells


def test_drawio_has_containers_shapes_and_attached_connectors(resnet18, tmp_path):
    d = archplot.draw(resnet18, depth=2)
    cells = drawio_cells(d.save(tmp_path / "r.drawio").read_text(encoding="utf-8"))
    vertices = {k: c for k, c in cells.items() if c["cell"].get("vertex") == "1"}
    edges = [c for c in cells.values() if c["cell"].get("edge") == "1"]
    containers = {k: c for k, c in vertices.items() if c["style"].get("container") == "1"}
    # every module box is a container named by its qualified name, nested as in the model
    boxes = {s.path for s in d.graph.scopes.values() if s.path}
    assert {c["data"]["path"] for c in containers.values()} == boxes
    layer1 = next(k for k, c in containers.items() if c["data"]["path"] == "layer1")
    inside = [c for c in vertices.values() if c["cell"].get("parent") == layer1]
    assert any("BasicBlock" in (c["value"] or "") for c in inside)
    # a child's geometry is relative to its container and lies within it
    box = containers[layer1]["cell"].find("mxGeometry")
    for c in inside:
        g = c["cell"].find("mxGeometry")
        assert 0 <= float(g.get("x")) and float(g.get("x")) + float(g.get("width")) <= float(box.get("width")) + 0.2
    # one connector per drawn edge, each referencing the two node shapes it joins
    assert len(edges) == len(d.graph.edges)
    for e in d.graph.edges:
        assert any(c["cell"].get("source") == f"n{e.source}" and c["cell"].get("target") == f"n{e.target}"
                   for c in edges)
    for c in edges:
        assert c["cell"].get("source") in vertices and c["cell"].get("target") in vertices
        assert c["style"]["endArrow"] == "block"
    # every node is a shape with its text; tensor shapes are text cells
    for n in d.graph.nodes.values():
        assert f"n{n.id}" in vertices
    labels = [c["value"] for c in vertices.values() if c["style"].get("text") is None and "text;" in
              (c["cell"].get("style") or "")]
    assert "1×64×56×56" in labels


def test_drawio_escapes_labels_and_refuses_classic_styles(hostile, tmp_path):
    d = archplot.draw(hostile)
    text = d.to_drawio()
    cells = drawio_cells(text)  # it parses: nothing broke out of its attribute
    assert "\x07" not in text
    assert any("Odd{}$&amp;%#_^~\\&lt;b&gt;" in (c["value"] or "") for c in cells.values())  # HTML label, escaped
    with pytest.raises(InputError, match="draw.io output is written for the default diagram style"):
        archplot.draw(hostile, style="layered").save(tmp_path / "l.drawio")


# -- PowerPoint ----------------------------------------------------------------------------------

def all_shapes(shapes):
    for s in shapes:
        yield s
        if s.shape_type == 6:  # a group
            yield from all_shapes(s.shapes)


def test_pptx_native_shapes_groups_and_connectors(resnet18, tmp_path):
    pptx = pytest.importorskip("pptx")
    from pptx.util import Emu

    d = archplot.draw(resnet18, depth=2, title="ResNet-18")
    path = d.save(tmp_path / "r.pptx", width=7)
    prs = pptx.Presentation(str(path))
    assert Emu(prs.slide_width).inches == pytest.approx(7.0, abs=0.01)
    (slide,) = prs.slides
    shapes = list(all_shapes(slide.shapes))
    groups = {s.name: s for s in shapes if s.shape_type == 6}
    assert set(groups) == {s.path for s in d.graph.scopes.values() if s.path}  # a group per module box
    texts = {s.name: s.text_frame.text for s in shapes if s.has_text_frame}
    assert texts["conv1"].startswith("conv1 · Conv2d") and "3→64" in texts["conv1"]
    assert any(t == "1×64×112×112" for t in texts.values())  # tensor labels as text
    # the nodes inside layer2 are in its group
    in_layer2 = {s.name for s in all_shapes(groups["layer2"].shapes)}
    assert {"layer2.0", "layer2.1"} <= in_layer2
    # short edges are connectors attached to the shapes they join
    from pptx.shapes.connector import Connector

    connectors = [s for s in shapes if isinstance(s, Connector)]
    assert connectors
    ids = {s.shape_id: s.name for s in shapes}
    attached = 0
    for c in connectors:
        st = c._element.find(".//{http://schemas.openxmlformats.org/drawingml/2006/main}stCxn")
        end = c._element.find(".//{http://schemas.openxmlformats.org/drawingml/2006/main}endCxn")
        if st is not None and end is not None:
            assert int(st.get("id")) in ids and int(end.get("id")) in ids
            attached += 1
    assert attached >= len(d.graph.edges) // 2
    # the longer edges are lines along their routes, with arrow heads like the connectors
    lines = [s for s in shapes if s.shape_type == 5]  # freeform
    assert len(lines) + len(connectors) == len(d.graph.edges)
    with pytest.raises(InputError, match="PowerPoint takes 1 to 56 in a side"):
        archplot.draw(resnet18, expand="**", fit="none").to_pptx(width=20)
    for s in lines + connectors:
        assert s._element.find(".//{http://schemas.openxmlformats.org/drawingml/2006/main}tailEnd") is not None


def test_pptx_renders_with_libreoffice_like_the_svg(tmp_path):
    pytest.importorskip("pptx")
    need("soffice", "pdftoppm")
    d = archplot.draw(archplot.examples.residual_block(), input_size=(1, 8, 8, 8), direction="LR", fit="none")
    path = d.save(tmp_path / "rb.pptx")  # a 13.33 × 7.5 in slide
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
                   capture_output=True, check=True, timeout=300)
    page = raster(tmp_path / "rb.pdf", tmp_path / "rb", dpi=72)
    assert page.size == (960, 540)
    # the picture is centred on the slide at the scale that contains it: compare that part
    s = 960 / d.scene.width
    top = round((540 - d.scene.height * s) / 2)
    shown = page.crop((0, top, 960, top + round(d.scene.height * s)))
    svg = Image.open(io.BytesIO(d.to_png(scale=s))).convert("L").resize(shown.size)
    assert looks_alike(shown, svg) > 0.8


# -- editable SVG --------------------------------------------------------------------------------

def test_editable_svg_has_a_group_per_module_holding_its_contents(resnet18, tmp_path):
    import xml.etree.ElementTree as ET

    from archplot.backends.png import svg_to_png

    d = archplot.draw(resnet18, depth=2)
    text = d.save(tmp_path / "r.svg", editable=True).read_text(encoding="utf-8")
    ns = "{http://www.w3.org/2000/svg}"
    root = ET.fromstring(text)
    modules = {g.get("data-path"): g for g in root.iter(ns + "g") if g.get("id")}
    assert set(modules) == {s.path for s in d.graph.scopes.values() if s.path}
    assert all(g.get("id") == path for path, g in modules.items())
    # the nodes of layer2 (and only they) sit inside its group, text as text
    inside = {g.get("data-path") for g in modules["layer2"].iter(ns + "g") if g.get("data-node")}
    assert inside == {"layer2.0", "layer2.1"}
    assert any((t.text or "").startswith("layer2 · Sequential") for t in modules["layer2"].iter(ns + "text"))
    # the same picture as the flat SVG
    a = Image.open(io.BytesIO(svg_to_png(text, 1.0))).convert("L")
    b = Image.open(io.BytesIO(d.to_png(scale=1))).convert("L")
    different = sum(1 for x, y in zip(a.tobytes(), b.tobytes()) if abs(x - y) > 40)
    assert a.size == b.size and different < 0.002 * a.width * a.height
    assert d.to_svg() != text and "<g id=" not in d.to_svg()  # the default stays flat and byte-stable
    with pytest.raises(InputError, match="editable= is for .svg"):
        d.save(tmp_path / "r.pdf", editable=True)


def test_editable_svg_ids_are_xml_names():
    model = torch.nn.Sequential(torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.ReLU()), torch.nn.Linear(4, 2))
    svg = archplot.draw(model, input_size=(1, 4), expand="**", fold=False).to_svg(editable=True)
    assert '<g id="m-0" data-path="0">' in svg


# -- the command line ----------------------------------------------------------------------------

def test_cli_writes_every_output_by_extension(googlenet, tmp_path, capsys):
    from archplot.cli import main

    graph = tmp_path / "g.json"
    googlenet.to_json(graph)
    for name, extra in (("f.tex", ["--standalone", "--width", "column"]), ("f.drawio", ["--depth", "2"]),
                        ("f.pptx", ["--width", "page"]), ("f.svg", ["--editable", "--depth", "2"]),
                        ("f.pdf", ["--width", "3.5"])):
        depth = [] if "--depth" in extra else ["--depth", "1", "--fit", "none"]  # one column fits a paper's column
        assert main([str(graph), *depth, "-o", str(tmp_path / name), *extra]) == 0, capsys.readouterr().err
    assert (tmp_path / "f.tex").read_text().startswith("\\documentclass")
    drawio_cells((tmp_path / "f.drawio").read_text(encoding="utf-8"))
    assert (tmp_path / "f.pptx").read_bytes()[:2] == b"PK"
    assert '<g id="inception3a" data-path="inception3a">' in (tmp_path / "f.svg").read_text(encoding="utf-8")
    if shutil.which("pdfinfo"):
        assert page_size(tmp_path / "f.pdf")[0] == pytest.approx(252.0, abs=0.6)
    # a size that would make text too small is refused with a one-line reason
    assert main([str(graph), "--expand", "**", "-o", str(tmp_path / "g.pdf"), "--width", "column"]) == 1
    err = capsys.readouterr().err
    assert "under 6 pt" in err and "depth=" in err and not (tmp_path / "g.pdf").exists()


def test_pptx_and_drawio_keep_hostile_names_as_text(hostile, tmp_path):
    pptx = pytest.importorskip("pptx")
    d = archplot.draw(hostile, direction="LR", theme="dark")
    prs = pptx.Presentation(str(d.save(tmp_path / "h.pptx", width=20)))
    texts = [s.text_frame.text for s in all_shapes(prs.slides[0].shapes) if s.has_text_frame]
    assert any("Odd{}$&%#_^~\\<b>\"' ×" in t for t in texts)  # the control character dropped, the rest kept
    cells = drawio_cells(d.to_drawio())
    edges = [c for c in cells.values() if c["cell"].get("edge") == "1"]
    assert edges and all(c["style"]["exitX"] == "1" and c["style"]["entryX"] == "0" for c in edges)  # left to right
