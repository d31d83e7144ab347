"""archplot.diff on real pairs of models, with the expected changes written down by hand; the
picture, the report formats, the CLI's exit codes and the HTML tabs."""

from __future__ import annotations

import json
import re
import shutil
import warnings

import pytest
import torch
from torch import nn

import archplot
from archplot.transforms.diff import Change

torchvision = pytest.importorskip("torchvision")


def statuses(d):
    """path (or name) -> status of every node in the diff picture."""
    marks = d.graph.meta["diff"]["nodes"]
    return {(n.path or n.name): marks.get(str(n.id), {}).get("status", "same") for n in d.graph}


def meta_model(build):
    with torch.device("meta"):
        return build(weights=None)


@pytest.fixture(scope="module")
def resnets():
    return meta_model(torchvision.models.resnet18), meta_model(torchvision.models.resnet34)


def test_resnet18_vs_resnet34_is_four_repeat_counts(resnets):
    r18, r34 = resnets
    a = archplot.trace(r18, input_size=(1, 3, 64, 64))
    before = a.to_json()
    d = archplot.diff(a, r34, input_size=(1, 3, 64, 64), names=("resnet18", "resnet34"))
    assert d.changes == [
        Change("repeat", "layer1", "layer1", "BasicBlock ×2 → ×3"),
        Change("repeat", "layer2", "layer2", "BasicBlock ×2 → ×4"),
        Change("repeat", "layer3", "layer3", "BasicBlock ×2 → ×6"),
        Change("repeat", "layer4", "layer4", "BasicBlock ×2 → ×3"),
    ]
    assert d.summary == "4 repeat" and not d.equal
    assert a.to_json() == before  # the input graph is left as it was
    # The blocks show folded inside their layers; nothing else is marked.
    s = statuses(d)
    assert s["layer1.0"] == "changed" and s["layer2.1"] == "changed"
    assert s["conv1"] == s["fc"] == s["layer2.0"] == "same"
    assert "added" not in s.values() and "removed" not in s.values()
    svg = d.to_svg()
    assert "Δ ×2 → ×3" in svg and "layer2 · Sequential  Δ BasicBlock ×2 → ×4" in svg
    assert "resnet18 → resnet34: 4 repeat" in svg  # the one-line summary


def test_bert_4_layers_vs_6_layers():
    transformers = pytest.importorskip("transformers")
    config = {"hidden_size": 64, "num_attention_heads": 4, "intermediate_size": 128, "vocab_size": 100}
    a = transformers.BertModel(transformers.BertConfig(num_hidden_layers=4, **config)).eval()
    b = transformers.BertModel(transformers.BertConfig(num_hidden_layers=6, **config)).eval()
    d = archplot.diff(a, b, torch.ones(1, 8, dtype=torch.long))
    assert d.changes == [Change("repeat", "encoder.layer", "encoder.layer", "BertLayer ×4 → ×6")]
    layers = [n for n in d.graph if n.path == "encoder.layer.0"]
    assert len(layers) == 1 and layers[0].repeat == 6 and statuses(d)["encoder.layer.0"] == "changed"
    assert statuses(d)["embeddings"] == "same"  # unchanged modules stay collapsed
    assert next(n for n in d.graph if n.path == "embeddings").collapsed


def test_gpt2_with_a_replaced_head():
    transformers = pytest.importorskip("transformers")

    def gpt2():
        config = transformers.GPT2Config(n_layer=2, n_embd=64, n_head=4, vocab_size=100,
                                         bos_token_id=0, eos_token_id=0)
        return transformers.GPT2LMHeadModel(config).eval()

    a, b = gpt2(), gpt2()
    b.lm_head = nn.Linear(64, 10, bias=False)
    d = archplot.diff(a, b, torch.ones(1, 8, dtype=torch.long))
    assert [(c.kind, c.path_a, c.path_b) for c in d.changes] == [("changed", "lm_head", "lm_head")]
    what = d.changes[0].what
    assert "out_features 100 → 10" in what and "weight [100, 64] → [10, 64]" in what
    assert "output [1, 8, 100] → [1, 8, 10]" in what
    assert "Δ Linear 64→100 → 64→10" in d.to_svg()
    s = statuses(d)
    assert s["lm_head"] == "changed" and s["transformer"] == "same" and s["logits"] == "changed"
    assert len(d.graph.nodes) == 4  # input, the whole unchanged transformer as one node, the head, logits


