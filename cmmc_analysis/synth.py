"""Simulated survey exports: a calibrated latent-variable model plus planted mess.

The bundled export ``data/raw/remote_working_2020.csv`` is simulated, because the
club's microdata are not public. :func:`simulate` reads a codebook and a model file
(``data/synth_model.yaml``), draws respondents from an ordinal latent-variable model
(correlated normal traits, item latents with loadings and segment effects, thresholds
to scale points), writes them the way a form tool exports them, and plants the mess
that real exports carry, each kind a known number of times. It returns the export,
the clean draw (``truth``) and the list of planted defects (``planted``), which the
cleaning tests use as ground truth. Everything specific to a survey lives in the two
YAML files; see ``docs/simulation.md``.

Length: over 500 lines. One calibrated model: drawing the respondents and planting the
mess share the model's state and the planted-row list, and are kept together so the
bundled export can be reproduced from one file; the benchmark generators live in
benchmarks/.

Examples
--------
>>> sim = simulate(seed=2020)
>>> len(sim.export), len(sim.truth)
(250, 250)
>>> int((sim.planted["kind"] == "straightliner").sum())
3
>>> sim.export.columns[0]
'Informazioni cronologiche'

The large tables of the benchmarks are drawn by ``benchmarks/likert.py`` and
``benchmarks/layouts.py``.
"""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtr

from .codebook import Codebook, load_codebook
from .errors import SurveyDataError
from .paths import DATA_DIR
from .schema.simulator import validate_model
from .schema.yamlfile import read_yaml

__all__ = [
    "DEFAULT_MODEL",
    "ROW_KINDS",
    "PLANTED_COLUMNS",
    "Simulation",
    "load_model",
    "simulate",
    "write_export",
    "planted_path",
]

#: The model file behind the bundled export.
DEFAULT_MODEL = DATA_DIR / "synth_model.yaml"

#: Whole-row kinds of planted mess -> the cleaning rule that must exclude the row.
ROW_KINDS: dict[str, str] = {
    "duplicate": "duplicates",
    "test_submission": "test_submissions",
    "before_fieldwork": "outside_fieldwork",
    "blank_row": "empty",
    "straightliner": "straightliners",
    "speeder": "speeders",
}

#: Columns of :attr:`Simulation.planted`.
PLANTED_COLUMNS = ["source_row", "column", "kind", "expected_rule", "expected_value"]

_NUMBER_KINDS = (
    "number_percent",
    "number_fraction",
    "number_approx",
    "number_all",
    "number_not_an_answer",
    "number_out_of_range",
)
_TEXT_KINDS = ("comment_email", "comment_phone", "comment_markup")


@dataclass(frozen=True)
class Simulation:
    """A simulated export with its clean draw and the list of planted mess.

    Attributes
    ----------
    export
        The export exactly as written to CSV: one column per codebook item, named by
        its header (``Codebook.header``), every value a ``str`` (``""`` when empty).
    truth
        The clean draw, one row per export row in the same order: ``source_row``
        (header = row 1, first record = row 2) and one column per item id holding the
        canonical label (not-an-answer labels such as "Non so" included), the number,
        the timestamp, the joined multiple-choice answer or the text; missing where
        blank. Where a value was planted, it holds what correct cleaning yields.
    planted
        One row per planted defect: ``source_row``, ``column`` (item id; empty for
        whole-row kinds), ``kind``, ``expected_rule`` (the cleaning rule that must
        act), ``expected_value`` (the cleaned value as text; empty for exclusions and
        for values that must become missing).
    seed
        The seed of the draw.
    codebook
        The codebook the export follows.
    """

    export: pd.DataFrame
    truth: pd.DataFrame
    planted: pd.DataFrame
    seed: int
    codebook: Codebook

    @property
    def kept_truth(self) -> pd.DataFrame:
        """The rows of ``truth`` that correct cleaning keeps (no whole-row kind)."""
        excluded = self.planted.loc[self.planted["kind"].isin(list(ROW_KINDS)), "source_row"]
        return self.truth[~self.truth["source_row"].isin(excluded)]


# --- the model file ---------------------------------------------------------------


def load_model(path: str | Path | None = None) -> dict[str, Any]:
    """Read a simulation model file (YAML); default: the bundled ``synth_model.yaml``.

    Examples
    --------
    >>> load_model()["n_rows"]
    250
    """
    path = Path(path) if path is not None else DEFAULT_MODEL
    _, doc = read_yaml(path, SurveyDataError, "the model file")
    return validate_model(doc, path=path)


def _fail(entry: str, message: str) -> SurveyDataError:
    """An error in the model at ``entry``; :func:`simulate` names the model's file."""
    return SurveyDataError(message, entry=entry)


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


