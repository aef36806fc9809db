"""Tests of cmmc_analysis.privacy: leak scan, scrubbing, escaping, small cells, ids."""

from __future__ import annotations

import hashlib
import hmac
import html
import re
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cmmc_analysis.codebook import load_codebook
from cmmc_analysis.errors import PrivacyLeakError, SurveyDataError
from cmmc_analysis.privacy import (
    MIN_CELL,
    MIN_GROUP_N,
    check_reports_for_leaks,
    free_text_table,
    pii_values,
    pseudonymise,
    redact,
    render_free_text,
    scan_for_leaks,
    scrub_text,
    suppress_small_cells,
)

CB = load_codebook()


def _raw(**columns) -> SimpleNamespace:
    """A stand-in for RawExport: only ``.data`` is used by the privacy functions."""
    n = len(next(iter(columns.values())))
    data = pd.DataFrame({"source_row": np.arange(2, n + 2), **columns})
    return SimpleNamespace(data=data, sha256="0" * 64)


@pytest.fixture(scope="module")
def sim_raw(tmp_path_factory):
    """The simulated export (seed 2020) written to CSV and read back by io."""
    from cmmc_analysis.io.reader import read_export
    from cmmc_analysis.synth import simulate, write_export

    path = tmp_path_factory.mktemp("sim") / "export.csv"
    sim = simulate(seed=2020)
    write_export(sim, path)
    return read_export(path, codebook=CB), sim


def _page(tmp_path: Path, body: str, name: str = "01-overview.html") -> Path:
    """A page shaped like an nbconvert export with one output cell."""
    path = tmp_path / name
    path.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Report</title></head><body>"
        "<div class='jp-OutputArea-output'><table class='dataframe'><tr><th>share</th></tr>"
        "<tr><td>0.62</td></tr></table>"
        f"{body}</div></body></html>",
        encoding="utf-8",
    )
    return path


# --- pii_values ---------------------------------------------------------------------


def test_pii_values_lists_every_distinct_contact_value_of_the_export(sim_raw):
    raw, _ = sim_raw
    found = pii_values(raw, CB)
    for field in ("email", "name", "company"):
        # oracle: distinct stripped values of 4+ characters, minus the marker words
        col = raw.data[field].dropna().str.strip()
        expected = set(col[(col.str.len() >= 4) & ~col.str.casefold().isin({"test", "prova"})])
        if field == "company":  # also without the legal form ("Alba Digitale S.r.l.")
            expected |= {v.removesuffix(" S.p.A.").removesuffix(" S.r.l.") for v in expected}
        assert set(found[field]) == expected, field


def test_pii_values_finds_the_planted_phone_and_email_inside_comments(sim_raw):
    raw, sim = sim_raw
    found = pii_values(raw, CB)
    planted = sim.planted[sim.planted["kind"].isin(["comment_phone", "comment_email"])]
    comments = raw.data.set_index("source_row").loc[planted["source_row"], "comments"]
    phone = re.search(r"\+39[\d ]+\d", comments.str.cat(sep=" ")).group(0)
    email = re.search(r"[\w.]+@[\w.]+\w", comments.str.cat(sep=" ")).group(0)
    assert found["phone (in comments)"] == [phone]
    assert found["email (in comments)"] == [email]


def test_pii_values_skips_short_common_and_codebook_values():
    raw = _raw(
        name=["Bo", "Anna Bianchi", "Test", "  ", None],
        company=["3M", "Altro", "ACME Servizi", "Sì", "1234"],
        comments=["Nessun commento", "Non so", "Grazie", "x", "Ottimo lavoro di squadra"],
    )
    found = pii_values(raw, CB, hashes=False)
    assert found == {
        "name": ["Anna Bianchi"],
        "company": ["ACME Servizi"],
        "comments": ["Ottimo lavoro di squadra"],
    }


def test_pii_values_catches_contact_data_typed_into_an_answer_column():
    # an "other" answer rejected by cleaning keeps its raw value in the log: it must be
    # searched for too
    raw = _raw(role=["Altro: scrivere a anna@acme.it o 02 1234 5678", "HR / organizzazione"])
    found = pii_values(raw, CB)
    assert found == {"email (in role)": ["anna@acme.it"], "phone (in role)": ["02 1234 5678"]}


