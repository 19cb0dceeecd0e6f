"""kernel-metadata.json checks, and the real kaggle CLI against a stand-in server."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from kaggle_standin import StandIn

from scripts import kaggle_kernel

ROOT = Path(__file__).resolve().parent.parent
HELPER = ROOT / "scripts" / "kaggle_kernel.py"
METADATA = json.loads((ROOT / "kernel-metadata.json").read_text())
SLUG = METADATA["id"].split("/")[1]
USER = "standin-user"
KEY = "standin-key"
DROP = object()  # marks a field to remove from the metadata


def write_metadata(folder, metadata):
    """Writes kernel-metadata.json into `folder`; returns its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "kernel-metadata.json"
    path.write_text(json.dumps(metadata, indent=2), encoding="utf-8")
    return path


@pytest.fixture
def valid_folder(tmp_path):
    """A folder with the project's metadata and a stand-in code file."""
    (tmp_path / METADATA["code_file"]).write_text("print('kernel')\n")
    return tmp_path


def test_project_metadata_is_valid(valid_folder):
    assert kaggle_kernel.metadata_problems(METADATA, valid_folder) == []


@pytest.mark.parametrize(
    "changes, message",
    [
        pytest.param(
            {"title": "LSTM"},
            "\"title\" 'LSTM' has 4 characters; Kaggle needs at least 5.",
            id="title-too-short",
        ),
        pytest.param(
            {"id": "kaggle-user/imdb", "title": "IMDB"},
            "the slug 'imdb' of \"id\" has 4 characters; Kaggle needs at least 5.",
            id="slug-too-short",
        ),
        pytest.param(
            {"title": "IMDB Sentiment GRU"},
            "\"title\" 'IMDB Sentiment GRU' becomes the slug 'imdb-sentiment-gru', "
            "not 'imdb-sentiment-lstm' as in \"id\"",
            id="title-does-not-give-the-slug",
        ),
        pytest.param(
            {"id": SLUG},
            '"id" must be "owner/slug"',
            id="id-without-owner",
        ),
        pytest.param(
            {"id": f"kaggle-user/{SLUG}/3"},
            '"id" must be "owner/slug"',
            id="id-with-version",
        ),
        pytest.param(
            {"id": f"/{SLUG}"},
            '"id" must be "owner/slug"',
            id="id-with-empty-owner",
        ),
        pytest.param(
            {"id": 7},
            '"id" must be a string, got 7.',
            id="id-not-text",
        ),
        pytest.param(
            {"title": DROP},
            '"title" is missing; kernel pushes need it.',
            id="title-missing",
        ),
        pytest.param(
            {"code_file": "other_script.py"},
            "\"code_file\" 'other_script.py' does not exist in",
            id="code-file-absent",
        ),
        pytest.param(
            {"code_file": "../outside.py"},
            "\"code_file\" '../outside.py' must be a file inside",
            id="code-file-outside-the-folder",
        ),
        pytest.param(
            {"enable_gpu": "true"},
            "\"enable_gpu\" must be true or false (a JSON boolean), got 'true'.",
            id="boolean-as-text",
        ),
        pytest.param(
            {"is_private": 1},
            '"is_private" must be true or false (a JSON boolean), got 1.',
            id="boolean-as-number",
        ),
        pytest.param(
            {"enable_tpu": True},
            '"enable_gpu" and "enable_tpu" are both true',
            id="gpu-and-tpu",
        ),
        pytest.param(
            {"language": "julia"},
            "\"language\" is 'julia'; Kaggle accepts python, r, rmarkdown.",
            id="unknown-language",
        ),
        pytest.param(
            {"kernel_type": "notebooks"},
            "\"kernel_type\" is 'notebooks'; Kaggle accepts script, notebook.",
            id="unknown-kernel-type",
        ),
        pytest.param(
            {"enable_gpus": True},
            'unknown field "enable_gpus"; the Kaggle CLI would ignore it.',
            id="unknown-field",
        ),
        pytest.param(
            {"dataset_sources": "someone/imdb"},
            "\"dataset_sources\" must be a list of strings, got 'someone/imdb'.",
            id="sources-not-a-list",
        ),
        pytest.param(
            {"dataset_sources": ["imdb"]},
            "\"dataset_sources\" entry 'imdb' must have the form owner/dataset-slug.",
            id="dataset-source-without-owner",
        ),
    ],
)
def test_bad_metadata_is_refused(valid_folder, changes, message):
    metadata = {**METADATA, **changes}
    metadata = {name: value for name, value in metadata.items() if value is not DROP}
    problems = kaggle_kernel.metadata_problems(metadata, valid_folder)
    assert any(problem.startswith(message) for problem in problems), problems