def _other_case(text: str, j: int) -> str:
    """The ``j``-th other capitalisation of ``text`` (upper, lower, swapped)."""
    options = [c for c in (text.upper(), text.lower(), text.swapcase()) if c != text] or [text]
    return options[j % len(options)]


def _fmt_number(value: float) -> str:
    """Write a number as a person would: no trailing '.0'."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _categorical(
    rng: np.random.Generator, labels: list[str], probs: np.ndarray, n: int
) -> np.ndarray:
    cum = np.cumsum(probs / probs.sum())
    idx = np.minimum(np.searchsorted(cum, rng.random(n), side="right"), len(labels) - 1)
    return np.asarray(labels, dtype=object)[idx]


# --- the clean draw -----------------------------------------------------------------


def _draw_choices(cb: Codebook, model: Mapping, rng, n: int) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    spec_all = model.get("choices") or {}
    for iid in cb.items_of_type("single"):
        item = cb.items[iid]
        labels = item.option_labels(None, cb.source_language) + [
            lab.text(cb.source_language) for lab in item.not_an_answer
        ]
        spec = spec_all.get(iid) or {}
        unknown = [k for k in spec if k not in labels]
        if unknown:
            raise _fail(f"choices.{iid}", f"unknown label {unknown[0]!r}; labels: {labels}")
        if spec:
            probs = np.array([float(spec.get(lab, 0.0)) for lab in labels])
        else:
            probs = np.array([1.0] * len(item.options) + [0.0] * len(item.not_an_answer))
        out[iid] = _categorical(rng, labels, probs, n)
    return out


def _traits(model: Mapping, rng, n: int) -> dict[str, np.ndarray]:
    spec = model.get("traits") or {}
    names = list(spec.get("names") or [])
    if not names:
        return {}
    corr = np.asarray(spec.get("correlation", np.eye(len(names))), dtype=float)
    try:
        chol = np.linalg.cholesky(corr)
    except np.linalg.LinAlgError as err:
        raise _fail("traits.correlation", "the matrix is not positive definite") from err
    z = rng.standard_normal((n, len(names))) @ chol.T
    return {name: z[:, j] for j, name in enumerate(names)}


def _shifts(iid: str, model: Mapping, draws: Mapping[str, np.ndarray], n: int) -> np.ndarray:
    total = np.zeros(n)
    for k, eff in enumerate(model.get("effects") or []):
        if eff.get("item") != iid:
            continue
        by = eff.get("by")
        if by not in draws:
            raise _fail(f"effects[{k}].by", f"{by!r} is not a single-choice item of the codebook")
        shift = pd.Series(draws[by]).map(eff.get("shift") or {})
        total += shift.fillna(0.0).to_numpy(dtype=float)
    return total


def _latent(spec: Mapping, traits: Mapping, rng, n: int, entry: str) -> np.ndarray:
    loading = float(spec.get("loading", 0.0))
    trait = spec.get("trait")
    if trait is not None and trait not in traits:
        raise _fail(f"{entry}.trait", f"unknown trait {trait!r}; traits: {list(traits)}")
    if abs(loading) >= 1:
        raise _fail(f"{entry}.loading", f"expected a loading in (-1, 1), found {loading}")
    base = traits[trait] if trait is not None else np.zeros(n)
    return loading * base + np.sqrt(1 - loading**2) * rng.standard_normal(n)


def _draw_scales(cb, model, rng, n, traits, draws) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per scale item: codes (1..k, 0 blank, -1 not-an-answer) and the codes before gaps."""
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for iid in cb.scale_items:
        scale = cb.scale_of(iid)
        spec = (model.get("scale_items") or {}).get(iid) or {}
        entry = f"scale_items.{iid}"
        thr = spec.get("thresholds") or ((model.get("scales") or {}).get(scale.id) or {}).get(
            "thresholds"
        )
        thr = np.asarray(thr if thr is not None else np.arange(scale.k - 1) - (scale.k - 2) / 2)
        if len(thr) != scale.k - 1 or np.any(np.diff(thr) <= 0):
            raise _fail(entry, f"expected {scale.k - 1} increasing thresholds, found {list(thr)}")
        latent = _latent(spec, traits, rng, n, entry) + float(spec.get("location", 0.0))
        latent += _shifts(iid, model, draws, n)
        full = 1 + (latent[:, None] > thr[None, :]).sum(axis=1)
        u = rng.random((2, n))
        na = (u[0] < float(spec.get("na_rate", 0.0))) & bool(scale.not_an_answer)
        codes = np.where(na, -1, np.where(u[1] < float(spec.get("blank_rate", 0.0)), 0, full))
        out[iid] = (codes, full)
    return out


