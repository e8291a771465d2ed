"""Making projects and runs: the steps above the store that need the families, the data formats
and the specs (the new-project wizard's Finish, `studio train`'s run creation)."""