def test_pii_values_adds_unsalted_hashes_of_the_key():
    raw = _raw(email=[" Anna@ACME.it", None])
    digests = pii_values(raw, CB)["email (unsalted hash)"]
    key = b"anna@acme.it"
    assert digests == [
        hashlib.md5(key).hexdigest(),
        hashlib.sha1(key).hexdigest(),
        hashlib.sha256(key).hexdigest(),
    ]


# --- scan_for_leaks / check_reports_for_leaks -----------------------------------------------


@pytest.mark.parametrize(
    ("rendered", "field"),
    [
        ("Mario Rossi", "name"),
        ("MARIO ROSSI", "name"),
        ("mario   rossi", "name"),
        ("Mario\n  Rossi", "name"),
        ("Mario&nbsp;Rossi", "name"),
        ("<b>Mario</b> <i>Rossi</i>", "name"),
        ("MarioRossi", "name"),
        ("Márió Rossi", "name"),
        ("mario.rossi@acme.it", "email"),
        ("Mario.Rossi@ACME.IT", "email"),
        ("mario.rossi&#64;acme.it", "email"),
        ("mario.rossi &#x40; acme.it", "email"),
        ("mario.rossi [at] acme.it", "email"),
        ("<a href='mailto:mario.rossi%40acme.it'>x</a>", "email"),
        ('<script>var d = {"who": "mario.rossi\\u0040acme.it"};</script>', "email"),
        # an inline SVG image whose <text> holds the name
        (
            "<img src='data:image/svg+xml;base64,PHN2Zz48dGV4dD5NYXJpbyBSb3NzaTwvdGV4dD48L3N2Zz4='>",
            "name",
        ),
        ("chiamare 0039 333 123-4567", "phone (in comments)"),
        ("tel: 3331234567", "phone (in comments)"),
    ],
)
def test_scan_finds_a_value_whatever_its_case_spacing_or_escaping(tmp_path, rendered, field):
    pii = {
        "name": ["Mario Rossi"],
        "email": ["mario.rossi@acme.it"],
        "phone (in comments)": ["+39 333 123 4567"],
    }
    leaks = scan_for_leaks([_page(tmp_path, f"<p>{rendered}</p>")], pii)
    assert [(x.file.name, x.field) for x in leaks] == [("01-overview.html", field)]


@pytest.mark.parametrize(
    "rendered",
    [
        "Enelx ha risposto",  # a value matches whole words only
        "Marione Rossi",
        "xmario.rossi@acme.it",
        "3331234567890",  # a longer number holding the digits
        "Mario e Rossi",  # the words, but not together
        "<img src='data:image/png;base64,TWFyaW8gUm9zc2k='>",  # images are not text
    ],
)
def test_scan_does_not_match_what_is_not_the_value(tmp_path, rendered):
    pii = {"name": ["Mario Rossi"], "company": ["Enel"], "email": ["mario.rossi@acme.it"]}
    pii["phone (in comments)"] = ["333 123 4567"]
    assert scan_for_leaks([_page(tmp_path, f"<p>{rendered}</p>")], pii) == []


def test_scan_reads_a_folder_and_reports_each_file_and_field(tmp_path):
    _page(tmp_path, "<p>nothing personal</p>", "index.html")
    _page(tmp_path, "<p>Anna Bianchi</p>", "02-effects.html")
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "fig.svg").write_text("<svg><text>ACME Servizi</text></svg>")
    png = b"\x89PNG\r\n\x1a\n"  # a PNG's text chunks are read, its pixels are not
    (tmp_path / "figures" / "fig.png").write_bytes(png + _png_chunk(b"IDAT", b"Anna Bianchi"))
    (tmp_path / "figures" / "meta.png").write_bytes(
        png + _png_chunk(b"tEXt", b"Title\0Anna Bianchi")
    )
    pii = {"name": ["Anna Bianchi"], "company": ["ACME Servizi"]}
    leaks = scan_for_leaks(tmp_path, pii)
    assert [(x.file.name, x.field, x.count) for x in leaks] == [
        ("02-effects.html", "name", 1),
        ("fig.svg", "company", 1),
        ("meta.png", "name", 1),
    ]


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    import struct
    import zlib

    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def test_a_leak_names_file_and_field_never_the_value(tmp_path, sim_raw):
    raw, _ = sim_raw
    email = raw.data["email"].dropna().iloc[0]
    name = raw.data["name"].dropna().iloc[3]
    page = _page(tmp_path, f"<p>{name.upper()}</p><p>{email.replace('@', ' &#64; ')}</p>")
    with pytest.raises(PrivacyLeakError) as info:
        check_reports_for_leaks([page], raw, CB)
    message = str(info.value)
    assert message.startswith("01-overview.html: ")
    assert "'email'" in message and "'name'" in message
    local = email.split("@")[0]
    for secret in (email, local, name, *name.split()):
        assert secret.casefold() not in message.casefold()
    # the email's domain may also spell a company ("quadraenergia.it": Quadra Energia)
    assert {"email", "name"} <= {x.field for x in info.value.leaks} <= {"email", "name", "company"}
    for leak in info.value.leaks:
        assert name.split()[-1] not in str(leak) and local not in str(leak)


