"""Multiple-choice cells read by whole options: the ``multi`` value rule.

Google Forms (and most form tools) join the chosen options of a checkbox question with
``", "`` even when an option itself contains ``", "`` ("Your personal network, such as
colleagues and professors"). Splitting such a cell on the separator first would break
those options apart. Here a cell is cut into *parts* on the separator (its non-blank
part, so ``"a;b"`` and ``"a; b"`` both split), and each option is a run of parts too;
the options are then found in the cell as whole runs, longest first (most parts, then
most characters), each part used once. Only the parts that no option claims are left
over: they are returned as runs of raw text (the cell's own spelling), for the caller
to read as a not-an-answer label, as an "Other" answer or to reject.

Comparisons use :func:`~cmmc_analysis.io.reader.normalise_text` on each part (case,
accents, spaces, typographic quotes), so ``"Slack , github"`` matches ``"Slack"`` and
``"GitHub"``. The work is per *distinct* cell value; the pipeline maps the result back
to the rows with one look-up (:func:`cmmc_analysis.clean.parse.parse_item`).

Examples
--------
>>> keys = option_keys(["Your network, such as colleagues", "Slack", "Other"], ", ")
>>> match_options("Slack, Your network, such as colleagues, my cat, dog", keys, ", ")
([0, 1], ['my cat, dog'])
>>> match_options("your NETWORK,  such as colleagues", keys, ", ")
([0], [])
"""

from __future__ import annotations

from collections.abc import Sequence

from ..io.reader import normalise_text

__all__ = ["option_keys", "match_options", "split_token"]


def split_token(sep: str) -> str:
    """What a cell is cut on: the separator's non-blank part (the separator if all blank)."""
    return sep.strip() or sep


def option_keys(labels: Sequence[str], sep: str) -> list[tuple[str, ...]]:
    """Each option as the tuple of its normalised non-empty parts.

    >>> option_keys(["Blogs, R-bloggers", "Slack"], ", ")
    [('blogs', 'r-bloggers'), ('slack',)]
    """
    token = split_token(sep)
    return [tuple(p for p in (normalise_text(x) for x in lab.split(token)) if p) for lab in labels]


def match_options(
    value: str, keys: Sequence[tuple[str, ...]], sep: str
) -> tuple[list[int], list[str]]:
    """The options found in one cell and the raw runs of text left over.

    Parameters
    ----------
    value
        The cell's text.
    keys
        The options as :func:`option_keys` gives them.
    sep
        The item's separator.

    Returns
    -------
    ``(found, rest)``: the indices into ``keys`` of the options found (matched longest first,
    each once, in the order of ``keys``) and the runs of consecutive parts no option claimed, each joined with
    the separator as the cell spelt them (stripped). A cell that is blank gives
    ``([], [])``.

    >>> keys = option_keys(["a, b", "a", "b", "c"], ", ")
    >>> match_options("a, b, c", keys, ", ")  # the longest option wins its parts
    ([0, 3], [])
    >>> match_options("a, x, c, y, z", keys, ", ")
    ([1, 3], ['x', 'y, z'])
    """
    token = split_token(sep)
    raw = [p.strip() for p in value.split(token)]
    raw = [p for p in raw if p]
    parts = [normalise_text(p) for p in raw]
    claimed = [False] * len(parts)
    order = sorted(
        (i for i, k in enumerate(keys) if k), key=lambda i: (-len(keys[i]), -sum(map(len, keys[i])))
    )
    found: list[int] = []
    n = len(parts)
    for i in order:
        key = keys[i]
        width = len(key)
        start = 0
        while start + width <= n:
            window = range(start, start + width)
            if tuple(parts[start : start + width]) == key and not any(claimed[j] for j in window):
                for j in window:
                    claimed[j] = True
                if i not in found:
                    found.append(i)
                start += width
            else:
                start += 1
    rest: list[str] = []
    run: list[str] = []
    for text, used in zip(raw, claimed, strict=True):
        if used:
            if run:
                rest.append(sep.join(run))
                run = []
        else:
            run.append(text)
    if run:
        rest.append(sep.join(run))
    return sorted(found), rest