def _no_straightlines(cb: Codebook, scales: dict, rng) -> dict[str, np.ndarray]:
    """Break honest straight lines: in each long grid, answered points are never all equal."""
    codes = {iid: c.copy() for iid, (c, _) in scales.items()}
    min_items = int(cb.cleaning["straightliners"]["min_items"])
    for gid in cb.grids:
        items = cb.grid_items(gid)
        if len(items) < min_items:
            continue
        mat = np.column_stack([codes[i] for i in items])
        full = np.column_stack([scales[i][1] for i in items])
        answered = mat > 0
        few = answered.sum(axis=1) < 2
        mat[few] = full[few]
        answered = mat > 0
        hi = np.where(answered, mat, -np.inf).max(axis=1)
        lo = np.where(answered, mat, np.inf).min(axis=1)
        flat = np.flatnonzero(hi == lo)
        order = np.argsort(~answered, axis=1, kind="stable")
        pick = (rng.random(flat.size) * answered[flat].sum(axis=1)).astype(int)
        col = order[flat, pick]
        k = cb.scales[cb.grids[gid].scale].k
        old = mat[flat, col]
        mat[flat, col] = np.where(old < k, old + 1, old - 1)
        for j, iid in enumerate(items):
            codes[iid] = mat[:, j]
    return codes


def _scale_labels(cb: Codebook, iid: str, codes: np.ndarray) -> np.ndarray:
    scale = cb.scale_of(iid)
    table = np.asarray([None, *scale.labels(), *(scale.na_labels()[:1] or [None])], dtype=object)
    return table[np.where(codes < 0, scale.k + 1, codes)]


def _draw_numeric(cb, model, rng, n, traits, draws) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for iid in cb.items_of_type("numeric"):
        item = cb.items[iid]
        if item.role is not None:
            continue
        spec = (model.get("numeric_items") or {}).get(iid) or {}
        entry = f"numeric_items.{iid}"
        lo = float(item.min if item.min is not None else 0.0)
        hi = float(item.max if item.max is not None else 100.0)
        z = _latent(spec, traits, rng, n, entry) * float(spec.get("scale", 1.0))
        z += float(spec.get("location", 0.0)) + _shifts(iid, model, draws, n)
        step = float(spec.get("round_to", 1.0))
        values = np.clip(np.round((lo + (hi - lo) * ndtr(z)) / step) * step, lo, hi)
        values[rng.random(n) < float(spec.get("blank_rate", 0.0))] = np.nan
        if item.asked_if is not None:
            asked = np.isin(draws[item.asked_if["item"]], list(item.asked_if["in"]))
            values[~asked] = np.nan
        out[iid] = values
    return out


def _draw_multi(cb, model, rng, n) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for iid in cb.items_of_type("multi"):
        item = cb.items[iid]
        spec = (model.get("multi_items") or {}).get(iid) or {}
        probs = np.array([float(spec.get(o.code, 0.3)) for o in item.options])
        ticks = rng.random((n, len(probs))) < probs
        joined = np.full(n, "", dtype=object)
        for j, label in enumerate(item.option_labels(None, cb.source_language)):
            joined = np.where(
                ticks[:, j], np.where(joined == "", label, joined + item.separator + label), joined
            )
        out[iid] = np.where(joined == "", None, joined)
    return out


def _draw_text(cb, model, rng, n, skip: set[str]) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for iid in cb.items_of_type("text"):
        if iid in skip:
            continue
        spec = (model.get("text_items") or {}).get(iid) or {}
        phrases = list(spec.get("phrases") or [])
        fill = rng.random(n) < float(spec.get("fill_rate", 0.0))
        if not phrases:
            out[iid] = np.full(n, None, dtype=object)
            continue
        pick = np.asarray(phrases, dtype=object)[rng.integers(0, len(phrases), n)]
        out[iid] = np.where(fill, pick, None)
    return out


def _slug(values: pd.Series) -> pd.Series:
    return values.map(_strip_accents).str.lower().str.replace(r"[^a-z0-9]", "", regex=True)


