"""The package's layout keeps its promises: stages import only stages below them, no import
cycle, no private name taken from another module, and one definition of what must be one."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import polthemes

PACKAGE = Path(polthemes.__file__).parent
#: Stages in pipeline order; a module may import its own stage and those before it.
LAYERS = [
    {"config", "settings", "params", "files", "execution", "derived_cache", "progress", "messages", "resources"},
    {"corpus"},
    {"text"},
    {"modelling"},
    {"themes"},
    {"results"},
    {"engines", "evaluation"},
    {"report"},
    {"jobs", "notebooks"},
    {"cli", "__main__"},
]


def modules() -> dict[str, Path]:
    """Dotted module name -> file, for every module of the package."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def imports(path: Path) -> list[tuple[str, list[str]]]:
    """(module imported, names taken) for every ``polthemes`` import in ``path``, lazy ones too."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("polthemes") and node.level == 0:
            out.append((node.module, [alias.name for alias in node.names]))
        elif isinstance(node, ast.Import):
            out += [(alias.name, []) for alias in node.names if alias.name.startswith("polthemes")]
    return out


def stage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def layer(module: str) -> int:
    name = stage(module)
    for index, names in enumerate(LAYERS):
        if name in names:
            return index
    raise AssertionError(f"{module} belongs to no stage of LAYERS: add it where it sits in the pipeline")


def test_every_module_sits_in_a_stage_and_imports_only_stages_below_it():
    wrong = []
    for module, path in modules().items():
        if module == "polthemes":
            continue
        for imported, _ in imports(path):
            if imported == "polthemes":
                continue  # the package's face (read_corpus, __version__)
            if layer(imported) > layer(module):
                wrong.append(f"{module} imports {imported}, a later stage")
    assert not wrong, "\n".join(wrong)


def test_no_import_cycle_between_modules():
    known = modules()
    graph = {m: {i for i, _ in imports(p) if i in known and i != m and not m.startswith(i + ".")} for m, p in known.items()}
    # A package's face importing its own modules is not a cycle of the pipeline.
    graph = {m: {i for i in targets if not (i.startswith(m + ".") and known[m].name == "__init__.py")} for m, targets in graph.items()}
    cycles = []
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in graph[node]:
            if state.get(nxt) == 1:
                cycles.append(" -> ".join(path[path.index(nxt):] + [nxt]) if nxt in path else f"{node} -> {nxt}")
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = 2

    for node in graph:
        if node not in state:
            visit(node, [node])
    assert not cycles, "\n".join(cycles)


def test_no_private_name_is_imported_from_another_module():
    taken = [f"{module} takes {name} from {imported}"
             for module, path in modules().items()
             for imported, names in imports(path)
             for name in names if name.startswith("_") and not name.startswith("__") and imported != module]
    assert not taken, "\n".join(taken)


def test_one_han_pattern_and_one_hungarian_matching():
    """The Han-character ranges and the assignment solver are each written in one module."""
    sources = {m: p.read_text(encoding="utf-8") for m, p in modules().items()}
    han = sorted(m for m, text in sources.items() if re.search(r"\\u4e00|\\u3400", text))
    hungarian = sorted(m for m, text in sources.items() if "linear_sum_assignment(" in text)
    assert han == ["polthemes.corpus.language"], han
    assert hungarian == ["polthemes.modelling.matching"], hungarian


def test_every_stage_has_a_face_that_says_its_job():
    for folder in sorted(p for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()):
        face = ast.parse((folder / "__init__.py").read_text(encoding="utf-8"))
        assert ast.get_docstring(face), f"{folder.name}/__init__.py says nothing of the stage's job"
        assert any(isinstance(n, ast.Assign) and any(getattr(t, "id", "") == "__all__" for t in n.targets) for n in face.body), \
            f"{folder.name}/__init__.py has no __all__ (its public face)"
