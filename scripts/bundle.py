"""Builds the Kaggle kernel script: the `kernel` package as one readable file.

Kaggle runs a script kernel as a single file, so the package is joined into
one: a header docstring, the imports once at the top, then one section per
module in the order the modules import each other, ending with the entry point
of `kernel/__main__.py`. The code is copied as written, comments included;
the bundler works on the source text, using `ast` only to find where each
statement starts and ends (`ast.unparse` would drop the comments).

What changes on the way:

- Imports between the package's modules are removed: the bundle has one
  namespace, so `from kernel.data import locate` needs no import at all.
- `from kernel import report` binds a module object, which the bundle does
  not have; every `report.NAME` in that module is rewritten to `NAME`. The
  build fails when that could change what a name means (a local `NAME`, or
  `report` used other than as `report.NAME`).
- Other imports are gathered at the top: the standard library first, then
  the body of `kernel/__init__.py` (it sets environment variables that must be
  set before TensorFlow is imported), then the third-party imports. Comments
  directly above an import travel with it.
- Module docstrings stay, each under a banner naming the section and file.

Anything that cannot be carried over faithfully fails the build with
`error: kernel/x.py:LINE: ...` and exit status 1, and nothing is written: a
top-level name defined in two modules, a star import, a relative import, an
import of the package inside a function or block, `import kernel.x`, an
aliased `from kernel.x import a as b`, a `__name__ == "__main__"` block outside
`kernel/__main__.py`, or a builtin name that another module defines.

The text is finished with ruff (import sorting, then formatting) from the same
environment, so the result passes `ruff check` and `ruff format --check`.

Usage:
    python scripts/bundle.py            # writes the file named by code_file
    python scripts/bundle.py --check    # fails when that file is out of date
"""

import argparse
import ast
import dataclasses
import itertools
import json
import os
import shutil
import subprocess
import symtable
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DIR = ROOT / "kernel"
METADATA_FILE = ROOT / "kernel-metadata.json"

# The banner title of each module's section. The order is the reading order
# (a keras.io example's: settings, data, model, training, evaluation); it
# breaks ties between modules that do not import each other. Modules not
# listed come after, by name, titled after their file name.
SECTION_TITLES = {
    "config": "Settings",
    "data": "Load data",
    "model": "Build the model",
    "train": "Train",
    "evaluate": "Evaluate",
    "report": "Report",
    "main": "Run",
}
SETUP_TITLE = "Setup"
ENTRY_TITLE = "Entry point"

# The package's files that are no ordinary section.
INIT = "__init__"
ENTRY = "__main__"


class BundleError(ValueError):
    """A construct the bundle cannot carry over; the message names file and line."""


@dataclasses.dataclass
class Module:
    """One source file of the package, parsed."""

    name: str  # "data" for kernel/data.py
    label: str  # "kernel/data.py", as messages and banners show it
    source: str
    tree: ast.Module

    def error(self, line, message):
        """A BundleError that points at `line` of this file."""
        return BundleError(f"{self.label}:{line}: {message}")

    def text(self, node):
        """The source text of a statement, whole lines, comments included."""
        lines = self.source.splitlines(keepends=True)
        return "".join(lines[node.lineno - 1 : node.end_lineno])


@dataclasses.dataclass
class PackageImport:
    """An import from the package itself, which the bundle removes."""

    statement: ast.stmt
    module: str  # the module imported from, e.g. "data"
    names: tuple = ()  # `from kernel.data import a, b`: ("a", "b")
    module_alias: str = ""  # `from kernel import report`: "report"


@dataclasses.dataclass
class Imports:
    """A module's top-level imports, sorted by where they go in the bundle."""

    package: list  # of PackageImport
    future: list  # of ast statements, `from __future__ import ...`
    standard: list  # of ast statements, the standard library
    third_party: list  # of ast statements


def read_module(package_dir, name):
    """Reads and parses `name`.py of the package.

    Raises:
        BundleError: when the file is missing or is not valid Python.
    """
    path = package_dir / f"{name}.py"
    label = f"{package_dir.name}/{name}.py"
    if not path.is_file():
        raise BundleError(f"{label}: no such file; the bundle needs it.")
    source = path.read_text(encoding="utf-8")
    try:
        tree = ast.parse(source, filename=label)
    except SyntaxError as error:
        raise BundleError(f"{label}:{error.lineno}: {error.msg}") from None
    return Module(name=name, label=label, source=source, tree=tree)


