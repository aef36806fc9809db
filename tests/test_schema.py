"""The schemas and the hardened YAML reader: broken and hostile codebooks, claims files,
margins and simulator models are refused in ONE line naming the file and the entry,
quickly, and never with another exception (a property-based fuzz test checks it)."""

from __future__ import annotations

import copy
import datetime as dt
import os
import re
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cmmc_analysis.claims.spec import load_claims, parse_claims
from cmmc_analysis.cli import main
from cmmc_analysis.codebook import load_codebook, parse_codebook
from cmmc_analysis.errors import ClaimsError, CodebookError, SurveyDataError
from cmmc_analysis.paths import DEFAULT_CLAIMS, DEFAULT_CODEBOOK, DEFAULT_EXPORT
from cmmc_analysis.schema import yamlfile
from cmmc_analysis.synth import load_model
from cmmc_analysis.weights import load_margins

CB = load_codebook()
#: Seconds a refusal may take. Generous, because test machines are shared; what it
#: catches is a hang or a blow-up (the alias bomb took 30 s to a MemoryError before).
BOUND = 15.0
CODEBOOK_TEXT = DEFAULT_CODEBOOK.read_text(encoding="utf-8")
CLAIMS_TEXT = DEFAULT_CLAIMS.read_text(encoding="utf-8")
CODEBOOK = yaml.safe_load(CODEBOOK_TEXT)
CLAIMS = yaml.safe_load(CLAIMS_TEXT)


def one_line(err: BaseException, name: str) -> str:
    """The message of a refused file: one line, starting with the file's name."""
    message = str(err)
    assert isinstance(err, SurveyDataError), repr(err)
    assert "\n" not in message and "\r" not in message, message
    assert message.startswith(name), message
    assert len(message) < 1000, message
    return message


def _index(doc: dict, item_id: str) -> int:
    return next(i for i, item in enumerate(doc["items"]) if item["id"] == item_id)


# --- the reader: bounded time and memory ------------------------------------------------


def _bomb(levels: int = 9) -> str:
    """The YAML "billion laughs": 10**levels strings from a few hundred bytes."""
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for k in range(1, levels + 1):
        lines.append(f"a{k}: &a{k} [{', '.join([f'*a{k - 1}'] * 10)}]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (_bomb(), r"holds more than 100000 values once its aliases are expanded"),
        (
            "items: " + "[" * 5000 + "]" * 5000,
            r"nested more than 32|exceeded maximum nesting depth",
        ),
        ("items:\n" + "".join("  " * k + "- \n" for k in range(200)), r"nested more than 32"),
        ("a: &a [1, *a]\n", r"recursive alias"),
        ("survey: {id: x}\nsurvey: {id: y}\n", r"line 2: the key 'survey' appears twice"),
        ("items: [\n", r"invalid YAML at line 2, column 1"),
        ("a: 2020-02-30\n", r"invalid YAML: day is out of range"),
        ("a: " + "9" * 5000 + "\n", r"invalid YAML: Exceeds the limit"),
        ("a: !!python/object:os.system x\n", r"invalid YAML at line 1"),
    ],
)
def test_hostile_yaml_is_refused_quickly(tmp_path, text, message):
    path = tmp_path / "codebook.yaml"
    path.write_text(text, encoding="utf-8")
    start = time.perf_counter()
    with pytest.raises(CodebookError) as info:
        load_codebook(path)
    assert time.perf_counter() - start < BOUND
    assert re.search(message, one_line(info.value, "codebook.yaml"))


def test_not_utf8_and_too_large(tmp_path, monkeypatch):
    path = tmp_path / "claims.yaml"
    path.write_bytes(b"claims:\n  - id: S\xe91\n")
    with pytest.raises(ClaimsError, match=r"^claims\.yaml: the claims file is not UTF-8 text"):
        load_claims(path, codebook=CB)
    monkeypatch.setattr(yamlfile, "MAX_BYTES", 1000)
    with pytest.raises(CodebookError, match=r"larger than 1000 bytes"):
        load_codebook(DEFAULT_CODEBOOK)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "codebook.yaml"
    os.mkfifo(fifo)  # nobody writes to it: reading it would block forever
    start = time.perf_counter()
    with pytest.raises(CodebookError, match=r"^codebook\.yaml: .* it is a pipe, not a regular"):
        load_codebook(fifo)
    assert time.perf_counter() - start < BOUND


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
def test_a_device_and_a_folder_are_refused(tmp_path):
    with pytest.raises(ClaimsError, match=r"it is a device, not a regular file"):
        load_claims("/dev/zero", codebook=CB)
    with pytest.raises(SurveyDataError, match=r"it is a folder, not a regular file"):
        load_margins(tmp_path, CB)
    with pytest.raises(SurveyDataError, match=r"cannot read the model file: No such file"):
        load_model(tmp_path / "nope.yaml")


