"""站内信 pages: the inbox and the header bell."""