def test_metadata_must_be_an_object(valid_folder):
    assert kaggle_kernel.metadata_problems([METADATA], valid_folder) == [
        "must be a JSON object of fields, got list."
    ]


def run_helper(*arguments, env=None):
    """Runs scripts/kaggle_kernel.py; returns the completed process."""
    return subprocess.run(
        [sys.executable, str(HELPER), *arguments],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
    )


def test_validate_command_prints_every_problem(tmp_path):
    path = write_metadata(tmp_path, {**METADATA, "enable_gpu": "yes", "title": "X"})
    result = run_helper("--metadata", str(path), "validate")
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 4  # title too short, title/slug, boolean, code file
    assert all(line.startswith("error: kernel-metadata.json: ") for line in lines)
    assert "Traceback" not in result.stderr


def test_validate_command_on_unreadable_json(tmp_path):
    path = tmp_path / "kernel-metadata.json"
    path.write_text('{"id": "kaggle-user/imdb-sentiment-lstm",')
    result = run_helper("--metadata", str(path), "validate")
    assert result.returncode == 1
    assert result.stderr.startswith("error: kernel-metadata.json: not readable JSON")


def test_validate_command_accepts_the_project(tmp_path):
    result = run_helper("validate")
    assert (result.returncode, result.stdout) == (
        0,
        f"kernel-metadata.json: valid ({METADATA['id']}).\n",
    )


@pytest.fixture
def kaggle_env(tmp_path):
    """Environment for the CLI: the stand-in's credentials, nothing of the user's.

    HOME, KAGGLE_CONFIG_DIR and XDG_CONFIG_HOME point into tmp_path, so no
    real kaggle.json, access token or OAuth file is read or written.
    """
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("KAGGLE_") and not name.lower().endswith("_proxy")
    }
    home = tmp_path / "home"
    home.mkdir()
    environment.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        KAGGLE_CONFIG_DIR=str(tmp_path / "kaggle-config"),
        KAGGLE_USERNAME=USER,
        KAGGLE_KEY=KEY,
        KAGGLE_API_ENVIRONMENT="LOCALHOST",
        no_proxy="localhost,127.0.0.1",
        NO_PROXY="localhost,127.0.0.1",
    )
    return environment


def test_cli_accepts_the_languages_and_kernel_types_we_check(kaggle_env):
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from kaggle.api.kaggle_api_extended import KaggleApi as Api; "
            "print(Api.valid_push_language_types, Api.valid_push_kernel_types)",
        ],
        capture_output=True,
        text=True,
        env=kaggle_env,
    )
    expected = f"{list(kaggle_kernel.LANGUAGES)} {list(kaggle_kernel.KERNEL_TYPES)}"
    assert result.stdout.strip() == expected, result.stderr


@pytest.fixture
def standin():
    """The Kaggle stand-in on 127.0.0.1:80, where the CLI's LOCALHOST goes."""
    server = StandIn(USER, KEY)
    try:
        server.start()
    except OSError as error:
        pytest.skip(
            f"cannot bind 127.0.0.1:80 for the Kaggle stand-in ({error}); the "
            "kaggle CLI's LOCALHOST environment has no other port. Run as root "
            "(CI does) to include these tests."
        )
    yield server
    server.stop()
    assert server.unexpected == [], "the CLI made calls the stand-in does not know"


@pytest.fixture
def kernel_folder(tmp_path):
    """A copy of the project's metadata, without its script yet."""
    return write_metadata(tmp_path / "kernel", METADATA)