def test_dynamically_quantised_copy():
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4)).eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        quantised = torch.ao.quantization.quantize_dynamic(model, {nn.Linear}, dtype=torch.qint8)
    d = archplot.diff(model, quantised, input_size=(2, 8))
    changed = {c.path_b: c.what for c in d.changes if c.kind == "changed"}
    assert set(changed) == {"0", "2"}
    assert "ops + linear_dynamic" in changed["0"] and "parameters 144 → 0" in changed["0"]
    assert "parameters 68 → 0" in changed["2"]
    assert {(c.kind, c.path_b) for c in d.changes if c.kind == "added"} == {("added", "0._packed_params"),
                                                                           ("added", "2._packed_params")}
    s = statuses(d)
    assert s["0"] == s["2"] == "changed" and s["1"] == "same"
    assert "removed" not in s.values()  # each float Linear matched its quantised replacement
    assert d.to_svg().count("Δ ops + linear_dynamic") == 2


def test_a_model_against_itself_and_against_its_saved_json(tmp_path):
    model = torchvision.models.resnet18(weights=None)
    d = archplot.diff(model, model, input_size=(1, 3, 32, 32))
    assert d.equal and d.changes == [] and d.summary == "no differences"
    assert set(statuses(d).values()) == {"same"}
    # Unchanged regions collapse: the layers are single nodes.
    assert {n.path for n in d.graph if n.collapsed} == {"layer1", "layer2", "layer3", "layer4"}
    path = tmp_path / "resnet18.json"
    archplot.trace(model, input_size=(1, 3, 32, 32)).to_json(path)
    d = archplot.diff(path, model, input_b=torch.zeros(1, 3, 32, 32))
    assert d.equal and d.names == ("resnet18", "ResNet")


class Small(nn.Module):
    def __init__(self, act=nn.ReLU, p=0.1, stride=1, norm=False, head="fc"):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, stride=stride, padding=1)
        self.act = act()
        self.drop = nn.Dropout(p)
        self.pool = nn.AdaptiveAvgPool2d(1)
        setattr(self, head, nn.Linear(8, 10))
        self.head = head
        self.norm = nn.LayerNorm(10) if norm else None

    def forward(self, x):
        x = self.pool(self.drop(self.act(self.conv(x)))).flatten(1)
        x = getattr(self, self.head)(x)
        return self.norm(x) if self.norm is not None else x


def test_parameter_free_changes_count_and_can_be_ignored():
    a, b = Small(), Small(act=nn.GELU, p=0.3, stride=2, norm=True)
    d = archplot.diff(a, b, input_size=(1, 3, 16, 16))
    by_path = {c.path: c for c in d.changes}
    assert by_path["conv"].what == "stride [1, 1] → [2, 2]; output [1, 8, 16, 16] → [1, 8, 8, 8]"
    assert by_path["act"].what.startswith("type ReLU → GELU")
    assert by_path["drop"].what == "p 0.1 → 0.3"
    assert by_path["norm"].kind == "added" and by_path["norm"].what.startswith("LayerNorm (20 parameters")
    assert "pool" not in by_path and "fc" not in by_path  # shapes that only follow from upstream are not news
    s = statuses(d)
    assert s["drop"] == "changed"  # a changed dropout is drawn, though plumbing is hidden by default
    assert s["norm"] == "added" and s["fc"] == "same"
    quiet = archplot.diff(a, b, input_size=(1, 3, 16, 16), ignore=("dropout",))
    assert "drop" not in {c.path for c in quiet.changes} and "drop" not in statuses(quiet)
    assert len(quiet.changes) == len(d.changes) - 1
    assert archplot.diff(a, Small(p=0.5), input_size=(1, 3, 16, 16), ignore="dropout").equal


