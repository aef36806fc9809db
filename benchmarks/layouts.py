"""Export layouts for the benchmarks: several kinds of column, so no fast path is tuned to one.

Each layout is a function ``(n, seed) -> (codebook dict, DataFrame of text, csv options)``;
:func:`write_layout` writes the export and its codebook once under ``benchmarks/cache``.
Every layout is generated with numpy (no Python loop over rows).

| layout | what it holds |
|---|---|
| ``likert20_it`` | numeric respondent id, ISO timestamp, segment, 20 five-point Italian items (3 % "Non so", 2 % blank) |
| ``csat_us`` | US timestamps (``%m/%d/%Y %I:%M:%S %p``), duration, e-mail key, NPS 0-10, a 7-point grid of 12 with "Not applicable", a 5-point grid of 8, multiple choice, two segments, a free-text comment |
| ``likert60_7pt`` | semicolon-delimited, day-first timestamps, 60 seven-point items, two numeric answers with a decimal comma |
| ``likert20_plain`` | the historical benchmark: a segment and 20 five-point Italian items |
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

AGREE5_IT = ["Per nulla d'accordo", "Poco d'accordo", "Né d'accordo né in disaccordo",
             "Abbastanza d'accordo", "Molto d'accordo"]  # fmt: skip
AGREE7_EN = ["Strongly disagree", "Disagree", "Somewhat disagree", "Neither agree nor disagree",
             "Somewhat agree", "Agree", "Strongly agree"]  # fmt: skip
SAT5_EN = ["Very dissatisfied", "Dissatisfied", "Neutral", "Satisfied", "Very satisfied"]
AREAS = ["Nord-Ovest", "Nord-Est", "Centro", "Sud e Isole"]
CHANNELS = ["Phone", "Chat", "Email", "Social"]
PLANS = ["Basic", "Plus", "Premium"]
REASONS = ["Billing", "Technical issue", "Delivery", "Account", "Other"]
WORDS = np.array(["good", "bad", "slow", "fast", "agent", "helpful", "rude", "quick", "waited", "long", "answer", "problem", "solved", "thanks", "never", "again", "great", "service", "call"])  # fmt: skip


def _pick(rng, labels: list[str], n: int, *, na: str | None = None, na_rate=0.0, blank=0.0):
    """Labels drawn by index (vectorised), with not-an-answer and blanks."""
    values = np.array([*labels, na or "", ""], dtype=object)
    codes = rng.integers(0, len(labels), n)
    u = rng.random(n)
    codes = np.where(u < na_rate, len(labels), np.where(u >= 1 - blank, len(labels) + 1, codes))
    return pd.array(values[codes], dtype="str")


def _scale_items(rng, n, k: int, labels, *, na=None, na_rate=0.03, blank=0.02, count=20):
    trait = rng.standard_normal(n)
    cuts = np.linspace(-1.5, 1.5, k - 1)
    out = {}
    values = np.array([*labels, na or "", ""], dtype=object)
    for j in range(count):
        latent = 0.6 * trait + 0.8 * rng.standard_normal(n) + (j % 5 - 2) * 0.1
        codes = np.searchsorted(cuts, latent)
        u = rng.random(n)
        codes = np.where(u < na_rate, k, np.where(u >= 1 - blank, k + 1, codes))
        out[j] = pd.array(values[codes], dtype="str")
    return out


def _stamps(rng, n, start: str, fmt: str):
    base = np.datetime64(start, "s") + rng.integers(0, 60 * 86400, n).astype("timedelta64[s]")
    return pd.Series(base).dt.strftime(fmt).astype("str").array


def likert20_it(n: int, seed: int = 0, start: int = 0):
    rng = np.random.default_rng(seed)
    items = [f"q{j:02d}" for j in range(1, 21)]
    cb = {
        "survey": {"id": "likert20_it", "source_language": "it", "languages": ["it"]},
        "scales": {"agree5": {"points": AGREE5_IT, "not_an_answer": ["Non so"]}},
        "items": [
            {
                "id": "resp_id",
                "type": "text",
                "pii": True,
                "role": "respondent_key",
                "text": "ID rispondente",
            },
            {"id": "inviato", "type": "datetime", "role": "submitted_at", "text": "Data invio"},
            {"id": "area", "type": "single", "segment": True, "options": AREAS, "text": "Area"},
            *[
                {"id": q, "type": "scale", "scale": "agree5", "text": f"Affermazione {q[1:]}"}
                for q in items
            ],
        ],  # fmt: skip
        "constructs": {"totale": {"items": items}},
    }
    scale = _scale_items(rng, n, 5, AGREE5_IT, na="Non so")
    df = pd.DataFrame(
        {"ID rispondente": pd.array((rng.permutation(n) + 10_000_000 + start).astype(str),
                                    dtype="str"),
         "Data invio": _stamps(rng, n, "2025-01-10T08:00", "%Y-%m-%d %H:%M:%S"),
         "Area": _pick(rng, AREAS, n, blank=0.01)}
        | {f"Affermazione {q[1:]}": scale[j] for j, q in enumerate(items)}
    )  # fmt: skip
    return cb, df, {"sep": ","}


def csat_us(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    grid7 = [f"a{j:02d}" for j in range(1, 13)]
    grid5 = [f"s{j}" for j in range(1, 9)]
    cb = {
        "survey": {"id": "csat_us", "source_language": "en", "languages": ["en"]},
        "scales": {
            "agree7": {"points": AGREE7_EN, "not_an_answer": ["Not applicable"]},
            "sat5": {"points": SAT5_EN},
        },
        "grids": {
            "agree": {"text": "Agreement", "scale": "agree7"},
            "sat": {"text": "Satisfaction", "scale": "sat5"},
        },
        "items": [
            {"id": "submitted", "type": "datetime", "role": "submitted_at", "text": "Submitted"},
            {
                "id": "duration",
                "type": "numeric",
                "role": "duration",
                "min": 0,
                "text": "Duration (s)",
            },
            {"id": "email", "type": "text", "pii": True, "role": "respondent_key", "text": "Email"},
            {
                "id": "channel",
                "type": "single",
                "segment": True,
                "options": CHANNELS,
                "text": "Channel",
            },
            {"id": "plan", "type": "single", "segment": True, "options": PLANS, "text": "Plan"},
            {
                "id": "nps",
                "type": "numeric",
                "min": 0,
                "max": 10,
                "text": "How likely are you to recommend us?",
            },
            *[
                {"id": a, "type": "scale", "grid": "agree", "text": f"Statement {a[1:]}"}
                for a in grid7
            ],
            *[{"id": s, "type": "scale", "grid": "sat", "text": f"Aspect {s[1:]}"} for s in grid5],
            {
                "id": "reasons",
                "type": "multi",
                "separator": "; ",
                "required": False,
                "text": "Why did you contact us?",
                "options": [{"code": f"r{j}", "en": r} for j, r in enumerate(REASONS)],
            },
            {
                "id": "comment",
                "type": "text",
                "pii": True,
                "required": False,
                "text": "Anything else?",
            },
        ],  # fmt: skip
        "constructs": {"agreement": {"items": grid7}, "satisfaction": {"items": grid5}},
        "cleaning": {"test_submissions": {"markers": ["test"], "fields": ["email"]}},
    }
    a = _scale_items(rng, n, 7, AGREE7_EN, na="Not applicable", na_rate=0.04, count=12)
    s = _scale_items(rng, n, 5, SAT5_EN, na_rate=0.0, blank=0.03, count=8)
    users = rng.integers(0, 10 * n, n)
    combos = np.array(["; ".join(REASONS[i] for i in range(5) if m >> i & 1) for m in range(32)],
                      dtype=object)  # fmt: skip
    words = WORDS[rng.integers(0, len(WORDS), (n, 4))]
    comment = np.where(rng.random(n) < 0.7, "", pd.Series(list(map(" ".join, words))).to_numpy())
    df = pd.DataFrame(
        {"Submitted": _stamps(rng, n, "2025-03-01T08:00", "%m/%d/%Y %I:%M:%S %p"),
         "Duration (s)": pd.array(rng.gamma(4, 60, n).round().astype(int).astype(str), dtype="str"),
         "Email": pd.array(np.char.add(np.char.add("user", users.astype(str)), "@example.com"),
                           dtype="str"),
         "Channel": _pick(rng, CHANNELS, n), "Plan": _pick(rng, PLANS, n, blank=0.02),
         "How likely are you to recommend us?": _pick(rng, [str(i) for i in range(11)], n,
                                                      blank=0.02)}
        | {f"Agreement [Statement {x[1:]}]": a[j] for j, x in enumerate(grid7)}
        | {f"Satisfaction [Aspect {x[1:]}]": s[j] for j, x in enumerate(grid5)}
        | {"Why did you contact us?": pd.array(combos[rng.integers(0, 32, n)], dtype="str"),
           "Anything else?": pd.array(comment, dtype="str")}
    )  # fmt: skip
    return cb, df, {"sep": ","}


def likert60_7pt(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    items = [f"i{j:02d}" for j in range(1, 61)]
    labels = [f"{j} - {t}" for j, t in enumerate(["Per niente", "Poco", "Abbastanza poco",
              "Né poco né molto", "Abbastanza", "Molto", "Moltissimo"], 1)]  # fmt: skip
    cb = {
        "survey": {"id": "likert60", "source_language": "it", "languages": ["it"]},
        "scales": {"s7": {"points": labels, "not_an_answer": ["Non so"]}},
        "items": [
            {"id": "quando", "type": "datetime", "role": "submitted_at", "text": "Quando"},
            {"id": "eta", "type": "numeric", "min": 14, "max": 99, "text": "Età"},
            {"id": "spesa", "type": "numeric", "min": 0, "text": "Spesa mensile (euro)"},
            {"id": "area", "type": "single", "segment": True, "options": AREAS, "text": "Area"},
            *[{"id": q, "type": "scale", "scale": "s7", "text": f"Domanda {q[1:]}"} for q in items],
        ],  # fmt: skip
        "constructs": {"tutto": {"items": items}},
    }
    scale = _scale_items(rng, n, 7, labels, na="Non so", count=60)
    spesa = np.char.replace((rng.gamma(3, 20, n).round(2)).astype(str), ".", ",")
    df = pd.DataFrame(
        {"Quando": _stamps(rng, n, "2025-05-01T08:00", "%d/%m/%Y %H:%M"),
         "Età": pd.array(rng.integers(18, 80, n).astype(str), dtype="str"),
         "Spesa mensile (euro)": pd.array(spesa, dtype="str"),
         "Area": _pick(rng, AREAS, n)}
        | {f"Domanda {q[1:]}": scale[j] for j, q in enumerate(items)}
    )  # fmt: skip
    return cb, df, {"sep": ";"}


def likert20_plain(n: int, seed: int = 0):
    from likert import likert_codebook_dict, simulate_likert

    return likert_codebook_dict(20), simulate_likert(n, n_items=20, seed=seed), {"sep": ","}


LAYOUTS = {f.__name__: f for f in (likert20_it, csat_us, likert60_7pt, likert20_plain)}


def write_layout(name: str, n: int, folder: Path, seed: int = 0) -> tuple[Path, Path]:
    """Write (once) the export and codebook of a layout; return their paths.

    Large exports are drawn and written a million rows at a time (Arrow's CSV writer).
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    folder.mkdir(parents=True, exist_ok=True)
    csv_path, cb_path = folder / f"{name}_{n}.csv", folder / f"{name}.yaml"
    if csv_path.exists() and cb_path.exists():
        return csv_path, cb_path
    step = 1_000_000
    tmp = csv_path.with_suffix(".tmp")
    with open(tmp, "wb") as fh:
        for j, start in enumerate(range(0, n, step)):
            size = min(step, n - start)
            extra = {"start": start} if name == "likert20_it" else {}
            cb, df, options = LAYOUTS[name](size, seed + j, **extra)
            table = pa.Table.from_pandas(df, preserve_index=False)
            pacsv.write_csv(table, fh, pacsv.WriteOptions(
                include_header=j == 0, delimiter=options["sep"], quoting_style="none"))  # fmt: skip
    cb_path.write_text(yaml.safe_dump(cb, allow_unicode=True, sort_keys=False))
    tmp.replace(csv_path)
    return csv_path, cb_path


def describe() -> dict[str, Any]:
    return {name: (f.__doc__ or "").strip() for name, f in LAYOUTS.items()}


# --- the pipelines compared ----------------------------------------------------------------


def ours(path: Path, cb: Any, *, engine: str | None = None, scheduler: Any = None) -> dict:
    """The library's pipeline: load_survey + likert_summary + reliability_table(pairwise)
    + vs_neutral of every scale item."""
    from cmmc_analysis.clean import load_survey
    from cmmc_analysis.describe.likert import likert_summary
    from cmmc_analysis.reliability import reliability_table
    from cmmc_analysis.significance import vs_neutral

    survey = load_survey(path, codebook=cb, engine=engine, scheduler=scheduler)
    return {
        "summary": likert_summary(survey),
        "reliability": reliability_table(survey, missing="pairwise"),
        "vs_neutral": vs_neutral(survey),
        "n": len(survey),
    }


def ours_totals(path: Path, cb: Any, *, engine: str = "pandas", scheduler: Any = None,
                chunksize: int = 100_000) -> dict:  # fmt: skip
    """The pipeline for exports larger than memory: summaries and alpha from exact sums."""
    from cmmc_analysis.engine import chunked_alpha, chunked_summary, scan_export

    construct = next(iter(cb.constructs), None)
    totals = scan_export(path, cb, construct=construct, chunksize=chunksize, engine=engine,
                         scheduler=scheduler)  # fmt: skip
    return {
        "summary": chunked_summary(None, cb, totals=totals),
        "alpha": chunked_alpha(None, cb, missing="pairwise", totals=totals),
        "n_rows": totals.n_rows,
    }


def naive(path: Path, cb_doc: dict, sep: str) -> dict:
    """What a researcher writes by hand: read_csv + replace(mapping) + per-item n/mean/top-2
    + pingouin alpha (pairwise) + a scipy Wilcoxon loop."""
    from scipy import stats

    df = pd.read_csv(path, sep=sep)
    scales = cb_doc["scales"]
    grids = cb_doc.get("grids", {})
    header = {it["id"]: it["text"] for it in cb_doc["items"]}
    items = {}
    for it in cb_doc["items"]:
        if it["type"] != "scale":
            continue
        name = it.get("scale") or grids[it["grid"]]["scale"]
        text = it["text"] if "grid" not in it else f"{grids[it['grid']]['text']} [{it['text']}]"
        items[it["id"]] = (text, scales[name])
    out = {}
    columns = {}
    for iid, (text, scale) in items.items():
        mapping = {lab: float(j + 1) for j, lab in enumerate(scale["points"])}
        mapping |= {lab: np.nan for lab in scale.get("not_an_answer", [])}
        x = df[text].replace(mapping).astype(float)
        k = len(scale["points"])
        columns[iid] = x
        out[iid] = (x.count(), x.mean(), (x >= k - 1).sum() / x.count())
    codes = pd.DataFrame(columns)
    constructs = cb_doc.get("constructs") or {}
    alphas = {}
    try:
        import pingouin as pg

        for name, c in constructs.items():
            alphas[name] = pg.cronbach_alpha(codes[c["items"]], nan_policy="pairwise")[0]
    except ImportError:  # pragma: no cover - the bench extra installs pingouin
        pass
    tests = {}
    for iid, (_, scale) in items.items():
        mid = (len(scale["points"]) + 1) / 2
        x = codes[iid].dropna().to_numpy() - mid
        tests[iid] = stats.wilcoxon(x).pvalue
    del header
    return {"summary": out, "alpha": alphas, "tests": tests}
