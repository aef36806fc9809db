"""What cleaning produced, told and written: :func:`describe` (for ``validate``) and
:func:`write_survey` (for ``clean --out``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from ..errors import SurveyDataError
from ..io.cells import neutralise_formulas
from ..survey import Survey

__all__ = ["describe", "write_survey", "other_text_table"]


def other_text_table(raw, codebook, item: str, *, source_rows=None) -> pd.DataFrame:
    """The respondents' own "Other" texts of a choice item with ``other:``, scrubbed.

    As :func:`cmmc_analysis.privacy.scrub.free_text_table` for a comment: no id, no
    source row, sorted, names, emails and phone numbers scrubbed. The texts are never
    in the analysis table (there the answer counts as the "Other" option).

    >>> from types import SimpleNamespace
    >>> from cmmc_analysis.codebook import parse_codebook
    >>> cb = parse_codebook({"survey": {"id": "t", "source_language": "en", "languages": ["en"]},
    ...     "items": [{"id": "q", "type": "single", "text": "Q", "options": ["A"], "other": True}]})
    >>> data = pd.DataFrame({"q": ["A", "ask ann@x.org", None], "source_row": [2, 3, 4]})
    >>> other_text_table(SimpleNamespace(data=data), cb, "q")
      item          text
    0    q  ask [email]
    """
    from ..privacy.scrub import scrubbed_answers
    from .parse import other_texts

    spec = codebook.item(item)
    if not spec.other:
        raise SurveyDataError(f"parameter item={item!r} has no `other:` option in the codebook")
    if item not in raw.data:
        raise SurveyDataError(f"parameter item={item!r}: the export has no such column")
    texts = other_texts(raw.data[item], spec, codebook)
    return scrubbed_answers(raw, codebook, item, texts, source_rows)


def describe(survey: Survey) -> str:
    """A plain-text account of what was read and what cleaning did (for ``validate``).

    It holds the detected format, the warnings, the flow table and the counts by rule;
    no answer and no personal data.
    """
    src, log = survey.source, survey.log
    lines = [
        f"file: {src.get('file')} (sha256 {str(src.get('sha256'))[:12]}...)",
        f"encoding: {src.get('encoding')}, delimiter: {src.get('delimiter')!r}, "
        f"decimal: {src.get('decimal')!r}",
        f"rows: {src.get('n_raw_rows')} raw, {len(survey)} analysed, {len(log.excluded)} excluded",
    ]
    lines += [f"warning: {w}" for w in src.get("warnings", [])]
    lines += ["", "flow:", log.flow.to_string(index=False), "", "counts by rule:"]
    lines.append(log.counts().to_string(index=False))
    rejected = log.details[log.details["action"].isin(["rejected", "out_of_range"])]
    if len(rejected):
        table = rejected.groupby(["rule", "column", "action"], observed=True).size()
        lines += ["", "rejected values:", table.rename("n").reset_index().to_string(index=False)]
    return "\n".join(lines)


def write_survey(
    survey: Survey,
    out_dir: str | Path,
    *,
    format: str = "parquet",
    protect: tuple[str | Path, ...] = (),
) -> list[Path]:
    """Write the clean table, the missing reasons and the log tables to ``out_dir``.

    Files: ``clean.<format>`` (index ``respondent_id`` as a column; ``sav``: SPSS with
    variable and value labels),
    ``missing.<format>``, ``flow.csv``, ``changes.csv``, ``details.csv``,
    ``excluded.csv``. Returns the paths written. Nothing is harmed
    (:func:`cmmc_analysis.outputs.write_files`): an output name that is a file of
    ``protect`` (the raw export, the codebook: compared as files, so a hard or
    symbolic link counts), a link, a folder, or a file that an earlier
    ``write_survey`` did not write, raises :class:`~cmmc_analysis.errors.OutputError`
    before anything is written; files are replaced by a rename, never written into.
    """
    from ..outputs import write_files

    if format not in ("parquet", "csv", "sav"):
        raise SurveyDataError(f"parameter format={format!r}; expected 'parquet', 'csv' or 'sav'")

    def table_writer(table: pd.DataFrame) -> Callable[[Path], object]:
        frame = table.reset_index()
        if format == "sav":  # SPSS with variable and value labels (io/sav.py)
            from ..io.sav import write_survey_sav

            return lambda path: write_survey_sav(frame, path, survey.codebook)
        if format == "parquet":
            return lambda path: frame.to_parquet(path, index=False)
        return lambda path: neutralise_formulas(frame).to_csv(path, index=False)

    def log_writer(name: str) -> Callable[[Path], object]:
        return lambda path: neutralise_formulas(getattr(survey.log, name)).to_csv(path, index=False)

    writers = {
        f"clean.{format}": table_writer(survey.data),
        f"missing.{format}": table_writer(survey.missing),
    }
    writers |= {f"{n}.csv": log_writer(n) for n in ("flow", "changes", "details", "excluded")}
    return write_files(out_dir, writers, inputs=protect)
