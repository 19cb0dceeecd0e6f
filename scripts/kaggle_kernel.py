"""Checks kernel-metadata.json and drives the Kaggle CLI: push, status, output.

    python scripts/kaggle_kernel.py validate   # the metadata, as Kaggle checks it
    python scripts/kaggle_kernel.py push       # credentials, bundle, check, push
    python scripts/kaggle_kernel.py status     # the state of the latest run
    python scripts/kaggle_kernel.py output     # its files and log, into kaggle-output/

The kernel goes to the account of the credentials in use: when their user
name differs from the owner in kernel-metadata.json, the metadata is rewritten
for that user in a staging folder (build/kaggle/), with a copy of the script,
and pushed from there. The committed kernel-metadata.json never changes.

Credentials are found as the Kaggle CLI finds them: KAGGLE_USERNAME and
KAGGLE_KEY, else kaggle.json in KAGGLE_CONFIG_DIR (default ~/.kaggle). An API
token (KAGGLE_API_TOKEN, ~/.kaggle/access_token) also works, with the user
name from KAGGLE_USERNAME or kaggle.json.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
METADATA_FILE = ROOT / "kernel-metadata.json"
STAGING_DIR = ROOT / "build" / "kaggle"
OUTPUT_DIR = ROOT / "kaggle-output"
BUNDLER = Path(__file__).resolve().parent / "bundle.py"

# The values the Kaggle CLI accepts for a push (KaggleApi.valid_push_language_types
# and valid_push_kernel_types in kaggle 2.2.5); tests compare them with the
# installed CLI's.
LANGUAGES = ("python", "r", "rmarkdown")
KERNEL_TYPES = ("script", "notebook")
PINNING_TYPES = ("original", "latest")
# Kaggle refuses a kernel title or slug shorter than this; the CLI checks both.
MIN_NAME_LENGTH = 5

REQUIRED_TEXT_FIELDS = ("id", "title", "code_file", "language", "kernel_type")
OPTIONAL_TEXT_FIELDS = ("machine_shape", "docker_image", "docker_image_pinning_type")
BOOLEAN_FIELDS = ("is_private", "enable_gpu", "enable_tpu", "enable_internet")
LIST_FIELDS = (
    "dataset_sources",
    "competition_sources",
    "kernel_sources",
    "model_sources",
    "keywords",
)
# Every field `kaggle kernels push` reads; it silently ignores any other, so a
# typo such as "enable_gpus" would quietly run the kernel on a CPU.
KNOWN_FIELDS = (
    REQUIRED_TEXT_FIELDS
    + OPTIONAL_TEXT_FIELDS
    + BOOLEAN_FIELDS
    + LIST_FIELDS
    + ("id_no",)
)

PUSH_REFUSED = "Kernel push error"


class KaggleError(ValueError):
    """Problems to report as `error: ...` lines with exit status 1, no traceback."""

    def __init__(self, *messages):
        super().__init__("\n".join(messages))
        self.messages = messages


def slugify(text):
    """The slug the Kaggle CLI derives from a title (python-slugify's)."""
    try:
        from slugify import slugify as cli_slugify
    except ImportError:
        raise KaggleError(
            "python-slugify is missing; it comes with the kaggle package, so run "
            "`make install`."
        ) from None
    return cli_slugify(text)


def read_metadata(path):
    """The parsed metadata file.

    Raises:
        KaggleError: when the file is missing or is not JSON.
    """
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise KaggleError(
            f"{Path(path).name}: no such file in {Path(path).parent}."
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise KaggleError(f"{Path(path).name}: not readable JSON ({error}).") from None


def split_id(kernel_id):
    """`owner/slug` as (owner, slug); ("", "") when it has another form."""
    parts = kernel_id.split("/")
    if len(parts) != 2 or not all(parts) or any(part != part.strip() for part in parts):
        return "", ""
    return parts[0], parts[1]


def code_path(metadata, folder):
    """Where `code_file` points, or None when it is no path inside `folder`."""
    code_file = metadata.get("code_file")
    if not isinstance(code_file, str) or not code_file:
        return None
    folder = Path(folder).resolve()
    path = (folder / code_file).resolve()
    return path if path.is_relative_to(folder) else None


def text_problems(metadata):
    """Problems with the fields that hold text: present, strings, known values."""
    problems = []
    for field in REQUIRED_TEXT_FIELDS:
        if field not in metadata:
            problems.append(f'"{field}" is missing; kernel pushes need it.')
    for field in REQUIRED_TEXT_FIELDS + OPTIONAL_TEXT_FIELDS:
        value = metadata.get(field)
        if field in metadata and not isinstance(value, str):
            problems.append(f'"{field}" must be a string, got {value!r}.')
    language = metadata.get("language")
    if isinstance(language, str) and language not in LANGUAGES:
        problems.append(
            f'"language" is {language!r}; Kaggle accepts {", ".join(LANGUAGES)}.'
        )
    kernel_type = metadata.get("kernel_type")
    if isinstance(kernel_type, str) and kernel_type not in KERNEL_TYPES:
        problems.append(
            f'"kernel_type" is {kernel_type!r}; Kaggle accepts '
            f"{', '.join(KERNEL_TYPES)}."
        )
    pinning = metadata.get("docker_image_pinning_type")
    if isinstance(pinning, str) and pinning not in PINNING_TYPES:
        problems.append(
            f'"docker_image_pinning_type" is {pinning!r}; Kaggle accepts '
            f"{', '.join(PINNING_TYPES)}."
        )
    return problems


def name_problems(metadata):
    """Problems with the id and the title, which Kaggle links to each other."""
    kernel_id, title = metadata.get("id"), metadata.get("title")
    problems = []
    slug = ""
    if isinstance(kernel_id, str):
        owner, slug = split_id(kernel_id)
        if not slug:
            problems.append(
                f'"id" must be "owner/slug", e.g. "your-user-name/'
                f'imdb-sentiment-lstm", got {kernel_id!r}.'
            )
        elif len(slug) < MIN_NAME_LENGTH:
            problems.append(
                f'the slug {slug!r} of "id" has {len(slug)} characters; Kaggle '
                f"needs at least {MIN_NAME_LENGTH}."
            )
    if isinstance(title, str):
        if len(title) < MIN_NAME_LENGTH:
            problems.append(
                f'"title" {title!r} has {len(title)} characters; Kaggle needs at '
                f"least {MIN_NAME_LENGTH}."
            )
        if slug and slugify(title) != slug:
            problems.append(
                f'"title" {title!r} becomes the slug {slugify(title)!r}, not '
                f'{slug!r} as in "id"; Kaggle makes the kernel\'s address from '
                "the title, so change one to match the other."
            )
    return problems


def setting_problems(metadata):
    """Problems with the switches and lists: JSON types, source forms."""
    problems = []
    for field in BOOLEAN_FIELDS:
        value = metadata.get(field)
        if field in metadata and not isinstance(value, bool):
            problems.append(
                f'"{field}" must be true or false (a JSON boolean), got {value!r}.'
            )
    if metadata.get("enable_gpu") is True and metadata.get("enable_tpu") is True:
        problems.append(
            '"enable_gpu" and "enable_tpu" are both true; a kernel runs on one '
            "accelerator, so set one of them to false."
        )
    forms = {
        "dataset_sources": ("owner/dataset-slug", (2, 3)),
        "kernel_sources": ("owner/kernel-slug", (2, 3)),
        "model_sources": ("owner/model/framework/instance/version", (5,)),
    }
    for field in LIST_FIELDS:
        value = metadata.get(field)
        if field not in metadata:
            continue
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            problems.append(f'"{field}" must be a list of strings, got {value!r}.')
            continue
        if field in forms:
            form, part_counts = forms[field]
            for source in value:
                parts = source.split("/")
                if len(parts) not in part_counts or not all(parts):
                    problems.append(
                        f'"{field}" entry {source!r} must have the form {form}.'
                    )
    if "id_no" in metadata and (
        isinstance(metadata["id_no"], bool) or not isinstance(metadata["id_no"], int)
    ):
        problems.append(f'"id_no" must be a whole number, got {metadata["id_no"]!r}.')
    return problems


def metadata_problems(metadata, folder):
    """Everything wrong with kernel metadata, one message each; [] when valid.

    The rules are those of `kaggle kernels push` and of Kaggle itself, a little
    stricter where the CLI would let a mistake through: booleans must be JSON
    booleans, unknown fields are refused, and the title must give the slug.

    Args:
        metadata: the parsed kernel-metadata.json.
        folder: the folder `code_file` is relative to.
    """
    if not isinstance(metadata, dict):
        return [f"must be a JSON object of fields, got {type(metadata).__name__}."]
    problems = []
    unknown = sorted(set(metadata) - set(KNOWN_FIELDS))
    for field in unknown:
        problems.append(
            f'unknown field "{field}"; the Kaggle CLI would ignore it. Known '
            f"fields: {', '.join(KNOWN_FIELDS)}."
        )
    problems += text_problems(metadata)
    problems += name_problems(metadata)
    problems += setting_problems(metadata)
    code_file = metadata.get("code_file")
    if isinstance(code_file, str):
        path = code_path(metadata, folder)
        if path is None:
            problems.append(
                f'"code_file" {code_file!r} must be a file inside {folder}.'
            )
        elif not path.is_file():
            problems.append(
                f'"code_file" {code_file!r} does not exist in {folder}; generate '
                "it with `make bundle`."
            )
    return problems


def validate(metadata_file):
    """The metadata, read and checked.

    Raises:
        KaggleError: listing every problem, each as `kernel-metadata.json: ...`.
    """
    metadata = read_metadata(metadata_file)
    problems = metadata_problems(metadata, Path(metadata_file).parent)
    if problems:
        name = Path(metadata_file).name
        raise KaggleError(*(f"{name}: {problem}" for problem in problems))
    return metadata


def kaggle_config_dir():
    """The folder of kaggle.json, found as the Kaggle CLI finds it."""
    configured = os.environ.get("KAGGLE_CONFIG_DIR")
    if configured:
        return Path(configured)
    default = Path.home() / ".kaggle"
    if sys.platform.startswith("linux") and not default.exists():
        config_home = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
        return Path(config_home) / "kaggle"
    return default


def has_api_token():
    """Whether an API token is set up, where the Kaggle CLI looks for one."""
    if os.environ.get("KAGGLE_API_TOKEN"):
        return True
    folder = Path.home() / ".kaggle"
    return any(
        (folder / name).is_file() and (folder / name).read_text().strip()
        for name in ("access_token", "access_token.txt")
    )


def kaggle_user():
    """The Kaggle user name of the credentials the CLI will use.

    Raises:
        KaggleError: when no credentials are set up, saying how to set them.
    """
    config_file = kaggle_config_dir() / "kaggle.json"
    stored = {}
    if config_file.is_file():
        try:
            stored = json.loads(config_file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise KaggleError(
                f"{config_file}: not readable JSON ({error}); download a new "
                "token from https://www.kaggle.com/settings."
            ) from None
        if not isinstance(stored, dict):
            stored = {}
    username = os.environ.get("KAGGLE_USERNAME") or stored.get("username")
    key = os.environ.get("KAGGLE_KEY") or stored.get("key")
    if username and (key or has_api_token()):
        return username
    if has_api_token():
        raise KaggleError(
            "found a Kaggle API token but no user name; set KAGGLE_USERNAME to "
            "your Kaggle user name, the owner the kernel is pushed under."
        )
    raise KaggleError(
        "no Kaggle credentials. Create an API token at "
        "https://www.kaggle.com/settings (API, Create New Token), then either\n"
        f"  - save the downloaded kaggle.json as {config_file} (chmod 600), or\n"
        "  - export KAGGLE_USERNAME=your-user-name KAGGLE_KEY=your-key\n"
        "and run this again."
    )


def for_user(metadata, username):
    """The metadata with `username` as the owner in its id."""
    if "/" in username or username != username.strip() or not username:
        raise KaggleError(
            f"the Kaggle user name {username!r} cannot own a kernel id; check "
            "KAGGLE_USERNAME or kaggle.json."
        )
    owner, slug = split_id(metadata["id"])
    if owner == username:
        return metadata
    # The CLI prefers a numeric id_no to the id, and that number names the
    # original owner's kernel; without it, Kaggle finds the kernel by its id.
    return {
        **{name: value for name, value in metadata.items() if name != "id_no"},
        "id": f"{username}/{slug}",
    }


def kaggle_command():
    """The Kaggle CLI of this environment."""
    beside_python = Path(sys.executable).parent / "kaggle"
    if beside_python.is_file():
        return str(beside_python)
    found = shutil.which("kaggle")
    if found is None:
        raise KaggleError(
            "the kaggle command is not installed; run `make install` (it comes "
            "with the dev dependencies)."
        )
    return found


def run_kaggle(*arguments):
    """Runs the Kaggle CLI, echoing its output; returns (exit status, output)."""
    result = subprocess.run(
        [kaggle_command(), *arguments], capture_output=True, text=True, check=False
    )
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    sys.stdout.flush()
    return result.returncode, result.stdout + result.stderr


def stage(metadata, script, staging_dir):
    """Writes the metadata and a copy of the script into a fresh staging folder.

    The files of an earlier push are removed first, so that only this push's
    two files are sent. A folder holding anything else is left alone.

    Raises:
        KaggleError: when the folder holds the script itself or subfolders.
    """
    staging_dir = Path(staging_dir)
    if staging_dir.resolve() == Path(script).resolve().parent:
        raise KaggleError(
            f"the staging folder {staging_dir} is where the script and the "
            "metadata live; choose a folder of its own, such as build/kaggle."
        )
    if staging_dir.is_dir():
        entries = list(staging_dir.iterdir())
        if any(not entry.is_file() or entry.is_symlink() for entry in entries):
            raise KaggleError(
                f"the staging folder {staging_dir} holds folders or links, so it "
                "is not one this script made; choose an empty folder."
            )
        for entry in entries:
            entry.unlink()
    staging_dir.mkdir(parents=True, exist_ok=True)
    (staging_dir / "kernel-metadata.json").write_text(
        json.dumps(metadata, indent=2) + "\n", encoding="utf-8"
    )
    shutil.copyfile(script, staging_dir / metadata["code_file"])
    return staging_dir


def push(metadata_file, staging_dir):
    """Checks credentials, bundles, validates, stages and pushes the kernel.

    Raises:
        KaggleError: at the first step that fails; nothing is pushed then.
    """
    username = kaggle_user()
    metadata = read_metadata(metadata_file)
    folder = Path(metadata_file).parent
    script = code_path(metadata, folder) if isinstance(metadata, dict) else None
    if script is None or script.suffix != ".py":
        code_file = metadata.get("code_file") if isinstance(metadata, dict) else None
        raise KaggleError(
            f'{Path(metadata_file).name}: "code_file" must name a .py file inside '
            f"{folder} for the bundler to write, got {code_file!r}."
        )
    bundled = subprocess.run(
        [sys.executable, str(BUNDLER), "--output", str(script)], check=False
    )
    if bundled.returncode != 0:
        raise KaggleError("the kernel script could not be generated; nothing pushed.")
    metadata = validate(metadata_file)
    owned = for_user(metadata, username)
    if owned["id"] != metadata["id"]:
        print(
            f"Pushing as {owned['id']}: your user name replaces the owner of "
            f"{metadata['id']} (in {Path(staging_dir).name}/ only)."
        )
    staged = stage(owned, script, staging_dir)
    status, output = run_kaggle("kernels", "push", "-p", str(staged))
    for line in output.splitlines():
        if PUSH_REFUSED in line:
            raise KaggleError(f"Kaggle refused the push: {line.strip()}")
    if status != 0:
        raise KaggleError(f"kaggle kernels push failed (exit status {status}).")
    return owned["id"]


def owned_id(metadata_file):
    """The kernel id under the current user's account, for status and output.

    Only the id is checked: following a run needs no script.
    """
    username = kaggle_user()
    metadata = read_metadata(metadata_file)
    kernel_id = metadata.get("id") if isinstance(metadata, dict) else None
    if not isinstance(kernel_id, str) or not split_id(kernel_id)[1]:
        raise KaggleError(
            f'{Path(metadata_file).name}: "id" must be "owner/slug", got {kernel_id!r}.'
        )
    return for_user(metadata, username)["id"]


def status(metadata_file):
    """Prints the state of the kernel's latest run on Kaggle."""
    kernel_id = owned_id(metadata_file)
    exit_status, _ = run_kaggle("kernels", "status", kernel_id)
    if exit_status != 0:
        raise KaggleError(f"kaggle kernels status {kernel_id} failed.")


def output(metadata_file, output_dir):
    """Downloads the latest run's output files and log into `output_dir`."""
    kernel_id = owned_id(metadata_file)
    Path(output_dir).mkdir(parents=True, exist_ok=True)
    exit_status, _ = run_kaggle(
        "kernels", "output", kernel_id, "-p", str(output_dir), "--force"
    )
    if exit_status != 0:
        raise KaggleError(f"kaggle kernels output {kernel_id} failed.")
    print(f"Output of {kernel_id} in {output_dir}")


def parse_args(argv=None):
    """Reads the subcommand and its options."""
    parser = argparse.ArgumentParser(
        description="Validate, push and follow the Kaggle kernel.", allow_abbrev=False
    )
    parser.add_argument(
        "--metadata",
        type=Path,
        default=METADATA_FILE,
        help="the kernel metadata file (default: kernel-metadata.json)",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("validate", help="check the metadata as Kaggle would")
    push_parser = commands.add_parser(
        "push", help="bundle, validate and push under your account"
    )
    push_parser.add_argument(
        "--staging",
        type=Path,
        default=STAGING_DIR,
        help="the folder pushed from (default: build/kaggle)",
    )
    commands.add_parser("status", help="the state of the latest run")
    output_parser = commands.add_parser(
        "output", help="download the latest run's files and log"
    )
    output_parser.add_argument(
        "--output-dir",
        type=Path,
        default=OUTPUT_DIR,
        help="where the files go (default: kaggle-output)",
    )
    return parser.parse_args(argv)


def main(argv=None):
    """Runs one subcommand; returns the exit status."""
    arguments = parse_args(argv)
    try:
        if arguments.command == "validate":
            metadata = validate(arguments.metadata)
            print(f"{arguments.metadata.name}: valid ({metadata['id']}).")
        elif arguments.command == "push":
            push(arguments.metadata, arguments.staging)
        elif arguments.command == "status":
            status(arguments.metadata)
        else:
            output(arguments.metadata, arguments.output_dir)
    except KaggleError as error:
        for message in error.messages:
            print(f"error: {message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
