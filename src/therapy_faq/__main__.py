"""`python -m therapy_faq` runs the CLI."""

from therapy_faq.entry import main

main()