def test_push_sends_the_generated_script_and_settings(
    standin, kaggle_env, kernel_folder, tmp_path
):
    staging = tmp_path / "staging"
    result = run_helper(
        "--metadata",
        str(kernel_folder),
        "push",
        "--staging",
        str(staging),
        env=kaggle_env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Pushing as {USER}/{SLUG}" in result.stdout
    assert "successfully pushed" in result.stdout
    (pushed,) = standin.pushes
    script = kernel_folder.parent / METADATA["code_file"]
    assert pushed["text"].encode("utf-8") == script.read_bytes()
    assert pushed["text"].startswith('"""An LSTM that learns the sentiment')
    sent = {name: value for name, value in pushed.items() if name != "text"}
    assert sent == {
        "slug": f"{USER}/{SLUG}",
        "newTitle": METADATA["title"],
        "language": "python",
        "kernelType": "script",
        "isPrivate": True,
        "enableGpu": True,
        "enableTpu": False,
        "enableInternet": True,
        "machineShape": "NvidiaTeslaT4",
    }  # the CLI leaves the empty source lists out of the request
    # The committed metadata keeps its owner; only the staged copy changes.
    assert json.loads(kernel_folder.read_text()) == METADATA
    staged = json.loads((staging / "kernel-metadata.json").read_text())
    assert staged == {**METADATA, "id": f"{USER}/{SLUG}"}


def test_push_takes_the_user_from_kaggle_json(
    standin, kaggle_env, kernel_folder, tmp_path
):
    del kaggle_env["KAGGLE_USERNAME"], kaggle_env["KAGGLE_KEY"]
    config_dir = Path(kaggle_env["KAGGLE_CONFIG_DIR"])
    config_dir.mkdir()
    config_file = config_dir / "kaggle.json"
    config_file.write_text(json.dumps({"username": USER, "key": KEY}))
    config_file.chmod(0o600)
    result = run_helper(
        "--metadata",
        str(kernel_folder),
        "push",
        "--staging",
        str(tmp_path / "s"),
        env=kaggle_env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert [push["slug"] for push in standin.pushes] == [f"{USER}/{SLUG}"]


def test_refused_push_fails_with_kaggles_message(
    standin, kaggle_env, kernel_folder, tmp_path
):
    standin.push_error = "Maximum batch GPU session count of 2 reached."
    result = run_helper(
        "--metadata",
        str(kernel_folder),
        "push",
        "--staging",
        str(tmp_path / "s"),
        env=kaggle_env,
    )
    assert result.returncode == 1
    assert len(standin.pushes) == 1
    assert result.stderr.endswith(
        "error: Kaggle refused the push: Kernel push error: Maximum batch GPU "
        "session count of 2 reached.\n"
    )


def test_push_without_credentials_stops_before_bundling(
    kaggle_env, kernel_folder, tmp_path
):
    del kaggle_env["KAGGLE_USERNAME"], kaggle_env["KAGGLE_KEY"]
    staging = tmp_path / "staging"
    result = run_helper(
        "--metadata",
        str(kernel_folder),
        "push",
        "--staging",
        str(staging),
        env=kaggle_env,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("error: no Kaggle credentials.")
    assert "KAGGLE_USERNAME" in result.stderr and "kaggle.json" in result.stderr
    assert str(Path(kaggle_env["KAGGLE_CONFIG_DIR"]) / "kaggle.json") in result.stderr
    assert "Traceback" not in result.stderr
    assert not (kernel_folder.parent / METADATA["code_file"]).exists()
    assert not staging.exists()


def test_status_and_output_round_trip(standin, kaggle_env, kernel_folder, tmp_path):
    standin.pushes.append({"slug": f"{USER}/{SLUG}"})  # as after a push
    standin.status = "RUNNING"
    result = run_helper("--metadata", str(kernel_folder), "status", env=kaggle_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f'{USER}/{SLUG} has status "KernelWorkerStatus.RUNNING"\n'

    standin.output_files = {
        "metrics.json": b'{"test": {"accuracy": 0.87}}\n',
        "model.keras": bytes(range(256)) * 4,
    }
    standin.log = '[{"stream_name": "stdout", "data": "Total time: 1.0 s"}]'
    output_dir = tmp_path / "kaggle-output"
    result = run_helper(
        "--metadata",
        str(kernel_folder),
        "output",
        "--output-dir",
        str(output_dir),
        env=kaggle_env,
    )
    assert result.returncode == 0, result.stderr
    downloaded = {path.name: path.read_bytes() for path in output_dir.iterdir()}
    assert downloaded == {
        **standin.output_files,
        f"{SLUG}.log": standin.log.encode(),
    }
    assert ("GET", "/outputs/model.keras") in standin.calls


def test_status_of_a_kernel_never_pushed_fails(standin, kaggle_env, kernel_folder):
    result = run_helper("--metadata", str(kernel_folder), "status", env=kaggle_env)
    assert result.returncode == 1
    assert f"Kernel {USER}/{SLUG} not found" in result.stderr
    assert result.stderr.endswith(
        f"error: kaggle kernels status {USER}/{SLUG} failed.\n"
    )


def test_staging_folder_is_replaced_not_mixed(
    standin, kaggle_env, kernel_folder, tmp_path
):
    staging = tmp_path / "staging"
    staging.mkdir()
    (staging / "leftover.py").write_text("print('an older kernel')\n")
    result = run_helper(
        "--metadata",
        str(kernel_folder),
        "push",
        "--staging",
        str(staging),
        env=kaggle_env,
    )
    assert result.returncode == 0, result.stderr
    assert sorted(path.name for path in staging.iterdir()) == sorted(
        [METADATA["code_file"], "kernel-metadata.json"]
    )


def test_push_refuses_to_stage_over_the_kernel_itself(kaggle_env, kernel_folder):
    result = run_helper(
        "--metadata",
        str(kernel_folder),
        "push",
        "--staging",
        str(kernel_folder.parent),
        env=kaggle_env,
    )
    assert result.returncode == 1
    assert "choose a folder of its own" in result.stderr
    assert json.loads(kernel_folder.read_text()) == METADATA