def _draw_contacts(model: Mapping, rng, n: int) -> dict[str, Any]:
    """Fictional people: first/last names, companies, unique e-mail addresses."""
    spec = model.get("contacts") or {}
    if not spec:
        return {}

    def pick(key: str) -> pd.Series:
        pool = list(spec.get(key) or [])
        if not pool:
            raise _fail(f"contacts.{key}", "expected a non-empty list")
        return pd.Series(np.asarray(pool, dtype=object)[rng.integers(0, len(pool), n)], dtype=str)

    first, last = pick("first_names"), pick("last_names")
    word, kind, form = pick("company_words"), pick("company_kinds"), pick("company_form")
    domain = _slug(word + kind) + str(spec.get("email_domain_suffix", ".it"))
    local = _slug(first) + "." + _slug(last)
    seen = (local + "@" + domain).groupby(local + "@" + domain, sort=False).cumcount()
    local = local.where(seen == 0, local + (seen + 1).astype(str))
    values = {
        "email": local + "@" + domain,
        "name": first + " " + last,
        "company": word + " " + kind + " " + form,
    }
    out: dict[str, Any] = {"first": first, "last": last, "local": local, "domain": domain}
    out["items"] = {}
    for role, value in values.items():
        field = spec.get(role) or {}
        if "item" not in field:
            continue
        filled = rng.random(n) < float(field.get("fill_rate", 1.0))
        out["items"][field["item"]] = np.where(filled, value.to_numpy(dtype=object), None)
    return out


def _draw_times(cb: Codebook, model: Mapping, rng, n: int) -> pd.Series:
    spec = model.get("timing") or {}
    days = np.asarray(spec.get("day_weights") or [1.0], dtype=float)
    hours = np.asarray(spec.get("hour_weights") or np.ones(24), dtype=float)
    if hours.size != 24:
        raise _fail("timing.hour_weights", f"expected 24 weights, found {hours.size}")
    first = pd.Timestamp(spec.get("first_day") or cb.fieldwork_start or "2020-01-01").normalize()
    last = first + pd.Timedelta(days=days.size) - pd.Timedelta(seconds=1)
    if (cb.fieldwork_start is not None and first < cb.fieldwork_start) or (
        cb.fieldwork_end is not None and last > cb.fieldwork_end
    ):
        raise _fail("timing", f"days {first} to {last} fall outside the codebook's fieldwork")
    day = _categorical(rng, list(range(days.size)), days, n).astype(int)
    return first + _time_of_day(rng, hours, n) + pd.to_timedelta(day, unit="D")


def _time_of_day(rng, hours: np.ndarray, n: int) -> pd.TimedeltaIndex:
    hour = _categorical(rng, list(range(24)), hours, n).astype(int)
    seconds = hour * 3600 + rng.integers(0, 3600, n)
    return pd.to_timedelta(seconds, unit="s")


def _draw_durations(model: Mapping, rng, n: int) -> np.ndarray:
    spec = model.get("duration") or {}
    median = float(spec.get("median_s", 480))
    values = median * np.exp(float(spec.get("sigma_log", 0.35)) * rng.standard_normal(n))
    return np.round(np.maximum(values, float(spec.get("floor_share", 0.55)) * median))


def _draw(cb: Codebook, model: Mapping, rng, n: int) -> tuple[pd.DataFrame, dict]:
    """The clean draw of ``n`` respondents: item ids as columns, canonical values."""
    draws: dict[str, Any] = _draw_choices(cb, model, rng, n)
    traits = _traits(model, rng, n)
    scales = _draw_scales(cb, model, rng, n, traits, draws)
    codes = _no_straightlines(cb, scales, rng)
    for iid in cb.scale_items:
        draws[iid] = _scale_labels(cb, iid, codes[iid])
    draws.update(_draw_numeric(cb, model, rng, n, traits, draws))
    draws.update(_draw_multi(cb, model, rng, n))
    contacts = _draw_contacts(model, rng, n)
    draws.update(contacts.get("items", {}))
    draws.update(_draw_text(cb, model, rng, n, skip=set(draws)))
    when, dur = cb.role("submitted_at"), cb.role("duration")
    if when is not None:
        draws[when] = _draw_times(cb, model, rng, n)
    if dur is not None:
        draws[dur] = _draw_durations(model, rng, n)
    frame = pd.DataFrame({iid: draws.get(iid, np.full(n, None, dtype=object)) for iid in cb.items})
    people = {
        k: contacts[k].to_numpy(dtype=object)
        for k in ("first", "last", "local", "domain")
        if k in contacts
    }
    return frame, people


# --- planted whole rows -------------------------------------------------------------


def _contact_item(model: Mapping, role: str) -> str | None:
    return ((model.get("contacts") or {}).get(role) or {}).get("item")


