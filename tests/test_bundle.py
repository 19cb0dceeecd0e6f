"""The generated kernel script: fresh, deterministic, lint-clean, runnable alone."""

import ast
import dataclasses
import json
import os
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest
from conftest import config_flags

from kernel import report
from scripts import bundle

ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DIR = ROOT / "kernel"
SCRIPT = ROOT / json.loads((ROOT / "kernel-metadata.json").read_text())["code_file"]


@pytest.fixture(scope="module")
def built():
    """A fresh build of the kernel script from kernel/."""
    return bundle.build(PACKAGE_DIR, SCRIPT.name)


def test_committed_script_is_fresh(built):
    assert SCRIPT.read_text(encoding="utf-8") == built, (
        f"{SCRIPT.name} is out of date with kernel/; run `make bundle` and commit it"
    )


def test_two_builds_are_identical(built):
    assert bundle.build(PACKAGE_DIR, SCRIPT.name).encode() == built.encode()


def test_build_passes_ruff_with_project_settings(built):
    ruff = Path(sys.executable).parent / "ruff"
    for command in (["check", "--no-cache"], ["format", "--check"]):
        result = subprocess.run(
            [ruff, *command, "--stdin-filename", str(SCRIPT), "-"],
            input=built,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        assert result.returncode == 0, result.stdout + result.stderr


def modules_reached_from_main():
    """kernel/ modules that kernel/main.py imports, directly or not."""
    reached, pending = set(), ["main"]
    while pending:
        name = pending.pop()
        reached.add(name)
        tree = ast.parse((PACKAGE_DIR / f"{name}.py").read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "kernel":
                found = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module.startswith("kernel."):
                found = [node.module.removeprefix("kernel.")]
            else:
                continue
            pending += [module for module in found if module not in reached]
    return reached


def test_sections_are_the_modules_main_imports_in_order(built):
    banners = [
        line.split("(")[1].split(")")[0]
        for line in built.splitlines()
        if line.startswith("# --- ")
    ]
    sections = banners[1:-1]  # between the setup and the entry point
    assert banners[0] == "kernel/__init__.py"
    assert banners[-1] == "kernel/__main__.py"
    assert sections[0] == "kernel/config.py"
    assert sections[-1] == "kernel/main.py"
    assert {Path(label).stem for label in sections} == modules_reached_from_main()
    assert "kernel/predict.py" not in banners  # a command-line tool main never uses


def test_script_stands_alone_and_reads_like_the_package(built):
    tree = ast.parse(built)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            assert not node.module.startswith("kernel"), node.lineno
        if isinstance(node, ast.Import):
            assert not any(a.name.startswith("kernel") for a in node.names)
    docstring = ast.get_docstring(tree)
    assert "generated from the kernel/ package" in docstring
    assert "make bundle" in docstring
    # The backend must be chosen before Keras is first imported.
    assert built.index('os.environ.setdefault("KERAS_BACKEND"') < built.index(
        "\nimport keras\n"
    )
    # Comments and docstrings of the package survive.
    assert "# Keras' IMDB training split holds 25,000 reviews." in built
    assert '"""IMDB reviews: find the files, read them safely' in built
    assert built.endswith('if __name__ == "__main__":\n    sys.exit(main())\n')
    # The module object `report` is gone; its names are used directly.
    assert "report.checkpoint" not in built
    assert "checkpoint(model, history, output_dir)" in built


def isolated_environment():
    """Environment for `python -S`: site-packages without its .pth files.

    The project is installed in editable mode, which a .pth file in
    site-packages turns into an import hook that finds `kernel` from any
    folder. Without `site`, those .pth files are not read, while the
    third-party packages stay importable through PYTHONPATH.
    """
    paths = sysconfig.get_paths()
    environment = {
        name: value for name, value in os.environ.items() if name != "PYTHONPATH"
    }
    environment["PYTHONPATH"] = os.pathsep.join(
        dict.fromkeys([paths["purelib"], paths["platlib"]])
    )
    return environment


def test_bundled_run_matches_the_modular_run(built, tiny_config, tmp_path):
    alone = tmp_path / "alone"
    alone.mkdir()
    script = alone / SCRIPT.name
    script.write_text(built, encoding="utf-8")
    environment = isolated_environment()
    probe = subprocess.run(
        [sys.executable, "-S", "-c", "import kernel"],
        cwd=alone,
        env=environment,
        capture_output=True,
        text=True,
    )
    assert probe.returncode != 0 and "No module named 'kernel'" in probe.stderr

    outputs = {"bundled": tmp_path / "bundled", "modular": tmp_path / "modular"}
    flags = {
        name: config_flags(dataclasses.replace(tiny_config, output_dir=str(folder)))
        for name, folder in outputs.items()
    }
    # Both runs at once: each spends most of its time importing TensorFlow.
    runs = {
        "bundled": subprocess.Popen(
            [sys.executable, "-S", str(script), *flags["bundled"]],
            cwd=alone,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        ),
        "modular": subprocess.Popen(
            [sys.executable, "-m", "kernel", *flags["modular"]],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        ),
    }
    logs = {name: run.communicate(timeout=300)[0] for name, run in runs.items()}
    metrics = {}
    for name, run in runs.items():
        assert run.returncode == 0, f"{name} run failed:\n{logs[name]}"
        for file in report.OUTPUT_FILES:
            path = outputs[name] / file
            assert path.is_file() and path.stat().st_size > 0, f"{name}: {file}"
        metrics[name] = json.loads((outputs[name] / report.METRICS_FILE).read_text())
    for split in ("validation", "test"):
        for value in ("loss", "accuracy", "reviews"):
            assert (
                metrics["bundled"][split][value] == metrics["modular"][split][value]
            ), (split, value)
    assert metrics["bundled"]["config"] == metrics["modular"]["config"] | {
        "output_dir": str(outputs["bundled"])
    }


# A package with everything the bundler must carry over: an environment
# setting in __init__, a module object (`from fakekernel import helpers`), a
# comment above an import, and a command-line module that main never imports
# (it defines its own `main`, which would clash if it were bundled).
FAKE_PACKAGE = {
    "__init__.py": '''\
        """A fake kernel, small enough to bundle and run in a test."""

        import os

        # Set before anything reads it, as the real package sets KERAS_BACKEND.
        os.environ.setdefault("FAKE_GREETING", "hello")
        ''',
    "__main__.py": '''\
        """`python -m fakekernel`: the fake run.

        A docstring of two paragraphs, which the bundle leaves out.
        """

        import sys

        from fakekernel.main import main

        sys.exit(main())
        ''',
    "config.py": '''\
        """Settings of the fake kernel."""

        import os

        GREETING = os.environ["FAKE_GREETING"]
        ''',
    "helpers.py": '''\
        """Helpers the fake kernel uses through a module object."""

        # json writes the words as a list, to show the import moved to the top.
        import json

        # Two words apart.
        SEPARATOR = ", "


        def join(words):
            """The words as one line."""
            return SEPARATOR.join(words) + " " + json.dumps(words)
        ''',
    "main.py": '''\
        """The fake run."""

        from fakekernel import helpers
        from fakekernel.config import GREETING


        def main(argv=None):
            """Prints the greeting; returns the exit status."""
            print(helpers.join([GREETING, "world"]))
            return 0
        ''',
    "cli_only.py": '''\
        """A tool of its own, which main does not import."""


        def main():
            return 2
        ''',
}


def write_package(folder, changes=None):
    """Writes the fake package, with `changes` replacing or adding files."""
    package = folder / "fakekernel"
    package.mkdir()
    for name, source in {**FAKE_PACKAGE, **(changes or {})}.items():
        (package / name).write_text(textwrap.dedent(source), encoding="utf-8")
    return package


def test_fake_package_bundles_and_runs(tmp_path):
    text = bundle.build(write_package(tmp_path), "fake.py")
    assert "helpers.join" not in text
    assert "print(join([GREETING" in text
    assert "# Two words apart." in text
    assert "# json writes the words as a list" in text.split("# --- ")[0]
    assert "cli_only" not in text
    banners = [line for line in text.splitlines() if line.startswith("# --- ")]
    assert banners == [
        "# --- Setup (fakekernel/__init__.py) ---",
        "# --- Settings (fakekernel/config.py) ---",
        "# --- Helpers (fakekernel/helpers.py) ---",
        "# --- Run (fakekernel/main.py) ---",
        "# --- Entry point (fakekernel/__main__.py) ---",
    ]
    script = tmp_path / "fake.py"
    script.write_text(text, encoding="utf-8")
    environment = {
        name: value for name, value in os.environ.items() if name != "FAKE_GREETING"
    }
    result = subprocess.run(
        [sys.executable, "-S", str(script)],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
    )
    assert (result.returncode, result.stdout) == (
        0,
        'hello, world ["hello", "world"]\n',
    )


BAD_PACKAGES = [
    pytest.param(
        {
            "config.py": 'GREETING = "hi"\n\n\ndef describe():\n    return 1\n',
            "main.py": """\
                from fakekernel.config import GREETING


                def describe():
                    return GREETING


                def main(argv=None):
                    return describe()
                """,
        },
        "fakekernel/main.py:4: `describe` is defined at top level here and in "
        "fakekernel/config.py:4",
        id="name-in-two-modules",
    ),
    pytest.param(
        {"main.py": "from fakekernel.config import *\n\n\ndef main():\n    return 0\n"},
        "fakekernel/main.py:1: star import",
        id="star-import",
    ),
    pytest.param(
        {"main.py": "from .config import GREETING\n\n\ndef main():\n    return 0\n"},
        "fakekernel/main.py:1: relative import",
        id="relative-import",
    ),
    pytest.param(
        {"main.py": "import fakekernel.config\n\n\ndef main():\n    return 0\n"},
        "fakekernel/main.py:1: `import fakekernel.config` cannot be resolved",
        id="import-of-a-module-path",
    ),
    pytest.param(
        {"main.py": "from fakekernel.config import GREETING as G\n\nmain = 1\n"},
        "fakekernel/main.py:1: `GREETING as G` renames a name",
        id="aliased-import",
    ),
    pytest.param(
        {
            "main.py": """\
                def main(argv=None):
                    from fakekernel.config import GREETING

                    return GREETING
                """
        },
        "fakekernel/main.py:2: import from fakekernel inside a function or block",
        id="import-inside-a-function",
    ),
    pytest.param(
        {
            "main.py": """\
                from fakekernel import helpers

                SHOWN = helpers


                def main(argv=None):
                    return 0
                """
        },
        "fakekernel/main.py:3: uses `helpers` other than as `helpers.NAME`",
        id="module-object-used-bare",
    ),
    pytest.param(
        {
            "main.py": """\
                from fakekernel import helpers


                def main(argv=None):
                    SEPARATOR = "; "
                    return helpers.SEPARATOR + SEPARATOR
                """
        },
        "fakekernel/main.py:6: `helpers.SEPARATOR` would become `SEPARATOR`, but "
        "this module also binds a local `SEPARATOR`",
        id="rewrite-would-be-shadowed",
    ),
    pytest.param(
        {"main.py": "from fakekernel import settings\n\nmain = settings.main\n"},
        "fakekernel/main.py:1: `from fakekernel import settings`: the bundler "
        "resolves this form only for a module",
        id="import-of-no-module",
    ),
    pytest.param(
        {
            "config.py": 'GREETING = "hi"\n\n\ndef format(value):\n    return value\n',
            "main.py": """\
                from fakekernel.config import GREETING


                def main(argv=None):
                    return len(format(GREETING, ""))
                """,
        },
        "fakekernel/main.py:5: `format` here is Python's builtin",
        id="builtin-redefined-elsewhere",
    ),
    pytest.param(
        {
            "main.py": """\
                def main(argv=None):
                    return 0


                if __name__ == "__main__":
                    main()
                """
        },
        'fakekernel/main.py:5: `if __name__ == "__main__":` would run',
        id="main-guard-in-a-module",
    ),
    pytest.param(
        {
            "config.py": "from fakekernel.main import main\n\nGREETING = 1\n",
            "main.py": "from fakekernel.config import GREETING\n\n\ndef main():\n"
            "    return GREETING\n",
        },
        "fakekernel/config.py:1: import cycle main -> config -> main",
        id="import-cycle",
    ),
    pytest.param(
        {"main.py": "from fakekernel.config import MISSING\n\n\ndef main():\n    0\n"},
        "fakekernel/main.py:1: imports `MISSING` from fakekernel/config.py, which "
        "has no top-level `MISSING`",
        id="name-not-defined",
    ),
    pytest.param(
        {"main.py": "def main(:\n    return 0\n"},
        "fakekernel/main.py:1: ",
        id="syntax-error",
    ),
]


@pytest.mark.parametrize("changes, message", BAD_PACKAGES)
def test_bundler_refuses_what_it_cannot_carry(tmp_path, changes, message):
    package = write_package(tmp_path, changes)
    with pytest.raises(bundle.BundleError) as caught:
        bundle.build(package, "fake.py")
    assert str(caught.value).startswith(message)


def test_bundler_command_line_fails_cleanly(tmp_path):
    package = write_package(
        tmp_path, {"main.py": "from .config import GREETING\n\nmain = 1\n"}
    )
    output = tmp_path / "fake.py"
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "bundle.py"),
            "--package",
            str(package),
            "--output",
            str(output),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("error: fakekernel/main.py:1: relative import")
    assert "Traceback" not in result.stderr
    assert not output.exists()