def docstring_node(module):
    """The statement holding the module docstring, or None."""
    body = module.tree.body
    if (
        body
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    ):
        return body[0]
    return None


def is_package_name(dotted, package):
    """Whether a dotted module name is the package or one of its modules."""
    return dotted == package or dotted.startswith(package + ".")


def top_level_module(dotted):
    """`numpy` for `numpy.lib.format`."""
    return dotted.split(".")[0]


def is_standard_library(dotted):
    """Whether a module belongs to Python's standard library."""
    return top_level_module(dotted) in sys.stdlib_module_names


def classify_imports(module, package, package_dir):
    """Sorts the module's imports, failing on any form the bundle cannot carry.

    Raises:
        BundleError: for a star import, a relative import, an import of the
            package inside a block, or an import form of the package that has
            no equivalent in one namespace.
    """
    top_level = set(map(id, module.tree.body))
    imports = Imports(package=[], future=[], standard=[], third_party=[])
    for node in ast.walk(module.tree):
        if not isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        line = node.lineno
        if isinstance(node, ast.ImportFrom) and node.level:
            raise module.error(
                line,
                "relative import; the bundler resolves only absolute imports, "
                f"so write `from {package}.MODULE import NAME`.",
            )
        if any(alias.name == "*" for alias in node.names):
            raise module.error(
                line,
                "star import; the bundle must know every name a module takes "
                "from another, so import the names one by one.",
            )
        if isinstance(node, ast.ImportFrom):
            dotted_names = [node.module]
        else:
            dotted_names = [alias.name for alias in node.names]
        from_package = [is_package_name(name, package) for name in dotted_names]
        if not any(from_package):
            if id(node) not in top_level:
                continue  # a local import stays where it is, in its function
            if isinstance(node, ast.ImportFrom) and node.module == "__future__":
                imports.future.append(node)
                continue
            kinds = {is_standard_library(name) for name in dotted_names}
            if len(kinds) > 1:
                raise module.error(
                    line,
                    "one statement imports from the standard library and from "
                    "a third-party package; split it into one import a line.",
                )
            (standard,) = kinds
            (imports.standard if standard else imports.third_party).append(node)
            continue
        if id(node) not in top_level:
            raise module.error(
                line,
                f"import from {package} inside a function or block; the "
                "bundler removes only top-level imports, so move it to the top "
                "of the module.",
            )
        if isinstance(node, ast.Import):
            raise module.error(
                line,
                f"`import {dotted_names[0]}` cannot be resolved: the bundle has "
                f"no package object; write `from {package}.MODULE import NAME` "
                f"or `from {package} import MODULE`.",
            )
        imports.package.extend(package_imports(module, node, package, package_dir))
    return imports


def package_imports(module, node, package, package_dir):
    """The PackageImports of one `from kernel... import ...` statement."""
    line = node.lineno
    parts = node.module.split(".")
    if len(parts) > 2:
        raise module.error(
            line,
            f"`from {node.module} import ...` names a subpackage; the bundler "
            f"handles only modules directly inside {package}/.",
        )
    if len(parts) == 2:
        imported = parts[1]
        if not (package_dir / f"{imported}.py").is_file():
            raise module.error(
                line, f"{package}/{imported}.py does not exist; check the import."
            )
        for alias in node.names:
            if alias.asname and alias.asname != alias.name:
                raise module.error(
                    line,
                    f"`{alias.name} as {alias.asname}` renames a name of "
                    f"{package}.{imported}; the bundle has one namespace, so "
                    f"import it as `{alias.name}`.",
                )
        return [
            PackageImport(
                statement=node,
                module=imported,
                names=tuple(alias.name for alias in node.names),
            )
        ]
    found = []
    for alias in node.names:
        if not (package_dir / f"{alias.name}.py").is_file():
            raise module.error(
                line,
                f"`from {package} import {alias.name}`: the bundler resolves "
                f"this form only for a module, and {package}/{alias.name}.py "
                f"does not exist; write `from {package}.MODULE import "
                f"{alias.name}`.",
            )
        found.append(
            PackageImport(
                statement=node,
                module=alias.name,
                module_alias=alias.asname or alias.name,
            )
        )
    return found