def test_renamed_moved_and_removed_with_the_nearest_candidate():
    a = Small()
    renamed = archplot.diff(a, Small(head="classifier"), input_size=(1, 3, 16, 16))
    assert renamed.changes == [Change("renamed", "fc", "classifier", "Linear, identical inside")]
    assert "renamed" in renamed.summary
    assert statuses(renamed)["classifier"] == "changed" and "Δ renamed from fc" in renamed.to_svg()

    class Wrapped(Small):  # the head moved into a new block
        def __init__(self):
            super().__init__()
            self.block = nn.Sequential(self.fc)
            del self.fc
            self.head = "block"

    moved = archplot.diff(a, Wrapped(), input_size=(1, 3, 16, 16))
    kinds = {(c.kind, c.path_a, c.path_b) for c in moved.changes}
    assert ("moved", "fc", "block.0") in kinds and ("added", None, "block") in kinds
    assert "block · Sequential  + added" in moved.to_svg()
    # Closed in the interactive view, a box with changes inside still says so.
    from archplot.styles.diagram import prepare

    box = next(sid for sid, s in moved.graph.scopes.items() if s.path == "block")
    closed = prepare(moved.graph, moved.options).scope_look(box)
    assert [text for text, _, _ in closed.lines][-1] == "Δ changes inside"

    b = Small(head="out")
    b.out = nn.Linear(8, 5)
    replaced = archplot.diff(a, b, input_size=(1, 3, 16, 16))
    removed = next(c for c in replaced.changes if c.kind == "removed")
    assert removed.path_a == "fc" and "nearest in b: out (out_features 10 → 5" in removed.what
    s = statuses(replaced)
    assert s["fc"] == "removed" and s["out"] == "added"
    # Greyscale-safe: removed is dashed and every change is tagged in words.
    svg = replaced.to_svg()
    removed_group = re.search(r'<g[^>]*data-path="fc".*?</g>', svg, re.DOTALL).group(0)
    assert "stroke-dasharray" in removed_group and "− removed" in removed_group
    assert "+ added" in svg and "removed (−, dashed)" in svg


def test_reports_and_the_saved_diff_graph(tmp_path):
    a, b = Small(), Small(act=nn.GELU, norm=True)
    d = archplot.diff(a, b, input_size=(1, 3, 16, 16), names=("v1", "v2|x"))
    text = d.to_text()
    assert text.splitlines()[0] == "v1 → v2|x: 1 added, 2 changed"
    assert "added    norm: LayerNorm" in text
    md = d.to_markdown()
    assert "**v1 → v2\\|x**" in md and "| added | `norm` |" in md
    data = json.loads(json.dumps(d.to_dict()))
    assert data["equal"] is False and data["changes"][0]["kind"] == "changed"
    # The diff graph is plain data: saved and loaded, it redraws with its statuses.
    d.save(tmp_path / "diff.json")
    again = archplot.draw(archplot.Graph.from_json(tmp_path / "diff.json"), depth=1)
    assert "+ added" in again.to_svg() and "Δ ReLU → GELU" in again.to_svg()
    png = d.to_image()
    assert png.width > 100
    assert "archplot.Diff v1 → v2|x" in repr(d)
    notebook = d._repr_html_()  # the tabbed page, isolated in an iframe
    assert notebook.startswith("<iframe") and "a: v1" in notebook


def test_bad_input_is_one_clear_error(tmp_path):
    a = Small()
    with pytest.raises(archplot.InputError, match="not a file archplot reads"):
        archplot.diff("model.txt", a, input_size=(1, 3, 16, 16))
    with pytest.raises(archplot.InputError, match="names must be two strings"):
        archplot.diff(a, a, input_size=(1, 3, 16, 16), names="ab")
    with pytest.raises(archplot.InputError, match="ignore must name"):
        archplot.diff(a, a, input_size=(1, 3, 16, 16), ignore=(nn.Dropout,))
    with pytest.raises(archplot.InputError, match="must be a model, a Graph"):
        archplot.diff(a, 42, input_size=(1, 3, 16, 16))
    g = archplot.trace(a, input_size=(1, 3, 16, 16))
    with pytest.raises(archplot.InputError, match="input_a only applies when side a is a model"):
        archplot.diff(g, a, input_size=(1, 3, 16, 16), input_a=torch.zeros(1, 3, 16, 16))


