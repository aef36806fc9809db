"""Tests of the codebook loader: the bundled codebook, a second survey, and one test
per kind of broken codebook (each error must name the entry and the problem)."""

from __future__ import annotations

import copy

import pytest
import yaml

from cmmc_analysis.codebook import load_codebook, parse_codebook
from cmmc_analysis.errors import CodebookError
from cmmc_analysis.paths import DEFAULT_CODEBOOK

QUESTIONNAIRE_ITEMS = {
    # every item of ../shared/QUESTIONNAIRE.md, sections A-F
    "role", "org_type", "sector", "size", "area",
    "org_models", "digital_use", "channels_up",
    "cust_awareness", "cust_training", "cust_capability", "cust_phone_pref",
    "remote_adopted", "remote_share",
    "effect_worklife", "effect_continuity", "effect_productivity", "effect_quality",
    "effect_engagement", "effect_coordination", "effect_security", "effect_costs",
    "effect_training",
    "tech_cloud", "tech_chatbot", "tech_video", "tech_remote_support", "tech_collab",
    "tech_selfservice",
    "comments", "email", "name", "company", "submitted_at", "duration_s",
}  # fmt: skip


@pytest.fixture(scope="module")
def cb():
    return load_codebook()


@pytest.fixture()
def doc():
    return yaml.safe_load(DEFAULT_CODEBOOK.read_text(encoding="utf-8"))


def test_bundled_codebook_covers_the_questionnaire(cb):
    assert set(cb.items) == QUESTIONNAIRE_ITEMS
    assert cb.segments == ["role", "org_type", "sector", "size", "area"]
    assert cb.pii_fields == ["comments", "email", "name", "company"]
    assert cb.role("submitted_at") == "submitted_at"
    assert cb.role("duration") == "duration_s"
    assert cb.items_of_type("multi") == ["channels_up"]


def test_scales_labels_and_midpoints(cb):
    agree = cb.scales["agree5"]
    assert agree.labels()[0] == "Per nulla d'accordo"
    assert agree.labels("en") == [
        "Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree",
    ]  # fmt: skip
    assert agree.na_labels() == ["Non so"]
    assert agree.midpoint == 3.0
    assert cb.scales["change5"].code_of("Aumentato") == 4
    assert cb.scale_of("effect_costs").id == "effect5"


def test_skip_condition_constructs_and_fieldwork(cb):
    assert cb.item("remote_share").asked_if == {
        "item": "remote_adopted", "in": ["Sì", "In corso di attivazione"],
    }  # fmt: skip
    assert cb.constructs["digital_readiness"].reverse == ("cust_phone_pref",)
    assert len(cb.constructs["tech_acceleration"].items) == 6
    assert str(cb.cutoff()) == "2020-03-18 09:00:00"
    assert str(cb.fieldwork_start.date()) == "2020-03-09"
    assert cb.grid_items("effects")[:2] == ["effect_worklife", "effect_continuity"]


def test_texts_in_both_languages_and_headers(cb):
    for item in cb.items.values():
        assert item.text.text("it") and item.text.text("en")
    assert cb.header("tech_cloud", "en") == (
        "The emergency will accelerate the adoption of… [cloud contact-center solutions]"
    )
    assert cb.translate("digital_use", "Molto aumentato", "en") == "Increased a lot"
    assert cb.translate("org_models", "Non so", "en") == "Don't know"


def test_sha256_is_recorded(cb):
    import hashlib

    assert cb.sha256 == hashlib.sha256(DEFAULT_CODEBOOK.read_bytes()).hexdigest()


SECOND_SURVEY = {
    "survey": {"id": "staff_pulse", "source_language": "en", "languages": ["en"],
               "title": {"en": "Staff pulse"}},
    "scales": {"agree7": {"points": [{"en": f"{i} - label {i}"} for i in range(1, 8)],
                          "not_an_answer": [{"en": "Prefer not to say"}]}},
    "items": [
        {"id": "team", "type": "single", "segment": True, "text": {"en": "Team"},
         "options": [{"en": "Sales"}, {"en": "Support"}]},
        {"id": "q1", "type": "scale", "scale": "agree7", "text": {"en": "I like my job"}},
        {"id": "q2", "type": "scale", "scale": "agree7", "text": {"en": "I would leave"}},
    ],
    "constructs": {"satisfaction": {"items": ["q1", "q2"], "reverse": ["q2"]}},
}  # fmt: skip


