"""The package's shape: imports point one way down the pipeline, no circle, and the format is written once.

    format -> read -> check -> merge -> write -> api -> render -> web -> cli

with errors, limits, text, words, descriptions and findings at the bottom. No project module is imported
inside a function, and no Python file spells a table key, a row or column key, or a label of the format.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from toolkit.format.load import all_formats

PACKAGE = Path(__file__).resolve().parents[1] / "toolkit"
BOTTOM = {"toolkit", "errors", "limits", "text", "words", "descriptions", "findings"}
LAYERS = ["format", "read", "check", "merge", "write", "api", "render", "web", "cli", "__main__"]


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(module: str) -> int:
    parts = module.split(".")
    top = parts[1] if len(parts) > 1 else "toolkit"
    if top in BOTTOM:
        return 0
    return 1 + LAYERS.index(top)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def project_imports(path: Path) -> list[tuple[str, bool]]:
    """(module imported, whether the import is at the top level) for every import of the project."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top_level = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        known = [n for n in names if n in modules()]
        if known:
            found.append((max(known, key=len), id(node) in top_level))
    return found


def test_every_module_has_a_layer():
    for name in modules():
        layer(name)  # raises ValueError for a module outside the pipeline


def test_imports_point_down_the_pipeline_and_none_hides_in_a_function():
    upward, inside = [], []
    for name, path in modules().items():
        for imported, at_top in project_imports(path):
            if layer(imported) > layer(name):
                upward.append(f"{name} -> {imported}")
            if not at_top:
                inside.append(f"{name} -> {imported}")
    assert upward == []
    assert inside == []


def test_no_import_circle():
    graph = {name: {i for i, _ in project_imports(path)} - {name} for name, path in modules().items()}
    state: dict[str, int] = {}
    cycle: list[str] = []

    def visit(node: str, trail: list[str]) -> bool:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycle.extend([*trail, node, nxt])
                return True
            if state.get(nxt) is None and visit(nxt, [*trail, node]):
                return True
        state[node] = 2
        return False

    for start in graph:
        if state.get(start) is None and visit(start, []):
            break
    assert cycle == []


def _format_words() -> tuple[set[str], set[str]]:
    """(keys, labels) of every format: table, row and column keys; every label, title and header word."""
    keys: set[str] = set()
    labels: set[str] = set()
    for fmt in all_formats():
        labels.update((fmt.report_title, *fmt.signature, *(f.label for f in fmt.header.fields)))
        labels.update(u.label for u in fmt.unit_types)
        for table in fmt.tables:
            keys.update({table.key, *(r.key for r in table.rows), *(c.key for c in table.columns)})
            labels.update((table.title, table.corner, table.row_head, *(b.title for b in table.blocks)))
            labels.update(p for axis in (*table.rows, *table.columns) for p in axis.path)
    return {k for k in keys if k}, {label for label in labels if label}


# Keys that read as English words ("valid", "amount") are also the schema's and JSON's vocabulary: they are
# looked for as parts of cell ids only. The loader and the model name the description's own vocabulary.
SCHEMA = {"toolkit.format.load", "toolkit.format.model"}
CODE_LIKE = re.compile(r"^[a-z]\d+(_\d+)?$")  # t3, r23, c7, r21_23: keys no English word looks like


def _docstrings(tree: ast.Module) -> set[int]:
    owners = [
        tree,
        *(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef)),
    ]
    return {
        id(owner.body[0].value)
        for owner in owners
        if owner.body and isinstance(owner.body[0], ast.Expr) and isinstance(owner.body[0].value, ast.Constant)
    }


def _literals(path: Path) -> list[str]:
    """Every string literal of a module that is not a docstring."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = _docstrings(tree)
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs
    ]


def _spelled_keys(literals: list[str], keys: set[str]) -> list[str]:
    found = set()
    for key in keys:
        pattern = re.compile(rf"(?<![\w.\-]){re.escape(key)}(?![\w])")
        if CODE_LIKE.match(key) and any(pattern.search(s) for s in literals):
            found.add(key)
    return sorted(found)


@pytest.mark.parametrize("name", sorted(modules()))
def test_python_never_spells_the_format(name):
    path = modules()[name]
    keys, labels = _format_words()
    source = path.read_text(encoding="utf-8")
    literals = _literals(path)
    spelled_keys = [] if name in SCHEMA else _spelled_keys(literals, keys)
    cell_ids = sorted(set(re.findall(r"\b[a-z]\w*\.[a-z]\w*\.[a-z]\w*\b", source)) & _cell_ids())
    long_labels = sorted(label for label in labels if len(label) >= 3 and label in source)
    short_labels = sorted(label for label in labels if len(label) < 3 and any(label == s for s in literals))
    assert (spelled_keys, cell_ids, long_labels, short_labels) == ([], [], [], [])


def _cell_ids() -> set[str]:
    return {cell_id for fmt in all_formats() for cell_id in fmt.cells}