def test_cli_exit_codes_formats_and_picture(tmp_path):
    from test_cli import run

    r = run("diff", "resnet18", "resnet34", "-i", "1x3x32x32", "-o", "d.svg", cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    assert r.stdout.splitlines() == ["resnet18 → resnet34: 4 repeat", "repeat   layer1: BasicBlock ×2 → ×3",
                                     "repeat   layer2: BasicBlock ×2 → ×4", "repeat   layer3: BasicBlock ×2 → ×6",
                                     "repeat   layer4: BasicBlock ×2 → ×3"]
    assert "Δ ×2 → ×3" in (tmp_path / "d.svg").read_text()
    r = run("resnet18", "-i", "1x3x32x32", "-o", "r18.json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    r = run("diff", "r18.json", "resnet18", "--input", "1x3x32x32", "--input", "1x3x32x32", "--format", "json",
            cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == {"a": "r18", "b": "resnet18", "equal": True, "summary": "no differences",
                                    "changes": []}
    r = run("diff", "resnet18", "resnet34", "--input-a", "1x3x32x32", "--input-b", "1x3x64x64",
            "--format", "markdown", "--ignore", "layer*", cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    assert r.stdout.splitlines()[-1] == "| changed | `(input x)` | shape [1, 3, 32, 32] → [1, 3, 64, 64] |"
    assert r.stdout.startswith("**resnet18 → resnet34**: 1 changed")
    # Usage errors and failures exit 2, with one line.
    r = run("diff", "resnet18", "resnet34", "-i", "1x3x8x8", "-i", "1x3x8x8", "-i", "1x3x8x8", cwd=tmp_path)
    assert r.returncode == 2 and "given once (both models) or twice" in r.stderr
    r = run("diff", "resnet18", "no_such_net", cwd=tmp_path)
    assert r.returncode == 2 and "archplot: error: unknown torchvision model 'no_such_net'" in r.stderr


@pytest.mark.skipif(not (shutil.which("chromium") or shutil.which("chromium-browser")),
                    reason="Debian's chromium is not installed")
def test_html_page_switches_between_diff_a_b_and_the_list(tmp_path):
    playwright = pytest.importorskip("playwright.sync_api")
    d = archplot.diff(Small(), Small(act=nn.GELU, norm=True), input_size=(1, 3, 16, 16), names=("v1", "<v2>"))
    path = d.save(tmp_path / "diff.html")
    assert "<v2>" not in path.read_text()  # names are escaped
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium") or shutil.which("chromium-browser"),
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            page = browser.new_page(viewport={"width": 900, "height": 700})
            page.goto(path.as_uri())
            tabs = page.locator("nav button")
            assert tabs.all_inner_texts() == ["diff", "a: v1", "b: <v2>", "changes"]

            def ready_frame(title):
                frame = page.frame_locator(f"iframe[title='{title}']")
                frame.locator("body[data-ready='1']").wait_for(timeout=20000)
                return frame

            diff_frame = ready_frame("diff")
            nodes = diff_frame.locator("body").evaluate("() => window.archplot.state().nodes")
            assert nodes == len(d.graph.nodes)
            tabs.nth(2).click()
            b_frame = ready_frame("b: <v2>")
            b_nodes = b_frame.locator("body").evaluate("() => window.archplot.state().nodes")
            assert b_nodes == len(archplot.draw(d._sides[1]).graph.nodes)
            assert page.locator("iframe[title='diff']").is_hidden()
            tabs.nth(3).click()
            assert "added" in page.locator("div.pane.on").inner_text()
        finally:
            browser.close()


def test_a_shared_layer_applied_more_often_is_a_change():
    class Shared(nn.Module):
        def __init__(self, times):
            super().__init__()
            self.layer, self.times = nn.Linear(4, 4), times

        def forward(self, x):
            for _ in range(self.times):
                x = self.layer(x)
            return x

    d = archplot.diff(Shared(2), Shared(3), input_size=(1, 4))
    assert d.changes == [Change("changed", "layer", "layer", "calls 2 → 3")]
    (node,) = [n for n in d.graph if n.path == "layer"]  # the calls fold into one node
    assert node.repeat == 3 and statuses(d)["layer"] == "changed" and "Δ ×2 → ×3" in d.to_svg()


def test_the_same_change_in_every_block_is_one_record():
    transformers = pytest.importorskip("transformers")

    def llama(layers, kv_heads):
        config = transformers.LlamaConfig(num_hidden_layers=layers, hidden_size=64, intermediate_size=128,
                                          num_attention_heads=4, num_key_value_heads=kv_heads, vocab_size=100)
        with torch.device("meta"):
            return transformers.LlamaForCausalLM(config).eval()

    ids = torch.ones(1, 8, dtype=torch.long, device="meta")
    d = archplot.diff(llama(4, 4), llama(3, 2), ids)
    paths = [(c.kind, c.path) for c in d.changes]
    assert ("repeat", "model.layers") in paths
    assert ("changed", "model.layers.0…2.self_attn.k_proj") in paths
    k_proj = next(c for c in d.changes if c.path == "model.layers.0…2.self_attn.k_proj")
    assert k_proj.what.startswith("in 3 blocks: out_features 64 → 32")
    assert not any(c.path.startswith("model.layers.1.") for c in d.changes)
    assert d.graph.meta["diff"]["summary"] == d.summary
