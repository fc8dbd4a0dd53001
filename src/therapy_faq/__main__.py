"""`python -m therapy_faq` runs the CLI."""

from therapy_faq.cli import main

main()
