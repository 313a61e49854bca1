"""The catalogue: products, variations, categories, tags, attributes and attribute terms."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from flowhub_woocommerce.models.base import Money, WooDateTime, WooRecord
from flowhub_woocommerce.models.common import Links, WooMetaData

__all__ = [
    "ManageStock",
    "WooAttribute",
    "WooAttributeTerm",
    "WooCategory",
    "WooDefaultAttribute",
    "WooDimensions",
    "WooDownload",
    "WooImage",
    "WooProduct",
    "WooProductAttribute",
    "WooTag",
    "WooTermRef",
    "WooVariation",
    "WooVariationAttribute",
]

ManageStock = bool | Literal["parent"]
"""``manage_stock``: a product says true/false; a variation may say "parent" (stock kept on the parent)."""


class WooImage(WooRecord):
    """A product, variation or category image; ``src`` is enough to attach a new one."""

    id: int | None = None
    date_created: WooDateTime = None
    date_created_gmt: WooDateTime = None
    date_modified: WooDateTime = None
    date_modified_gmt: WooDateTime = None
    src: str | None = None
    name: str | None = None
    alt: str | None = None
    position: int | None = None
    srcset: str | None = None
    sizes: str | None = None
    thumbnail: str | None = None


class WooDimensions(WooRecord):
    """Length, width and height as the strings the shop's units give ("" when unset)."""

    length: str | None = None
    width: str | None = None
    height: str | None = None


class WooDownload(WooRecord):
    """A downloadable file of a product or variation."""

    id: str | None = None
    name: str | None = None
    file: str | None = None


class WooTermRef(WooRecord):
    """A category, tag or brand as a product lists it: ``{"id", "name", "slug"}``."""

    id: int | None = None
    name: str | None = None
    slug: str | None = None


class WooProductAttribute(WooRecord):
    """An attribute on a product: global (``id`` > 0, slug ``pa_*``) or local (``id`` 0)."""

    id: int | None = None
    name: str | None = None
    slug: str | None = None
    position: int | None = None
    visible: bool | None = None
    variation: bool | None = None
    options: list[str] | None = None


class WooVariationAttribute(WooRecord):
    """The one option a variation has for an attribute: ``{"id", "name", "option"}``."""

    id: int | None = None
    name: str | None = None
    slug: str | None = None
    option: str | None = None


class WooDefaultAttribute(WooVariationAttribute):
    """An option preselected on a variable product (``default_attributes``)."""


class _Sellable(WooRecord):
    """Fields products and variations share: identity, price, sale dates, stock, shipping."""

    id: int | None = None
    date_created: WooDateTime = None
    date_created_gmt: WooDateTime = None
    date_modified: WooDateTime = None
    date_modified_gmt: WooDateTime = None
    type: str | None = None
    status: str | None = None
    description: str | None = None
    permalink: str | None = None
    sku: str | None = None
    global_unique_id: str | None = None
    price: Money = None
    regular_price: Money = None
    sale_price: Money = None
    date_on_sale_from: WooDateTime = None
    date_on_sale_from_gmt: WooDateTime = None
    date_on_sale_to: WooDateTime = None
    date_on_sale_to_gmt: WooDateTime = None
    on_sale: bool | None = None
    purchasable: bool | None = None
    virtual: bool | None = None
    downloadable: bool | None = None
    downloads: list[WooDownload] | None = None
    download_limit: int | None = None
    download_expiry: int | None = None
    tax_status: str | None = None
    tax_class: str | None = None
    manage_stock: ManageStock | None = None
    stock_quantity: int | float | None = None
    stock_status: str | None = None
    backorders: str | None = None
    backorders_allowed: bool | None = None
    backordered: bool | None = None
    low_stock_amount: int | float | None = None
    weight: str | None = None
    dimensions: WooDimensions | None = None
    shipping_class: str | None = None
    shipping_class_id: int | None = None
    menu_order: int | None = None
    meta_data: list[WooMetaData] | None = None
    parent_id: int | None = None
    name: str | None = None
    links: Links | None = Field(default=None, alias="_links")


class WooProduct(_Sellable):
    """A product: simple, variable, grouped or external (``type``).

    A product webhook for a variation also parses here (``type`` "variation"; the variation's
    ``option`` stays on its attributes as an extra field).
    """

    slug: str | None = None
    featured: bool | None = None
    catalog_visibility: str | None = None
    short_description: str | None = None
    price_html: str | None = None
    total_sales: int | str | None = None  # wc/v2 sends it as a string
    external_url: str | None = None
    button_text: str | None = None
    sold_individually: bool | None = None
    shipping_required: bool | None = None
    shipping_taxable: bool | None = None
    reviews_allowed: bool | None = None
    average_rating: str | None = None
    rating_count: int | None = None
    related_ids: list[int] | None = None
    upsell_ids: list[int] | None = None
    cross_sell_ids: list[int] | None = None
    purchase_note: str | None = None
    categories: list[WooTermRef] | None = None
    tags: list[WooTermRef] | None = None
    brands: list[WooTermRef] | None = None
    images: list[WooImage] | None = None
    attributes: list[WooProductAttribute] | None = None
    default_attributes: list[WooDefaultAttribute] | None = None
    variations: list[int] | None = None
    grouped_products: list[int] | None = None
    has_options: bool | None = None
    post_password: str | None = None
    permalink_template: str | None = None
    generated_slug: str | None = None
    in_stock: bool | None = None  # wc/v2 only


class WooVariation(_Sellable):
    """A variation of a variable product (``/products/{parent_id}/variations``).

    ``parent_attributes`` is flowhub's addition, not in WooCommerce's answer: the reader puts
    the parent's own attributes there (those not used for variations: material, origin …), so
    a mapping reaches them and a change of them changes the variation record (A10). It is
    read-only: the variation entity never sends it.
    """

    image: WooImage | None = None
    gallery_image_ids: list[int] | None = None
    attributes: list[WooVariationAttribute] | None = None
    parent_attributes: list[WooProductAttribute] | None = Field(
        default=None,
        description="flowhub's addition (read-only, never sent): the parent product's attributes "
        "not used for variations, as the parent lists them",
    )


class WooCategory(WooRecord):
    """A product category; ``parent`` 0 is the top of the tree."""

    id: int | None = None
    name: str | None = None
    slug: str | None = None
    parent: int | None = None
    description: str | None = None
    display: str | None = None
    image: WooImage | None = None
    menu_order: int | None = None
    count: int | None = None
    links: Links | None = Field(default=None, alias="_links")


class WooTag(WooRecord):
    """A product tag."""

    id: int | None = None
    name: str | None = None
    slug: str | None = None
    description: str | None = None
    count: int | None = None
    links: Links | None = Field(default=None, alias="_links")


class WooAttribute(WooRecord):
    """A global product attribute (its terms live under ``/products/attributes/{id}/terms``)."""

    id: int | None = None
    name: str | None = None
    slug: str | None = None
    type: str | None = None
    order_by: str | None = None
    has_archives: bool | None = None
    links: Links | None = Field(default=None, alias="_links")


class WooAttributeTerm(WooRecord):
    """One value of a global attribute (e.g. "M" of "Størrelse")."""

    id: int | None = None
    name: str | None = None
    slug: str | None = None
    description: str | None = None
    menu_order: int | None = None
    count: int | None = None
    links: Links | None = Field(default=None, alias="_links")
