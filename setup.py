"""Only for ``scrapyd-deploy``, which builds its egg with ``python setup.py bdist_egg``.

Everything else (metadata, package data, and the ``scrapy`` entry point naming the settings
module, which scrapyd reads from the egg) is declared in pyproject.toml. Without this file
scrapyd-deploy would write its own setup.py, which leaves the package data out of the egg.
"""

from setuptools import setup

setup()
