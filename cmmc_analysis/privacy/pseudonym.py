"""Pseudonymous respondent ids: a salted HMAC of the key, never the key itself.

The key (for example the email) is stripped and lower-cased in one vectorised pass,
factorised, and hashed once per *distinct* key with HMAC-SHA256 under the salt (the
HMAC's inner and outer states are prepared once and copied per key). Rows without a
key get a keyed 64-bit mix of their source row. Every id is ``"r"`` and 11 hex digits
(the top 44 bits of a 64-bit value), built as Arrow strings straight from the bytes.
See ``docs/cleaning.md`` ("Personal data and the respondent id").

Examples
--------
>>> ids = pseudonymise(pd.Series(["Ada@x.org", " ada@X.org", None]), salt=b"s",
...                    fallback=pd.Series([2, 3, 4]))
>>> ids[0] == ids[1] != ids[2], len(ids[0])
(True, 12)
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["pseudonymise", "respondent_ids", "respondent_id_array", "unique_ids"]


def _hmac64(salt: bytes, texts: list[str] | list[bytes]) -> np.ndarray:
    """The first 8 bytes of HMAC-SHA256(salt, text) of each text (str as UTF-8, or bytes),
    as big-endian uint64."""
    key = hashlib.sha256(salt).digest() if len(salt) > 64 else salt  # RFC 2104
    key = key.ljust(64, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))
    inner_copy, outer_copy = inner.copy, outer.copy
    out = bytearray()
    for text in texts:  # HMAC = H(key ^ opad, H(key ^ ipad, text)), the pads hashed once
        h = inner_copy()
        h.update(text.encode("utf-8") if isinstance(text, str) else text)
        o = outer_copy()
        o.update(h.digest())
        out += o.digest()[:8]
    return np.frombuffer(bytes(out), dtype=">u8").astype(np.uint64)


def _normalised_keys(keys: Any) -> pa.Array:
    from ..clean.text import arrow_strings

    norm = pc.utf8_lower(pc.utf8_trim_whitespace(arrow_strings(keys)))
    return pc.if_else(pc.equal(pc.utf8_length(norm), 0), None, norm)


def _keyed64(norm: pa.Array, salt: bytes) -> np.ndarray:
    """HMAC prefix of each row's normalised key (rows without a key: 0)."""
    if isinstance(norm, pa.ChunkedArray):
        norm = norm.combine_chunks()
    encoded = pc.dictionary_encode(norm)  # distinct keys hashed once, as UTF-8 bytes
    keys = encoded.dictionary.cast(pa.large_binary()).to_pylist()
    lut = np.append(_hmac64(salt, keys), np.uint64(0))
    codes = pc.fill_null(encoded.indices, len(keys)).to_numpy(zero_copy_only=False)
    return lut[codes]


def pseudonymise(keys: pd.Series, *, salt: bytes, fallback: pd.Series) -> pd.Series:
    """Stable, non-reversible respondent ids from a key such as the email.

    The key is stripped and lower-cased, then hashed with HMAC-SHA256 under ``salt``;
    ``"r"`` and the first 11 hex digits are the id. Without the salt the id cannot be
    linked back to an email, even by someone who guesses the email. Rows with an
    empty key get an id from ``fallback`` (for example the source row) under the same
    salt.

    Parameters
    ----------
    keys
        The key values (strings or missing).
    salt
        Secret bytes; by default the caller derives them from the raw file's hash or
        the environment variable named in the codebook (``cleaning.pseudonym.salt_env``).
    fallback
        Values used for rows without a key (same index as ``keys``).

    Returns
    -------
    pandas.Series of str, same index as ``keys``.
    """
    norm = _normalised_keys(keys)
    has_key = pc.is_valid(norm).to_numpy(zero_copy_only=False)
    text = pd.Series(norm, dtype="str").to_numpy(dtype=object)
    if not has_key.all():
        rows = np.asarray(fallback.astype("string").to_numpy(dtype=object))
        text[~has_key] = ["row:" + str(r) for r in rows[~has_key]]
    codes, uniques = pd.factorize(text)
    x = _hmac64(salt, list(uniques))[codes]
    return pd.Series(hex_id_array(x), index=keys.index, dtype="string")


