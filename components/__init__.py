"""goship's building blocks: validated settings, pure renderers and one component per file."""