# --- codebooks with values of the wrong type (issue 18) -------------------------------------


def _set(path: str, value):
    def edit(doc):
        *parents, last = path.split("/")
        node = doc
        for key in parents:
            node = node[_index(doc, key[1:])] if key.startswith("@") else node[key]
        node[last] = value

    return edit


WRONG_TYPES = [
    # (edit, entry, what the message says)
    (_set("items/@role/id", ["role", "rank"]), r"items\[2\]\.id", "expected an identifier-like id"),
    (_set("constructs/tech_acceleration/items", [["tech_cloud"], "tech_video"]),
     r"constructs\.tech_acceleration\.items", "expected a list of at least two item ids"),
    (_set("survey/languages", 5), r"survey\.languages", "expected a list of language codes"),
    (_set("constructs/digital_readiness/reverse", 5), r"constructs\.digital_readiness\.reverse",
     "expected a list of ids, found 5"),
    (_set("cleaning/pseudonym/salt_env", 5), r"cleaning\.pseudonym\.salt_env",
     "expected the name of an environment variable, found 5"),
    (_set("fieldwork/start", dt.datetime(2020, 3, 9, tzinfo=dt.UTC)),
     r"fieldwork\.start", "expected a local date-time without a time zone"),
    (_set("fieldwork/start", "2020-03-09T00:00:00+01:00"), r"fieldwork\.start",
     "without a time zone"),
    (_set("items/@channels_up/separator", ""), r"items\[\d+\] \(channels_up\)\.separator",
     "expected a non-empty text, found ''"),
    (_set("scales/agree5/points", [{"it": f"p{i}", "en": f"p{i}"} for i in range(2_000)]),
     r"scales\.agree5\.points", "expected at most 101 entries, found 2000"),
    (_set("items/@org_models/scale", ["agree5"]), r"\(org_models\)\.scale", "expected an id"),
    (_set("items/@remote_share/asked_if", {"item": ["remote_adopted"], "in": ["Sì"]}),
     r"\(remote_share\)\.asked_if\.item", "expected an id"),
    (_set("scales", {5: {"points": []}}), r"scales\.5", "expected a text key, found 5"),
    (_set("items/@org_models/ordered", "yes"), r"\(org_models\)\.ordered", "expected true or false"),
    (_set("items/@remote_share/max", float("inf")), r"\(remote_share\)\.max", "expected a number"),
    (_set("fieldwork/cutoffs", {"interim": 20200318}), r"fieldwork\.cutoffs\.interim",
     "expected an ISO date-time"),
    (_set("fieldwork/cutoffs", {"interim": "now"}), r"fieldwork\.cutoffs\.interim",
     "expected an ISO date-time"),
    (_set("constructs/digital_readiness/min_valid", 0), r"constructs\.digital_readiness\.min_valid",
     "expected a share in (0, 1]"),
    (_set("cleaning/duplicates/key", ["e_mail"]), r"cleaning\.duplicates\.key",
     "unknown item 'e_mail'"),
]  # fmt: skip


@pytest.mark.parametrize(("edit", "entry", "message"), WRONG_TYPES)
def test_codebook_values_of_the_wrong_type_are_one_line(tmp_path, edit, entry, message):
    doc = copy.deepcopy(CODEBOOK)
    edit(doc)
    path = tmp_path / "my codebook.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CodebookError) as info:
        load_codebook(path)
    text = one_line(info.value, "my codebook.yaml, entry ")
    assert re.match(r"my codebook\.yaml, entry (items\[\d+\] )?" + entry + ": ", text), text
    assert message in text


@pytest.mark.parametrize(("edit", "entry", "message"), WRONG_TYPES[:8])
def test_the_cli_exits_2_with_one_line_for_a_broken_codebook(
    tmp_path, capsys, edit, entry, message
):
    doc = copy.deepcopy(CODEBOOK)
    edit(doc)
    path = tmp_path / "codebook.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    assert main(["validate", str(DEFAULT_EXPORT), "--codebook", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert re.match(r"cmmc-analysis validate: error: codebook\.yaml, entry " + entry, err), err


# --- seven (and more) kinds of broken claims file -----------------------------------------


