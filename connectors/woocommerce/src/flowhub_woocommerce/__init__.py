"""WooCommerce connector for flowhub."""

__version__ = "0.1.0"