def _plant_rows(cb, model, rng, frame: pd.DataFrame, people: dict, kinds: dict[str, int]):
    """Turn drawn rows into whole-row mess; return the frame and each row's kind."""
    n = len(frame)
    kind = np.full(n, "", dtype=object)
    order = rng.permutation(n)
    pos = 0
    for k, count in kinds.items():
        if k != "duplicate":
            kind[order[pos : pos + count]] = k
            pos += count
    mess = model.get("mess") or {}
    when, dur = cb.role("submitted_at"), cb.role("duration")
    for j, r in enumerate(np.flatnonzero(kind == "test_submission")):
        identities = mess.get("test_identities") or [{"email": "test@example.com"}]
        values = {k: people.get(k, [""] * n)[r] for k in ("first", "last", "local", "domain")}
        for role, template in identities[j % len(identities)].items():
            item = _contact_item(model, role)
            if item is None:
                raise _fail("mess.test_identities", f"contact field {role!r} has no `item`")
            frame.loc[r, item] = str(template).format(**values)
    rows = np.flatnonzero(kind == "before_fieldwork")
    if rows.size:
        if cb.fieldwork_start is None or when is None:
            raise _fail("mess.rows.before_fieldwork", "the codebook has no fieldwork start")
        lo, hi = (mess.get("before_fieldwork_days") or [1, 3])[:2]
        hours = np.asarray((model.get("timing") or {}).get("hour_weights") or np.ones(24), float)
        days = pd.to_timedelta(rng.integers(int(lo), int(hi) + 1, rows.size), unit="D")
        start = cb.fieldwork_start.normalize()
        frame.loc[rows, when] = start - days + _time_of_day(rng, hours, rows.size)
    rows = np.flatnonzero(kind == "blank_row")
    frame.loc[rows, [c for c in frame.columns if c != when]] = None
    rows = np.flatnonzero(kind == "straightliner")
    min_items = int(cb.cleaning["straightliners"]["min_items"])
    grids = [g for g in cb.grids if len(cb.grid_items(g)) >= min_items]
    if rows.size and not grids:
        raise _fail("mess.rows.straightliner", f"the codebook has no grid of {min_items}+ items")
    for j, r in enumerate(rows):
        grid = grids[j % len(grids)]
        labels = cb.scales[cb.grids[grid].scale].labels()
        frame.loc[r, cb.grid_items(grid)] = labels[int(rng.integers(0, len(labels)))]
    rows = np.flatnonzero(kind == "speeder")
    if rows.size and dur is not None:
        lo, hi = (mess.get("speeder_share") or [0.05, 0.15])[:2]
        median = float((model.get("duration") or {}).get("median_s", 480))
        frame.loc[rows, dur] = np.maximum(1.0, np.round(median * rng.uniform(lo, hi, rows.size)))
    return _plant_duplicates(cb, model, rng, frame, kind, kinds.get("duplicate", 0))


def _plant_duplicates(cb, model, rng, frame, kind, count: int):
    """Add earlier submissions of ``count`` honest respondents under the same e-mail."""
    if count == 0:
        return frame, kind
    key, when = _contact_item(model, "email"), cb.role("submitted_at")
    if key is None or when is None or cb.fieldwork_start is None:
        raise _fail("mess.rows.duplicate", "needs contacts.email.item, a timestamp and fieldwork")
    start = cb.fieldwork_start
    late = frame[when] >= start + pd.Timedelta(days=1)
    cand = np.flatnonzero((kind == "") & frame[key].notna().to_numpy() & late.to_numpy())
    if cand.size < count:
        raise _fail("mess.rows.duplicate", f"only {cand.size} rows can be duplicated")
    chosen = np.sort(rng.choice(cand, size=count, replace=False))
    copies = frame.loc[chosen].reset_index(drop=True)
    room = (copies[when] - start - pd.Timedelta(hours=1)).dt.total_seconds().to_numpy()
    gap = rng.uniform(7200, np.minimum(129600, room))
    copies[when] = copies[when] - pd.to_timedelta(np.round(gap), unit="s")
    emails = copies[key].astype(object).to_numpy()
    copies[key] = [e.upper() if j % 2 == 0 else f" {e}  " for j, e in enumerate(emails)]
    for j in range(count):  # a respondent who resubmits changes a couple of answers
        answered = [i for i in cb.scale_items if cb.scale_of(i).code_of(str(copies.at[j, i]))]
        for iid in rng.choice(answered, size=min(2, len(answered)), replace=False):
            labels = cb.scale_of(iid).labels()
            code = labels.index(copies.at[j, iid])
            copies.at[j, iid] = labels[code + 1 if code + 1 < len(labels) else code - 1]
    dur = cb.role("duration")
    if dur is not None:
        copies[dur] = _draw_durations(model, rng, count)
    frame = pd.concat([frame, copies], ignore_index=True)
    return frame, np.concatenate([kind, np.full(count, "duplicate", dtype=object)])


# --- planted values -----------------------------------------------------------------


