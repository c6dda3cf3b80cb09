"""Packaging metadata: the licence as an SPDX expression (a TOML table is deprecated by setuptools and warns)."""

from __future__ import annotations

import tomllib
import warnings
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def test_license_is_an_spdx_string_that_setuptools_reads_without_a_deprecation_warning():
    from setuptools.config.pyprojecttoml import apply_configuration
    from setuptools.dist import Distribution

    project = tomllib.loads(PYPROJECT.read_text())
    assert project["project"]["license"] == "Apache-2.0"
    assert "setuptools>=77" in project["build-system"]["requires"][0], "SPDX licence strings need setuptools 77"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        apply_configuration(Distribution(), PYPROJECT)
    assert not [w for w in caught if "license" in str(w.message).lower()], [str(w.message) for w in caught]
