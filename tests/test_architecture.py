"""The architecture's rules, checked on the code itself."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from types import ModuleType

import pytest

#: The computing packages and modules: they return ids and numbers, never text for a page.
COMPUTING = (
    "io",
    "clean",
    "describe",
    "significance",
    "reliability",
    "claims",
    "weights",
    "banner",
    "privacy",
    "survey",
    "chunked",
)

#: Methods that take a language because they are display shortcuts or read a text of
#: the survey's own files, not computations.
LANGUAGE_ALLOWED = {
    # Banner.to_styler / to_excel: shortcuts for cmmc_analysis.display.format_banner
    "cmmc_analysis.banner.Banner.to_styler",
    "cmmc_analysis.banner.Banner.to_excel",
    # a claim's statement and title as the claims file words them, in a language of the file
    "cmmc_analysis.claims.spec.Claim.text",
    "cmmc_analysis.claims.spec.Claim.heading",
    # a claim's short label (its `label:`, else the statement cut at a word)
    "cmmc_analysis.claims.spec.Claim.short",
}


def _modules(name: str) -> list[ModuleType]:
    try:
        module = importlib.import_module(f"cmmc_analysis.{name}")
    except ModuleNotFoundError:  # a module dissolved into others
        return []
    found = [module]
    if hasattr(module, "__path__"):
        for info in pkgutil.walk_packages(module.__path__, prefix=f"{module.__name__}."):
            found.append(importlib.import_module(info.name))
    return found


def _public_callables(module: ModuleType):
    """Public functions defined in ``module`` and the public methods of its classes."""
    for name, obj in vars(module).items():
        if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
            continue
        if inspect.isfunction(obj):
            yield f"{module.__name__}.{name}", obj
        elif inspect.isclass(obj):
            for attr, member in vars(obj).items():
                if isinstance(member, staticmethod | classmethod):
                    member = member.__func__
                if not attr.startswith("_") and inspect.isfunction(member):
                    yield f"{module.__name__}.{name}.{attr}", member


def _taking_lang(modules: list[ModuleType]) -> list[str]:
    return sorted(
        qualname
        for module in modules
        for qualname, func in _public_callables(module)
        if "lang" in inspect.signature(func).parameters and qualname not in LANGUAGE_ALLOWED
    )


def test_no_computing_function_takes_a_language() -> None:
    # computing returns ids and numbers; cmmc_analysis.display translates and formats
    modules = [m for name in COMPUTING for m in _modules(name)]
    assert len(modules) >= 15  # the walk really found the sub-packages' modules
    assert _taking_lang(modules) == []


def test_the_check_sees_a_function_that_takes_a_language() -> None:
    # the same inspection finds lang= where it belongs: in the display layer
    found = _taking_lang(_modules("display"))
    assert "cmmc_analysis.display.tables.format_table" in found
    assert "cmmc_analysis.display.banner.format_banner" in found


@pytest.mark.parametrize("qualname", sorted(LANGUAGE_ALLOWED))
def test_every_allowed_exception_still_exists(qualname: str) -> None:
    module_name, cls, attr = qualname.rsplit(".", 2)
    func = getattr(getattr(importlib.import_module(module_name), cls), attr)
    assert "lang" in inspect.signature(func).parameters
