"""Chinese full-text search over case titles and contents through a bigram index."""