def test_a_clean_page_passes_and_so_does_scrubbed_free_text_when_opted_in(tmp_path, sim_raw):
    raw, _ = sim_raw
    table = free_text_table(raw, CB, "comments")
    page = _page(tmp_path, render_free_text(table) + "<p>n = 231, 62 % d'accordo</p>")
    check_reports_for_leaks([page], raw, CB, free_text=True)  # no error
    with pytest.raises(PrivacyLeakError, match="field 'comments'"):
        check_reports_for_leaks([page], raw, CB)  # free text not allowed by default


def test_opting_in_to_free_text_still_catches_contacts_inside_it(tmp_path, sim_raw):
    raw, _ = sim_raw
    comments = raw.data["comments"].dropna()
    with_phone = comments[comments.str.contains(r"\+39")].iloc[0]
    page = _page(tmp_path, f"<td>{html.escape(with_phone)}</td>")
    with pytest.raises(PrivacyLeakError, match=r"field 'phone \(in comments\)'"):
        check_reports_for_leaks([page], raw, CB, free_text=True)


def test_an_unsalted_hash_of_an_email_in_a_report_is_a_leak(tmp_path, sim_raw):
    raw, _ = sim_raw
    email = raw.data["email"].dropna().iloc[5].strip().casefold()
    page = _page(tmp_path, f"<td>{hashlib.md5(email.encode()).hexdigest()}</td>")
    with pytest.raises(PrivacyLeakError, match=r"email \(unsalted hash\)"):
        check_reports_for_leaks([page], raw, CB)


def test_redacted_hints_keep_only_first_letters():
    assert redact("mario.rossi@acme.it") == "m***.r***@a***.i***"
    assert redact("+39 333 123 4567") == "+3*** 3*** 1*** 4***"


# --- pseudonymous ids --------------------------------------------------------------------


def test_ids_are_not_plain_hashes_of_the_email(sim_raw):
    from cmmc_analysis.clean.pipeline import clean

    raw, _ = sim_raw
    survey = clean(raw, CB)
    ids = set(survey.data.index) | set(survey.log.excluded["respondent_id"])
    emails = raw.data["email"].dropna().str.strip().str.casefold().unique()
    for email in emails:
        for algo in ("md5", "sha1", "sha256"):
            digest = hashlib.new(algo, email.encode()).hexdigest()
            assert not any(digest.startswith(i[1:]) or i[1:] in digest for i in ids), algo


def test_ids_cannot_be_recomputed_from_the_provenance_a_report_prints(sim_raw, monkeypatch):
    """The salt must not be derivable from what a report shows (the file's sha256).

    A reader who guesses a member's email and sees the export's sha256 in the report's
    provenance could otherwise recompute that member's id and find their answers.
    """
    from cmmc_analysis.clean.pipeline import clean

    monkeypatch.delenv(CB.cleaning["pseudonym"]["salt_env"], raising=False)
    raw, _ = sim_raw
    survey = clean(raw, CB)
    printed = survey.source["sha256"]
    email = raw.data["email"].dropna().iloc[0]
    guess = pseudonymise(pd.Series([email]), salt=bytes.fromhex(printed), fallback=pd.Series([0]))
    assert guess.iloc[0] not in set(survey.data.index) | set(survey.log.excluded["respondent_id"])


def test_salt_from_the_environment_changes_every_id(sim_raw, monkeypatch):
    from cmmc_analysis.clean.pipeline import clean

    raw, _ = sim_raw
    env = CB.cleaning["pseudonym"]["salt_env"]
    monkeypatch.setenv(env, "one secret")
    a = clean(raw, CB).data.index
    monkeypatch.setenv(env, "another secret")
    survey = clean(raw, CB)
    b = survey.data.index
    assert len(a) == len(b) and not set(a) & set(b)
    # and the id is the HMAC of the key under that salt (the documented construction)
    key = raw.data.set_index("source_row").loc[survey.data["source_row"].iloc[0], "email"]
    expected = (
        "r"
        + hmac.new(b"another secret", key.strip().casefold().encode(), "sha256").hexdigest()[:11]
    )
    assert b[0] == expected


