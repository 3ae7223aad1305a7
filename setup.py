"""Package discovery, the one thing pyproject.toml cannot say here.

The repository keeps device/ and server/ at the top level, and they install as
footnote.device and footnote.server (see [tool.setuptools.package-dir] in pyproject.toml).
setuptools' own discovery would install them as top-level `device` and `server`, so the
packages are found here, under their installed names: a new sub-package is in the wheel
without anyone listing it (a hand-kept list once left footnote.server.exports out of
every regular install). Folders without an __init__.py (templates, static files,
demo runs) are namespace packages whose files are package data.
"""

from setuptools import find_namespace_packages, setup

TOPS = ("device", "server")

# Namespace packages too: a folder of templates, static files or demo runs is a package
# whose files are package data (setuptools warns about such a folder left out).
SUBPACKAGES = {top: find_namespace_packages(top, exclude=["*__pycache__*"]) for top in TOPS}

setup(packages=[f"footnote.{name}" for top in TOPS for name in [top, *(f"{top}.{sub}" for sub in SUBPACKAGES[top])]])