class _Planter:
    """Collects value mess: overrides of export cells and the planted list."""

    def __init__(self, cb: Codebook, truth: pd.DataFrame, export: dict, kept: np.ndarray, rng):
        self.cb, self.truth, self.export, self.kept, self.rng = cb, truth, export, kept, rng
        self.used = {iid: np.zeros(len(truth), dtype=bool) for iid in cb.items}
        self.source_rows = truth["source_row"].to_numpy()
        self.labels_of = {
            iid: truth[iid].to_numpy(dtype=object, na_value=None)
            for iid in cb.items_of_type("scale", "single")
        }
        self.rows: list[dict[str, Any]] = []

    def pick(self, iid: str, mask: np.ndarray, count: int, kind: str) -> np.ndarray:
        cand = np.flatnonzero(mask & self.kept & ~self.used[iid])
        if cand.size < count:
            raise _fail(f"mess ({kind})", f"only {cand.size} cells of {iid!r} can take it")
        return np.sort(self.rng.choice(cand, size=count, replace=False))

    def put(self, r: int, iid: str, written: str, kind: str, rule: str, expected: str) -> None:
        self.used[iid][r] = True
        self.export[iid][r] = written
        source_row = int(self.source_rows[r])
        self.rows.append(
            dict(zip(PLANTED_COLUMNS, [source_row, iid, kind, rule, expected], strict=True))
        )

    def labels(self, spec: Mapping[str, int]) -> None:
        cb = self.cb
        variants = {
            "label_spaces": lambda s, j: [f" {s}", f"{s}  ", f"  {s} ", s.replace(" ", "  ", 1)][
                j % (4 if " " in s else 3)
            ],
            "label_case": lambda s, j: _other_case(s, j),
            "label_apostrophe": lambda s, j: s.replace("'", "\u2019"),
            "label_accent": lambda s, j: _strip_accents(s),
        }
        for kind, count in spec.items():
            if kind not in variants:
                raise _fail(
                    f"mess.labels.{kind}", f"unknown kind; expected one of {list(variants)}"
                )
            items = cb.items_of_type("scale", "single")
            rows, cols = [], []
            for k, iid in enumerate(items):
                ok = [lab for lab in cb.labels(iid) if variants[kind](lab, 0) != lab]
                mask = np.isin(self.labels_of[iid], ok)
                found = np.flatnonzero(mask & self.kept & ~self.used[iid])
                rows.append(found)
                cols.append(np.full(found.size, k))
            rows_all, cols_all = np.concatenate(rows), np.concatenate(cols)
            if rows_all.size < int(count):
                raise _fail(f"mess.labels.{kind}", f"only {rows_all.size} cells can take it")
            chosen = np.sort(self.rng.choice(rows_all.size, int(count), replace=False))
            for j, c in enumerate(chosen):
                r, iid = int(rows_all[c]), items[cols_all[c]]
                label = str(self.labels_of[iid][r])
                self.put(r, iid, variants[kind](label, j), kind, "labels", label)

    def numbers(self, spec: Mapping[str, Any]) -> None:
        iid = spec.get("item")
        item = self.cb.items.get(iid) if iid else None
        if item is None or item.type != "numeric" or item.max is None:
            raise _fail("mess.numbers.item", f"expected a numeric item with a max, found {iid!r}")
        words = {"approx": "circa", "all": "tutti", "not_an_answer": "n.d."}
        words.update(spec.get("words") or {})
        hi = float(item.max)
        values = self.truth[iid].to_numpy(dtype=float)
        for kind in _NUMBER_KINDS:
            count = int(spec.get(kind, 0))
            if not count:
                continue
            mask = ~np.isnan(values)
            if kind == "number_all":
                mask &= values >= hi - 15
            if kind == "number_fraction":
                if item.unit != "%":
                    raise _fail("mess.numbers.number_fraction", f"{iid!r} has no unit '%'")
                mask &= (values > 0) & (values < hi)
            for j, r in enumerate(self.pick(iid, mask, count, kind)):
                v = values[r]
                written, expected = {
                    "number_percent": (_fmt_number(v) + ("%" if j % 2 == 0 else " %"), v),
                    "number_fraction": (_fmt_number(v / 100).replace(".", ","), v),
                    "number_approx": (f"{words['approx']} {_fmt_number(v)}", v),
                    "number_all": (words["all"], hi),
                    "number_not_an_answer": (words["not_an_answer"], np.nan),
                    "number_out_of_range": (_fmt_number(hi + 20), np.nan),
                }[kind]
                self.truth.iat[r, self.truth.columns.get_loc(iid)] = expected
                text = "" if np.isnan(expected) else _fmt_number(expected)
                self.put(r, iid, written, kind, "numbers", text)

    def skip_violations(self, count: int, iid: str | None) -> None:
        items = [i for i in self.cb.items_of_type("numeric") if self.cb.items[i].asked_if]
        iid = iid if iid in items else (items[0] if items else None)
        if iid is None:
            raise _fail("mess.skip_violation", "the codebook has no numeric item with asked_if")
        cond = self.cb.items[iid].asked_if
        options = self.cb.items[cond["item"]].option_labels(None, self.cb.source_language)
        not_asked = [o for o in options if o not in cond["in"]]
        mask = np.isin(self.labels_of[cond["item"]], not_asked)
        for r in self.pick(iid, mask, count, "skip_violation"):
            written = _fmt_number(5.0 * int(self.rng.integers(0, 7)))
            self.put(r, iid, written, "skip_violation", "skip_logic", "")

    def texts(self, spec: Mapping[str, Any], email_item: str | None) -> None:
        iid = spec.get("item")
        if iid not in self.cb.items or self.cb.items[iid].type != "text":
            raise _fail("mess.text.item", f"expected a text item, found {iid!r}")
        markup = list(spec.get("markup") or ["<script>alert(1)</script>"])
        col = self.truth.columns.get_loc(iid)
        for kind in _TEXT_KINDS:
            count = int(spec.get(kind, 0))
            if not count:
                continue
            mask = np.ones(len(self.truth), dtype=bool)
            if kind == "comment_email":
                mask = self.truth[email_item].notna().to_numpy()
            for j, r in enumerate(self.pick(iid, mask, count, kind)):
                if kind == "comment_email":
                    email = str(self.truth[email_item].iat[r])
                    text = str(spec.get("email_template", "{email}")).format(email=email)
                elif kind == "comment_phone":
                    d = self.rng.integers(0, 10, 9).astype(str)
                    text = str(spec.get("phone_template", "+39 3{digits2} {digits3} {digits4}"))
                    text = text.format(
                        digits2="".join(d[:2]), digits3="".join(d[2:5]), digits4="".join(d[5:])
                    )
                else:
                    text = markup[j % len(markup)]
                self.truth.iat[r, col] = text
                self.put(r, iid, text, kind, "pii", "")