# --- scrubbing -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("scrivete a Mario.Rossi@Acme.it.", "scrivete a [email]."),
        ("mario [at] acme.it", "[email]"),
        ("cell. +39 333 123 4567", "cell. [phone]"),
        ("cell. +393331234567", "cell. [phone]"),
        ("0039 06 1234 5678 (centralino)", "[phone] (centralino)"),
        ("tel 02/1234567 o 02-12345678", "tel [phone] o [phone]"),
        ("333.123.4567", "[phone]"),
        ("UK office +44 20 7946 0958", "UK office [phone]"),
        ("US +1 (555) 123-4567", "US [phone]"),
        ("vedi https://acme.it/chi-siamo?x=1, grazie", "vedi [url], grazie"),
        ("su www.acme.it oppure acme.com", "su [url] oppure [url]"),
        ("Sono Mario Rossi (mario rossi) di ACME", "Sono [name] ([name]) di [name]"),
        ("Il 18/03/2020 alle 09:30 eravamo al 80 %", "Il 18/03/2020 alle 09:30 eravamo al 80 %"),
        (
            "1000 operatori, 250-999 addetti, 2020-03-18",
            "1000 operatori, 250-999 addetti, 2020-03-18",
        ),
        ("costo 1.000.000 euro, 0,8 del totale", "costo 1.000.000 euro, 0,8 del totale"),
        ("Acmeo non è ACME", "Acmeo non è [name]"),
    ],
)
def test_scrub_text(text, expected):
    out = scrub_text(pd.Series([text], index=[7]), names=["Mario Rossi", "acme"])
    assert out.index.tolist() == [7]
    assert out.iloc[0] == expected


def test_scrub_keeps_missing_values_and_does_not_touch_its_input():
    s = pd.Series(["a@b.it", None, ""], dtype="str")
    before = s.copy()
    out = scrub_text(s)
    assert out.iloc[0] == "[email]" and pd.isna(out.iloc[1]) and out.iloc[2] == ""
    pd.testing.assert_series_equal(s, before)


_EMAIL_ORACLE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+\.[A-Za-z]{2,}")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    before=st.text(max_size=30),
    local=st.from_regex(r"[a-z][a-z0-9._]{0,10}[a-z0-9]", fullmatch=True),
    domain=st.from_regex(r"[a-z]{2,10}\.(it|com|org)", fullmatch=True),
    digits=st.from_regex(r"3[0-9]{2} [0-9]{3} [0-9]{4}", fullmatch=True),
    name=st.sampled_from(["Anna Bianchi", "Giò Verdi", "Luca D'Amico"]),
    after=st.text(max_size=30),
)
def test_scrubbed_text_holds_no_email_phone_or_name(before, local, domain, digits, name, after):
    text = f"{before} {local}@{domain} {digits} {name.upper()} {after}"
    out = scrub_text(pd.Series([text]), names=[name]).iloc[0]
    assert not _EMAIL_ORACLE.search(out)
    assert digits not in out and digits.replace(" ", "") not in out.replace(" ", "")
    assert name.upper() not in out
    assert scrub_text(pd.Series([out]), names=[name]).iloc[0] == out  # idempotent


def test_free_text_table_has_no_ids_and_no_personal_data(sim_raw):
    raw, _ = sim_raw
    table = free_text_table(raw, CB, "comments")
    assert list(table.columns) == ["item", "text"]
    assert len(table) == raw.data["comments"].str.strip().replace("", None).notna().sum()
    assert table["text"].is_monotonic_increasing  # sorted: file order is not shown
    joined = " ".join(table["text"])
    assert not _EMAIL_ORACLE.search(joined) and "+39" not in joined
    assert "[email]" in joined and "[phone]" in joined


