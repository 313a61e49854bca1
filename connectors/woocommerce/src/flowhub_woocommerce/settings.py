"""The settings of one WooCommerce connection: shop URL, keys, API version, TLS, auth and paging."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import Field, SecretStr, field_validator

from flowhub.settings import ConnectionSettings

__all__ = ["AuthMode", "WooCommerceSettings", "normalise_shop_url"]

AuthMode = Literal["auto", "basic", "query", "oauth1"]

# What people paste after the shop's address: the REST root, or a namespace under it.
_API_SUFFIX = re.compile(r"(?:/wp-json(?:/wc(?:/v\d+)?)?)+/*$", re.IGNORECASE)


def normalise_shop_url(value: str) -> str:
    """``https://shop.example/`` from what a person typed; ValueError with a hint when it cannot be.

    G1: the scheme is required (http:// and https:// decide the auth method, so it is not
    guessed); a trailing slash, ``/wp-json`` or ``/wp-json/wc/v3`` is dropped, because the
    connector adds the API path itself. A sub-directory install (``https://x.example/shop``)
    keeps its path.
    """
    text = value.strip()
    if "://" not in text:
        raise ValueError(
            f"shop URL {text!r} has no scheme: write it with https:// (or http:// for a shop "
            "without TLS), e.g. https://shop.example"
        )
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError(f"shop URL {text!r}: the scheme must be http or https, not {parts.scheme!r}")
    if not parts.hostname:
        raise ValueError(f"shop URL {text!r} has no host name (e.g. https://shop.example)")
    if parts.query or parts.fragment:
        raise ValueError(f"shop URL {text!r}: give the shop's address without ?query or #fragment")
    if parts.username or parts.password:
        raise ValueError("shop URL: put the consumer key and secret in their own settings, not in the URL")
    path = _API_SUFFIX.sub("", parts.path.rstrip("/")).rstrip("/")
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, "", ""))


class WooCommerceSettings(ConnectionSettings):
    """How to reach one shop. Secrets come from ``${ENV}`` references or ``.env``, never YAML."""

    url: str = Field(description="The shop's address, e.g. https://shop.example (scheme required).")
    consumer_key: SecretStr = Field(description="REST API consumer key (ck_...).")
    consumer_secret: SecretStr = Field(description="REST API consumer secret (cs_...).")
    api_version: Literal["v3", "v2"] = Field(
        "v3", description="REST namespace wc/v3 (default) or legacy wc/v2."
    )
    verify_tls: bool = Field(True, description="Check the shop's TLS certificate.")
    ca_bundle: Path | None = Field(None, description="CA bundle (file or directory) for a private CA.")
    auth: AuthMode = Field(
        "auto",
        description="auto: Basic over https, OAuth 1.0a over http (what WooCommerce demands); "
        "or force basic, query (keys as query parameters, https only) or oauth1.",
    )
    per_page: int = Field(100, ge=1, le=100, description="Records per page (WooCommerce allows at most 100).")
    page_concurrency: int = Field(
        4, ge=1, le=16, description="Pages fetched at once once the total is known."
    )
    roles: list[str] = Field(
        default_factory=lambda: ["customer", "subscriber"],
        description="Customer roles read by the customer entity (G7); ['all'] for every role.",
    )
    lookback_seconds: float = Field(
        0.0, ge=0, description="Extra seconds incremental reads go back, on top of the flow's look-back."
    )
    max_wait: float = Field(30.0, gt=0, description="Longest pause between retries (also caps Retry-After).")
    webhook_secret: SecretStr | None = Field(None, description="Secret the shop's webhooks are signed with.")

    @field_validator("url")
    @classmethod
    def _normalise_url(cls, value: str) -> str:
        return normalise_shop_url(value)

    @field_validator("roles")
    @classmethod
    def _roles_given(cls, value: list[str]) -> list[str]:
        roles = [r.strip() for r in value if r.strip()]
        if not roles:
            raise ValueError("give at least one customer role (e.g. customer, subscriber) or 'all'")
        return roles

    @property
    def is_https(self) -> bool:
        return self.url.startswith("https://")

    @property
    def auth_method(self) -> Literal["basic", "query", "oauth1"]:
        """The auth actually used: ``auto`` is Basic over https and OAuth 1.0a over http."""
        if self.auth != "auto":
            return self.auth
        return "basic" if self.is_https else "oauth1"

    @property
    def api_base(self) -> str:
        """``<url>/wp-json/wc/<version>``: every entity path is relative to it."""
        return f"{self.url}/wp-json/wc/{self.api_version}"

    @property
    def tls_verify(self) -> bool | str:
        """What the HTTP client gets: False, True, or the CA bundle's path."""
        if not self.verify_tls:
            return False
        return str(self.ca_bundle) if self.ca_bundle is not None else True