# --- the export ---------------------------------------------------------------------


def _as_text(cb: Codebook, model: Mapping, truth: pd.DataFrame) -> dict[str, np.ndarray]:
    """Each item's column as the form tool writes it (``""`` when empty)."""
    fmt = str((model.get("timing") or {}).get("format", "%Y-%m-%d %H:%M:%S"))
    out: dict[str, np.ndarray] = {}
    for iid, item in cb.items.items():
        col = truth[iid]
        if item.type == "datetime":
            text = pd.to_datetime(col).dt.strftime(fmt)
        elif item.type == "numeric":
            text = pd.to_numeric(col).map(_fmt_number, na_action="ignore")
        else:
            text = col
        out[iid] = text.to_numpy(dtype=object, na_value="")
    return out


def _mess_counts(model: Mapping) -> dict[str, int]:
    rows = (model.get("mess") or {}).get("rows") or {}
    unknown = [k for k in rows if k not in ROW_KINDS]
    if unknown:
        raise _fail(f"mess.rows.{unknown[0]}", f"unknown kind; expected one of {list(ROW_KINDS)}")
    return {str(k): int(v) for k, v in rows.items()}


def simulate(
    *,
    seed: int = 2020,
    n: int | None = None,
    codebook: Codebook | str | Path | None = None,
    model: Mapping[str, Any] | str | Path | None = None,
) -> Simulation:
    """Draw a simulated raw export from a codebook and a model file, with planted mess.

    Parameters
    ----------
    seed
        Seed of the random generator; the same seed gives the same bytes.
    n
        Rows of the export, planted rows included (default: the model's ``n_rows``).
        The counts of planted mess do not change with ``n``.
    codebook
        A :class:`~cmmc_analysis.codebook.Codebook` or a path (default: the bundled one).
    model
        A model dict or a path to a model YAML (default: ``data/synth_model.yaml``).

    Returns
    -------
    Simulation
        ``export`` (strings, columns named by header), ``truth`` (``source_row`` and
        one column per item id) and ``planted`` (columns ``source_row``, ``column``,
        ``kind``, ``expected_rule``, ``expected_value``).

    Raises
    ------
    SurveyDataError
        If the model names unknown items, labels or kinds, or ``n`` is too small for
        the planted mess.

    Examples
    --------
    >>> sim = simulate(seed=2020)
    >>> int(sim.planted.groupby("expected_rule").size()["straightliners"])
    3
    >>> len(sim.kept_truth)  # rows that correct cleaning keeps
    235
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise SurveyDataError(f"parameter seed={seed!r}; expected a non-negative integer")
    cb = codebook if isinstance(codebook, Codebook) else load_codebook(codebook)
    if isinstance(model, Mapping):
        model, model_path = validate_model(model), None
    else:
        model_path = Path(model) if model is not None else DEFAULT_MODEL
        model = load_model(model_path)
    try:
        return _simulate(cb, model, seed, n)
    except SurveyDataError as err:
        if err.entry is None or err.path is not None:
            raise
        raise SurveyDataError(err.message, path=model_path, entry=err.entry) from None


def _simulate(cb: Codebook, model: dict[str, Any], seed: int, n: int | None) -> Simulation:
    rng = np.random.default_rng(seed)
    kinds = _mess_counts(model)
    n_rows = int(n if n is not None else model.get("n_rows", 250))
    n_draw = n_rows - kinds.get("duplicate", 0)
    if n_draw - sum(kinds.values()) < 50:
        raise SurveyDataError(
            f"parameter n: {n_rows} rows leave fewer than 50 honest respondents beside "
            f"{sum(kinds.values())} planted rows; expected n >= {sum(kinds.values()) + 50 + kinds.get('duplicate', 0)}"
        )
    frame, people = _draw(cb, model, rng, n_draw)
    frame, kind = _plant_rows(cb, model, rng, frame, people, kinds)
    when = cb.role("submitted_at")
    order = np.argsort(frame[when].to_numpy(), kind="stable") if when else np.arange(len(frame))
    truth = frame.iloc[order].reset_index(drop=True)
    kind = kind[order]
    truth.insert(0, "source_row", np.arange(2, len(truth) + 2))
    export = _as_text(cb, model, truth)
    planter = _Planter(cb, truth, export, kind == "", rng)
    mess = model.get("mess") or {}
    planter.labels(mess.get("labels") or {})
    if mess.get("numbers"):
        planter.numbers(mess["numbers"])
    if mess.get("skip_violation"):
        planter.skip_violations(
            int(mess["skip_violation"]), (mess.get("numbers") or {}).get("item")
        )
    if mess.get("text"):
        planter.texts(mess["text"], _contact_item(model, "email"))
    whole = pd.DataFrame(
        {
            "source_row": truth.loc[kind != "", "source_row"].to_numpy(),
            "column": "",
            "kind": kind[kind != ""].astype(str),
            "expected_rule": [ROW_KINDS[k] for k in kind[kind != ""]],
            "expected_value": "",
        }
    )
    planted = pd.concat([whole, pd.DataFrame(planter.rows, columns=PLANTED_COLUMNS)])
    planted = planted.sort_values(["source_row", "column", "kind"], kind="stable").reset_index(
        drop=True
    )
    planted["source_row"] = planted["source_row"].astype(int)
    headers = {iid: cb.header(iid) for iid in cb.items}
    table = pd.DataFrame({headers[iid]: export[iid] for iid in cb.items}, dtype=str)
    return Simulation(export=table, truth=truth, planted=planted, seed=seed, codebook=cb)


def planted_path(path: str | Path) -> Path:
    """Where :func:`write_export` writes the planted list: ``<stem>.planted.csv``.

    >>> planted_path("data/raw/x.csv").name
    'x.planted.csv'
    """
    path = Path(path)
    return path.with_name(f"{path.stem}.planted.csv")


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    rows = [list(map(str, frame.columns)), *frame.astype(object).to_numpy().tolist()]
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n", quoting=csv.QUOTE_MINIMAL).writerows(rows)


def write_export(sim: Simulation, path: str | Path) -> tuple[Path, Path]:
    """Write the export as UTF-8 CSV and the planted list beside it.

    Comma-delimited, minimal quoting, ``"\\n"`` line ends, no byte-order mark: the
    same simulation always gives the same bytes.

    Parameters
    ----------
    sim
        A :class:`Simulation`.
    path
        The CSV file to write; the planted list goes to :func:`planted_path`.

    Returns
    -------
    tuple of Path
        The export and the planted list.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     out, pl = write_export(simulate(seed=1), Path(d) / "x.csv")
    ...     pl.read_text(encoding="utf-8").splitlines()[0]
    'source_row,column,kind,expected_rule,expected_value'
    """
    path = Path(path)
    try:
        _write_csv(sim.export, path)
        _write_csv(sim.planted.astype(str), planted_path(path))
    except OSError as err:
        raise SurveyDataError(f"cannot write the export: {err.strerror}", path=path) from err
    return path, planted_path(path)
