"""Safe outputs: never an input, never a foreign file, never a half-built report.

Every folder the report build creates holds a manifest, :data:`MARKER`
(``.cmmc-report``): a short JSON object with the tool's name, the state of the
folder (``"building"`` or ``"complete"``), the id of the building process and the
names of the files the tool wrote there. A folder is the tool's to replace or delete
only when it is a real folder (not a symbolic link, not a mount point), holds a valid
manifest, and holds nothing but the manifest and regular files listed in it. Deleting
is done file by file (the listed names only, then ``rmdir``), never with ``rmtree``.

Inputs (the export, the codebook, the claims) are compared with outputs as files,
by ``(st_dev, st_ino)``: a hard link, a symbolic link or another spelling of the path
of an input is the input.

Length: over 500 lines. Every rule that keeps outputs away from inputs and foreign files
(manifests, inode checks, the atomic swap, stale-folder clean-up) sits in one place, so
that a reviewer reads the whole guarantee at once.

Examples
--------
>>> import tempfile
>>> with tempfile.TemporaryDirectory() as d:
...     folder = Path(d) / "r"
...     folder.mkdir()
...     _ = (folder / "index.html").write_text("<p>hi</p>")
...     write_manifest(folder, ["index.html"], state="complete")
...     owned = check_owned(folder, inputs=())
...     remove_owned(folder), folder.exists()
(True, False)
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import json
import os
import secrets
import socket
import stat
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from . import __version__
from .errors import OutputError

__all__ = [
    "MARKER",
    "CLEAN_MARKER",
    "TOOL",
    "file_id",
    "check_not_input",
    "read_manifest",
    "write_manifest",
    "check_owned",
    "check_report_target",
    "remove_owned",
    "make_build_folder",
    "publish",
    "remove_stale",
    "swap",
    "write_files",
]

#: The manifest file marking a folder written by the report build.
MARKER = ".cmmc-report"
TOOL = "cmmc-analysis"
_EXPECTED = (
    "expected a new folder or one an earlier cmmc-analysis report made "
    f"(holding only the files listed in its {MARKER}); nothing was changed"
)


def _shown(path: Path) -> str:
    return f"'{path}'"


def file_id(path: str | Path) -> tuple[int, int] | None:
    """``(st_dev, st_ino)`` of the file ``path`` names (links followed), or None if absent.

    >>> file_id("/no/such/file") is None
    True
    """
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return (st.st_dev, st.st_ino)


def _input_ids(inputs: Iterable[str | Path | None]) -> dict[tuple[int, int], Path]:
    ids = {}
    for p in inputs:
        if p is None:
            continue
        fid = file_id(p)
        if fid is not None:
            ids[fid] = Path(p)
    return ids


def check_not_input(
    target: str | Path, inputs: Iterable[str | Path | None], *, what: str = "output"
) -> None:
    """Refuse an output path that is, or links to, one of ``inputs`` (compared as files).

    Raises
    ------
    OutputError
        ``target`` exists and is the same file as an input (same path, a hard link, a
        symbolic link to it).
    """
    target = Path(target)
    ids = _input_ids(inputs)
    fid = file_id(target)
    if fid is not None and fid in ids:
        raise OutputError(
            f"{what} {_shown(target)} is the input file {ids[fid].name!r} (the same file, "
            "a hard link or a symbolic link to it); expected an output name that is not an "
            "input; nothing was changed"
        )


def read_manifest(folder: str | Path, *, marker: str = MARKER) -> dict[str, Any] | None:
    """The manifest of ``folder`` if it is a valid one written by this tool, else None.

    Valid: a regular file (not a link), a JSON object with ``tool`` equal to
    :data:`TOOL` and ``files`` a list of plain file names (no folder part, no ``..``).
    """
    path = Path(folder) / marker
    try:
        st = os.lstat(path)
        if not stat.S_ISREG(st.st_mode) or st.st_size > 1 << 20:
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("tool") != TOOL:
        return None
    files = data.get("files")
    if not isinstance(files, list) or not all(_plain_name(f) and f != marker for f in files):
        return None
    return data


def _plain_name(name: object) -> bool:
    return (
        isinstance(name, str)
        and name not in ("", ".", "..")
        and "/" not in name
        and "\\" not in name
        and "\0" not in name
    )


def write_manifest(
    folder: str | Path,
    files: Sequence[str],
    *,
    state: str,
    pid: int | None = None,
    marker: str = MARKER,
) -> None:
    """Write the manifest of ``folder`` (atomically: a temporary name, then a rename)."""
    folder = Path(folder)
    data = {
        "tool": TOOL,
        "version": __version__,
        "state": state,
        "pid": os.getpid() if pid is None else pid,
        "host": socket.gethostname(),
        "files": sorted(set(files)),
    }
    tmp = folder / f"{marker}.tmp"
    tmp.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, folder / marker)


def check_owned(
    folder: str | Path, *, inputs: Iterable[str | Path | None], shown: str | Path | None = None
) -> dict[str, Any]:
    """The manifest of ``folder``, after checking that the folder is entirely the tool's.

    Raises
    ------
    OutputError
        ``folder`` is a symbolic link, not a folder, a mount point, has no valid
        manifest, holds anything not listed in it (or not a regular file), or holds an
        input.
    """
    folder = Path(folder)
    name = _shown(Path(shown) if shown is not None else folder)
    try:
        st = os.lstat(folder)
    except OSError as err:
        raise OutputError(f"output folder {name}: cannot read it ({err.strerror})") from err
    if stat.S_ISLNK(st.st_mode):
        raise OutputError(f"output folder {name} is a symbolic link; {_EXPECTED}")
    if not stat.S_ISDIR(st.st_mode):
        raise OutputError(f"output folder {name} exists and is not a folder; {_EXPECTED}")
    if os.path.ismount(folder):
        raise OutputError(f"output folder {name} is a mount point; {_EXPECTED}")
    manifest = read_manifest(folder)
    if manifest is None:
        raise OutputError(
            f"output folder {name} exists and was not made by cmmc-analysis report "
            f"(no valid {MARKER} in it); {_EXPECTED}"
        )
    listed = set(manifest["files"])
    ids = _input_ids(inputs)
    try:
        entries = list(os.scandir(folder))
    except OSError as err:
        raise OutputError(f"output folder {name}: cannot list it ({err.strerror})") from err
    for entry in entries:
        if entry.name == MARKER:
            continue
        if entry.name not in listed or not entry.is_file(follow_symlinks=False):
            raise OutputError(
                f"output folder {name} holds {entry.name!r}, which cmmc-analysis did not "
                f"write; {_EXPECTED}"
            )
        fid = file_id(entry.path)
        if fid in ids:
            raise OutputError(
                f"output folder {name} holds the input file {ids[fid].name!r} (as "
                f"{entry.name!r}); {_EXPECTED}"
            )
    return manifest


def check_report_target(
    out: str | Path, *, inputs: Iterable[str | Path | None], shown: str | Path | None = None
) -> bool:
    """Check that the report may be written to ``out``; True if ``out`` exists.

    ``out`` must be absent (a new folder) or a folder the tool wrote
    (:func:`check_owned`); it must not be, or be a link to, an input.
    """
    out = Path(out)
    shown = Path(shown) if shown is not None else out
    inputs = list(inputs)
    try:
        os.lstat(out)
    except FileNotFoundError:
        return False
    except OSError as err:
        raise OutputError(
            f"output folder {_shown(shown)}: cannot read it ({err.strerror})"
        ) from err
    ids = _input_ids(inputs)
    if file_id(out) in ids:
        raise OutputError(
            f"output folder {_shown(shown)} is the input file {ids[file_id(out)].name!r}; "
            f"{_EXPECTED}"
        )
    check_owned(out, inputs=inputs, shown=shown)
    return True


def remove_owned(folder: str | Path) -> bool:
    """Delete a folder of the tool: its listed regular files, the manifest, then the folder.

    Nothing else is touched: an unlisted file, a sub-folder or a link keeps the folder
    (returns False). Returns True when the folder is gone.
    """
    folder = Path(folder)
    try:
        if not stat.S_ISDIR(os.lstat(folder).st_mode):
            return False
    except OSError:
        return False
    manifest = read_manifest(folder)
    if manifest is None:
        return False
    for name in manifest["files"]:
        path = folder / name
        with contextlib.suppress(OSError):
            if stat.S_ISREG(os.lstat(path).st_mode):
                path.unlink()
    for name in (f"{MARKER}.tmp", MARKER):
        with contextlib.suppress(OSError):
            if stat.S_ISREG(os.lstat(folder / name).st_mode):
                (folder / name).unlink()
    try:
        folder.rmdir()
    except OSError:
        return False
    return True


def _prefix(out: Path) -> str:
    return f".{out.name}.cmmc-"


def make_build_folder(out: Path, files: Sequence[str]) -> Path:
    """A new hidden folder beside ``out`` for a build, marked as the tool's (state building).

    Readable by its owner only while the pages in it are unchecked; :func:`publish`
    gives it the usual permissions once they passed.
    """
    for _ in range(100):
        folder = out.parent / f"{_prefix(out)}build-{secrets.token_hex(4)}"
        try:
            os.mkdir(folder, 0o700)
        except FileExistsError:
            continue
        write_manifest(folder, files, state="building")
        return folder
    raise OutputError(f"cannot create a build folder beside {_shown(out)}")  # pragma: no cover


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def publish(folder: Path, files: Sequence[str]) -> None:
    """Mark a checked build folder complete and give it the usual permissions.

    The folder gets ``0o777`` less the umask, as ``mkdir`` would give it (not the
    ``0o700`` of :func:`tempfile.mkdtemp`); its files were written with ``0o666`` less
    the umask.
    """
    write_manifest(folder, files, state="complete")
    os.chmod(folder, 0o777 & ~_umask())


def _alive(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0 or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def remove_stale(out: Path) -> list[str]:
    """Delete hidden build folders that an earlier, killed build left beside ``out``.

    Only folders named ``.<out name>.cmmc-build-*`` or ``.<out name>.cmmc-old-*``,
    marked by the tool's manifest, holding nothing else, and whose building process is
    gone (same machine, process id no longer running). If ``out`` itself is missing because a build was killed between the two
    renames of the swap, the previous report is put back first. Returns the names
    removed.
    """
    removed: list[str] = []
    prefix = _prefix(out)
    try:
        entries = [e for e in os.scandir(out.parent) if e.name.startswith(prefix)]
    except (OSError, TypeError):
        return removed
    stale = []
    for entry in sorted(entries, key=lambda e: e.name):
        if not entry.is_dir(follow_symlinks=False):
            continue
        manifest = read_manifest(entry.path)
        if manifest is None or _alive(manifest.get("pid")):
            continue
        if manifest.get("host", socket.gethostname()) != socket.gethostname():
            continue  # built on another machine (shared folder): its process is not ours to judge
        stale.append((entry, manifest))
    if not os.path.lexists(out):
        olds = [
            e
            for e, m in stale
            if e.name.startswith(f"{prefix}old-") and m.get("state") == "complete"
        ]
        if len(olds) == 1:
            with contextlib.suppress(OSError):
                os.rename(olds[0].path, out)
                stale = [(e, m) for e, m in stale if e is not olds[0]]
    for entry, _manifest in stale:
        with contextlib.suppress(OutputError):
            check_owned(entry.path, inputs=())
            if remove_owned(entry.path):
                removed.append(entry.name)
    return removed


#: The manifest of a folder ``cmmc-analysis clean`` wrote to.
CLEAN_MARKER = ".cmmc-clean"


def write_files(
    out: str | Path,
    writers: Mapping[str, Callable[[Path], object]],
    *,
    inputs: Iterable[str | Path | None],
    marker: str = CLEAN_MARKER,
) -> list[Path]:
    """Write files into the folder ``out`` (created if missing) without harming anything.

    ``writers`` maps each file name to a function writing that file at the path it is
    given. Before anything is written, every name is checked: it must not be an input
    (compared as files: the same file, a hard link, a symbolic link), a symbolic link,
    a folder, or an existing file the tool did not write (not listed in the folder's
    manifest ``marker``). Each file is written under a temporary name and renamed into
    place, so an existing file is replaced, never written into. The manifest then lists
    the files written.

    Raises
    ------
    OutputError
        On any of the above, before anything is written.
    """
    out = Path(out)
    inputs = list(inputs)
    shown = _shown(out)
    if os.path.lexists(out) and not out.is_dir():
        raise OutputError(
            f"output folder {shown} exists and is not a folder; expected a folder (new or "
            "existing); nothing was changed"
        )
    check_not_input(out, inputs, what="output folder")
    manifest = read_manifest(out, marker=marker) if out.is_dir() else None
    listed = set(manifest["files"]) if manifest else set()
    for name in writers:
        target = out / name
        if not os.path.lexists(target):
            continue
        check_not_input(target, inputs)
        if os.path.islink(target):
            raise OutputError(
                f"output {_shown(target)} is a symbolic link; expected a free file name or a "
                "file cmmc-analysis wrote; nothing was changed"
            )
        if target.is_dir():
            raise OutputError(
                f"output {_shown(target)} is a folder; expected a free file name or a file "
                "cmmc-analysis wrote; nothing was changed"
            )
        if name not in listed:
            raise OutputError(
                f"output {_shown(target)} exists and was not written by cmmc-analysis (not in "
                f"the folder's {marker} manifest); expected a free file name or a file "
                "cmmc-analysis wrote; move it away or choose another folder; nothing was changed"
            )
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(f"output folder {shown}: cannot create it ({err.strerror})") from err
    written = []
    for name, write in writers.items():
        target = out / name
        tmp = out / f".{name}.cmmc-tmp-{secrets.token_hex(4)}"
        try:
            write(tmp)
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        written.append(target)
        listed.add(name)
        write_manifest(out, sorted(listed), state="complete", marker=marker)
    return written


_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux ``renameat2(RENAME_EXCHANGE)``); False if unsupported."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p]
    renameat2.argtypes += [ctypes.c_uint]
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


@contextlib.contextmanager
def _as_output_error(out: Path) -> Iterator[None]:
    try:
        yield
    except OSError as err:
        raise OutputError(
            f"output folder {_shown(out)}: cannot put the new report in place "
            f"({err.strerror}); the previous report is unchanged"
        ) from err


def swap(
    built: Path,
    out: Path,
    *,
    inputs: Iterable[str | Path | None],
    shown: str | Path | None = None,
) -> None:
    """Put the finished folder ``built`` in place of ``out`` (both in the same folder).

    ``out`` is checked again (it must still be absent or entirely the tool's); the
    previous report is exchanged atomically where the system allows it (else renamed
    away and renamed back on failure) and then deleted file by file
    (:func:`remove_owned`).
    """
    inputs = list(inputs)
    label = Path(shown) if shown is not None else out
    if not check_report_target(out, inputs=inputs, shown=shown):
        with _as_output_error(label):
            os.rename(built, out)
        return
    with _as_output_error(label):
        if _exchange(built, out):
            remove_owned(built)
            return
    old = out.parent / f"{_prefix(out)}old-{secrets.token_hex(4)}"
    with _as_output_error(label):
        os.rename(out, old)
        try:
            os.rename(built, out)
        except BaseException:
            os.rename(old, out)
            raise
    remove_owned(old)