BROKEN_CLAIMS = [
    ("- just\n- a list\n", r"entry \(top\): expected a mapping with a `claims:` list"),
    ("claims: {S1: x}\n", r"entry claims: a claims file is a mapping with a `claims:` list"),
    ("claims: [S1]\n", r"entry claims\[0\]: each claim is a mapping with an `id`"),
    ("claims:\n- {id: [S1]}\n", r"entry claims\[0\]: each claim is a mapping with an `id`"),
    ("defaults: [holm]\nclaims: []\n", r"entry defaults: expected a mapping, found \['holm'\]"),
    ("defaults: {alpha: '5%'}\nclaims: []\n", r"entry defaults\.alpha: expected a number in"),
    ("defaults: {min_n: 0}\nclaims: []\n", r"entry defaults\.min_n: expected a positive integer"),
]
CLAIM_EDITS = [
    ("item", ["org_models"], r"claims\[0\] \(S1\)\.item: expected an item id"),
    ("statement", "Circa due terzi", r"\(S1\)\.statement: expected a mapping language -> text"),
    ("statistic", "top2", r"\(S1\)\.statistic: expected a mapping, found 'top2'"),
    ("statistic", {"type": "share", "levels": {"a": 1}}, r"\(S1\)\.statistic\.levels: expected"),
    ("comparison", {"type": "about", "value": [0.6], "tolerance": 0.1},
     r"\(S1\)\.comparison\.value: expected a number or 'neutral'"),
    ("comparison", {"type": "about", "value": 0.6, "tolerance": float("nan")},
     r"\(S1\)\.comparison\.tolerance: expected a number"),
    ("where", ["remote_adopted"], r"\(S1\)\.where: expected a mapping item -> list of labels"),
    ("where", {"remote_adopted": "Sì"}, r"\(S1\)\.where: expected a mapping item -> list"),
    ("cuts", "final", r"\(S1\)\.cuts: expected a list of cut names"),
    ("cuts", ["interim", "weekly"], r"\(S1\)\.cuts: unknown cut 'weekly'"),
    ("statistic", {"type": "quantile"}, r"\(S1\)\.statistic\.q: expected a quantile in"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "message"), BROKEN_CLAIMS)
def test_broken_claims_files_are_one_line(tmp_path, text, message):
    path = tmp_path / "my-claims.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ClaimsError) as info:
        load_claims(path, codebook=CB)
    assert re.match(r"my-claims\.yaml, " + message, one_line(info.value, "my-claims.yaml"))


@pytest.mark.parametrize(("key", "value", "message"), CLAIM_EDITS)
def test_claims_with_values_of_the_wrong_type_are_one_line(tmp_path, key, value, message):
    doc = copy.deepcopy(CLAIMS)
    doc["claims"][0][key] = value
    path = tmp_path / "claims.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ClaimsError) as info:
        load_claims(path, codebook=CB)
    assert re.match(
        r"claims\.yaml, entry (claims\[0\] )?" + message, one_line(info.value, "claims.yaml")
    )


def test_margins_and_model_errors_name_the_file_given(tmp_path):
    path = tmp_path / "pop.yaml"
    path.write_text("margins:\n  size: {'Meno di 50': '45%'}\n", encoding="utf-8")
    with pytest.raises(SurveyDataError) as info:
        load_margins(path, CB)
    assert (
        str(info.value)
        == "pop.yaml, entry margins.size.Meno di 50: share '45%' is not a number in [0, 1]"
    )
    path = tmp_path / "my_model.yaml"
    path.write_text("n_rows: 250\nmess: {rows: {speeder: -3}}\n", encoding="utf-8")
    with pytest.raises(SurveyDataError) as info:
        load_model(path)
    assert str(info.value) == (
        "my_model.yaml, entry mess.rows.speeder: expected a count (an integer >= 0), found -3"
    )
    from cmmc_analysis.synth import simulate

    path.write_text("choices: {size: {Enorme: 1.0}}\n", encoding="utf-8")
    with pytest.raises(
        SurveyDataError, match=r"^my_model\.yaml, entry choices\.size: unknown label"
    ):
        simulate(model=path, codebook=CB)


# --- property-based fuzzing ---------------------------------------------------------------

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(["", "Sì", "neutral", "top2", "scale", "agree5", "org_models", "S1", "en"])
    | st.dates()
    | st.datetimes(timezones=st.none() | st.just(dt.UTC))
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=8) | st.integers(-3, 3), inner, max_size=4)
    ),
    max_leaves=12,
)