class BindingCollector(ast.NodeVisitor):
    """Collects the names a module binds in its global namespace, with lines.

    Function and class bodies, lambdas and comprehensions have scopes of their
    own and are not entered, except for names declared `global` there.
    """

    def __init__(self, skip):
        self.skip = skip  # statements whose names do not count (package imports)
        self.bindings = {}  # name -> first line

    def bind(self, name, line):
        self.bindings.setdefault(name, line)

    def bind_globals(self, node):
        for inner in ast.walk(node):
            if isinstance(inner, ast.Global):
                for name in inner.names:
                    self.bind(name, inner.lineno)

    def visit_FunctionDef(self, node):
        for decorator in node.decorator_list:
            self.visit(decorator)
        self.bind(node.name, node.lineno)
        self.bind_globals(node)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node):
        for decorator in node.decorator_list:
            self.visit(decorator)
        self.bind(node.name, node.lineno)
        self.bind_globals(node)

    def visit_Lambda(self, node):
        pass

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = visit_Lambda

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Store):
            self.bind(node.id, node.lineno)

    def visit_Import(self, node):
        if id(node) in self.skip:
            return
        for alias in node.names:
            self.bind(alias.asname or top_level_module(alias.name), node.lineno)

    def visit_ImportFrom(self, node):
        if id(node) in self.skip:
            return
        for alias in node.names:
            self.bind(alias.asname or alias.name, node.lineno)

    def visit_ExceptHandler(self, node):
        if node.name:
            self.bind(node.name, node.lineno)
        self.generic_visit(node)

    def visit_MatchAs(self, node):
        if node.name:
            self.bind(node.name, node.lineno)
        self.generic_visit(node)

    def visit_MatchStar(self, node):
        if node.name:
            self.bind(node.name, node.lineno)

    def visit_MatchMapping(self, node):
        if node.rest:
            self.bind(node.rest, node.lineno)
        self.generic_visit(node)


def import_origins(imports):
    """What each external import binds: name -> (statement kind, module, name).

    Two modules may both bind a name when they import the same thing.
    """
    origins = {}
    for node in imports.future + imports.standard + imports.third_party:
        for alias in node.names:
            if isinstance(node, ast.Import):
                bound = alias.asname or top_level_module(alias.name)
                target = alias.name if alias.asname else bound
                origins[bound] = ("import", target, "")
            else:
                origins[alias.asname or alias.name] = ("from", node.module, alias.name)
    return origins


def global_references(module):
    """Names the module looks up in its globals or the builtins, with a line.

    Uses `symtable`, which knows Python's scoping rules: a name read inside a
    function is global only when no enclosing function binds it.
    """
    names = set()
    tables = [symtable.symtable(module.source, module.label, "exec")]
    while tables:
        table = tables.pop()
        top = table.get_type() == "module"
        for symbol in table.get_symbols():
            if symbol.is_referenced() and (top or symbol.is_global()):
                names.add(symbol.get_name())
        tables.extend(table.get_children())
    lines = {}
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Name) and node.id in names:
            lines[node.id] = min(lines.get(node.id, node.lineno), node.lineno)
    return lines


def local_bindings(module):
    """Names bound inside any function or class of the module."""
    names = set()
    tables = list(symtable.symtable(module.source, module.label, "exec").get_children())
    while tables:
        table = tables.pop()
        for symbol in table.get_symbols():
            if symbol.is_local() or symbol.is_parameter():
                names.add(symbol.get_name())
        tables.extend(table.get_children())
    return names