def _splitmix64(x: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser: a bijective 64-bit mix (vectorised)."""
    with np.errstate(over="ignore"):
        x = x + np.uint64(0x9E3779B97F4A7C15)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def _hex_bytes(x: np.ndarray) -> np.ndarray:
    """``"r"`` + the top 44 bits of ``x`` as 11 hex digits: an ``(n, 12)`` uint8 array."""
    shifts = np.arange(60, 16, -4, dtype=np.uint64)
    nibbles = ((x[:, None] >> shifts) & np.uint64(0xF)).astype(np.uint8)
    chars = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)[nibbles]
    prefix = np.full((len(x), 1), ord("r"), dtype=np.uint8)
    return np.ascontiguousarray(np.hstack([prefix, chars]))


def hex_id_array(x: np.ndarray) -> Any:
    """``"r"`` + the top 44 bits of each ``x`` as a pandas ``str`` array built on the bytes."""
    x = np.asarray(x, dtype=np.uint64)
    text = _hex_bytes(x)
    offsets = np.arange(0, 12 * len(x) + 1, 12, dtype=np.int32)
    arrow = pa.StringArray.from_buffers(len(x), pa.py_buffer(offsets), pa.py_buffer(text))
    return pd.array(arrow, dtype=pd.StringDtype("pyarrow", na_value=np.nan))


def respondent_id_array(
    df: pd.DataFrame, key_fields: list[str], *, salt: bytes
) -> tuple[Any, np.ndarray]:
    """Each row's id (a pandas ``str`` array) and its 44 bits (uint64).

    Rows with a key: HMAC of the key (:func:`pseudonymise`); rows without one: ``"r"``
    and 11 hex digits of a keyed 64-bit mix (splitmix64) of their source row, unique in
    the file, stable for the same salt, holding no personal data. The integers are equal
    exactly when the ids are, so uniqueness is checked on them without hashing strings.
    """
    from ..clean.text import key_text

    n = len(df)
    seed = int.from_bytes(hmac.new(salt, b"row-ids", hashlib.sha256).digest()[:8], "big")
    x = _splitmix64(df["source_row"].to_numpy(dtype=np.uint64) ^ np.uint64(seed))
    if key_fields and n:
        norm = key_text(df, key_fields)
        has_key = pc.is_valid(norm).to_numpy(zero_copy_only=False)
        if has_key.any():
            x = np.where(has_key, _keyed64(norm, salt), x)
    return hex_id_array(x), x >> np.uint64(20)


def respondent_ids(df: pd.DataFrame, key_fields: list[str], *, salt: bytes) -> np.ndarray:
    """:func:`respondent_id_array` as an object array of ``str``."""
    ids, _ = respondent_id_array(df, key_fields, salt=salt)
    return np.asarray(ids, dtype=object)


def unique_ids(ids: Any, bits: np.ndarray | None = None) -> Any:
    """Make ids unique by suffixing ``-2``, ``-3``, ... to later repeats (duplicates kept).

    ``bits`` (equal exactly when the ids are) lets unique ids return at once.

    >>> unique_ids(np.array(["r1", "r2", "r1"], dtype=object)).tolist()
    ['r1', 'r2', 'r1-2']
    """
    if bits is not None and len(pd.unique(bits)) == len(bits):
        return ids
    ids = np.asarray(ids, dtype=object)
    series = pd.Series(ids, dtype=object)
    rank = series.groupby(series, sort=False).cumcount().to_numpy()
    if not rank.any():
        return ids
    out = ids.copy()
    later = rank > 0
    out[later] = (
        series[later] + "-" + pd.Series(rank[later] + 1).astype(str).to_numpy()
    ).to_numpy()
    return out