def test_a_second_survey_with_a_seven_point_scale():
    cb = parse_codebook(copy.deepcopy(SECOND_SURVEY))
    assert cb.survey_id == "staff_pulse"
    assert cb.scale_of("q1").k == 7
    assert cb.scale_of("q1").midpoint == 4.0
    assert cb.segments == ["team"]
    assert cb.header("q2") == "I would leave"
    assert cb.cleaning["duplicates"]["keep"] == "last"  # defaults apply


# --- one test per kind of broken codebook -------------------------------------------


def _item(doc, item_id):
    return next(i for i in doc["items"] if i["id"] == item_id)


def _fails(doc, *fragments):
    with pytest.raises(CodebookError) as info:
        parse_codebook(doc, path="codebook.yaml")
    message = str(info.value)
    assert message.startswith("codebook.yaml, entry ")
    for fragment in fragments:
        assert fragment in message
    return message


def test_unknown_scale(doc):
    _item(doc, "org_models")["scale"] = "agree7"
    _fails(doc, "items[7] (org_models).scale", "unknown scale 'agree7'")


def test_duplicate_item_id(doc):
    doc["items"].append(copy.deepcopy(_item(doc, "org_models")))
    _fails(doc, "(org_models)", "duplicate item id 'org_models'")


def test_construct_naming_an_unknown_item(doc):
    doc["constructs"]["tech_acceleration"]["items"].append("tech_blockchain")
    _fails(doc, "constructs.tech_acceleration.items", "unknown item 'tech_blockchain'")


def test_reverse_key_on_a_non_ordinal_item(doc):
    construct = doc["constructs"]["digital_readiness"]
    construct["items"].append("role")
    construct["reverse"] = ["role"]
    _fails(doc, "constructs.digital_readiness", "'role'", "not a scale item")


def test_reverse_key_outside_the_construct(doc):
    doc["constructs"]["tech_acceleration"]["reverse"] = ["org_models"]
    _fails(doc, "constructs.tech_acceleration.reverse", "not among the construct's items")


def test_label_listed_twice(doc):
    doc["scales"]["agree5"]["points"][4] = {"it": "Poco d'accordo", "en": "Agree a lot"}
    _fails(doc, "scales.agree5", 'label "Poco d\'accordo" is listed twice')


def test_option_listed_twice(doc):
    _item(doc, "area")["options"].append({"it": "Centro", "en": "Centre"})
    _fails(doc, "(area)", "label 'Centro' is listed twice")


def test_missing_translation(doc):
    del _item(doc, "cust_training")["text"]["en"]
    _fails(doc, "(cust_training).text", "missing text in language 'en'")


def test_unknown_item_type(doc):
    _item(doc, "remote_share")["type"] = "percentage"
    _fails(doc, "(remote_share).type", "unknown type 'percentage'")


def test_skip_condition_on_an_unknown_label(doc):
    _item(doc, "remote_share")["asked_if"]["in"] = ["Si"]
    _fails(doc, "(remote_share).asked_if", "label 'Si' is not an option of 'remote_adopted'")


def test_unknown_grid(doc):
    _item(doc, "effect_costs")["grid"] = "effetti"
    _fails(doc, "(effect_costs).grid", "unknown grid 'effetti'")


def test_unknown_cleaning_rule(doc):
    doc["cleaning"]["speeders_strict"] = {"exclude": True}
    _fails(doc, "cleaning.speeders_strict", "unknown cleaning rule")


def test_bad_cutoff(doc):
    doc["fieldwork"]["cutoffs"]["interim"] = "the 18th of March"
    _fails(doc, "fieldwork.cutoffs.interim", "expected an ISO date-time")


def test_min_above_max(doc):
    _item(doc, "remote_share")["min"] = 200
    _fails(doc, "(remote_share)", "min 200 is above max 100")


def test_multi_option_without_code(doc):
    del _item(doc, "channels_up")["options"][0]["code"]
    _fails(doc, "(channels_up).options[0]", "needs a `code`")


def test_unknown_key_in_an_item(doc):
    _item(doc, "org_models")["reversed"] = True
    _fails(doc, "(org_models).reversed", "unknown key")


def test_yaml_syntax_error_names_the_line(tmp_path):
    path = tmp_path / "codebook.yaml"
    path.write_text("survey:\n  id: x\nitems: [\n", encoding="utf-8")
    with pytest.raises(CodebookError, match=r"codebook.yaml: invalid YAML at line \d+"):
        load_codebook(path)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CodebookError, match="nope.yaml: cannot read the codebook"):
        load_codebook(tmp_path / "nope.yaml")