def module_attribute_edits(module, package_import, defined_names, package):
    """The `report.NAME` -> `NAME` rewrites for `from kernel import report`.

    Returns:
        A list of (line, start column, end column, replacement), columns in
        UTF-8 bytes as `ast` counts them.

    Raises:
        BundleError: when the rewrite could change what the code does.
    """
    alias = package_import.module_alias
    imported = f"{package}/{package_import.module}.py"
    import_line = package_import.statement.lineno
    edits = []
    attribute_values = set()
    for node in ast.walk(module.tree):
        if not (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == alias
        ):
            continue
        attribute_values.add(id(node.value))
        if not isinstance(node.ctx, ast.Load):
            raise module.error(
                node.lineno,
                f"assigns to `{alias}.{node.attr}`; the bundle has no module "
                f"object to change, so change {imported} itself.",
            )
        if node.attr not in defined_names:
            raise module.error(
                node.lineno,
                f"`{alias}.{node.attr}`: {imported} defines no top-level "
                f"`{node.attr}`.",
            )
        if node.lineno != node.end_lineno:
            raise module.error(
                node.lineno,
                f"`{alias}.{node.attr}` is split across lines; write it on one.",
            )
        edits.append((node.lineno, node.col_offset, node.end_col_offset, node.attr))
    for node in ast.walk(module.tree):
        if (
            isinstance(node, ast.Name)
            and node.id == alias
            and id(node) not in attribute_values
        ):
            raise module.error(
                node.lineno,
                f"uses `{alias}` other than as `{alias}.NAME`; the bundle has "
                f"no module object, so import the names it needs with `from "
                f"{package}.{package_import.module} import ...`.",
            )
    rewritten = {replacement for *_, replacement in edits}
    locals_ = local_bindings(module)
    if alias in locals_:
        raise module.error(
            import_line,
            f"`{alias}` is imported here and also bound inside a function or "
            f"class; rename one, so `{alias}.NAME` can be rewritten safely.",
        )
    for name in sorted(rewritten & locals_):
        line = min(line for line, *_, name_ in edits if name_ == name)
        raise module.error(
            line,
            f"`{alias}.{name}` would become `{name}`, but this module also binds "
            f"a local `{name}`; rename the local.",
        )
    return edits


def apply_edits(source, edits):
    """The source with each (line, start, end, replacement) applied."""
    lines = source.splitlines(keepends=True)
    for line, start, end, replacement in sorted(edits, reverse=True):
        encoded = lines[line - 1].encode("utf-8")
        encoded = encoded[:start] + replacement.encode("utf-8") + encoded[end:]
        lines[line - 1] = encoded.decode("utf-8")
    return "".join(lines)


def is_main_guard(node):
    """Whether a statement is `if __name__ == "__main__":`."""
    return (
        isinstance(node, ast.If)
        and isinstance(node.test, ast.Compare)
        and isinstance(node.test.left, ast.Name)
        and node.test.left.id == "__name__"
        and any(
            isinstance(side, ast.Constant) and side.value == "__main__"
            for side in node.test.comparators
        )
    )


def check_one_statement_a_line(module, removed):
    """Fails when a removed statement shares a line with another statement."""
    for before, after in itertools.pairwise(module.tree.body):
        shared_line = before.end_lineno == after.lineno
        if shared_line and (before in removed or after in removed):
            raise module.error(
                after.lineno,
                "several statements on one line; the bundler removes imports "
                "line by line, so give each statement a line of its own.",
            )


def attached_comment_start(lines, first_line):
    """The first line of the comment block directly above line `first_line`."""
    start = first_line
    while start > 1 and lines[start - 2].lstrip().startswith("#"):
        start -= 1
    return start


def split_module(module, removed, edits):
    """The module's code without the removed statements, and their comments.

    Returns:
        (code, carried) where `carried` maps each removed statement to the
        comment lines directly above it.
    """
    check_one_statement_a_line(module, removed)
    lines = apply_edits(module.source, edits).splitlines(keepends=True)
    dropped = set()
    carried = {}
    for node in module.tree.body:
        if node not in removed:
            continue
        start = attached_comment_start(lines, node.lineno)
        carried[id(node)] = "".join(lines[start - 1 : node.lineno - 1])
        dropped.update(range(start, node.end_lineno + 1))
    kept = [text for number, text in enumerate(lines, 1) if number not in dropped]
    return "".join(kept).strip("\n"), carried


@dataclasses.dataclass
class Package:
    """The modules of the package that the bundle holds, read and checked."""

    name: str
    init: Module
    entry: Module
    sections: list  # of Module, in bundle order
    imports: dict  # module name -> Imports


