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


def _as_tenant(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, tenant: str, registry: Path) -> None:
    """Another installation: its own home and state, the service's shared bindings registry."""
    monkeypatch.setenv("FLOWHUB_TENANT", tenant)
    monkeypatch.setenv("FLOWHUB_HOME", str(tmp_path / tenant))
    monkeypatch.setenv("FLOWHUB_REGISTRY_URL", f"sqlite:///{registry}")


def _connect_quietly(shop_url: str, *extra: str) -> tuple[int, str]:
    conn = wc_sandbox.SANDBOX.connection(shop_url)
    result = CliRunner().invoke(cli, ["connect", "woocommerce", "--name", "shop", "--no-ask",
                                      "--set", f"url={shop_url}", "--set", f"consumer_key={conn['consumer_key']}",
                                      "--set", f"consumer_secret={conn['consumer_secret']}", *extra])
    return result.exit_code, result.output + str(result.exception or "")


def test_a_shop_bound_to_one_tenant_is_refused_to_another_until_released(
    shop_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = tmp_path / "registry.db"
    _as_tenant(monkeypatch, tmp_path, "agency-a", registry)
    assert _connect_quietly(shop_url)[0] == 0
    assert _connect_quietly(shop_url)[0] == 0  # the same agency (or a sub-account of it) may connect again
    _as_tenant(monkeypatch, tmp_path, "agency-b", registry)
    code, out = _connect_quietly(shop_url.replace("http://", "HTTP://") + "/")  # the same shop, spelt otherwise
    assert code != 0 and "already connected to another account" in out and "agency-a" in out
    _as_tenant(monkeypatch, tmp_path, "agency-a", registry)
    released = CliRunner().invoke(cli, ["disconnect", "shop"])
    assert released.exit_code == 0 and "released" in released.output
    _as_tenant(monkeypatch, tmp_path, "agency-b", registry)
    assert _connect_quietly(shop_url)[0] == 0


def test_a_flow_on_a_shop_bound_to_another_tenant_does_not_run(
    shop_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = tmp_path / "registry.db"
    _as_tenant(monkeypatch, tmp_path, "agency-a", registry)
    assert _connect_quietly(shop_url)[0] == 0
    (tmp_path / "flows").mkdir()
    (tmp_path / "mappings").mkdir()
    (tmp_path / "mappings" / "m.yaml").write_text('fields:\n  id: "{{ source.id }}"\n')
    (tmp_path / "flows" / "f.yaml").write_text(
        "source: {connection: shop, entity: product}\n"
        f"connections: {{db: {{connector: sql, url: 'sqlite:///{tmp_path / 'out.db'}'}}}}\n"
        "target: {connection: db, entity: products}\nmapping: ../mappings/m.yaml\n")
    _as_tenant(monkeypatch, tmp_path, "agency-b", registry)
    result = CliRunner().invoke(cli, ["--connections", "connections.yaml", "run", "f"])
    assert result.exit_code == 2 and "already connected to another account" in result.output
    assert not (tmp_path / "out.db").exists() or "products" not in (tmp_path / "out.db").read_bytes().decode("latin-1")
