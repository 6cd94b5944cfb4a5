"""好差评: ratings of concluded applications; a bad one opens a rectification case."""
