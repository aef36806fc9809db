"""Reading a YAML file the user gave, with bounded time and memory.

Every YAML file of the package (codebook, claims, margins, simulator model) is read
here, and refused with one line of the caller's exception type when it is:

* not a regular file (a folder, a pipe, a device such as ``/dev/zero``): checked on
  the opened descriptor, which is opened without blocking, so a FIFO never hangs;
* larger than :data:`MAX_BYTES`;
* not UTF-8 text, or not valid YAML (the line and column are named);
* nested deeper than :data:`MAX_DEPTH`, or larger than :data:`MAX_NODES` values once
  its aliases are expanded (a "billion laughs" alias bomb is refused after reading a
  few hundred bytes of events, before anything is built), or holding a recursive alias;
* holding a key twice in one mapping (YAML would silently keep the last one).

The structure is checked on the parser's event stream, which is not recursive; only
then is the document built (with libyaml when available).

Examples
--------
>>> from cmmc_analysis.errors import CodebookError
>>> from cmmc_analysis.paths import DEFAULT_CODEBOOK
>>> raw, doc = read_yaml(DEFAULT_CODEBOOK, CodebookError, "the codebook")
>>> sorted(doc)[:3]
['cleaning', 'constructs', 'fieldwork']
>>> bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\\n" + "".join(
...     f"{c}: &{c} [{', '.join(['*' + p] * 10)}]\\n" for p, c in zip("abcdefgh", "bcdefghi"))
>>> parse_yaml(bomb, CodebookError, "the codebook", "bomb.yaml")
Traceback (most recent call last):
...
cmmc_analysis.errors.CodebookError: bomb.yaml: the codebook holds more than 200000 values once its aliases are expanded (an alias bomb?)
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import yaml

from ..errors import SurveyDataError

__all__ = ["MAX_BYTES", "MAX_DEPTH", "MAX_NODES", "read_bytes", "read_yaml", "parse_yaml"]

#: The largest YAML file read (bytes).
MAX_BYTES = 8 * 2**20
#: The deepest nesting of mappings and lists accepted.
MAX_DEPTH = 32
#: The most values (scalars and collections) a file may hold once aliases are expanded.
MAX_NODES = 200_000

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_bytes(
    path: str | Path, error: type[SurveyDataError], what: str, *, max_bytes: int = MAX_BYTES
) -> bytes:
    """The bytes of a regular file of at most ``max_bytes``; else ``error`` in one line.

    >>> from cmmc_analysis.errors import ClaimsError
    >>> read_bytes("/dev/zero", ClaimsError, "the claims file")
    Traceback (most recent call last):
    ...
    cmmc_analysis.errors.ClaimsError: zero: cannot read the claims file: it is a device, not a regular file
    """
    path = Path(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as err:
        raise error(f"cannot read {what}: {err.strerror}", path=path) from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = (
                "a folder"
                if stat.S_ISDIR(mode)
                else "a pipe"
                if stat.S_ISFIFO(mode)
                else "a socket"
                if stat.S_ISSOCK(mode)
                else "a device"
            )
            raise error(f"cannot read {what}: it is {kind}, not a regular file", path=path)
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(max_bytes + 1)
    except OSError as err:
        raise error(f"cannot read {what}: {err.strerror}", path=path) from None
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise error(f"{what} is larger than {max_bytes} bytes, the most this tool reads", path=path)
    return data


def read_yaml(
    path: str | Path, error: type[SurveyDataError], what: str, *, max_bytes: int = MAX_BYTES
) -> tuple[bytes, Any]:
    """Read and parse a YAML file: (its bytes, the document)."""
    data = read_bytes(path, error, what, max_bytes=max_bytes)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise error(
            f"{what} is not UTF-8 text (byte {err.start + 1} is not valid UTF-8)", path=path
        ) from None
    return data, parse_yaml(text, error, what, path)


def parse_yaml(text: str, error: type[SurveyDataError], what: str, path: Any = None) -> Any:
    """Parse YAML text after checking its depth, size and keys on the event stream."""
    try:
        _check_events(text, error, what, path)
        return yaml.load(text, Loader=_LOADER)
    except SurveyDataError:
        raise
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(err, "problem", None) or str(err)
        raise error(f"invalid YAML{where}: {_one_line(problem)}", path=path) from None
    except (ValueError, OverflowError) as err:  # an int beyond the digit limit, a 30 February
        raise error(f"invalid YAML: {_one_line(str(err))}", path=path) from None


def _one_line(text: str) -> str:
    return " ".join(str(text).split())[:200]


class _Frame:
    __slots__ = ("size", "anchor", "keys", "expect_key")

    def __init__(self, anchor: str | None, mapping: bool) -> None:
        self.size = 0
        self.anchor = anchor
        self.keys: set[tuple[str, bool]] | None = set() if mapping else None
        self.expect_key = mapping


def _check_events(text: str, error: type[SurveyDataError], what: str, path: Any) -> None:
    stack: list[_Frame] = []
    sizes: dict[str, int] = {}
    open_anchors: set[str] = set()

    def add(size: int, event: Any) -> None:
        if not stack:
            return
        parent = stack[-1]
        parent.size += size
        if parent.size > MAX_NODES:
            raise error(
                f"{what} holds more than {MAX_NODES} values once its aliases are expanded "
                "(an alias bomb?)",
                path=path,
            )
        if parent.keys is not None:
            if parent.expect_key and isinstance(event, yaml.ScalarEvent):
                key = (event.value, event.style is None)
                if key in parent.keys:
                    line = event.start_mark.line + 1
                    raise error(
                        f"invalid YAML at line {line}: the key {event.value[:60]!r} appears twice "
                        "in the same mapping",
                        path=path,
                    )
                parent.keys.add(key)
            parent.expect_key = not parent.expect_key

    for event in yaml.parse(text, Loader=_LOADER):
        if isinstance(event, yaml.AliasEvent):
            if event.anchor in open_anchors:
                raise error(
                    f"invalid YAML at line {event.start_mark.line + 1}: the alias "
                    f"*{event.anchor} refers to a node that contains it (a recursive alias)",
                    path=path,
                )
            add(sizes.get(event.anchor, 1), event)
        elif isinstance(event, yaml.ScalarEvent):
            if event.anchor:
                sizes[event.anchor] = 1
            add(1, event)
        elif isinstance(event, yaml.CollectionStartEvent):
            if len(stack) >= MAX_DEPTH:
                raise error(
                    f"{what} is nested more than {MAX_DEPTH} levels deep "
                    f"(line {event.start_mark.line + 1})",
                    path=path,
                )
            if event.anchor:
                open_anchors.add(event.anchor)
            stack.append(_Frame(event.anchor, isinstance(event, yaml.MappingStartEvent)))
        elif isinstance(event, yaml.CollectionEndEvent):
            frame = stack.pop()
            size = frame.size + 1
            if frame.anchor:
                open_anchors.discard(frame.anchor)
                sizes[frame.anchor] = size
            add(size, event)
