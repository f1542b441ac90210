"""Everything the README and docs/*.md name exists: file paths, Python references,
permissions and management commands. A rename that leaves the docs behind fails here.

The docs' reference syntax, which this reads:
- a file or folder: a code span starting at the repository root, `orders/bulk.py`,
  `backoffice/services/`, `tests/test_admin_*.py` (a glob), `…/<language>/` (a
  placeholder), or a link, `[text](docs/scale-out.md)` (relative to the doc, as
  GitHub reads it); a migration as `app/NNNN` (`orders/0007`);
- a Python object: its dotted path in a code span, `core.fsm.run_transition`,
  `orders.models.Order.archive` (or `module:attribute`);
- a permission: `app_label.codename`, `orders.export_order`;
- a command: `manage.py <command>`, anywhere (code blocks and cron lines included).
"""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
PACKAGES = {path.parent.name for path in ROOT.glob("*/__init__.py")}
TOP_LEVEL = {path.name for path in ROOT.iterdir()} - {".git", ".venv", ".uv"}

FENCED = re.compile(r"^```.*?^```", re.DOTALL | re.MULTILINE)
CODE_SPAN = re.compile(r"`([^`\n]+)`")
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
COMMAND = re.compile(r"manage\.py\s+([a-z_]+)")
DOTTED = re.compile(r"^[a-z_][a-z0-9_]*(?:\.[A-Za-z_]\w*)+(?::[A-Za-z_][\w.]*)?$")
MIGRATION = re.compile(r"^([a-z_]+)/(\d{4})(?:_\w+)?$")


def prose(doc: Path) -> str:
    """The text outside fenced code blocks (those hold shell, cron and examples)."""
    return FENCED.sub("", doc.read_text())


def code_spans(doc: Path) -> list[str]:
    return [span.strip() for span in CODE_SPAN.findall(prose(doc))]


def is_repo_path(text: str) -> bool:
    first = text.split("/", 1)[0]
    return "/" in text and " " not in text and first in TOP_LEVEL


def path_exists(text: str) -> bool:
    migration = MIGRATION.match(text)
    if migration:
        app, number = migration.groups()
        return any((ROOT / app / "migrations").glob(f"{number}_*.py"))
    path, _, test = text.partition("::")  # a test named as pytest names it
    if test:
        file = ROOT / path
        return file.is_file() and f"def {test.split('[')[0]}(" in file.read_text()
    pattern = re.sub(r"<[^>]+>", "*", path.rstrip("/"))
    return any(ROOT.glob(pattern))


def permission_codenames() -> set[str]:
    names = set()
    for model in apps.get_models():
        meta = model._meta
        names.update(f"{meta.app_label}.{codename}" for codename, _ in meta.permissions)
        names.update(
            f"{meta.app_label}.{action}_{meta.model_name}" for action in meta.default_permissions
        )
    return names


def resolves(reference: str) -> bool:
    """Import the longest module prefix, then getattr the rest. A function or class
    named in a module (not a package) must be defined there, not only imported."""
    dotted = reference.replace(":", ".").removesuffix("()")
    parts = dotted.split(".")
    for split in range(len(parts), 0, -1):
        module_name = ".".join(parts[:split])
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        target = module
        for name in parts[split:]:
            if not hasattr(target, name):
                return False
            target = getattr(target, name)
        defined = inspect.isfunction(target) or inspect.isclass(target)
        return hasattr(module, "__path__") or not defined or target.__module__ == module_name
    return False


def python_references(doc: Path) -> list[str]:
    return [
        span
        for span in code_spans(doc)
        if DOTTED.match(span.removesuffix("()")) and span.split(".", 1)[0] in PACKAGES
    ]


@pytest.mark.parametrize("doc", DOCS, ids=lambda doc: doc.name)
def test_every_path_the_doc_names_exists(doc):
    named = [span for span in code_spans(doc) if is_repo_path(span)]
    missing = [path for path in named if not path_exists(path)]
    links = [target for target in LINK.findall(prose(doc)) if "://" not in target]
    missing += [link for link in links if not (doc.parent / link).exists()]
    assert not missing, f"{doc.name} names paths that do not exist: {missing}"


@pytest.mark.parametrize("doc", DOCS, ids=lambda doc: doc.name)
def test_every_python_reference_and_permission_the_doc_names_exists(doc):
    permissions = permission_codenames()
    missing = [
        reference
        for reference in python_references(doc)
        if reference not in permissions and not resolves(reference)
    ]
    assert not missing, f"{doc.name} names what cannot be imported: {missing}"


@pytest.mark.parametrize("doc", DOCS, ids=lambda doc: doc.name)
def test_every_command_the_doc_names_exists(doc):
    commands = get_commands()
    missing = sorted(set(COMMAND.findall(doc.read_text())) - set(commands))
    assert not missing, f"{doc.name} names commands that do not exist: {missing}"


def test_the_reader_finds_references_in_every_doc():
    """The extraction itself works: the docs do name paths, objects and commands."""
    text = " ".join(doc.read_text() for doc in DOCS)
    assert COMMAND.search(text)
    assert any(python_references(doc) for doc in DOCS)
    assert any(is_repo_path(span) for doc in DOCS for span in code_spans(doc))


def test_the_readme_lists_every_setting_read_from_the_environment():
    read = re.compile(r"""(?:environ\.get|env_bool|env_list)\(\s*["']([A-Z_]+)["']""")
    sources = [ROOT / "centra_orders" / "settings.py", ROOT / "gunicorn.conf.py"]
    variables = {name for source in sources for name in read.findall(source.read_text())}
    readme = (ROOT / "README.md").read_text()
    table = readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    missing = sorted(name for name in variables if f"`{name}`" not in table)
    assert variables and not missing, f"the README's configuration lacks {missing}"
