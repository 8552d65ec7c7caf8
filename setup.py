"""Packaging for scrapyd: ``scrapyd-deploy`` runs ``setup.py bdist_egg`` and uploads the egg.

Only the ``newscrawler`` package goes into the egg (no tests, no saved site). Data files the package reads at
run time must be listed in ``package_data`` below *and* be read with ``pkgutil.get_data`` /
``importlib.resources`` (scrapyd imports the egg as a zip file: ``open(Path(__file__).parent / ...)`` fails there).
Dependencies are not in the egg: the scrapyd that runs it needs ``pip install -r requirements.txt``.
"""

from setuptools import find_packages, setup

setup(
    name="newscrawler",
    version="1.0",
    description="kp40.ru news crawler",
    packages=find_packages(exclude=["tests", "tests.*"]),
    package_data={
        "newscrawler": [
            "**/*.json", "**/*.jsonl", "**/*.yaml", "**/*.yml", "**/*.toml", "**/*.txt", "**/*.csv",
            "**/*.md", "**/*.html", "**/*.js", "**/*.sql",
        ],
    },
    entry_points={"scrapy": ["settings = newscrawler.settings"]},
    python_requires=">=3.11",
)