def reachable_modules(entry, read, classify):
    """The modules the entry point imports, directly or not, with their imports.

    Raises:
        BundleError: on an import cycle, naming the import that closes it.
    """
    modules = {entry.name: entry}
    imports = {entry.name: classify(entry)}
    visiting = []

    def visit(module):
        visiting.append(module.name)
        for package_import in imports[module.name].package:
            name = package_import.module
            if name in (ENTRY, INIT):
                raise module.error(
                    package_import.statement.lineno,
                    f"imports {name}.py, which the bundle places itself; "
                    "import from the module that defines the name instead.",
                )
            if name in visiting:
                cycle = " -> ".join([*visiting[visiting.index(name) :], name])
                raise module.error(
                    package_import.statement.lineno,
                    f"import cycle {cycle}; the bundle needs an order in which "
                    "each module comes after those it imports.",
                )
            if name not in modules:
                modules[name] = read(name)
                imports[name] = classify(modules[name])
                visit(modules[name])
        visiting.pop()

    visit(entry)
    return modules, imports


def section_order(modules, imports):
    """Modules after everything they import; ties in SECTION_TITLES' order."""
    rank = {name: position for position, name in enumerate(SECTION_TITLES)}
    depends = {
        name: {item.module for item in imports[name].package}
        for name in modules
        if name != ENTRY
    }
    order = []
    while depends:
        ready = [name for name, needs in depends.items() if needs <= set(order)]
        first = min(ready, key=lambda name: (rank.get(name, len(rank)), name))
        order.append(first)
        del depends[first]
    return order


def read_package(package_dir):
    """Reads the entry point and every module it reaches; checks the imports."""
    package = package_dir.name

    def read(name):
        return read_module(package_dir, name)

    def classify(module):
        return classify_imports(module, package, package_dir)

    entry = read(ENTRY)
    init = read(INIT)
    modules, imports = reachable_modules(entry, read, classify)
    imports[INIT] = classify(init)
    if imports[INIT].package:
        statement = imports[INIT].package[0].statement
        raise init.error(
            statement.lineno,
            "imports from its own package; the bundle runs this file first, "
            "before any module exists.",
        )
    if imports[INIT].third_party:
        statement = imports[INIT].third_party[0]
        raise init.error(
            statement.lineno,
            "imports a third-party package; the bundle runs this file's code "
            "before the third-party imports, so it may use only the standard "
            "library.",
        )
    sections = [modules[name] for name in section_order(modules, imports)]
    for module in [init, *sections]:
        for node in module.tree.body:
            if is_main_guard(node):
                raise module.error(
                    node.lineno,
                    '`if __name__ == "__main__":` would run in the middle of the '
                    f"bundle; only {package}/{ENTRY}.py may start the run.",
                )
    return Package(
        name=package, init=init, entry=entry, sections=sections, imports=imports
    )


def check_namespace(package, bindings):
    """Fails when joining the modules into one namespace would change a name.

    Args:
        bindings: module name -> {name: line} of its top-level bindings.

    Raises:
        BundleError: for a name defined at top level in two modules (unless
            both import the same thing), a name imported from a module that
            does not define it, or a builtin that another module redefines.
    """
    owners = {}  # name -> (module, line, origin)
    for module in [package.init, *package.sections, package.entry]:
        origins = import_origins(package.imports[module.name])
        for name, line in sorted(bindings[module.name].items()):
            origin = origins.get(name, ("defined", module.name))
            if name in owners:
                other, other_line, other_origin = owners[name]
                if origin[0] != "defined" and origin == other_origin:
                    continue
                raise module.error(
                    line,
                    f"`{name}` is defined at top level here and in "
                    f"{other.label}:{other_line}; the bundle puts every module "
                    "in one namespace, so rename one of them.",
                )
            owners[name] = (module, line, origin)
    imported_names = {}
    for module in [package.init, *package.sections, package.entry]:
        names = set()
        for package_import in package.imports[module.name].package:
            source = package_import.module
            available = bindings[source].keys() | imported_names.get(source, set())
            for name in package_import.names:
                if name not in available:
                    raise module.error(
                        package_import.statement.lineno,
                        f"imports `{name}` from {package.name}/{source}.py, "
                        f"which has no top-level `{name}`.",
                    )
            names.update(package_import.names)
        imported_names[module.name] = names
        aliases = {item.module_alias for item in package.imports[module.name].package}
        own = bindings[module.name].keys() | names | aliases
        for name, line in sorted(global_references(module).items()):
            if name in own or name not in owners:
                continue
            other, other_line, _ = owners[name]
            if other is module:
                continue
            raise module.error(
                line,
                f"`{name}` here is Python's builtin (or undefined), but "
                f"{other.label}:{other_line} defines a top-level `{name}`; in the "
                "bundle it would mean that one, so rename the definition.",
            )


