"""Guided connection set-up (K2, G1, D1, D2): asks, normalises the URL, tests, writes YAML + .env."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import flowhub.plugins
from flowhub.cli import cli
from flowhub.sandboxes import serve

wc_sandbox = pytest.importorskip("flowhub_woocommerce.sandbox")


@pytest.fixture
def shop_url() -> Iterator[str]:
    with serve(wc_sandbox.create_app()) as served:
        yield served.base_url


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    flowhub.plugins._default = None


def _connect(*args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["connect", "woocommerce", *args], input=stdin, catch_exceptions=False)
    return result.exit_code, result.output


def test_connect_asks_for_each_setting_hides_secrets_and_ends_with_a_tested_connection(
    shop_url: str, tmp_path: Path
) -> None:
    key, secret = wc_sandbox.READ_WRITE_KEY.consumer_key, wc_sandbox.READ_WRITE_KEY.consumer_secret
    # the shop URL with a trailing slash and the /wp-json suffix, as people paste it (G1)
    answers = f"{shop_url}/wp-json/\n{key}\n{secret}\n"
    code, out = CliRunner().invoke(cli, ["connect", "woocommerce", "--name", "shop", "--ask"], input=answers,
                                   catch_exceptions=False).exit_code, ""
    assert code == 0
    written = yaml.safe_load((tmp_path / "connections.yaml").read_text())["shop"]
    assert written["url"] == shop_url  # normalised: no trailing slash, no /wp-json
    assert written["consumer_key"] == "${SHOP_CONSUMER_KEY}"
    assert written["consumer_secret"] == "${SHOP_CONSUMER_SECRET}"
    env = (tmp_path / ".env").read_text()
    assert f"SHOP_CONSUMER_SECRET={secret}" in env
    assert secret not in (tmp_path / "connections.yaml").read_text()
    code, out = CliRunner().invoke(cli, ["check", "shop"], catch_exceptions=False).exit_code, ""
    assert code == 0


def test_connect_without_a_terminal_takes_flags_and_refuses_a_bad_secret_with_the_reason(
    shop_url: str, tmp_path: Path
) -> None:
    key = wc_sandbox.READ_WRITE_KEY.consumer_key
    code, out = _connect("--name", "shop", "--set", f"url={shop_url}", "--set", f"consumer_key={key}",
                         "--set", "consumer_secret=cs_wrong_0000000000000000000000000000000000000")
    assert code == 1
    assert "FAILED" in out and "secret" in out.lower()
    assert not (tmp_path / "connections.yaml").exists()


def test_a_url_without_scheme_is_refused_naming_the_problem(tmp_path: Path) -> None:
    code, out = _connect("--set", "url=shop.example.test", "--set", "consumer_key=ck_1234",
                         "--set", "consumer_secret=cs_1234", "--no-check")
    assert code == 2
    assert "url" in out and "scheme" in out.lower()
