"""Pure domain core: money, identity numbers, names, categories. No I/O, imports nothing of ours."""