def gather_imports(package, carried):
    """The import block texts: future, standard library and third-party."""
    blocks = {"future": [], "standard": [], "third_party": []}
    for module in [package.init, *package.sections, package.entry]:
        imports = package.imports[module.name]
        for kind in blocks:
            for node in getattr(imports, kind):
                text = carried.get(id(node), "") + module.text(node)
                if text not in blocks[kind]:
                    blocks[kind].append(text)
    return ["".join(blocks[kind]) for kind in blocks]


def banner(title, label):
    """The comment line that opens a section."""
    return f"# --- {title} ({label}) ---"


def section_title(name):
    """The banner title of a module: from SECTION_TITLES, else its file name."""
    return SECTION_TITLES.get(name, name.replace("_", " ").capitalize())


def header(package, output_name):
    """The bundle's docstring: what it is, where it comes from, its sections."""
    summary = ""
    if docstring_node(package.init) is not None:
        summary = ast.get_docstring(package.init.tree, clean=True) + "\n\n"
    rows = [(SETUP_TITLE, package.init.label)]
    rows += [(section_title(module.name), module.label) for module in package.sections]
    rows.append((ENTRY_TITLE, package.entry.label))
    width = max(len(title) for title, _ in rows)
    table = "\n".join(f"    {title:<{width}}  {label}" for title, label in rows)
    return (
        f'"""{summary}'
        f"This file is generated from the {package.name}/ package and must not be\n"
        f"edited by hand: change {package.name}/, then generate it again with\n"
        "\n"
        "    make bundle    (or: python scripts/bundle.py)\n"
        "\n"
        "A copy forked on Kaggle is yours to edit. Each section below is one\n"
        "module of the package, after the modules it imports:\n"
        "\n"
        f"{table}\n"
        "\n"
        "The settings are the `Config` class near the top. The flags are the same\n"
        f"as `python -m {package.name}`'s; to list them, run\n"
        "\n"
        f"    python {output_name} --help\n"
        '"""\n'
    )


def indent_entry_code(module, code):
    """The entry point's code, indented under `if __name__ == "__main__":`."""
    docstring = docstring_node(module)
    statements = [node for node in module.tree.body if node is not docstring]
    for node in itertools.chain.from_iterable(map(ast.walk, statements)):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and node.lineno != node.end_lineno
        ):
            raise module.error(
                node.lineno,
                "a string spans several lines; the bundler indents this code "
                "and would change the string, so keep it on one line.",
            )
    if not code.strip():
        raise module.error(1, "has no code to run after its imports.")
    return textwrap.indent(code, "    ")


def assemble(package, output_name):
    """The bundle's text before ruff sorts the imports and formats it."""
    bindings = {}
    edits = {}
    modules = [package.init, *package.sections, package.entry]
    for module in modules:
        skip = {id(item.statement) for item in package.imports[module.name].package}
        collector = BindingCollector(skip)
        collector.visit(module.tree)
        bindings[module.name] = collector.bindings
    check_namespace(package, bindings)
    for module in modules:
        edits[module.name] = []
        for item in package.imports[module.name].package:
            if item.module_alias:
                edits[module.name] += module_attribute_edits(
                    module, item, bindings[item.module].keys(), package.name
                )
    code = {}
    carried = {}
    for module in modules:
        imports = package.imports[module.name]
        removed = (
            [item.statement for item in imports.package]
            + imports.future
            + imports.standard
            + imports.third_party
        )
        docstring = docstring_node(module)
        if docstring is not None:
            removed.append(docstring)
        code[module.name], module_carried = split_module(
            module, removed, edits[module.name]
        )
        carried.update(module_carried)
    future, standard, third_party = gather_imports(package, carried)
    parts = [header(package, output_name), future, standard]
    if code[INIT]:
        parts.append(banner(SETUP_TITLE, package.init.label) + "\n" + code[INIT])
    parts.append(third_party)
    for module in package.sections:
        docstring = docstring_node(module)
        section = banner(section_title(module.name), module.label) + "\n"
        if docstring is not None:
            section += module.text(docstring)
        parts.append(section + "\n" + code[module.name])
    entry_code = indent_entry_code(package.entry, code[ENTRY])
    parts.append(
        banner(ENTRY_TITLE, package.entry.label)
        + '\nif __name__ == "__main__":\n'
        + entry_code
    )
    return "\n\n".join(part.strip("\n") for part in parts if part.strip()) + "\n"