def test_free_text_table_scrubs_names_of_the_contact_fields_and_filters_rows():
    raw = _raw(
        name=["Anna Bianchi", "Marco Verdi", None],
        company=["ACME Servizi", None, None],
        comments=["Saluti da Anna e da tutta ACME", "Bianchi ha ragione", "Servizi ottimi"],
    )
    table = free_text_table(raw, CB, "comments")
    assert table["text"].tolist() == [
        "Saluti da [name] e da tutta [name]",
        "Servizi ottimi",
        "[name] ha ragione",
    ]
    assert free_text_table(raw, CB, "comments", source_rows=[3])["text"].tolist() == [
        "[name] ha ragione"
    ]


def test_free_text_table_rejects_an_item_that_is_not_free_text():
    raw = _raw(role=["Altro"])
    with pytest.raises(SurveyDataError, match=r"item='role' is of type 'single'"):
        free_text_table(raw, CB, "role")


# --- escaping ------------------------------------------------------------------------------

_HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "</td></tr></table><iframe src=javascript:alert(1)>",
]


class _Elements(HTMLParser):
    """Collects start tags and their attributes, as a browser would build them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += [a for a, _ in attrs]


def _elements(markup: str) -> _Elements:
    parser = _Elements()
    parser.feed(markup)
    parser.close()
    return parser


def test_render_free_text_shows_markup_as_text():
    table = pd.DataFrame({"text": _HOSTILE})
    out = render_free_text(table)
    parsed = _elements(out)
    assert set(parsed.tags) == {"table", "thead", "tr", "th", "tbody", "td"}
    assert not [a for a in parsed.attrs if a.startswith("on") or a == "src"]
    cells = re.findall(r"<td>(.*?)</td>", out)
    assert [html.unescape(c) for c in cells] == _HOSTILE  # shown verbatim, as text


@pytest.mark.parametrize("render", ["to_html", "_repr_html_"])
def test_pandas_html_escapes_free_text_too(render):
    """The notebook repr and to_html escape by default: a report may show DataFrames."""
    out = getattr(pd.DataFrame({"text": _HOSTILE}), render)()
    parsed = _elements(out)
    assert "script" not in parsed.tags and "img" not in parsed.tags and "iframe" not in parsed.tags
    assert not [a for a in parsed.attrs if a.startswith("on")]


def test_render_free_text_rejects_unknown_columns():
    with pytest.raises(SurveyDataError, match=r"parameter columns: \['comment'\]"):
        render_free_text(pd.DataFrame({"text": ["a"]}), columns=["comment"])


# --- small cells ---------------------------------------------------------------------------


def test_suppress_small_cells_known_answer():
    table = pd.DataFrame(
        {
            "segment": "role",
            "group": ["A", "A", "A", "A", "B", "B"],
            "level": ["x", "y", "z", "w", "x", "y"],
            "count": [2, 30, 10, 0, 12, 8],
            "n": [42, 42, 42, 42, 20, 20],
            "share": [2 / 42, 30 / 42, 10 / 42, 0.0, 0.6, 0.4],
            "p_value": [0.01, 0.01, 0.01, 0.01, 0.2, 0.2],
        }
    )
    out = suppress_small_cells(table)
    expected_count = [
        np.nan,
        30,
        np.nan,
        0,
        12,
        8,
    ]  # 2 < 5; 10 hidden so 2 = 42 - 30 - 10 - 0 stays hidden
    np.testing.assert_array_equal(out["count"].to_numpy(), np.array(expected_count, dtype=float))
    np.testing.assert_array_equal(
        out["share"].isna().tolist(), [True, False, True, False, True, True]
    )
    assert out["p_value"].isna().tolist() == [False] * 4 + [True] * 2
    assert out["suppressed"].fillna("").tolist() == [
        "count < 5",
        "",
        "count < 5 in the same group",
        "",
        "n < 30",
        "n < 30",
    ]
    assert len(out) == len(table) and list(out.columns) == [*table.columns, "suppressed"]
    assert table["count"].tolist() == [2, 30, 10, 0, 12, 8]  # input untouched


def test_suppress_small_cells_defaults_are_the_documented_constants():
    assert (MIN_CELL, MIN_GROUP_N) == (5, 30)
    table = pd.DataFrame({"group": ["a", "b"], "count": [4, 5], "n": [29, 30], "share": [0.1, 0.2]})
    out = suppress_small_cells(table)
    assert out["count"].isna().tolist() == [True, False]
    assert out["suppressed"].tolist()[0] == "count < 5; n < 30"


def test_suppress_small_cells_is_configurable():
    table = pd.DataFrame({"cnt": [3, 9], "base": [12, 12], "share": [0.25, 0.75]})
    out = suppress_small_cells(table, count="cnt", n="base", k=3, min_n=10)
    assert out["cnt"].tolist() == [3, 9] and out["suppressed"].isna().all()


@pytest.mark.parametrize(("kwargs", "message"), [({"k": 0}, "k=0"), ({"min_n": 2.5}, "min_n=2.5")])
def test_suppress_small_cells_rejects_bad_parameters(kwargs, message):
    with pytest.raises(SurveyDataError, match=re.escape(message)):
        suppress_small_cells(pd.DataFrame({"count": [1], "n": [1]}), **kwargs)


@settings(max_examples=40, deadline=None)
@given(
    counts=st.lists(st.lists(st.integers(0, 40), min_size=2, max_size=5), min_size=1, max_size=4),
    k=st.integers(2, 6),
    min_n=st.integers(5, 60),
)
def test_suppressed_counts_cannot_be_recovered(counts, k, min_n):
    rows = [
        {"group": f"g{g}", "level": f"l{i}", "count": c, "n": sum(cs)}
        for g, cs in enumerate(counts)
        for i, c in enumerate(cs)
    ]
    table = pd.DataFrame(rows)
    table["share"] = table["count"] / table["n"].replace(0, np.nan)
    out = suppress_small_cells(table, k=k, min_n=min_n)
    assert len(out) == len(table)  # nothing dropped
    shown = out["count"].dropna()
    assert not ((shown > 0) & (shown < k)).any()
    hidden = out["count"].isna()
    assert (out.loc[hidden, "suppressed"].notna()).all()  # every blank is explained
    assert out.loc[hidden, "share"].isna().all()  # a share would give the count back
    assert out.loc[out["n"] < min_n, "share"].isna().all()
    tiny = (out["n"] > 0) & (out["n"] < k)
    assert out.loc[tiny, "count"].isna().all()  # in a group below k even zeros say too much
    for _, grp in out.groupby("group"):
        # n is shown: a single hidden count could be recomputed by subtraction
        assert grp["count"].isna().sum() != 1 or (len(grp) == 1 and grp["n"].iloc[0] < k)


# --- the report built on the bundled data (tests/conftest.py builds it once) ----------------


@pytest.fixture(scope="module")
def bundled_raw():
    from cmmc_analysis.io.reader import read_export
    from cmmc_analysis.paths import DEFAULT_EXPORT

    return read_export(DEFAULT_EXPORT, codebook=CB)


def _pages(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.rglob("*.html"))}


def test_the_bundled_report_passes_the_leak_check(report_it, bundled_raw):
    assert _pages(report_it)  # the build wrote pages
    check_reports_for_leaks(report_it, bundled_raw, CB)


def _hex_windows(text: str, width: int) -> set[str]:
    """Every ``width``-character run of hex digits in ``text`` (the substrings a hex
    digest's first ``width`` digits could be), found in one pass over the pages."""
    return {
        run[i : i + width]
        for run in re.findall(rf"[0-9a-f]{{{width},}}", text)
        for i in range(len(run) - width + 1)
    }


def test_the_bundled_report_shows_no_plain_hash_of_any_email(report_it, bundled_raw):
    text = "\n".join(_pages(report_it).values()).casefold()
    shown = _hex_windows(text, 11)  # a digest in the text has its first 11 digits there
    assert _hex_windows("id=r0123456789abz", 11) == {"0123456789a", "123456789ab"}
    emails = bundled_raw.data["email"].dropna().str.strip().str.casefold().unique()
    assert len(emails) > 100
    for email in emails:
        for algo in ("md5", "sha1", "sha256"):
            digest = hashlib.new(algo, email.encode()).hexdigest()
            assert digest[:11] not in shown, algo


def test_ids_in_the_bundled_report_cannot_be_recomputed_from_it(report_it, bundled_raw):
    """No id the report shows is the HMAC of an email under any hex string it shows."""
    text = "\n".join(_pages(report_it).values())
    ids = set(re.findall(r"\br[0-9a-f]{11}\b", text))
    hexes = set(re.findall(r"\b[0-9a-f]{64}\b", text))
    emails = bundled_raw.data["email"].dropna().str.strip().str.casefold().unique()
    for salt in hexes:
        for email in emails:
            guess = "r" + hmac.new(bytes.fromhex(salt), email.encode(), "sha256").hexdigest()[:11]
            assert guess not in ids
