"""Docs are checked by tests: hooks, the CLI reference, runnable examples, quoted code, the example plugin.

Conventions for every page under docs/ (docs/*.md and docs/**/*.md); this test finds them itself:

- A fenced block whose first line is ``# file: PATH`` (any language: yaml, dotenv, jsonl, …) is
  written, without that first line, to PATH inside a scratch project made for the page. After the
  page: ``flowhub validate`` (in-process) must pass on every ``flows/*.yaml`` written; ``flowhub
  test`` must pass for every mapping whose golden cases (``mappings/tests/NAME/*.yaml``) were
  written; every other ``mappings/*.yaml`` written must compile. A ``.env`` block feeds ``${ENV}``
  references. When a later block writes a PATH again, what was written so far is checked first, so
  a page may show a file growing step by step.
- A ```` ```python run ```` block is executed, in page order, with the scratch project as the
  working directory; the runnable blocks of one page share one namespace.
- A ```` ```bash run ```` block holds only ``flowhub …`` lines (blank lines and ``#`` comments
  aside). Each runs in-process in the scratch project, in page order, and must exit 0, or the code
  a trailing ``# exit N`` names.
- ``<!-- quote: PATH -->`` on the line before a fenced block (PATH relative to the repository
  root): the block's lines must appear, verbatim and in one piece, in that file. This is how
  docs/plugins.md shows the example connector's real code.

Blocks without these markers are illustrations and are not run.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import inspect
import re
import shlex
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import click
import pytest
from click.testing import CliRunner

import flowhub.plugins
from flowhub import hookspecs
from flowhub.cli import cli

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.rglob("*.md"))
FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>[^`]*)$")
FILE_LINE = re.compile(r"^#\s*file:\s*(?P<path>\S+)\s*$")
QUOTE = re.compile(r"^<!--\s*quote:\s*(?P<path>\S+)\s*-->$")
EXIT = re.compile(r"#\s*exit\s+(?P<code>\d+)\s*$")


# -- reading pages ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Block:
    """One fenced code block of a page."""

    page: Path
    line: int  # of the opening fence, 1-based
    lang: str
    flags: tuple[str, ...]
    text: str
    quote: str | None = None

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"

    @property
    def file_path(self) -> str | None:
        first = self.text.split("\n", 1)[0]
        match = FILE_LINE.match(first)
        return match["path"] if match else None

    @property
    def runnable(self) -> bool:
        return "run" in self.flags


def blocks(page: Path, text: str | None = None) -> Iterator[Block]:
    """The fenced blocks of ``page`` in order, with the quote marker that precedes each."""
    lines = (page.read_text(encoding="utf-8") if text is None else text).splitlines()
    index, previous = 0, ""
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if opening is None:
            previous = lines[index].strip() or previous
            index += 1
            continue
        end = _closing(lines, index, opening["fence"])
        info = opening["info"].split()
        quote = QUOTE.match(previous)
        body = "\n".join(_dedent(line, opening["indent"]) for line in lines[index + 1:end])
        yield Block(page, index + 1, info[0] if info else "", tuple(info[1:]), body,
                    quote["path"] if quote else None)
        index, previous = end + 1, ""


def _closing(lines: list[str], start: int, fence: str) -> int:
    for index in range(start + 1, len(lines)):
        stripped = lines[index].strip()
        if stripped.startswith(fence[0] * len(fence)) and not stripped.strip(fence[0]):
            return index
    return len(lines)


def _dedent(line: str, indent: str) -> str:
    return line[len(indent):] if line.startswith(indent) else line.lstrip(" ")


# -- a scratch project per page ---------------------------------------------------------------------
@dataclass
class Scratch:
    """The scratch project of one page: writes its files, runs its commands, checks its flows."""

    root: Path
    written: dict[str, Block] = field(default_factory=dict)
    namespace: dict[str, object] = field(default_factory=lambda: {"__name__": "__docs__"})
    problems: list[str] = field(default_factory=list)

    def take(self, block: Block) -> None:
        if block.file_path is not None:
            self.write(block, block.file_path)
        elif block.runnable and block.lang in ("python", "py"):
            self.run_python(block)
        elif block.runnable and block.lang in ("bash", "sh", "console", "shell"):
            self.run_commands(block)

    def write(self, block: Block, relative: str) -> None:
        if Path(relative).is_absolute() or ".." in Path(relative).parts:
            self.problems.append(f"{block.where}: `# file: {relative}` must be a path inside the project")
            return
        if relative in self.written:
            self.check()  # the page rewrites a file: check what it showed so far first
        target = self.root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(block.text.split("\n", 1)[1] + "\n" if "\n" in block.text else "", encoding="utf-8")
        self.written[relative] = block

    def run_python(self, block: Block) -> None:
        code = compile("\n" * block.line + block.text, str(block.page.relative_to(ROOT)), "exec")
        try:
            exec(code, self.namespace)
        except Exception as error:  # report the page and line, not this harness
            self.problems.append(f"{block.where}: the example raised {error!r}")

    def run_commands(self, block: Block) -> None:
        for offset, line in enumerate(block.text.splitlines(), start=1):
            command = line.strip()
            if not command or command.startswith("#"):
                continue
            where = f"{block.page.relative_to(ROOT)}:{block.line + offset}"
            words = shlex.split(command, comments=True)
            if words[0] != "flowhub":
                self.problems.append(f"{where}: a `bash run` block may hold only flowhub commands: {command}")
                continue
            wanted = int(match["code"]) if (match := EXIT.search(command)) else 0
            self.expect(wanted, words[1:], where)

    def expect(self, code: int, args: list[str], where: str) -> None:
        result = CliRunner().invoke(cli, args, prog_name="flowhub")
        if result.exit_code != code:
            output = result.output + (f"\n{result.exception!r}" if result.exception else "")
            self.problems.append(f"{where}: `flowhub {shlex.join(args)}` exited {result.exit_code}, "
                                 f"expected {code}:\n{output}")

    def check(self) -> None:
        """Validate every flow written, run written golden cases, compile the other mappings."""
        for relative, block in sorted(self.written.items()):
            path = Path(relative)
            if path.parts[0] == "flows" and path.suffix in (".yaml", ".yml"):
                self.expect(0, ["validate", relative], block.where)
            elif path.parts[0] == "mappings" and len(path.parts) == 2 and path.suffix in (".yaml", ".yml"):
                self.check_mapping(relative, block)

    def check_mapping(self, relative: str, block: Block) -> None:
        from flowhub.errors import MappingError
        from flowhub.mapping import load_mapping

        if any(p.startswith(f"mappings/tests/{Path(relative).stem}/") for p in self.written):
            self.expect(0, ["test", relative], block.where)
            return
        try:
            load_mapping(self.root / relative, functions=dict(flowhub.plugins.get_plugins().functions()))
        except MappingError as error:
            self.problems.append(f"{block.where}: {relative} does not compile: {error}")


def check_page(page: Path, root: Path, text: str | None = None) -> list[str]:
    """Everything wrong with the runnable examples of ``page``; [] when they all pass."""
    scratch = Scratch(root)
    for block in blocks(page, text):
        scratch.take(block)
    scratch.check()
    return scratch.problems


@pytest.fixture
def scratch_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty project folder as the cwd, with its own state store and a fresh plugin registry."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FLOWHUB_HOME", str(tmp_path / ".flowhub"))
    monkeypatch.delenv("FLOWHUB_CONNECTIONS", raising=False)
    monkeypatch.setattr(flowhub.plugins, "_default", None)
    return tmp_path


def _runnable_pages() -> list[Path]:
    return [p for p in PAGES if any(b.file_path or b.runnable for b in blocks(p))]


@pytest.mark.parametrize("page", _runnable_pages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_runnable_examples_of_the_page_pass(page: Path, scratch_dir: Path) -> None:
    problems = check_page(page, scratch_dir)
    assert not problems, "\n\n".join(problems)


def test_the_example_runner_reports_a_broken_flow_with_page_and_line(scratch_dir: Path) -> None:
    page = DOCS / "broken.md"
    text = "Intro.\n\n```yaml\n# file: flows/bad.yaml\nsource: {connection: nowhere, entity: x}\n```\n"
    problems = check_page(page, scratch_dir, text)
    assert len(problems) == 1
    assert problems[0].startswith("docs/broken.md:3: `flowhub validate flows/bad.yaml` exited 2, expected 0:")


def test_the_example_runner_reports_a_failing_python_block_and_a_foreign_command(scratch_dir: Path) -> None:
    page = DOCS / "broken.md"
    text = "```python run\nassert 1 == 2, 'wrong'\n```\n\n```bash run\nrm -rf /\n```\n"
    assert check_page(page, scratch_dir, text) == [
        "docs/broken.md:1: the example raised AssertionError('wrong')",
        "docs/broken.md:6: a `bash run` block may hold only flowhub commands: rm -rf /",
    ]


def test_pages_that_promise_checked_examples_have_them() -> None:
    for name in ("flows.md", "plugins.md", "plugins/hooks.md", "plugins/testing.md"):
        found = [b for b in blocks(DOCS / name) if b.file_path or b.runnable or b.quote]
        assert found, f"docs/{name} has no checked example; did a marker change?"


# -- quoted code ------------------------------------------------------------------------------------
def _quoted_blocks() -> list[Block]:
    return [b for page in PAGES for b in blocks(page) if b.quote]


def quote_problem(block: Block) -> str | None:
    """Why ``block`` is not a verbatim, contiguous piece of the file it quotes; None when it is."""
    source = ROOT / str(block.quote)
    if not source.is_file():
        return f"{block.where}: quotes {block.quote}, which does not exist"
    wanted = [line.rstrip() for line in block.text.splitlines()]
    if not wanted:
        return f"{block.where}: the quote of {block.quote} is empty"
    have = [line.rstrip() for line in source.read_text(encoding="utf-8").splitlines()]
    starts = [i for i, line in enumerate(have) if line == wanted[0]]
    matched = max((_common_prefix(wanted, have[i:]) for i in starts), default=0)
    if matched == len(wanted):
        return None
    return (f"{block.where}: the quote of {block.quote} no longer matches the file from its line "
            f"{matched + 1}: {wanted[matched]!r} (copy the current code into the page)")


@pytest.mark.parametrize("block", _quoted_blocks(), ids=lambda b: b.where)
def test_quoted_code_matches_the_file_it_quotes(block: Block) -> None:
    problem = quote_problem(block)
    assert problem is None, problem


def test_a_quote_that_drifted_from_its_file_is_reported_with_the_first_wrong_line() -> None:
    text = ("<!-- quote: src/flowhub/hookspecs.py -->\n```python\n@hookspec\n"
            "def register_connectors(register):\n```\n")
    [block] = blocks(DOCS / "drift.md", text)
    assert quote_problem(block) == (
        "docs/drift.md:2: the quote of src/flowhub/hookspecs.py no longer matches the file from its "
        "line 2: 'def register_connectors(register):' (copy the current code into the page)"
    )


def _common_prefix(wanted: list[str], have: list[str]) -> int:
    count = 0
    for mine, theirs in zip(wanted, have, strict=False):
        if mine != theirs:
            break
        count += 1
    return count


# -- hooks ------------------------------------------------------------------------------------------
def hook_specs() -> dict[str, inspect.Signature]:
    """Every hook specification in flowhub.hookspecs, by name."""
    return {
        name: inspect.signature(fn)
        for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
        if hasattr(fn, "flowhub_spec")
    }


def test_every_hook_is_documented_with_its_exact_signature() -> None:
    page = (DOCS / "plugins" / "hooks.md").read_text(encoding="utf-8")
    specs = hook_specs()
    assert specs, "no hook specifications found; did the marker name change?"
    for name, signature in specs.items():
        call = f"{name}({', '.join(signature.parameters)})"
        assert f"## `{call}`" in page, f"docs/plugins/hooks.md has no section `## \\`{call}\\``"


def test_hooks_page_documents_no_hook_that_does_not_exist() -> None:
    page = (DOCS / "plugins" / "hooks.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^## `(\w+)\(", page, flags=re.MULTILINE))
    assert documented == set(hook_specs())


# -- the CLI reference ------------------------------------------------------------------------------
def _gen_cli_docs() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_cli_docs", ROOT / "scripts" / "gen_cli_docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _commands() -> list[click.Context]:
    gen = _gen_cli_docs()
    return list(gen.walk(cli, gen.root_context()))


def test_cli_reference_is_up_to_date() -> None:
    page = (DOCS / "cli.md").read_text(encoding="utf-8")
    assert page == _gen_cli_docs().render(), "docs/cli.md is stale: run `python scripts/gen_cli_docs.py`"


@pytest.mark.parametrize("ctx", _commands(), ids=lambda ctx: ctx.command_path)
def test_every_command_is_documented_with_help_and_an_example(ctx: click.Context) -> None:
    page = (DOCS / "cli.md").read_text(encoding="utf-8")
    assert f"\n## {ctx.command_path}\n" in page
    lines = [line.strip() for line in (ctx.command.help or "").splitlines()]
    assert lines and lines[0], f"`{ctx.command_path}` has no help text"
    assert any(line.startswith(f"Example: {ctx.find_root().info_name}") for line in lines), (
        f"`{ctx.command_path}` has no `Example: flowhub …` line in its help"
    )


# -- the example plugin -----------------------------------------------------------------------------
def test_example_plugin_is_found_through_its_entry_point() -> None:
    [entry] = importlib.metadata.entry_points(group="flowhub", name="example_notes")
    assert entry.value == "flowhub_example_notes.plugin"
    assert entry.dist is not None and entry.dist.name == "flowhub-example-notes"
    info = flowhub.plugins.Plugins().connectors()["example_notes"]
    assert (info.distribution, info.cls.__name__) == ("flowhub-example-notes", "NotesConnector")


def test_example_plugin_tests_run_with_the_suite() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "docs/plugins/example/tests" in config["tool"]["pytest"]["ini_options"]["testpaths"]


# -- links ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_point_at_files_that_exist(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    prose = re.sub(r"^(`{3,}|~{3,}).*?^\1", "", text, flags=re.MULTILINE | re.DOTALL)
    broken = [
        target for target in re.findall(r"\]\(([^)\s#]+)(?:#[^)]*)?\)", prose)
        if "://" not in target and not target.startswith("mailto:") and not (page.parent / target).exists()
    ]
    assert not broken, f"{page.relative_to(ROOT)} links to missing files: {broken}"