def _mutate(doc, data) -> object:
    """Replace, delete, wrap or add one entry somewhere in ``doc``; return the new doc."""
    if not isinstance(doc, dict | list) or data.draw(st.integers(0, 12), label="top") == 0:
        return data.draw(VALUES, label="whole")
    node = doc
    while True:
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        if not keys:
            return doc
        key = data.draw(st.sampled_from(keys), label="key")
        child = node[key]
        if isinstance(child, dict | list) and child and data.draw(st.booleans(), label="down"):
            node = child
            continue
        action = data.draw(st.sampled_from(["replace", "delete", "wrap", "add"]), label="action")
        if action == "replace":
            node[key] = data.draw(VALUES, label="value")
        elif action == "delete":
            del node[key]
        elif action == "wrap":
            node[key] = [child] if data.draw(st.booleans()) else {"x": child}
        elif isinstance(node, dict):
            node[data.draw(st.text(max_size=8), label="new key")] = data.draw(VALUES)
        else:
            node.append(data.draw(VALUES, label="new value"))
        return doc


FUZZ = settings(
    max_examples=120,
    deadline=None,  # the explicit BOUND below: CI machines are shared and slow
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@FUZZ
@given(data=st.data())
def test_fuzzed_codebooks_give_one_line_or_a_codebook(data):
    doc = copy.deepcopy(CODEBOOK)
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        doc = _mutate(doc, data)
    start = time.perf_counter()
    try:
        parse_codebook(doc, path="fuzz.yaml")
    except CodebookError as err:
        one_line(err, "fuzz.yaml")
    assert time.perf_counter() - start < BOUND


@FUZZ
@given(data=st.data())
def test_fuzzed_claims_give_one_line_or_claims(data):
    doc = copy.deepcopy(CLAIMS)
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        doc = _mutate(doc, data)
    try:
        parse_claims(doc, codebook=CB, path="fuzz.yaml")
    except ClaimsError as err:
        one_line(err, "fuzz.yaml")


YAML_NOISE = st.text(alphabet="&*!|>[]{},:-?#%@`'\"\t\n x1", min_size=1, max_size=12)


@settings(FUZZ, max_examples=80)
@given(
    which=st.sampled_from(["codebook", "claims"]),
    edits=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 20), YAML_NOISE), max_size=3),
    bomb=st.integers(0, 9),
)
def test_fuzzed_yaml_text_gives_one_line(tmp_path_factory, which, edits, bomb):
    text = CODEBOOK_TEXT if which == "codebook" else CLAIMS_TEXT
    for where, cut, noise in edits:  # overwrite a span of the file with YAML punctuation
        at = int(where * len(text))
        text = text[:at] + noise + text[at + cut :]
    if bomb:
        text += "\n" + _bomb(bomb).replace("a", "zz")
    path = tmp_path_factory.mktemp("fuzz") / "fuzz.yaml"
    path.write_text(text, encoding="utf-8")
    start = time.perf_counter()
    try:
        if which == "codebook":
            load_codebook(path)
        else:
            load_claims(path, codebook=CB)
    except (CodebookError, ClaimsError) as err:
        one_line(err, "fuzz.yaml")
    assert time.perf_counter() - start < BOUND


# --- the docs show the schema --------------------------------------------------------------


@pytest.mark.parametrize("doc", ["codebook", "claims"])
def test_the_docs_field_tables_are_generated_from_the_models(doc):
    from cmmc_analysis.paths import PROJECT_ROOT
    from cmmc_analysis.schema.reference import generated_part, render

    text = (PROJECT_ROOT / "docs" / f"{doc}.md").read_text(encoding="utf-8")
    expected = f"<!-- schema:{doc} -->\n{render(doc)}\n<!-- /schema:{doc} -->"
    assert generated_part(text, doc) == expected, (
        "run `python -m cmmc_analysis.schema.reference` to update the docs"
    )
    assert "| `items` | a list of mappings (below) | required |" in render("codebook")


def test_report_refuses_a_broken_claims_file_before_any_notebook_runs(tmp_path, capsys):
    bad = tmp_path / "claims.yaml"
    bad.write_text("claims:\n  - {id: S1, item: [org_models]}\n", encoding="utf-8")
    start = time.perf_counter()
    assert main(["report", "--claims", str(bad), "--out", str(tmp_path / "out")]) == 2
    assert time.perf_counter() - start < 60  # no notebook was executed
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("cmmc-analysis report: error: claims.yaml, entry claims[0] (S1)")
    assert "Traceback" not in "".join(err)
    assert not (tmp_path / "out" / "index.html").exists()
