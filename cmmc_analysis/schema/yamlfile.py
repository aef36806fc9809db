"""Reading a YAML file the user gave, with bounded time and memory.

Every YAML file of the package (codebook, claims, margins, simulator model) is read
here, and refused with one line of the caller's exception type when it is:

* not a regular file (a folder, a pipe, a device such as ``/dev/zero``): checked on
  the opened descriptor, which is opened without blocking, so a FIFO never hangs;
* larger than :data:`MAX_BYTES`;
* not UTF-8 text, or not valid YAML (the line and column are named);
* nested deeper than :data:`MAX_DEPTH`, or larger than :data:`MAX_NODES` values once
  its aliases are expanded (a "billion laughs" alias bomb is refused before anything is built), or holding a recursive alias;
* holding a key twice in one mapping (YAML would silently keep the last one).

The file is composed once (with libyaml when available, whose parser refuses nesting
beyond 1000 levels), the node graph is checked without recursion, and only then is
the document built.

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
cmmc_analysis.errors.CodebookError: bomb.yaml: the codebook holds more than 100000 values once its aliases are expanded (an alias bomb?)
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
MAX_BYTES = 2 * 2**20
#: The deepest nesting of mappings and lists accepted.
MAX_DEPTH = 32
#: The most values (scalars and collections) a file may hold once aliases are expanded.
MAX_NODES = 100_000

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_bytes(
    path: str | Path, error: type[SurveyDataError], what: str, *, max_bytes: int | None = None
) -> bytes:
    """The bytes of a regular file of at most ``max_bytes``; else ``error`` in one line.

    >>> from cmmc_analysis.errors import ClaimsError
    >>> read_bytes("/dev/zero", ClaimsError, "the claims file")
    Traceback (most recent call last):
    ...
    cmmc_analysis.errors.ClaimsError: zero: cannot read the claims file: it is a device, not a regular file
    """
    path = Path(path)
    max_bytes = MAX_BYTES if max_bytes is None else max_bytes
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
    path: str | Path, error: type[SurveyDataError], what: str, *, max_bytes: int | None = None
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
    """Parse YAML text: compose the node graph, check it, then build the document.

    Composing shares the node of an anchor among its aliases, so an alias bomb
    composes in microseconds; the check counts what the aliases would expand to
    before anything is built.
    """
    loader = _LOADER(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_nodes(node, error, what, path)
        return loader.construct_document(node)
    except SurveyDataError:
        raise
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(err, "problem", None) or str(err)
        raise error(f"invalid YAML{where}: {_one_line(problem)}", path=path) from None
    except (ValueError, OverflowError) as err:  # an int beyond the digit limit, a 30 February
        raise error(f"invalid YAML: {_one_line(str(err))}", path=path) from None
    finally:
        loader.dispose()


def _one_line(text: str) -> str:
    return " ".join(str(text).split())[:200]


_MERGE = "tag:yaml.org,2002:merge"


def _check_nodes(root: yaml.Node, error: type[SurveyDataError], what: str, path: Any) -> None:
    """Depth, expanded size, recursive aliases and repeated keys, without recursion."""
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, list[yaml.Node] | None]] = [(root, None)]
    while stack:
        node, children = stack.pop()
        key = id(node)
        if children is not None:  # all children done
            open_nodes.discard(key)
            size[key] = 1 + sum(size[id(c)] for c in children)
            depth[key] = 1 + max((depth[id(c)] for c in children), default=0)
            if depth[key] > MAX_DEPTH:
                raise error(
                    f"{what} is nested more than {MAX_DEPTH} levels deep "
                    f"(line {node.start_mark.line + 1})",
                    path=path,
                )
            if size[key] > MAX_NODES:
                raise error(
                    f"{what} holds more than {MAX_NODES} values once its aliases are "
                    "expanded (an alias bomb?)",
                    path=path,
                )
            continue
        if key in size:
            continue
        if isinstance(node, yaml.ScalarNode):
            size[key] = depth[key] = 1
            continue
        children = _children(node)
        if isinstance(node, yaml.MappingNode):
            _no_repeated_keys(node, error, path)
        open_nodes.add(key)
        stack.append((node, children))
        for child in children:
            if id(child) in open_nodes:
                raise error(
                    f"invalid YAML at line {child.start_mark.line + 1}: an alias refers to a "
                    "node that contains it (a recursive alias)",
                    path=path,
                )
            if id(child) not in size:
                stack.append((child, None))


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _no_repeated_keys(node: yaml.MappingNode, error: type[SurveyDataError], path: Any) -> None:
    seen: set[tuple[str, str]] = set()
    for key, _ in node.value:
        if not isinstance(key, yaml.ScalarNode) or key.tag == _MERGE:
            continue
        if (key.tag, key.value) in seen:
            raise error(
                f"invalid YAML at line {key.start_mark.line + 1}: the key {key.value[:60]!r} "
                "appears twice in the same mapping",
                path=path,
            )
        seen.add((key.tag, key.value))
