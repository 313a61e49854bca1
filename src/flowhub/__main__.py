"""`python -m flowhub` is the `flowhub` command."""

from flowhub.cli import main

main()
