"""Pseudonymous respondent ids: a salted, non-reversible id from a key such as the email.

Examples
--------
>>> import pandas as pd
>>> ids = pseudonymise(pd.Series(["a@x.it", "A@x.it ", None]), salt=b"s", fallback=pd.Series([2, 3, 4]))
>>> ids.iloc[0] == ids.iloc[1], ids.iloc[2].startswith("r")
(True, True)
>>> len(ids.iloc[0])
12
"""

from __future__ import annotations

import hashlib
import hmac

import numpy as np
import pandas as pd

__all__ = ["pseudonymise"]


def pseudonymise(keys: pd.Series, *, salt: bytes, fallback: pd.Series) -> pd.Series:
    """Stable, non-reversible respondent ids from a key such as the email.

    The key is stripped and casefolded, then hashed with HMAC-SHA256 under ``salt``;
    the first 12 hex digits are the id. Without the salt the id cannot be linked back
    to an email, even by someone who guesses the email. Rows with an empty key get an
    id from ``fallback`` (for example the source row) under the same salt.

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
    norm = keys.astype("string").str.strip().str.casefold()
    has_key = norm.notna() & (norm != "")
    source = norm.where(has_key, "row:" + fallback.astype("string"))
    inverse, uniques = pd.factorize(source)
    digests = np.array(
        [
            "r" + hmac.new(salt, str(u).encode("utf-8"), hashlib.sha256).hexdigest()[:11]
            for u in uniques
        ],
        dtype=object,
    )
    return pd.Series(digests[inverse], index=keys.index, dtype="string")
