"""Charts, tables and templates: the only stage where language enters."""
