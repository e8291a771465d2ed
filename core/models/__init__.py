"""What every family's models share: the checkpoint format and files, model transforms replayed
before weights load, and loading weights by matching names and shapes."""