def find_ruff():
    """The ruff of this environment, which the project's lint uses too."""
    beside_python = Path(sys.executable).parent / "ruff"
    if beside_python.is_file():
        return str(beside_python)
    found = shutil.which("ruff")
    if found is None:
        raise BundleError(
            "ruff is not installed; run `make install` (it comes with the dev "
            "dependencies), or use the project's .venv/bin/python."
        )
    return found


def run_ruff(arguments, text, output_name):
    """Pipes text through ruff with the project's settings; returns its output."""
    result = subprocess.run(
        [find_ruff(), *arguments, "--stdin-filename", output_name, "-"],
        input=text,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    if result.returncode != 0:
        raise BundleError(
            f"ruff {arguments[0]} failed on the generated script: "
            f"{result.stderr.strip() or result.stdout.strip()}"
        )
    return result.stdout


def build(package_dir, output_name):
    """The kernel script's text, from the package in `package_dir`.

    Args:
        package_dir: the package folder, e.g. kernel/.
        output_name: the script's file name, shown in its header.

    Raises:
        BundleError: for anything the bundle cannot carry over faithfully.
    """
    package = read_package(Path(package_dir))
    text = assemble(package, output_name)
    text = run_ruff(["check", "--fix-only", "--select", "I"], text, output_name)
    text = run_ruff(["format"], text, output_name)
    try:
        compile(text, output_name, "exec")
    except SyntaxError as error:
        raise BundleError(
            f"the generated script does not compile ({error.msg}, line "
            f"{error.lineno}); this is a bug in scripts/bundle.py."
        ) from None
    return text


def output_path_from_metadata(metadata_file):
    """The script's path: `code_file` of kernel-metadata.json, beside that file.

    Raises:
        BundleError: when the metadata cannot name a file inside its folder.
    """
    name = metadata_file.name
    try:
        metadata = json.loads(metadata_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BundleError(f"{name}: no such file; pass --output.") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BundleError(f"{name}: not readable JSON ({error}).") from None
    code_file = metadata.get("code_file") if isinstance(metadata, dict) else None
    if not isinstance(code_file, str) or not code_file.endswith(".py"):
        raise BundleError(
            f'{name}: "code_file" must name the .py script to generate, got '
            f"{code_file!r}."
        )
    folder = metadata_file.resolve().parent
    path = (folder / code_file).resolve()
    if not path.is_relative_to(folder):
        raise BundleError(
            f'{name}: "code_file" {code_file!r} points outside {folder}; name a '
            "file beside kernel-metadata.json."
        )
    return path


def write_atomically(path, text):
    """Writes text to a temporary file beside `path`, then renames it there."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as file:
            file.write(text)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def main(argv=None):
    """Builds the script, or checks it is up to date; returns the exit status."""
    parser = argparse.ArgumentParser(
        description="Join the kernel package into the one script Kaggle runs."
    )
    parser.add_argument(
        "--package",
        type=Path,
        default=PACKAGE_DIR,
        help="the package folder (default: kernel/)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        help="the script to write (default: code_file of kernel-metadata.json)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; fail when the script differs from a fresh build",
    )
    arguments = parser.parse_args(argv)
    try:
        output = arguments.output or output_path_from_metadata(METADATA_FILE)
        text = build(arguments.package, output.name)
    except BundleError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    shown = output.relative_to(ROOT) if output.is_relative_to(ROOT) else output
    if arguments.check:
        current = output.read_text(encoding="utf-8") if output.is_file() else None
        if current != text:
            print(
                f"error: {shown} is out of date with {arguments.package.name}/; "
                "run `make bundle` and commit the result.",
                file=sys.stderr,
            )
            return 1
        print(f"{shown} is up to date.")
        return 0
    write_atomically(output, text)
    print(f"Wrote {shown} ({len(text.splitlines()):,} lines).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
