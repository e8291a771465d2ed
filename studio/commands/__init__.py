"""`studio` command groups; each module has `register(subparsers)`. No Qt imports here."""
